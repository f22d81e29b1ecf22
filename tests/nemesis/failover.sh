#!/usr/bin/env bash
# Issue 18.3: an adapter takes several broker endpoints (--broker A,B) and
# fails over in order after the liveness timeout. Broker A serves while a
# site streams; a copy of A's store is taken and a broker B started on it
# at another endpoint, a standby; A dies (kill -9) and B is promoted. The site moves to B and sends again
# what it retained above B's last_seq: B ends with every event once.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
N=4000
SITE=alpha
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
flows "$WORK/flows.json" $N
B_EP="tcp://127.0.0.1:$(free_port)"
B_CTL="tcp://127.0.0.1:$(free_port)"
ctlb() { "$BIN/fedsoarctl" --keys "$KEYS" --control "$B_CTL" "$@"; }
start_broker
wait_for 20 "broker A answers" ctl stats --json
"$BIN/fedsoar-adapter" --site $SITE --state-dir "$WORK/$SITE" --keys "$KEYS" --broker "$SITE_EP,$B_EP" \
    --max-rate 1000 --replay "suricata.eve:$WORK/flows.json" >>"$WORK/$SITE.log" 2>&1 &
ADAPTER=$!
PIDS+=($ADAPTER)
wait_for 60 "the stream is under way at A" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.events.per_site.$SITE // 0')\" -ge 800 ]"
at=$(ctl backup "$WORK/copy" --json | jq -r .events)
"$BIN/fedsoar-broker" --state-dir "$WORK/copy" --keys "$KEYS" --listen "$B_EP" --control "$B_CTL" \
    >>"$WORK/b.log" 2>&1 &
PIDS+=($!)
wait_for 20 "broker B (on the copy, $at events) answers" ctlb stats --json
wait_for 60 "A stored more than the copy holds" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.events.per_site.$SITE // 0')\" -ge $((at + 500)) ]"
kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
died=$(now_ms)
# B is a standby (the copy's STANDBY marker) until promoted (fencing.sh).
check "B, a standby, stored nothing while A served" [ "$(ctlb stats --json | jq -r '.events.total')" = "$at" ]
ctlb promote >/dev/null
echo "# broker A killed, B promoted; broker B holds the copy's $at events"
wait_for 60 "the site failed over to B" grep -q "event=broker_failover site=$SITE from=$SITE_EP to=$B_EP" "$WORK/$SITE.log"
wait_for 120 "B holds all $N events" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$B_CTL' stats --json | jq -r '.events.per_site.$SITE // 0')\" = $N ]"
echo "# time from A's death to B holding all $N events: $(($(now_ms) - died)) ms (liveness timeout $((5 * 1000)) ms included)"
check "the site failed over to B in order, after A went silent" grep -q "event=broker_silent site=$SITE broker=$SITE_EP" "$WORK/$SITE.log"
check "B welcomed it at the copy's last_seq and got the rest from the site's retention" \
    grep -q "event=connected site=$SITE broker_last_seq=$at" "$WORK/$SITE.log"
check "exactly $N events at B, none doubled" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$B_CTL' stats --json | jq -r '.events.total')\" = $N ]"
check "the site stays on B while B serves" bash -c "[ \$(grep -c 'event=broker_failover' '$WORK/$SITE.log') = 1 ]"
finish
