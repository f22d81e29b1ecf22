#!/usr/bin/env bash
# Issue #6 durability: kill -9 the broker while a run waits on an approval,
# while its command is in flight, and while a retry is scheduled. After the
# restarts the run completes exactly once, the command was executed once,
# each ticket attempt ran once, and every decision is on the case timeline.
source "$(dirname "$0")/../integration/lib.sh"
FIX="$SRC/tests/fixtures"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,alice:approver,bob:approver,eve:analyst >/dev/null
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "connectors": [
   {"name": "threat-intel", "kind": "analyzer", "type": "exec", "command": ["$FIX/connectors/threat_intel.sh"],
    "config": {"malicious": ["203.0.113.66"], "log": "$WORK/ti.log"}},
   {"name": "ticket", "kind": "responder", "type": "exec", "command": ["$FIX/connectors/ticket.sh"],
    "config": {"fail_first": 2, "log": "$WORK/tickets.log"}}],
 "replay": [{"source": "crowdstrike.alert", "file": "$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"}]}
CFG
broker() { start_broker --playbooks "$FIX/playbooks/durable"; }
restart_broker() { kill -9 "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true; broker; }
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
approvals() { ctl approvals list --all --json; }
run_status() { ctl runs list --json | jq -r '.[0].status'; }

broker
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
ADAPTER=$!
PIDS+=("$ADAPTER")

wait_for 30 "the run waits on its approval gate" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq length)\" = 1 ]"
check "threat intel ran once" [ "$(wc -l <"$WORK/ti.log")" = 1 ]
restart_broker   # kill point 1: waiting on an approval
wait_for 20 "broker back" stat_is .runs 1
check "the gate survived the crash" [ "$(approvals | jq -r '.[0].status')" = open ]
check "an analyst may not approve" bash -c "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator eve approvals approve 1 2>&1 | grep -q recorded"
r=$(as alice approvals approve 1 --comment "matches the C2 list")
check "alice's approval is recorded, quorum not met" grep -q "is now open" <<<"$r"
check "alice cannot approve twice" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator alice approvals approve 1 2>&1 | grep -q 'already decided'"
restart_broker   # kill point 2: one vote in, gate still open
wait_for 20 "broker back" stat_is .runs 1
check "alice's vote survived the crash" [ "$(approvals | jq '.[0].votes | length')" = 1 ]

kill -STOP "$ADAPTER"   # the site is unreachable: the command will be in flight
r=$(as bob approvals approve 1)
check "bob's approval meets the quorum" grep -q "is now approved" <<<"$r"
wait_for 10 "the command is journaled and pending" stat_is .commands.pending 1
restart_broker   # kill point 3: command in flight
wait_for 20 "broker back" stat_is .runs 1
kill -CONT "$ADAPTER"
wait_for 60 "the first ticket attempt failed" bash -c "grep -q '^fail' '$WORK/tickets.log'"
restart_broker   # kill point 4: a retry is scheduled (2 s backoff, an LMDB timer)
wait_for 60 "the run completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -r '.[0].status')\" = completed ]"

check "exactly one run, completed" [ "$(ctl runs list --json | jq -c '[.[].status]')" = '["completed"]' ]
check "the deny was executed exactly once at the site" [ "$(grep -c '203.0.113.66' "$WORK/alpha/record-only.jsonl")" = 1 ]
check "one command, answered" [ "$(ctl stats --json | jq -c '.commands')" = '{"answered":1,"pending":0,"total":1}' ]
check "ticket: two failed attempts and one success, each run once" [ "$(cut -d' ' -f1 "$WORK/tickets.log" | tr '\n' ' ')" = "fail fail ok " ]
check "threat intel was not repeated by the restarts" [ "$(wc -l <"$WORK/ti.log")" = 1 ]
case_json=$(ctl case show 1 --json)
check "the case is closed by the playbook" [ "$(jq -r .status <<<"$case_json")" = closed ]
check "both votes are on the timeline" [ "$(jq '[.timeline[] | select(.kind=="approval_vote")] | length' <<<"$case_json")" = 2 ]
check "the approval names its approvers" [ "$(approvals | jq -c '[.[0].votes[].operator]')" = '["alice","bob"]' ]
check "the retries are on the timeline" [ "$(jq '[.timeline[] | select(.kind=="step" and .what=="retry scheduled")] | length' <<<"$case_json")" = 2 ]
check "the enrichment result is on the timeline" jq -e '.timeline[] | select(.kind=="result" and .name=="threat-intel")' <<<"$case_json"
check "metrics count the resolved case" [ "$(ctl metrics --json | jq '.overall.cases - .overall.open_cases')" = 1 ]
finish
