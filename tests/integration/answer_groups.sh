#!/usr/bin/env bash
# Answers (RESPONSE) waiting together are stored in one transaction (issue
# 19: one fdatasync for many); one bad answer in such a group costs the
# others nothing: the group is stored again one answer at a time, the bad
# ones are answered with their ERROR, the good ones wake their runs.
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
    grep -q 'event=answers_stored count=5 in=one_each' "$WORK/broker.log"

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
    grep -q 'event=answers_stored count=3 in=one_transaction' "$WORK/broker.log"
finish
