#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME each, default 3s). `go test`
# already replays the committed seed corpora; this explores beyond them.
# A failing input is saved under the package's testdata/fuzz/ and the
# script exits non-zero. A run that fails with only "context deadline
# exceeded" (the fuzzing engine's own deadline hit while a worker was busy,
# no failing input) is run once more before it counts.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fuzz_once() { "$GO" test -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME" "$1" >"$out" 2>&1; }
while read -r pkg fn; do
  echo "fuzz $fn ($pkg, $FUZZTIME)"
  if fuzz_once "$pkg" "$fn"; then continue; fi
  if ! grep -q 'Failing input written' "$out" && grep -q 'context deadline exceeded' "$out"; then
    echo "fuzz $fn: the engine's deadline, no failing input; once more"
    if fuzz_once "$pkg" "$fn"; then continue; fi
  fi
  cat "$out"
  exit 1
done <<'LIST'
./etlcore/etl FuzzParseSpec
./etlcore/transformer FuzzWSCtrlMsg
./etlcore/cluster FuzzValidateObjName
./etlcore/cluster FuzzValidateBucket
./etlcore/cluster FuzzExpandTemplate
./etlcore/target FuzzParseListRequest
./etlcore/target FuzzTargetHandlers
./etlcore/transformers FuzzWAVReader
./scenarios FuzzParse
./scenarios FuzzSet
LIST
