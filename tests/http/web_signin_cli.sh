#!/usr/bin/env bash
# Issue 13, clause 3 (docs/security.md "Sign-in and API tokens"): sign-in
# without new secrets to steal. Part 1 over the CURVE control socket only:
# API tokens are printed once, listed without secret, stored only hashed,
# refused to non-admins and revocable; `login --web` says clearly when HTTP
# is off. Part 2 with the HTTPS API on: the one-time link (a GET consumes
# nothing, the POST does, once; expiry; Origin), the session cookie's
# attributes, CSRF (Origin + X-CSRF-Token), revocation, logout, an
# operator removed from the key store, bearer tokens, roles, rate limit.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl grep

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,ana:analyst \
    --http-names 127.0.0.1,localhost >/dev/null
start_broker
wait_for 20 "broker control socket" ctl stats
DB="$WORK/broker/data.mdb"

# run CMD...: sets RC, OUT, ERR.
run() {
    RC=0
    "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
    OUT=$(cat "$WORK/out")
    ERR=$(cat "$WORK/err")
}
# not_in_db TEXT: the bytes of TEXT appear nowhere in the LMDB file.
not_in_db() { ! grep -qaF -- "$1" "$DB"; }

# ==== part 1: over the CURVE control socket ====================================
run ctl token create --name ci --role analyst --expires 12h
TOKEN=$(tail -n1 <<<"$OUT")
check "§13.3: token create exits 0 and prints the token as its last line" \
    test "$RC" = 0 -a -n "$(grep -E '^fst_[A-Za-z0-9_-]{43}$' <<<"$TOKEN")"
check "§13.3: the token is printed once (one line of stdout holds it)" \
    test "$(grep -c 'fst_' <<<"$OUT")" = 1
check "§13.3: token create says on stderr that it is shown once" grep -q 'shown once' "$WORK/err"
run ctl token list
check "§13.3: token list shows the token's name and role" grep -qE '^ci +analyst' "$WORK/out"
check "§13.3: token list shows no secret" bash -c '! grep -q fst_ "$1"' _ "$WORK/out"
run ctl token list --json
check "§13.3: token list --json has no secret and no hash" \
    bash -c '! grep -qE "fst_|sha256|[0-9a-f]{64}" "$1"' _ "$WORK/out"
check "§13.3: the LMDB holds the token's SHA-256, not the token" not_in_db "$TOKEN"
check "§13.3: ... not even its random part" not_in_db "${TOKEN#fst_}"
run ctl token create --name ci --role admin
check "§13.3: a duplicate name is refused (exit 1, the name named)" \
    bash -c '[ "$1" = 1 ] && grep -q "a token named ci exists" "$2"' _ "$RC" "$WORK/err"
run ctl --operator ana token create --name x --role analyst
check "§13.3: an analyst cannot create tokens (exit 1, needs role admin)" \
    bash -c '[ "$1" = 1 ] && grep -q "needs role admin" "$2"' _ "$RC" "$WORK/err"
run ctl --operator ana token list
check "§13.3: an analyst cannot list tokens" test "$RC" = 1
run ctl token create --name y --role wizard
check "§13.3: an unknown role is a usage error naming the roles" \
    bash -c '[ "$1" = 2 ] && grep -q "analyst, approver, site-admin, admin" "$2"' _ "$RC" "$WORK/err"
run ctl token create --name y --role site-admin
check "§13.3: a site-admin token needs --site" \
    bash -c '[ "$1" = 2 ] && grep -q "needs --site" "$2"' _ "$RC" "$WORK/err"
run ctl token create --name y --role analyst --expires soon
check "§13.3: --expires takes a duration (30m, 12h, 90d)" \
    bash -c '[ "$1" = 2 ] && grep -q "not a duration" "$2"' _ "$RC" "$WORK/err"
run ctl token create --name 'Bad Name' --role analyst
check "§13.3: a token name is 1-32 of [a-z0-9_-]" test "$RC" = 2
run ctl token create --name site1 --role site-admin --site alpha
check "§13.3: a site-admin token for site alpha" \
    bash -c '[ "$1" = 0 ] && grep -q "site alpha" "$2"' _ "$RC" "$WORK/out"
run ctl token revoke ci
check "§13.3: token revoke exits 0" test "$RC" = 0
run ctl token list
check "§13.3: a revoked token is no longer listed" bash -c '! grep -qE "^ci " "$1"' _ "$WORK/out"
run ctl token revoke ci
check "§13.3: revoking it again: exit 1, no such token" \
    bash -c '[ "$1" = 1 ] && grep -q "no token named ci" "$2"' _ "$RC" "$WORK/err"
run ctl login --web
check "§13.3: login --web without http.listen: exit 1 saying the HTTPS API is off" \
    bash -c '[ "$1" = 1 ] && grep -q "HTTPS API is off" "$2"' _ "$RC" "$WORK/err"
run ctl login
check "§13.3: login without --web is a usage error" test "$RC" = 2
run ctl sessions list
check "§13.3: sessions list answers (no sessions yet)" \
    bash -c '[ "$1" = 0 ] && grep -q PUBLIC_ID "$2"' _ "$RC" "$WORK/out"
run ctl sessions revoke nothex
check "§13.3: sessions revoke of a malformed id: exit 2" test "$RC" = 2
run ctl sessions revoke 0123456789ab
check "§13.3: sessions revoke of an unknown session: exit 1" test "$RC" = 1
run ctl audit export
check "§13.3: token creation and revocation are audited" \
    bash -c 'grep -q "\"http.token_created\"" "$1" && grep -q "\"http.token_revoked\"" "$1"' _ "$WORK/out"
check "§13.3: the audit log never holds the token" bash -c '! grep -q "$2" "$1"' _ "$WORK/out" "$TOKEN"

# ==== part 2: the HTTPS API on =================================================
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
HTTP_PORT=$(free_port)
H="https://127.0.0.1:$HTTP_PORT"
cat >"$WORK/broker.json" <<EOF
{"http": {"login_link_ttl_s": 5, "rate_limit_per_min": 40}}
EOF
start_broker --config "$WORK/broker.json" --http "127.0.0.1:$HTTP_PORT"
wait_for 20 "broker control socket" ctl stats
CA="$KEYS/http/ca.crt"
# hc ARGS...: curl over TLS with the test CA; stdout the body, the status in $WORK/code,
# the headers in $WORK/hdr.
hc() { curl -sS --cacert "$CA" -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' "$@" >"$WORK/code"; }
code() { cat "$WORK/code"; }
body() { cat "$WORK/body"; }
wait_for 20 "the HTTPS API" curl -sS --cacert "$CA" -o /dev/null "$H/api/v1/session"

run ctl login --web
URL=$(tail -n1 <<<"$OUT")
NONCE=${URL##*/}
check "§13.3: login --web prints an https:// link to this broker as its last line" \
    bash -c '[ "$1" = 0 ] && grep -qE "^https://127\.0\.0\.1:[0-9]+/login/[A-Za-z0-9_-]{43}$" <<<"$2"' _ "$RC" "$URL"
check "§13.3: ... and says on stderr how long it lives and whom it signs in" \
    grep -q "open this link within 5 s; it signs in operator admin" "$WORK/err"
hc "$URL"
check "§13.3: GET of the link shows a confirmation page naming the operator" \
    bash -c '[ "$1" = 200 ] && grep -q "admin" "$2" && grep -qi "<form" "$2"' _ "$(code)" "$WORK/body"
check "§13.3: the GET sets no cookie" bash -c '! grep -qi "^set-cookie" "$1"' _ "$WORK/hdr"
hc "$URL"
check "§13.3: a second GET (a link previewer, then the person) still works: nothing consumed" test "$(code)" = 200
hc -X POST -H "Origin: https://evil.example" "$URL"
check "§13.3: a POST from another site's page (wrong Origin) is refused (403)" test "$(code)" = 403
hc -X POST -H "Origin: $H" "$URL"
check "§13.3: the POST from the broker's own page signs in (200)" test "$(code)" = 200
COOKIE_LINE=$(grep -i '^set-cookie: fedsoar_session=' "$WORK/hdr" | tr -d '\r')
COOKIE=$(sed -E 's/^[^=]*=([^;]*);.*/\1/' <<<"$COOKIE_LINE")
check "§13.3: the cookie is HttpOnly, Secure, SameSite=Strict, Path=/, 8 h" \
    bash -c 'for a in HttpOnly Secure SameSite=Strict "Path=/" Max-Age=28800; do grep -qF "; $a" <<<"$1" || exit 1; done' _ "$COOKIE_LINE"
hc -X POST "$URL"
check "§13.3: the link works once: a second POST is 404" test "$(code)" = 404
check "§13.3: the LMDB does not hold the session cookie" not_in_db "$COOKIE"
check "§13.3: ... nor the link's nonce" not_in_db "$NONCE"

run ctl login --web
URL2=$(tail -n1 <<<"$OUT")
sleep 6
hc "$URL2"
check "§13.3: an expired link (http.login_link_ttl_s 5, waited 6 s) is 404 on GET" test "$(code)" = 404
hc -X POST "$URL2"
check "§13.3: ... and on POST" test "$(code)" = 404
hc "$H/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check "§13.3: an unknown link is 404" test "$(code)" = 404

S=(-b "fedsoar_session=$COOKIE")
hc "${S[@]}" "$H/api/v1/session"
check "§13.3: the session cookie works: GET /api/v1/session is the operator, kind session" \
    bash -c '[ "$1" = 200 ] && jq -e ".actor == \"operator:admin\" and .kind == \"session\" and .role == \"admin\"" "$2" >/dev/null' _ "$(code)" "$WORK/body"
CSRF=$(jq -r .csrf_token "$WORK/body")
check "§13.3: the session's CSRF token is 43 base64url characters" grep -qE '^[A-Za-z0-9_-]{43}$' <<<"$CSRF"
hc "${S[@]}" -X DELETE "$H/api/v1/session"
check "§13.3: an unsafe request without Origin: 403" test "$(code)" = 403
hc "${S[@]}" -X DELETE -H "Origin: https://evil.example" -H "X-CSRF-Token: $CSRF" "$H/api/v1/session"
check "§13.3: an unsafe request from another Origin: 403" test "$(code)" = 403
hc "${S[@]}" -X DELETE -H "Origin: $H" "$H/api/v1/session"
check "§13.3: an unsafe request without X-CSRF-Token: 403" test "$(code)" = 403
hc "${S[@]}" -X DELETE -H "Origin: $H" -H "X-CSRF-Token: ${CSRF%?}x" "$H/api/v1/session"
check "§13.3: an unsafe request with a wrong X-CSRF-Token: 403" test "$(code)" = 403
hc "${S[@]}" "$H/api/v1/session"
check "§13.3: the refused requests changed nothing: the session still works" test "$(code)" = 200

# an analyst's session; the admin revokes it
run ctl --operator ana login --web
hc -X POST "$(tail -n1 <<<"$OUT")"
ANA=$(grep -i '^set-cookie: fedsoar_session=' "$WORK/hdr" | tr -d '\r' | sed -E 's/^[^=]*=([^;]*);.*/\1/')
hc -b "fedsoar_session=$ANA" "$H/api/v1/audit/verify"
check "§13.3: an analyst's session on an approver/admin route: 403 (not your role)" test "$(code)" = 403
run ctl --operator ana sessions list
check "§13.3: an analyst's sessions list shows only their own" \
    bash -c 'grep -qE " ana " "$1" && ! grep -qE " admin " "$1"' _ "$WORK/out"
run ctl sessions list
check "§13.3: the admin's sessions list shows everyone's, without ids or hashes" \
    bash -c 'grep -qE " ana " "$1" && grep -qE " admin " "$1" && ! grep -qE "[0-9a-f]{20}" "$1"' _ "$WORK/out"
ADMIN_PID=$(awk '$2 == "admin" {print $1}' "$WORK/out" | head -n1)
ANA_PID=$(awk '$2 == "ana" {print $1}' "$WORK/out" | head -n1)
run ctl --operator ana sessions revoke "$ADMIN_PID"
check "§13.3: an analyst cannot revoke the admin's session (exit 1)" test "$RC" = 1
run ctl sessions revoke "$ANA_PID"
check "§13.3: the admin revokes the analyst's session" test "$RC" = 0
hc -b "fedsoar_session=$ANA" "$H/api/v1/session"
check "§13.3: a revoked session is 401" test "$(code)" = 401

# an operator removed from the key store: their session dies with the key
run ctl --operator ana login --web
hc -X POST "$(tail -n1 <<<"$OUT")"
ANA=$(grep -i '^set-cookie: fedsoar_session=' "$WORK/hdr" | tr -d '\r' | sed -E 's/^[^=]*=([^;]*);.*/\1/')
hc -b "fedsoar_session=$ANA" "$H/api/v1/session"
check "§13.3: the analyst signed in again" test "$(code)" = 200
mv "$KEYS/trusted/operators/ana.cert" "$WORK/ana.cert"
kill -HUP "$BROKER_PID"
wait_for 10 "the key store reload" grep -q 'keys_reloaded' "$WORK/broker.log"
hc -b "fedsoar_session=$ANA" "$H/api/v1/session"
check "§13.3: an operator whose key was removed: their session is 401" test "$(code)" = 401

# bearer tokens
run ctl token create --name tool --role analyst
TOOL=$(tail -n1 <<<"$OUT")
T=(-H "Authorization: Bearer $TOOL")
hc "${T[@]}" "$H/api/v1/session"
check "§13.3: a bearer token works: actor token:tool, kind token, no CSRF token" \
    bash -c '[ "$1" = 200 ] && jq -e ".actor == \"token:tool\" and .kind == \"token\" and .csrf_token == null" "$2" >/dev/null' _ "$(code)" "$WORK/body"
hc "${T[@]}" "$H/api/v1/audit/verify"
check "§13.3: an analyst token on an approver/admin route: 403" test "$(code)" = 403
hc "${T[@]}" -X DELETE "$H/api/v1/session"
check "§13.3: tokens are exempt from CSRF (no Origin, no header: not 403) and are not logged out (400)" \
    bash -c '[ "$1" = 400 ] && grep -q "fedsoarctl token revoke" "$2"' _ "$(code)" "$WORK/body"
hc -H "Authorization: Bearer fst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$H/api/v1/session"
check "§13.3: an unknown token is 401" test "$(code)" = 401
hc -H "Authorization: Bearer nonsense" "$H/api/v1/session"
check "§13.3: a malformed token is 401" test "$(code)" = 401
hc "$H/api/v1/session"
check "§13.3: no credentials at all is 401" test "$(code)" = 401
hc -b "fedsoar_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$H/api/v1/session"
check "§13.3: an unknown session cookie is 401" test "$(code)" = 401
run ctl token revoke tool
hc "${T[@]}" "$H/api/v1/session"
check "§13.3: a revoked token is 401 at once" test "$(code)" = 401

# rate limit: 40 a minute per token
run ctl token create --name burst --role analyst
BURST=(-H "Authorization: Bearer $(tail -n1 <<<"$OUT")")
codes=""
for _ in $(seq 1 45); do
    hc "${BURST[@]}" "$H/api/v1/session"
    codes="$codes $(code)"
    [ "$(code)" = 429 ] && break
done
check "§13.3: over http.rate_limit_per_min the token gets 429" grep -q 429 <<<"$codes"
check "§13.3: ... with Retry-After in seconds" grep -qiE '^retry-after: [0-9]+' "$WORK/hdr"
check "§13.3: ... and only after 40 requests" test "$(grep -o 200 <<<"$codes" | wc -l)" -ge 40
hc "${S[@]}" "$H/api/v1/session"
check "§13.3: another caller is not limited by that token's bucket" test "$(code)" = 200

# logout with Origin and CSRF: the session ends
hc "${S[@]}" -X DELETE -H "Origin: $H" -H "X-CSRF-Token: $CSRF" "$H/api/v1/session"
check "§13.3: DELETE /api/v1/session with Origin and X-CSRF-Token signs out (200)" test "$(code)" = 200
hc "${S[@]}" "$H/api/v1/session"
check "§13.3: the signed-out session is 401" test "$(code)" = 401

run ctl audit export
check "§13.3: session creation is audited as operator:admin" \
    bash -c 'grep "\"kind\":\"http.session_created\"" "$1" | grep -q "\"actor\":\"operator:admin\""' _ "$WORK/out"
check "§13.3: revocation and sign-out are audited" \
    bash -c '[ "$(grep -c "\"http.session_revoked\"" "$1")" -ge 2 ]' _ "$WORK/out"
check "§13.3: no cookie, CSRF token or API token in the audit log" \
    bash -c '! grep -qF -e "$2" -e "$3" -e "$4" "$1"' _ "$WORK/out" "$COOKIE" "$CSRF" "$TOOL"
check "§13.3: no session cookie or token in the LMDB" \
    bash -c '! grep -qaF -e "$2" -e "$3" -e "$4" "$1"' _ "$DB" "$COOKIE" "$ANA" "$TOOL"

finish
