#!/usr/bin/env bash
# The console's static files (broker/http_static.c, docs/console.md): every
# file of the build's manifest served with its type, the console's CSP and
# its hash as ETag; If-None-Match gives 304; nothing outside the manifest is
# reachable (.., an encoded slash, a folder, a dotfile, an unknown file: 404);
# only GET and HEAD (POST: 405 with Allow); a broker without a console build
# starts and answers / with 404 saying how to build it.
source "$FEDSOAR_SOURCE_DIR/tests/integration/lib.sh"
source "$FEDSOAR_SOURCE_DIR/tests/http/http_lib.sh"

CONSOLE="$(dirname "$BIN")/console"
if [ ! -f "$CONSOLE/manifest.json" ]; then
    echo "not ok - no console build in $CONSOLE: run deploy/bootstrap (node, npm ci --prefix console), configure again and build the console target"
    exit 1
fi
CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin --http-names localhost >/dev/null
cat >"$WORK/broker.json" <<JSON
{"http": {"console_dir": "$CONSOLE"}}
JSON
start_http_broker --config "$WORK/broker.json"

want_type() {
    case $1 in
    *.html) echo "text/html; charset=utf-8" ;;
    *.js) echo "text/javascript; charset=utf-8" ;;
    *.css) echo "text/css; charset=utf-8" ;;
    *.svg) echo "image/svg+xml" ;;
    *.json) echo "application/json" ;;
    *) echo "?" ;;
    esac
}

n=0
while IFS=$'\t' read -r path sha; do
    n=$((n + 1))
    api GET "/$path" -
    expect 200 "GET /$path"
    check "/$path: Content-Type $(want_type "$path")" [ "$(hdr Content-Type)" = "$(want_type "$path")" ]
    check "/$path: the console's CSP" [ "$(hdr Content-Security-Policy)" = "$CSP" ]
    check "/$path: ETag is the manifest's hash" [ "$(hdr ETag)" = "\"$sha\"" ]
    check "/$path: bytes are the manifest's" [ "$(sha256sum <"$B" | cut -d' ' -f1)" = "$sha" ]
    check "/$path: Cache-Control no-cache" [ "$(hdr Cache-Control)" = "no-cache" ]
done < <(jq -r 'to_entries[] | "\(.key)\t\(.value)"' "$CONSOLE/manifest.json")
check "the manifest lists index.html, app.js and the bpmn-js viewer ($n files)" \
    jq -e 'has("index.html") and has("assets/app.js") and has("assets/bpmn-navigated-viewer.production.min.js")' "$CONSOLE/manifest.json"

index_sha=$(jq -r '."index.html"' "$CONSOLE/manifest.json")
api GET / -
expect 200 "GET / is the shell"
check "/ is index.html" [ "$(sha256sum <"$B" | cut -d' ' -f1)" = "$index_sha" ]
check "/: CSP" [ "$(hdr Content-Security-Policy)" = "$CSP" ]
check "/: X-Content-Type-Options nosniff" [ "$(hdr X-Content-Type-Options)" = "nosniff" ]
check "/: X-Frame-Options DENY" [ "$(hdr X-Frame-Options)" = "DENY" ]
check "/: no CSP source allows unsafe-inline or unsafe-eval" bash -c "! grep -qi 'unsafe' <<<\"\$1\"" _ "$(hdr Content-Security-Policy)"

EXTRA_CURL=(-H "If-None-Match: \"$index_sha\"")
api GET /index.html -
expect 304 "If-None-Match with the ETag"
check "304 carries the ETag" [ "$(hdr ETag)" = "\"$index_sha\"" ]
EXTRA_CURL=(-H 'If-None-Match: "0000"')
api GET /index.html -
expect 200 "If-None-Match with another ETag"
EXTRA_CURL=()

head_status=$(curl -s -I --cacert "$CA" -o "$WORK/http/head-only" -w '%{http_code}' "$BASE/assets/app.js")
check "HEAD /assets/app.js: 200 with the type" [ "$head_status" = 200 ]
check "HEAD: Content-Type" grep -qi '^Content-Type: text/javascript' "$WORK/http/head-only"

for path in '/assets/../../etc/passwd' '/assets/..%2f..%2fetc%2fpasswd' '/assets/' '/assets/.npmrc' \
    '/assets/.hidden' '/assets/nope.js' '/assets/manifest.json' '/manifest.json' '/assets/app.js/' \
    '/assets//app.js' '/assets/%2e%2e/manifest.json'; do
    api GET "$path" -
    expect 404 "GET $path"
    check "$path: a problem" is_problem
done
api POST /assets/app.js - '{}'
expect 405 "POST /assets/app.js"
check "405 Allow: GET, HEAD" [ "$(hdr Allow)" = "GET, HEAD" ]
api DELETE / -
expect 405 "DELETE /"

# The API is untouched by the console.
api GET /api/v1/openapi.json -
expect 200 "the OpenAPI document still answers"

# No console: the broker starts, / says how to build it.
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
cat >"$WORK/broker.json" <<JSON
{"http": {"console_dir": "$WORK/no-console"}}
JSON
start_http_broker --config "$WORK/broker.json"
api GET / -
expect 404 "no console build: /"
check "it says the console is not installed and how to build it" \
    jq -e '.detail | test("console is not installed") and test("npm ci")' "$B"
finish
