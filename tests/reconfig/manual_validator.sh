#!/usr/bin/env bash
# Issue 16.1: the manual actuator validated by a person. `contain device` at
# alpha is answered by IT staff through a Redmine ticket; once the ticket is
# resolved, the adapter's 102 asks the broker for an approval on the case
# (role validator, docs/protocol.md §5.4 "Validation by a person"). A
# validator approves -> 200, ticket closed DONE; a validator denies with a
# reason -> 500 with that reason, ticket closed FAILED. An analyst (no
# validator role) is refused. The adapter is killed -9 while the first
# approval is open (decided while it is down: the decision reaches it with
# the COMMAND resent after WELCOME), the broker while the second one is. A
# third waits in vain: 500 "validation timed out" after validation_timeout_s,
# the approval closed as expired.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
require_tool jq
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
KEY="redmine-key-$RANDOM$RANDOM-V4l"
printf '%s\n' "$KEY" >"$WORK/redmine_key"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --api-token "$KEY" >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
resolve() { # IT staff resolve issue $1 through Redmine's REST API
    curl -s -o /dev/null -w '%{http_code}' -X PUT -H "X-Redmine-API-Key: $KEY" -H 'Content-Type: application/json' \
        -d '{"issue": {"status_id": 3, "notes": "done by hand"}}' "$V/issues/$1.json"
}
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }

cat >"$WORK/alpha.json" <<JSON
{"actuators": "manual",
 "actuator_config": {"manual": {"pairs": ["contain device"], "ticketing": "tickets",
                                "validation": {"approval_role": "validator"}, "poll_s": 1, "poll_max_s": 2,
                                "ticket_timeout_s": 600, "validation_timeout_s": 600}},
 "connectors": [
   {"name": "tickets", "kind": "responder", "type": "redmine-issue", "base_url": "$V",
    "api_token_file": "$WORK/redmine_key", "project_id": "soc", "case_field_id": 7}
 ]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/contain.json" <<'JSON'
{
  "name": "manual-validated",
  "title": "Contain two workstations by hand, validated by a person",
  "description": "Reconfig test: alpha contains devices through IT staff; a validator confirms.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "ok", "type": "openc2", "site": "alpha", "on_error": "continue",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-ok.alpha.example"}}}},
    {"id": "bad", "type": "openc2", "site": "alpha", "on_error": "continue",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-bad.alpha.example"}}}},
    {"id": "slow", "type": "openc2", "site": "alpha",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-slow.alpha.example"}}}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,val:validator,ana:analyst >/dev/null
BROKER_ARGS=(--playbooks "$WORK/playbooks")
start_broker "${BROKER_ARGS[@]}"

# A config that names a role no key store could hold is refused at start.
sed 's/"approval_role": "validator"/"approval_role": "Validator!"/' "$WORK/alpha.json" >"$WORK/alpha_bad.json"
check "an approval_role that is not a role name is refused at start" bash -c \
    "! timeout 10 '$BIN/fedsoar-adapter' --site alpha --keys '$KEYS' --broker '$SITE_EP' --state-dir '$WORK/bad-state' --config '$WORK/alpha_bad.json' >'$WORK/bad.log' 2>&1; grep -q 'approval_role.*not a role name' '$WORK/bad.log'"

start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 40 "the first ticket is opened" bash -c "grep -q '\"action\":\"create\"' '$WORK/actions.jsonl' 2>/dev/null"
issue=$(curl -sf -H "X-Redmine-API-Key: $KEY" "$V/issues/1.json")
check "the ticket says a validator will confirm" grep -q 'asks a person with the role \\"validator\\" to confirm' <<<"$issue"
check "no approval before the ticket is resolved" bash -c \
    "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q validation"
check "IT staff resolve ticket 1 (204)" [ "$(resolve 1)" = 204 ]
wait_for 30 "the validation approval is open" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q '\"kind\": *\"validation\"'"
aps=$(ctl approvals list --json)
printf '%s' "$aps" >"$WORK/approvals1.json"
ap1=$(jq -r '[.. | objects | select(.kind? == "validation")][0].id' <<<"$aps")
check "the approval is for role validator, tied to the command" \
    bash -c "jq -e '[.. | objects | select(.kind? == \"validation\")][0] | .role == \"validator\" and .site == \"alpha\" and (.command_id | length > 0) and .case_id == 1' '$WORK/approvals1.json' >/dev/null"
check "the approval asks the question about ticket 1" grep -q 'Ticket 1 at site alpha (OpenC2 contain' "$WORK/approvals1.json"

# kill -9 the adapter while the approval is open; decide while it is down.
kill -9 "$ADAPTER_PID_alpha"
wait "$ADAPTER_PID_alpha" 2>/dev/null || true
check "an analyst (no validator role) may not decide the validation" bash -c \
    "as() { '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator \"\$@\"; }; ! as ana approvals approve $ap1 2>'$WORK/ana.err' >/dev/null; grep -q 'needs role validator' '$WORK/ana.err'"
check "the validator approves" as val approvals approve "$ap1" --comment "EDR shows ws-ok isolated"
check "the approval is decided once" bash -c \
    "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator val approvals approve $ap1 >/dev/null 2>&1"
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the first command is answered" stat_is .commands.answered 1
case_json=$(ctl case show 1 --json)
check "the first command answered 200, confirmed by the validator" \
    grep -q 'confirmed by val (role validator): EDR shows ws-ok isolated' <<<"$case_json"
check "ticket 1 closed with the outcome (status 5, DONE)" \
    bash -c "grep '\"action\":\"update\",\"id\":\"1\"' '$WORK/actions.jsonl' | grep '\"status_id\":\"5\"' | grep -q 'DONE (200)'"

# The second command: the broker is killed -9 while its approval is open.
wait_for 40 "the second ticket is opened" bash -c "[ \"\$(grep -c '\"action\":\"create\"' '$WORK/actions.jsonl')\" = 2 ]"
check "IT staff resolve ticket 2 (204)" [ "$(resolve 2)" = 204 ]
wait_for 30 "the second validation approval is open" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q 'Ticket 2 at site alpha'"
ap2=$(ctl approvals list --json | jq -r '[.. | objects | select(.kind? == "validation")][0].id')
kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
start_broker "${BROKER_ARGS[@]}"
wait_for 20 "the approval survived the broker's kill -9" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q 'Ticket 2 at site alpha'"
check "the validator denies with a reason" as val approvals deny "$ap2" --comment "ws-bad still beacons to 203.0.113.9"
wait_for 40 "the second command is answered" stat_is .commands.answered 2
case_json=$(ctl case show 1 --json)
printf '%s' "$case_json" >"$WORK/case.json"
check "the second command answered 500 with the denial's reason" \
    bash -c "jq -e '[.. | objects | select(.status? == 500 and (.status_text? // \"\" | test(\"val \\\\(role validator\\\\) denied that the change took effect: ws-bad still beacons to 203.0.113.9\")))] | length > 0' '$WORK/case.json' >/dev/null"
check "ticket 2 closed FAILED with the reason" \
    bash -c "grep '\"action\":\"update\",\"id\":\"2\"' '$WORK/actions.jsonl' | grep '\"status_id\":\"5\"' | grep -q 'FAILED (500).*ws-bad still beacons'"
check "the case timeline has both validations' approval_requested" \
    bash -c "jq -e '[.. | objects | select(.kind? == \"approval_requested\" and .validation? == true and .role == \"validator\")] | length == 2' '$WORK/case.json' >/dev/null"
for stage in 'ticket 1 resolved, waiting for a person with role validator' 'approval_vote' \
             'ticket 2 resolved, waiting for a person with role validator' 'closing ticket 2'; do
    check "the case timeline has '$stage'" grep -qF "$stage" "$WORK/case.json"
done

# The third: nobody decides. The adapter restarts with a short validation_timeout_s.
wait_for 40 "the third ticket is opened" bash -c "[ \"\$(grep -c '\"action\":\"create\"' '$WORK/actions.jsonl')\" = 3 ]"
kill "$ADAPTER_PID_alpha"
wait "$ADAPTER_PID_alpha" 2>/dev/null || true
jq '.actuator_config.manual.validation_timeout_s = 3' "$WORK/alpha.json" >"$WORK/alpha_short.json"
start_adapter alpha --config "$WORK/alpha_short.json"
check "IT staff resolve ticket 3 (204)" [ "$(resolve 3)" = 204 ]
wait_for 30 "the third validation approval is open" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q 'Ticket 3 at site alpha'"
wait_for 40 "the third command is answered" stat_is .commands.answered 3
ctl case show 1 --json >"$WORK/case3.json"
check "the third command answered 500: validation timed out" \
    bash -c "jq -e '[.. | objects | select(.status? == 500 and (.status_text? // \"\" | test(\"validation timed out: nobody with role validator decided within validation_timeout_s \\\\(3 s\\\\)\")))] | length > 0' '$WORK/case3.json' >/dev/null"
check "ticket 3 closed FAILED, timed out" \
    bash -c "grep '\"action\":\"update\",\"id\":\"3\"' '$WORK/actions.jsonl' | grep '\"status_id\":\"5\"' | grep -q 'FAILED (500).*validation timed out'"
all=$(ctl approvals list --all --json)
check "the unanswered approval was closed as expired" \
    bash -c "jq -e '[.. | objects | select(.kind? == \"validation\" and .status == \"expired\")] | length == 1' <<<'$(printf '%s' "$all" | tr -d "'")' >/dev/null"
check "an expired validation can no longer be decided" bash -c \
    "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator val approvals approve \$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --all --json | jq -r '[.. | objects | select(.kind? == \"validation\" and .status == \"expired\")][0].id') >/dev/null 2>&1"
check "exactly three tickets, three validation approvals" \
    bash -c "[ \"\$(grep -c '\"action\":\"create\"' '$WORK/actions.jsonl')\" = 3 ] && [ \"\$(jq '[.. | objects | select(.kind? == \"validation\")] | length' <<<'$(printf '%s' "$all" | tr -d "'")')\" = 3 ]"
check "no approval left open" bash -c \
    "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | grep -q '\"kind\": *\"validation\"'"
finish
