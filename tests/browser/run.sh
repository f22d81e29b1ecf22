#!/usr/bin/env bash
# browser_console (label browser; issue 14.7): the web console in a real
# browser. Starts a real broker (CURVE + HTTPS on https://localhost:PORT,
# governance with a board of three) and real adapters (hq: threat intel and
# tickets; alpha: CrowdStrike replay + a webhook; beta: a Defender webhook,
# record-only actuators, `contain` critical), writes what the specs need to
# $WORK/browser-env.json and runs Playwright (console/node_modules, pinned in
# console/package-lock.json) driving Debian's /usr/bin/chromium — never a
# downloaded browser. Screenshots and traces land in FEDSOAR_BROWSER_OUT
# (CTest: BUILD/tests/browser-artifacts). Missing chromium or node_modules is
# a failure that says how to get them (deploy/bootstrap), not a skip.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../http/http_lib.sh"
require_tool node openssl
HERE="$SRC/tests/browser"
CHROMIUM=${FEDSOAR_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "missing $CHROMIUM (Debian's chromium): run deploy/bootstrap as root"
    exit 1
fi
PW_CLI="$SRC/console/node_modules/@playwright/test/cli.js"
AXE="$SRC/console/node_modules/axe-core/axe.min.js"
if [ ! -f "$PW_CLI" ] || [ ! -f "$AXE" ]; then
    echo "missing console/node_modules (@playwright/test, axe-core): run deploy/bootstrap"
    echo "(it runs PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix console)"
    exit 1
fi
OUT=${FEDSOAR_BROWSER_OUT:-$WORK/artifacts}
mkdir -p "$OUT"

# --- keys, governance, configs -----------------------------------------------------------
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta,hq \
    --operators admin,ana:analyst,alice:approver,bob:approver,carol:approver \
    --http-names localhost,127.0.0.1 >/dev/null
mkdir -p "$WORK/empty"
# The console the broker serves: its default (the build tree's console/, made
# by the CMake target `console`), or FEDSOAR_CONSOLE_DIR (another build).
CONSOLE_CFG=""
[ -n "${FEDSOAR_CONSOLE_DIR:-}" ] && CONSOLE_CFG=", \"console_dir\": \"$FEDSOAR_CONSOLE_DIR\""
cat >"$WORK/broker.json" <<JSON
{"governance": {"quorum": 2, "members": ["alice", "bob", "carol"]},
 "correlation_window_s": 86400,
 "http": {"listen": "127.0.0.1:$HTTP_PORT", "public_url": "$BASE"$CONSOLE_CFG}}
JSON
# hq: the demo's threat intel and ticketing (exec connectors, absolute paths),
# and the analysts' chat (a stand-in that keeps every message in
# hq/chat.jsonl: endpoint-compromise posts the approval link there).
jq --arg src "$SRC" --arg w "$WORK" '
    del(.broker, .state_dir, .keys_dir)
    | .connectors |= map(.command |= map($src + "/" + .))
    | (.connectors[] | select(.name == "ticket") | .config.file) = ($w + "/hq/tickets.jsonl")
    | .connectors += [{"name": "chat", "kind": "responder", "type": "exec",
                       "command": [$src + "/tests/fixtures/connectors/standin.sh"],
                       "config": {"name": "chat", "log": ($w + "/hq/chat.jsonl")}}]' \
    "$SRC/deploy/demo/hq.json" >"$WORK/hq.json"
ALPHA_HOOK=$(free_port)
BETA_HOOK=$(free_port)
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$WORK/hook-token"
chmod 600 "$WORK/hook-token"
# alpha: replays its CrowdStrike alert at start (the case on the board), and
# takes more CrowdStrike alerts on a webhook (the live update).
jq --arg src "$SRC" --arg w "$WORK" --argjson port "$ALPHA_HOOK" '
    del(.broker, .state_dir, .keys_dir)
    | .replay |= map(.file = $src + "/" + .file)
    | .connectors |= map(.command |= map($src + "/" + .))
    | .sources = [{"name": "edr-hook", "type": "webhook", "source": "crowdstrike.alert",
                   "listen": ("127.0.0.1:" + ($port|tostring)), "insecure_http": true,
                   "token_file": ($w + "/hook-token")}]' \
    "$SRC/deploy/demo/alpha.json" >"$WORK/alpha.json"
# beta: no replay; Defender for Endpoint alerts (credential dumping) on a webhook.
jq --arg src "$SRC" --arg w "$WORK" --argjson port "$BETA_HOOK" '
    del(.broker, .state_dir, .keys_dir, .replay)
    | .connectors |= map(.command |= map($src + "/" + .))
    | .sources = [{"name": "mde-hook", "type": "webhook", "source": "microsoft.mde_alert",
                   "listen": ("127.0.0.1:" + ($port|tostring)), "insecure_http": true,
                   "token_file": ($w + "/hook-token")}]' \
    "$SRC/deploy/demo/beta.json" >"$WORK/beta.json"

# --- start: broker, the playbook under governance, the sites ---------------------------------------
start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "the control socket" ctl stats
wait_for 20 "HTTPS on $HTTP_PORT" curl -s -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
as() {
    local who=$1
    shift
    "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"
}
V1=$(as admin playbook submit "$SRC/playbooks/library/endpoint-compromise.json" |
    sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
[ -n "$V1" ] || { echo "playbook submit printed no version"; exit 1; }
as alice playbook approve "${V1:0:12}" >/dev/null
as bob playbook approve "${V1:0:12}" >/dev/null
as admin playbook activate "${V1:0:12}" --site alpha >/dev/null
as admin playbook activate "${V1:0:12}" --site beta >/dev/null
mkdir -p "$WORK/hq"
start_adapter hq --config "$WORK/hq.json"
start_adapter alpha --config "$WORK/alpha.json"
start_adapter beta --config "$WORK/beta.json"
wait_for 40 "alpha's replayed alert" stat_is '.events.per_site.alpha' 1
wait_for 20 "beta's webhook" bash -c "curl -s -o /dev/null http://127.0.0.1:$BETA_HOOK/webhook"
wait_for 20 "alpha's webhook" bash -c "curl -s -o /dev/null http://127.0.0.1:$ALPHA_HOOK/webhook"
wait_for 20 "the case of alpha's alert" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list --json | jq -e 'length >= 1'"
T_ADMIN=$(token browser-admin admin)
# The console is served (a broker built without node/node_modules answers 404).
console_st=$(curl -s -o "$WORK/index.html" -w '%{http_code}' --cacert "$CA" "$BASE/")
if [ "$console_st" != 200 ] || ! grep -qi '<script' "$WORK/index.html"; then
    echo "the broker serves no console at $BASE/ ($console_st): build it (cmake --build BUILD --target console;"
    echo "it needs node and console/node_modules from deploy/bootstrap)"
    exit 1
fi

# Chromium trusts the broker's certificate by its public key (a secure
# context with no certificate error, as WebAuthn requires), not by a flag
# that ignores every certificate error.
SPKI=$(openssl x509 -in "$KEYS/http/broker.crt" -noout -pubkey | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
jq -n --arg base "$BASE" --arg ca "$CA" --arg keys "$KEYS" --arg ctl "$CTL_EP" --arg bin "$BIN" \
    --arg work "$WORK" --arg src "$SRC" --arg v1 "$V1" --arg token "$T_ADMIN" --arg spki "$SPKI" \
    --arg chromium "$CHROMIUM" --arg axe "$AXE" --arg hooktoken "$(cat "$WORK/hook-token")" \
    --argjson ah "$ALPHA_HOOK" --argjson bh "$BETA_HOOK" '
    {base: $base, ca: $ca, keys: $keys, control: $ctl, bin: $bin, work: $work, src: $src,
     v1: $v1, admin_token: $token, spki: $spki, chromium: $chromium, axe: $axe,
     hook_token: $hooktoken, chat_log: ($work + "/hq/chat.jsonl"),
     sites: {alpha: {state: ($work + "/alpha"), webhook: ("http://127.0.0.1:" + ($ah|tostring) + "/webhook")},
             beta: {state: ($work + "/beta"), webhook: ("http://127.0.0.1:" + ($bh|tostring) + "/webhook")}},
     board: ["alice", "bob", "carol"]}' >"$WORK/browser-env.json"
echo "# broker $BASE, playbook endpoint-compromise ${V1:0:12} active at alpha and beta; artifacts in $OUT"

# --- the specs --------------------------------------------------------------------------------------
rc=0
(cd "$SRC/console" && FEDSOAR_BROWSER_ENV="$WORK/browser-env.json" FEDSOAR_BROWSER_OUT="$OUT" \
    NODE_EXTRA_CA_CERTS="$CA" \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    node "$PW_CLI" test -c "$HERE/playwright.config.mjs" "$@") || rc=$?
# Whatever the broker and sites logged is kept beside the screenshots.
for f in "$WORK"/*.log; do cp "$f" "$OUT/" 2>/dev/null || true; done
if [ $rc -eq 0 ]; then pass "the browser specs (playwright exit 0)"; else fail "the browser specs (playwright exit $rc)"; fi
# Issue 14.7: a screenshot of each page (and of the states the specs reach)
# is kept as an artifact; checked when the whole suite ran.
if [ $# -eq 0 ]; then
    missing=""
    for shot in page-cases page-case page-approvals page-governance page-sites page-metrics page-audit \
        page-audit-exported cases-filter-site cases-search-observable case-assigned-status-note \
        case-enrichment-results approval-link-signed-out approval-link-landed approvals-pending-first \
        approval-denied case-denied governance-rejected governance-rejected-admin sites-detail metrics-charts; do
        [ -n "$(find "$OUT" -name "$shot.png" -size +1k -print -quit)" ] || missing="$missing $shot"
    done
    check "a screenshot of every page and state kept in $OUT (missing:${missing:- none})" [ -z "$missing" ]
fi
echo "# artifacts (screenshots, traces, logs): $OUT"
finish
