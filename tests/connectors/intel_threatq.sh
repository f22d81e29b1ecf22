#!/usr/bin/env bash
# ThreatQuotient (issue 17.1) against its stand-in (tests/fixtures/connectors/threatq.json):
# - threatq-lookup, run as the adapter runs it (tests/connectors/intel_driver.c):
#   OAuth2 client credentials at /api/token then Bearer; the verdict from
#   the score (manual over generated) and the status; two pages (limit 1);
#   a 429 honoured and a 500 retried; an answer of the wrong shape and a
#   wrong client secret as errors;
# - threatq-indicators in a real adapter and broker over CURVE: only
#   indicators updated since `start`, Active and scored >= min_score
#   arrive, across pages, once (the criteria are sent and applied again by
#   the adapter); kill -9 and a new indicator → it arrives, nothing twice;
#   a playbook on class 0 starts for them; no secret in any log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
DRIVER="$BIN/../tests/intel_driver"
[ -x "$STANDIN" ] && [ -x "$DRIVER" ] || { echo "vendor_standin or intel_driver not built"; exit 1; }
SECRET="tq-secret-$RANDOM$RANDOM"
printf '%s\n' "$SECRET" >"$WORK/secret"
printf 'wrong-%s\n' "$RANDOM" >"$WORK/bad_secret"
chmod 600 "$WORK/secret" "$WORK/bad_secret"
start_standin() { # start_standin NAME ARGS...; its URL in SURL
    local name=$1 port
    shift
    port=$(free_port)
    "$STANDIN" --port "$port" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
        --record "$WORK/$name.jsonl" --client-id fedsoar-tq --client-secret "$SECRET" "$@" >>"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    wait_for 10 "stand-in $name listening" curl -sf "http://127.0.0.1:$port/_standin/stats"
    SURL="http://127.0.0.1:$port"
}
input() { printf '%s' "$2" >"$WORK/in_$1.json"; echo "$WORK/in_$1.json"; }

start_standin lookup --fault rate-limit-once --fault fail-5xx-once
V=$SURL
printf '{"base_url": "%s", "client_id": "fedsoar-tq", "client_secret_file": "%s", "page_size": 1}' "$V" "$WORK/secret" >"$WORK/cfg.json"
"$DRIVER" threatq-lookup "$WORK/cfg.json" "$(input t1 '{"ip": "203.0.113.66"}')" "$(input t2 '{"data": "198.51.100.7"}')" \
    "$(input t3 '{"data": "bad.example"}')" "$(input t4 '{"data": "nothing.example"}')" "$(input t5 '{"data": "broken.example"}')" >"$WORK/lookup.out"
l() { sed -n "$1p" "$WORK/lookup.out"; }
check "203.0.113.66: 2 indicators over 2 pages, max score 9 (manual over generated 7), malicious" \
    jq -e '.status == "ok" and .result.count == 2 and .result.max_score == 9 and .result.verdict == "malicious"' <<<"$(l 1)"
check "... each with type, status, score and sources" \
    jq -e '.result.indicators[1] | .type == "IP Address" and .status == "Active" and .score == 9 and .sources == ["CIRCL", "Partner CERT"]' <<<"$(l 1)"
check "... asked with offset 0 then 1, with type,status,score,sources" \
    [ "$(grep '"value":"203.0.113.66"' "$WORK/lookup.jsonl" | jq -r '"\(.offset)/\(.with)"' | tr '\n' ' ')" = "0/type,status,score,sources 1/type,status,score,sources " ]
check "... a token was issued once and the 429 and 500 were retried" \
    bash -c "curl -sf '$V/_standin/stats' | jq -e '.tokens_issued == 1 and .rate_limited == 1 and .server_errors == 1' >/dev/null"
check "198.51.100.7 (score 3): suspicious" jq -e '.result.verdict == "suspicious" and .result.max_score == 3' <<<"$(l 2)"
check "bad.example (score 9.5 but Expired): suspicious, not malicious" jq -e '.result.verdict == "suspicious"' <<<"$(l 3)"
check "nothing.example: unknown" jq -e '.result.verdict == "unknown" and .result.count == 0' <<<"$(l 4)"
check "an answer of the wrong shape: an error naming the request and the field" \
    jq -e '.status == "error" and (.error | test("GET /api/indicators offset 0: ThreatQ answer has no data array"))' <<<"$(l 5)"
printf '{"base_url": "%s", "client_id": "fedsoar-tq", "client_secret_file": "%s", "max_retries": 0}' "$V" "$WORK/bad_secret" >"$WORK/bad.json"
bad=$("$DRIVER" threatq-lookup "$WORK/bad.json" "$WORK/in_t1.json")
check "a wrong client secret: an error naming the token request and 401" jq -e '.status == "error" and (.error | test("401"))' <<<"$bad"

start_standin src --visible threatq=6
TV=$SURL
cat >"$WORK/alpha.json" <<JSON
{"log_level": "info",
 "sources": [{"name": "tq", "type": "threatq-indicators", "interval_s": 1, "base_url": "$TV", "client_id": "fedsoar-tq",
              "client_secret_file": "$WORK/secret", "start": "2026-11-25T00:00:00Z", "page_size": 2, "min_score": 8}]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/tq.json" <<'PB'
{"name": "tq-indicator", "trigger": {"class_uid": [0], "sources": ["threatq.indicator"], "filter": ".osint[0].confidence_id == 3"},
 "steps": [{"id": "ioc", "type": "set", "case": {"note": "threatq: {{ .event.osint[0].value }} from {{ .event.osint[0].creator.name }}"}}]}
PB
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"
# Updated since 2026-11-25: 202 (9), 203 (8.25), 204 (3), 205 (Expired), 206 (10); wanted: 202, 203, 206.
wait_for 40 "3 indicators stored" stat_is .events.total 3
sleep 3
check "still 3 (nothing taken twice; 204 below min_score and 205 Expired left out)" stat_is .events.total 3
check "the query carried updated_at >= start, score >= 8, status Active, sort updated_at, pages of 2" \
    bash -c "grep '\"since\":\"2026-11-25 00:00:00\"' '$WORK/src.jsonl' | jq -r '\"\(.score)/\(.status)/\(.sort)/\(.offset)/\(.limit)\"' | sort -u | tr '\n' ' ' | grep -qx '8/Active/updated_at/0/2 8/Active/updated_at/2/2 8/Active/updated_at/4/2 '"
wait_for 30 "tq-indicator runs completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.playbook == \"tq-indicator\" and .status == \"completed\")] | length')\" -ge 1 ]"
notes=$(for c in $(ctl runs list --json | jq -r '.[] | select(.playbook == "tq-indicator") | .case_id' | sort -u); do ctl case show "$c" --json | jq -r '.notes[]?.text'; done | sort -u)
check "the playbook's notes name ThreatQ indicators and their source" grep -q '^threatq: evil.example from Partner CERT$' <<<"$notes"
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
curl -sf -X POST "$TV/_standin/release?vendor=threatq&count=1" >/dev/null
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the new indicator arrived" stat_is .events.total 4
sleep 3
check "exactly 4 after the restart" stat_is .events.total 4
check "the restarted poll asked from the newest updated_at taken (2026-12-01 13:00:00)" grep -q '"since":"2026-12-01 13:00:00"' "$WORK/src.jsonl"
check "no secret or token in any log" bash -c "! grep -q -e '$SECRET' -e 'access_token' '$WORK/alpha.log' '$WORK/broker.log' '$WORK/src.log' '$WORK/lookup.log'"
finish
