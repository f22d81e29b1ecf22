#!/usr/bin/env bash
# The nemesis suite (issue 18.2, label nemesis; `make soak` for the long
# run). The broker and two sites run each in its own network namespace,
# joined by veth pairs, while the sites stream events (Suricata flows, one
# alert in 40 that starts a playbook run: approval, OpenC2 deny at the
# site, a 2 s timer, the case closed) and an approver approves what opens.
# For NEMESIS_SECONDS (default 60) faults are injected at random points,
# from a seed (printed; FEDSOAR_NEMESIS_SEED=N replays the schedule):
#   kill9_broker, kill9_adapter      kill -9, restarted on the same state
#   pause_broker, pause_adapter      SIGSTOP past the liveness timeout (7 s > 5 s), SIGCONT
#   partition                        nft drop (or ip link down) between the broker and a site, 8 s
#   netem                            tc netem loss 30% delay 200ms on a site's link, 10 s
#                                    (skipped, with a message, where sch_netem is missing)
#   disk_full_broker, _adapter       the state's tmpfs filled to the last byte for 6 s
#   clock_forward, clock_back        the wall clock of every daemon +/-JUMP s for 8 s (libfaketime,
#                                    FAKETIME_TIMESTAMP_FILE rewritten at run time; monotonic time
#                                    is left alone, as an NTP step does); JUMP is
#                                    NEMESIS_CLOCK_JUMP_S, default 60: a timer armed
#                                    during a forward jump is a wall-clock deadline and
#                                    ends JUMP s late once the clock is back, which the
#                                    settling wait must cover (docs/operations.md)
# Each fault is healed, then waited for (recovered: the sites served again,
# the store writing again) and reported with its time to recover in a
# table. Then tests/nemesis/nemesis_check.py proves: every acknowledged
# event stored exactly once, every run ended exactly once, no command
# executed twice at a site, no approval lost, the audit chain verifies.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
if [ "$(id -u)" != 0 ]; then
    echo "skipped: network namespaces, tmpfs and nft need root"
    exit 77
fi
require_tool ip nft tc
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
[ -n "$FAKETIME_LIB" ] || { echo "missing libfaketime (Debian package faketime; deploy/bootstrap installs it)"; exit 1; }

SEED=${FEDSOAR_NEMESIS_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
DURATION=${NEMESIS_SECONDS:-60}
echo "# nemesis: seed $SEED (FEDSOAR_NEMESIS_SEED=$SEED replays this schedule), $DURATION s of faults"
RATE=40
JUMP=${NEMESIS_CLOCK_JUMP_S:-60}
N=$((RATE * DURATION * 8 / 10)) # the stream ends before the faults do
SITES=(alpha beta)
ID=$(od -An -N3 -tu4 /dev/urandom | tr -d " ") # unique names: namespaces are global
NS_B=nemb$ID
declare -A NS IP VETH_B STATE_PID CONNECTED_AT
PORT=5670
CTLP=5671

# ---- network: one namespace each, a veth pair per site -----------------
nemesis_cleanup() {
    local rc=$?
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    ip netns del "$NS_B" 2>/dev/null || true
    for s in "${SITES[@]}"; do ip netns del "${NS[$s]}" 2>/dev/null || true; done
    set +e # errexit would end this trap at (exit 1), leaving the mounts behind
    (exit $rc)
    unmount_disks
}
trap nemesis_cleanup EXIT
ip netns add "$NS_B"
ip -n "$NS_B" link set lo up
i=0
for s in "${SITES[@]}"; do
    i=$((i + 1))
    NS[$s]=nems$i$ID
    VETH_B[$s]=nb$i$ID
    ip netns add "${NS[$s]}"
    ip -n "${NS[$s]}" link set lo up
    ip link add "${VETH_B[$s]}" netns "$NS_B" type veth peer name ns$i$ID netns "${NS[$s]}"
    ip -n "$NS_B" addr add "10.213.$i.1/24" dev "${VETH_B[$s]}"
    ip -n "${NS[$s]}" addr add "10.213.$i.2/24" dev "ns$i$ID"
    ip -n "$NS_B" link set "${VETH_B[$s]}" up
    ip -n "${NS[$s]}" link set "ns$i$ID" up
    IP[$s]=10.213.$i.1
done
NETEM=yes
if ! ip netns exec "$NS_B" tc qdisc add dev "${VETH_B[alpha]}" root netem delay 1ms 2>"$WORK/netem.err"; then
    NETEM=no
    echo "# netem fault skipped: tc netem is not available here ($(head -1 "$WORK/netem.err"); the kernel module sch_netem is missing - modprobe sch_netem, or a container without it)"
else
    ip netns exec "$NS_B" tc qdisc del dev "${VETH_B[alpha]}" root
fi

# ---- daemons ------------------------------------------------------------
CTL_EP="tcp://127.0.0.1:$CTLP"
ctl() { ip netns exec "$NS_B" "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" "$@"; }
as() { local who=$1; shift; ip netns exec "$NS_B" "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
# in NS NAME LOG CMD...: a daemon in namespace NS with its own faked wall clock.
in_ns() {
    local ns=$1 name=$2 log=$3
    shift 3
    [ -f "$WORK/clock.$name" ] || echo "+0" >"$WORK/clock.$name"
    # Under ASan (make check's second pass) libfaketime is preloaded before
    # libasan, which ASan refuses unless told not to check the order.
    ip netns exec "$ns" env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$WORK/clock.$name" \
        FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_CACHE_DURATION=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@" >>"$log" 2>&1 &
    PIDS+=($!)
    STATE_PID[$name]=$!
}
start_b() {
    in_ns "$NS_B" broker "$WORK/broker.log" "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" \
        --listen "tcp://0.0.0.0:$PORT" --control "$CTL_EP" --playbooks "$SRC/tests/nemesis/playbooks"
}
# A small disk: 8 MiB kept free (outbox.reserve_mb) instead of the default 64.
start_site() {
    cat >"$WORK/$1.json" <<CFG
{"site": "$1", "broker": "tcp://${IP[$1]}:$PORT", "state_dir": "$WORK/$1", "keys_dir": "$KEYS",
 "outbox": {"reserve_mb": 8, "retain_acked_s": 60}, "link": {"max_events_per_s": $RATE},
 "replay": [{"source": "suricata.eve", "file": "$WORK/$1.eve.json"}]}
CFG
    in_ns "${NS[$1]}" "$1" "$WORK/$1.log" "$BIN/fedsoar-adapter" --config "$WORK/$1.json"
}
connected_count() { grep -c "event=connected site=$1" "$WORK/$1.log" 2>/dev/null || echo 0; }
per_site() { ctl stats --json 2>/dev/null | jq -r ".events.per_site.$1 // 0" 2>/dev/null || echo 0; }
backlog() { ctl sites --json 2>/dev/null | jq -r ".$1.outbox_backlog // -1" 2>/dev/null || echo -1; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin,alice:approver >/dev/null
for s in "${SITES[@]}"; do
    python3 - "$WORK/$s.eve.json" "$N" "$s" <<'PY'
import json, sys
path, n, site = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = 10**7 if site == "alpha" else 2 * 10**7
with open(path, "w") as f:
    for i in range(n):
        r = {"timestamp": "2026-11-20T10:%02d:%02d.%06d+0000" % (i // 60 % 60, i % 60, i % 1000000),
             "flow_id": base + i, "src_ip": "10.66.%d.%d" % (i // 250 % 250, i % 250 + 1), "src_port": 1024 + i % 60000,
             "dest_ip": "192.0.2.%d" % (i % 200 + 1), "dest_port": 443, "proto": "TCP"}
        if i % 40 == 39:
            r.update({"event_type": "alert", "dest_port": 4444,
                      "alert": {"action": "allowed", "gid": 1, "signature_id": 2000000 + i, "rev": 1,
                                "signature": "nemesis beacon %d" % i, "category": "A Network Trojan was detected", "severity": 1}})
        else:
            r.update({"event_type": "flow", "app_proto": "tls",
                      "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 300, "bytes_toclient": 200,
                               "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
                               "state": "closed", "reason": "timeout"}})
        f.write(json.dumps(r) + "\n")
PY
done
small_disk "$WORK/broker" $((96 + N * 2 * 3 / 1024))m # ~3 KB per event stored, twice over
for s in "${SITES[@]}"; do small_disk "$WORK/$s" 48m; done
start_b
wait_for 30 "the broker answers in its namespace" ctl stats --json
for s in "${SITES[@]}"; do start_site "$s"; done
for s in "${SITES[@]}"; do wait_for 30 "$s connected across its veth" bash -c "grep -q 'event=connected site=$s' '$WORK/$s.log'"; done

# The approver: approves every open gate, notes each vote the broker acknowledged.
(
    while true; do
        for id in $(ctl approvals list --json 2>/dev/null | jq -r '.[] | select(.status=="open") | .id' 2>/dev/null); do
            as alice approvals approve "$id" >/dev/null 2>&1 && echo "$id alice" >>"$WORK/votes.log"
        done
        sleep 1
    done
) &
APPROVER=$!
PIDS+=($APPROVER)

# ---- faults ---------------------------------------------------------------
FAULTS=(kill9_broker kill9_adapter pause_broker pause_adapter partition disk_full_broker disk_full_adapter clock_forward clock_back)
[ $NETEM = yes ] && FAULTS+=(netem)
ROWS=()
fill() { # fill DIR: the tmpfs to its last byte
    local avail
    avail=$(df --output=avail -B1 "$1" | tail -1)
    head -c "$avail" /dev/zero >"$1/.nemesis-filler" 2>/dev/null || true
}
set_clock() { for f in "$WORK"/clock.*; do echo "$1" >"$f"; done; }
# progressed SITE: the broker stored more of SITE's events than at the
# heal (P0), or everything SITE had is acknowledged.
declare -A P0
progressed() { [ "$(per_site "$1")" -gt "${P0[$1]}" ] || [ "$(backlog "$1")" = 0 ]; }
# recovered WHAT TARGET C0: the served-again condition of a fault.
recovered() {
    local what=$1 target=$2 c0=$3
    case $what in
    kill9_broker | pause_broker)
        for s in "${SITES[@]}"; do [ "$(connected_count "$s")" -gt "${CONNECTED_AT[$s]}" ] || return 1; done ;;
    kill9_adapter | pause_adapter | partition)
        [ "$(connected_count "$target")" -gt "$c0" ] ;;
    disk_full_broker)
        [ "$(ctl stats --json 2>/dev/null | jq -r .store.state)" = ok ] || return 1
        for s in "${SITES[@]}"; do progressed "$s" || return 1; done ;;
    clock_*)
        for s in "${SITES[@]}"; do progressed "$s" || return 1; done ;;
    *)
        progressed "$target" ;;
    esac
}
t_start=$SECONDS
while [ $((SECONDS - t_start)) -lt "$DURATION" ]; do
    sleep $((2 + RANDOM % 5))
    what=${FAULTS[$((RANDOM % ${#FAULTS[@]}))]}
    target=${SITES[$((RANDOM % ${#SITES[@]}))]} # not in a subshell: its RANDOM is reseeded
    for s in "${SITES[@]}"; do CONNECTED_AT[$s]=$(connected_count "$s"); done
    c0=$(connected_count "$target")
    case $what in kill9_broker | pause_broker | disk_full_broker | clock_*) target=broker ;; esac
    at=$((SECONDS - t_start))
    case $what in
    kill9_broker)
        kill -9 "${STATE_PID[broker]}"; wait "${STATE_PID[broker]}" 2>/dev/null || true; start_b ;;
    kill9_adapter)
        kill -9 "${STATE_PID[$target]}"; wait "${STATE_PID[$target]}" 2>/dev/null || true; start_site "$target" ;;
    pause_broker | pause_adapter)
        p=${STATE_PID[$target]}
        kill -STOP "$p"; sleep 7; kill -CONT "$p" ;;
    partition)
        i=$([ "$target" = alpha ] && echo 1 || echo 2)
        if [ $((RANDOM % 2)) = 0 ]; then
            ip netns exec "$NS_B" nft add table inet nemesis
            ip netns exec "$NS_B" nft add chain inet nemesis in '{ type filter hook input priority 0; }'
            ip netns exec "$NS_B" nft add chain inet nemesis out '{ type filter hook output priority 0; }'
            ip netns exec "$NS_B" nft add rule inet nemesis in iifname "${VETH_B[$target]}" drop
            ip netns exec "$NS_B" nft add rule inet nemesis out oifname "${VETH_B[$target]}" drop
            what=partition_nft
            sleep 8
            ip netns exec "$NS_B" nft delete table inet nemesis
        else
            ip -n "$NS_B" link set "${VETH_B[$target]}" down
            what=partition_link
            sleep 8
            ip -n "$NS_B" link set "${VETH_B[$target]}" up
        fi ;;
    netem)
        ip netns exec "$NS_B" tc qdisc add dev "${VETH_B[$target]}" root netem loss 30% delay 200ms
        sleep 10
        ip netns exec "$NS_B" tc qdisc del dev "${VETH_B[$target]}" root ;;
    disk_full_broker)
        fill "$WORK/broker"; sleep 6; rm -f "$WORK/broker/.nemesis-filler" ;;
    disk_full_adapter)
        fill "$WORK/$target"; sleep 6; rm -f "$WORK/$target/.nemesis-filler" ;;
    clock_forward)
        set_clock "+$JUMP"; sleep 8; set_clock "+0" ;;
    clock_back)
        set_clock "-$JUMP"; sleep 8; set_clock "+0" ;;
    esac
    healed=$(now_ms)
    for s in "${SITES[@]}"; do P0[$s]=$(per_site "$s"); done
    base=${what%_nft}
    if wait_for 120 "$what $target recovers" recovered "${base%_link}" "$target" "$c0"; then
        ROWS+=("$(printf '%-18s %-8s %6s %8s %10s' "$what" "$target" "${at}s" yes "$(($(now_ms) - healed))")")
    else
        ROWS+=("$(printf '%-18s %-8s %6s %8s %10s' "$what" "$target" "${at}s" NO '-')")
        fail "$what on $target at ${at}s (seed $SEED): not recovered within 120 s"
    fi
done

# ---- settle, then judge ---------------------------------------------------
set_clock "+0"
for s in "${SITES[@]}"; do
    wait_for 300 "$s: every event stored or dead-lettered, backlog 0" bash -c "
        st=\$(ip netns exec $NS_B '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json) &&
        si=\$(ip netns exec $NS_B '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json) &&
        [ \$(jq -r '.events.per_site.$s // 0' <<<\"\$st\") -eq \$(( $N - \$(jq -r '.$s.dead_letters // 0' <<<\"\$si\") )) ] &&
        [ \"\$(jq -r '.$s.outbox_backlog' <<<\"\$si\")\" = 0 ]" || true
done
wait_for $((JUMP + 120)) "every run ended (the approver approves, timers fire)" bash -c "
    [ \"\$(ip netns exec $NS_B '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.status==\"running\" or .status==\"waiting\")] | length')\" = 0 ]" || true
kill "$APPROVER" 2>/dev/null || true
wait "$APPROVER" 2>/dev/null || true
sleep 1 # a vote the approver sent as it was stopped is in votes.log or not: judged the same
mkdir -p "$WORK/judge"
ctl stats --json >"$WORK/judge/stats.json"
ctl sites --json >"$WORK/judge/sites.json"
ctl runs list --json >"$WORK/judge/runs.json"
ctl approvals list --all --json >"$WORK/judge/approvals.json"
ctl audit export >"$WORK/judge/audit.jsonl"
cp "$WORK/votes.log" "$WORK/judge/" 2>/dev/null || true
vrc=0
ctl audit verify >"$WORK/judge/verify.txt" 2>&1 || vrc=$?

echo "# fault              target   at    recovered  ms to recover (after healing)"
printf '# %s\n' "${ROWS[@]}"
echo "# ${#ROWS[@]} faults injected; seed $SEED"
args=()
for s in "${SITES[@]}"; do args+=(--site "$s:$WORK/$s:$N"); done
if python3 "$SRC/tests/nemesis/nemesis_check.py" --dir "$WORK/judge" --audit-verify-rc $vrc "${args[@]}" >"$WORK/judge/out.txt"; then
    pass "the checker's $(grep -c '^ok' "$WORK/judge/out.txt") checks (seed $SEED)"
else
    fail "the checker (seed $SEED)"
fi
cat "$WORK/judge/out.txt"
finish
