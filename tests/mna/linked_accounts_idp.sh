#!/usr/bin/env bash
# §15.1 Responses that act on a user act on every linked account, each
# through its own site's real connectors. Like linked_accounts.sh, but the
# per-account responses go through the real vendor responders against their
# stand-ins (tests/fixtures/connectors/okta.json, microsoft.json): alpha's
# okta-suspend-user and okta-clear-sessions against alpha's Okta stand-in,
# beta's entra-disable-account and entra-revoke-sessions against beta's
# Graph stand-in (OAuth2 client credentials). One playbook names the
# responders by role (idp-suspend-user, idp-revoke-sessions); each site maps
# the role to its own identity provider. Each stand-in must record exactly
# the calls for its own site's account, and the case timeline must show each
# request and result at its site.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
SECRET="ms-secret-$RANDOM$RANDOM-S3cr3t"
TOKEN="okta-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$SECRET" >"$WORK/ms_secret"
printf '%s\n' "$TOKEN" >"$WORK/okta_token"
for s in alpha beta; do
    port=$(free_port)
    "$STANDIN" --port "$port" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
        --record "$WORK/$s-vendor.jsonl" --client-id fedsoar-test --client-secret "$SECRET" --api-token "$TOKEN" \
        >>"$WORK/standin-$s.log" 2>&1 &
    PIDS+=("$!")
    eval "V_$s=http://127.0.0.1:$port"
    wait_for 10 "$s stand-in listening" curl -sf "http://127.0.0.1:$port/_standin/stats"
done
MS="\"token_url\": \"$V_beta/tenant-0001/oauth2/v2.0/token\", \"client_id\": \"fedsoar-test\", \"client_secret_file\": \"$WORK/ms_secret\""
cat >"$WORK/alpha.json" <<JSON
{"connectors": [
  {"name": "idp-suspend-user", "kind": "responder", "type": "okta-suspend-user", "base_url": "$V_alpha", "api_token_file": "$WORK/okta_token"},
  {"name": "idp-revoke-sessions", "kind": "responder", "type": "okta-clear-sessions", "base_url": "$V_alpha", "api_token_file": "$WORK/okta_token"}]}
JSON
cat >"$WORK/beta.json" <<JSON
{"connectors": [
  {"name": "idp-suspend-user", "kind": "responder", "type": "entra-disable-account", "base_url": "$V_beta", $MS},
  {"name": "idp-revoke-sessions", "kind": "responder", "type": "entra-revoke-sessions", "base_url": "$V_beta", $MS}]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/contain-person.json" <<'JSON'
{
  "name": "contain-person",
  "title": "Suspend and end the sessions of every linked account (issue 15.1 test)",
  "description": "Test playbook for tests/mna/linked_accounts_idp.sh: per account of the case's people, two responders at the account's own site.",
  "trigger": {"class_uid": [2004], "sources": ["okta.system_log"]},
  "steps": [
    {
      "id": "accounts",
      "type": "foreach",
      "items": ".persons[].accounts[]",
      "steps": [
        {"id": "suspend", "type": "action", "responder": "idp-suspend-user", "site": "{{ .item.site }}", "timeout": "60s",
         "input": {"user": "{{ .item.account }}"}},
        {"id": "sessions", "type": "action", "responder": "idp-revoke-sessions", "site": "{{ .item.site }}", "timeout": "60s",
         "input": {"user": "{{ .item.account }}"}}
      ]
    }
  ]
}
JSON

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
wait_for 20 "broker up" ctl stats
printf 'person,site,account\njane.doe,alpha,j.doe@alpha.example\njane.doe,beta,jane.doe@beta.example\n' >"$WORK/people.csv"
check "§15.1: the crosswalk is loaded" ctl identities load "$WORK/people.csv"

jq '[.[] | .target[0].alternateId = "j.doe@alpha.example" | .actor.alternateId = "j.doe@alpha.example"]' \
    "$SRC/tests/fixtures/playbooks/events/okta-password-spray.json" >"$WORK/alert.json"
start_adapter beta --config "$WORK/beta.json"
start_adapter alpha --config "$WORK/alpha.json" --replay "okta.system_log:$WORK/alert.json"
wait_for 60 "the run completed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook == \"contain-person\" and .status == \"completed\")] | length == 1'"

# Okta acts on its user id (looked up by login); Graph on the UPN.
check "§15.1: alpha's Okta got suspend then clear-sessions for j.doe (00ujdoe0000000000001), and nothing else" \
    [ "$(jq -sc 'map({action, user_id})' "$WORK/alpha-vendor.jsonl")" = \
      '[{"action":"suspend","user_id":"00ujdoe0000000000001"},{"action":"clear_sessions","user_id":"00ujdoe0000000000001"}]' ]
check "§15.1: beta's Entra got disable then revoke-sessions for jane.doe@beta.example, and nothing else" \
    [ "$(jq -sc 'map({action, user})' "$WORK/beta-vendor.jsonl")" = \
      '[{"action":"disable","user":"jane.doe@beta.example"},{"action":"revoke_sessions","user":"jane.doe@beta.example"}]' ]
check "§15.1: beta's Graph calls carried a token from its own token endpoint" \
    [ "$(curl -s "$V_beta/_standin/stats" | jq .tokens_issued)" -ge 1 ]
check "§15.1: alpha's stand-in never saw a Graph call, beta's never an Okta one" \
    bash -c "! grep -q ' /v1.0/' '$WORK/standin-alpha.log' && ! grep -q ' /api/v1/' '$WORK/standin-beta.log'"

case_id=$(ctl runs list --json | jq -r '.[0].case_id')
tl=$(ctl case show "$case_id" --json)
check "§15.1: the case names the person" jq -e '.persons == ["jane.doe"]' <<<"$tl"
check "§15.1: four requests on the timeline, two per site, each responder at each site" \
    jq -e '[.timeline[] | select(.kind == "request") | "\(.site) \(.name)"] | sort ==
           ["alpha idp-revoke-sessions","alpha idp-suspend-user","beta idp-revoke-sessions","beta idp-suspend-user"]' <<<"$tl"
check "§15.1: and four results, all ok, two per site" \
    jq -e '[.timeline[] | select(.kind == "result") | "\(.site) \(.name) \(.status)"] | sort ==
           ["alpha idp-revoke-sessions ok","alpha idp-suspend-user ok","beta idp-revoke-sessions ok","beta idp-suspend-user ok"]' <<<"$tl"
check "§15.1: no secret in any log" bash -c "! grep -rF -e '$SECRET' -e '$TOKEN' '$WORK'/*.log"
finish
