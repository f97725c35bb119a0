#!/usr/bin/env bash
# make run: run a scenario (default scenarios/quick.yaml) on an embedded
# cluster and leave its report in results/latest: report.md, the PNG and
# SVG plots, results.txt (benchstat) and every cell's result.json.
#
# `etlbench run` brings the cluster up in its own directory with the
# scenario's shape (targets, mountpaths), runs every cell with live
# progress, prints the table, writes the report and brings the cluster
# down. The trap below brings it down too if the run is killed, so nothing
# is left running. A cluster you started yourself (etlbench cluster up,
# .etlbench/cluster) is never touched.
#
#   deploy/run.sh [SCENARIO] [etlbench run flags...]
#   e.g. deploy/run.sh scenarios/comm-modes.yaml --set duration=5s
#
# Environment: ETLBENCH_BIN (default bin/etlbench), ETLBENCH_OUT (default
# results/latest), ETLBENCH_CLUSTER_DIR (default .etlbench/make-run).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${ETLBENCH_BIN:-bin/etlbench}
OUT=${ETLBENCH_OUT:-results/latest}
DIR=${ETLBENCH_CLUSTER_DIR:-.etlbench/make-run}
SCENARIO=${1:-scenarios/quick.yaml}
shift $(( $# > 0 ? 1 : 0 ))

if [ ! -x "$BIN" ]; then
  echo "run.sh: $BIN not found: run 'make build' first" >&2
  exit 1
fi
if [ ! -f "$SCENARIO" ]; then
  echo "run.sh: no scenario file $SCENARIO (shipped: $(ls scenarios/*.yaml | tr '\n' ' '))" >&2
  exit 2
fi

down() {
  if [ -f "$DIR/cluster.json" ]; then
    "$BIN" cluster down --dir "$DIR" >/dev/null 2>&1 || true
  fi
}
# Bash runs a trap only after the foreground command ends, so on Ctrl-C
# `etlbench run` first drains its cell and deletes its ETL, then this runs.
trap down EXIT
trap 'down; exit 130' INT
trap 'down; exit 143' TERM

start=$(date +%s)
"$BIN" run -s "$SCENARIO" -o "$OUT" --cluster-dir "$DIR" "$@"
echo
echo "make run: done in $(( $(date +%s) - start ))s; report in $OUT/report.md"
ls "$OUT"/*.png 2>/dev/null | sed 's/^/  /' | head -20 || true
