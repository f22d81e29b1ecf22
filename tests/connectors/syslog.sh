#!/usr/bin/env bash
# The syslog source: CEF over UDP (one message per datagram) and TCP
# (newline-framed, several lines and a line split across writes) reaches the
# broker as events; lines that are not CEF go to the dead letters.
source "$(dirname "$0")/../integration/lib.sh"
CEF="$SRC/tests/fixtures/vendors/cef/mixed_headers.log" # 5 good lines, 2 bad on purpose
UPORT=$(free_port)
TPORT=$(free_port)
cat >"$WORK/alpha.json" <<JSON
{"sources": [{"name": "fw", "type": "syslog", "source_id": "cef", "udp": "127.0.0.1:$UPORT",
              "tcp": "127.0.0.1:$TPORT", "interval_s": 1}]}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
start_adapter alpha --config "$WORK/alpha.json"
wait_for 10 "the adapter listens on TCP" bash -c "exec 3<>/dev/tcp/127.0.0.1/$TPORT"

# UDP: the first two lines, one datagram each.
for n in 1 2; do sed -n "${n}p" "$CEF" >"/dev/udp/127.0.0.1/$UPORT"; done
wait_for 20 "two UDP messages stored" stat_is .events.total 2
# TCP: lines 3-7 on one connection; line 3 arrives in two writes.
exec 4<>"/dev/tcp/127.0.0.1/$TPORT"
l3=$(sed -n 3p "$CEF")
printf '%s' "${l3:0:40}" >&4
sleep 1.2
printf '%s\n' "${l3:40}" >&4
sed -n '4,7p' "$CEF" >&4
exec 4>&-
wait_for 20 "five events in all" stat_is .events.total 5
wait_for 10 "both bad lines dead-lettered" bash -c "[ \$(grep -c record_rejected '$WORK/alpha.log') = 2 ]"
sleep 1.5
check "exactly 5 events" stat_is .events.total 5
check "the dead letters are counted at the broker" [ "$(ctl sites --json | jq '.alpha.dead_letters')" = 2 ]
finish
