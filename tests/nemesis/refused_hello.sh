#!/usr/bin/env bash
# A broker that answers but refuses this site (a copy restored with an older
# key store, a broker of another federation at a reused address): each
# HELLO gets ERROR identity and each HEARTBEAT ERROR hello_first. The site
# must leave it after the liveness timeout for the next endpoint of
# --broker A,B, as it leaves a silent one (docs/protocol.md §5.5). It used to
# count each ERROR as the broker being alive and, saying HELLO again on each
# hello_first, stayed with A for ever. A is forgetful_broker.py --refuse;
# B is a real broker.
source "$(dirname "$0")/../integration/lib.sh"
/usr/bin/python3 -c 'import zmq, nacl' 2>/dev/null || {
    echo "missing python3-zmq or python3-nacl (deploy/bootstrap installs them)"
    exit 1
}
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
A_EP="tcp://127.0.0.1:$(free_port)"
/usr/bin/python3 "$SRC/tests/crash/forgetful_broker.py" --keys "$KEYS" --listen "$A_EP" \
    --refuse identity --timeout 60 >>"$WORK/a.log" 2>&1 &
PIDS+=($!)
start_broker # B, at SITE_EP
wait_for 20 "broker B answers" ctl stats --json
start_adapter alpha --broker "$A_EP,$SITE_EP"
check "the site left A, which refuses it, for B" \
    wait_for 30 "failover to B" grep -q "event=broker_failover site=alpha from=$A_EP to=$SITE_EP" "$WORK/alpha.log"
check "B welcomed the site" wait_for 20 "WELCOME from B" grep -q "event=connected site=alpha" "$WORK/alpha.log"
check "A saw the HELLO said again on its hello_first, at most one per second" \
    bash -c "n=\$(grep -c 'refused (identity)' '$WORK/a.log'); [ \$n -ge 2 ] && [ \$n -le 7 ]"
check "A was left as silent, after the liveness timeout" \
    grep -q "event=broker_silent site=alpha broker=$A_EP" "$WORK/alpha.log"
finish
