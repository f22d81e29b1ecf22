#!/usr/bin/env bash
# The tenable-vulns source (Tenable Vulnerability Management exports) against
# the stand-in (tests/fixtures/connectors/tenable.json), with a real broker
# and adapter over CURVE:
# - the export's life: POST /vulns/export, status QUEUED -> PROCESSING (chunk
#   1) -> FINISHED (chunks 1-3), every chunk fetched once, every
#   vulnerability of the site's container arrives once as a Vulnerability
#   Finding (2002);
# - the next export starts where the last one started (filters.since);
# - a 429 with Retry-After is honoured; a chunk answered 404 once costs no
#   chunk taken before it in the same poll and nothing twice;
# - after kill -9 the checkpoint resumes: no duplicate, new findings arrive;
# - wrong keys: 401, nothing stored, no secret in any log.
source "$(dirname "$0")/../integration/lib.sh"
STANDIN="$BIN/../tests/vendor_standin"
[ -x "$STANDIN" ] || { echo "vendor_standin not built"; exit 1; }

VPORT=$(free_port)
SECRET="tio-secret-$RANDOM$RANDOM"
printf 'accessKey=alpha; secretKey=%s\n' "$SECRET" >"$WORK/tio_keys"
printf 'accessKey=alpha; secretKey=wrong-%s\n' "$RANDOM" >"$WORK/tio_bad_keys"
chmod 600 "$WORK/tio_keys" "$WORK/tio_bad_keys"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --username alpha --api-token "$SECRET" --visible tenable=6 \
    --fault rate-limit-once --fault chunk-404-once >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "http://127.0.0.1:$VPORT/_standin/stats"
V="http://127.0.0.1:$VPORT"
standin_stat() { curl -sf "$V/_standin/stats" | jq -r ".$1"; }
exports() { grep -c '"action":"export"' "$WORK/actions.jsonl" 2>/dev/null || true; }

cat >"$WORK/alpha.json" <<JSON
{
  "log_level": "info",
  "sources": [
    {"name": "tio", "type": "tenable-vulns", "interval_s": 1, "base_url": "$V", "api_token_file": "$WORK/tio_keys",
     "start": "2026-11-01T00:00:00Z", "num_assets": 50},
    {"name": "tio-bad", "type": "tenable-vulns", "interval_s": 1, "base_url": "$V", "api_token_file": "$WORK/tio_bad_keys",
     "start": "2026-11-01T00:00:00Z", "max_retries": 0}
  ]
}
JSON
# A playbook on the new class: every critical finding opens a case in analysis.
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/vuln-seen.json" <<'PB'
{"name": "vuln-seen", "trigger": {"class_uid": [2002], "sources": ["tenable.vuln_export"], "filter": ".severity_id == 5"},
 "steps": [{"id": "triage", "type": "set", "case": {"status": "analysis"}}]}
PB
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"

wait_for 40 "alpha's 3 vulnerabilities stored" stat_is .events.total 3
wait_for 20 "the first export finished" grep -q 'event=tenable_export_done .*chunks=3' "$WORK/alpha.log"
check "the export was asked with filters.since = start (epoch s)" \
    bash -c "head -1 '$WORK/actions.jsonl' | jq -e '.since == 1793491200'"
ex1=$(head -1 "$WORK/actions.jsonl" | jq -r .uuid)
check "status was asked until FINISHED (QUEUED, PROCESSING, FINISHED: >= 3 calls)" \
    [ "$(grep -c "GET /vulns/export/$ex1/status" "$WORK/standin.log")" -ge 3 ]
check "chunk 1 was fetched once, while PROCESSING" [ "$(grep -c "GET /vulns/export/$ex1/chunks/1" "$WORK/standin.log")" = 1 ]
check "chunk 2 was fetched once" [ "$(grep -c "GET /vulns/export/$ex1/chunks/2" "$WORK/standin.log")" = 1 ]
check "chunk 3 was asked twice: answered 404 once (the stand-in's fault), then served" \
    [ "$(grep -c "GET /vulns/export/$ex1/chunks/3" "$WORK/standin.log")" = 2 ]
check "the poll that lost chunk 3 kept chunk 2 and the export (tenable_poll_incomplete)" \
    grep -q "event=tenable_poll_incomplete .*export=$ex1 chunks_taken=1 reason=.*404" "$WORK/alpha.log"
check "the 429 was answered and honoured (Retry-After: 1)" \
    bash -c "[ \"\$(curl -sf '$V/_standin/stats' | jq .rate_limited)\" = 1 ] && grep -q 'event=retrying .*status=429 attempt=1 wait_ms=1000' '$WORK/alpha.log'"
check "the log says the export finished" grep -q 'event=tenable_export_done .*chunks=3' "$WORK/alpha.log"

# The next export starts at the last one's start: nothing old comes again.
wait_for 20 "a second export opened" bash -c "[ \$(grep -c '\"action\":\"export\"' '$WORK/actions.jsonl') -ge 3 ]"
first_since=$(grep '"action":"export"' "$WORK/actions.jsonl" | jq -s '[.[] | .since] | .[0]')
next_since=$(grep '"action":"export"' "$WORK/actions.jsonl" | jq -s '[.[] | .since] | max')
check "the next export's since is the first one's start, after the configured start" [ "$next_since" -gt "$first_since" ]
check "... and that start was now (within 2 minutes)" [ "$next_since" -ge $(($(date +%s) - 120)) ]
sleep 3
check "still exactly 3 events (nothing taken twice)" stat_is .events.total 3

check "a playbook triggered on each critical Vulnerability Finding (2002): 2 cases" \
    bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list --json | jq '[.[] | select(.status == \"analysis\")] | length')\" = 2 ]"

# kill -9, two new findings, restart: they arrive once, nothing old again.
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
curl -sf -X POST "$V/_standin/release?vendor=tenable&count=2" >/dev/null
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the 2 new findings arrived" stat_is .events.total 5
sleep 3
check "exactly 5 events after the restart" stat_is .events.total 5
check "the new critical finding opened a third case" \
    bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list --json | jq '[.[] | select(.status == \"analysis\")] | length')\" = 3 ]"

# The wrong key: refused, nothing stored from it, no secret in a log.
check "the wrong key was refused (401)" [ "$(standin_stat unauthorized)" -ge 1 ]
check "the adapter names the failed poll and the status" grep -q 'tio-bad.*401' "$WORK/alpha.log"
check "no secret in any log" bash -c "! grep -q -e '$SECRET' -e 'secretKey' '$WORK/alpha.log' '$WORK/broker.log' '$WORK/standin.log'"
finish
