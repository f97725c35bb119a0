#!/usr/bin/env bash
# Runs every fuzz target briefly (FUZZTIME each, default 3s). `go test`
# already replays the committed seed corpora; this explores beyond them.
# A failing input is saved under the package's testdata/fuzz/ and the
# script exits non-zero.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-3s}
while read -r pkg fn; do
  echo "fuzz $fn ($pkg, $FUZZTIME)"
  "$GO" test -run '^$' -fuzz "^${fn}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/etlbench-fuzz.$$ 2>&1 \
    || { cat /tmp/etlbench-fuzz.$$; rm -f /tmp/etlbench-fuzz.$$; exit 1; }
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
rm -f /tmp/etlbench-fuzz.$$
