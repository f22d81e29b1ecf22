#!/usr/bin/env bash
# Issue 11, clause 1 (DESIGN.md §8; docs/protocol.md §5.1, §6): only the
# broker's trusted key store says who a peer is. libzmq lets a client put any
# metadata properties into its CURVE INITIATE, so an independent CurveZMQ
# client (curvezmq.py, not libzmq) forges operator, role, site and User-Id
# there. The broker must ignore them all: keys of the wrong kind are refused
# at the handshake (counted, and logged with the key's fingerprint), and a
# key of the right kind acts only as what its trusted certificate says.
source "$(dirname "$0")/../integration/lib.sh"
PY=/usr/bin/python3 # Debian's, with python3-nacl (deploy/bootstrap)
FI="$SRC/tests/security/forged_identity.py"
if ! "$PY" -c 'import nacl.public' 2>/dev/null; then
    echo "not ok - $PY has no nacl: install python3-nacl (deploy/bootstrap)"
    exit 1
fi

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin,ana:analyst,alice:approver >/dev/null
# Governance on, so that a forged admin could have left a trace: playbook.submit is audited.
echo '{"governance": {"quorum": 1, "members": ["alice"]}}' >"$WORK/broker.json"
mkdir -p "$WORK/empty"
cat >"$WORK/gated.json" <<'JSON'
{"name": "gated-block", "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [
   {"id": "gate", "type": "approval", "role": "approver", "timeout": "1h", "reason": "block 203.0.113.250"},
   {"id": "block", "type": "openc2", "critical": true, "site": "alpha",
    "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.250"}}}]}
JSON
start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
v=$(as admin playbook submit "$WORK/gated.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as alice playbook approve "${v:0:12}" >/dev/null
as admin playbook activate "${v:0:12}" --site alpha >/dev/null

# probe ENDPOINT KEY [--meta NAME=VALUE]... [FRAMES [--- FRAMES]...]
probe() { local ep=$1 who=$2; shift 2; "$PY" "$FI" --keys "$KEYS" --endpoint "$ep" --as "$who" "$@" 2>&1 || true; }
# Refused at the handshake: ERROR instead of READY, or closed; no answer ever.
hs_refused() { grep -Eq '^HANDSHAKE (ERROR|CLOSED)' <<<"$1" && ! grep -Eq '^(REPLY|WELCOME|ERROR) ' <<<"$1"; }
no_reply() { ! grep -q '^REPLY' <<<"$1"; }
fingerprint() { sed -n 's/^KEY //p' <<<"$1"; }
logged_refusal() { grep 'event=handshake_refused' "$WORK/broker.log" | grep -q -- "$1"; }
refused_count() { ctl stats --json | jq -r '.handshakes.refused // -1'; }
HELLO_ALPHA='{"site":"alpha","protocol":"FSP/1","version":"0.1.0","epoch":"forged1"}'
HELLO_BETA='{"site":"beta","protocol":"FSP/1","version":"0.1.0","epoch":"forged1"}'
# submit NAME: a CONTROL body submitting a valid playbook called NAME (audited when it succeeds)
submit() { jq -c --arg n "$1" '{cmd: "playbook.submit", args: {doc: (.name = $n), origin: "forged"}}' \
    "$SRC/playbooks/library/phishing-triage.json"; }
audit_clean() { # no entry by the forged operator, none about the forged playbooks
    jq -se 'length > 0 and all(.[]; (.actor != "operator:mallory") and (tostring | contains("forged-by-site-key") | not))' \
        "$WORK/audit.jsonl" >/dev/null
}
never_submitted() {
    local out
    ! out=$(ctl playbook history "$1" --json 2>&1) && grep -q "no playbook named" <<<"$out"
}
refused_at_least() { [ "$(refused_count)" -ge "$1" ]; }
gate_untouched() { ctl approvals list --json | jq -e --argjson g "$1" '.[] | select(.id == $g) | .status == "open" and (.votes | length) == 0' >/dev/null; }
gate_open() { ctl approvals list --json | jq -e '[.[] | select(.playbook == "gated-block")] | length == 1' >/dev/null; }

# --- sanity: the client itself works -------------------------------------------------
r=$(probe "$CTL_EP" operators/ana --meta operator=ana --meta role=analyst FSP/1 CONTROL '{"cmd":"stats"}')
check "sanity: with honest metadata the python client completes the CURVE handshake" grep -q '^HANDSHAKE READY' <<<"$r"
check "sanity: ...and gets a REPLY to stats with an operator key" grep -q '^REPLY {"ok":true' <<<"$r"

# --- a site key forging an operator on the control socket ---------------------------------
r=$(probe "$CTL_EP" sites/alpha --meta operator=admin --meta role=admin --meta User-Id=@operators/admin \
          FSP/1 CONTROL "$(submit forged-by-site-key-as-admin)" --- FSP/1 CONTROL '{"cmd":"audit.verify"}')
check "§11.1: site alpha's key with forged operator=admin role=admin metadata is refused at the control socket's handshake" hs_refused "$r"
check "§11.1: ...and never gets a REPLY" no_reply "$r"
fp_site=$(fingerprint "$r")
r=$(probe "$CTL_EP" sites/alpha --meta operator=mallory --meta role=admin FSP/1 CONTROL "$(submit forged-by-site-key-as-mallory)")
check "§11.1: ...nor as an operator the store does not know (operator=mallory role=admin)" hs_refused "$r"
check "§11.1: stats counts the refused handshakes (.handshakes.refused >= 1)" refused_at_least 1
check "§11.1: the broker logs event=handshake_refused with the site key's fingerprint ($fp_site)" \
    wait_for 5 "handshake_refused logged" logged_refusal "$fp_site"
ctl audit export >"$WORK/audit.jsonl"
check "§11.1: the audit log has no entry by the forged operators, nor the forged submission" audit_clean
check "§11.1: ...and neither forged playbook was submitted" \
    eval 'never_submitted forged-by-site-key-as-admin && never_submitted forged-by-site-key-as-mallory'

# --- an analyst's key forging a higher role --------------------------------------------------
r=$(probe "$CTL_EP" operators/ana --meta operator=admin --meta role=admin --meta User-Id=@operators/admin \
          FSP/1 CONTROL '{"cmd":"audit.verify"}' \
          --- FSP/1 CONTROL '{"cmd":"playbook.retire","args":{"version":"0123456789ab"}}')
check "§11.1: an analyst's key with forged role=admin metadata is accepted (it is an operator key)" grep -q '^HANDSHAKE READY' <<<"$r"
check "§11.1: ...but audit.verify (approver/admin) is refused naming role analyst" \
    grep -q '^REPLY {"ok":false,"error":"audit.verify needs role [a-z,-]*; operator ana has role analyst"' <<<"$r"
check "§11.1: ...and playbook.retire (admin) is refused naming role analyst" \
    grep -q '^REPLY {"ok":false,"error":"playbook.retire needs role admin; operator ana has role analyst"' <<<"$r"

# --- a site key forging another site -----------------------------------------------------------
r=$(probe "$SITE_EP" sites/alpha --meta site=beta --meta User-Id=@sites/beta \
          FSP/1 HELLO "$HELLO_BETA" --- FSP/1 HELLO "$HELLO_ALPHA")
check "§11.1: site alpha's key with forged site=beta metadata: a HELLO naming beta is refused (§5.1)" \
    grep -q '^ERROR .*§5.1' <<<"$r"
check "§11.1: ...a HELLO naming alpha is accepted as alpha (WELCOME says alpha)" \
    grep -q '^WELCOME .*"site":"alpha"' <<<"$r"
check "§11.1: ...and beta was never connected" eval '! grep -q "event=site_connected site=beta" "$WORK/broker.log"'

# --- operator keys on the site socket ------------------------------------------------------------
r=$(probe "$SITE_EP" operators/ana --meta site=alpha --meta User-Id=@sites/alpha FSP/1 HELLO "$HELLO_ALPHA")
check "§11.1: an operator key (with forged site=alpha metadata) is refused at the site socket's handshake" hs_refused "$r"
fp_op=$(fingerprint "$r")
r=$(probe "$SITE_EP" operators/admin FSP/1 HELLO "$HELLO_ALPHA")
check "§11.1: an operator key with honest metadata is refused at the site socket's handshake too" hs_refused "$r"
check "§11.1: ...logged with its fingerprint ($fp_op)" wait_for 5 "handshake_refused logged" logged_refusal "$fp_op"

# --- keys nobody trusts --------------------------------------------------------------------------
before=$(refused_count)
r1=$(probe "$SITE_EP" random --meta site=alpha FSP/1 HELLO "$HELLO_ALPHA")
r2=$(probe "$CTL_EP" random --meta operator=admin --meta role=admin FSP/1 CONTROL '{"cmd":"stats"}')
check "§11.1: an unknown key is refused at the site socket's handshake" hs_refused "$r1"
check "§11.1: an unknown key is refused at the control socket's handshake" hs_refused "$r2"
check "§11.1: ...both counted (.handshakes.refused went up by 2)" \
    wait_for 5 "refusals counted" refused_at_least $((before < 0 ? 1 << 30 : before + 2))
check "§11.1: ...and logged with their fingerprints" \
    wait_for 5 "unknown keys logged" eval 'logged_refusal "$(fingerprint "$r1")" && logged_refusal "$(fingerprint "$r2")"'

# --- an analyst forging role=approver cannot vote on an approver gate ---------------------------
start_adapter alpha --replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
wait_for 30 "the gate of gated-block is open" gate_open
gate=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="gated-block")][0].id')
r=$(probe "$CTL_EP" operators/ana --meta operator=alice --meta role=approver --meta User-Id=@operators/alice \
          FSP/1 CONTROL "{\"cmd\":\"approval.decide\",\"args\":{\"id\":$gate,\"decision\":\"approve\"}}")
check "§11.1: an analyst's key with forged role=approver (and operator=alice) metadata may not vote on an approver gate" \
    grep -q "^REPLY {\"ok\":false,\"error\":\"approval $gate needs role approver; operator ana has role analyst\"" <<<"$r"
check "§11.1: ...the gate has no vote and is still open" gate_untouched "$gate"
finish
