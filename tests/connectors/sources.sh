#!/usr/bin/env bash
# Vendor sources and the CrowdStrike actuator against the stand-in vendor
# server (tests/standins/, cases in tests/fixtures/connectors/), with a real broker and adapter:
# - CrowdStrike alerts (OAuth2, offset paging), Okta System Log (SSWS, Link
#   rel=next), Graph alerts_v2, Defender alerts, Entra sign-ins and audits
#   (OAuth2, @odata.nextLink), Sentinel incidents (ARM nextLink), SentinelOne
#   threats (ApiToken, cursor), Splunk export (Bearer, NDJSON) all arrive
#   exactly once;
# - a 429 with Retry-After is honoured, a 503 retried, a token refreshed after a 401;
# - after kill -9 of the adapter the checkpoints resume with no gap and no duplicate;
# - an OpenC2 `contain device` from a playbook reaches the EDR exactly once;
# - `query features` (fedsoarctl sites) reports exactly the configured pairs;
# - no secret ever appears in a log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl bc
STANDIN="$BIN/../tests/vendor_standin"
[ -x "$STANDIN" ] || { echo "vendor_standin not built"; exit 1; }

VPORT=$(free_port)
CS_SECRET="cs-secret-$RANDOM$RANDOM-S3cr3t"
API_TOKEN="00okta-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$CS_SECRET" >"$WORK/cs_secret"
chmod 600 "$WORK/cs_secret"
export STANDIN_OKTA_TOKEN="$API_TOKEN"

"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" --record "$WORK/actions.jsonl" \
    --client-id fedsoar-test --client-secret "$CS_SECRET" --api-token "$API_TOKEN" \
    --visible crowdstrike=5,okta=4,graph=2,sentinelone=3 --fault rate-limit-once --token-uses 4 --fault fail-5xx-once \
    >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
release() { curl -sf -X POST "http://127.0.0.1:$VPORT/_standin/release?vendor=$1&count=$2" >/dev/null; }
standin_stat() { curl -sf "http://127.0.0.1:$VPORT/_standin/stats" | jq -r ".$1"; }

V="http://127.0.0.1:$VPORT"
MS="\"token_url\": \"$V/tenant-0001/oauth2/v2.0/token\", \"client_id\": \"fedsoar-test\", \"client_secret_file\": \"$WORK/cs_secret\""
cat >"$WORK/alpha.json" <<JSON
{
  "log_level": "info",
  "actuators": "crowdstrike-falcon",
  "actuator_config": {
    "crowdstrike-falcon": {"base_url": "$V", "client_id": "fedsoar-test", "client_secret_file": "$WORK/cs_secret"}
  },
  "sources": [
    {"name": "cs", "type": "crowdstrike-alerts", "interval_s": 1, "base_url": "$V", "client_id": "fedsoar-test",
     "client_secret_file": "$WORK/cs_secret", "start": "2025-01-01T00:00:00Z", "page_size": 2},
    {"name": "okta", "type": "okta-logs", "interval_s": 1, "base_url": "$V", "api_token_env": "STANDIN_OKTA_TOKEN",
     "start": "2025-01-01T00:00:00Z", "page_size": 2},
    {"name": "graph", "type": "graph-alerts", "interval_s": 1, "base_url": "$V",
     "token_url": "$V/tenant-0001/oauth2/v2.0/token", "client_id": "fedsoar-test",
     "client_secret_file": "$WORK/cs_secret", "start": "2025-01-01T00:00:00Z", "page_size": 1},
    {"name": "mde", "type": "mde-alerts", "interval_s": 1, "base_url": "$V", $MS, "start": "2025-01-01T00:00:00Z"},
    {"name": "signins", "type": "entra-signins", "interval_s": 1, "base_url": "$V", $MS, "start": "2025-01-01T00:00:00Z",
     "page_size": 1},
    {"name": "audits", "type": "entra-audits", "interval_s": 1, "base_url": "$V", $MS, "start": "2025-01-01T00:00:00Z"},
    {"name": "sentinel", "type": "sentinel-incidents", "interval_s": 1, "base_url": "$V", $MS,
     "workspace_path": "/subscriptions/5d7a/resourceGroups/beta-sec/providers/Microsoft.OperationalInsights/workspaces/beta-law",
     "start": "2025-01-01T00:00:00Z", "page_size": 1},
    {"name": "s1", "type": "sentinelone-threats", "interval_s": 1, "base_url": "$V", "api_token_env": "STANDIN_OKTA_TOKEN",
     "start": "2025-01-01T00:00:00Z", "page_size": 2},
    {"name": "splunk", "type": "splunk-export", "interval_s": 1, "base_url": "$V", "api_token_env": "STANDIN_OKTA_TOKEN",
     "start": "2025-01-01T00:00:00Z"}
  ]
}
JSON

# A playbook that contains the host of one CrowdStrike alert.
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/contain-host.json" <<'JSON'
{
  "name": "contain-standin-host",
  "title": "Contain the host of the stand-in's critical detection",
  "description": "Connector test: one OpenC2 contain device to the reporting site's EDR.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"crowdstrike.alert\" and .device.hostname == \"ALPHA-WS-0104\""},
  "steps": [
    {"id": "contain", "type": "openc2", "site": "{{ .event.site }}",
     "command": {"action": "contain", "target": {"device": {"device_id": "{{ .event.device.uid }}"}}}}
  ]
}
JSON

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"

wait_for 40 "first 22 events stored (5 CrowdStrike, 4 Okta, 2 Graph; 1 MDE, 2 sign-ins, 1 audit, 2 Sentinel; 3 SentinelOne; 2 Splunk)" stat_is .events.total 22
check "CrowdStrike paged over 3 query pages" [ "$(grep -c 'GET /alerts/queries/alerts/v2' "$WORK/standin.log")" -ge 3 ]
check "Okta followed Link rel=next" [ "$(grep -c 'GET /api/v1/logs' "$WORK/standin.log")" -ge 3 ]
check "Graph followed @odata.nextLink" [ "$(grep -c 'GET /v1.0/security/alerts_v2' "$WORK/standin.log")" -ge 2 ]
check "Sentinel followed the ARM nextLink" [ "$(grep -c 'GET /subscriptions/.*/incidents' "$WORK/standin.log")" -ge 2 ]
check "SentinelOne followed nextCursor" [ "$(grep -c 'GET /web/api/v2.1/threats' "$WORK/standin.log")" -ge 2 ]
check "sign-ins followed @odata.nextLink" [ "$(grep -c 'GET /v1.0/auditLogs/signIns' "$WORK/standin.log")" -ge 2 ]
check "a 429 was answered per vendor and honoured (Retry-After)" [ "$(standin_stat rate_limited)" = 3 ]
check "the adapter waited as Retry-After said" grep -q 'event=retrying .*status=429 attempt=1 wait_ms=1000' "$WORK/alpha.log"
check "a 503 was retried" grep -q 'event=retrying .*status=503' "$WORK/alpha.log"
wait_for 20 "an expired token was refused" bash -c "[ \$(curl -sf '$V/_standin/stats' | jq .unauthorized) -ge 1 ]"
check "the token was refreshed after the 401" grep -q 'event=token_rejected' "$WORK/alpha.log"
check "more than one token was issued" [ "$(standin_stat tokens_issued)" -ge 3 ]

# contain device reaches the EDR exactly once.
wait_for 30 "the contain command answered" stat_is .commands.answered 1
check "CrowdStrike got one contain for the device" \
    [ "$(grep -c '"action":"contain"' "$WORK/actions.jsonl")" = 1 ]
check "the contain named the alert's device id" grep -q '"ids":\["00a1b2c3d4e5f6000000000000000004"\]' "$WORK/actions.jsonl"

# query features says exactly what the configuration can do.
sites=$(ctl sites --json)
check "features: pairs are exactly contain/allow device and query features" \
    [ "$(jq -cS '.alpha.capabilities.pairs' <<<"$sites")" = '{"allow":["device"],"contain":["device"],"query":["features"]}' ]
check "features: profile er" [ "$(jq -c '.alpha.capabilities.profiles' <<<"$sites")" = '["er"]' ]

# kill -9, new records while down, restart: no gap, no duplicate.
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
release crowdstrike 2; release okta 2; release graph 2; release sentinelone 1
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the 7 records released while down arrived" stat_is .events.total 29
release crowdstrike 2; release okta 1; release graph 1; release sentinelone 1
wait_for 40 "all 34 records arrived" stat_is .events.total 34
sleep 3 # several more polls: nothing more may come
check "exactly 34 events at the broker" stat_is .events.total 34
added=$(grep -ho 'event=source_polled [^ ]* [^ ]* [^ ]* events=[0-9]*' "$WORK/alpha.log" | sed 's/.*events=//' | paste -sd+ | bc)
check "the adapter added exactly 34 events to its outbox ($added)" [ "$added" = 34 ]
check "no record was rejected" [ "$(grep -c record_rejected "$WORK/alpha.log")" = 0 ]
# CrowdStrike's after-token paging (issue 17.1): with page_size 2 the stand-in
# answers meta.pagination.after while more ids follow; the source must follow
# the token (never an offset) and lose or repeat nothing (the 34 above).
check "CrowdStrike ids were paged by the after token (several pages)" [ "$(standin_stat after_pages)" -ge 3 ]
check "... and never by an offset past the first page" [ "$(curl -sf "$V/_standin/stats" | jq '.offset_pages // 0')" = 0 ]
check "contain was not repeated after the restart" [ "$(grep -c '"action":"contain"' "$WORK/actions.jsonl")" = 1 ]

# Secrets never reach a log line.
check "no secret in any log" bash -c "! grep -rF -e '$CS_SECRET' -e '$API_TOKEN' -e 'standin-token-' '$WORK'/*.log"
finish
