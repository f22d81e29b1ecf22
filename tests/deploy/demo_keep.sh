#!/usr/bin/env bash
# Issue 14, clause 8: `deploy/demo/run --keep` leaves the broker and the sites
# running after the story, with one more containment gate open, and prints a
# one-time sign-in link; a new user opens it, signs in, and approves the gate.
# Here with free ports and its own state directory (FEDSOAR_DEMO_* of
# deploy/demo/run) so that it runs beside any other broker: the link's page
# is a confirmation (nothing signed in by opening it), the POST confirms and
# gives a session, the pending gate is read from the API and voted with
# alice's key file (an Ed25519 signature of the gate's vote payload, as the
# console does with WebCrypto), the run completes and beta's record-only
# actuator holds the containment; `--stop` ends every process and frees the
# ports.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../http/http_lib.sh"
require_tool curl jq openssl realpath

DEMO="$WORK/demo"
export FEDSOAR_DEMO_STATE="$DEMO" FEDSOAR_DEMO_BIN="$BIN"
export FEDSOAR_DEMO_SITE_PORT="$SITE_PORT" FEDSOAR_DEMO_CONTROL_PORT="$CTL_PORT" FEDSOAR_DEMO_HTTPS_PORT="$HTTP_PORT"
KEYS="$DEMO/keys"
CA="$KEYS/http/ca.crt"
# Whatever happens, what --keep left running is stopped (lib.sh's cleanup kills PIDS).
kept_pids() {
    local p
    [ -f "$DEMO/pids" ] || return 0
    while read -r p; do PIDS+=("$p"); done <"$DEMO/pids"
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

rc=0
timeout 300 "$SRC/deploy/demo/run" --keep >"$WORK/demo.out" 2>&1 || rc=$?
kept_pids
cp "$WORK/demo.out" "$WORK/demo-out.log" # shown with the logs on failure
check "deploy/demo/run --keep exits 0 after the story" [ "$rc" = 0 ]
check "  ... with the demo's own ports: the story ran on $SITE_PORT/$CTL_PORT/$HTTP_PORT" \
    grep -q "Kept running: the console at $BASE/" "$WORK/demo.out"
check "  ... its processes are in STATE/pids and alive (broker, hq, alpha, beta)" \
    bash -c '[ "$(wc -l <"$1")" = 4 ] && while read -r p; do kill -0 "$p" || exit 1; done <"$1"' _ "$DEMO/pids"
check "  ... the configs it ran were written with those endpoints (STATE/config/)" \
    bash -c 'jq -e --arg l "tcp://127.0.0.1:$2" ".listen == \$l and (.state_dir | startswith(\"$3/\"))" "$1/config/broker.json" >/dev/null' \
    _ "$DEMO" "$SITE_PORT" "$DEMO"

LINK=$(grep -o 'https://[^ ]*/login/[A-Za-z0-9_.-]*' "$WORK/demo.out" | tail -n 1 || true)
check "it prints a one-time sign-in link on its own HTTPS port" bash -c '[[ "$1" == "$2/login/"* ]]' _ "$LINK" "$BASE"
LOGIN_PATH=/login/${LINK##*/login/}

# ---- opening the link decides nothing; confirming signs in -----------------------------------------
JAR="$WORK/alice.jar"
api GET "$LOGIN_PATH" -
expect 200 "§14.1: GET the sign-in link: the confirmation page"
check "  ... an HTML page with a form to confirm, and no session cookie set" \
    bash -c 'grep -qi "<form" "$1" && ! grep -qi "^set-cookie:.*fedsoar_session" "$2"' _ "$B" "$H"
api GET /api/v1/session -
check "  ... nothing is signed in by opening it (GET /api/v1/session without the POST: $ST)" \
    bash -c '[ "$1" = 401 ]' _ "$ST"
check "§14.1: POST confirms: a session cookie" \
    bash -c 'curl -s --cacert "$1" -c "$2" -o /dev/null -X POST -H "Origin: $3" "$3$4" && grep -q fedsoar_session "$2"' \
    _ "$CA" "$JAR" "$BASE" "$LOGIN_PATH"
api GET /api/v1/session "cookie:$JAR"
check "  ... a browser session of alice, approver" \
    bash -c 'jq -e ".actor == \"operator:alice\" and .role == \"approver\" and .kind == \"session\"" "$1" >/dev/null' _ "$B"
CSRF=$(jq -r '.csrf_token // empty' "$B")
api POST "$LOGIN_PATH" - ""
check "  ... the link is spent: a second POST is 404, no session ($ST)" \
    bash -c '[ "$1" = 404 ] && ! grep -qi "^set-cookie:.*fedsoar_session=[^;]" "$2"' _ "$ST" "$H"

# ---- the demo's pending gate, approved with alice's key file -------------------------------------
api GET /api/v1/approvals "cookie:$JAR"
expect 200 "GET /api/v1/approvals"
GATE=$(jq -r '(.items // .)[0].id // empty' "$B") # pending gates are the default list
check "§14.8: the demo's containment gate is pending (id $GATE)" [ -n "$GATE" ]
api GET "/api/v1/approvals/$GATE" "cookie:$JAR"
expect 200 "GET /api/v1/approvals/$GATE"
check "  ... it is the gate to contain beta-fin-ws027" grep -q "beta-fin-ws027" "$B"
PAYLOAD=$(jq -r '.vote_payloads.approve' "$B")
SIG=$(sign_as alice "$PAYLOAD")
EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
api POST "/api/v1/approvals/$GATE/votes" "cookie:$JAR" \
    "$(jq -cn --arg p "$PAYLOAD" --arg s "$SIG" '{decision: "approve", payload: $p, signature: $s, comment: "demo_keep.sh"}')"
expect 201 "§14.8: alice's vote, signed with her key file, is accepted"
EXTRA_CURL=()
two_runs() {
    ctl runs list --json | jq -e '[.[] | select(.playbook == "endpoint-compromise" and .status == "completed")] | length == 2' >/dev/null
}
wait_for 60 "the second endpoint-compromise run completes" two_runs || true
check "§14.8: the gated run completes (two endpoint-compromise runs completed)" two_runs
contained() { grep -q "beta-fin-ws027" "$DEMO/beta/record-only.jsonl"; }
wait_for 30 "beta records the containment" contained || true
check "§14.8: site beta carried out the containment of beta-fin-ws027 (record-only.jsonl)" \
    bash -c 'jq -e "select(.command.action == \"contain\") | .command.target | tostring | contains(\"beta-fin-ws027\")" "$1" | grep -qx true' \
    _ "$DEMO/beta/record-only.jsonl"

# ---- --stop --------------------------------------------------------------------------------------
"$SRC/deploy/demo/run" --stop >"$WORK/stop.out" 2>&1
check "deploy/demo/run --stop stops the 4 processes" grep -q "stopped 4 process" "$WORK/stop.out"
check "  ... none is left" bash -c 'for p in "$@"; do ! kill -0 "$p" 2>/dev/null || exit 1; done' _ "${PIDS[@]}"
check "  ... the three ports are free" bash -c "$(declare -f port_free); port_free $SITE_PORT && port_free $CTL_PORT && port_free $HTTP_PORT"
check "  ... STATE/pids is gone, the logs stay" bash -c '[ ! -e "$1/pids" ] && [ -s "$1/broker.log" ]' _ "$DEMO"

finish
