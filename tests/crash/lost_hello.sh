#!/usr/bin/env bash
# A broker killed with the site's HELLO unread: the adapter's DEALER
# reconnects to the restarted broker by itself, but that broker never saw
# the HELLO and answers each HEARTBEAT with ERROR hello_first. The site must
# say HELLO again. It used to wait for a WELCOME for ever, since each ERROR
# counted as the broker being alive (crash_runs_kill9 once hung this way in
# CI). forgetful_broker.py drops the first two HELLOs, so the site has to
# recover twice, and exits 0 once the welcomed site sends a HEARTBEAT.
source "$(dirname "$0")/../integration/lib.sh"
/usr/bin/python3 -c 'import zmq, nacl' 2>/dev/null || {
    echo "missing python3-zmq or python3-nacl (deploy/bootstrap installs them)"
    exit 1
}
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha >/dev/null
/usr/bin/python3 "$SRC/tests/crash/forgetful_broker.py" --keys "$KEYS" --listen "$SITE_EP" \
    --drop 2 --timeout 30 >>"$WORK/forgetful_broker.log" 2>&1 &
BROKER=$!
PIDS+=("$BROKER")
start_adapter alpha
rc=0
wait "$BROKER" || rc=$?
check "the site said HELLO again after each lost one and was welcomed" [ "$rc" = 0 ]
check "the first two HELLOs were lost" [ "$(grep -c 'dropped' "$WORK/forgetful_broker.log")" = 2 ]
check "each HELLO after a lost one answered an ERROR hello_first" \
    [ "$(grep -c 'ERROR hello_first' "$WORK/forgetful_broker.log")" = 2 ]
check "the site logged each ERROR" [ "$(grep -c 'event=broker_error' "$WORK/alpha.log")" = 2 ]
finish
