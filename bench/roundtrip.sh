#!/usr/bin/env bash
# bench/roundtrip.sh [N]: OpenC2 command -> response round trip through the
# real broker and the real adapter on loopback (CURVE on). N CrowdStrike
# alerts, each with its own external address, each start a playbook run
# whose deny is journaled by the broker, sent to site alpha, journaled and
# executed there (record-only), answered and stored. Alerts are paced at
# RATE/s (default 50) by the adapter's send-rate limit, whose bucket holds
# one second's worth and starts with one token (until 453802d it started
# full and the first RATE alerts left in one EVENTS message: bench/README.md
# says what that first burst cost). The time of each
# command and of its stored response come from the case timeline, and the
# time each alert was due to leave the site from the pacing; printed beside
# bench/openc2's raw ZeroMQ CURVE round trip, COMMAND -> adapter -> RESPONSE
# and fdatasync, and bench/flush_chain's four flushes in a row (the path's
# durable writes without its software), measured in the same run, with the
# broker's CPU time for the run and for its start-up; then command ->
# response split where the site took the answer (its journal's times) and
# the five slowest alerts' time, part by part.
set -euo pipefail
N=${1:-500}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}   # another build: BIN=/path/to/build/bin (its bench/openc2 beside it)
# STATE_BASE=/dev/shm puts both daemons' stores on tmpfs, where fdatasync
# costs nothing: not durable, a diagnostic of what the disk adds.
# BROKER_STATE_BASE or SITE_STATE_BASE puts only that daemon's store there:
# what each side's disk adds.
W=$(mktemp -d "${STATE_BASE:-/tmp}/fedsoar-rt.XXXXXX")
BROKER_STATE=$(mktemp -d "${BROKER_STATE_BASE:-$W}/broker.XXXXXX")
SITE_STATE=$(mktemp -d "${SITE_STATE_BASE:-$W}/alpha.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W" "$BROKER_STATE" "$SITE_STATE"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1=$(port); P2=$(port)
"$BIN/fedsoarctl" keys init "$W/keys" --sites alpha --operators admin >/dev/null
jq -c --argjson n "$N" '.resources[0] as $a | {resources: [range(0; $n) as $i | $a
    | .composite_id = "\(.composite_id)-\($i)" | .id = "\(.id)-\($i)"
    | .device.hostname = "ALPHA-WS\($i)" | .device.local_ip = "10.20.\($i / 250 | floor).\($i % 250 + 1)"
    | .network_accesses[0].remote_address = "198.18.\($i / 250 | floor).\($i % 250 + 1)"]}' \
    deploy/demo/samples/alpha-crowdstrike-alerts.json >"$W/alerts.json"
"$BIN/fedsoar-broker" --keys "$W/keys" --state-dir "$BROKER_STATE" --listen "tcp://127.0.0.1:$P1" \
    --control "tcp://127.0.0.1:$P2" --log-level warn 2>"$W/broker.log" &
BROKER_PID=$!
ctl() { "$BIN/fedsoarctl" --keys "$W/keys" --control "tcp://127.0.0.1:$P2" "$@"; }
broker_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$BROKER_PID/stat; }
for _ in $(seq 1 100); do ctl stats --json >/dev/null 2>&1 && break; sleep 0.1; done
CPU_START=$(broker_cpu) # start-up: the playbooks compiled, the store opened
"$BIN/fedsoar-adapter" --site alpha --keys "$W/keys" --state-dir "$SITE_STATE" --broker "tcp://127.0.0.1:$P1" \
    --log-level warn --max-rate "${RATE:-50}" --replay "crowdstrike.alert:$W/alerts.json" 2>"$W/alpha.log" &
ADAPTER_PID=$!
# Not polled while the alerts flow: each poll (fedsoarctl, then jq 1.6,
# which compiles its builtins at start) takes about 25 ms of CPU, and every
# 200 ms that delayed the daemons on a 2-core machine (p99 9 -> 5 ms at
# 50/s once it stopped: bench/README.md).
sleep $((N / ${RATE:-50} + 1))
for _ in $(seq 1 600); do
    [ "$(ctl stats --json 2>/dev/null | jq '.commands.answered // 0' 2>/dev/null || echo 0)" -ge "$N" ] 2>/dev/null && break
    sleep 0.2
done
# The broker's CPU time (user + system) for the whole run: what a burst
# costs it, whatever else the machine was doing (latency figures follow the load).
CPU_END=$(broker_cpu)
echo "fedsoar bench/roundtrip: $N commands, each from a playbook run, broker -> site alpha -> broker"
echo "broker CPU time (user + system): $CPU_END s, of which start-up (before the site connected) $CPU_START s"
# Its write commits (pages written and flushed): the disk's slow moments.
ctl stats --json | jq -r '.store.commits // empty | "broker write commits: \(.count), longest \(.max_ms * 10 | round / 10) ms, over 5 ms \(.count - .le_ms["5"]), over 10 ms \(.count - .le_ms["10"]) (since its start)"'
# From each case's timeline: every alert (event id, when the broker took it)
# and every command with the alert it came from (the alert entry before it:
# one alert's run starts and journals its command before the next alert is
# taken) and the times it was journaled and answered.
ctl case list --json | jq -r '.[].id' | while read -r id; do
    ctl case show "$id" --json | jq -c 'foreach .timeline[] as $t ({};
        if $t.kind == "opened" or $t.kind == "alert" then {e: $t.event_id, emit: {e: $t.event_id, a: $t.time}}
        elif $t.kind == "command" or $t.kind == "response" then {e, emit: {e, id: $t.command_id, ($t.kind): $t.time}}
        else {e} end; .emit // empty)'
done >"$W/rows.ndjson"
jq -s --argjson rate "${RATE:-50}" '
    def q($xs): $xs | sort | {p50: .[(length * 0.5 | floor)], p99: .[(length * 0.99 | floor)], max: .[-1], n: length};
    (map(select(.a)) | {t0: (map(.a) | min), first_id: (map(.e) | min)}) as $first
    | [group_by(.id)[] | select(.[0].id) | {e: .[0].e, c: (map(.command // empty) | first), r: (map(.response // empty) | first)} | select(.c and .r)]
    | {cr: q(map(.r - .c)),
       # The replay paces alert i (in event-id order) at RATE/s from the
       # first (the site'"'"'s loop wakes when the next token is due, within
       # 1 ms): this adds any wait before the broker took the alert (a
       # backlog shows here).
       ar: q(map(.r - ($first.t0 + (.e - $first.first_id) * 1000 / $rate) | round))}' "$W/rows.ndjson" >"$W/latency.json"
jq -r '.cr | "broker -> adapter -> broker (journaled both ends, CURVE): p50 \(.p50) ms  p99 \(.p99) ms  max \(.max) ms  (\(.n) commands; timeline times have 1 ms resolution)"' "$W/latency.json"
jq -r '.ar | "alert (paced send time) -> response stored:              p50 \(.p50) ms  p99 \(.p99) ms  max \(.max) ms"' "$W/latency.json"
# Where the slowest went. The site's journal keeps when each answer was
# taken at its loop ("finished", wall ms, the same clock as the broker's
# timeline), which splits command -> response into the broker's commit,
# the COMMAND's way and the site's run (command -> answer taken) and the
# answer's write and way back (answer taken -> response stored). Stopped
# first: its journal's log goes into its LMDB store at shutdown.
kill -TERM "$ADAPTER_PID"
wait "$ADAPTER_PID" 2>/dev/null || true
mdb_dump -p -s journal_done "$SITE_STATE" >"$W/done.txt" 2>/dev/null || true
python3 - "$W/done.txt" "$W/rows.ndjson" "${RATE:-50}" <<'EOF' || true
import json, re, sys
# mdb_dump -p keys: 8 bytes big-endian ms "finished", then the command id.
unescape = lambda m: b"\\" if m[1] == b"\\" else bytes.fromhex(m[1].decode())
answered = {}
for line in open(sys.argv[1]).read().split("HEADER=END\n", 1)[-1].splitlines()[::2]:
    key = re.sub(rb"\\([0-9a-f]{2}|\\)", unescape, line[1:].encode())
    if len(key) > 8:
        answered[key[8:].decode()] = int.from_bytes(key[:8], "big")
rows = [json.loads(line) for line in open(sys.argv[2])]
taken = {r["e"]: r["a"] for r in rows if "a" in r}
t0, e0, rate = min(taken.values()), min(taken), float(sys.argv[3])
cmds = {}
for r in rows:
    if r.get("id"):
        c = cmds.setdefault(r["id"], {"e": r["e"]})
        c.update({k: r[k] for k in ("command", "response") if k in r})
spans = []
for cid, c in cmds.items():
    if "command" in c and "response" in c and cid in answered:
        due = t0 + (c["e"] - e0) * 1000 / rate
        spans.append((round(c["response"] - due), round(taken[c["e"]] - due),
                      c["command"] - taken[c["e"]], answered[cid] - c["command"],
                      c["response"] - answered[cid]))
if not spans:
    sys.exit("no site journal to split command -> response with")
q = lambda i, p: sorted(s[i] for s in spans)[int(len(spans) * p)]
print(f"command journaled -> site took the answer:            p50 {q(3, .5)} ms  p99 {q(3, .99)} ms")
print(f"answer taken -> response stored:                      p50 {q(4, .5)} ms  p99 {q(4, .99)} ms")
print("the 5 slowest (ms): total = before the broker took the alert + to its command + to the answer + to stored")
for s in sorted(spans, reverse=True)[:5]:
    print("  %d = %d + %d + %d + %d" % s)
EOF
# The disk's share, right after (its slow moments come and go within
# minutes): the four flushes the path waits for, in a row, paced alike.
# It measures the disk, not a build: this tree's when BIN's has none.
FLUSH_CHAIN="$BIN/../bench/flush_chain"
[ -x "$FLUSH_CHAIN" ] || FLUSH_CHAIN=build/bench/flush_chain
"$FLUSH_CHAIN" "$W" "${RATE:-50}" $(((N + ${RATE:-50} - 1) / ${RATE:-50}))
"$BIN/../bench/openc2" | grep -E "raw ZeroMQ CURVE round trip|COMMAND -> adapter|raw fdatasync"
