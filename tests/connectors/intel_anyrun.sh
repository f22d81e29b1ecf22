#!/usr/bin/env bash
# ANY.RUN (issue 17.1) against its stand-in (tests/fixtures/connectors/anyrun.json),
# run as the adapter runs them (tests/connectors/intel_driver.c; the
# actuator's commands through the strict OpenC2 validator first):
# - the anyrun actuator: pairs exactly detonate uri; `detonate uri` creates
#   one task (Authorization: API-Key, obj_type=url, obj_url, env_os; a 429
#   retried) and answers results.x-sandbox.taskid; detonate file → 501; a
#   wrong key → 401 with ANY.RUN's message;
# - the anyrun-verdict analyzer: polls /v1/analysis/{taskid} with backoff
#   (queued, running, done: 3 polls) and returns the verdict from
#   threatLevel, its text and score, and the IOC report's ip, domain, url
#   and hash entries as observables (the file name left out); a task that
#   stays running → an error after timeout_s; an unknown task → ANY.RUN's
#   404; no key in any output or log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
DRIVER="$BIN/../tests/intel_driver"
[ -x "$STANDIN" ] && [ -x "$DRIVER" ] || { echo "vendor_standin or intel_driver not built"; exit 1; }
KEY="anyrun-key-$RANDOM$RANDOM"
printf 'API-Key %s\n' "$KEY" >"$WORK/key"
printf 'API-Key wrong-%s\n' "$RANDOM" >"$WORK/bad_key"
chmod 600 "$WORK/key" "$WORK/bad_key"
PORT=$(free_port)
"$STANDIN" --port "$PORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/anyrun.jsonl" --api-token "$KEY" --fault rate-limit-once >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
V="http://127.0.0.1:$PORT"
wait_for 10 "stand-in listening" curl -sf "$V/_standin/stats"
file() { printf '%s' "$2" >"$WORK/$1.json"; echo "$WORK/$1.json"; }
T1=0d5c4d8e-6f2a-4b8e-9a51-000000000001
T2=0d5c4d8e-6f2a-4b8e-9a51-000000000002

printf '{"base_url": "%s", "api_token_file": "%s", "env_os": "windows-10"}' "$V" "$WORK/key" >"$WORK/act.json"
"$DRIVER" --actuator anyrun "$WORK/act.json" \
    "$(file c1 '{"action": "detonate", "target": {"uri": "http://evil.example/kit/login.php"}}')" \
    "$(file c2 '{"action": "detonate", "target": {"uri": "https://stuck.example/"}}')" \
    "$(file c3 '{"action": "detonate", "target": {"file": {"hashes": {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}}}')" >"$WORK/act.out"
l() { sed -n "$1p" "$WORK/act.out"; }
check "pairs: exactly detonate uri" jq -e '.pairs == {"detonate": ["uri"]}' <<<"$(l 1)"
check "detonate uri: 200 with results.x-sandbox.taskid" \
    jq -e --arg t "$T1" '.status == 200 and .results["x-sandbox"].taskid == $t and .results["x-sandbox"].sandbox == "anyrun"' <<<"$(l 2)"
check "... ANY.RUN recorded one task for that URL on windows-10 (after one 429)" \
    bash -c "[ \$(grep -c '\"action\":\"submit\",\"env_os\":\"windows-10\",\"taskid\":\"$T1\",\"url\":\"http://evil.example/kit/login.php\"' '$WORK/anyrun.jsonl') = 1 ] && curl -sf '$V/_standin/stats' | jq -e '.rate_limited == 1' >/dev/null"
check "a second detonate: the second task" jq -e --arg t "$T2" '.results["x-sandbox"].taskid == $t' <<<"$(l 3)"
check "detonate file: 501" jq -e '.status == 501' <<<"$(l 4)"
printf '{"base_url": "%s", "api_token_file": "%s"}' "$V" "$WORK/bad_key" >"$WORK/act_bad.json"
bad=$("$DRIVER" --actuator anyrun "$WORK/act_bad.json" "$WORK/c1.json" | sed -n 2p)
check "a wrong key: 401 with ANY.RUN's message" jq -e '.status == 401 and (.status_text | test("Authorization is required"))' <<<"$bad"

printf '{"base_url": "%s", "api_token_file": "%s", "poll_initial_s": 1, "poll_max_s": 2, "timeout_s": 4}' "$V" "$WORK/key" >"$WORK/ana.json"
"$DRIVER" anyrun-verdict "$WORK/ana.json" "$(file v1 "{\"taskid\": \"$T1\"}")" "$(file v2 "{\"taskid\": \"$T2\"}")" \
    "$(file v3 '{"taskid": "0d5c4d8e-0000-0000-0000-000000000999"}')" "$(file v4 '{"taskid": "../etc"}')" >"$WORK/v.out"
l() { sed -n "$1p" "$WORK/v.out"; }
check "task 1: done, malicious (threatLevel 2), its text and score 100" \
    jq -e '.status == "ok" and .result.status == "done" and .result.verdict == "malicious" and .result.verdict_text == "Malicious activity" and .result.score == 100' <<<"$(l 1)"
check "... its IOCs as observables: IP, hostname, URL, hash (the file name left out)" \
    jq -e '([.result.observables[] | "\(.type_id):\(.value)"] | sort) == (["2:203.0.113.66", "1:evil.example", "6:http://evil.example/gate.php", "8:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"] | sort)' <<<"$(l 1)"
check "... asked 3 times (queued, running, done) and the IOC report once" \
    bash -c "[ \$(grep -c '\"action\":\"status\",\"poll\":.,\"taskid\":\"$T1\"' '$WORK/anyrun.jsonl') = 3 ] && [ \$(grep -c '\"action\":\"iocs\",\"taskid\":\"$T1\"' '$WORK/anyrun.jsonl') = 1 ]"
check "task 2 stays running: an error after timeout_s (4 s) naming the status" \
    jq -e '.status == "error" and (.error | test("no verdict after 4 s \\(status running\\)"))' <<<"$(l 2)"
check "an unknown task: an error with ANY.RUN's 404" jq -e '.status == "error" and (.error | test("404"))' <<<"$(l 3)"
check "a taskid that is not a UUID: refused before any request" jq -e '.status == "error" and (.error | test("UUID"))' <<<"$(l 4)"
check "no key in any output or log" bash -c "! grep -q -e '$KEY' '$WORK'/*.out '$WORK/standin.log'"
finish
