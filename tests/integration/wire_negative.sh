#!/usr/bin/env bash
# docs/protocol.md §3–§5: hostile or broken peers are refused, each with the
# clause it breaks, while the broker keeps serving a well-behaved site.
source "$(dirname "$0")/lib.sh"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
probe() { "$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" "$@" || true; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker
python3 - "$WORK/flows.json" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(200):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.000000+0000", "flow_id": i, "event_type": "flow",
                            "src_ip": "10.0.0.%d" % (i % 250 + 1), "src_port": 1000 + i, "dest_ip": "192.0.2.1",
                            "dest_port": 443, "proto": "TCP", "flow": {"pkts_toserver": 1, "pkts_toclient": 1,
                            "bytes_toserver": 60, "bytes_toclient": 60, "start": "2026-11-20T10:00:00.000000+0000",
                            "end": "2026-11-20T10:00:01.000000+0000", "state": "closed", "reason": "timeout"}}) + "\n")
PY
start_adapter beta
wait_for 20 "beta connected" stat_is '.connected_sites | index("beta") != null' true

HELLO_ALPHA='{"site":"alpha","protocol":"FSP/1","epoch":"probe1"}'
r=$(probe --as random FSP/1 HELLO "$HELLO_ALPHA")
check "§2: an unknown CURVE key is refused at the handshake" [ "$r" = "NO REPLY" ]
r=$(probe --as none FSP/1 HELLO "$HELLO_ALPHA")
check "§2: a client without CURVE is refused" [ "$r" = "NO REPLY" ]
r=$(probe --as sites:alpha FSP/1 HELLO '{"site":"beta","protocol":"FSP/1","epoch":"probe1"}')
check "§5.1: alpha's key claiming site beta is refused" grep -q '^ERROR .*§5.1' <<<"$r"
check "§5.1: the impersonation is logged" grep -q 'event=site_impersonation_refused key_site=alpha claimed_site=beta' "$WORK/broker.log"
r=$(probe --as operators:admin FSP/1 HELLO "$HELLO_ALPHA")
check "§2: an operator key is refused at the handshake on the site socket" [ "$r" = "NO REPLY" ]
check "§2: the refusal is logged with the key's fingerprint" \
    grep -qE 'event=handshake_refused reason="an operator key on the site socket" socket=sites key=[0-9a-f]{16} holder=admin' "$WORK/broker.log"
r=$(probe --as sites:alpha FSP/2 HELLO "$HELLO_ALPHA")
check "§3.2: wrong version is refused" grep -q '^ERROR .*§3.2' <<<"$r"
r=$(probe --as sites:alpha FSP/1 TELEPORT '{}')
check "§3.3: unknown type is refused" grep -q '^ERROR .*§3.3' <<<"$r"
r=$(probe --as sites:alpha FSP/1 HELLO '{"site":"alpha",')
check "§3.4: a body that is not JSON is refused" grep -q '^ERROR .*§3.4' <<<"$r"
r=$(probe --as sites:alpha FSP/1 HELLO '{"site":"alpha","site":"beta"}')
check "§3.4: duplicate keys are refused" grep -q '^ERROR .*§3.4' <<<"$r"
r=$(probe --as sites:alpha FSP/1 ACK '{}' extra)
check "§3.1: extra frames on a non-EVENTS message are refused" grep -q '^ERROR .*§3.1' <<<"$r"
r=$(probe --as sites:alpha FSP/1 EVENTS '{"epoch":"e","first_seq":1,"classes":[4001]}' '{}')
check "§5.2: EVENTS before HELLO is refused" grep -q '^ERROR .*HELLO first' <<<"$r"
r=$(probe --as sites:alpha FSP/1 HELLO '{"site":"alpha","protocol":"FSP/0","epoch":"x"}')
check "§5.1: a HELLO with another protocol version is refused" grep -q '^ERROR .*§5.1' <<<"$r"
r=$(probe --as sites:alpha FSP/1 HELLO "#2000000")
check "§4: an oversized frame is dropped by the transport" [ "$r" = "NO REPLY" ]
r=$(probe --as sites:alpha FSP/1 COMMAND '{}')
check "§5.2: a message sites do not send is refused" grep -q '^ERROR' <<<"$r"
r=$(probe --as sites:alpha FSP/1 HELLO "$HELLO_ALPHA")
check "§5.1: a correct HELLO still gets WELCOME after all that" grep -q '^WELCOME .*"last_seq":0' <<<"$r"
EV='{"class_uid":4001,"site":"alpha"}'
r=$(probe --as sites:alpha FSP/1 HELLO "$HELLO_ALPHA" --- FSP/1 EVENTS '{"epoch":"probe1","first_seq":5,"classes":[4001]}' "$EV" \
          --- FSP/1 EVENTS '{"epoch":"probe1","first_seq":1,"classes":[4001,4001]}' "$EV" "$EV" \
          --- FSP/1 EVENTS '{"epoch":"probe1","first_seq":2,"classes":[4001,4001]}' "$EV" "$EV")
check "§5.3: a batch that skips sequence numbers is refused: nothing stored, RESEND from 1 (an ACK of upto 0)" \
    grep -q '^ACK {"epoch":"probe1","upto":0,"resend_from":1,"first_seq":5,.*"reason":"§5.3: sequence gap: expected first_seq 1, got 5"' <<<"$r"
check "§5.3: the in-order batch is stored and ACKed" grep -q '^ACK {"epoch":"probe1","upto":2}' <<<"$r"
check "§5.3: an overlapping resend is ACKed, only the new event stored" grep -q '^ACK {"epoch":"probe1","upto":3}' <<<"$r"
check "§5.3: exactly 3 events of alpha stored" stat_is .events.per_site.alpha 3

r=$("$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as sites:alpha FSP/1 CONTROL '{"cmd":"stats"}' || true)
check "§6: a site key is refused at the handshake on the control socket" [ "$r" = "NO REPLY" ]
check "§6: the refusal is logged" grep -q 'event=handshake_refused reason="a site key on the control socket" socket=control' "$WORK/broker.log"
check "§2: refused handshakes are counted" bash -c "[ \$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq .handshakes.refused) -ge 4 ]"
r=$("$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as random FSP/1 CONTROL '{"cmd":"stats"}' || true)
check "§6: an unknown key cannot reach the control socket" [ "$r" = "NO REPLY" ]
r=$("$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as operators:admin FSP/1 CONTROL '{"cmd":"drop_tables"}' || true)
check "§6: an unknown control command is refused by name" grep -q 'unknown control command \\"drop_tables\\"' <<<"$r"
check "sites shows protocol and connection" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites | grep -E '^beta +connected +(ok|degraded) +FSP/1'"

# The well-behaved site was served throughout.
"$BIN/fedsoar-adapter" --site beta --state-dir "$WORK/beta-replay" --keys "$KEYS" --broker "$SITE_EP" \
    --replay "suricata.eve:$WORK/flows.json" >>"$WORK/beta2.log" 2>&1 &
PIDS+=($!)
wait_for 20 "beta's 200 events" stat_is .events.per_site.beta 200
check "beta's events were all stored while the broker was under attack" stat_is .events.per_site.beta 200
check "the broker still answers operators" stat_is '.connected_sites | index("beta") != null' true
finish
