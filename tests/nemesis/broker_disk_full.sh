#!/usr/bin/env bash
# Issue 18.1: the broker's state directory on a 16 MiB filesystem while a
# site streams 20,000 events. The commit fails for lack of space: the broker
# says so (log naming the cause and the directory, `stats .store`, the
# /metrics counter and gauge), acknowledges nothing it did not store, and
# tells the site where to resend from. The filesystem is then grown while
# everything runs: every event is stored exactly once, nothing restarted.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
N=20000
SITE=alpha
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
flows "$WORK/flows.json" $N
small_disk "$WORK/broker" 16m

start_broker
wait_for 20 "the broker answers" stat_is .events.total 0
start_adapter $SITE --replay "suricata.eve:$WORK/flows.json"
ADAPTER=$ADAPTER_PID_alpha

wait_for 120 "the broker reports that its disk is full" \
    grep -q "event=store_commit_failed cause=disk_full state_dir=$WORK/broker " "$WORK/broker.log"
failed_at=$(now_ms)
# On a full disk a small write (a heartbeat's site record) can still fit in
# pages LMDB freed, so the state may flip back to ok between two failed
# batches: each check waits a few seconds for what it asserts.
store_failing() { ctl stats --json | jq -e '.store.state == "failing" and .store.cause == "disk_full"' >/dev/null; }
store_named() { ctl stats --json | jq -e '(.store.last_error | test("store: commit in .*/broker")) and (.store.since > 0)' >/dev/null; }
gauge_failing() { [ "$(metric fedsoar_store_failing)" = 1 ]; }
check "stats says the store is failing, and why" wait_for 15 "stats .store failing disk_full" store_failing
check "stats names the error and since when" wait_for 15 "stats .store.last_error and .since" store_named
check "/metrics: fedsoar_store_failing is 1" wait_for 15 "fedsoar_store_failing 1" gauge_failing
fails=$(metric 'fedsoar_store_commit_failures_total{cause="disk_full"}')
check "/metrics: fedsoar_store_commit_failures_total{cause=\"disk_full\"} counts the failures ($fails)" [ "${fails:-0}" -ge 1 ]
held=$(stat ".events.per_site.$SITE")
check "only part of the stream is stored while the disk is full ($held of $N)" [ "$held" -lt $N ]
r=$(sed -n "s/.*event=broker_resend site=$SITE resend_from=\([0-9]*\) .*/\1/p" "$WORK/$SITE.log" | head -1)
check "the site is told where to resend from (adapter log: resend_from=$r, with $held stored)" [ -n "$r" -a "${r:-0}" -le $((held + 1)) ]
# Nothing acknowledged that was not stored: the site still holds the rest
# (its heartbeat reports its outbox once the replay is all taken in).
wait_for 60 "the adapter took all events into its outbox" grep -q "event=replayed .*events=$N" "$WORK/$SITE.log"
held=$(stat ".events.per_site.$SITE")
check "the site's outbox still holds every event not stored ($N - $held)" \
    wait_for 10 "outbox_backlog = $N - $held" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.$SITE.outbox_backlog')\" = $((N - held)) ]"

grow_disk "$WORK/broker" 512m
grown_at=$(now_ms)
wait_for 120 "all $N events stored after the disk grew" stat_is ".events.per_site.$SITE" $N
recovered_at=$(now_ms)
echo "# time to recover: $((recovered_at - grown_at)) ms from growing the disk to all $N events stored (disk full for $((grown_at - failed_at)) ms)"
check "stored exactly once: $N in total, none doubled" stat_is .events.total $N
check "the store says it recovered" stat_is .store.state ok
check "the recovery is logged with the outage's length" grep -q "event=store_recovered state_dir=$WORK/broker outage_ms=" "$WORK/broker.log"
check "/metrics: fedsoar_store_failing is back to 0" [ "$(metric fedsoar_store_failing)" = 0 ]
wait_for 30 "the site's outbox drained" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.$SITE.outbox_backlog')\" = 0 ]"
check "nothing was restarted: the same broker and adapter processes" bash -c "kill -0 $BROKER_PID && kill -0 $ADAPTER"
check "still exactly $N after the outbox drained" stat_is .events.total $N
finish
