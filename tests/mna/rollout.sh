#!/usr/bin/env bash
# §15.7 Phased rollout as a plan the board runs (docs/governance.md "Phased
# rollout"), with real daemons: a playbook version goes observe -> shadow ->
# supervised -> automated at alpha (beta stays in observe); promotions are
# refused while a criterion fails (with its value), take effect only at the
# board's quorum of signatures, and refuse forged, mismatched and non-member
# signatures; in supervised an OpenC2 command waits for an approval, in
# automated it does not; one command rolls back; the audit chain verifies.
source "$(dirname "$0")/../integration/lib.sh"
require_tool openssl base64
SAMPLE="$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
PB="$SRC/playbooks/library/contain-external-attacker.json"
NAME=contain-external-attacker

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta \
    --operators admin,alice:approver,bob:approver,carol:approver,eve:approver,ana:analyst >/dev/null
cat >"$WORK/broker.json" <<JSON
{"governance": {"quorum": 2, "members": ["alice", "bob", "carol"]}}
JSON
mkdir -p "$WORK/empty"
# alpha's connectors: an analyzer (reads) and a responder (acts), stand-ins that log each call
standin() { # NAME KIND
    printf '{"name": "%s", "kind": "%s", "type": "exec", "command": ["%s/tests/fixtures/connectors/standin.sh"], "config": {"name": "%s", "log": "%s/calls.log"}}' \
        "$1" "$2" "$SRC" "$1" "$WORK"
}
echo "{\"connectors\": [$(standin lookup analyzer), $(standin notify responder)]}" >"$WORK/alpha.json"
calls() { if [ -f "$WORK/calls.log" ]; then grep -c "\"connector\":\"$1\"" "$WORK/calls.log" || true; else echo 0; fi; }
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
export -f as ctl; export BIN KEYS CTL_EP WORK
adapter_pid=
alert() { # N: a distinct copy of the demo alert, replayed at alpha
    jq --arg n "$1" '.resources[0].composite_id += "-" + $n | .resources[0].id += "-" + $n' "$SAMPLE" >"$WORK/alert-$1.json"
    [ -n "$adapter_pid" ] && { kill "$adapter_pid"; wait "$adapter_pid" 2>/dev/null || true; }
    start_adapter alpha --config "$WORK/alpha.json" --replay "crowdstrike.alert:$WORK/alert-$1.json"
    adapter_pid=$ADAPTER_PID_alpha
}
denies() { if [ -f "$WORK/alpha/record-only.jsonl" ]; then grep -c '"deny"' "$WORK/alpha/record-only.jsonl" || true; else echo 0; fi; }
completed() { ctl runs list --json | jq '[.[] | select(.status=="completed")] | length'; }
phase() { ctl rollout status $NAME --json | jq -r ".status.$1.phase"; }
open_gates() { ctl approvals list --json | jq '[.[] | select(.status=="open")] | length'; }
# sign PAYLOAD with MEMBER's Ed25519 key, as fedsoarctl does (base64 of the raw signature)
ossl_sign() { printf '%s' "$2" >"$WORK/p.txt"; openssl pkeyutl -sign -rawin -inkey "$KEYS/operators/$1.sign.pem" -in "$WORK/p.txt" | base64 -w0; }
payload() { # MEMBER PROPOSAL FROM TO [SITE]
    jq -cnS --arg m "$1" --argjson id "$2" --arg f "$3" --arg t "$4" --arg s "${5:-alpha}" --arg v "$v2" --arg n $NAME \
        --argjson now "$(($(date +%s) * 1000))" \
        '{type:"fedsoar-promotion/1", playbook:$n, site:$s, from:$f, to:$t, version:$v, proposal:$id, member:$m, time:$now}'
}
sign_all() { # PROPOSAL: alice then bob
    as alice rollout sign $NAME --proposal "$1" >/dev/null && as bob rollout sign $NAME --proposal "$1" >/dev/null
}

start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats

# v1 live at alpha (today's automation), v2 the version to roll out
v1=$(as ana playbook submit "$PB" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as alice playbook approve "${v1:0:12}" >/dev/null
as bob playbook approve "${v1:0:12}" >/dev/null
ctl playbook activate "${v1:0:12}" --site alpha >/dev/null
jq '.title = "Block the external address (v2)"' "$PB" >"$WORK/v2.json"
v2=$(as ana playbook submit "$WORK/v2.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
echo '{"shadow_min_runs": 2, "supervised_min_runs": 1}' >"$WORK/criteria.json"
echo '{"shadow_min_runs": 0}' >"$WORK/bad-criteria.json"

# --- the plan ---------------------------------------------------------------------
check "§15.7: a bad criteria file is refused with its JSON path" \
    bash -c "as admin rollout plan $NAME --sites alpha,beta --criteria '$WORK/bad-criteria.json' 2>&1 | grep -q 'shadow_min_runs: must be an integer'"
check "§15.7: an analyst may not make a plan" bash -c "as ana rollout plan $NAME --sites alpha,beta 2>&1 | grep -q 'needs role admin'"
out=$(as admin rollout plan $NAME --sites alpha,beta --version "$v2" --criteria "$WORK/criteria.json")
check "§15.7: the plan starts every site in observe" [ "$(phase alpha)/$(phase beta)" = observe/observe ]
check "§15.7: plan prints what the next promotion needs" grep -q 'version_approved = "in_review" (need "approved")' <<<"$out"

alert 1
wait_for 30 "v1 ran on alert 1" bash -c '[ "$(ctl runs list --json | jq length)" = 1 ]'
wait_for 10 "the observed trigger is counted" bash -c "[ \"\$(ctl rollout status $NAME --json | jq .status.alpha.observed)\" = 1 ]"
check "§15.7 observe: the version in observe started no run" [ "$(ctl runs list --json | jq --arg v "$v2" '[.[] | select(.version==$v)] | length')" = 0 ]

# --- observe -> shadow: refused until approved, then 2 of 2 signatures ---------------
check "§15.7: promotion refused while the version is not approved (with the value)" \
    bash -c "as admin rollout promote $NAME --site alpha 2>&1 | grep -q 'refused: version_approved \"in_review\"'"
as alice playbook approve "${v2:0:12}" >/dev/null
as bob playbook approve "${v2:0:12}" >/dev/null
check "§15.7: an approved version: the admin proposes observe -> shadow" \
    bash -c "as admin rollout promote $NAME --site alpha | grep -q 'proposal 1: .* from observe to shadow'"
check "§15.7: a non-member (role approver) cannot sign" \
    bash -c "as eve rollout sign $NAME --proposal 1 2>&1 | grep -q 'eve is not a member'"
check "§15.7: an analyst cannot sign" bash -c "as ana rollout sign $NAME --proposal 1 2>&1 | grep -q 'needs role approver'"
cp -r "$KEYS" "$WORK/forged"
cp "$KEYS/operators/carol.sign.pem" "$WORK/forged/operators/bob.sign.pem"
check "§15.7: another member's key under bob's name: refused" \
    bash -c "'$BIN/fedsoarctl' --keys '$WORK/forged' --control '$CTL_EP' --operator bob rollout sign $NAME --proposal 1 2>&1 | grep -q 'does not verify'"
check "§15.7: 1 of 2 signatures: waiting" bash -c "as alice rollout sign $NAME --proposal 1 | grep -q '1 of 2 signature(s); waiting'"
check "§15.7: 1 of 2 signatures does not take effect" [ "$(phase alpha)" = observe ]
check "§15.7: ... and nothing is in shadow at alpha" [ "$(ctl playbook status --json | jq -r '.sites.alpha.shadow["contain-external-attacker"] // "none"')" = none ]
alice_sig=$(ctl rollout status $NAME --json | jq -r '.proposals[0].signatures[0].signature')
check "§15.7: alice's signature over bob's payload is refused" \
    bash -c "as bob rollout sign $NAME --proposal 1 --payload '$(payload bob 1 observe shadow)' --signature '$alice_sig' 2>&1 | grep -q 'does not verify'"
p_beta=$(payload bob 1 observe shadow beta)
check "§15.7: bob's valid signature over a different payload (site beta) is refused" \
    bash -c "as bob rollout sign $NAME --proposal 1 --payload '$p_beta' --signature '$(ossl_sign bob "$p_beta")' 2>&1 | grep -q 'the signed site is beta'"
p_ok=$(payload bob 1 observe shadow)
check "§15.7: bob's signature (made with openssl over the documented payload): 2 of 2, in effect" \
    bash -c "as bob rollout sign $NAME --proposal 1 --payload '$p_ok' --signature '$(ossl_sign bob "$p_ok")' | grep -q '2 of 2 signature(s); in effect'"
check "§15.7: alpha is in shadow, v2 in the site's shadow map" \
    [ "$(phase alpha)/$(ctl playbook status --json | jq -r '.sites.alpha.shadow["contain-external-attacker"]')" = "shadow/$v2" ]
check "§15.7: a signature on a proposal in effect is refused" bash -c "as carol rollout sign $NAME --proposal 1 2>&1 | grep -q 'no longer open'"

# --- shadow -> supervised: agreement with the live version ----------------------------
check "§15.7: promotion refused with the measured values (0 shadow runs)" \
    bash -c "as alice rollout promote $NAME --site alpha 2>&1 | grep -q 'shadow_runs 0 (need >= 2'"
alert 2
wait_for 30 "live and shadow runs of alert 2" bash -c "[ \"\$(ctl runs list --json | jq '[.[] | select(.status==\"completed\")] | length')\" = 3 ]"
alert 3
wait_for 30 "live and shadow runs of alert 3" bash -c "[ \"\$(ctl runs list --json | jq '[.[] | select(.status==\"completed\")] | length')\" = 5 ]"
st=$(ctl rollout status $NAME --json)
check "§15.7: status measures 2 comparable shadow runs, agreement 1.0" \
    jq -e '.status.alpha.criteria | (map(select(.name=="shadow_runs"))[0].value == 2) and (map(select(.name=="shadow_agreement"))[0].value == 1) and all(.pass)' <<<"$st"
as alice rollout promote $NAME --site alpha >/dev/null
sign_all 2
check "§15.7: supervised at alpha: v2 is live there" \
    [ "$(phase alpha)/$(ctl playbook status --json | jq -r '.sites.alpha.active["contain-external-attacker"]')" = "supervised/$v2" ]
wait_for 10 "3 denies so far (v1 live on alerts 1-3; shadow sent nothing)" bash -c '[ "$(grep -c "\"deny\"" "$WORK/alpha/record-only.jsonl")" = 3 ]'

# --- supervised: the command waits for an approval ---------------------------------------
alert 4
wait_for 30 "the supervised run holds its deny behind a gate" bash -c "[ \"\$(ctl approvals list --json | jq '[.[] | select(.status==\"open\")] | length')\" = 1 ]"
sleep 1
check "§15.7 supervised: the OpenC2 deny was not sent before the approval" [ "$(denies)" = 3 ]
check "§15.7 supervised: promotion refused (no supervised run completed, no MTTR)" \
    bash -c "as admin rollout promote $NAME --site alpha 2>&1 | grep -q 'supervised_runs 0 (need >= 1'"
gate=$(ctl approvals list --json | jq '[.[] | select(.status=="open")][0].id')
check "§15.7 supervised: the gate shows the command it holds" \
    bash -c "ctl approvals show $gate --json | jq -e '.supervised and .role == \"analyst\" and .quorum == 1 and .held.doc.command.action == \"deny\" and (.reason | test(\"OpenC2 deny .*ipv4_net.* before it is sent to alpha\"))'"
check "§15.7 supervised: an analyst approves the gate" bash -c "as ana approvals approve $gate >/dev/null"
wait_for 20 "the deny runs after the approval" bash -c '[ "$(grep -c "\"deny\"" "$WORK/alpha/record-only.jsonl")" = 4 ]'
pass "§15.7 supervised: the OpenC2 command ran after its approval"
for c in $(ctl case list --json | jq -r '.[].id'); do ctl case status "$c" closed >/dev/null; done
wait_for 20 "the supervised run completed" bash -c "ctl rollout status $NAME --json | jq -e '.status.alpha.pass'"
as admin rollout promote $NAME --site alpha >/dev/null
sign_all 3
check "§15.7: automated at alpha, beta still in observe" [ "$(phase alpha)/$(phase beta)" = automated/observe ]

# --- automated: no gate ----------------------------------------------------------------
gates_before=$(ctl approvals list --all --json | jq length)
alert 5
wait_for 30 "the automated run sent its deny" bash -c '[ "$(grep -c "\"deny\"" "$WORK/alpha/record-only.jsonl")" = 5 ]'
check "§15.7 automated: the command ran without any approval gate" [ "$(ctl approvals list --all --json | jq length)" = "$gates_before" ]

# --- the rollback plan, and one command back --------------------------------------------
plan=$(ctl rollout status $NAME --rollback-plan)
check "§15.7: the rollback plan lists what each promotion changed" \
    bash -c "grep -q 'alpha proposal 3 supervised -> automated' <<<'$plan' && grep -q 'phase observe -> shadow; active ${v1:0:12} -> ${v1:0:12}; shadow (none) -> ${v2:0:12}' <<<'$plan' && grep -q 'active ${v1:0:12} -> ${v2:0:12}; shadow ${v2:0:12} -> (none); supervised no -> yes' <<<'$plan'"
check "§15.7: a board member (not admin) cannot roll back" bash -c "as alice rollout rollback $NAME --site alpha 2>&1 | grep -q 'needs role admin'"
check "§15.7: one command rolls back to the previous phase, no quorum" \
    bash -c "as admin rollout rollback $NAME --site alpha | grep -q 'rolled back from automated to supervised'"
check "§15.7: alpha is supervised again" [ "$(phase alpha)" = supervised ]
alert 6
wait_for 30 "after the rollback the command waits for a gate again" bash -c "[ \"\$(ctl approvals list --json | jq '[.[] | select(.status==\"open\")] | length')\" = 1 ]"
gate=$(ctl approvals list --json | jq '[.[] | select(.status=="open")][0].id')
as ana approvals deny "$gate" >/dev/null
sleep 1
# the step's own retry (max 2, backoff 30 s) decides what a denial leads to: here, a wait
check "§15.7 supervised: a denied gate fails the attempt; the run does not complete" \
    [ "$(ctl runs list --json | jq -r '.[0].status')" = waiting ]
check "§15.7 supervised: a denied gate sends nothing" [ "$(denies)" = 5 ]
check "§15.7: rollback --to observe undoes the rest at once" \
    bash -c "as admin rollout rollback $NAME --site alpha --to observe | grep -q '2 promotion(s) undone'"
check "§15.7: back in observe, v1 live again, nothing in shadow" \
    [ "$(phase alpha)/$(ctl playbook status --json | jq -r '.sites.alpha.active["contain-external-attacker"] + "/" + (.sites.alpha.shadow["contain-external-attacker"] // "none")')" = "observe/$v1/none" ]

# --- a responder action is held too; an enrichment is not; --override is recorded ----
cat >"$WORK/notify.json" <<'JSON'
{"name": "notify-on-detection", "title": "Look the detection up, then notify",
 "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [
   {"id": "lookup", "type": "enrich", "analyzer": "lookup", "input": {"host": "{{ .event.device.hostname }}"}},
   {"id": "notify", "type": "action", "responder": "notify", "input": {"text": "detection at {{ .event.site }}"}}]}
JSON
vn=$(as ana playbook submit "$WORK/notify.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as alice playbook approve "${vn:0:12}" >/dev/null
as bob playbook approve "${vn:0:12}" >/dev/null
as admin rollout plan notify-on-detection --sites alpha >/dev/null
as admin rollout promote notify-on-detection --site alpha >/dev/null
sign_n() { as alice rollout sign notify-on-detection --proposal "$1" >/dev/null && as bob rollout sign notify-on-detection --proposal "$1" >/dev/null; }
sign_n "$(ctl rollout status notify-on-detection --json | jq '.proposals[-1].id')"
check "§15.7: shadow -> supervised with no live version: refused, no live to compare" \
    bash -c "as admin rollout promote notify-on-detection --site alpha 2>&1 | grep -q 'shadow_runs 0 (need >= 50'"
out=$(as admin rollout promote notify-on-detection --site alpha --override "reviewed playbook compare by hand: new at alpha")
check "§15.7: --override makes the proposal, and says so" grep -q 'criteria overridden' <<<"$out"
sign_n "$(ctl rollout status notify-on-detection --json | jq '.proposals[-1].id')"
check "§15.7: the override is in the promotion's audit entry" \
    bash -c "ctl audit export | jq -se 'any(.[]; .kind == \"rollout.promote\" and .details.override == \"reviewed playbook compare by hand: new at alpha\")'"
check "§15.7: notify-on-detection is supervised at alpha" \
    [ "$(ctl rollout status notify-on-detection --json | jq -r .status.alpha.phase)" = supervised ]
open_before=$(open_gates)
alert 7
wait_for 30 "the responder action waits behind a gate" bash -c "[ \"\$(ctl approvals list --json | jq '[.[] | select(.status==\"open\" and .playbook==\"notify-on-detection\")] | length')\" = 1 ]"
sleep 1
check "§15.7 supervised: the analyzer ran without a gate" [ "$(calls lookup)" = 1 ]
check "§15.7 supervised: the responder did not run before the approval" [ "$(calls notify)" = 0 ]
gate=$(ctl approvals list --json | jq '[.[] | select(.status=="open" and .playbook=="notify-on-detection")][0].id')
check "§15.7 supervised: the gate names the responder" \
    bash -c "ctl approvals show $gate --json | jq -e '.held.kind == \"request\" and (.reason | test(\"responder notify before it runs at alpha\"))'"
as ana approvals approve "$gate" >/dev/null
wait_for 20 "the responder runs after the approval" bash -c '[ "$(grep -c "\"connector\":\"notify\"" "$WORK/calls.log")" = 1 ]'
pass "§15.7 supervised: the responder action ran after its approval"

# --- audit ----------------------------------------------------------------------------------
ctl audit export >"$WORK/audit.jsonl"
check "§15.7: audit has plan, proposals, signatures, promotions, rollbacks" \
    jq -se '[.[].kind] as $k | all("rollout.plan", "rollout.propose", "rollout.sign", "rollout.promote", "rollout.rollback"; . as $x | $k | index($x))' "$WORK/audit.jsonl"
check "§15.7: each promotion's audit entry names its signers" \
    jq -se '[.[] | select(.kind=="rollout.promote") | .details.signed_by] | length == 5 and all(. == ["alice","bob"])' "$WORK/audit.jsonl"
check "§15.7: the audit chain verifies" bash -c "ctl audit verify | grep -q intact"
finish
