#!/usr/bin/env bash
# IBM QRadar (issue 17.1) against the stand-in (tests/fixtures/connectors/qradar.json),
# with a real broker and adapter over CURVE:
# - qradar-offenses: offenses paged with Range (page_size 2: several pages per
#   poll, Content-Range answered), filter last_persisted_time >= N sorted
#   ascending, the SEC token and Version header on every call; two offenses
#   persisted in the same millisecond both arrive; addresses and rule names
#   resolved (an unknown address id left out); a 429 and a 503 in QRadar's
#   error shape retried; after kill -9 the checkpoint resumes: no duplicate,
#   new offenses arrive once;
# - the normalized Detection Findings: severity from magnitude, the resolved
#   addresses as observables, rule names as related analytics;
# - qradar-close-offense from a playbook: the offense closed once with the
#   reason named by its text; an unknown reason refused naming the known ones;
# - a wrong token: 401, QRadar's message in the adapter's log, no secret in a log.
source "$(dirname "$0")/../integration/lib.sh"
STANDIN="$BIN/../tests/vendor_standin"
[ -x "$STANDIN" ] || { echo "vendor_standin not built"; exit 1; }
VPORT=$(free_port)
TOKEN="qr-sec-$RANDOM$RANDOM-tok"
printf '%s\n' "$TOKEN" >"$WORK/qr_token"
printf 'wrong-%s\n' "$RANDOM" >"$WORK/qr_bad"
chmod 600 "$WORK/qr_token" "$WORK/qr_bad"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --api-token "$TOKEN" --visible qradar=4 \
    --fault rate-limit-once --fault fail-5xx-once >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
standin_stat() { curl -sf "$V/_standin/stats" | jq -r ".$1 // 0"; }

cat >"$WORK/alpha.json" <<JSON
{
  "log_level": "info",
  "sources": [
    {"name": "qr", "type": "qradar-offenses", "interval_s": 1, "base_url": "$V", "api_token_file": "$WORK/qr_token",
     "start": "2026-12-01T00:00:00Z", "page_size": 2, "api_version": "20.0", "max_retries": 3, "retry_max_wait_s": 2},
    {"name": "qr-bad", "type": "qradar-offenses", "interval_s": 1, "base_url": "$V", "api_token_file": "$WORK/qr_bad",
     "start": "2026-12-01T00:00:00Z", "max_retries": 0}
  ],
  "connectors": [
    {"name": "qr-close", "kind": "responder", "type": "qradar-close-offense", "base_url": "$V", "api_token_file": "$WORK/qr_token"}
  ]
}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/close.json" <<'JSON'
{"name": "qradar-close", "title": "Close a critical QRadar offense as tuned",
 "description": "Connector test: close offense 103 with a reason named by its text, then try a reason that does not exist.",
 "trigger": {"class_uid": [2004], "filter": ".source == \"qradar.offense\" and .finding_info.uid == \"103\" and .severity_id == 5 and .evidences[0].src_endpoint.ip == \"198.51.100.23\" and .evidences[1].dst_endpoint.ip == \"10.10.0.6\" and ([.finding_info.related_analytics[].name] == [\"Communication with Known Watched Networks\", \"BB:Category Definition: Botnet\"])"},
 "steps": [
   {"id": "close", "type": "action", "responder": "qr-close", "site": "alpha",
    "input": {"offense_id": "{{ .event.finding_info.uid }}", "closing_reason": "false-positive, tuned"}},
   {"id": "bad", "type": "action", "responder": "qr-close", "site": "alpha", "on_error": "continue",
    "input": {"offense_id": 103, "closing_reason": "No Such Reason"}}
 ]}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"

wait_for 40 "the 4 visible offenses stored" stat_is .events.total 4
check "pages of 2: Range items=0-1 then keyset pages (several GET /api/siem/offenses)" \
    [ "$(grep -c 'GET /api/siem/offenses$' "$WORK/standin.log")" -ge 3 ]
check "every call carried Version: 20.0 (counted by the stand-in) " [ "$(standin_stat version_20)" -ge 5 ]
check "the 429 was answered and retried" bash -c "[ \"\$(curl -sf '$V/_standin/stats' | jq .rate_limited)\" = 1 ] && grep -q 'event=retrying .*status=429' '$WORK/alpha.log'"
check "the 503 on a source address was answered and retried" bash -c "[ \"\$(curl -sf '$V/_standin/stats' | jq .server_errors)\" = 1 ] && grep -q 'event=retrying .*status=503' '$WORK/alpha.log'"
sleep 2
check "still exactly 4 events (the boundary offenses 103 and 104 once each)" stat_is .events.total 4
# The playbook's trigger holds only when offense 103 arrived normalized as expected:
# magnitude 9 -> severity_id 5, source 198.51.100.23 and destination 10.10.0.6
# resolved from their ids, both rules named (the field-by-field comparison of the
# mapping is test_normalize_expected, tests/fixtures/ocsf_expected/qradar.offense/).
wait_for 30 "offense 103 closed by the playbook" grep -q '"action":"close"' "$WORK/actions.jsonl"
check "offense 103 closed once, with reason 2 (False-Positive, Tuned)" \
    [ "$(grep -cF '"action":"close","closing_reason_id":"2","offense":"103"' "$WORK/actions.jsonl")" = 1 ]
check "no other close" [ "$(grep -c '"action":"close"' "$WORK/actions.jsonl")" = 1 ]
wait_for 30 "the playbook run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs show 1 --json 2>/dev/null | grep -q 'no closing reason'"
ctl runs show 1 --json >"$WORK/run.json"
check "the unknown reason was refused naming it and the reasons that exist (not the deleted one)" \
    bash -c "grep -o 'no closing reason [^}]*' '$WORK/run.json' | grep -q 'No Such Reason.*Policy Violation' && ! grep -q 'Old reason' '$WORK/run.json'"

# kill -9, two more offenses, restart: they arrive once, nothing old again.
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
curl -sf -X POST "$V/_standin/release?vendor=qradar&count=2" >/dev/null
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the 2 new offenses arrived" stat_is .events.total 6
sleep 3
check "exactly 6 events after the restart" stat_is .events.total 6

check "the wrong token was refused (401)" [ "$(standin_stat unauthorized)" -ge 1 ]
check "the adapter names the failed poll, the status and QRadar's message" \
    grep -q 'qr-bad.*HTTP 401.*QRadar code 1001' "$WORK/alpha.log"
check "no secret in any log" bash -c "! grep -rF -e '$TOKEN' '$WORK'/*.log"
finish
