#!/usr/bin/env bash
# make run: bring the embedded cluster up, run the default scenario, print
# the summary and write the report to results/latest, bring the cluster down.
set -euo pipefail
BIN=${ETLBENCH_BIN:-bin/etlbench}
SCENARIO=${1:-scenarios/quick.yaml}
DIR=.etlbench/cluster
cleanup() { "$BIN" cluster down --dir "$DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM
"$BIN" cluster up --targets 3 --dir "$DIR" >/dev/null
"$BIN" cluster status --dir "$DIR"
if "$BIN" run --help >/dev/null 2>&1 && [ -f "$SCENARIO" ]; then
  "$BIN" run -s "$SCENARIO" -o results/latest --cluster-dir "$DIR"
else
  "$BIN" smoke --cluster-dir "$DIR"
fi
