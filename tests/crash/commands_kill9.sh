#!/usr/bin/env bash
# Issue 19.1: kill -9 the adapter while many commands are in flight across
# its worker threads (journaled "started", running, or finished but not yet
# journaled with their answer). After the restarts every command is
# answered, and none was executed twice: each alert's deny (its own remote
# address) appears at most once in the record-only actuator's record file,
# and every one that does not appear was answered "interrupted" (500).
# Kill points are chosen by progress (commands executed, counted in the
# actuator's record file, which the broker's load does not delay), not by
# sleeping.
source "$(dirname "$0")/../integration/lib.sh"
N=800
SITE=alpha
export FEDSOAR_ADAPTER_WORKERS=4

"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin >/dev/null
# N CrowdStrike alerts, each with its own remote address: each starts a run
# of the shipped playbook whose deny goes to site alpha (bench/roundtrip.sh).
jq -c --argjson n "$N" '.resources[0] as $a | {resources: [range(0; $n) as $i | $a
    | .composite_id = "\(.composite_id)-\($i)" | .id = "\(.id)-\($i)"
    | .device.hostname = "ALPHA-WS\($i)" | .device.local_ip = "10.20.\($i / 250 | floor).\($i % 250 + 1)"
    | .network_accesses[0].remote_address = "198.18.\($i / 250 | floor).\($i % 250 + 1)"]}' \
    "$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json" >"$WORK/alerts.json"

REC="$WORK/$SITE/record-only.jsonl"
executed() { [ -f "$REC" ] && wc -l <"$REC" || echo 0; }
kill9() { kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
adapter() { start_adapter $SITE "$@"; ADAPTER=$!; }

start_broker
adapter --replay "crowdstrike.alert:$WORK/alerts.json"
for p in 20 50 80; do
    point=$((N * p / 100 + RANDOM % 100))
    deadline=$((SECONDS + 180))
    while [ "$(executed)" -lt "$point" ]; do
        [ $SECONDS -lt $deadline ] || { fail "commands stalled before $point executed"; finish; exit 1; }
        sleep 0.02
    done
    kill9 "$ADAPTER"
    echo "# kill -9 (adapter) with $(executed) of $N commands executed"
    adapter
done
wait_for 240 "all $N commands answered" stat_is .commands.answered "$N"
check "none pending" stat_is .commands.pending 0
check "one command per alert" stat_is .commands.total "$N"
jq -r '.command.target.ipv4_connection.dst_addr // .command.target.ipv4_net // empty' "$REC" | sort >"$WORK/executed.txt"
check "no command was executed twice (record-only's record file)" [ -z "$(uniq -d "$WORK/executed.txt")" ]
executed=$(wc -l <"$WORK/executed.txt")
# (none interrupted is a normal outcome: grep's exit 1 must not end the script)
interrupted=$({ grep -o 'event=command_interrupted site=[^ ]* command_id=[^ ]*' "$WORK/$SITE.log" || true; } | sort -u | wc -l)
echo "# executed $executed, answered interrupted (500) $interrupted"
check "every command was executed once or answered interrupted" [ $((executed + interrupted)) -ge "$N" ]
check "the adapter ran every command it was not interrupted in" [ "$executed" -ge $((N - interrupted)) ]
finish
