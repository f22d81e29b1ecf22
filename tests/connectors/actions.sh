#!/usr/bin/env bash
# Analyzers and responders against the stand-in vendor server, driven by a
# real broker running a playbook (REQUEST/RESULT, protocol §5.8):
# VirusTotal enrich, Okta suspend + clear sessions, Entra disable + revoke,
# Jira ticket, Slack message — each reaches its vendor exactly once, with
# the vendor's documented auth; secrets are refused inline and never logged.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
SECRET="ms-secret-$RANDOM$RANDOM-S3cr3t"
TOKEN="tok-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$SECRET" >"$WORK/ms_secret"
printf '%s\n' "$TOKEN" >"$WORK/token"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" --record "$WORK/actions.jsonl" \
    --client-id fedsoar-test --client-secret "$SECRET" --api-token "$TOKEN" --username soc-bot@alpha.example \
    >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
MS="\"token_url\": \"$V/tenant-0001/oauth2/v2.0/token\", \"client_id\": \"fedsoar-test\", \"client_secret_file\": \"$WORK/ms_secret\""
cat >"$WORK/alpha.json" <<JSON
{
  "actuators": "defender-endpoint",
  "actuator_config": {"defender-endpoint": {"base_url": "$V", $MS}},
  "sources": [
    {"name": "okta", "type": "okta-logs", "interval_s": 1, "base_url": "$V", "api_token_file": "$WORK/token",
     "start": "2025-01-01T00:00:00Z"}
  ],
  "connectors": [
    {"name": "vt", "kind": "analyzer", "type": "virustotal", "base_url": "$V", "api_token_file": "$WORK/token"},
    {"name": "idp-suspend-user", "kind": "responder", "type": "okta-suspend-user", "base_url": "$V", "api_token_file": "$WORK/token"},
    {"name": "idp-revoke-sessions", "kind": "responder", "type": "okta-clear-sessions", "base_url": "$V", "api_token_file": "$WORK/token"},
    {"name": "entra-disable", "kind": "responder", "type": "entra-disable-account", "base_url": "$V", $MS},
    {"name": "entra-revoke", "kind": "responder", "type": "entra-revoke-sessions", "base_url": "$V", $MS},
    {"name": "ticket", "kind": "responder", "type": "jira-issue", "base_url": "$V", "project_key": "SOC",
     "username": "soc-bot@alpha.example", "api_token_file": "$WORK/token"},
    {"name": "chat", "kind": "responder", "type": "slack-message", "base_url": "$V", "channel": "#soc",
     "api_token_file": "$WORK/token"}
  ]
}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/respond.json" <<'JSON'
{
  "name": "connector-responders",
  "title": "Every responder once",
  "description": "Connector test: enrich with VirusTotal, then act at the identity providers, open a ticket and tell the SOC.",
  "trigger": {"class_uid": [3002], "filter": ".source == \"okta.system_log\" and .metadata.original_event_uid == \"5e1f0c2a-0000-4000-8000-000000000001\""},
  "steps": [
    {"id": "vt", "type": "enrich", "analyzer": "vt", "site": "alpha", "input": {"ip": "203.0.113.66"}},
    {"id": "suspend", "type": "action", "responder": "idp-suspend-user", "site": "alpha", "input": {"user": "user1@alpha.example"}},
    {"id": "sessions", "type": "action", "responder": "idp-revoke-sessions", "site": "alpha", "input": {"user": "user1@alpha.example"}},
    {"id": "disable", "type": "action", "responder": "entra-disable", "site": "alpha", "input": {"user": "j.doe@beta.example"}},
    {"id": "revoke", "type": "action", "responder": "entra-revoke", "site": "alpha", "input": {"user": "j.doe@beta.example"}},
    {"id": "ticket", "type": "action", "responder": "ticket", "site": "alpha", "input": {"summary": "Password spraying against user1", "description": "fedsoar connector test"}},
    {"id": "chat", "type": "action", "responder": "chat", "site": "alpha", "input": {"text": "user1 suspended at Okta"}},
    {"id": "isolate", "type": "openc2", "site": "alpha",
     "command": {"action": "contain", "target": {"device": {"hostname": "beta-ws-0077.beta.example"}}}},
    {"id": "release", "type": "openc2", "site": "alpha",
     "command": {"action": "allow", "target": {"device": {"device_id": "73e7e2de709dff64ef64b1d0c30e67fab63279db"}}}}
  ]
}
JSON

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null

# Secrets are never taken inline, and the refusal does not echo them.
jq '.connectors[0] += {"api_token": "INLINE-SECRET-4242"} | del(.connectors[0].api_token_file)' "$WORK/alpha.json" >"$WORK/inline.json"
set +e
out=$("$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/inline" --keys "$KEYS" --config "$WORK/inline.json" 2>&1)
rc=$?
set -e
check "an inline secret is refused (exit 2)" [ "$rc" = 2 ]
check "the refusal says where secrets go" grep -q "api_token_file or an environment variable" <<<"$out"
check "the refusal does not echo the secret" bash -c "! grep -q INLINE-SECRET-4242 <<<'$out'"

start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the playbook run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs list --json 2>/dev/null | jq -e '[.. | objects | select(.status? == \"completed\")] | length > 0'"
run=$(ctl runs show 1 --json)
echo "$run" | jq -c '.steps? // .' | head -c 2000; echo
check "VirusTotal verdict malicious for 203.0.113.66" grep -q '"verdict": *"malicious"' <<<"$(jq . <<<"$run")"
for want in '"action":"suspend","user_id":"00u' '"action":"clear_sessions"' '"action":"disable","user":"j.doe@beta.example"' \
            '"action":"revoke_sessions","user":"j.doe@beta.example"' '"action":"create_issue","key":"SOC-1"' '"action":"post","channel":"#soc"'; do
    check "vendor got $want exactly once" [ "$(grep -cF "$want" "$WORK/actions.jsonl")" = 1 ]
done
check "Defender isolated the machine found by hostname, once" \
    [ "$(grep -cF '"action":"isolate","machine_id":"73e7e2de709dff64ef64b1d0c30e67fab63279db"' "$WORK/actions.jsonl")" = 1 ]
check "Defender released it (allow device), once" \
    [ "$(grep -cF '"action":"unisolate","machine_id":"73e7e2de709dff64ef64b1d0c30e67fab63279db"' "$WORK/actions.jsonl")" = 1 ]
check "eight vendor actions in all" [ "$(wc -l <"$WORK/actions.jsonl")" = 8 ]
check "features: exactly contain/allow device" \
    [ "$(ctl sites --json | jq -cS '.alpha.capabilities.pairs')" = '{"allow":["device"],"contain":["device"],"query":["features"]}' ]
check "no secret in any log" bash -c "! grep -rF -e '$SECRET' -e '$TOKEN' -e 'standin-token-' '$WORK'/*.log"
finish
