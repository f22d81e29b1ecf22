#!/usr/bin/env bash
# Issue 16.1/16.2: the manual actuator with Redmine as the site's ITSM, driven
# by a real broker running a playbook. `contain device` at alpha is answered
# by people: the command becomes a Redmine issue (what, where, why, the case
# link, the case id in a custom field), the response is 102 until the issue
# is resolved (through Redmine's own REST API, as IT staff would), then an
# exec analyzer checks that the change took effect: 200 for ws-ok (the check
# finds it), 500 with the analyzer's reason for ws-bad; each issue is closed
# with the outcome. The adapter is killed -9 while a ticket waits, the
# broker while the second one is validated; nothing is opened twice and
# every stage is on the case timeline.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
require_tool jq
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
KEY="redmine-key-$RANDOM$RANDOM-K3y"
printf '%s\n' "$KEY" >"$WORK/redmine_key"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --api-token "$KEY" >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
check "Redmine refuses a wrong API key with 401" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Redmine-API-Key: nope' "$V/issues/1.json")" = 401 ]

# The validation analyzer: a program that behaves as an analyzer would,
# looking for evidence that the device is contained (a marker file here).
mkdir -p "$WORK/contained"
cat >"$WORK/check_contained.sh" <<SH
#!/usr/bin/env bash
job=\$(cat)
host=\$(jq -r '.input.command.target.device.hostname' <<<"\$job")
echo "\$host" >>"$WORK/checks.log"
if [ -e "$WORK/contained/\$host" ]; then
  jq -n --arg h "\$host" '{success: true, full: {effective: true, reason: ("EDR reports " + \$h + " isolated")}}'
else
  jq -n --arg h "\$host" '{success: true, full: {effective: false, reason: ("EDR still sees " + \$h + " talking to the network")}}'
fi
SH
chmod +x "$WORK/check_contained.sh"

cat >"$WORK/alpha.json" <<JSON
{"actuators": "manual",
 "actuator_config": {"manual": {"pairs": ["contain device"], "ticketing": "tickets",
                                "validation": {"analyzer": "check"}, "poll_s": 1, "poll_max_s": 2,
                                "ticket_timeout_s": 600, "validation_timeout_s": 60}},
 "connectors": [
   {"name": "tickets", "kind": "responder", "type": "redmine-issue", "base_url": "$V",
    "api_token_file": "$WORK/redmine_key", "project_id": "soc", "case_field_id": 7},
   {"name": "check", "kind": "analyzer", "type": "exec", "command": ["$WORK/check_contained.sh"]}
 ]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/contain.json" <<'JSON'
{
  "name": "manual-contain",
  "title": "Contain two workstations by hand",
  "description": "Reconfig test: alpha contains devices through IT staff (manual actuator).",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "ok", "type": "openc2", "site": "alpha", "on_error": "continue",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-ok.alpha.example"}}}},
    {"id": "bad", "type": "openc2", "site": "alpha",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-bad.alpha.example"}}}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
echo '{"http": {"public_url": "https://soc.alpha.example/"}}' >"$WORK/broker.json"
BROKER_ARGS=(--playbooks "$WORK/playbooks" --config "$WORK/broker.json")
start_broker "${BROKER_ARGS[@]}"
start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
creates() { grep -c '"action":"create"' "$WORK/actions.jsonl" 2>/dev/null || true; }
wait_for 40 "the first ticket is opened" bash -c "[ \"\$(grep -c '\"action\":\"create\"' '$WORK/actions.jsonl' 2>/dev/null)\" = 1 ]"
issue=$(curl -sf -H "X-Redmine-API-Key: $KEY" "$V/issues/1.json")
check "the ticket says what to change" grep -q 'WHAT to change: OpenC2 action \\"contain\\" on target device' <<<"$issue"
check "the ticket says where" grep -q 'WHERE: site alpha' <<<"$issue"
check "the ticket says why (the case and the playbook step)" grep -q 'WHY: case #1, playbook manual-contain, step ok' <<<"$issue"
check "the ticket names the device" grep -q 'ws-ok.alpha.example' <<<"$issue"
check "the case id is in the custom field" \
    [ "$(jq -c '.issue.custom_fields' <<<"$issue")" = '[{"id":7,"value":"1"}]' ]
wait_for 20 "the case shows the ticket stage (102)" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' case show 1 --json | grep -q 'ticket 1 opened for IT staff'"

# kill -9 the adapter while the ticket waits for IT staff.
kill -9 "$ADAPTER_PID_alpha"
wait "$ADAPTER_PID_alpha" 2>/dev/null || true
touch "$WORK/contained/ws-ok.alpha.example"
check "IT staff resolve the ticket (PUT status 3, 204)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "X-Redmine-API-Key: $KEY" -H 'Content-Type: application/json' \
        -d '{"issue": {"status_id": 3, "notes": "isolated in the EDR console"}}' "$V/issues/1.json")" = 204 ]
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the first command is answered" stat_is .commands.answered 1
case_json=$(ctl case show 1 --json)
check "the first command answered 200, validated by the analyzer" \
    grep -q 'validated by check: EDR reports ws-ok.alpha.example isolated' <<<"$case_json"
check "ticket 1 closed with the outcome (status 5, DONE)" \
    [ "$(grep '"action":"update","id":"1"' "$WORK/actions.jsonl" | grep -c '"status_id":"5".*DONE\|DONE.*"status_id":"5"')" = 1 ]
check "ticket 1 was opened once, across the restart" [ "$(grep -c '"action":"create","custom_fields":\[{"id":7,"value":"1"}\],"id":"1"' "$WORK/actions.jsonl")" = 1 ]

# The second command: kill -9 the broker once its ticket is open; the
# adapter validates (and rejects) while the broker is down; the restarted
# broker resends the command and takes the final answer from the journal.
wait_for 40 "the second ticket is opened" bash -c "[ \"\$(grep -c '\"action\":\"create\"' '$WORK/actions.jsonl')\" = 2 ]"
wait_for 20 "the broker has the second ticket's stage" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' case show 1 --json | grep -q 'ticket 2 opened for IT staff'"
kill -9 "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
curl -s -o /dev/null -X PUT -H "X-Redmine-API-Key: $KEY" -H 'Content-Type: application/json' \
    -d '{"issue": {"status_id": 3, "notes": "done, I think"}}' "$V/issues/2.json"
wait_for 40 "ticket 2 closed with the outcome while the broker is down" bash -c \
    "grep '\"action\":\"update\",\"id\":\"2\"' '$WORK/actions.jsonl' | grep -q '\"status_id\":\"5\"'"
start_broker "${BROKER_ARGS[@]}"
wait_for 40 "the second command is answered after the broker's restart" stat_is .commands.answered 2
case_json=$(ctl case show 1 --json)
check "the second command answered 500 with the analyzer's reason" \
    grep -q 'validation by check rejected the change: EDR still sees ws-bad.alpha.example talking to the network' <<<"$case_json"
check "ticket 2 closed FAILED with the reason" \
    bash -c "grep '\"action\":\"update\",\"id\":\"2\"' '$WORK/actions.jsonl' | grep '\"status_id\":\"5\"' | grep -q 'FAILED (500).*ws-bad'"
printf '%s' "$case_json" >"$WORK/case.json"
for stage in 'ticket 1 opened for IT staff' 'ticket 1 resolved by IT staff' 'ticket 1 resolved, validation by check running' \
             'closing ticket 1' 'ticket 2 opened for IT staff' 'ticket 2 resolved by IT staff' 'closing ticket 2'; do
    check "the case timeline has the stage '$stage'" grep -qF "$stage" "$WORK/case.json"
done
check "the ticket links the case page (the broker's public URL)" grep -qF 'CASE: https://soc.alpha.example/#/cases/1' <<<"$issue"
check "exactly two tickets in all" [ "$(creates)" = 2 ]
check "the analyzer ran once per command" [ "$(wc -l <"$WORK/checks.log")" = 2 ]
check "the key never reached a log" bash -c "! grep -rF -e '$KEY' '$WORK'/*.log"
finish
