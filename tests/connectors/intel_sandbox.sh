#!/usr/bin/env bash
# Sandboxes (issue 17.1) against the Joe Sandbox stand-in
# (tests/fixtures/connectors/joesandbox.json), run as the adapter runs them
# (tests/connectors/intel_driver.c: the actuator's commands through the
# strict OpenC2 validator first):
# - the joesandbox actuator: pairs are exactly detonate uri; `detonate uri`
#   submits the URL once (form fields apikey, accept-tac, url; a 429 with
#   Retry-After honoured) and answers 200 with results.x-sandbox.submission_id;
#   `detonate file` is refused (501), a non-URI target is refused by the
#   validator (400), a wrong key is answered 403 with Joe Sandbox's message;
# - the joesandbox-verdict analyzer: polls submission/info with backoff
#   (submitted, running, finished: 3 polls, waits 1 s then 2 s) and returns
#   the verdict, score and the MISP report's IOCs as distinct observables; a
#   submission that never finishes ends in an error after timeout_s naming
#   the last status; an unknown submission is an error naming Joe's answer;
# - the chain through a real broker and adapter over CURVE: a MISP URL
#   indicator starts a playbook whose openc2 step detonates the URL at the
#   site (routed by the actuator's pairs) and whose enrich step waits for
#   the verdict with the submission id from the detonate response;
#   no key in any output or log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
DRIVER="$BIN/../tests/intel_driver"
[ -x "$STANDIN" ] && [ -x "$DRIVER" ] || { echo "vendor_standin or intel_driver not built"; exit 1; }
KEY="jbx-key-$RANDOM$RANDOM"
printf '%s\n' "$KEY" >"$WORK/jbx_key"
printf 'wrong-%s\n' "$RANDOM" >"$WORK/bad_key"
chmod 600 "$WORK/jbx_key" "$WORK/bad_key"
PORT=$(free_port)
"$STANDIN" --port "$PORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/jbx.jsonl" --api-token "$KEY" --fault rate-limit-once >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
V="http://127.0.0.1:$PORT"
wait_for 10 "stand-in listening" curl -sf "$V/_standin/stats"
file() { printf '%s' "$2" >"$WORK/$1.json"; echo "$WORK/$1.json"; }

# ---- detonate -------------------------------------------------------------------
printf '{"base_url": "%s", "api_token_file": "%s", "accept_tac": true}' "$V" "$WORK/jbx_key" >"$WORK/act.json"
"$DRIVER" --actuator joesandbox "$WORK/act.json" \
    "$(file c1 '{"action": "detonate", "target": {"uri": "http://evil.example/kit/login.php"}}')" \
    "$(file c2 '{"action": "detonate", "target": {"uri": "https://stuck.example/"}}')" \
    "$(file c3 '{"action": "detonate", "target": {"file": {"hashes": {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}}}')" \
    "$(file c4 '{"action": "detonate", "target": {"uri": "not a uri"}}')" >"$WORK/act.out"
l() { sed -n "$1p" "$WORK/act.out"; }
check "pairs: exactly detonate uri" jq -e '.pairs == {"detonate": ["uri"]}' <<<"$(l 1)"
check "detonate uri: 200 with results.x-sandbox.submission_id 140" \
    jq -e '.status == 200 and .results["x-sandbox"].submission_id == "140" and .results["x-sandbox"].sandbox == "joesandbox"' <<<"$(l 2)"
check "... Joe Sandbox recorded exactly one submission of that URL (the 429 before it was retried)" \
    [ "$(grep -c '"action":"submit","submission_id":140,"systems":null,"url":"http://evil.example/kit/login.php"' "$WORK/jbx.jsonl")" = 1 ]
check "... the 429 was answered once" bash -c "curl -sf '$V/_standin/stats' | jq -e '.rate_limited == 1' >/dev/null"
check "a second detonate: submission 141" jq -e '.status == 200 and .results["x-sandbox"].submission_id == "141"' <<<"$(l 3)"
check "detonate file: 501 saying what is missing" jq -e '.status == 501 and (.status_text | test("detonate uri only"))' <<<"$(l 4)"
check "detonate of a target that is not a URI: 400 from the validator" jq -e '.status == 400' <<<"$(l 5)"
printf '{"base_url": "%s", "api_token_file": "%s", "accept_tac": true}' "$V" "$WORK/bad_key" >"$WORK/act_bad.json"
bad=$("$DRIVER" --actuator joesandbox "$WORK/act_bad.json" "$WORK/c1.json" | sed -n 2p)
check "a wrong key: 403 with Joe Sandbox's message" jq -e '.status == 403 and (.status_text | test("Invalid API key"))' <<<"$bad"
printf '{"base_url": "%s", "api_token_file": "%s"}' "$V" "$WORK/jbx_key" >"$WORK/act_notac.json"
notac=$("$DRIVER" --actuator joesandbox "$WORK/act_notac.json" "$WORK/c1.json" | sed -n 2p)
check "without accept_tac Joe Sandbox Cloud refuses (400, its message)" jq -e '.status == 400 and (.status_text | test("Terms and Conditions"))' <<<"$notac"

# ---- the verdict ---------------------------------------------------------------------
printf '{"base_url": "%s", "api_token_file": "%s", "accept_tac": true, "poll_initial_s": 1, "poll_max_s": 2, "timeout_s": 4}' \
    "$V" "$WORK/jbx_key" >"$WORK/ana.json"
start=$SECONDS
"$DRIVER" joesandbox-verdict "$WORK/ana.json" "$(file v1 '{"submission_id": "140"}')" >"$WORK/v1.out"
took=$((SECONDS - start))
v=$(cat "$WORK/v1.out")
check "submission 140: finished, malicious, score 92, webid 179" \
    jq -e '.status == "ok" and .result.status == "finished" and .result.verdict == "malicious" and .result.score == 92 and .result.webid == "179"' <<<"$v"
check "... the IOCs as distinct observables: IP, hostname, hash, URL (the comment left out)" \
    jq -e '([.result.observables[] | "\(.type_id):\(.value)"] | sort) == (["2:203.0.113.66", "1:evil.example", "8:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "6:http://evil.example/gate.php"] | sort)' <<<"$v"
check "... asked 3 times (submitted, running, finished) and the report once as type misp" \
    bash -c "[ \$(grep -c '\"action\":\"info\",\"poll\":.,\"submission_id\":\"140\"' '$WORK/jbx.jsonl') = 3 ] && grep -q '\"action\":\"download\",\"type\":\"misp\",\"vendor\":\"joesandbox\",\"webid\":\"179\"' '$WORK/jbx.jsonl'"
check "... with backoff: waited 1 s then 2 s (3 s at least)" [ "$took" -ge 3 ]
"$DRIVER" joesandbox-verdict "$WORK/ana.json" "$(file v2 '{"submission_id": "141"}')" "$(file v3 '{"submission_id": "999"}')" \
    "$(file v4 '{"submission_id": "14; DROP"}')" >"$WORK/v2.out"
l() { sed -n "$1p" "$WORK/v2.out"; }
check "a submission that stays running: an error after timeout_s (4 s) naming the status" \
    jq -e '.status == "error" and (.error | test("no verdict after 4 s \\(status running\\)"))' <<<"$(l 1)"
check "an unknown submission: an error with Joe's 404" jq -e '.status == "error" and (.error | test("404"))' <<<"$(l 2)"
check "a submission id that is not digits: refused before any request" jq -e '.status == "error" and (.error | test("DIGITS"))' <<<"$(l 3)"
# ---- the chain through a broker: detonate, then wait for the verdict ------------------------
: >"$WORK/misp.ndjson"
mkdir -p "$WORK/playbooks"
cat >"$WORK/alpha.json" <<JSON
{"actuators": "joesandbox",
 "actuator_config": {"joesandbox": {"base_url": "$V", "api_token_file": "$WORK/jbx_key", "accept_tac": true}},
 "connectors": [{"name": "jbx", "kind": "analyzer", "type": "joesandbox-verdict", "base_url": "$V",
                 "api_token_file": "$WORK/jbx_key", "accept_tac": true, "poll_initial_s": 1, "poll_max_s": 1, "timeout_s": 30}],
 "sources": [{"name": "misp", "type": "file-tail", "source_id": "misp.attribute", "path": "$WORK/misp.ndjson", "interval_s": 1}]}
JSON
cat >"$WORK/playbooks/detonate-url.json" <<'PB'
{"name": "detonate-url", "trigger": {"class_uid": [0], "sources": ["misp.attribute"], "filter": ".osint[0].type == \"url\""},
 "steps": [
   {"id": "det", "type": "openc2", "site": "{{ .event.site }}",
    "command": {"action": "detonate", "target": {"uri": "{{ .event.osint[0].value }}"}}},
   {"id": "verdict", "type": "enrich", "analyzer": "jbx", "site": "{{ .event.site }}",
    "input": {"submission_id": "{{ .steps.det.results[\"x-sandbox\"].submission_id }}"}},
   {"id": "note", "type": "set", "case": {"note": "sandbox: {{ .steps.verdict.verdict }} {{ .steps.verdict.score }}, {{ .steps.verdict.observables | length }} IOCs"}}]}
PB
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"
wait_for 20 "alpha connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 1 ]"
printf '%s\n' '{"id": "90001", "event_id": "1701", "category": "Network activity", "type": "url", "to_ids": true, "uuid": "5f0b8b8a-1c2d-4e3f-9a8b-7c6d5e4f3e01", "timestamp": "1796500000", "value": "http://evil.example/chain/payload.php", "Event": {"id": "1701", "info": "Payload URL", "uuid": "9d1a2b3c-4d5e-4f60-8a1b-2c3d4e5f6c01", "threat_level_id": "1", "Orgc": {"name": "CIRCL"}}}' >>"$WORK/misp.ndjson"
wait_for 60 "the detonate-url run completed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook == \"detonate-url\" and .status == \"completed\")] | length == 1' >/dev/null"
run=$(ctl runs list --json | jq -r '.[] | select(.playbook == "detonate-url")')
note=$(ctl case show "$(jq -r .case_id <<<"$run")" --json | jq -r '.notes[-1].text')
check "the chain's note: the verdict and the IOCs of the detonated URL" [ "$note" = "sandbox: malicious 92, 4 IOCs" ]
check "... Joe Sandbox got exactly one submission of the indicator's URL" \
    [ "$(grep -c '"action":"submit",.*"url":"http://evil.example/chain/payload.php"' "$WORK/jbx.jsonl")" = 1 ]
check "no key in any output or log" bash -c "! grep -q -e '$KEY' '$WORK'/*.out '$WORK/standin.log' '$WORK/alpha.log' '$WORK/broker.log'"
finish
