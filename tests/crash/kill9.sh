#!/usr/bin/env bash
# Issue #4 crash test: kill -9 the broker, the adapter, and both, at several
# points while a site streams 50,000 events; after restarts the broker holds
# exactly 50,000 events for that site: none lost, none doubled. Kill points
# are chosen by progress (events stored), not by sleeping.
#   kill9.sh broker|adapter|both
source "$(dirname "$0")/../integration/lib.sh"
MODE=${1:?broker|adapter|both}
N=50000
SITE=alpha

"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
python3 - "$WORK/flows.json" "$N" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.%06d+0000" % (i % 1000000), "flow_id": 10**6 + i,
            "event_type": "flow", "src_ip": "10.1.%d.%d" % (i // 250 % 250, i % 250 + 1), "src_port": 1024 + i % 60000,
            "dest_ip": "192.0.2.%d" % (i % 200 + 1), "dest_port": 443, "proto": "TCP", "app_proto": "tls",
            "flow": {"pkts_toserver": 12, "pkts_toclient": 10, "bytes_toserver": 1800, "bytes_toclient": 5400,
                     "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
                     "state": "closed", "reason": "timeout"}}) + "\n")
PY

stored() { ctl stats --json 2>/dev/null | jq -r ".events.per_site.$SITE // 0" 2>/dev/null || echo 0; }
# 10,000 events/s, so the stream lasts seconds and kill points land inside it.
adapter() { start_adapter $SITE --max-rate 10000 --replay "suricata.eve:$WORK/flows.json"; ADAPTER=$!; }
kill9() { kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The site starts while the broker is down: it collects into its outbox.
adapter
wait_for 60 "the adapter took all events into its outbox" grep -q "event=replayed .*events=$N" "$WORK/$SITE.log"
start_broker

# Kill points: after roughly 10 %, 35 % and 65 % of the stream, jittered.
points=()
for p in 10 35 65; do points+=($(( N * p / 100 + RANDOM % 2000 ))); done
for point in "${points[@]}"; do
    deadline=$((SECONDS + 120))
    while [ "$(stored)" -lt "$point" ]; do
        [ $SECONDS -lt $deadline ] || { fail "stream stalled before $point events"; finish; exit 1; }
        sleep 0.05
    done
    at=$(stored)
    case $MODE in
        broker) kill9 "$BROKER_PID"; start_broker ;;
        adapter) kill9 "$ADAPTER"; adapter ;;
        both) kill9 "$ADAPTER"; kill9 "$BROKER_PID"; start_broker; adapter ;;
    esac
    echo "# kill -9 ($MODE) with about $at of $N events stored"
done
wait_for 180 "all $N events stored" stat_is ".events.per_site.$SITE" "$N"
# Let the adapter drain and a few heartbeats pass: nothing more may arrive.
wait_for 30 "the outbox is empty" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.$SITE.outbox_backlog')\" = 0 ]"
check "exactly $N events for $SITE after kill -9 of the $MODE: none lost, none doubled" stat_is ".events.per_site.$SITE" "$N"
check "and $N in total" stat_is .events.total "$N"
check "no dead letters" stat_is .dead_letters.total 0
finish
