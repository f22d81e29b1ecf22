#!/usr/bin/env bash
# §11.3: the audit trail is tamper-evident end to end. Truncation is
# detected, not only alteration: state rows carry the chain's head when they
# were written, sites keep the latest signed checkpoint as witnesses, and
# verify exits 0 only when it authenticated the chain with the broker's key.
source "$(dirname "$0")/../integration/lib.sh"
TAMPER="$(dirname "$BIN")/tests/audit_tamper"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
echo '{"audit": {"checkpoint_interval_s": 1}}' >"$WORK/broker.json"
start_broker --config "$WORK/broker.json"
start_adapter alpha --replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
wait_for 30 "the alert's command answered" stat_is .commands.answered 1
ctl case note 1 "checked by hand" >/dev/null
# A checkpoint every second while entries are added; the site keeps the newest.
wait_for 20 "alpha witnessed a checkpoint" test -s "$WORK/alpha/audit-witness.json"
sleep 2.5 # let the last interval checkpoint after the note reach alpha with a heartbeat
witnessed=$(jq .checkpoint.seq "$WORK/alpha/audit-witness.json")
online=$(ctl audit verify --witness "$WORK/alpha" --json)
check "§11.3: online, the chain verifies, authenticated, with alpha's witness" \
    jq -e '.ok and .authenticated and .witnesses == 1 and .state_rows_checked > 0' <<<"$online"
interval_checkpoints=$(ctl audit export | jq -s '[.[] | select(.kind == "audit.checkpoint" and .details.reason == "interval")] | length')
check "§11.3: checkpoints are written on the interval, not only every 1000 entries ($interval_checkpoints)" \
    [ "$interval_checkpoints" -ge 1 ]

kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
kill "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
verify() { "$BIN/fedsoarctl" audit verify --keys "$KEYS" --state-dir "$@"; }
rc_of() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; echo $rc; }
check "§11.3: offline with keys and witness: intact, exit 0" [ "$(rc_of verify "$WORK/broker" --witness "$WORK/alpha")" = 0 ]
check "§11.3: the stop was checkpointed (nothing unsigned at the end)" \
    bash -c "'$BIN/fedsoarctl' audit verify --keys '$KEYS' --state-dir '$WORK/broker' | grep -q '0 entries after it'"

# Cut the chain back to seq 5 and rewrite the head row: a consistent chain,
# all hashes and the head agree; the case, run and approval rows do not.
cp -r "$WORK/broker" "$WORK/cut-rows"
"$TAMPER" "$WORK/cut-rows" cut 5
out=$(verify "$WORK/cut-rows" 2>&1) || true
check "§11.3: a cut tail with a rewritten head is caught by the state rows (exit 1)" \
    bash -c "[ $(rc_of verify "$WORK/cut-rows") = 1 ] && grep -Eq 'BROKEN .*(case|run|approval|governance row) .* chain ends at seq 5' <<<'$out'"

# Cut just before the checkpoint alpha witnessed: no state row was written
# after it, so only the witness can tell.
cp -r "$WORK/broker" "$WORK/cut-witness"
"$TAMPER" "$WORK/cut-witness" cut $((witnessed - 1))
check "§11.3: without the witness that cut passes the row check" [ "$(rc_of verify "$WORK/cut-witness")" = 0 ]
out=$(verify "$WORK/cut-witness" --witness "$WORK/alpha" 2>&1) || true
check "§11.3: with alpha as witness the cut is caught (exit 1)" \
    bash -c "[ $(rc_of verify "$WORK/cut-witness" --witness "$WORK/alpha") = 1 ] && grep -q 'site alpha witnessed a checkpoint at seq $witnessed' <<<'$out'"

# Past signed checkpoints: cut to the start checkpoint (seq 2).
cp -r "$WORK/broker" "$WORK/cut-deep"
"$TAMPER" "$WORK/cut-deep" cut 2
check "§11.3: a cut past signed checkpoints is caught" [ "$(rc_of verify "$WORK/cut-deep" --witness "$WORK/alpha")" = 1 ]

# A fully rewritten chain (every hash recomputed) without the broker's key.
cp -r "$WORK/broker" "$WORK/rewritten"
"$TAMPER" "$WORK/rewritten" rehash 3
mkdir -p "$WORK/nokeys"
rc=0
out=$("$BIN/fedsoarctl" audit verify --keys "$WORK/nokeys" --state-dir "$WORK/rewritten" 2>&1) || rc=$?
check "§11.3: without the broker's public key: exit 1, 'consistent but not authenticated'" \
    [ "$rc:$(grep -c 'consistent but not authenticated' <<<"$out")" = 1:1 ]
check "§11.3: with the key, the rewrite is refused" [ "$(rc_of verify "$WORK/rewritten")" = 1 ]
check "§11.3: a witness dir without a witness file is a usage/I-O error (exit 2)" \
    [ "$(rc_of verify "$WORK/broker" --witness "$WORK/nokeys")" = 2 ]
finish
