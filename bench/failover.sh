#!/usr/bin/env bash
# bench/failover.sh [ROUNDS [SITES]] (defaults 3 2): losing the broker's
# machine (issue 18.3). SITES adapters stream (200 events/s each) to broker
# A, listing A then B (--broker A,B); a backup of A is taken and broker B
# started on it at another endpoint: a standby. Then A dies (kill -9) and
# B is promoted at once (`fedsoarctl promote`, as a scripted operator or a
# cluster manager would). Measured, from A's death:
#   promoted   - B answered `promote` (epoch N+1);
#   serving    - every site logged B's WELCOME at the new epoch;
#   caught up  - B holds every event each site sent (what B's copy lacked
#                came again from the sites' retention: lost must be 0).
# Beside it, in the same run, the raw figures it is made of: the liveness
# timeout (5 heartbeats of 1 s, docs/protocol.md §5.5: how long a site
# waits before it leaves a silent broker) and a reconnect to a live broker
# (A killed and restarted on its own state at its own endpoint: the same
# silence, then HELLO/WELCOME on the same address).
set -euo pipefail
ROUNDS=${1:-3}
NSITES=${2:-2}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
W=$(mktemp -d /tmp/fedsoar-fo.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill -9 $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
sites=()
for i in $(seq 1 "$NSITES"); do sites+=("s$i"); done
"$BIN/fedsoarctl" keys init "$W/keys" --sites "$(IFS=,; echo "${sites[*]}")" --operators admin >/dev/null
N=3000
python3 - "$W/flows.json" $N <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.%06d+0000" % i, "flow_id": 10**6 + i, "event_type": "flow",
            "src_ip": "10.1.%d.%d" % (i // 250 % 250, i % 250 + 1), "src_port": 1024 + i % 60000, "dest_ip": "192.0.2.1",
            "dest_port": 443, "proto": "TCP", "flow": {"pkts_toserver": 1, "pkts_toclient": 1, "bytes_toserver": 60,
            "bytes_toclient": 60, "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
            "state": "closed", "reason": "timeout"}}) + "\n")
PY
wait_until() { # wait_until SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.05; done
}
stored() { "$BIN/fedsoarctl" --keys "$W/keys" --control "$1" stats --json | jq -r ".events.per_site.$2 // 0"; }
all_stored() { for s in "${sites[@]}"; do [ "$(stored "$1" "$s")" = $N ] || return 1; done; }
all_logged() { for s in "${sites[@]}"; do grep -q "$2" "$1/$s.log" 2>/dev/null || return 1; done; }

round() { # round R: prints "promoted serving caught_up restart_reconnect"
    local r=$1 d="$W/r$1"
    mkdir -p "$d"
    local A="tcp://127.0.0.1:$(port)" AC="tcp://127.0.0.1:$(port)" B="tcp://127.0.0.1:$(port)" BC="tcp://127.0.0.1:$(port)"
    "$BIN/fedsoar-broker" --keys "$W/keys" --state-dir "$d/a" --listen "$A" --control "$AC" >>"$d/a.log" 2>&1 &
    local apid=$!; PIDS+=($apid)
    wait_until 20 "$BIN/fedsoarctl" --keys "$W/keys" --control "$AC" stats
    for s in "${sites[@]}"; do
        "$BIN/fedsoar-adapter" --site "$s" --keys "$W/keys" --state-dir "$d/$s" --broker "$A,$B" --max-rate 200 \
            --replay "suricata.eve:$W/flows.json" >>"$d/$s.log" 2>&1 &
        PIDS+=($!)
    done
    wait_until 60 bash -c "[ \$('$BIN/fedsoarctl' --keys '$W/keys' --control '$AC' stats --json | jq -r '.events.total') -ge $((NSITES * 600)) ]"
    # The raw figure: A killed and restarted where it was (a reconnect to a live broker).
    local c0 t0
    c0=$(cat "$d"/s*.log | grep -c "event=connected")
    kill -9 $apid; wait $apid 2>/dev/null || true
    t0=$(now_ms)
    "$BIN/fedsoar-broker" --keys "$W/keys" --state-dir "$d/a" --listen "$A" --control "$AC" >>"$d/a.log" 2>&1 &
    apid=$!; PIDS+=($apid)
    wait_until 60 bash -c "[ \$(cat '$d'/s*.log | grep -c 'event=connected') -ge $((c0 + NSITES)) ]"
    local restart=$(($(now_ms) - t0))
    "$BIN/fedsoarctl" --keys "$W/keys" --control "$AC" backup "$d/copy" >/dev/null
    "$BIN/fedsoar-broker" --keys "$W/keys" --state-dir "$d/copy" --listen "$B" --control "$BC" >>"$d/b.log" 2>&1 &
    PIDS+=($!)
    wait_until 20 "$BIN/fedsoarctl" --keys "$W/keys" --control "$BC" stats
    sleep 1 # A stores past the copy
    kill -9 $apid; wait $apid 2>/dev/null || true
    t0=$(now_ms)
    "$BIN/fedsoarctl" --keys "$W/keys" --control "$BC" promote >/dev/null
    local promoted=$(($(now_ms) - t0))
    wait_until 120 all_logged "$d" "event=broker_epoch site=.* broker=$B broker_epoch=1"
    local serving=$(($(now_ms) - t0))
    wait_until 300 all_stored "$BC"
    local caught=$(($(now_ms) - t0))
    local total
    total=$("$BIN/fedsoarctl" --keys "$W/keys" --control "$BC" stats --json | jq -r .events.total)
    echo "$promoted $serving $caught $restart $((NSITES * N - total))"
    for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null || true; done
    wait 2>/dev/null || true
    PIDS=()
}
echo "# bench/failover.sh: $ROUNDS rounds, $NSITES sites streaming 200 events/s each ($N events per site)"
printf '%-6s %12s %12s %14s | %22s %12s\n' round promoted_ms serving_ms caught_up_ms "raw: restart+reconnect" lost_events
for r in $(seq 1 "$ROUNDS"); do
    read -r p s c rr lost < <(round "$r")
    printf '%-6s %12s %12s %14s | %22s %12s\n' "$r" "$p" "$s" "$c" "$rr" "$lost"
done
echo "raw: the liveness timeout (FSP_LIVENESS 5 x FSP_HEARTBEAT_MS 1000) = 5000 ms: a site leaves a silent broker after it"
