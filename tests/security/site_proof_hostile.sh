#!/usr/bin/env bash
# Issue 14, clauses 3 and 7: "a forged or replayed assertion is refused at the
# site". In the other tests the broker refuses a bad vote first, so the site's
# own check never sees one. Here the broker is hostile: hostile_broker.py holds
# the broker's CURVE secret key (a stolen or compromised broker), the real
# fedsoar-adapter connects to it, and it sends critical COMMANDs whose proofs
# are genuine, tampered or replayed. The genuine proofs are made here the way
# the console makes them: a passkey assertion (passkey_authenticator.py, the
# software authenticator of passkey_enroll.sh: challenge = base64url(SHA-256 of
# the canonical vote), signature over authenticatorData || SHA-256(clientData))
# and an Ed25519 signature of the operator's key file (what the console's
# WebCrypto import and the CLI make). The site trusts the operators' keys of
# its own trusted_operators_dir; what it executes lands in record-only.jsonl.
source "$(dirname "$0")/../integration/lib.sh"
require_tool jq openssl base64 /usr/bin/python3
/usr/bin/python3 -c 'import zmq, cryptography, nacl' 2>/dev/null || {
    echo "missing python3-zmq, python3-cryptography or python3-nacl (deploy/bootstrap installs them)"
    exit 1
}
AUTHN="$SRC/tests/security/passkey_authenticator.py"
ORIGIN="https://localhost:8443"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,alice:approver,bob:approver >/dev/null

# ---- the site's trust: Ed25519 public keys and alice's passkey -------------------------------------
TRUSTED="$WORK/alpha-trusted"
mkdir -p "$TRUSTED"
cp "$KEYS"/signing/operators/*.sign.pub.pem "$TRUSTED/"
echo '{"rp": {"id": "localhost"}, "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}' >"$WORK/options.json"
/usr/bin/python3 "$AUTHN" register "$WORK/options.json" "$ORIGIN" "$WORK/alice.state" >/dev/null
# KEYS/signing/operators/alice.passkey.json as `operator passkey enroll` writes it
/usr/bin/python3 - "$WORK/alice.state" >"$TRUSTED/alice.passkey.json" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization
s = json.load(open(sys.argv[1]))
key = serialization.load_pem_private_key(s["private_key_pem"].encode(), None).public_key()
print(json.dumps({"credential_id": s["credential_id"], "alg": s["alg"], "rp_id": s["rp_id"],
                  "public_key_pem": key.public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()}))
PY
# bob's passkey is an EdDSA one (COSE alg -8, Ed25519)
/usr/bin/python3 "$AUTHN" register "$WORK/options.json" "$ORIGIN" "$WORK/bob.state" --alg -8 >/dev/null
/usr/bin/python3 - "$WORK/bob.state" >"$TRUSTED/bob.passkey.json" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization
s = json.load(open(sys.argv[1]))
key = serialization.load_pem_private_key(s["private_key_pem"].encode(), None).public_key()
print(json.dumps({"credential_id": s["credential_id"], "alg": s["alg"], "rp_id": s["rp_id"],
                  "public_key_pem": key.public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()}))
PY

# ---- votes and proofs ---------------------------------------------------------------------------
NOW=$(date +%s%3N)
vote() { # APPROVAL_ID RUN_ID OPERATOR: the canonical fedsoar-vote/1 payload
    jq -cnS --argjson a "$1" --argjson r "$2" --arg o "$3" --argjson t "$NOW" \
        '{approval_id: $a, decision: "approve", operator: $o, quorum: 1, run_id: $r, time: $t,
          type: "fedsoar-vote/1"}'
}
ed_sign() { # OPERATOR TEXT: base64 Ed25519 with the operator's key file
    printf '%s' "$2" >"$WORK/to-sign"
    openssl pkeyutl -sign -rawin -inkey "$KEYS/operators/$1.sign.pem" -in "$WORK/to-sign" | base64 -w0
}
# flip_b64url TEXT: TEXT with one byte of what it encodes changed (the last byte's lowest bit)
flip_b64url() {
    /usr/bin/python3 -c 'import base64, sys
t = sys.argv[1]; d = bytearray(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))); d[-1] ^= 1
print(base64.urlsafe_b64encode(bytes(d)).rstrip(b"=").decode())' "$1"
}
flip_b64() {
    /usr/bin/python3 -c 'import base64, sys
d = bytearray(base64.b64decode(sys.argv[1])); d[-1] ^= 1; print(base64.b64encode(bytes(d)).decode())' "$1"
}

V41=$(vote 7 41 alice)
PK41=$(/usr/bin/python3 "$AUTHN" sign "$WORK/alice.state" "$ORIGIN" "$V41")
PK41_BADSIG=$(jq -c --arg s "$(flip_b64url "$(jq -r .signature <<<"$PK41")")" '.signature = $s' <<<"$PK41")
PK41_BADAUTH=$(jq -c --arg s "$(flip_b64url "$(jq -r .authenticator_data <<<"$PK41")")" \
    '.authenticator_data = $s' <<<"$PK41")
V41_TAMPERED=${V41/\"approval_id\":7/\"approval_id\":8} # one byte of the signed vote changed
V43=$(vote 9 43 bob)
ED43=$(ed_sign bob "$V43")
ED43_BAD=$(flip_b64 "$ED43")
V45=$(vote 11 45 alice)
PK45_FORGED=$( # a passkey the site never trusted, under alice's credential id
    /usr/bin/python3 "$AUTHN" register "$WORK/options.json" "$ORIGIN" "$WORK/forger.state" >/dev/null
    /usr/bin/python3 "$AUTHN" sign "$WORK/alice.state" "$ORIGIN" "$V45" --key "$WORK/forger.state")
V47=$(vote 13 47 bob)
PKED47=$(/usr/bin/python3 "$AUTHN" sign "$WORK/bob.state" "$ORIGIN" "$V47")
PKED47_BADSIG=$(jq -c --arg s "$(flip_b64url "$(jq -r .signature <<<"$PKED47")")" '.signature = $s' <<<"$PKED47")
PK45_NOUV=$(/usr/bin/python3 "$AUTHN" sign "$WORK/alice.state" "$ORIGIN" "$V45" --flags 0x01)

# command ID IP RUN OPERATOR SIGNATURE PAYLOAD: a critical COMMAND body (docs/protocol.md §5.4)
command() {
    jq -cn --arg id "$1" --arg ip "$2" --argjson run "$3" --arg op "$4" --arg sig "$5" --arg p "$6" \
        '{command_id: $id, case_id: 1, playbook: "hostile", step: "block", critical: true, run_id: $run,
          command: {action: "deny", target: {ipv4_net: $ip}, command_id: $id},
          proof: [{operator: $op, signature: $sig, payload: $p}]}'
}
{
    command a-passkey 203.0.113.10 41 alice "$PK41" "$V41"
    command b-passkey-sig 203.0.113.11 41 alice "$PK41_BADSIG" "$V41"
    command b-passkey-authdata 203.0.113.12 41 alice "$PK41_BADAUTH" "$V41"
    command b-passkey-vote 203.0.113.13 41 alice "$PK41" "$V41_TAMPERED"
    command c-passkey-other-run 203.0.113.14 42 alice "$PK41" "$V41"
    command c-passkey-other-command 203.0.113.15 41 alice "$PK41" "$V41"
    command a-passkey 203.0.113.10 41 alice "$PK41" "$V41" # the same command_id again
    command a-ed25519 203.0.113.20 43 bob "$ED43" "$V43"
    command b-ed25519-sig 203.0.113.21 43 bob "$ED43_BAD" "$V43"
    command c-ed25519-other-run 203.0.113.22 44 bob "$ED43" "$V43"
    command c-ed25519-as-alice 203.0.113.23 43 alice "$ED43" "$V43"
    command b-passkey-forged 203.0.113.24 45 alice "$PK45_FORGED" "$V45"
    command b-passkey-no-uv 203.0.113.25 45 alice "$PK45_NOUV" "$V45"
    command a-passkey-eddsa 203.0.113.30 47 bob "$PKED47" "$V47"
    command b-passkey-eddsa-sig 203.0.113.31 47 bob "$PKED47_BADSIG" "$V47"
    jq -cn '{command_id: "b-no-proof", case_id: 1, critical: true, run_id: 46,
             command: {action: "deny", target: {ipv4_net: "203.0.113.26"}, command_id: "b-no-proof"}}'
} >"$WORK/commands.jsonl"

# ---- the hostile broker and the real site --------------------------------------------------------
/usr/bin/python3 "$SRC/tests/security/hostile_broker.py" --keys "$KEYS" --listen "$SITE_EP" \
    --commands "$WORK/commands.jsonl" --out "$WORK/responses.jsonl" --timeout 90 \
    >>"$WORK/hostile_broker.log" 2>&1 &
HOSTILE_PID=$!
PIDS+=("$HOSTILE_PID")
jq -n --arg b "$SITE_EP" --arg w "$WORK" --arg k "$KEYS" --arg t "$TRUSTED" \
    '{site: "alpha", broker: $b, state_dir: ($w + "/alpha"), keys_dir: $k, trusted_operators_dir: $t}' \
    >"$WORK/alpha.json"
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
PIDS+=($!)
rc=0
wait "$HOSTILE_PID" || rc=$?
check "the hostile broker had a final RESPONSE to each of its 16 commands" [ "$rc" = 0 ]

RESP="$WORK/responses.jsonl"
REC="$WORK/alpha/record-only.jsonl"
touch "$REC"
status_of() { jq -r --arg id "$1" 'select(.command_id == $id) | .response.status' "$RESP" | tail -n 1; }
text_of() { jq -r --arg id "$1" 'select(.command_id == $id) | .response.status_text // ""' "$RESP" | tail -n 1; }
executed() { grep -q "\"$1\"" "$REC"; }
accepted() { # ID IP WHAT
    check "$3: 200 and executed" bash -c '[ "$1" = 200 ] && grep -q "\"$2\"" "$3"' _ "$(status_of "$1")" "$2" "$REC"
}
refused() { # ID IP REASON WHAT: 403 naming REASON in the RESPONSE and the site's log, nothing executed
    local st text
    st=$(status_of "$1")
    text=$(text_of "$1")
    check "$4: 403 ($st), \"$3\" in the RESPONSE" bash -c '[ "$1" = 403 ] && grep -qF -- "$2" <<<"$3"' _ "$st" "$3" "$text"
    check "  ... and in the site's log (critical_refused command_id=$1)" \
        grep -qE "critical_refused.*command_id=$1 .*$3" "$WORK/alpha.log"
    check "  ... nothing executed ($2 not in record-only.jsonl)" bash -c '! grep -q "\"$1\"" "$2"' _ "$2" "$REC"
}

accepted a-passkey 203.0.113.10 "§14.3 (a) a genuine passkey-signed proof from the hostile broker"
refused b-passkey-sig 203.0.113.11 "does not verify" "§14.3 (b) one byte of the passkey signature changed"
refused b-passkey-authdata 203.0.113.12 "alice's signature refused" \
    "§14.3 (b) one byte of the authenticator data changed (signCount)"
refused b-passkey-vote 203.0.113.13 "challenge" "§14.3 (b) one byte of the signed vote changed (approval_id 7 -> 8)"
refused c-passkey-other-run 203.0.113.14 "run" "§14.3 (c) the genuine proof replayed on a command of another run"
refused b-passkey-forged 203.0.113.24 "does not verify" \
    "§14.3 (b) a passkey the site never trusted, under alice's credential id"
refused b-passkey-no-uv 203.0.113.25 "flag UV" "§14.3 an assertion without user verification"
accepted a-ed25519 203.0.113.20 "§14.3 (a) a genuine Ed25519 (operator key file) proof from the hostile broker"
refused b-ed25519-sig 203.0.113.21 "bob's signature refused" \
    "§14.3 (b) one byte of the Ed25519 signature changed"
refused c-ed25519-other-run 203.0.113.22 "run" "§14.3 (c) bob's genuine proof replayed on a command of another run"
refused c-ed25519-as-alice 203.0.113.23 "signed by alice but the payload names bob" \
    "§14.3 (b) bob's signature presented as alice's vote"
accepted a-passkey-eddsa 203.0.113.30 "§14.3 (a) a genuine EdDSA (alg -8) passkey proof from the hostile broker"
refused b-passkey-eddsa-sig 203.0.113.31 "EdDSA signature does not verify" \
    "§14.3 (b) one byte of the EdDSA passkey signature changed"
refused b-no-proof 203.0.113.26 "proof" "docs/protocol.md §5.4: a critical command without proof"
check "§5.4: the repeated command_id a-passkey is executed once, answered again with 200" \
    bash -c '[ "$(grep -c "\"203.0.113.10\"" "$1")" = 1 ] &&
             [ "$(jq -r "select(.command_id == \"a-passkey\") | .response.status" "$2" | sort -u)" = 200 ]' \
    _ "$REC" "$RESP"
# Documented limit (docs/governance.md "Critical commands carry proof", docs/security.md):
# the proof binds run and gate, not the command's text, so within proof_max_age_s a
# hostile broker can put a genuine proof on another command claiming the same run.
# This check fails the day the site binds the command: then update those two pages.
check "documented limit: a genuine proof on another command of the same run is still executed (docs/governance.md)" \
    bash -c '[ "$1" = 200 ] && grep -q "\"203.0.113.15\"" "$2"' _ "$(status_of c-passkey-other-command)" "$REC"
check "exactly the three genuine proofs' commands and the documented limit's one were executed, each once" \
    bash -c '[ "$(wc -l <"$1")" = 4 ]' _ "$REC"

finish
