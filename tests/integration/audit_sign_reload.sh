#!/usr/bin/env bash
# The broker's audit checkpoint key (broker.sign.pem) is read once at start
# and held in memory; SIGHUP reads it again (docs/operations.md "Keys",
# docs/internals/federation.md). A real broker: its start checkpoint verifies
# with the first key; after the file is replaced and SIGHUP sent, the next
# checkpoint verifies with the new public key and not the old one; a broken
# file at SIGHUP keeps the key in use (sign_key_reload_failed, the file
# named) and checkpoints go on; the same broken file refuses the start.
source "$(dirname "$0")/lib.sh"
require_tool openssl base64

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
"$BIN/fedsoarctl" keys init "$WORK/next" --sites alpha --operators admin >/dev/null
cp "$KEYS/broker.sign.pub.pem" "$WORK/first.pub.pem"
echo '{"audit": {"checkpoint_interval_s": 1}}' >"$WORK/broker.json"
start_broker --config "$WORK/broker.json"
wait_for 30 "the broker answers" ctl stats --json

# The newest audit.checkpoint entry (one JSON line), from the running broker.
last_checkpoint() { ctl audit export | jq -c 'select(.kind == "audit.checkpoint")' | tail -n 1; }
checkpoint_after() { # checkpoint_after SEQ: a checkpoint newer than SEQ exists
    [ "$(last_checkpoint | jq -r '.seq // 0')" -gt "$1" ]
}
# signed_by CHECKPOINT PUB: its signature verifies with PUB over the payload
# casestore/audit.c signs (canonical: compact, keys sorted).
signed_by() {
    jq -jcS '.details | {type: "fedsoar-audit-checkpoint/1", upto_hash, upto_seq}' <<<"$1" >"$WORK/payload"
    jq -r '.details.signature' <<<"$1" | base64 -d >"$WORK/sig"
    openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$WORK/payload" -sigfile "$WORK/sig" >/dev/null 2>&1
}
not_signed_by() { ! signed_by "$@"; }

wait_for 30 "the start checkpoint" checkpoint_after 0
first=$(last_checkpoint)
check "the start checkpoint verifies with the first key" signed_by "$first" "$WORK/first.pub.pem"
check "... and not with the next one" not_signed_by "$first" "$WORK/next/broker.sign.pub.pem"

cp "$WORK/next/broker.sign.pem" "$KEYS/broker.sign.pem"
cp "$WORK/next/broker.sign.pub.pem" "$KEYS/broker.sign.pub.pem"
kill -HUP "$BROKER_PID"
wait_for 30 "sign_key_reloaded logged" grep -q "event=sign_key_reloaded" "$WORK/broker.log"
# SIGHUP writes broker.keys_reloaded, so an interval checkpoint follows.
wait_for 30 "a checkpoint after the reload" checkpoint_after "$(jq .seq <<<"$first")"
second=$(last_checkpoint)
check "after SIGHUP the checkpoint verifies with the new key" signed_by "$second" "$KEYS/broker.sign.pub.pem"
check "... and not with the first one" not_signed_by "$second" "$WORK/first.pub.pem"

echo "not a key" >"$KEYS/broker.sign.pem"
kill -HUP "$BROKER_PID"
wait_for 30 "sign_key_reload_failed logged" grep -q "event=sign_key_reload_failed" "$WORK/broker.log"
check "the failed reload names the file" grep -q "event=sign_key_reload_failed.*broker.sign.pem" "$WORK/broker.log"
wait_for 30 "a checkpoint after the failed reload" checkpoint_after "$(jq .seq <<<"$second")"
third=$(last_checkpoint)
check "after a failed reload the key in use still signs" signed_by "$third" "$KEYS/broker.sign.pub.pem"
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
rc=0
out=$(timeout 30 "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" \
    --control "$CTL_EP" 2>&1) || rc=$?
check "a broken broker.sign.pem refuses the start (exit $rc), naming the file" \
    bash -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'broker.sign.pem: not an Ed25519 private key' <<<'$out'"
finish
