#!/usr/bin/env bash
# Answers (RESPONSE) and EVENTS batches waiting together are stored in one
# transaction (issue 19: one fdatasync for many); one bad message in such a
# group costs the others nothing: the group is handled again one message
# at a time, the bad answers are answered with their ERROR, a batch past a
# sequence gap with its RESEND, the good ones are stored and ACKed.
# Speaks FSP/1 with alpha's real key (tests/tools/fsp_probe, --burst sends
# every message at once; a large EVENTS batch first keeps the broker busy
# while the answers arrive, so they wait together).
source "$(dirname "$0")/lib.sh"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
PROBE_WAIT=$([ "${FEDSOAR_SANITIZED:-0}" = 1 ] && echo 8000 || echo 2000)

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --log-level debug
wait_for 20 "broker up" ctl stats

HELLO='{"site":"alpha","protocol":"FSP/1","epoch":"EPOCH","capabilities":{"versions":["1.0"],"pairs":{"deny":["ipv4_net"]}}}'
hello() { sed "s/EPOCH/$1/" <<<"$HELLO"; }
# A Detection Finding from an external address: the shipped
# contain-external-attacker playbook journals a deny for alpha.
finding() { # UID IP
    printf '{"class_uid":2004,"category_uid":2,"activity_id":1,"type_uid":200401,"severity_id":5,"time":1767254400000,'
    printf '"site":"alpha","source":"crowdstrike.alert","metadata":{"uid":"%s","product":{"name":"x"},"version":"1.8.0"},' "$1"
    printf '"finding_info":{"uid":"%s","title":"answer groups"},"evidences":[{"src_endpoint":{"ip":"%s"}}],"observables":[{"name":"src_endpoint.ip","type_id":2,"value":"%s"}]}' "$1" "$2" "$2"
}
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" FSP/1 HELLO "$(hello e1)" \
    --- FSP/1 EVENTS '{"epoch":"e1","first_seq":1,"classes":[2004,2004,2004]}' \
    "$(finding g-1 203.0.113.71)" "$(finding g-2 203.0.113.72)" "$(finding g-3 203.0.113.73)" >"$WORK/first.out" || true
check "three findings acknowledged" grep -q '^ACK {"epoch":"e1","upto":3}' "$WORK/first.out"
wait_for 20 "three commands journaled for alpha" stat_is .commands.total 3
mapfile -t CIDS < <(ctl case list --json | jq -r '.[].id' | while read -r id; do
    ctl case show "$id" --json | jq -r '.commands[] | select(.site == "alpha") | .command_id'
done | sort)
check "each finding's deny has its command id" [ "${#CIDS[@]}" = 3 ]

# 4,000 telemetry events in four batches (tens of ms to store), then five
# answers in a row: two good, one without a command id, one for no command,
# one good.
telemetry() { # EPOCH UID_PREFIX: the four EVENTS messages as fsp_probe arguments
    python3 - "$@" <<'PY'
import json, sys
epoch, prefix = sys.argv[1], sys.argv[2]
for batch in range(4):
    print("---", "FSP/1", "EVENTS", json.dumps({"epoch": epoch, "first_seq": batch * 1000 + 1, "classes": [4001] * 1000}), sep="\n")
    for i in range(1000):
        print(json.dumps({"class_uid": 4001, "site": "alpha", "source": "t", "metadata": {"uid": "%s%d" % (prefix, batch * 1000 + i)}}))
PY
}
mapfile -t frames < <(telemetry e2 t)
answer() { printf '{"command_id":"%s","response":{"status":200,"status_text":"done"}}' "$1"; }
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" --burst 1 \
    FSP/1 HELLO "$(hello e2)" \
    "${frames[@]}" \
    --- FSP/1 RESPONSE "$(answer "${CIDS[0]}")" \
    --- FSP/1 RESPONSE "$(answer "${CIDS[1]}")" \
    --- FSP/1 RESPONSE '{"response":{"status":200}}' \
    --- FSP/1 RESPONSE "$(answer no-such-command)" \
    --- FSP/1 RESPONSE "$(answer "${CIDS[2]}")" >"$WORK/burst.out" || true

check "the telemetry batches are acknowledged" grep -q '^ACK {"epoch":"e2","upto":4000}' "$WORK/burst.out"
check "the answer without a command id gets its ERROR" \
    grep -q 'ERROR .*RESPONSE needs \\"command_id\\"' "$WORK/burst.out"
check "the answer for no command gets its ERROR, naming it" \
    grep -q 'ERROR .*RESPONSE for unknown command no-such-command' "$WORK/burst.out"
check "exactly two ERRORs" [ "$(grep -c '^ERROR' "$WORK/burst.out")" = 2 ]
wait_for 20 "the three good answers stored" stat_is .commands.answered 3
for cid in "${CIDS[@]}"; do
    run=$(ctl case list --json | jq -r '.[].id' | while read -r id; do
        ctl case show "$id" --json | jq -r --arg c "$cid" '.timeline[] | select(.kind == "response" and .command_id == $c) | .run_id'
    done)
    check "the answer to $cid is on its case's timeline, once" [ "$(wc -w <<<"$run")" = 1 ]
    check "its run ($run) completed" [ "$(ctl runs show "$run" --json | jq -r .status)" = completed ]
done
# The answers waited together behind the batch: the group of five was tried
# in one transaction, refused as a whole because of the two bad ones, and
# stored one answer at a time.
check "the five answers were grouped, then stored one at a time" \
    grep -Eq 'event=site_messages_stored count=[56] batches=[01] answers=5 in=one_each' "$WORK/broker.log"
# What the refused group did was rolled back, and so are its log lines:
# each answer is logged once, by the transaction that stored it.
for cid in "${CIDS[@]}"; do
    check "the answer to $cid is logged once" \
        [ "$(grep -c "event=command_answered command_id=$cid " "$WORK/broker.log")" = 1 ]
done

# Good answers only: one transaction. Three new findings, three answers.
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" FSP/1 HELLO "$(hello e3)" \
    --- FSP/1 EVENTS '{"epoch":"e3","first_seq":1,"classes":[2004,2004,2004]}' \
    "$(finding g-4 203.0.113.74)" "$(finding g-5 203.0.113.75)" "$(finding g-6 203.0.113.76)" >/dev/null || true
wait_for 20 "six commands journaled" stat_is .commands.total 6
mapfile -t NEW < <(ctl case list --json | jq -r '.[].id' | while read -r id; do
    ctl case show "$id" --json | jq -r '.commands[] | select(.site == "alpha") | .command_id'
done | sort | comm -23 - <(printf '%s\n' "${CIDS[@]}"))
check "three new command ids" [ "${#NEW[@]}" = 3 ]
mapfile -t more < <(telemetry e4 u)
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" --burst 1 \
    FSP/1 HELLO "$(hello e4)" \
    "${more[@]}" \
    --- FSP/1 RESPONSE "$(answer "${NEW[0]}")" \
    --- FSP/1 RESPONSE "$(answer "${NEW[1]}")" \
    --- FSP/1 RESPONSE "$(answer "${NEW[2]}")" >"$WORK/good.out" || true
check "no ERROR for three good answers" [ "$(grep -c '^ERROR' "$WORK/good.out")" = 0 ]
wait_for 20 "all six answers stored" stat_is .commands.answered 6
check "the three good answers were stored in one transaction" \
    grep -Eq 'event=site_messages_stored count=[34] batches=[01] answers=3 in=one_transaction' "$WORK/broker.log"

# EVENTS batches waiting together: behind a batch of 1,000 (a group of its
# own: at most 1,000 events join one), three batches of one event each are
# stored in one transaction, each ACKed after it.
small() { # EPOCH SEQ UID
    printf -- '---\nFSP/1\nEVENTS\n{"epoch":"%s","first_seq":%s,"classes":[4001]}\n' "$1" "$2"
    printf '{"class_uid":4001,"site":"alpha","source":"t","metadata":{"uid":"%s"}}\n' "$3"
}
mapfile -t big < <(telemetry e5 v | head -n 1004)
mapfile -t three < <(small e5 1001 w1; small e5 1002 w2; small e5 1003 w3)
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" --burst 1 \
    FSP/1 HELLO "$(hello e5)" "${big[@]}" "${three[@]}" >"$WORK/batches.out" || true
for upto in 1000 1001 1002 1003; do
    check "batch up to $upto ACKed" grep -q "^ACK {\"epoch\":\"e5\",\"upto\":$upto}" "$WORK/batches.out"
done
check "the three small batches were stored in one transaction" \
    grep -q 'event=site_messages_stored count=3 batches=3 answers=0 in=one_transaction' "$WORK/broker.log"

# A batch past a gap in such a group: the group is tried, refused as a
# whole, and each batch handled alone: the two in order are stored and
# ACKed, the third gets its RESEND from where the site must start again.
mapfile -t big < <(telemetry e6 x | head -n 1004)
mapfile -t three < <(small e6 1001 y1; small e6 1002 y2; small e6 1010 y3)
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:alpha --wait "$PROBE_WAIT" --burst 1 \
    FSP/1 HELLO "$(hello e6)" "${big[@]}" "${three[@]}" >"$WORK/gap.out" || true
check "the two batches in order ACKed" \
    grep -q '^ACK {"epoch":"e6","upto":1002}' "$WORK/gap.out"
check "the batch past the gap gets its RESEND from 1003" \
    grep -q '^ACK {"epoch":"e6","upto":1002,"resend_from":1003' "$WORK/gap.out"
check "that group was tried, then handled one batch at a time" \
    grep -q 'event=site_messages_stored count=3 batches=3 answers=0 in=one_each reason=".*sequence gap' "$WORK/broker.log"
# (the aborted group kept nothing: stored alone, each is new; e5's and e6's)
check "each of the two good batches stored by its own transaction, and logged once" \
    [ "$(grep -Ec 'event=events_stored site=alpha first=100[12] count=1 new=1 duplicates=0' "$WORK/broker.log")" = 4 ]
finish
