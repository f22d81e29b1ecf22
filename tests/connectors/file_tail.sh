#!/usr/bin/env bash
# The file-tail source on a Suricata eve.json with a real broker and adapter:
# every complete line exactly once; a partial line waits for its newline; a
# bad line goes to the dead letters; a rotation (mv eve.json eve.json.1,
# new eve.json) loses nothing written to the old file before it; kill -9
# resumes at the committed offset; a truncation restarts at 0.
source "$(dirname "$0")/../integration/lib.sh"
require_tool bc
EVE_SRC="$SRC/tests/fixtures/vendors/suricata.eve/eve.ndjson"
EVE="$WORK/eve.json"
line() { sed -n "${1}p" "$EVE_SRC"; } # the fixture's 3 lines: alert, flow, dns
cat >"$WORK/alpha.json" <<JSON
{"sources": [{"name": "ids", "type": "file-tail", "source_id": "suricata.eve", "path": "$EVE", "interval_s": 1}]}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
start_adapter alpha --config "$WORK/alpha.json"
sleep 1.5 # the file does not exist yet: nothing happens, nothing fails
check "a missing file is not an error" bash -c "! grep -q source_poll_failed '$WORK/alpha.log'"

{ line 1; line 2; } >"$EVE"
printf '%s' "$(line 3)" >>"$EVE"        # partial: no newline yet
wait_for 20 "two complete lines stored" stat_is .events.total 2
sleep 1.5
check "the partial line waited" stat_is .events.total 2
printf '\n{"not eve": \n' >>"$EVE"        # completes line 3, then a bad line
wait_for 20 "the completed line stored" stat_is .events.total 3
wait_for 10 "the bad line dead-lettered" grep -q record_rejected "$WORK/alpha.log"

# From here the fixture's lines repeat: the broker stores each distinct
# record once (issue 11) and counts the rest as duplicates, so "taken in"
# is stored + duplicates.
TAKEN='.events.total + ([.events.duplicates_per_site[]] | add // 0)'
# Rotation: a line lands in the old file just before it is renamed.
line 1 >>"$EVE"
mv "$EVE" "$EVE.1"
{ line 2; line 3; } >"$EVE"
wait_for 20 "the old file's last line and the new file's two" stat_is "$TAKEN" 6

# kill -9, more lines while down, restart: resumes at the committed offset.
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
line 1 >>"$EVE"
start_adapter alpha --config "$WORK/alpha.json"
wait_for 20 "the line written while down" stat_is "$TAKEN" 7
# Truncation (copytruncate): starts over at 0.
: >"$EVE"
line 2 >>"$EVE"
wait_for 20 "the line after truncation" stat_is "$TAKEN" 8
sleep 2
check "exactly 8 records taken in, none twice" stat_is "$TAKEN" 8
check "3 distinct records stored" stat_is .events.total 3
added=$(grep -ho 'event=source_polled [^ ]* [^ ]* [^ ]* events=[0-9]*' "$WORK/alpha.log" | sed 's/.*events=//' | paste -sd+ | bc)
check "the adapter added exactly 8 events ($added)" [ "$added" = 8 ]
finish
