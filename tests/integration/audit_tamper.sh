#!/usr/bin/env bash
# The audit chain (docs/governance.md "Audit chain"): a real broker and site
# write it; then, with the broker stopped, each kind of tampering is done
# directly in the LMDB file (tests/tools/audit_tamper.c) on a fresh copy,
# and `fedsoarctl audit verify --state-dir` must find it and name the seq.
source "$(dirname "$0")/lib.sh"
TAMPER="$(dirname "$BIN")/tests/audit_tamper"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,ana:analyst >/dev/null
start_broker
start_adapter alpha --replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
wait_for 30 "the alert's command answered" stat_is .commands.answered 1
ctl case note 1 "checked by hand" >/dev/null

online=$(ctl audit verify --json)
check "online: the chain verifies" jq -e '.ok and .entries > 5 and .checkpoints >= 1' <<<"$online"
export_lines=$(ctl audit export)
check "export: one JSON line per entry, in order" bash -c "jq -se 'map(.seq) == [range(1; length + 1)]' <<<'$export_lines' >/dev/null"
check "export --since skips what was read" [ "$(ctl audit export --since 3 | head -1 | jq .seq)" = 4 ]
check "the case, its run, the command, the response, the site and the note are all there" \
    bash -c "jq -se '[.[].kind] as \$k | all(\"broker.start\", \"site.hello\", \"case.opened\", \"run.status\", \"case.command\", \"case.response\", \"case.updated\"; . as \$x | \$k | index(\$x))' <<<'$export_lines' >/dev/null"
check "the note names its operator as actor" bash -c "jq -se 'any(.[]; .kind == \"case.updated\" and .actor == \"operator:admin\")' <<<'$export_lines' >/dev/null"
check "an analyst may not read the audit log" bash -c "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator ana audit verify 2>&1 | grep -q intact"

kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
verify() { "$BIN/fedsoarctl" audit verify --state-dir "$1" --keys "$KEYS"; }
check "offline: the stopped broker's chain verifies, ending in a signed checkpoint" \
    bash -c "'$BIN/fedsoarctl' audit verify --state-dir '$WORK/broker' --keys '$KEYS' | grep -q 'intact.*0 entries after it'"
n=$("$TAMPER" "$WORK/broker" count)
mid=$((n / 2))
# tamper OP SEQ EXPECTED_SEQ REGEX
tamper() {
    local op=$1 seq=$2 want=$3 re=$4 d="$WORK/t-$1"
    cp -r "$WORK/broker" "$d"
    "$TAMPER" "$d" "$op" $seq
    local out rc=0
    out=$(verify "$d") || rc=$?
    check "$op: detected (exit 1), at seq $want: $re" bash -c "[ $rc = 1 ] && grep -Eq 'BROKEN at seq $want: .*($re)' <<<'$out'"
}
tamper alter "$mid" "$mid" "altered"
tamper remove "$mid" "$mid" "removed"
# the forged entry itself is consistent; the one after it no longer is
tamper insert "$mid" "$((mid + 2))" "moved|inserted|reordered"
tamper swap "$mid" "$mid" "moved|inserted|reordered"
tamper truncate "" "$n" "removed from the end"
# a chain rewritten after the change: only the signed checkpoint can tell
tamper rehash "$mid" "[0-9]+" "checkpoint"
check "without the broker's public key the rewrite is noticed only as unsigned" \
    bash -c "'$BIN/fedsoarctl' audit verify --state-dir '$WORK/t-rehash' --keys '$WORK/nokeys' 2>&1 | grep -q 'not checked'"
check "a bad state dir is a clear error (exit 2)" bash -c "'$BIN/fedsoarctl' audit verify --state-dir '$WORK/none' --keys '$KEYS'; [ \$? = 2 ]"
finish
