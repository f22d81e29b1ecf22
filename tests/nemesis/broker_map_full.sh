#!/usr/bin/env bash
# Issue 18.1: the LMDB map is sized by a rule, not a fixed default that
# fails. A broker started with a 1 MiB map (store.map_size_mb) while a site
# streams 5,000 events: the map fills, doubles (store.map_max_mb bounds it),
# the batch is tried again, and every event is stored exactly once.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
N=5000
SITE=alpha
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
flows "$WORK/flows.json" $N
echo '{"store": {"map_size_mb": 1, "map_max_mb": 256}}' >"$WORK/broker.json"

start_broker --config "$WORK/broker.json"
wait_for 20 "the broker answers" stat_is .events.total 0
check "the map starts at 1 MiB" stat_is .store.map_mb 1
started=$(now_ms)
start_adapter $SITE --replay "suricata.eve:$WORK/flows.json"
wait_for 120 "all $N events stored" stat_is ".events.per_site.$SITE" $N
echo "# $N events stored in $(($(now_ms) - started)) ms through $(stat .store.map_grown) map growths (map now $(stat .store.map_mb) MiB)"
check "the map grew, logged with its sizes" grep -q "event=store_map_grown state_dir=$WORK/broker from_mb=1 to_mb=2 max_mb=256" "$WORK/broker.log"
check "stats counts the growths" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.store.map_grown')\" -ge 2 ]"
check "and stays within store.map_max_mb" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.store.map_mb')\" -le 256 ]"
check "stored exactly once: $N in total" stat_is .events.total $N
check "no dead letters" stat_is .dead_letters.total 0
check "the store is not failing" stat_is .store.state ok
wait_for 30 "the site's outbox drained" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.$SITE.outbox_backlog')\" = 0 ]"
check "still exactly $N" stat_is .events.total $N
finish
