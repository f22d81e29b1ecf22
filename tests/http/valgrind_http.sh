#!/usr/bin/env bash
# The broker with its HTTPS server under valgrind: a few requests (the
# document, a token's reads and a write, a 404, a 400, a sign-in, the audit
# log streamed, paged and cut by a revocation), an event
# stream left open, then SIGTERM: the broker stops cleanly (the stream is
# ended, every connection thread joined) with no memory error and no
# definite or indirect leak. tests/integration/valgrind_shutdown.sh does the
# same for the thin path without HTTP.
source "$(dirname "$0")/../integration/lib.sh"
require_tool valgrind
source "$(dirname "$0")/http_lib.sh"
VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 -q)
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,ana:analyst \
    --http-names localhost,127.0.0.1 >/dev/null
# An audit log of ~10,700 entries (4 MB, more than the sockets buffer), so
# the streamed pull below reads many pages and the revoked one is cut.
CASEFILL="$BIN/../bench/casefill"
[ -x "$CASEFILL" ] || { echo "not ok - bench/casefill is not built ($CASEFILL)"; exit 1; }
"$CASEFILL" "$WORK/broker" 8000 2 >/dev/null 2>&1
"${VG[@]}" --log-file="$WORK/vg-broker.txt" "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" \
    --listen "$SITE_EP" --control "$CTL_EP" --http "127.0.0.1:$HTTP_PORT" >>"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
wait_for 120 "the control socket under valgrind" ctl stats
wait_for 60 "HTTPS under valgrind" curl -s -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
T=$(token ana-t analyst)
api GET /api/v1/openapi.json -
expect 200 "the document"
api GET /api/v1/cases "$T"
expect 200 "a token lists cases"
api GET /api/v1/sites "$T"
expect 200 "a token lists sites"
api GET /metrics "$T"
expect 200 "/metrics"
api GET /api/v1/cases/abc "$T"
expect 404 "a non-numeric id"
api PATCH /api/v1/cases/1 "$T" '{"bogus": 1}'
expect 400 "an unknown field"
api POST /api/v1/cases/999999/notes "$T" '{"text": "x"}'
expect 404 "a note on no case"
api GET /api/v1/cases -
expect 401 "no token"
if web_login admin "$WORK/admin.jar"; then pass "a browser session"; else fail "a browser session"; fi
# The audit log streamed (http_audit_stream.c), whole and paged, and a pull
# whose token is revoked on the way (the cut answer frees its pages too).
TA=$(token aud-t admin)
api GET "/api/v1/audit/entries?since=0" "$TA"
expect 200 "the audit log streamed"
check "...every entry, in order" jq -e '[.entries[].seq] == [range(1; .last + 1)] and .last > 0' "$B"
api GET "/api/v1/audit/entries?since=0&limit=2" "$TA"
expect 200 "an audit page"
TC=$(token cut-t admin)
state=$(python3 "$(dirname "$0")/slow_reader.py" "$BASE/api/v1/audit/entries?since=0" "$CA" "$TC" 1 "$WORK/cut.json" \
    -- "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" token revoke cut-t)
check "a pull whose token is revoked on the way is cut ($state)" [ "$state" = cut ]
# A follower of the audit log (follow=true), open while the broker stops.
curl -s -N --cacert "$CA" -H "Authorization: Bearer $TA" "$BASE/api/v1/audit/entries?since=0&follow=true" \
    >"$WORK/follow.out" 2>/dev/null &
FOL_PID=$!
PIDS+=("$FOL_PID")
wait_for 60 "the follower caught up" bash -c '[ "$(grep -c . "$1")" -ge 10000 ]' _ "$WORK/follow.out"
# An event stream, open while the broker stops.
curl -s -N --cacert "$CA" -H "Authorization: Bearer $T" "$BASE/api/v1/stream" >"$WORK/sse.out" 2>/dev/null &
SSE_PID=$!
PIDS+=("$SSE_PID")
wait_for 30 "the stream answered" grep -q "^retry:" "$WORK/sse.out"
ctl token create --name later --role analyst >/dev/null # the audit head moves: the stream fetches
sleep 1
kill "$BROKER_PID"; rc=0; wait "$BROKER_PID" || rc=$?
check "broker with HTTPS and an open stream stopped cleanly under valgrind (exit $rc)" [ "$rc" = 0 ]
src=0; timeout 10 tail --pid="$SSE_PID" -f /dev/null || src=1
check "the stream ended when the broker stopped" [ "$src" = 0 ]
src=0; timeout 10 tail --pid="$FOL_PID" -f /dev/null || src=1
check "the audit follower ended when the broker stopped" [ "$src" = 0 ]
check "no valgrind report for the broker" [ ! -s "$WORK/vg-broker.txt" ]
[ -s "$WORK/vg-broker.txt" ] && head -60 "$WORK/vg-broker.txt"
finish
