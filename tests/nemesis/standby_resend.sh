#!/usr/bin/env bash
# Issue 18.3: sites keep acknowledged events for outbox.retain_acked_s after
# the ACK. The broker is backed up while a site streams, then dies (kill -9)
# after storing everything; a broker started from the older copy on the same
# endpoints welcomes the site with the copy's last_seq, and the site sends
# again what it retained above it: every event once, none lost.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
N=4000
SITE=alpha
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
flows "$WORK/flows.json" $N
cat >"$WORK/$SITE.json" <<CFG
{"site": "$SITE", "broker": "$SITE_EP", "state_dir": "$WORK/$SITE", "keys_dir": "$KEYS",
 "outbox": {"retain_acked_s": 3600}, "link": {"max_events_per_s": 1000},
 "replay": [{"source": "suricata.eve", "file": "$WORK/flows.json"}]}
CFG
start_broker
wait_for 20 "the broker answers" ctl stats --json
"$BIN/fedsoar-adapter" --config "$WORK/$SITE.json" >>"$WORK/$SITE.log" 2>&1 &
ADAPTER=$!
PIDS+=($ADAPTER)
wait_for 60 "the stream is under way" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.events.per_site.$SITE // 0')\" -ge 1000 ]"
at=$(ctl backup "$WORK/copy" --json | jq -r .events)
echo "# backup taken with $at of $N events"
wait_for 120 "the first broker stored all $N" stat_is ".events.per_site.$SITE" $N
wait_for 30 "the site's backlog is 0 (everything acknowledged)" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.$SITE.outbox_backlog')\" = 0 ]"
check "the copy is older than what the site was told is stored ($at < $N)" [ "$at" -lt $N ]

kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
died=$(now_ms)
"$BIN/fedsoar-broker" --state-dir "$WORK/copy" --keys "$KEYS" --listen "$SITE_EP" --control "$CTL_EP" \
    >>"$WORK/standby.log" 2>&1 &
PIDS+=($!)
wait_for 20 "the broker on the copy answers" ctl stats --json
ctl promote >/dev/null # a copy is a standby until promoted (fencing.sh)
wait_for 120 "the broker on the copy has all $N events" stat_is ".events.per_site.$SITE" $N
echo "# time from the first broker's death to the broker on the copy holding all $N events: $(($(now_ms) - died)) ms (liveness timeout and reconnect included)"
check "the site was welcomed at the copy's last_seq" grep -q "event=connected site=$SITE broker_last_seq=$at" "$WORK/$SITE.log"
check "exactly $N events, none doubled" stat_is .events.total $N
check "no duplicates counted" stat_is ".events.duplicates_per_site.$SITE" 0
check "the same adapter process throughout" kill -0 $ADAPTER
finish
