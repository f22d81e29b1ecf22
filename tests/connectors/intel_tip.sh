#!/usr/bin/env bash
# Threat-intelligence platforms (issue 17.1) against their stand-ins
# (tests/fixtures/connectors/misp.json, threatstream.json):
# - analyzers misp-search and threatstream-lookup, run as the adapter runs
#   them (tests/connectors/intel_driver.c): the documented auth header, the
#   verdict, pagination (page/limit, offset + meta.next), a 429 with
#   Retry-After honoured, a 5xx retried, an answer of the wrong shape and a
#   wrong key reported as errors naming the request;
# - sources misp-events (misp.attribute) and threatstream-indicators
#   (threatstream.indicator) in a real adapter and broker over CURVE: only
#   what is new since `start` (and, for ThreatStream, active and at or
#   above min_confidence; for MISP, to_ids attributes) arrives, across
#   pages; after kill -9 the checkpoint resumes (nothing twice, new records
#   arrive); a playbook triggers on each source's indicators; a wrong key
#   stores nothing and no secret reaches a log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
DRIVER="$BIN/../tests/intel_driver"
[ -x "$STANDIN" ] && [ -x "$DRIVER" ] || { echo "vendor_standin or intel_driver not built"; exit 1; }

start_standin() { # start_standin NAME ARGS...: a stand-in with its own record file; its URL in SURL
    local name=$1; shift
    local port
    port=$(free_port)
    "$STANDIN" --port "$port" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
        --record "$WORK/$name.jsonl" --username soc-bot --api-token "$KEY" "$@" >>"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    wait_for 10 "stand-in $name listening" curl -sf "http://127.0.0.1:$port/_standin/stats"
    SURL="http://127.0.0.1:$port"
}
KEY="misp-key-$RANDOM$RANDOM"
printf '%s\n' "$KEY" >"$WORK/misp_key"
printf 'apikey soc-bot:%s\n' "$KEY" >"$WORK/ts_key"
printf 'wrong-%s\n' "$RANDOM" >"$WORK/bad_key"
chmod 600 "$WORK/misp_key" "$WORK/ts_key" "$WORK/bad_key"
input() { printf '%s' "$2" >"$WORK/in_$1.json"; echo "$WORK/in_$1.json"; }
run_analyzer() { # run_analyzer TYPE CONFIG-JSON INPUT-FILE...
    local type=$1 cfg=$2; shift 2
    printf '%s' "$cfg" >"$WORK/cfg_$type.json"
    "$DRIVER" "$type" "$WORK/cfg_$type.json" "$@"
}

# ---- misp-search --------------------------------------------------------------
start_standin misp_a --fault rate-limit-once --fault fail-5xx-once
V=$SURL
out=$(run_analyzer misp-search "{\"base_url\": \"$V\", \"api_token_file\": \"$WORK/misp_key\", \"page_size\": 2}" \
    "$(input m1 '{"data": "203.0.113.66"}')" "$(input m2 '{"domain": "cdn.example"}')" \
    "$(input m3 '{"ip": "192.0.2.200"}')" "$(input m4 '{"data": "broken.example"}')" "$(input m5 '{"nothing": 1}')")
echo "$out" >"$WORK/misp_search.out"
l() { sed -n "$1p" "$WORK/misp_search.out"; }
check "misp-search 203.0.113.66: ok, 3 attributes of 3 events, verdict malicious (one is to_ids)" \
    jq -e '.status == "ok" and .result.count == 3 and (.result.events | length) == 3 and .result.verdict == "malicious" and .result.found' <<<"$(l 1)"
check "... the attributes carry type, event info and tags" \
    jq -e '.result.attributes[0] | .type == "ip-dst" and .event_info == "CVE-2024-6387 mass exploitation" and .tags == ["tlp:amber"] and .to_ids' <<<"$(l 1)"
check "... asked page by page (limit 2): pages 1 and 2" \
    [ "$(grep '"action":"attributes"' "$WORK/misp_a.jsonl" | grep -c '"value":"203.0.113.66"')" = 2 ]
check "... the 429 (Retry-After: 1) and the 500 were answered once each, and retried" \
    bash -c "curl -sf '$V/_standin/stats' | jq -e '.rate_limited == 1 and .server_errors == 1' >/dev/null"
check "misp-search cdn.example: found without to_ids: suspicious" jq -e '.result.verdict == "suspicious" and .result.count == 1' <<<"$(l 2)"
check "misp-search 192.0.2.200: not found: unknown" jq -e '.status == "ok" and .result.verdict == "unknown" and .result.found == false' <<<"$(l 3)"
check "misp-search on an answer of the wrong shape: an error naming the request and the field" \
    jq -e '.status == "error" and (.error | test("attributes/restSearch page 1: MISP answer has no response.Attribute array"))' <<<"$(l 4)"
check "misp-search without an indicator: an error saying what the input needs" \
    jq -e '.status == "error" and (.error | test("input needs"))' <<<"$(l 5)"
bad=$(run_analyzer misp-search "{\"base_url\": \"$V\", \"api_token_file\": \"$WORK/bad_key\", \"max_retries\": 0}" "$(input m1b '{"data": "203.0.113.66"}')")
check "misp-search with a wrong key: an error with the status 403" jq -e '.status == "error" and (.error | test("403"))' <<<"$bad"
inline=$(run_analyzer misp-search "{\"base_url\": \"$V\", \"api_token\": \"$KEY\"}" "$(input m1c '{"data": "x"}')" || true)
check "an inline api_token is refused at init" jq -e '.error | test("api_token")' <<<"$inline"

# ---- threatstream-lookup ------------------------------------------------------
start_standin ts_a --fault rate-limit-once
T=$SURL
out=$(run_analyzer threatstream-lookup "{\"base_url\": \"$T\", \"api_token_file\": \"$WORK/ts_key\", \"page_size\": 1}" \
    "$(input t1 '{"ip": "203.0.113.66"}')" "$(input t2 '{"data": "198.51.100.7"}')" "$(input t3 '{"data": "nothing.example"}')" \
    "$(input t4 '{"data": "broken.example"}')")
echo "$out" >"$WORK/ts_lookup.out"
l() { sed -n "$1p" "$WORK/ts_lookup.out"; }
check "threatstream-lookup 203.0.113.66: 2 indicators over 2 pages, max confidence 90, malicious" \
    jq -e '.status == "ok" and .result.count == 2 and .result.max_confidence == 90 and .result.verdict == "malicious"' <<<"$(l 1)"
check "... each indicator with itype, confidence, source and tags" \
    jq -e '[.result.indicators[] | .itype] == ["scan_ip", "mal_ip"] and .result.indicators[1].tags == ["regreSSHion", "CVE-2024-6387"]' <<<"$(l 1)"
check "... asked with offset 0 then 1 (meta.next followed)" \
    [ "$(grep '"value":"203.0.113.66"' "$WORK/ts_a.jsonl" | jq -r .offset | tr '\n' ' ')" = "0 1 " ]
check "... the 429 was honoured" bash -c "curl -sf '$T/_standin/stats' | jq -e '.rate_limited == 1' >/dev/null"
check "threatstream-lookup 198.51.100.7 (confidence 40): suspicious" jq -e '.result.verdict == "suspicious" and .result.max_confidence == 40' <<<"$(l 2)"
check "threatstream-lookup nothing.example: unknown" jq -e '.result.verdict == "unknown" and .result.count == 0' <<<"$(l 3)"
check "threatstream-lookup on an answer of the wrong shape: an error naming the field" \
    jq -e '.status == "error" and (.error | test("no objects array"))' <<<"$(l 4)"
bad=$(run_analyzer threatstream-lookup "{\"base_url\": \"$T\", \"api_token_file\": \"$WORK/bad_key\", \"max_retries\": 0}" "$(input t1b '{"data": "x"}')")
check "threatstream-lookup with a wrong key: an error with the status 401" jq -e '.status == "error" and (.error | test("401"))' <<<"$bad"

# ---- the sources, in a real adapter ---------------------------------------------
start_standin misp_s --visible misp_events=3 --fault rate-limit-once
MV=$SURL
start_standin ts_s --visible threatstream=6
TV=$SURL
cat >"$WORK/alpha.json" <<JSON
{
  "log_level": "info",
  "sources": [
    {"name": "misp", "type": "misp-events", "interval_s": 1, "base_url": "$MV", "api_token_file": "$WORK/misp_key",
     "start": "2026-11-01T00:00:00Z", "page_size": 2},
    {"name": "ts", "type": "threatstream-indicators", "interval_s": 1, "base_url": "$TV", "api_token_file": "$WORK/ts_key",
     "start": "2026-11-25T00:00:00Z", "page_size": 2, "min_confidence": 80},
    {"name": "misp-bad", "type": "misp-events", "interval_s": 1, "base_url": "$MV", "api_token_file": "$WORK/bad_key",
     "start": "2026-11-01T00:00:00Z", "max_retries": 0}
  ]
}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/tip-indicator.json" <<'PB'
{"name": "tip-indicator", "trigger": {"class_uid": [0], "sources": ["misp.attribute", "threatstream.indicator"], "filter": ".severity_id >= 4 and .osint[0].confidence_id == 3"},
 "steps": [{"id": "ioc", "type": "set", "case": {"note": "{{ .event.source }}: {{ .event.osint[0].value }}"}}]}
PB
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"

# MISP: events 1502 (ip-dst, object md5; the sha256 is not to_ids) and 1503 (domain, url): 4;
# event 1400 is older than start. ThreatStream: 1001 (90), 1002 (85), 1005 (99): 3;
# 1006 is older than start, 1003 is below 80, 1004 is inactive.
wait_for 40 "7 indicators stored (4 MISP attributes, 3 ThreatStream indicators)" stat_is .events.total 7
sleep 3
check "still 7 after more polls (nothing taken twice)" stat_is .events.total 7
check "MISP was asked page 1 and page 2 (limit 2) with timestamp = start (epoch s), published, to_ids" \
    bash -c "grep -q '\"action\":\"events\",\"limit\":2,\"page\":2,\"published\":true,\"timestamp\":1793491200,\"to_ids\":true' '$WORK/misp_s.jsonl'"
check "MISP's 429 was honoured (Retry-After: 1)" \
    bash -c "curl -sf '$MV/_standin/stats' | jq -e '.rate_limited == 1' >/dev/null && grep -q 'event=retrying .*status=429' '$WORK/alpha.log'"
check "ThreatStream was asked active, confidence >= 80, offset 0 then 2" \
    bash -c "grep '\"since\":\"2026-11-25T00:00:00' '$WORK/ts_s.jsonl' | jq -r '[.confidence, .offset] | join(\"/\")' | sort -u | tr '\n' ' ' | grep -qx '80/0 80/2 '"
wait_for 30 "tip-indicator runs completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.playbook == \"tip-indicator\" and .status == \"completed\")] | length')\" -ge 2 ]"
check "a playbook started on the high-severity, high-confidence indicators of both sources" \
    bash -c "ctl() { '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' \"\$@\"; }; ctl runs list --json | jq -e '[.[] | select(.playbook == \"tip-indicator\")] | length >= 2' >/dev/null"
notes=$(for c in $(ctl runs list --json | jq -r '.[] | select(.playbook == "tip-indicator") | .case_id' | sort -u); do ctl case show "$c" --json | jq -r '.notes[]?.text'; done | sort -u)
echo "$notes" >"$WORK/notes.txt"
check "... its notes name a MISP attribute of event 1502 (threat level 1)" grep -q '^misp.attribute: 203.0.113.66$' "$WORK/notes.txt"
check "... and the ThreatStream indicators of severity high and above" grep -q '^threatstream.indicator: evil.example$' "$WORK/notes.txt"
check "... and nothing from the medium MISP event 1503" bash -c "! grep -q 'misp.attribute: evil.example' '$WORK/notes.txt'"

# kill -9, one new event and one new indicator, restart: both arrive, nothing old again.
kill -9 "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
curl -sf -X POST "$MV/_standin/release?vendor=misp_events&count=1" >/dev/null
curl -sf -X POST "$TV/_standin/release?vendor=threatstream&count=1" >/dev/null
start_adapter alpha --config "$WORK/alpha.json"
wait_for 40 "the new MISP attribute and ThreatStream indicator arrived" stat_is .events.total 9
sleep 3
check "exactly 9 events after the restart" stat_is .events.total 9
check "the restarted MISP poll asked from the newest event's timestamp (1796300000)" \
    grep -q '"timestamp":1796300000' "$WORK/misp_s.jsonl"

check "the wrong MISP key was refused (403) and the poll failure names it" \
    bash -c "curl -sf '$MV/_standin/stats' | jq -e '.unauthorized >= 1' >/dev/null && grep -q 'misp-bad.*403' '$WORK/alpha.log'"
check "no key in any log" bash -c "! grep -q -e '$KEY' '$WORK/alpha.log' '$WORK/broker.log' '$WORK'/*.log"
finish
