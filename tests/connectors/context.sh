#!/usr/bin/env bash
# The ServiceNow responder, the generic http-json analyzer and the host /
# identity context analyzers against the stand-in vendor server, driven by a
# real broker running one playbook (REQUEST/RESULT, protocol §5.8):
#   ServiceNow: create (basic auth), update and close (OAuth2 client
#   credentials at /oauth_token.do), a close the data policy refuses (403),
#   a create answered 500 (reaches the vendor once: not retried), an unknown
#   sys_id (404).
#   http-json: a GET with the key header from a file and fields picked by
#   JSON pointer (absent → null); a POST whose body template keeps types and
#   interpolates text, with the key from the environment and pointers using
#   ~0 / ~1 escapes; {{data}} percent-encoded in the URL (the stand-in gets
#   the text as sent); an answer over max_result_bytes is an error.
#   Identity context: the user's linked_emails (Okta secondEmail/email,
#   Entra mail/otherMails/SMTP proxyAddresses, Graph asked with $select).
# Secrets (password, client secret, tokens) are in no log and no run record.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
SECRET="sn-secret-$RANDOM$RANDOM-S3cr3t"
TOKEN="pw-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$SECRET" >"$WORK/client_secret"
printf '%s\n' "$TOKEN" >"$WORK/password"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" --record "$WORK/actions.jsonl" \
    --client-id fedsoar-test --client-secret "$SECRET" --api-token "$TOKEN" --username soc-bot \
    >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
V="http://127.0.0.1:$VPORT"
wait_for 10 "stand-in listening" curl -sf "$V/_standin/stats"
cat >"$WORK/alpha.json" <<JSON
{
  "connectors": [
    {"name": "snow", "kind": "responder", "type": "servicenow-incident", "base_url": "$V",
     "username": "soc-bot", "password_file": "$WORK/password", "defaults": {"urgency": "2", "category": "security"}},
    {"name": "snow-oauth", "kind": "responder", "type": "servicenow-incident", "base_url": "$V", "auth": "oauth2",
     "client_id": "fedsoar-test", "client_secret_file": "$WORK/client_secret"},
    {"name": "vt-json", "kind": "analyzer", "type": "http-json", "base_url": "$V", "url": "/api/v3/ip_addresses/{{data}}",
     "headers": [{"name": "x-apikey", "value_file": "$WORK/password"}],
     "fields": {"malicious": "/data/attributes/last_analysis_stats/malicious", "reputation": "/data/attributes/reputation",
                "missing": "/data/nope/0"}},
    {"name": "intel", "kind": "analyzer", "type": "http-json", "base_url": "$V", "method": "POST", "url": "/intel/v1/lookup",
     "headers": [{"name": "X-Api-Key", "value_env": "INTEL_KEY"}],
     "body": {"indicator": "{{data}}", "kind": "{{ dataType }}", "count": "{{n}}", "note": "seen {{data}} x{{n}}", "fixed": [1, true]},
     "fields": {"verdict": "/data/attributes/verdict", "slash": "/data/attributes/a~1b", "tilde": "/data/attributes/m~0n",
                "tag0": "/data/tags/0", "tag9": "/data/tags/9"}},
    {"name": "intel-search", "kind": "analyzer", "type": "http-json", "base_url": "$V", "url": "/intel/v1/search?q={{data}}&max=5",
     "headers": [{"name": "X-Api-Key", "value_env": "INTEL_KEY"}]},
    {"name": "intel-small", "kind": "analyzer", "type": "http-json", "base_url": "$V", "method": "POST", "url": "/intel/v1/lookup",
     "headers": [{"name": "X-Api-Key", "value_env": "INTEL_KEY"}], "body": {"indicator": "{{data}}"}, "max_result_bytes": 1024},
    {"name": "host-context", "kind": "analyzer", "type": "crowdstrike-host-context", "base_url": "$V",
     "client_id": "fedsoar-test", "client_secret_file": "$WORK/client_secret"},
    {"name": "okta-context", "kind": "analyzer", "type": "okta-user-context", "base_url": "$V", "api_token_file": "$WORK/password",
     "signin_lookback_s": 315360000, "page_size": 3, "max_signins": 5},
    {"name": "entra-context", "kind": "analyzer", "type": "entra-user-context", "base_url": "$V",
     "token_url": "$V/tenant-0001/oauth2/v2.0/token", "client_id": "fedsoar-test", "client_secret_file": "$WORK/client_secret",
     "page_size": 3, "max_signins": 4}
  ]
}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/context.json" <<'JSON'
{
  "name": "connector-context",
  "title": "Tickets and context",
  "description": "Connector test: ServiceNow create/update/close, http-json, host and identity context.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "create", "type": "action", "responder": "snow", "site": "alpha",
     "input": {"summary": "Password spraying against user1", "description": "fedsoar connector test"}},
    {"id": "update", "type": "action", "responder": "snow-oauth", "site": "alpha",
     "input": {"sys_id": "{{ .steps.create.sys_id }}", "state": "2", "work_notes": "analysis started"}},
    {"id": "close_refused", "type": "action", "responder": "snow-oauth", "site": "alpha", "on_error": "continue",
     "input": {"sys_id": "{{ .steps.create.sys_id }}", "state": "7"}},
    {"id": "close", "type": "action", "responder": "snow", "site": "alpha",
     "input": {"sys_id": "{{ .steps.create.sys_id }}", "state": "7", "close_code": "Solved (Permanently)",
               "close_notes": "contained by fedsoar"}},
    {"id": "create_500", "type": "action", "responder": "snow", "site": "alpha", "on_error": "continue",
     "input": {"short_description": "fail-500"}},
    {"id": "unknown", "type": "action", "responder": "snow", "site": "alpha", "on_error": "continue",
     "input": {"sys_id": "0000000000000000000000000000dead", "state": "2"}},
    {"id": "vt_json", "type": "enrich", "analyzer": "vt-json", "site": "alpha", "input": {"data": "203.0.113.66", "dataType": "ip"}},
    {"id": "intel", "type": "enrich", "analyzer": "intel", "site": "alpha", "input": {"data": "203.0.113.9", "dataType": "ip", "n": 3}},
    {"id": "search", "type": "enrich", "analyzer": "intel-search", "site": "alpha", "input": {"data": "a b&c=d/é?x#y"}},
    {"id": "huge", "type": "enrich", "analyzer": "intel-small", "site": "alpha", "input": {"data": "huge"}, "on_error": "continue"},
    {"id": "no_data", "type": "enrich", "analyzer": "intel", "site": "alpha", "input": {"dataType": "ip"}, "on_error": "continue"},
    {"id": "host", "type": "enrich", "analyzer": "host-context", "site": "alpha", "input": {"hostname": "ALPHA-WS-0101"}},
    {"id": "host_no_users", "type": "enrich", "analyzer": "host-context", "site": "alpha",
     "input": {"device_id": "00a1b2c3d4e5f6000000000000000002"}},
    {"id": "host_unknown", "type": "enrich", "analyzer": "host-context", "site": "alpha", "input": {"hostname": "NO-SUCH-HOST"},
     "on_error": "continue"},
    {"id": "okta_user", "type": "enrich", "analyzer": "okta-context", "site": "alpha", "input": {"user": "j.doe@alpha.example"}},
    {"id": "okta_nobody", "type": "enrich", "analyzer": "okta-context", "site": "alpha", "input": {"user": "nobody@alpha.example"},
     "on_error": "continue"},
    {"id": "entra_user", "type": "enrich", "analyzer": "entra-context", "site": "alpha", "input": {"user": "j.doe@beta.example"}},
    {"id": "entra_nobody", "type": "enrich", "analyzer": "entra-context", "site": "alpha", "input": {"user": "nobody@beta.example"},
     "on_error": "continue"}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null

# An inline password is refused, and the refusal does not echo it.
jq '.connectors[0] += {"password": "INLINE-SECRET-4242"} | del(.connectors[0].password_file)' "$WORK/alpha.json" >"$WORK/inline.json"
set +e
out=$("$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/inline" --keys "$KEYS" --config "$WORK/inline.json" 2>&1)
rc=$?
set -e
check "an inline ServiceNow password is refused (exit 2)" [ "$rc" = 2 ]
check "the refusal names password_file" grep -q "password_file" <<<"$out"
check "the refusal does not echo the password" bash -c "! grep -q INLINE-SECRET-4242 <<<'$out'"

start_broker --playbooks "$WORK/playbooks"
INTEL_KEY="$TOKEN" start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 60 "the playbook run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs list --json 2>/dev/null | jq -e '[.. | objects | select(.status? == \"completed\" or .status? == \"failed\")] | length > 0'"
run=$(ctl runs show 1 --json)
jq -c '.steps' <<<"$run" | cut -c1-3000 # cut reads it all: head -c would SIGPIPE jq under pipefail
step() { jq -c --arg id "$1" '.steps[$id]' <<<"$run"; }
# The error text of the step at position N (its result keeps only a summary).
step_error() { jq -c --arg n "$1" '.nodes[$n].results[0]' <<<"$run"; }
no_secret_in() { ! grep -qF -e "$SECRET" -e "$TOKEN" -e standin-token- <<<"$1"; }
check "the run completed" [ "$(jq -r .status <<<"$run")" = completed ]

# ---- ServiceNow ----
created=$(step create)
check "create answered sys_id and number" jq -e '.sys_id == "9d385017c611228701d22104cc950001" and .number == "INC0010001" and .action == "created"' <<<"$created"
check "ServiceNow got one create with the config's defaults" \
    [ "$(grep -cF '"action":"create","number":"INC0010001","short_description":"Password spraying against user1","sys_id":"9d385017c611228701d22104cc950001","urgency":"2"' "$WORK/actions.jsonl")" = 1 ]
check "update (OAuth2) set state 2, once" \
    [ "$(grep -cF '"action":"update","close_notes":null,"number":"INC0010001","state":"2"' "$WORK/actions.jsonl")" = 1 ]
check "update answered state 2" jq -e '.state == "2" and .action == "updated"' <<<"$(step update)"
check "a close without close_code is refused with the vendor's reason" \
    jq -e '.error | test("HTTP 403.*Data Policy Exception")' <<<"$(step_error 2)"
check "close reached ServiceNow once with its notes" \
    [ "$(grep -cF '"action":"update","close_notes":"contained by fedsoar","number":"INC0010001","state":"7"' "$WORK/actions.jsonl")" = 1 ]
check "a create answered 500 fails the step" jq -e '.error | test("HTTP 500")' <<<"$(step_error 4)"
check "... and is not retried (not idempotent)" [ "$(grep -cF '"action":"create_failed_500"' "$WORK/actions.jsonl")" = 1 ]
check "an unknown sys_id is a 404 naming ServiceNow's reason" jq -e '.error | test("HTTP 404.*No Record found")' <<<"$(step_error 5)"
check "OAuth2 token fetched from /oauth_token.do" [ "$(curl -s "$V/_standin/stats" | jq .tokens_issued)" -ge 1 ]

# ---- http-json ----
check "http-json GET picked fields by pointer (absent → null)" \
    [ "$(step vt_json | jq -cS .)" = '{"malicious":12,"missing":null,"reputation":-42}' ]
check "http-json POST: ~0 / ~1 escapes and array indexes" \
    [ "$(step intel | jq -cS .)" = '{"slash":1,"tag0":"scanner","tag9":null,"tilde":"tilde","verdict":"malicious"}' ]
check "the body template kept types and interpolated text" \
    grep -qF '"request":{"count":3,"fixed":[1,true],"indicator":"203.0.113.9","kind":"ip","note":"seen 203.0.113.9 x3"}' "$WORK/actions.jsonl"
check "{{data}} was percent-encoded: the vendor got the text as sent" grep -qF '"q":"a b&c=d/é?x#y"' "$WORK/actions.jsonl"
check "without fields the whole answer is the result" [ "$(step search | jq -cS .)" = '{"hits":3,"query":"a b&c=d/é?x#y"}' ]
check "an answer over max_result_bytes is an error" jq -e '.error | test("max_result_bytes")' <<<"$(step_error 9)"
check "a missing template field is an error naming it" jq -e '.error | test("input needs \"data\"")' <<<"$(step_error 10)"
check "the failing steps never reached the vendor twice" [ "$(grep -c '"vendor":"intel"' "$WORK/actions.jsonl")" = 3 ]

# ---- crowdstrike-host-context ----
check "host context by hostname, with logged-on users" \
    jq -e '.device_id == "00a1b2c3d4e5f6000000000000000000" and .hostname == "ALPHA-WS-0101" and .platform == "Windows"
           and .os_version == "Windows 11" and .local_ip == "10.20.3.10" and .external_ip == "198.51.100.10"
           and .last_seen == "2026-01-07T10:00:00Z" and .status == "normal" and .tags == ["FalconGroupingTags/SOC"]
           and .users == [{"user": "ALPHA\\j.doe", "login_time": "2026-01-07T08:00:00Z"},
                          {"user": "ALPHA\\svc-backup", "login_time": "2026-01-06T22:00:00Z"}]' <<<"$(step host)"
check "login history refused (403): host context still answered, users_error says why" \
    jq -e '.hostname == "ALPHA-SRV-DB01" and (.users | not) and (.users_error | test("HTTP 403"))' <<<"$(step host_no_users)"
check "an unknown hostname is an error naming it" jq -e '.error | test("no device with hostname NO-SUCH-HOST")' <<<"$(step_error 13)"

# ---- identity context ----
okta=$(step okta_user)
check "Okta user context: id, login, status, groups" \
    jq -e '.id == "00ujdoe0000000000001" and .login == "j.doe@alpha.example" and .status == "ACTIVE"
           and .display_name == "Jane Doe" and .groups == ["Everyone", "SOC-Admins"]' <<<"$okta"
check "Okta user context: linked_emails names profile.secondEmail and profile.email" \
    [ "$(jq -c .linked_emails <<<"$okta")" = '[{"attribute":"secondEmail","value":"jane.doe@beta.example"},{"attribute":"email","value":"j.doe@alpha.example"}]' ]
check "Okta sign-ins: newest first, across pages, bounded at max_signins (5 of 7)" \
    [ "$(jq -c '[.recent_signins[].time]' <<<"$okta")" = '["2026-01-07T08:00:00.000Z","2026-01-06T08:00:00.000Z","2026-01-05T08:00:00.000Z","2026-01-04T08:00:00.000Z","2026-01-03T08:00:00.000Z"]' ]
check "Okta sign-in summary fields" \
    jq -e '.recent_signins[1] == {"time": "2026-01-06T08:00:00.000Z", "event_type": "user.session.start", "outcome": "SUCCESS",
           "ip": "192.0.2.45", "city": "Lyon", "country": "France", "user_agent": "Mozilla/5.0 (Windows NT 10.0)"}' <<<"$okta"
check "Okta log pages stopped at the bound (2 pages)" [ "$(grep -c 'GET /api/v1/logs' "$WORK/standin.log")" = 2 ]
check "an unknown Okta user is an error naming it" jq -e '.error | test("Okta has no user nobody@alpha.example")' <<<"$(step_error 15)"
entra=$(step entra_user)
check "Entra user context: id, login, status, groups over two memberOf pages" \
    jq -e '.id == "1f2e3d4c-0000-4000-8000-0000000000aa" and .login == "j.doe@beta.example" and .status == "enabled"
           and .groups == ["All Staff", "SOC Analysts", "Security Reader"]' <<<"$entra"
# The stand-in, as Graph does, returns otherMails/proxyAddresses/accountEnabled only when $select names them.
check "Entra user context: linked_emails names mail, otherMails and the SMTP proxyAddresses without prefix (not SIP:), asked with \$select" \
    [ "$(jq -c .linked_emails <<<"$entra")" = '[{"attribute":"mail","value":"j.doe@beta.example"},{"attribute":"otherMails","value":"jane.personal@example.org"},{"attribute":"proxyAddresses","value":"j.doe@beta.example"},{"attribute":"proxyAddresses","value":"jane.doe@beta.example"}]' ]
check "Entra sign-ins: newest first, across pages, bounded at max_signins (4 of 7)" \
    [ "$(jq -c '[.recent_signins[].time]' <<<"$entra")" = '["2026-01-07T09:00:00Z","2026-01-06T09:00:00Z","2026-01-05T09:00:00Z","2026-01-04T09:00:00Z"]' ]
check "Entra sign-in summary fields (a failure)" \
    jq -e '.recent_signins[3] == {"time": "2026-01-04T09:00:00Z", "app": "Office 365 Exchange Online", "error_code": 0,
           "reason": "Other.", "ip": "203.0.113.23", "city": "Milano", "country": "IT", "browser": "Edge 122.0.0", "outcome": "success"}
           and (.recent_signins[2].outcome == "failure") and (.recent_signins[2].error_code == 50126)' <<<"$entra"
check "an unknown Entra user is an error naming it" jq -e '.error | test("Entra ID has no user nobody@beta.example")' <<<"$(step_error 17)"

check "no secret in any log" bash -c "! grep -rF -e '$SECRET' -e '$TOKEN' -e 'standin-token-' '$WORK'/*.log"
check "no secret in the run record" no_secret_in "$run"
finish
