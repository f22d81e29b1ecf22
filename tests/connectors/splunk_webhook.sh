#!/usr/bin/env bash
# The splunk-webhook source: curl plays Splunk's webhook alert action.
# - three alerts (the token in a header, as a Bearer and as ?token=) are
#   answered 200 only after the commit and reach the broker exactly once;
# - bad JSON and a body without a result row: 400, each in the dead letters;
# - a wrong or missing token: 401, nothing stored; GET: 405; a body over
#   max_body_bytes: 413;
# - with a full outbox (no broker, outbox.max_events 2): 503, kept as a dead letter;
# - the token never reaches a log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
FIX="$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
HPORT=$(free_port)
TOKEN="hook-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$TOKEN" >"$WORK/hook_token"
U="http://127.0.0.1:$HPORT/splunk/alert"
cat >"$WORK/alpha.json" <<JSON
{"sources": [{"name": "es", "type": "splunk-webhook", "listen": "127.0.0.1:$HPORT", "token_file": "$WORK/hook_token",
              "max_body_bytes": 65536}]}
JSON
# One alert per event_id: alert N differs from the fixture only in its ids.
alert() { jq -c --arg n "$1" '.result.event_id += $n | .result.rule_id += $n' "$FIX"; }
post() { # post BODY CURL-ARGS... -> prints the HTTP status
    curl -s -o "$WORK/last_body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$1" "${@:2}"
}

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
start_adapter alpha --config "$WORK/alpha.json"
wait_for 10 "the webhook listens" bash -c "curl -s -o /dev/null 'http://127.0.0.1:$HPORT/'"

check "alert 1 (X-Fedsoar-Token header): 200" [ "$(post "$(alert 1)" -H "X-Fedsoar-Token: $TOKEN" "$U")" = 200 ]
check "the 200 says stored" grep -q '"status":"stored"' "$WORK/last_body"
check "alert 2 (Authorization: Bearer): 200" [ "$(post "$(alert 2)" -H "Authorization: Bearer $TOKEN" "$U")" = 200 ]
check "alert 3 (?token=, as Splunk's webhook action sends it): 200" [ "$(post "$(alert 3)" "$U?token=$TOKEN")" = 200 ]
# Concurrent senders share commits and are all answered.
senders=()
for n in 4 5 6 7; do post "$(alert $n)" -H "X-Fedsoar-Token: $TOKEN" "$U" >"$WORK/par$n" & senders+=("$!"); done
wait "${senders[@]}"
check "four concurrent alerts: all 200" [ "$(cat "$WORK"/par[4-7] | tr -d '\n')" = 200200200200 ]
check "bad JSON: 400" [ "$(post '{"result": {"_time": ' -H "X-Fedsoar-Token: $TOKEN" "$U")" = 400 ]
check "no result row: 400" [ "$(post '{"sid": "x", "search_name": "y"}' -H "X-Fedsoar-Token: $TOKEN" "$U")" = 400 ]
check "wrong token: 401" [ "$(post "$(alert 9)" -H "X-Fedsoar-Token: wrong-$TOKEN" "$U")" = 401 ]
check "no token: 401" [ "$(post "$(alert 9)" "$U")" = 401 ]
check "GET: 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Fedsoar-Token: $TOKEN" "$U")" = 405 ]
head -c 70000 /dev/zero | tr '\0' 'a' >"$WORK/big"
check "a body over max_body_bytes: 413" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Fedsoar-Token: $TOKEN" --data-binary @"$WORK/big" "$U")" = 413 ]

wait_for 20 "seven events at the broker" stat_is .events.total 7
wait_for 10 "two dead letters counted at the broker" bash -c "[ \"\$(\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' sites --json | jq '.alpha.dead_letters')\" = 2 ]"
sleep 2
check "exactly seven events (each alert once)" stat_is .events.total 7

# A full outbox: a second adapter with no broker and room for two events.
HPORT2=$(free_port)
U2="http://127.0.0.1:$HPORT2/splunk/alert"
cat >"$WORK/full.json" <<JSON
{"outbox": {"max_events": 2},
 "sources": [{"name": "es", "type": "splunk-webhook", "listen": "127.0.0.1:$HPORT2", "token_env": "HOOK_TOKEN"}]}
JSON
HOOK_TOKEN="$TOKEN" "$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/full" --keys "$KEYS" \
    --broker "tcp://127.0.0.1:$(free_port)" --config "$WORK/full.json" >>"$WORK/full.log" 2>&1 &
FULL_PID=$!
PIDS+=("$FULL_PID")
wait_for 10 "the second webhook listens" bash -c "curl -s -o /dev/null 'http://127.0.0.1:$HPORT2/'"
check "full outbox: alerts 1-2 stored (200)" \
    [ "$(post "$(alert 11)" -H "X-Fedsoar-Token: $TOKEN" "$U2")$(post "$(alert 12)" -H "X-Fedsoar-Token: $TOKEN" "$U2")" = 200200 ]
check "full outbox: alert 3 refused (503)" [ "$(post "$(alert 13)" -H "X-Fedsoar-Token: $TOKEN" "$U2")" = 503 ]
kill "$FULL_PID"; wait "$FULL_PID" 2>/dev/null || true
check "the refused alert is kept as a dead letter (outbox full)" \
    bash -c "'$BIN/fedsoar-adapter' --site alpha --state-dir '$WORK/full' --keys '$KEYS' --config '$WORK/full.json' --dead-letters | grep -q 'outbox full'"

check "no secret in any log" bash -c "! grep -rF -e '$TOKEN' '$WORK'/*.log"
finish
