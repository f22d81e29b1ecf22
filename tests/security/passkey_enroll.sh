#!/usr/bin/env bash
# Issue 14, clause 3 (docs/security.md "Passkeys"): an operator enrolls a
# passkey with `fedsoarctl operator passkey enroll NAME`; the page's part
# (GET options, POST the new credential) is played by curl with a software
# authenticator (passkey_authenticator.py); the CLI writes
# KEYS/signing/operators/NAME.passkey.json. Then a playbook approval signed
# with that passkey is accepted over HTTPS, and a replayed, a forged and an
# unverified (UV) assertion are refused, each with its reason; and at the
# site (alpha, its own trusted_operators_dir), a critical command whose
# proof is a passkey-signed vote is carried out, and refused once the site
# trusts another key for alice. bob enrolls an EdDSA (COSE alg -8, Ed25519)
# passkey the same way, signs a playbook approval and a gate vote with it, and
# the site carries out the critical command that vote proves.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/../http/http_lib.sh"
require_tool curl jq python3
python3 -c 'import cryptography' 2>/dev/null || {
    echo "missing python3-cryptography (deploy/bootstrap installs it)"
    exit 1
}
AUTHN="$SRC/tests/security/passkey_authenticator.py"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha \
    --operators admin,alice:approver,bob:approver,eve:analyst --http-names localhost,127.0.0.1 >/dev/null
jq -n --arg u "$BASE" '{http: {public_url: $u}, governance: {quorum: 1, members: ["alice", "bob"]}}' \
    >"$WORK/broker.json"
mkdir -p "$WORK/empty"
jqe() { jq -e "$@" >/dev/null; }
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"

api GET /api/v1/passkey-enrollments/not-a-nonce -
expect 404 "§14.3: an unknown enrollment nonce is 404"
check "  ... saying the enrollment link is unknown, used or expired" grep -q "passkey enrollment link" "$B"

# ---- who may enroll whom --------------------------------------------------------------------
out=$(as eve operator passkey enroll alice --timeout 2 2>&1) && rc=0 || rc=$?
check "§14.3: an analyst cannot enroll another operator's passkey (exit 1, reason named)" \
    bash -c '[ "$1" = 1 ] && grep -q "only an admin" <<<"$2"' _ "$rc" "$out"
out=$(as alice operator passkey enroll nobody --timeout 2 2>&1) && rc=0 || rc=$?
check "§14.3: enrolling for an operator outside the key store is refused" [ "$rc" = 1 ]
out=$(as alice operator passkey enroll alice --timeout 2 2>"$WORK/timeout.err") && rc=0 || rc=$?
check "§14.3: nobody opens the link: exit 1 after --timeout, nothing written" \
    bash -c '[ "$1" = 1 ] && grep -q "no passkey was registered within 2 s" "$2" && [ ! -e "$3" ]' \
    _ "$rc" "$WORK/timeout.err" "$KEYS/signing/operators/alice.passkey.json"

# ---- the enrollment ---------------------------------------------------------------------------
as alice operator passkey enroll alice --timeout 60 >"$WORK/enroll.out" 2>"$WORK/enroll.err" &
ENROLL_PID=$!
PIDS+=("$ENROLL_PID")
wait_for 20 "the enrollment link" grep -q /enroll/ "$WORK/enroll.out"
url=$(tail -n 1 "$WORK/enroll.out")
NONCE=${url##*/enroll/}
check "§14.3: the link is the last stdout line: $BASE/#/enroll/NONCE" \
    bash -c '[[ "$1" == "$2/#/enroll/"* ]] && [ ${#3} = 43 ]' _ "$url" "$BASE" "$NONCE"
check "§14.3: stderr says what to do" grep -q "open this link" "$WORK/enroll.err"

api GET "/api/v1/passkey-enrollments/$NONCE" -
expect 200 "§14.3: GET /api/v1/passkey-enrollments/{nonce}: the creation options"
cp "$B" "$WORK/options.json"
check "§14.3: options: rp.id is the public URL's host, user alice, UV required, no attestation, EdDSA and ES256" \
    jqe '.rp.id == "localhost" and .user.name == "alice" and (.user.id | length) == 43 and
           (.challenge | length) == 43 and ([.pubKeyCredParams[].alg] == [-8, -7]) and
           .authenticatorSelection.userVerification == "required" and .attestation == "none"' "$WORK/options.json"

# a credential made for another challenge is refused, the link survives
python3 "$AUTHN" register "$WORK/options.json" "$BASE" "$WORK/wrong.state" \
    --challenge AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA >"$WORK/wrong.body"
EXTRA_CURL=(-H "Origin: $BASE")
api POST "/api/v1/passkey-enrollments/$NONCE" - "$(jq -c 'del(.fingerprint)' "$WORK/wrong.body")"
expect 400 "§14.3: a registration with another challenge is refused"
check "  ... naming the challenge" grep -q "challenge" "$B"
# posted from another site
EXTRA_CURL=(-H "Origin: https://evil.example")
api POST "/api/v1/passkey-enrollments/$NONCE" - "$(jq -c 'del(.fingerprint)' "$WORK/wrong.body")"
expect 403 "§14.3: a registration posted from another origin is refused"

python3 "$AUTHN" register "$WORK/options.json" "$BASE" "$WORK/alice.state" >"$WORK/alice.body"
EXTRA_CURL=(-H "Origin: $BASE")
api POST "/api/v1/passkey-enrollments/$NONCE" - "$(jq -c 'del(.fingerprint)' "$WORK/alice.body")"
expect 200 "§14.3: POST /api/v1/passkey-enrollments/{nonce}: the credential is registered"
FP=$(jq -r .fingerprint "$WORK/alice.body")
check "§14.3: the page is told the fingerprint of the key it made" jqe --arg f "$FP" '.fingerprint == $f' "$B"
api POST "/api/v1/passkey-enrollments/$NONCE" - "$(jq -c 'del(.fingerprint)' "$WORK/alice.body")"
# 409 while the CLI has not fetched the passkey yet, 404 once it has (it polls each second)
check "§14.3: the link registers one passkey only (409 or 404, got $ST)" \
    bash -c '[ "$1" = 409 ] || [ "$1" = 404 ]' _ "$ST"
EXTRA_CURL=()

rc=0
wait "$ENROLL_PID" || rc=$?
PASSKEY="$KEYS/signing/operators/alice.passkey.json"
check "§14.3: fedsoarctl operator passkey enroll exits 0 once the passkey is registered" [ "$rc" = 0 ]
check "§14.3: it shows the same fingerprint on stderr" grep -q "fingerprint SHA256:$FP" "$WORK/enroll.err"
check "§14.3: it writes KEYS/signing/operators/alice.passkey.json, 0644" \
    bash -c '[ "$(stat -c %a "$1")" = 644 ]' _ "$PASSKEY"
check "§14.3: the file holds the credential, the key, alg -7 and rp_id localhost" \
    jqe --arg c "$(jq -r .credential_id "$WORK/alice.state")" --arg f "$FP" \
    '.credential_id == $c and .alg == -7 and .rp_id == "localhost" and .operator == "alice" and
     .fingerprint == $f and (.public_key_pem | startswith("-----BEGIN PUBLIC KEY-----"))' "$PASSKEY"
check "§14.3: the link is spent once the CLI has the passkey" \
    bash -c 'out=$(curl -s --cacert "$1" "$2"); grep -q "unknown, used or expired" <<<"$out"' _ "$CA" \
    "$BASE/api/v1/passkey-enrollments/$NONCE"
check "§14.3: the audit chain records the start and the registration, never the nonce" \
    bash -c '"$1" --keys "$2" --control "$3" audit export >"$4/audit.jsonl" &&
             grep -q passkey.enroll_started "$4/audit.jsonl" && grep -q passkey.registered "$4/audit.jsonl" &&
             ! grep -qF -- "$5" "$4/audit.jsonl"' _ "$BIN/fedsoarctl" "$KEYS" "$CTL_EP" "$WORK" "$NONCE"

# ---- an EdDSA passkey (COSE alg -8, Ed25519): bob enrolls one ------------------------------------
as bob operator passkey enroll bob --timeout 60 >"$WORK/bob-enroll.out" 2>"$WORK/bob-enroll.err" &
BOB_ENROLL_PID=$!
PIDS+=("$BOB_ENROLL_PID")
wait_for 20 "bob's enrollment link" grep -q /enroll/ "$WORK/bob-enroll.out"
bob_url=$(tail -n 1 "$WORK/bob-enroll.out")
api GET "/api/v1/passkey-enrollments/${bob_url##*/enroll/}" -
cp "$B" "$WORK/bob-options.json"
python3 "$AUTHN" register "$WORK/bob-options.json" "$BASE" "$WORK/bob.state" --alg -8 >"$WORK/bob.body"
EXTRA_CURL=(-H "Origin: $BASE")
api POST "/api/v1/passkey-enrollments/${bob_url##*/enroll/}" - "$(jq -c 'del(.fingerprint)' "$WORK/bob.body")"
expect 200 "§14.3: an EdDSA (alg -8, Ed25519) credential is registered"
EXTRA_CURL=()
rc=0
wait "$BOB_ENROLL_PID" || rc=$?
BOB_PASSKEY="$KEYS/signing/operators/bob.passkey.json"
check "§14.3: bob's enrollment exits 0 and writes bob.passkey.json with alg -8 and an Ed25519 key" \
    bash -c '[ "$1" = 0 ] && jq -e ".alg == -8 and .operator == \"bob\"" "$2" >/dev/null &&
             jq -r .public_key_pem "$2" | openssl pkey -pubin -noout -text 2>/dev/null | grep -q ED25519' \
    _ "$rc" "$BOB_PASSKEY"

# ---- signing with it: a playbook approval from alice's browser session ---------------------------
cat >"$WORK/pb.json" <<'JSON'
{"name": "passkey-gated", "title": "Block after a board approval",
 "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [{"id": "block", "type": "openc2", "site": "alpha",
            "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.9"}}}]}
JSON
jq '.title = "v2"' "$WORK/pb.json" >"$WORK/pb2.json"
jq '.title = "v3"' "$WORK/pb.json" >"$WORK/pb3.json"
v1=$(ctl playbook submit "$WORK/pb.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
v2=$(ctl playbook submit "$WORK/pb2.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
v3=$(ctl playbook submit "$WORK/pb3.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
check "three versions in review" [ ${#v1} = 64 -a ${#v2} = 64 -a ${#v3} = 64 ]
approval() { # MEMBER VERSION: the canonical approval payload
    jq -cnS --arg v "$2" --arg m "$1" --argjson t "$(date +%s%3N)" \
        '{decision: "approve", member: $m, time: $t, type: "fedsoar-approval/1", version: $v}'
}
JAR="$WORK/alice.jar"
if web_login alice "$JAR"; then
    CSRF=$(csrf_of "$JAR")
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    decide() { # VERSION PAYLOAD SIGNATURE
        api POST "/api/v1/playbook-versions/$1/approvals" "cookie:$JAR" \
            "$(jq -cn --arg p "$2" --arg s "$3" '{payload: $p, signature: $s}')"
    }
    p1=$(approval alice "$v1")
    s1=$(python3 "$AUTHN" sign "$WORK/alice.state" "$BASE" "$p1")
    decide "$v1" "$p1" "$s1"
    expect 201 "§14.3: a playbook approval signed with alice's passkey is accepted"
    check "  ... and counts: v1 approved (quorum 1)" jqe '.state == "approved"' "$B"

    p2=$(approval alice "$v2")
    decide "$v2" "$p2" "$s1"
    expect 400 "§14.3: the same assertion replayed onto another payload is refused"
    check "  ... at the challenge check" grep -q "challenge" "$B"

    python3 "$AUTHN" register "$WORK/options.json" "$BASE" "$WORK/forger.state" >/dev/null
    decide "$v2" "$p2" "$(python3 "$AUTHN" sign "$WORK/alice.state" "$BASE" "$p2" --key "$WORK/forger.state")"
    expect 400 "§14.3: an assertion by another key under alice's credential id is refused"
    check "  ... at the signature check" grep -q "does not verify" "$B"

    decide "$v2" "$p2" "$(python3 "$AUTHN" sign "$WORK/alice.state" "$BASE" "$p2" --flags 0x01)"
    expect 400 "§14.3: an assertion without user verification (UV) is refused"
    check "  ... naming flag UV" grep -q "flag UV" "$B"

    decide "$v2" "$p2" "$(python3 "$AUTHN" sign "$WORK/alice.state" "https://evil.localhost" "$p2")"
    expect 400 "§14.3: an assertion made on another origin is refused"

    decide "$v2" "$p2" "$(python3 "$AUTHN" sign "$WORK/alice.state" "$BASE" "$p2")"
    expect 201 "§14.3: alice's own assertion over v2's payload is accepted"

    # The Ed25519 key file keeps working beside the passkey.
    p3=$(approval alice "$v3")
    decide "$v3" "$p3" "$(sign_as alice "$p3")"
    expect 201 "§14.3: alice's Ed25519 signature still works with a passkey enrolled"

    # bob's EdDSA passkey signs a playbook approval from his own session; one changed byte is refused
    jq '.title = "v4"' "$WORK/pb.json" >"$WORK/pb4.json"
    v4=$(ctl playbook submit "$WORK/pb4.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
    BOB_JAR="$WORK/bob.jar"
    if web_login bob "$BOB_JAR"; then
        EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $(csrf_of "$BOB_JAR")")
        p4=$(approval bob "$v4")
        s4=$(python3 "$AUTHN" sign "$WORK/bob.state" "$BASE" "$p4")
        s4_bad=$(jq -c '.signature |= (.[:-2] + (if .[-2:-1] == "A" then "B" else "A" end) + .[-1:])' <<<"$s4")
        api POST "/api/v1/playbook-versions/$v4/approvals" "cookie:$BOB_JAR" \
            "$(jq -cn --arg p "$p4" --arg s "$s4_bad" '{payload: $p, signature: $s}')"
        expect 400 "§14.3: an EdDSA assertion with one signature character changed is refused"
        check "  ... at the signature check" grep -q "does not verify" "$B"
        api POST "/api/v1/playbook-versions/$v4/approvals" "cookie:$BOB_JAR" \
            "$(jq -cn --arg p "$p4" --arg s "$s4" '{payload: $p, signature: $s}')"
        expect 201 "§14.3: a playbook approval signed with bob's EdDSA passkey is accepted"
        check "  ... and counts: v4 approved (quorum 1)" jqe '.state == "approved"' "$B"
        EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    else
        fail "bob signs in through the one-time link (fedsoarctl login --web)"
    fi

    # ---- the site's side: a critical command whose proof is a passkey-signed vote -------------
    # alpha trusts the operators' keys of its own directory (trusted_operators_dir): first
    # alice's real passkey, then (for the second gate) a passkey the broker never saw.
    mkdir -p "$WORK/alpha-trusted"
    cp "$KEYS"/signing/operators/*.sign.pub.pem "$WORK/alpha-trusted/"
    cp "$PASSKEY" "$WORK/alpha-trusted/alice.passkey.json"
    cp "$BOB_PASSKEY" "$WORK/alpha-trusted/bob.passkey.json"
    for ip in 250 251 252; do
        jq -n --arg ip "203.0.113.$ip" '{name: "gate-\($ip | split(".")[3])",
            trigger: {class_uid: [2004], sites: ["alpha"]},
            steps: [{id: "gate", type: "approval", role: "approver", timeout: "1h", reason: "block"},
                    {id: "block", type: "openc2", critical: true, site: "alpha",
                     command: {action: "deny", target: {ipv4_net: $ip}}}]}' >"$WORK/gate-$ip.json"
        v=$(ctl playbook submit "$WORK/gate-$ip.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
        as bob playbook approve "${v:0:12}" >/dev/null
        ctl playbook activate "${v:0:12}" --site alpha >/dev/null
    done
    jq -n --arg b "$SITE_EP" --arg w "$WORK" --arg k "$KEYS" \
        '{site: "alpha", broker: $b, state_dir: ($w + "/alpha"), keys_dir: $k,
          trusted_operators_dir: ($w + "/alpha-trusted")}' >"$WORK/alpha.json"
    "$BIN/fedsoar-adapter" --config "$WORK/alpha.json" \
        --replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json" >>"$WORK/alpha.log" 2>&1 &
    PIDS+=($!)
    gates() { ctl approvals list --json | jq -e '[.[] | select(.playbook | startswith("gate-"))] | length == 3'; }
    wait_for 40 "the three gates are open" gates
    gate_of() { ctl approvals list --json | jq -r --arg p "$1" '[.[] | select(.playbook == $p)][0].id'; }
    vote() { # GATE: alice approves it with her passkey, from her session
        api GET "/api/v1/approvals/$1" "cookie:$JAR"
        local payload
        payload=$(jq -r '.vote_payloads.approve' "$B")
        api POST "/api/v1/approvals/$1/votes" "cookie:$JAR" \
            "$(jq -cn --arg p "$payload" --arg s "$(python3 "$AUTHN" sign "$WORK/alice.state" "$BASE" "$payload")" \
                '{decision: "approve", payload: $p, signature: $s}')"
    }
    done_run() { ctl runs list --json | jq -e --arg p "$1" '[.[] | select(.playbook == $p and .status == "completed")] | length == 1'; }
    vote "$(gate_of gate-250)"
    expect 201 "§14.3: alice's passkey vote on a gate before a critical command is accepted"
    wait_for 30 "gate-250 completed" done_run gate-250
    check "§14.3: the site verified the passkey-signed proof and carried out the critical command" \
        grep -q '203.0.113.250' "$WORK/alpha/record-only.jsonl"

    # bob votes on the third gate with his EdDSA passkey, from his own session
    gate=$(gate_of gate-252)
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $(csrf_of "$BOB_JAR")")
    api GET "/api/v1/approvals/$gate" "cookie:$BOB_JAR"
    payload=$(jq -r '.vote_payloads.approve' "$B")
    api POST "/api/v1/approvals/$gate/votes" "cookie:$BOB_JAR" \
        "$(jq -cn --arg p "$payload" --arg s "$(python3 "$AUTHN" sign "$WORK/bob.state" "$BASE" "$payload")" \
            '{decision: "approve", payload: $p, signature: $s}')"
    expect 201 "§14.3: bob's EdDSA passkey vote on a gate before a critical command is accepted"
    wait_for 30 "gate-252 completed" done_run gate-252
    check "§14.3: the site verified the EdDSA passkey-signed proof and carried out the critical command" \
        grep -q '203.0.113.252' "$WORK/alpha/record-only.jsonl"
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")

    python3 - "$WORK/forger.state" "$WORK/alice.state" >"$WORK/alpha-trusted/alice.passkey.json" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization
f, a = (json.load(open(p)) for p in sys.argv[1:3])
key = serialization.load_pem_private_key(f["private_key_pem"].encode(), None).public_key()
print(json.dumps({"credential_id": a["credential_id"], "alg": -7, "rp_id": a["rp_id"],
                  "public_key_pem": key.public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()}))
PY
    vote "$(gate_of gate-251)"
    expect 201 "§14.3: the broker accepts alice's vote on the second gate (it trusts her real passkey)"
    wait_for 30 "alpha refused the proof" grep -q 'critical_refused.*does not verify' "$WORK/alpha.log"
    check "§14.3: a site that does not trust the key refuses the proof: nothing enforced" \
        bash -c '! grep -q "203.0.113.251" "$1"' _ "$WORK/alpha/record-only.jsonl"
    EXTRA_CURL=()
else
    fail "alice signs in through the one-time link (fedsoarctl login --web)"
fi

finish
