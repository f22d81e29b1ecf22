# http_lib.sh — helpers for the HTTPS API's black-box tests (label http),
# on top of tests/integration/lib.sh: a broker serving HTTPS with the
# certificate of `fedsoarctl keys init --http-names`, curl trusting only
# KEYS/http/ca.crt, API tokens from `fedsoarctl token create`, and one call
# that records status, headers and body of every answer. Source it after
# lib.sh.
require_tool curl jq openssl python3

HTTP_PORT=$(free_port)
BASE="https://localhost:$HTTP_PORT"
CA="$KEYS/http/ca.crt"
mkdir -p "$WORK/http"
# Every body and header set the tests saw, for the leak checks at the end.
SEEN="$WORK/http/seen"
mkdir -p "$SEEN"
CALLS=0

# start_http_broker [broker flags...]: the broker with --http on loopback.
start_http_broker() {
    start_broker --http "127.0.0.1:$HTTP_PORT" "$@"
    wait_for 20 "the control socket" ctl stats
    wait_for 20 "HTTPS on $HTTP_PORT" curl -s -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
}

# token NAME ROLE [--site S] [--expires D]: creates an API token; prints it
# (the last line of fedsoarctl token create's output).
token() {
    local name=$1 role=$2
    shift 2
    ctl token create --name "$name" --role "$role" "$@" | tail -n 1
}

# api METHOD PATH AUTH [BODY [CONTENT_TYPE]] -> sets ST (status), B (body
# file), H (header file). AUTH: a token, "-" for none, or "cookie:FILE"
# (a curl cookie jar) for a browser session; EXTRA_CURL (array) adds flags.
# curl is retried only when the connection is refused.
api() {
    local method=$1 path=$2 auth=$3 body=${4-} ctype=${5-application/json}
    local args=(-s -S --cacert "$CA" -X "$method" -o "$WORK/http/body" -D "$WORK/http/head"
        -w '%{http_code}' --path-as-is)
    case $auth in
    -) ;;
    cookie:*) args+=(-b "${auth#cookie:}") ;;
    *) args+=(-H "Authorization: Bearer $auth") ;;
    esac
    [ -n "$body" ] && args+=(-H "Content-Type: $ctype" --data-binary "$body")
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        ST=$(curl "${args[@]}" "${EXTRA_CURL[@]}" "$BASE$path" 2>"$WORK/http/curl.err") && break
        grep -q "Connection refused\|Failed to connect" "$WORK/http/curl.err" || break
        sleep 0.3
    done
    CALLS=$((CALLS + 1))
    B="$SEEN/$CALLS.body"
    H="$SEEN/$CALLS.head"
    cp "$WORK/http/body" "$B" 2>/dev/null || : >"$B"
    cp "$WORK/http/head" "$H" 2>/dev/null || : >"$H"
    printf '%s %s -> %s\n' "$method" "$path" "$ST" >>"$WORK/http/calls.log"
    if [ -n "${API_SAVE_DIR:-}" ]; then
        jq -n --arg m "$method" --arg p "$path" --arg s "$ST" \
            --arg t "$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;\r]*\).*/\1/p' "$H" | head -n 1)" \
            --rawfile b "$B" '{method: $m, path: $p, status: ($s|tonumber), content_type: $t, body: $b}' \
            >"$API_SAVE_DIR/$(printf '%04d' "$CALLS").json"
    fi
}
EXTRA_CURL=()

# expect CODE DESCRIPTION: the last answer's status is CODE.
expect() {
    local want=$1 what=$2
    if [ "$ST" = "$want" ]; then
        pass "$what ($want)"
    else
        fail "$what: expected $want, got $ST: $(head -c 400 "$B")"
    fi
}

# hdr NAME: a header of the last answer (first one, CR stripped).
hdr() { sed -n "s/^$1: *//Ip" "$H" | tr -d '\r' | head -n 1; }

# is_problem: the last answer is an RFC 9457 problem with its status.
is_problem() {
    [ "$(hdr Content-Type)" = "application/problem+json" ] &&
        jq -e --argjson s "$ST" '.status == $s and (.title|type) == "string" and (.detail|type) == "string" and .type == "about:blank"' "$B" >/dev/null
}

# Ed25519 signature (base64) of a text with an operator's signing key.
sign_as() { # OPERATOR TEXT
    printf '%s' "$2" >"$WORK/http/to-sign"
    openssl pkeyutl -sign -rawin -inkey "$KEYS/operators/$1.sign.pem" -in "$WORK/http/to-sign" | base64 -w0
}

# web_login OPERATOR JAR: signs OPERATOR in through the one-time link of
# fedsoarctl login --web (GET the page, POST to confirm); the session
# cookie lands in the curl cookie jar JAR. 0 when the cookie is there.
web_login() {
    local op=$1 jar=$2 url
    url=$("$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$op" login --web 2>/dev/null |
        grep -o 'https://[^ ]*/login/[A-Za-z0-9_.-]*' | tail -n 1) || return 1
    [ -n "$url" ] || return 1
    local path=/login/${url##*/login/}
    curl -s --cacert "$CA" -o /dev/null "$BASE$path" || return 1
    curl -s --cacert "$CA" -c "$jar" -o /dev/null -X POST -H "Origin: $BASE" "$BASE$path" || return 1
    grep -q fedsoar_session "$jar"
}

# csrf_of JAR: the session's CSRF token (GET /api/v1/session).
csrf_of() {
    curl -s --cacert "$CA" -b "$1" "$BASE/api/v1/session" | jq -r '.csrf_token // empty'
}
