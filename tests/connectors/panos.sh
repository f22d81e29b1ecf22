#!/usr/bin/env bash
# The panos actuator against the stand-in PAN-OS XML API, driven by a real
# broker running a playbook: deny ipv4_net puts an address object into the
# block group and commits, allow ipv4_net takes it out again; the key goes
# in X-PAN-KEY, never in a URL or a log; query features shows deny/allow ipv4_net.
# Every commit is a job polled to completion (type=op show jobs: ACT, then FIN):
# the first one fails (the stand-in's commit-fail-once) and the OpenC2 response
# says so with the device's details; the others finish OK and say so.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
KEY="pan-key-$RANDOM$RANDOM-K3y"
printf '%s\n' "$KEY" >"$WORK/pan_key"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" --record "$WORK/actions.jsonl" \
    --fault commit-fail-once --api-token "$KEY" --username fedsoar-api --client-secret pan-admin-pass >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
check "keygen answers the key for the right password" \
    bash -c "curl -s -d 'type=keygen&user=fedsoar-api&password=pan-admin-pass' '$V/api/' | grep -q '<key>'"
check "a wrong key is refused with 403" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-PAN-KEY: nope' -d 'type=commit&cmd=<commit></commit>' "$V/api/")" = 403 ]
cat >"$WORK/alpha.json" <<JSON
{"actuators": "panos",
 "actuator_config": {"panos": {"base_url": "$V", "api_token_file": "$WORK/pan_key", "address_group": "fedsoar-block"}}}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/block.json" <<'JSON'
{
  "name": "panos-block",
  "title": "Block the source of a Splunk notable at the firewall",
  "description": "Connector test: deny two networks, then allow one of them again.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "deny1", "type": "openc2", "site": "alpha", "on_error": "continue", "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.66"}}},
    {"id": "deny2", "type": "openc2", "site": "alpha", "command": {"action": "deny", "target": {"ipv4_net": "198.51.100.0/24"}}},
    {"id": "allow1", "type": "openc2", "site": "alpha", "command": {"action": "allow", "target": {"ipv4_net": "203.0.113.66/32"}}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json" --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 40 "three commands answered" stat_is .commands.answered 3
check "203.0.113.66/32 was blocked once" \
    [ "$(grep -cF '"action":"block","group":"fedsoar-block","ip":"203.0.113.66/32","member":"fedsoar-203.0.113.66_32"' "$WORK/actions.jsonl")" = 1 ]
check "198.51.100.0/24 was blocked once" [ "$(grep -cF '"ip":"198.51.100.0/24"' "$WORK/actions.jsonl")" = 1 ]
check "203.0.113.66/32 was unblocked once" \
    [ "$(grep -cF '"action":"unblock","group":"fedsoar-block","member":"fedsoar-203.0.113.66_32"' "$WORK/actions.jsonl")" = 1 ]
check "three commits" [ "$(grep -c '"action":"commit"' "$WORK/actions.jsonl")" = 3 ]
check "after the last commit only 198.51.100.0/24 is in the group" \
    [ "$(tail -n1 "$WORK/actions.jsonl" | jq -c '.groups["fedsoar-block"]')" = '["fedsoar-198.51.100.0_24"]' ]
check "each commit job was polled until FIN (ACT first, then FIN: 6 polls for 3 jobs)" \
    [ "$(curl -sf "$V/_standin/stats" | jq .job_polls)" = 6 ]
check "the first commit job failed at the device (FIN FAIL)" [ "$(grep -c '"action":"commit_failed","job":"1"' "$WORK/actions.jsonl")" = 1 ]
wait_for 20 "the run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs show 1 --json 2>/dev/null | grep -q 'commit job 3 OK'"
"$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" runs show 1 --json >"$WORK/run.json"
check "deny1's OpenC2 response is 500 with the job's result and details" \
    grep -q 'commit job 1 finished FAIL: Validation Error:; address-group -&gt; fedsoar-block is invalid; Commit failed' "$WORK/run.json"
check "deny2's and allow1's responses say their commit jobs finished OK" \
    bash -c "grep -q 'blocked 198.51.100.0/24 in address group fedsoar-block, commit job 2 OK' '$WORK/run.json' && grep -q 'unblocked 203.0.113.66/32 in address group fedsoar-block, commit job 3 OK' '$WORK/run.json'"
check "the adapter logged each job's end" [ "$(grep -c 'event=panos_commit_done' "$WORK/alpha.log")" = 3 ]
check "features: exactly deny/allow ipv4_net" \
    [ "$(ctl sites --json | jq -cS '.alpha.capabilities.pairs')" = '{"allow":["ipv4_net"],"deny":["ipv4_net"],"query":["features"]}' ]
check "the key never travelled in a URL" bash -c "! grep -q 'key=' '$WORK/standin.log'"
check "no secret in any log" bash -c "! grep -rF -e '$KEY' '$WORK'/*.log"
finish
