#!/usr/bin/env bash
# The HTTPS API refusing what it must (issue 13 clauses 3, 5, 8; docs/api.md
# "Errors"): no token, wrong role, expired and revoked tokens, a revoked
# session, CSRF (cookie session + unsafe method without Origin, with a
# foreign Origin, without X-CSRF-Token), a body over http.max_body_bytes,
# malformed JSON at every endpoint that takes a body, unknown fields and
# wrong types named by JSON pointer, bad query parameters named, path tricks
# (never a file), 405 with Allow, 415, the per-token rate limit (429 +
# Retry-After), and a session expired after http.session_idle_s (401). No answer ever carries a stack, a path of the server's disk
# or a secret.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/http_lib.sh"
SAMPLE="$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,ana:analyst,alice:approver \
    --http-names localhost,127.0.0.1 >/dev/null
# A small body limit; the rate limit is tested after a restart with a low one.
echo '{"http": {"max_body_bytes": 4096, "rate_limit_per_min": 100000}}' >"$WORK/broker.json"
mkdir -p "$WORK/pb"
cat >"$WORK/pb/gated.json" <<'JSON'
{"name": "gated-note", "trigger": {"class_uid": [2004]},
 "steps": [{"id": "gate", "type": "approval", "role": "approver", "timeout": "1h"},
           {"id": "note", "type": "set", "case": {"note": "approved"}}]}
JSON
start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/pb"
start_adapter alpha --replay "crowdstrike.alert:$SAMPLE"
wait_for 40 "a case and an open gate" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e 'length >= 1'"
CASE=$(ctl case list --json | jq -r '.[0].id // .items[0].id')
GATE=$(ctl approvals list --json | jq -r '.[0].id // .items[0].id')
T_ADMIN=$(token adm admin)
T_ANA=$(token ana-t analyst)
T_APPR=$(token appr-t approver)
ALL_TOKENS="$T_ADMIN $T_ANA $T_APPR"

problem_with() { # DESCRIPTION JQ: the last answer is a problem and JQ holds on it
    check "$1" bash -c 'jq -e "$2" "$1" >/dev/null' _ "$B" "$2"
    check "$1: application/problem+json with status, title, detail" is_problem
}

# --- who are you, and may you -----------------------------------------------------------------
api GET /api/v1/cases -
expect 401 "no token"
api GET /api/v1/cases "fst_notatokenatall"
expect 401 "an unknown token"
api GET /api/v1/cases "$T_ANA x"
expect 401 "a token with trailing garbage"
api GET /api/v1/audit/verify "$T_ANA"
expect 403 "wrong role: an analyst verifies the audit chain"
problem_with "the 403 says which role is needed" '.detail | test("needs role")'

# Expiry: the brief's --expires 1s; the broker's floor may be higher.
if T_EXP=$(token exp-t analyst --expires 1s 2>"$WORK/exp.err") && [ -n "$T_EXP" ]; then
    pass "token create --expires 1s"
    sleep 2
else
    fail "token create --expires 1s: $(tr '\n' ' ' <"$WORK/exp.err" | head -c 300)"
    T_EXP=$(token exp-t60 analyst --expires 60s)
    echo "# waiting 61 s for a 60 s token to expire"
    sleep 61
fi
ALL_TOKENS="$ALL_TOKENS $T_EXP"
api GET /api/v1/cases "$T_EXP"
expect 401 "an expired token"
problem_with "the 401 says the token expired" '.detail | test("expired")'

T_REV=$(token rev-t analyst)
ALL_TOKENS="$ALL_TOKENS $T_REV"
api GET /api/v1/cases "$T_REV"
expect 200 "a token before it is revoked"
ctl token revoke rev-t >/dev/null
api GET /api/v1/cases "$T_REV"
expect 401 "a revoked token"

# --- sessions and CSRF ------------------------------------------------------------------------
JAR="$WORK/ana.jar"
if web_login ana "$JAR"; then
    CSRF=$(csrf_of "$JAR")
    check "the session has a CSRF token" [ -n "$CSRF" ]
    ALL_TOKENS="$ALL_TOKENS $CSRF $(awk '/fedsoar_session/ {print $7}' "$JAR")"
    note='{"text": "from the browser"}'
    api POST "/api/v1/cases/$CASE/notes" "cookie:$JAR" "$note"
    expect 403 "CSRF: a session's POST without Origin and X-CSRF-Token"
    EXTRA_CURL=(-H "X-CSRF-Token: $CSRF")
    api POST "/api/v1/cases/$CASE/notes" "cookie:$JAR" "$note"
    expect 403 "CSRF: a session's POST with X-CSRF-Token but no Origin"
    EXTRA_CURL=(-H "X-CSRF-Token: $CSRF" -H "Origin: https://evil.example")
    api POST "/api/v1/cases/$CASE/notes" "cookie:$JAR" "$note"
    expect 403 "CSRF: a session's POST from a foreign Origin"
    EXTRA_CURL=(-H "Origin: $BASE")
    api POST "/api/v1/cases/$CASE/notes" "cookie:$JAR" "$note"
    expect 403 "CSRF: a session's POST without X-CSRF-Token"
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: not-the-token")
    api PATCH "/api/v1/cases/$CASE" "cookie:$JAR" '{"assignee": "x"}'
    expect 403 "CSRF: a session's PATCH with a wrong X-CSRF-Token"
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    api POST "/api/v1/cases/$CASE/notes" "cookie:$JAR" "$note"
    expect 201 "a session's POST with its Origin and X-CSRF-Token"
    EXTRA_CURL=()
    api GET "/api/v1/cases/$CASE" "cookie:$JAR"
    expect 200 "a session's GET needs no CSRF token"
    pid=$(ctl sessions list --json | jq -r '[(.items? // .)[] | select(.operator == "ana")][0].public_id')
    ctl sessions revoke "$pid" >/dev/null
    api GET "/api/v1/cases/$CASE" "cookie:$JAR"
    expect 401 "a revoked session"
else
    fail "ana signs in through the one-time link (fedsoarctl login --web)"
fi

# --- bodies ---------------------------------------------------------------------------------------
V=$(printf '%064d' 0)
# Every route whose table entry has a JSON body (broker/http_router.c,
# `.body = BODY(...)`), by pattern, with a credential that passes the role
# check ("-": a public route); the list is checked against the router's
# table and the OpenAPI document's requestBody operations just below.
BODY_ROUTES=(
    "PATCH /api/v1/cases/{id} $T_ANA"
    "POST /api/v1/cases/{id}/notes $T_ANA"
    "POST /api/v1/approvals/{id}/votes $T_APPR"
    "POST /api/v1/playbook-versions $T_ANA"
    "POST /api/v1/playbook-versions/{version}/approvals $T_ADMIN"
    "POST /api/v1/playbook-versions/{version}/activations $T_ADMIN"
    "POST /api/v1/playbook-versions/{version}/retirement $T_ADMIN"
    "POST /api/v1/sites/{site}/rollback $T_ADMIN"
    "POST /api/v1/rollouts/{name}/proposals $T_ADMIN"
    "POST /api/v1/rollouts/{name}/signatures $T_ADMIN"
    "POST /api/v1/rollouts/{name}/rollback $T_ADMIN"
    "POST /api/v1/passkey-enrollments/{nonce} -"
)
printf '%s\n' "${BODY_ROUTES[@]}" | awk '{print $1, $2}' | sort >"$WORK/body-routes.tested"
python3 - "$SRC/broker/http_router.c" >"$WORK/body-routes.table" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m, p, rest in re.findall(r'\{R\("([A-Z]+)",\s*"([^"]+)",\s*(?:"[^"]*"|NULL)\)([^}]*)', text):
    if re.search(r'\.body\s*=\s*BODY\(', rest) and "body_ignored" not in rest:
        print(m, p)
PY
sort -o "$WORK/body-routes.table" "$WORK/body-routes.table"
jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[]
       | select(.value | type == "object" and has("requestBody"))
       | select(.value.requestBody.content | has("application/json")) | "\(.key | ascii_upcase) \($p)"' \
    "$SRC/broker/openapi.json" | sort >"$WORK/body-routes.doc"
check "the body loop covers every route with a JSON body in the router's table ($(wc -l <"$WORK/body-routes.table"))" \
    bash -c '[ -s "$2" ] && diff "$1" "$2"' _ "$WORK/body-routes.tested" "$WORK/body-routes.table"
check "...and every operation with a JSON requestBody in broker/openapi.json" \
    diff "$WORK/body-routes.tested" "$WORK/body-routes.doc"
concrete() { # PATTERN: the path with this test's ids in it
    local p=$1
    p=${p//cases\/\{id\}/cases\/$CASE}
    p=${p//approvals\/\{id\}/approvals\/$GATE}
    p=${p//\{version\}/$V}
    p=${p//\{site\}/alpha}
    p=${p//\{name\}/gated-note}
    p=${p//\{nonce\}/not-a-real-nonce}
    echo "$p"
}
for r in "${BODY_ROUTES[@]}"; do
    read -r m p t <<<"$r"
    p=$(concrete "$p")
    for bad in '{"text": ' '{"a" 1}' 'nope' "{'text': 'x'}" '{"a":1}}' '{"a":1,"a":2}'; do
        api "$m" "$p" "$t" "$bad"
        expect 400 "$m $p: malformed JSON ${bad:0:12}"
        problem_with "$m $p: malformed JSON names the body by pointer" '[.errors[]? | select(has("pointer"))] | length >= 1'
    done
    api "$m" "$p" "$t" '[1, 2]'
    expect 400 "$m $p: a body that is not an object"
    api "$m" "$p" "$t" '{"bogus": 1, "other_field": true}'
    expect 400 "$m $p: unknown fields"
    problem_with "$m $p: each unknown field named" '[.errors[].pointer] | index("/bogus") != null and index("/other_field") != null'
    api "$m" "$p" "$t" '{"text": "x"}' "text/plain"
    expect 415 "$m $p: a body as text/plain"
    big=$(jq -cn --arg t "$(head -c 6000 /dev/zero | tr '\0' a)" '{text: $t}')
    api "$m" "$p" "$t" "$big"
    expect 413 "$m $p: a body over http.max_body_bytes"
done
# Wrong types, each named.
api PATCH "/api/v1/cases/$CASE" "$T_ANA" '{"status": 5, "assignee": [], "severity_id": "high"}'
expect 400 "PATCH /cases/{id}: three wrong types"
problem_with "each wrong type named by pointer" '[.errors[].pointer] | sort == ["/assignee", "/severity_id", "/status"]'
api PATCH "/api/v1/cases/$CASE" "$T_ANA" '{"status": "done", "severity_id": 9}'
expect 400 "PATCH /cases/{id}: values out of range"
problem_with "out-of-range values named" '[.errors[].pointer] | sort == ["/severity_id", "/status"]'
api POST "/api/v1/cases/$CASE/notes" "$T_ANA" '{}'
expect 400 "POST notes: text missing"
problem_with "a missing required field named" '[.errors[].pointer] == ["/text"]'
api POST "/api/v1/cases/$CASE/notes" "$T_ANA" '{"text": 42}'
expect 400 "POST notes: text a number"
api POST "/api/v1/approvals/$GATE/votes" "$T_APPR" '{"decision": "maybe", "comment": 3}'
expect 400 "POST votes: bad decision and comment"
problem_with "both named" '[.errors[].pointer] | sort == ["/comment", "/decision"]'
api POST "/api/v1/playbook-versions" "$T_ANA" '{"doc": "not an object", "origin": ""}'
expect 400 "POST playbook-versions: doc not an object, empty origin"
problem_with "both named" '[.errors[].pointer] | sort == ["/doc", "/origin"]'
api POST "/api/v1/playbook-versions/$V/activations" "$T_ADMIN" '{"site": "Not A Name!", "shadow": "yes"}'
expect 400 "POST activations: bad site and shadow"
problem_with "both named" '[.errors[].pointer] | sort == ["/shadow", "/site"]'
api PATCH "/api/v1/cases/$CASE" "$T_ANA" '{"a/b": 1, "c~d": 2}'
expect 400 "PATCH: unknown fields with / and ~"
problem_with "RFC 6901 escapes in the pointers" '[.errors[].pointer] | sort == ["/a~1b", "/c~0d"]'

# --- query parameters -----------------------------------------------------------------------------
bad_query() { # PATH PARAM DESCRIPTION
    api GET "$1" "$T_ADMIN"
    expect 400 "GET $1: $3"
    problem_with "GET $1: names the parameter $2" "[.errors[].parameter] | index(\"$2\") != null"
}
bad_query "/api/v1/cases?limit=abc" limit "limit not a number"
bad_query "/api/v1/cases?limit=501" limit "limit over 500"
bad_query "/api/v1/cases?limit=-1" limit "negative limit"
bad_query "/api/v1/cases?severity=7" severity "severity over 6"
bad_query "/api/v1/cases?status=open" status "status not a case status"
bad_query "/api/v1/cases?staus=new" staus "a misspelt filter"
bad_query "/api/v1/cases?site=" site "an empty filter"
bad_query "/api/v1/cases?site=a&site=b" site "a parameter given twice"
bad_query "/api/v1/cases?text=$(head -c 600 /dev/zero | tr '\0' x)" text "a value over 512 bytes"
bad_query "/api/v1/runs?case_id=x" case_id "case_id not a number"
bad_query "/api/v1/approvals?status=open" status "status not pending|all"
bad_query "/api/v1/metrics/response?window=1y" window "an unknown window"
bad_query "/api/v1/audit/entries?since=-5" since "a negative since"
bad_query "/api/v1/audit/entries?follow=yes" follow "follow not true|false"
bad_query "/api/v1/audit/entries?limit=10001" limit "an audit page over 10000"
bad_query "/api/v1/cases/$CASE/timeline?cursor=1&foo=2" foo "an unknown parameter"
bad_query "/api/v1/sites?verbose=1" verbose "a parameter on a route that takes none"
api GET "/api/v1/cases?limit=0&status=bogus&nope=1" "$T_ADMIN"
problem_with "every bad parameter named at once" '[.errors[].parameter] | sort == ["nope", "status"] or ([.errors[].parameter] | sort == ["limit", "nope", "status"])'
api GET "/api/v1/cases?cursor=zzz" "$T_ADMIN"
expect 400 "GET /cases with a cursor the broker never gave"

# --- paths --------------------------------------------------------------------------------------------
for p in '/api/v1/../../etc/passwd' '/api/v1/%2e%2e/%2e%2e/etc/passwd' '/api/v1/cases/%2e%2e' \
    '/api/v1//cases' '//api/v1/cases' '/api/v1/cases/' '/api/v1/cases/1%2f..%2f..%2fetc%2fpasswd' \
    '/api/v1/playbooks/..%2f..%2fetc/versions' '/api/v1/playbooks/.hidden/versions' \
    '/api/v1/cases/abc' '/api/v1/cases/0' '/api/v1/cases/-1' '/api/v1/cases/1e3' \
    '/api/v1/cases/99999999999999999999999' "/api/v1/cases/$CASE%00" '/api/v1/cases/./1' \
    "/api/v1/playbooks/$(head -c 300 /dev/zero | tr '\0' a)/versions" \
    "/api/v1/$(head -c 5000 /dev/zero | tr '\0' a)" '/etc/passwd' '/index.php' '/api/v2/cases' \
    '/api/v1/cases/1/timeline/extra' '/api/v1/a/b/c/d/e/f/g/h/i/j'; do
    api GET "$p" "$T_ADMIN"
    expect 404 "GET ${p:0:70}"
    check "GET ${p:0:70}: never a file" bash -c '! grep -q "root:x:0:0\|<html" "$1"' _ "$B"
done
api GET "/api/v1/cases/424242" "$T_ADMIN"
expect 404 "GET /api/v1/cases/{id} of a case that does not exist"
api GET "/api/v1/runs/424242" "$T_ADMIN"
expect 404 "GET /api/v1/runs/{id} of a run that does not exist"
api GET "/api/v1/approvals/424242" "$T_ADMIN"
expect 404 "GET /api/v1/approvals/{id} of a gate that does not exist"
api GET "/api/v1/playbook-versions/$V" "$T_ADMIN"
expect 404 "GET /api/v1/playbook-versions/{version} that does not exist"
api GET "/api/v1/playbooks/no-such-playbook/versions" "$T_ADMIN"
expect 404 "GET /api/v1/playbooks/{name}/versions of no playbook"

# --- methods -------------------------------------------------------------------------------------------
allow_is() { # METHOD PATH ALLOW
    api "$1" "$2" "$T_ADMIN"
    expect 405 "$1 $2"
    check "$1 $2: Allow: $3" [ "$(hdr Allow)" = "$3" ]
}
allow_is DELETE /api/v1/cases GET
allow_is PUT "/api/v1/cases/$CASE" "GET, PATCH"
allow_is POST /api/v1/runs GET
allow_is GET "/api/v1/cases/$CASE/notes" POST
allow_is PATCH /api/v1/session "GET, DELETE"
allow_is DELETE /metrics GET
allow_is POST /api/v1/openapi.json GET

# --- the rate limit (restart with a low one) ---------------------------------------------------------
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
echo '{"http": {"rate_limit_per_min": 5}}' >"$WORK/broker.json"
start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/pb"
codes=""
for i in $(seq 1 12); do
    api GET /api/v1/sites "$T_ANA"
    codes="$codes $ST"
    [ "$ST" = 429 ] && break
done
expect 429 "over http.rate_limit_per_min=5 ($codes)"
retry=$(hdr Retry-After)
check "the 429 carries Retry-After in seconds ($retry)" bash -c '[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 60 ]' _ "$retry"
problem_with "the 429 is a problem" '.status == 429'
api GET /api/v1/sites "$T_APPR"
expect 200 "the limit is per token: another token is not limited"

# --- an expired session (http.session_idle_s, restart with a short one) ----------------------------
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
echo '{"http": {"session_idle_s": 0}}' >"$WORK/bad-idle.json"
rc=0
timeout 20 "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" --control "$CTL_EP" \
    --http "127.0.0.1:$HTTP_PORT" --config "$WORK/bad-idle.json" >"$WORK/bad-idle.log" 2>&1 || rc=$?
check "http.session_idle_s 0 is refused at start (exit $rc), naming the key" \
    bash -c '[ "$1" = 2 ] && grep -q "session_idle_s" "$2"' _ "$rc" "$WORK/bad-idle.log"
echo '{"http": {"session_idle_s": 2, "rate_limit_per_min": 100000}}' >"$WORK/broker.json"
start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/pb"
JAR2="$WORK/ana2.jar"
url=$("$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator ana login --web 2>/dev/null |
    grep -o 'https://[^ ]*/login/[A-Za-z0-9_.-]*' | tail -n 1 || true)
if [ -n "$url" ] && curl -s --cacert "$CA" -o /dev/null "$BASE/login/${url##*/login/}" &&
    curl -s --cacert "$CA" -c "$JAR2" -D "$WORK/login2.head" -o /dev/null -X POST -H "Origin: $BASE" \
        "$BASE/login/${url##*/login/}" && grep -q fedsoar_session "$JAR2"; then
    ALL_TOKENS="$ALL_TOKENS $(awk '/fedsoar_session/ {print $7}' "$JAR2")"
    check "the cookie's Max-Age is http.session_idle_s (2)" \
        grep -qi "^set-cookie: fedsoar_session=.*; Max-Age=2\b" "$WORK/login2.head"
    # The cookie by hand: curl's jar would itself drop it after Max-Age,
    # and the point is what the broker does with a stale one.
    SESS=$(awk '/fedsoar_session/ {print $7}' "$JAR2")
    EXTRA_CURL=(-H "Cookie: fedsoar_session=$SESS")
    api GET /api/v1/session -
    expect 200 "a session used within http.session_idle_s=2"
    sleep 1
    api GET /api/v1/session -
    expect 200 "used again after 1 s: still there (idle, not absolute)"
    sleep 3
    api GET "/api/v1/cases/$CASE" -
    expect 401 "a session idle for 3 s past http.session_idle_s=2"
    problem_with "the 401 says the session ended without use, and how to sign in" \
        '.detail | test("ended after 2 s without use") and test("login --web")'
    api GET /api/v1/session -
    expect 401 "the expired session stays gone"
    problem_with "...as no such session" '.detail | test("no such session")'
    EXTRA_CURL=()
    check "sessions list no longer has it" \
        bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sessions list --json | jq -e '[(.items? // .)[] | select(.operator == \"ana\")] | length == 0' >/dev/null"
else
    fail "ana signs in through the one-time link (session_idle_s 2)"
fi

# --- what no answer carries ---------------------------------------------------------------------------
leaks=0
for t in $ALL_TOKENS; do
    [ ${#t} -ge 16 ] && grep -rqF -- "$t" "$SEEN" && { echo "a secret (${t:0:6}...) appears in an answer"; leaks=1; }
done
check "no answer carries a token, a session cookie or a CSRF token of someone else" [ $leaks = 0 ]
check "no answer carries a path of the work dir" bash -c '! grep -rqF -- "$1" "$2"' _ "$WORK" "$SEEN"
check "no answer's detail names a path under /etc, /var, /tmp, /home, /usr or /proc" \
    bash -c 'for f in "$1"/*.body; do jq -r "[.detail?, (.errors[]?.detail)] | map(select(.)) | .[]" "$f" 2>/dev/null; done | grep -E "(^|[ \"(])/(etc|var|tmp|home|usr|proc)/" && exit 1 || exit 0' _ "$SEEN"
check "no answer carries a stack or a source position" \
    bash -c '! grep -rqE "\.c:[0-9]+|Traceback|backtrace|#[0-9]+ +0x[0-9a-f]+|AddressSanitizer|segfault" "$1"' _ "$SEEN"
check "no answer carries a private key" bash -c '! grep -rq "PRIVATE KEY" "$1"' _ "$SEEN"
check "the broker is still up" kill -0 "$BROKER_PID"
echo "# $CALLS HTTP calls"
finish
