#!/usr/bin/env bash
# Issue 16.1: the manual actuator through ServiceNow and Jira — both speak
# the ticket contract (op create / get / close). `contain device` at alpha
# becomes a ServiceNow incident (the case id in correlation_id), at beta a
# Jira issue (label fedsoar-case-N); 102 until IT staff resolve it through
# the vendor's own REST API (ServiceNow: PATCH state 6 with its resolution
# code and notes; Jira: the workflow's transition to Done); an analyzer
# confirms; 200; the incident is closed (state 7, the outcome in
# close_notes), the Jira issue gets the outcome as a comment and the
# transition to Closed.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
require_tool jq
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
TOKEN="itsm-$RANDOM$RANDOM-T0k"
printf '%s\n' "$TOKEN" >"$WORK/password"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --api-token "$TOKEN" --username soc-bot >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
AUTH=(-u "soc-bot:$TOKEN")

cat >"$WORK/check.sh" <<'SH'
#!/usr/bin/env bash
host=$(jq -r '.input.command.target.device.hostname')
jq -n --arg h "$host" '{success: true, full: {effective: true, reason: ("EDR reports " + $h + " isolated")}}'
SH
chmod +x "$WORK/check.sh"
site_config() { # site_config TICKETING_CONNECTOR_JSON
    cat <<JSON
{"actuators": "manual",
 "actuator_config": {"manual": {"pairs": ["contain device"], "ticketing": "tickets",
                                "validation": {"analyzer": "check"}, "poll_s": 1, "poll_max_s": 2}},
 "connectors": [$1,
   {"name": "check", "kind": "analyzer", "type": "exec", "command": ["$WORK/check.sh"]}]}
JSON
}
site_config "{\"name\": \"tickets\", \"kind\": \"responder\", \"type\": \"servicenow-incident\", \"base_url\": \"$V\",
   \"username\": \"soc-bot\", \"password_file\": \"$WORK/password\", \"defaults\": {\"category\": \"security\"}}" >"$WORK/alpha.json"
site_config "{\"name\": \"tickets\", \"kind\": \"responder\", \"type\": \"jira-issue\", \"base_url\": \"$V\",
   \"project_key\": \"OPS\", \"username\": \"soc-bot\", \"api_token_file\": \"$WORK/password\"}" >"$WORK/beta.json"
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/contain.json" <<'JSON'
{
  "name": "manual-itsm",
  "title": "Contain by hand through ServiceNow and Jira",
  "description": "Reconfig test: the manual actuator's ticket contract at two ITSMs.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "snow", "type": "openc2", "site": "alpha",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-snow.alpha.example"}}}},
    {"id": "jira", "type": "openc2", "site": "beta",
     "command": {"action": "contain", "target": {"device": {"hostname": "ws-jira.beta.example"}}}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter beta --config "$WORK/beta.json"
start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"

# ServiceNow
wait_for 40 "the incident is opened" bash -c "grep -q '\"action\":\"create\".*\"vendor\":\"servicenow\"' '$WORK/actions.jsonl' 2>/dev/null"
sys_id=$(grep '"vendor":"servicenow"' "$WORK/actions.jsonl" | jq -r 'select(.action == "create") | .sys_id' | head -1)
inc=$(curl -sf "${AUTH[@]}" "$V/api/now/table/incident/$sys_id")
check "the incident states what to change" grep -q 'WHAT to change: OpenC2 action \\"contain\\" on target device' <<<"$inc"
check "the incident carries the case id in correlation_id" jq -e '.result.correlation_id == "1" and .result.correlation_display == "fedsoar"' <<<"$inc"
check "the config's defaults fill the incident" jq -e '.result.category == "security"' <<<"$inc"
wait_for 20 "the case shows the incident's stage (102)" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' case show 1 --json | grep -q 'ticket $sys_id opened for IT staff: $V/nav_to.do?uri=incident.do%3Fsys_id%3D$sys_id'"
check "still 102: nothing answered while the incident is open" stat_is .commands.answered 0
check "IT staff resolve the incident (PATCH state 6 with resolution code and notes)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" -X PATCH -H 'Content-Type: application/json' \
        -d '{"state": "6", "close_code": "Solved (Permanently)", "close_notes": "isolated in the EDR"}' \
        "$V/api/now/table/incident/$sys_id")" = 200 ]
wait_for 40 "the ServiceNow command is answered" stat_is .commands.answered 1
check "the incident is closed with the outcome (state 7, DONE in close_notes)" \
    bash -c "grep '\"vendor\":\"servicenow\"' '$WORK/actions.jsonl' | grep '\"action\":\"update\"' | grep '\"state\":\"7\"' | grep -q 'DONE (200).*ws-snow'"
check "the incident reads closed" \
    bash -c "curl -sf -u 'soc-bot:$TOKEN' '$V/api/now/table/incident/$sys_id' | jq -e '.result.state == \"7\"' >/dev/null"

# Jira
wait_for 40 "the Jira issue is opened" bash -c "grep -q '\"action\":\"create_issue\",\"key\":\"OPS-1\"' '$WORK/actions.jsonl'"
issue=$(curl -sf "${AUTH[@]}" "$V/rest/api/2/issue/10001")
check "the Jira issue is labelled with the case" jq -e '.fields.labels | index("fedsoar-case-1") != null' <<<"$issue"
check "the Jira issue is To Do until someone acts" jq -e '.fields.status.name == "To Do"' <<<"$issue"
wait_for 20 "the case shows the Jira stage (102)" bash -c \
    "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' case show 1 --json | grep -q 'ticket 10001 opened for IT staff: $V/browse/OPS-1'"
check "IT staff move the issue to Done (transition 31, 204)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" -X POST -H 'Content-Type: application/json' \
        -d '{"transition": {"id": "31"}}' "$V/rest/api/2/issue/10001/transitions")" = 204 ]
wait_for 40 "the Jira command is answered" stat_is .commands.answered 2
check "the outcome is a comment on the issue" \
    bash -c "grep '\"action\":\"comment\",\"body\":\"fedsoar outcome: DONE (200)' '$WORK/actions.jsonl' | grep -q '\"id\":\"10001\"'"
check "the issue is transitioned to Closed" grep -q '"action":"transition","id":"10001","to":"Closed"' "$WORK/actions.jsonl"
case_json=$(ctl case show 1 --json)
check "both commands answered 200, validated" \
    [ "$(grep -o 'carried out by IT staff and validated by check: EDR reports ws-[a-z]*' <<<"$case_json" | sort -u | wc -l)" = 2 ]
check "one incident in all" [ "$(grep -c '"action":"create","' "$WORK/actions.jsonl")" = 1 ]
check "one Jira issue in all" [ "$(grep -c '"action":"create_issue"' "$WORK/actions.jsonl")" = 1 ]
check "the secret never reached a log" bash -c "! grep -rF -e '$TOKEN' '$WORK'/*.log"
finish
