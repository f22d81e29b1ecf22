#!/usr/bin/env bash
# Issue 18.3, fencing and promotion (docs/operations.md "Failover and
# promotion", docs/protocol.md §5.1 "Broker epoch"). A run waits at its
# two-person approval when broker A is backed up; the copy starts as broker
# B, a standby. A's approvers approve: the critical deny runs at the site and
# the run completes on A. A dies (kill -9). B refuses the site and every
# write until `fedsoarctl promote`; promoted (epoch 1) it serves. The
# approval cast after the copy is asked again (B holds the run at its gate);
# approved again, B re-issues the deny with A's command id and the site
# answers it from its journal: executed once in all. The old machine comes
# back on its old state at its old endpoint: the site, welcomed at epoch 1,
# tells it so in HELLO and A turns itself into a standby; the site stays on B.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
FIX="$SRC/tests/fixtures"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,alice:approver,bob:approver >/dev/null
B_EP="tcp://127.0.0.1:$(free_port)"
B_CTL="tcp://127.0.0.1:$(free_port)"
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP,$B_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "connectors": [
   {"name": "threat-intel", "kind": "analyzer", "type": "exec", "command": ["$FIX/connectors/threat_intel.sh"],
    "config": {"malicious": ["203.0.113.66"], "log": "$WORK/ti.log"}},
   {"name": "ticket", "kind": "responder", "type": "exec", "command": ["$FIX/connectors/ticket.sh"],
    "config": {"fail_first": 0, "log": "$WORK/tickets.log"}}],
 "replay": [{"source": "crowdstrike.alert", "file": "$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"}]}
CFG
as() { local c=$1 who=$2; shift 2; "$BIN/fedsoarctl" --keys "$KEYS" --control "$c" --operator "$who" "$@"; }
ctlb() { "$BIN/fedsoarctl" --keys "$KEYS" --control "$B_CTL" "$@"; }
open_gates() { "$BIN/fedsoarctl" --keys "$KEYS" --control "$1" approvals list --json | jq length; }
run_is() { [ "$("$BIN/fedsoarctl" --keys "$KEYS" --control "$1" runs list --json | jq -r '.[0].status')" = "$2" ]; }
deny_count() { grep -c '203.0.113.66' "$WORK/alpha/record-only.jsonl" 2>/dev/null || echo 0; }

start_broker --playbooks "$FIX/playbooks/durable"
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
ADAPTER=$!
PIDS+=("$ADAPTER")
wait_for 30 "the run waits on its approval gate at A" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq length)\" = 1 ]"
ctl backup "$WORK/copy" --json >/dev/null
check "the copy is marked a standby" test -s "$WORK/copy/STANDBY"
"$BIN/fedsoar-broker" --state-dir "$WORK/copy" --keys "$KEYS" --listen "$B_EP" --control "$B_CTL" \
    --playbooks "$FIX/playbooks/durable" >>"$WORK/b.log" 2>&1 &
B_PID=$!
PIDS+=("$B_PID")
wait_for 20 "B (on the copy) answers" ctlb stats --json
check "B says it is a standby" grep -q "event=standby" "$WORK/b.log"

as "$CTL_EP" alice approvals approve 1 >/dev/null
as "$CTL_EP" bob approvals approve 1 >/dev/null
wait_for 60 "the run completed at A" run_is "$CTL_EP" completed
check "the deny ran once at the site" [ "$(deny_count)" = 1 ]
cmd_id=$(ctl case show 1 --json | jq -r '[.timeline[] | select(.kind=="command")][0].command_id')
check "A journaled the deny ($cmd_id)" [ -n "$cmd_id" ] && [ "$cmd_id" != null ]

kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
died=$(now_ms)
wait_for 30 "the site tried B and was refused (standby)" grep -q 'event=broker_error site=alpha reason="§5.1: this broker is a standby' "$WORK/alpha.log"
out=$(as "$B_CTL" alice approvals approve 1 2>&1 || true)
check "a standby takes no write (an approval is refused)" grep -q "is a standby and takes no write" <<<"$out"
check "a standby's run stays at its gate" [ "$(open_gates "$B_CTL")" = 1 ]
r=$(ctlb promote --json)
promoted=$(now_ms)
check "promote answers epoch 1" [ "$(jq -r .epoch <<<"$r")" = 1 ]
out=$(ctlb promote 2>&1 || true)
check "promoting twice is refused" grep -q "is not a standby" <<<"$out"
check "the marker is gone" test ! -e "$WORK/copy/STANDBY"
wait_for 90 "the site is welcomed by B at epoch 1" grep -q "event=broker_epoch site=alpha broker=$B_EP broker_epoch=1 previous=0" "$WORK/alpha.log"
echo "# kill -9 of A -> B promoted: $((promoted - died)) ms; -> the site served by B: $(($(now_ms) - died)) ms"
check "the site saved the epoch it was welcomed at" jq -e '.broker_epoch == 1' "$WORK/alpha/broker-epoch" >/dev/null

# Approvals cast after the copy are asked again: B has the gate open, no votes.
check "the approval cast at A after the copy is asked again at B" \
    [ "$(ctlb approvals list --json | jq -c '[.[0].status, (.[0].votes | length)]')" = '["open",0]' ]
as "$B_CTL" alice approvals approve 1 >/dev/null
as "$B_CTL" bob approvals approve 1 >/dev/null
wait_for 60 "the run completed at B" run_is "$B_CTL" completed
b_cmd=$(ctlb case show 1 --json | jq -r '[.timeline[] | select(.kind=="command")][0].command_id')
check "B re-issued the deny with A's command id" [ "$b_cmd" = "$cmd_id" ]
check "the site answered it from its journal: the deny ran once in all" [ "$(deny_count)" = 1 ]
check "B's command is answered" [ "$(ctlb stats --json | jq -c '.commands | [.answered, .pending]')" = '[1,0]' ]
check "the ticket step was answered from the journal too (one ticket)" [ "$(grep -c '^ok' "$WORK/tickets.log")" = 1 ]
check "B's audit chain verifies, the promotion in it" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$B_CTL' audit verify >/dev/null && '$BIN/fedsoarctl' --keys '$KEYS' --control '$B_CTL' audit export | grep -q broker.promoted"

# The old machine comes back on its old state, at its old endpoint.
start_broker --playbooks "$FIX/playbooks/durable"
kill "$ADAPTER"; wait "$ADAPTER" 2>/dev/null || true
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha2.log" 2>&1 &
PIDS+=($!)
wait_for 60 "the restarted site is welcomed by B" grep -q "event=connected site=alpha" "$WORK/alpha2.log"
check "the restarted site tried A first and A stood down" grep -q "event=broker_superseded site=alpha epoch=0 site_seen_epoch=1" "$WORK/broker.log"
check "A wrote its standby marker (a restart stays fenced)" test -s "$WORK/broker/STANDBY"
out=$(ctl approvals list --json >/dev/null && "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" case note 1 "x" 2>&1 || true)
check "A takes no write any more" grep -q "is a standby" <<<"$out"
check "the site is served by B (epoch 1), not A" bash -c "grep 'event=connected' '$WORK/alpha2.log' | tail -1 | grep -q . && ! grep -q 'broker_epoch site=alpha broker=$SITE_EP' '$WORK/alpha2.log'"
check "the deny still ran once" [ "$(deny_count)" = 1 ]
finish
