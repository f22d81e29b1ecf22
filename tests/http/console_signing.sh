#!/usr/bin/env bash
# The console's key-file signer (console/src/signing.js) makes exactly what
# the CLI makes (tests/http, label http): run under Node's WebCrypto, it
# builds the playbook approval payload as fedsoarctl playbook approve does
# and signs it with an operator's NAME.sign.pem imported non-extractable;
# openssl verifies the base64 signature with the public key, and the broker
# accepts it from the operator's browser session over HTTPS (the version is
# approved). The same text signed with another operator's key, or a payload
# naming another member, is refused. docs/console.md "Signing in the browser".
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/http_lib.sh"
require_tool node

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,alice:approver,bob:approver >/dev/null
echo '{"governance": {"quorum": 1, "members": ["alice", "bob"]}}' >"$WORK/broker.json"
mkdir -p "$WORK/empty"
cat >"$WORK/pb.json" <<'JSON'
{"name": "noter", "trigger": {"class_uid": [2004]},
 "steps": [{"id": "note", "type": "set", "case": {"note": "seen by noter"}}]}
JSON
start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
v=$("$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator admin playbook submit "$WORK/pb.json" |
    sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')

# sign KEYFILE MEMBER: {"payload", "signature", "extractable"} made by signing.js.
sign() {
    node --input-type=module - "$SRC/console/src/signing.js" "$1" "$2" "$v" <<'JS'
import { readFileSync } from 'node:fs';
const [mod, keyPath, member, version] = process.argv.slice(2);
const s = await import(mod);
await s.loadKeyFile(new File([readFileSync(keyPath)], keyPath.split('/').pop()));
const payload = s.governanceApprovalPayload(version, 'approve', member, Date.now());
const signature = await s.signWithKeyFile(payload);
process.stdout.write(JSON.stringify({ payload, signature, name: s.keyFileName() }));
JS
}
mine=$(sign "$KEYS/operators/alice.sign.pem" alice)
check "signing.js: the payload is the CLI's canonical approval (sorted keys, no spaces)" \
    jq -e --arg v "$v" '.payload | test("^\\{\"decision\":\"approve\",\"member\":\"alice\",\"time\":[0-9]{13},\"type\":\"fedsoar-approval/1\",\"version\":\"" + $v + "\"\\}$")' <<<"$mine"
check "signing.js: the signature is 88 characters of padded base64 (64 bytes)" \
    jq -e '.signature | test("^[A-Za-z0-9+/]{86}==$")' <<<"$mine"
jq -j .payload <<<"$mine" >"$WORK/payload"
jq -r .signature <<<"$mine" | base64 -d >"$WORK/sig"
check "openssl verifies the browser's signature with alice.sign.pub.pem" \
    openssl pkeyutl -verify -rawin -pubin -inkey "$KEYS/signing/operators/alice.sign.pub.pem" -in "$WORK/payload" -sigfile "$WORK/sig"

web_login alice "$WORK/alice.jar"
csrf=$(csrf_of "$WORK/alice.jar")
EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $csrf")
post_approval() { # JSON with payload and signature
    api POST "/api/v1/playbook-versions/$v/approvals" "cookie:$WORK/alice.jar" \
        "$(jq -c '{payload, signature}' <<<"$1")"
}
refused() { [ "$ST" = 400 ] || [ "$ST" = 403 ]; }
forged=$(sign "$KEYS/operators/bob.sign.pem" alice)
post_approval "$forged"
check "alice's payload signed with bob's key is refused ($ST)" refused
other=$(sign "$KEYS/operators/alice.sign.pem" bob)
post_approval "$other"
check "a payload naming another member is refused ($ST)" refused
post_approval "$mine"
expect 201 "the broker accepts the approval signed by signing.js"
check "the version is approved by alice's signature" \
    jq -e '.state == "approved" and .approvals_counted == 1' "$B"
finish
