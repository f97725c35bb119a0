#!/usr/bin/env bash
# make profile: CPU and allocation profiles of a target and its transformer
# under `etlbench load`, one embedded cluster (1 target, so that one target's
# profile holds the whole load) per case:
#   get-<size>          plain GET, the baseline
#   <mode>-<size>       inline echo over hpush, hpull or ws
# For each case it writes results/profile/<case>/: the raw profiles
# (<node>-<pid>.{cpu,allocs,heap}.pprof, see ETLBENCH_PROFILE_DIR in
# bench/profile.go), top-25 summaries (*.top.txt: CPU; *.alloc.txt: bytes
# allocated) and the loader's result.json. The target's profile also holds
# the PUTs that populate the bucket (a few percent of the bytes moved).
#
#   deploy/profile.sh                      # every case, 8MiB and 64KiB
#   CASES="get hpush" SIZES=8MiB DURATION=5s deploy/profile.sh
#
# Environment: ETLBENCH_BIN (default bin/etlbench), OUT (default
# results/profile), CASES (get hpush hpull ws), SIZES (8MiB 64KiB),
# DURATION (10s), WORKERS (4).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${ETLBENCH_BIN:-bin/etlbench}
OUT=${OUT:-results/profile}
CASES=${CASES:-get hpush hpull ws}
SIZES=${SIZES:-8MiB 64KiB}
DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-4}
GO=${GO:-go}

if [ ! -x "$BIN" ]; then
  echo "profile.sh: $BIN not found: run 'make build' first" >&2
  exit 1
fi
DIR=$(mktemp -d -t etlbench-profile.XXXXXX)
down() {
  if [ -f "$DIR/cluster.json" ]; then
    "$BIN" cluster down --dir "$DIR" >/dev/null 2>&1 || true
  fi
}
trap 'down; rm -rf "$DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

objects_for() { # enough objects that a run reads more than it populated
  case "$1" in
    *MiB) echo 32 ;;
    *) echo 512 ;;
  esac
}

for size in $SIZES; do
  for c in $CASES; do
    name="$c-$size"
    dst="$OUT/$name"
    rm -rf "$dst"
    mkdir -p "$dst"
    echo "profile: $name ($DURATION, $WORKERS workers)"
    ETLBENCH_PROFILE_DIR="$(realpath "$dst")" "$BIN" cluster up --dir "$DIR" --targets 1 >/dev/null
    n=$(objects_for "$size")
    load=("$BIN" load --cluster-dir "$DIR" --bucket prof --display none --numworkers "$WORKERS")
    "${load[@]}" --op put --minsize "$size" --maxsize "$size" --maxputs "$n" --duration 0 >/dev/null
    if [ "$c" = get ]; then
      "${load[@]}" --op get --duration "$DURATION" --out "$dst/load" | tail -3
    else
      "${load[@]}" --op etl-get --etl echo --comm "$c" --duration "$DURATION" --out "$dst/load" | tail -3
    fi
    down   # SIGTERM: every node and transformer writes its profiles on the way out
    for p in "$dst"/*.cpu.pprof; do
      [ -s "$p" ] || continue
      "$GO" tool pprof -top -nodecount=25 "$BIN" "$p" > "${p%.cpu.pprof}.top.txt" 2>/dev/null || true
    done
    for p in "$dst"/*.allocs.pprof; do
      [ -s "$p" ] || continue
      "$GO" tool pprof -top -nodecount=25 -sample_index=alloc_space "$BIN" "$p" > "${p%.allocs.pprof}.alloc.txt" 2>/dev/null || true
    done
  done
done
echo "profile: done; summaries in $OUT/*/*.top.txt and *.alloc.txt"
