#!/usr/bin/env bash
# Roles on the control socket (analyst, approver, site-admin limited to its
# own site, admin) and critical commands that carry the approvers' signed
# votes as proof, which the site verifies (docs/governance.md).
source "$(dirname "$0")/lib.sh"
SAMPLE_A="$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
SAMPLE_B="$SRC/deploy/demo/samples/beta-defender-alerts.json"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta \
    --operators admin,ana:analyst,alice:approver,bob:approver,sam:site-admin:alpha >/dev/null
echo '{"governance": {"quorum": 1, "members": ["alice", "bob"]}}' >"$WORK/broker.json"
mkdir -p "$WORK/empty"
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
refused() { # WHO EXPECTED_TEXT COMMAND...: the broker refuses, saying why
    local who=$1 want=$2 out
    shift 2
    out=$(as "$who" "$@" 2>&1) && return 1
    grep -q -- "$want" <<<"$out"
}
allowed() { local who=$1; shift; as "$who" "$@" >/dev/null 2>&1; }

cat >"$WORK/gated.json" <<'JSON'
{"name": "gated-block", "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [
   {"id": "gate", "type": "approval", "role": "approver", "quorum": 2, "timeout": "1h", "reason": "block 203.0.113.250"},
   {"id": "block", "type": "openc2", "critical": true, "site": "alpha",
    "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.250"}}}]}
JSON
cat >"$WORK/autogate.json" <<'JSON'
{"name": "auto-gate", "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [
   {"id": "gate", "type": "approval", "role": "approver", "timeout": "1s", "on_timeout": "approve"},
   {"id": "block", "type": "openc2", "critical": true, "site": "alpha",
    "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.251"}}}]}
JSON
cat >"$WORK/ungated.json" <<'JSON'
{"name": "ungated", "trigger": {"class_uid": [2004]},
 "steps": [{"id": "block", "type": "openc2", "critical": true,
            "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.252"}}}]}
JSON
check "validation: a critical step without an approval before it is refused" \
    bash -c "'$BIN/fedsoarctl' playbook validate '$WORK/ungated.json' | grep -q 'steps\[0\]: a critical command needs an approval step before it'"

start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats

# --- governance and audit: who may ----------------------------------------------------
for pb in gated autogate; do
    v=$(as admin playbook submit "$WORK/$pb.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
    eval "v_$pb=$v"
    as alice playbook approve "${v:0:12}" >/dev/null
done
check "analyst: may submit" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator ana playbook submit '$SRC/playbooks/library/phishing-triage.json' >/dev/null"
check "analyst: may not approve a playbook" refused ana "needs role approver" playbook approve "${v_gated:0:12}"
check "analyst: may not activate" refused ana "needs role site-admin,admin" playbook activate "${v_gated:0:12}" --site alpha
check "analyst: may not read the audit log" refused ana "needs role approver,admin" audit verify
check "approver: may not activate" refused alice "needs role site-admin,admin" playbook activate "${v_gated:0:12}" --site alpha
check "approver: may verify the audit log" allowed alice audit verify
check "site-admin: may not activate at another site" refused sam "site-admin of alpha and may not change site beta" playbook activate "${v_gated:0:12}" --site beta
check "site-admin: may activate at its own site" allowed sam playbook activate "${v_gated:0:12}" --site alpha
check "site-admin: may not retire" refused sam "needs role admin" playbook retire "${v_autogate:0:12}"
check "site-admin: may not approve" refused sam "needs role approver" playbook approve "${v_autogate:0:12}"
check "admin: may activate anywhere" allowed admin playbook activate "${v_autogate:0:12}" --site alpha

# --- critical commands carry proof ------------------------------------------------------
start_adapter alpha --replay "crowdstrike.alert:$SAMPLE_A"
cat >"$WORK/beta.json" <<JSON
{"site": "beta", "broker": "$SITE_EP", "state_dir": "$WORK/beta", "keys_dir": "$KEYS", "critical_actions": ["deny:ipv4_net"]}
JSON
"$BIN/fedsoar-adapter" --config "$WORK/beta.json" --replay "microsoft.graph_alert:$SAMPLE_B" >>"$WORK/beta.log" 2>&1 &
PIDS+=($!)
wait_for 30 "the gate of gated-block is open" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e '[.[] | select(.playbook==\"gated-block\")] | length == 1'"
gate=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="gated-block")][0].id')
wait_for 30 "auto-gate's critical command answered" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"auto-gate\" and .status==\"failed\")] | length == 1'"
check "a critical command after an auto-approved gate (no signatures) is refused by the site: 403" \
    grep -q 'critical_refused.*a critical command needs proof' "$WORK/alpha.log"
check "...and nothing was enforced for it" bash -c "! grep -q '203.0.113.251' '$WORK/alpha/record-only.jsonl' 2>/dev/null"
check "analyst: may not vote on an approver gate" refused ana "needs role approver" approvals approve "$gate"
check "site-admin: may not vote on an approver gate" refused sam "needs role approver" approvals approve "$gate"
as alice approvals approve "$gate" >/dev/null
as bob approvals approve "$gate" >/dev/null
wait_for 30 "gated-block completed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"gated-block\" and .status==\"completed\")] | length == 1'"
check "with alice's and bob's signatures the site enforced the critical command" grep -q '203.0.113.250' "$WORK/alpha/record-only.jsonl"
check "the votes are stored signed" [ "$(ctl approvals list --all --json | jq --arg g "$gate" '[.[] | select(.id == ($g|tonumber)) | .votes[] | select(.signature and .payload)] | length')" = 2 ]
# beta lists deny:ipv4_net as critical itself: a broker that does not mark it cannot make beta act
vce=$(as admin playbook submit "$SRC/playbooks/library/contain-external-attacker.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as bob playbook approve "${vce:0:12}" >/dev/null
as admin playbook activate "${vce:0:12}" --site beta >/dev/null
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
# another attacker, host and user: a case of beta's alone
jq '.value[0].id += "-2"' "$SAMPLE_B" | sed 's/203\.0\.113\.66/198.51.100.77/g; s/172\.16\.8\.17/172.16.9.99/g; s/beta-eng-lt17/beta-eng-lt99/g; s/m\.okafor/j.doe/g' >"$WORK/beta2.json"
"$BIN/fedsoar-adapter" --config "$WORK/beta.json" --replay "microsoft.graph_alert:$WORK/beta2.json" >>"$WORK/beta.log" 2>&1 &
PIDS+=($!)
wait_for 30 "beta refused the unproven deny" grep -q 'critical_refused' "$WORK/beta.log"
check "a site's own critical_actions refuse a command the broker did not mark critical" \
    bash -c "! grep -q deny '$WORK/beta/record-only.jsonl' 2>/dev/null"

# --- other checks --------------------------------------------------------------------------
check "site-admin: sees its own site's case" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator sam case list --json | jq -e 'length >= 1 and all(.[]; .sites | index(\"alpha\"))' >/dev/null"
bcase=$(ctl case list --json | jq -r '[.[] | select(.sites == ["beta"])][0].id')
check "site-admin: may not see another site's case" refused sam "does not involve site alpha" case show "$bcase"
check "site-admin: may not change another site's case" refused sam "does not involve site alpha" case note "$bcase" "hello"
check "approver: may not change a case" refused alice "needs role analyst,site-admin,admin" case note "$bcase" "hello"
check "analyst: may change a case" allowed ana case note "$bcase" "seen"
check "the broker logged every refusal" [ "$(grep -c 'event=control_denied' "$WORK/broker.log")" -ge 7 ]
finish
