#!/usr/bin/env bash
# Signed playbook governance (docs/governance.md), with real daemons: submit,
# N-of-M Ed25519 approvals (author, duplicate, invalid, revoked signatures
# refused), per-site activation, shadow mode (recorded, nothing sent),
# compare, rollback, and that no secret reaches a log or the audit export.
source "$(dirname "$0")/lib.sh"
require_tool cmp diff
SAMPLE="$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
PB="$SRC/playbooks/library/contain-external-attacker.json"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta \
    --operators admin,alice:approver,bob:approver,carol:approver,dave:approver,ana:analyst >/dev/null
cat >"$WORK/broker.json" <<JSON
{"governance": {"quorum": 2, "members": ["alice", "bob", "carol", "dave"], "revoked": ["dave"]}}
JSON
mkdir -p "$WORK/empty"
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
event() { # N: a distinct copy of the demo alert (the adapter takes each content once)
    jq --arg n "$1" '.resources[0].composite_id += "-" + $n | .resources[0].id += "-" + $n' "$SAMPLE" >"$WORK/alert-$1.json"
    echo "crowdstrike.alert:$WORK/alert-$1.json"
}
adapter_pid=
alert() { # N: replay alert N at alpha (restarting the adapter)
    [ -n "$adapter_pid" ] && { kill "$adapter_pid"; wait "$adapter_pid" 2>/dev/null || true; }
    start_adapter alpha --replay "$(event "$1")"
    adapter_pid=$ADAPTER_PID_alpha
}
denies() { [ -f "$WORK/alpha/record-only.jsonl" ] && grep -c '"deny"' "$WORK/alpha/record-only.jsonl" || echo 0; }

start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats

# --- submit and sign ------------------------------------------------------------
out=$(as ana playbook submit "$PB")
v1=$(sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p' <<<"$out")
check "an analyst submits a version: in review" grep -q "in review" <<<"$out"
check "the version is the SHA-256 of the canonical playbook" \
    [ "$v1" = "$("$BIN/fedsoarctl" playbook validate "$PB" | sed -n 's/.*version \([0-9a-f]*\).*/\1/p')" ]
check "the same version cannot be submitted twice" bash -c "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator ana playbook submit '$PB' 2>/dev/null"
check "an analyst may not approve" bash -c "as() { '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator \"\$@\"; }; as ana playbook approve ${v1:0:12} 2>&1 | grep -q 'needs role approver'"
check "alice signs: 1 of 2, still in review" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator alice playbook approve ${v1:0:12} | grep -q 'in_review (1 valid'"
check "a duplicate signature is refused" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator alice playbook approve ${v1:0:12} 2>&1 | grep -q 'duplicate signature'"
check "a revoked member's signature is refused" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator dave playbook approve ${v1:0:12} 2>&1 | grep -q 'revoked'"
# bob's CURVE key, but a signing key that is not his: the signature cannot verify
cp -r "$KEYS" "$WORK/forged"
cp "$KEYS/operators/carol.sign.pem" "$WORK/forged/operators/bob.sign.pem"
check "an invalid signature is refused" bash -c "'$BIN/fedsoarctl' --keys '$WORK/forged' --control '$CTL_EP' --operator bob playbook approve ${v1:0:12} 2>&1 | grep -q 'does not verify'"
mv "$KEYS/signing/operators/carol.sign.pub.pem" "$WORK/carol.pub"
check "a member whose public key was removed is refused" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator carol playbook approve ${v1:0:12} 2>&1 | grep -q 'unknown or revoked'"
mv "$WORK/carol.pub" "$KEYS/signing/operators/carol.sign.pub.pem"
check "an unapproved version cannot be activated" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook activate ${v1:0:12} --site alpha 2>&1 | grep -q 'only approved'"
check "bob signs: approved" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator bob playbook approve ${v1:0:12} | grep -q 'now approved'"

# --- nothing runs until activated, then only where activated -----------------------
alert 1
wait_for 30 "alert 1 stored" stat_is .events.total 1
sleep 1
check "approved but not active: no run" [ "$(ctl runs list --json | jq length)" = 0 ]
check "activate v1 at alpha" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook activate ${v1:0:12} --site alpha | grep -q 'active at alpha'"
alert 2
wait_for 30 "v1 ran at alpha" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.status==\"completed\")] | length')\" = 1 ]"
wait_for 10 "the deny reached alpha" bash -c "[ \$(grep -c '\"deny\"' '$WORK/alpha/record-only.jsonl') = 1 ]"

# --- v2 in shadow at alpha: recorded, nothing sent ----------------------------------
jq '.title = "Block the external address (v2: also note it)" | .steps[0].case.note = "v2 shadow note"' "$PB" >"$WORK/v2.json"
v2=$(as alice playbook submit "$WORK/v2.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
check "the author cannot approve their own version" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator alice playbook approve ${v2:0:12} 2>&1 | grep -q 'author'"
check "diff shows what changed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook diff ${v1:0:12} ${v2:0:12} | grep -q '^+ \$.steps\[0\].case.note: \"v2 shadow note\"'"
as bob playbook approve "${v2:0:12}" >/dev/null
check "a rejection needs a reason" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator carol playbook reject ${v2:0:12} 2>&1 | grep -q usage"
as carol playbook approve "${v2:0:12}" >/dev/null
check "v2 approved by bob and carol" [ "$(ctl playbook history contain-external-attacker --json | jq -r --arg v "$v2" '.versions[] | select(.version==$v) | .state')" = approved ]
check "activate v2 in shadow at alpha" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook activate ${v2:0:12} --site alpha --shadow | grep -q 'shadow mode'"
alert 3
wait_for 30 "live and shadow runs of alert 3" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.status==\"completed\")] | length')\" = 3 ]"
sleep 1
check "the shadow run sent nothing: one more deny, from the live run" [ "$(denies)" = 2 ]
check "the shadow note was not written to the case" bash -c "! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case show 1 --json | grep -q 'v2 shadow note'"
cmp=$(ctl playbook compare contain-external-attacker --json)
check "compare: the shadow decisions beside the live version's" \
    jq -e --arg v2 "$v2" --arg v1 "$v1" '.events[0].shadow.version == $v2 and .events[0].live.version == $v1 and (.events[0].shadow.decisions | any(.kind=="command" and .action=="deny")) and (.events[0].live.decisions | any(.kind=="command" and .action=="deny"))' <<<"$cmp"
check "compare: the shadow's extra note is the difference" jq -e '.events[0].same == false and (.events[0].shadow.decisions | any(.kind=="case" and .fields.note=="v2 shadow note"))' <<<"$cmp"
check "compare prints both sides" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook compare contain-external-attacker | grep -q 'DIFFERENT'"

# --- go live, roll back -----------------------------------------------------------------
as admin playbook activate "${v2:0:12}" --site alpha >/dev/null
check "v2 live at alpha, v1 no longer" [ "$(ctl playbook history contain-external-attacker --json | jq -c '[.versions[] | .sites.alpha]')" = '[null,"active"]' ]
check "rollback re-activates v1 at once" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook rollback --site alpha | grep -q \"rolled back to version ${v1:0:12}\""
alert 4
wait_for 30 "alert 4 ran on v1" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e --arg v '$v1' '[.[] | select(.version==\$v and (.shadow|not))] | length == 2'"
check "nothing to roll back to any more" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook rollback --site alpha 2>&1 | grep -q 'nothing to roll back'"
check "beta runs nothing: nothing is active there" [ "$(ctl runs list --json | jq '[.[] | select(.playbook != "contain-external-attacker")] | length')" = 0 ]
check "an active version cannot be retired" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook retire ${v1:0:12} 2>&1 | grep -q 'still in use'"
check "v2 (replaced) can be retired" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' playbook retire ${v2:0:12} | grep -q retired"

# --- the audit log has it all; no secret anywhere --------------------------------------
ctl audit export >"$WORK/audit.jsonl"
check "audit: submit, approve (with signatures), activate, rollback, retire" \
    jq -se '[.[].kind] as $k | all("playbook.submit", "playbook.approve", "playbook.activate", "playbook.rollback", "playbook.retire", "shadow.playbook"; . as $x | $k | index($x))' "$WORK/audit.jsonl"
check "audit chain intact" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' audit verify | grep -q intact"
kill "$adapter_pid"; kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true
leaks=0
for f in "$KEYS"/operators/*.sign.pem "$KEYS"/broker.sign.pem; do
    body=$(grep -v -- '-----' "$f" | tr -d '\n')
    grep -qF "$body" "$WORK"/*.log "$WORK/audit.jsonl" && { echo "secret of $f leaked"; leaks=1; }
done
for f in "$KEYS"/operators/*.cert_secret "$KEYS"/broker.cert_secret "$KEYS"/sites/*.cert_secret; do
    sk=$(sed -n 's/.*secret-key = "\(.*\)"/\1/p' "$f")
    grep -qF -- "$sk" "$WORK"/*.log "$WORK/audit.jsonl" && { echo "secret of $f leaked"; leaks=1; }
done
check "no private key (Ed25519 or CURVE) appears in any log or the audit export" [ $leaks = 0 ]
check "no PEM private key block anywhere" bash -c "! grep -q 'PRIVATE KEY' '$WORK'/*.log '$WORK/audit.jsonl'"
finish
