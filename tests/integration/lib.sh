# lib.sh — helpers for black-box tests that start the real daemons on
# loopback. Source it; it sets up a work dir and kills every process it
# started when the script exits, whatever way it exits.
set -euo pipefail

# require_tool NAME...: fails the test at once when a command it runs is not
# installed, instead of a timeout later on. deploy/bootstrap installs every one.
require_tool() {
    local t missing=()
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "missing tool ${missing[*]} (deploy/bootstrap installs it)"
    exit 1
}
# What this file itself runs (free_port, stat_is).
require_tool python3 jq

BIN=${FEDSOAR_BIN:?FEDSOAR_BIN must point at build/bin}
SRC=${FEDSOAR_SOURCE_DIR:?}
WORK=$(mktemp -d /tmp/fedsoar-it.XXXXXX)
PIDS=()
FAILS=0
PASSES=0

cleanup() {
    local rc=$?
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    if [ $rc -ne 0 ] || [ $FAILS -ne 0 ]; then
        echo "--- logs in $WORK ---"
        for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# free_port: a TCP port free on 127.0.0.1 now, picked at random below the
# kernel's ephemeral range (net.ipv4.ip_local_port_range). A port the
# kernel hands out (bind to port 0) can go to another test's outgoing
# connection before the daemon binds it: under ctest -j2 a broker once
# failed with "Address already in use". Outgoing connections never take
# a port below that range.
free_port() {
    python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
below = range(max(1024, low - 12000), low)
for port in random.sample(below, k=min(200, len(below))):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:  # nothing free below the range: the kernel's choice, as before
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
PY
}

SITE_PORT=$(free_port)
CTL_PORT=$(free_port)
SITE_EP="tcp://127.0.0.1:$SITE_PORT"
CTL_EP="tcp://127.0.0.1:$CTL_PORT"
KEYS="$WORK/keys"

ctl() { "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" "$@"; }

start_broker() {
    "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" \
        --control "$CTL_EP" "$@" >>"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
}

# start_adapter SITE [flags...]
start_adapter() {
    local site=$1
    shift
    "$BIN/fedsoar-adapter" --site "$site" --state-dir "$WORK/$site" --keys "$KEYS" \
        --broker "$SITE_EP" "$@" >>"$WORK/$site.log" 2>&1 &
    PIDS+=("$!")
    eval "ADAPTER_PID_${site//-/_}=$!"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "TIMEOUT after ${secs}s waiting for: $what"
            return 1
        fi
        sleep 0.2
    done
}

# stat_is JQ_EXPR VALUE: the broker's stats --json at JQ_EXPR equals VALUE.
stat_is() { [ "$(ctl stats --json | jq -r "$1")" = "$2" ]; }

pass() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

finish() {
    echo "$PASSES passed, $FAILS failed"
    [ $FAILS -eq 0 ]
}
