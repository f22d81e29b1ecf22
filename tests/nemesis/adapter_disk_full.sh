#!/usr/bin/env bash
# Issue 18.1: an adapter whose disk fills keeps what it has, refuses new
# records to the dead letters with the reason once it cannot store them as
# events, never crashes, and resumes when space returns. The adapter's state
# directory is an 16 MiB tmpfs (outbox.reserve_mb 8) while its broker is down
# and a file-tail source takes records; the filesystem is then grown, more
# records arrive, and the broker comes up: everything is accounted for.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
SITE=alpha
N1=8000
N2=1000
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
flows "$WORK/all.json" $((N1 + N2))
head -n $N1 "$WORK/all.json" >"$WORK/first.json"
tail -n $N2 "$WORK/all.json" >"$WORK/second.json"
: >"$WORK/eve.json"
small_disk "$WORK/$SITE" 16m
cat >"$WORK/$SITE.json" <<CFG
{"site": "$SITE", "broker": "$SITE_EP", "state_dir": "$WORK/$SITE", "keys_dir": "$KEYS",
 "outbox": {"reserve_mb": 8},
 "sources": [{"name": "ids", "type": "file-tail", "source_id": "suricata.eve", "path": "$WORK/eve.json", "interval_s": 1, "max_bytes_per_poll": 1048576}]}
CFG
"$BIN/fedsoar-adapter" --config "$WORK/$SITE.json" >>"$WORK/$SITE.log" 2>&1 &
ADAPTER=$!
PIDS+=($ADAPTER)
dead() { "$BIN/fedsoar-adapter" --config "$WORK/$SITE.json" --dead-letters 2>/dev/null | jq -s "$1"; }

cat "$WORK/first.json" >>"$WORK/eve.json"
wait_for 60 "the adapter says its disk is low" grep -q "event=outbox_disk_low state_dir=$WORK/$SITE " "$WORK/$SITE.log"
wait_for 60 "records are dead-lettered with the reason" bash -c "[ \"\$('$BIN/fedsoar-adapter' --config '$WORK/$SITE.json' --dead-letters 2>/dev/null | jq -s 'map(select(.reason | test(\"^adapter disk full: \"))) | length')\" -gt 0 ]"
low_at=$(now_ms)
# Wait until the source has taken every record it could (events or dead
# letters) or the disk refused the rest (event=outbox_commit_failed).
wait_for 60 "the source went as far as the disk allows" bash -c \
    "grep -q 'event=outbox_commit_failed' '$WORK/$SITE.log' || [ \"\$('$BIN/fedsoar-adapter' --config '$WORK/$SITE.json' --dead-letters 2>/dev/null | jq -s length)\" -gt 0 ]"
sleep 3
check "the adapter did not crash on a full disk" kill -0 $ADAPTER
dl=$(dead 'map(select(.reason | test("^adapter disk full: .* bytes free in the state directory, under outbox.reserve_mb"))) | length')
check "dead letters name the cause ($dl so far)" [ "$dl" -gt 0 ]
check "each keeps its raw record" bash -c "[ \"\$('$BIN/fedsoar-adapter' --config '$WORK/$SITE.json' --dead-letters 2>/dev/null | jq -s 'all(.[]; (.raw | fromjson | .class_uid) == 4001)')\" = true ]"

grow_disk "$WORK/$SITE" 512m
grown_at=$(now_ms)
wait_for 30 "the adapter says space is back" grep -q "event=outbox_disk_ok state_dir=$WORK/$SITE " "$WORK/$SITE.log"
echo "# the adapter saw the space back $(($(now_ms) - grown_at)) ms after the disk grew (disk low for $((grown_at - low_at)) ms)"
cat "$WORK/second.json" >>"$WORK/eve.json"
start_broker
wait_for 20 "the broker answers" ctl stats --json
# Every record is either stored at the broker or kept as a dead letter with
# its reason: none lost, none doubled (the source re-read what the disk
# refused, from its checkpoint).
wait_for 120 "events + dead letters = $((N1 + N2))" bash -c \
    "[ \$(( \$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.events.per_site.$SITE // 0') + \$('$BIN/fedsoar-adapter' --config '$WORK/$SITE.json' --dead-letters 2>/dev/null | jq -s length) )) = $((N1 + N2)) ]"
stored=$(stat ".events.per_site.$SITE")
total_dead=$(dead length)
echo "# $stored events stored at the broker, $total_dead dead letters (disk full), of $((N1 + N2)) records"
check "every record is stored or dead-lettered: $stored + $total_dead = $((N1 + N2))" [ $((stored + total_dead)) = $((N1 + N2)) ]
check "the $N2 records after the disk grew flowed as events" [ "$stored" -ge $N2 ]
ids=$(dead 'map(.raw | fromjson | .metadata.correlation_uid)')
check "dead letters carry the records' own ids (the last of them $(jq -r 'max' <<<"$ids"))" jq -e 'length > 0 and all(.[]; type == "string")' <<<"$ids" >/dev/null
check "none of the $N2 records after the disk grew is a dead letter" \
    jq -e "all(.[]; tonumber < $((10**6 + N1)))" <<<"$ids" >/dev/null
check "exactly once at the broker: no duplicates" stat_is ".events.total" "$stored"
check "the same adapter process throughout" kill -0 $ADAPTER
finish
