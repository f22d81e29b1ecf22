#!/usr/bin/env bash
# §15.6 insider-threat (playbooks/library/insider-threat.json), end to end:
# a real broker and three adapters (alpha: Okta, beta: Entra ID, hq: Jira)
# over CURVE, the vendor stand-in playing Okta, Microsoft Graph and Jira.
# The crosswalk links j.doe@alpha.example (Okta) and jane.doe@beta.example
# (Entra) to the person jane.doe; Avery Smith (BETA\asmith) is someone else.
#   1. alpha's Okta reports an impossible-travel sign-in of j.doe@alpha.example:
#      a case, a note, no gate (one kind of signal);
#   2. beta's Defender reports an unusual volume of file downloads by
#      jane.doe@beta.example (exfiltration, T1567): the same case (one
#      person), the hr-legal gate opens naming both accounts;
#   3. an operator with role approver may not decide; hana (role hr-legal) approves;
#   4. j.doe@alpha.example is suspended and signed out at Okta, jane.doe@beta.example
#      disabled and signed out at Entra, each by its own site; a Jira ticket at hq;
#      the case goes to containment. Every stage on the case timeline.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
[ -x "$STANDIN" ] || { echo "vendor_standin not built"; exit 1; }

VPORT=$(free_port)
SECRET="ms-secret-$RANDOM$RANDOM"
TOKEN="tok-$RANDOM$RANDOM"
printf '%s\n' "$SECRET" >"$WORK/ms_secret"
printf '%s\n' "$TOKEN" >"$WORK/token"
chmod 600 "$WORK/ms_secret" "$WORK/token"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/vendor.jsonl" --client-id fedsoar-test --client-secret "$SECRET" --api-token "$TOKEN" \
    --username soc-bot@hq.example >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
MS="\"token_url\": \"$V/tenant-0001/oauth2/v2.0/token\", \"client_id\": \"fedsoar-test\", \"client_secret_file\": \"$WORK/ms_secret\""
vendor() { jq -c --arg v "$1" --arg a "$2" 'select(.vendor == $v and .action == $a)' "$WORK/vendor.jsonl" 2>/dev/null; }

: >"$WORK/alpha-okta.json"
: >"$WORK/beta-graph.json"
for s in alpha beta hq; do mkdir -p "$WORK/$s"; done
cat >"$WORK/alpha.json" <<JSON
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "sources": [{"name": "okta", "type": "file-tail", "source_id": "okta.system_log", "path": "$WORK/alpha-okta.json", "interval_s": 1}],
 "connectors": [
   {"name": "idp-suspend-user", "kind": "responder", "type": "okta-suspend-user", "base_url": "$V", "api_token_file": "$WORK/token"},
   {"name": "idp-revoke-sessions", "kind": "responder", "type": "okta-clear-sessions", "base_url": "$V", "api_token_file": "$WORK/token"}]}
JSON
cat >"$WORK/beta.json" <<JSON
{"site": "beta", "broker": "$SITE_EP", "state_dir": "$WORK/beta", "keys_dir": "$KEYS",
 "sources": [{"name": "defender", "type": "file-tail", "source_id": "microsoft.graph_alert", "path": "$WORK/beta-graph.json", "interval_s": 1}],
 "connectors": [
   {"name": "idp-suspend-user", "kind": "responder", "type": "entra-disable-account", "base_url": "$V", $MS},
   {"name": "idp-revoke-sessions", "kind": "responder", "type": "entra-revoke-sessions", "base_url": "$V", $MS}]}
JSON
cat >"$WORK/hq.json" <<JSON
{"site": "hq", "broker": "$SITE_EP", "state_dir": "$WORK/hq", "keys_dir": "$KEYS",
 "connectors": [{"name": "ticket", "kind": "responder", "type": "jira-issue", "base_url": "$V", "project_key": "HRSEC",
                 "username": "soc-bot@hq.example", "api_token_file": "$WORK/token"}]}
JSON

mkdir -p "$WORK/playbooks"
cp "$SRC/playbooks/library/insider-threat.json" "$WORK/playbooks/"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta,hq --operators admin,alice:approver,hana:hr-legal >/dev/null
start_broker --playbooks "$WORK/playbooks"
for s in alpha beta hq; do
    "$BIN/fedsoar-adapter" --config "$WORK/$s.json" >>"$WORK/$s.log" 2>&1 &
    PIDS+=("$!")
done
wait_for 30 "three sites connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 3 ]"
printf 'person,site,account\njane.doe,alpha,j.doe@alpha.example\njane.doe,beta,jane.doe@beta.example\navery.smith,beta,BETA\\asmith\n' >"$WORK/people.csv"
check "§15.1: the crosswalk is loaded" ctl identities load "$WORK/people.csv"
runs_done() { ctl runs list --json | jq '[.[] | select(.playbook == "insider-threat" and .status == "completed")] | length'; }
NOW() { date -u +%Y-%m-%dT%H:%M:%S.000Z; }

# 1. An identity anomaly at alpha (Okta threat detection).
printf '{"uuid": "it-okta-0001", "published": "%s", "eventType": "security.threat.detected", "version": "0", "severity": "WARN", "displayMessage": "Impossible travel: sign-in from a new country for j.doe@alpha.example", "actor": {"id": "00ujdoe0000000000001", "type": "User", "alternateId": "j.doe@alpha.example", "displayName": "Jane Doe"}, "client": {"ipAddress": "198.51.100.77", "geographicalContext": {"country": "Brazil"}}, "outcome": {"result": "DENY", "reason": "impossible travel"}, "target": []}\n' "$(NOW)" >>"$WORK/alpha-okta.json"
wait_for 40 "the first insider-threat run completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.playbook == \"insider-threat\" and .status == \"completed\")] | length')\" = 1 ]"
case_id=$(ctl runs list --json | jq -r '[.[] | select(.playbook == "insider-threat")][0].case_id')
check "§15.6: one signal only notes the case and waits (no gate)" \
    bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq length)\" = 0 ] && '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case show $case_id --json | jq -e '.notes[-1].text | test(\"waiting for the other\")'"

# 2. Data movement at beta (Defender via Graph), by the same person's other account.
printf '{"@odata.type": "#microsoft.graph.security.alert", "id": "it-graph-0001", "providerAlertId": "it-graph-0001", "status": "new", "severity": "high", "serviceSource": "microsoftDefenderForCloudApps", "detectionSource": "microsoftDefenderForCloudApps", "title": "Unusual volume of file downloads (possible exfiltration)", "description": "jane.doe@beta.example downloaded 4,812 files from SharePoint in 20 minutes.", "category": "Exfiltration", "mitreTechniques": ["T1567.002"], "createdDateTime": "%s", "lastUpdateDateTime": "%s", "evidence": [{"@odata.type": "#microsoft.graph.security.userEvidence", "createdDateTime": "%s", "verdict": "suspicious", "roles": [], "tags": [], "userAccount": {"accountName": "jane.doe", "domainName": "BETA", "userPrincipalName": "jane.doe@beta.example", "displayName": "Jane Doe"}}]}\n' "$(NOW)" "$(NOW)" "$(NOW)" >>"$WORK/beta-graph.json"
wait_for 40 "the hr-legal gate opened" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e 'length == 1'"
gate=$(ctl approvals list --json | jq -c '.[0]')
gid=$(jq -r .id <<<"$gate")
gate_run=$(jq .run_id <<<"$gate")
check "§15.6: the data-movement alert joined the identity anomaly's case (one person, two sites)" \
    [ "$(ctl runs list --json | jq -r --argjson r "$gate_run" '.[] | select(.id == $r) | .case_id')" = "$case_id" ]
c=$(ctl case show "$case_id" --json)
check "§15.1: the case names the person and both sites" jq -e '.persons == ["jane.doe"] and (.sites | sort) == ["alpha","beta"]' <<<"$c"
check "§15.6: the gate asks the role hr-legal" jq -e '.role == "hr-legal" and .quorum == 1' <<<"$gate"
check "§15.6: the gate's reason names both linked accounts and both alerts" \
    jq -e '.reason | test("alpha:j.doe@alpha.example") and test("beta:jane.doe@beta.example") and test("Impossible travel") and test("file downloads")' <<<"$gate"
check "§15.6: nothing suspended before the review" [ ! -s "$WORK/vendor.jsonl" ]

# 3. Only hr-legal (or an admin) decides.
set +e
out=$("$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator alice approvals approve "$gid" 2>&1)
rc=$?
set -e
check "§15.6: an approver without hr-legal is refused ($out)" bash -c "[ $rc -ne 0 ] && grep -q 'needs role hr-legal' <<<'$out'"
"$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator hana approvals approve "$gid" --comment "HR case 2026-114, legal hold" >/dev/null
wait_for 60 "the second run completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.playbook == \"insider-threat\" and .status == \"completed\")] | length')\" = 2 ]"

# 4. Every linked account, each at its own site; the ticket; the case.
check "§15.6: Okta suspended j.doe@alpha.example once" [ "$(vendor okta suspend | jq -sc '[.[].user_id]')" = '["00ujdoe0000000000001"]' ]
check "§15.6: Okta cleared j.doe@alpha.example's sessions once" [ "$(vendor okta clear_sessions | jq -sc '[.[].user_id]')" = '["00ujdoe0000000000001"]' ]
check "§15.6: Entra disabled jane.doe@beta.example once" [ "$(vendor entra disable | jq -sc '[.[].user]')" = '["jane.doe@beta.example"]' ]
check "§15.6: Entra revoked jane.doe@beta.example's sessions once" [ "$(vendor entra revoke_sessions | jq -sc '[.[].user]')" = '["jane.doe@beta.example"]' ]
check "§15.1: no other crosswalk person (Avery Smith, BETA\\asmith) was acted on" bash -c "! grep -qi asmith '$WORK/vendor.jsonl'"
check "§15.6: one Jira ticket at hq naming the person" \
    [ "$(vendor jira create_issue | jq -sc '[.[].summary]')" = "[\"Insider-threat case $case_id: jane.doe suspended at every site\"]" ]
c=$(ctl case show "$case_id" --json)
printf '%s\n' "$c" >"$WORK/case.json"
check "§15.6: the case is in containment, the note names the ticket" \
    jq -e '.status == "containment" and (.notes[-1].text | test("HRSEC-1"))' "$WORK/case.json"
check "§15.6 timeline: the approval by hana (hr-legal) is on the timeline" \
    jq -e '[.timeline[] | tostring | select(test("hana") and test("hr-legal"))] | length > 0' "$WORK/case.json"
check "§15.6 timeline: suspend and revoke requested at alpha and at beta" \
    jq -e '[.timeline[] | select(.kind == "request") | .site + ":" + .name] | sort == ["alpha:idp-revoke-sessions","alpha:idp-suspend-user","beta:idp-revoke-sessions","beta:idp-suspend-user","hq:ticket"]' "$WORK/case.json"
check "§15.6 timeline: each answered ok" \
    jq -e '[.timeline[] | select(.kind == "result" and .status == "ok")] | length == 5' "$WORK/case.json"
check "§15.6 timeline: every account acted on after the review, the ticket last" \
    jq -e '[.timeline[] | tostring] as $t | ([$t | to_entries[] | select(.value | test("hr-legal-review")) | .key] | min) < ([$t | to_entries[] | select(.value | test("idp-suspend-user")) | .key] | min) and ([$t | to_entries[] | select(.value | test("idp-")) | .key] | max) < ([$t | to_entries[] | select(.value | test("\"ticket\"")) | .key] | min)' "$WORK/case.json"

# A later alert on the contained case does not ask again.
printf '{"uuid": "it-okta-0002", "published": "%s", "eventType": "security.threat.detected", "version": "0", "severity": "WARN", "displayMessage": "Impossible travel: sign-in from a new country for j.doe@alpha.example", "actor": {"id": "00ujdoe0000000000001", "type": "User", "alternateId": "j.doe@alpha.example", "displayName": "Jane Doe"}, "outcome": {"result": "DENY"}, "target": []}\n' "$(NOW)" >>"$WORK/alpha-okta.json"
wait_for 40 "the third run completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.playbook == \"insider-threat\" and .status == \"completed\")] | length')\" = 3 ]"
check "§15.6: a later alert on the contained case opens no second gate" [ "$(ctl approvals list --all --json | jq length)" = 1 ]
check "§15.6: no run failed or was denied" [ "$(ctl runs list --json | jq '[.[] | select(.status == "failed" or .status == "denied")] | length')" = 0 ]
finish
