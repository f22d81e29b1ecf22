#!/usr/bin/env bash
# CACAO export of an approved version (docs/cacao.md "Signatures"): with
# governance on (quorum 2), a version approved by two members exports with
# two CACAO signatures; each verifies, with that member's public key from
# the key layout, over the RFC 8785 (JCS) bytes of the approval it carries,
# which names the version — the SHA-256 of the JCS bytes of the playbook the
# CACAO document imports to. A changed playbook no longer matches.
source "$(dirname "$0")/../integration/lib.sh"
require_tool python3 jq
python3 -c 'import cryptography' 2>/dev/null || { echo "missing python3-cryptography (deploy/bootstrap installs it)"; exit 1; }
PB="$SRC/playbooks/library/endpoint-compromise.json"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta \
    --operators admin,alice:approver,bob:approver,carol:approver,ana:analyst >/dev/null
cat >"$WORK/broker.json" <<JSON
{"governance": {"quorum": 2, "members": ["alice", "bob", "carol"]}}
JSON
mkdir -p "$WORK/empty"
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
start_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats

v=$(as ana playbook submit "$PB" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as alice playbook approve "${v:0:12}" >/dev/null
check "bob's approval makes the version approved" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator bob playbook approve ${v:0:12} | grep -q 'now approved'"

check "export by NAME" ctl cacao export endpoint-compromise --output "$WORK/by-name.json"
check "export by VERSION" ctl cacao export "${v:0:12}" --output "$WORK/by-version.json"
check "NAME and VERSION give the same document" cmp -s "$WORK/by-name.json" "$WORK/by-version.json"
check "two CACAO signatures, by alice and bob, Ed25519" \
    jq -e '[.signatures[] | .signee] == ["alice", "bob"] and all(.signatures[]; .type == "jss" and .algorithm == "Ed25519" and .related_to == $root.id and .related_version == $root.modified)' \
    --argjson root "$(jq '{id, modified}' "$WORK/by-name.json")" "$WORK/by-name.json"
check "the signed export is valid against the CACAO v2.0 schemas" \
    python3 "$SRC/tests/reconfig/cacao_schema.py" "${FEDSOAR_SHARED:?}/conformance/cacao/cacao-json-schemas/schemas" "$WORK/by-name.json"
"$BIN/fedsoarctl" cacao import "$WORK/by-name.json" --output "$WORK/imported.json" >/dev/null

cat >"$WORK/verify.py" <<'PY'
import base64, calendar, hashlib, json, sys, time
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.exceptions import InvalidSignature

def jcs(v):  # RFC 8785 for what these documents hold: strings, integers, booleans, null
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

cacao = json.load(open(sys.argv[1]))
playbook = json.load(open(sys.argv[2]))
keys_dir = sys.argv[3]
ext = cacao["playbook_extensions"]["extension-definition--5b3e2a52-5f1c-5bb8-9a43-fedc0a0c0001"]
version = hashlib.sha256(jcs(playbook)).hexdigest()
ok = 0
for s in cacao["signatures"]:
    t = s["created"]
    ms = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) * 1000 + int(t[20:23])
    payload = jcs({"decision": "approve", "member": s["signee"], "time": ms,
                   "type": "fedsoar-approval/1", "version": version})
    disk = open("%s/signing/operators/%s.sign.pub.pem" % (keys_dir, s["signee"]), "rb").read()
    if disk.strip() != s["public_key"].encode().strip():
        print("public key of %s differs from the key layout's" % s["signee"]); continue
    try:
        load_pem_public_key(disk).verify(base64.b64decode(s["value"]), payload)
        ok += 1
    except InvalidSignature:
        print("signature of %s does not verify" % s["signee"])
print("version", version, "extension", ext["version"], "verified", ok)
sys.exit(0 if ok == len(cacao["signatures"]) == 2 and ext["version"] == version else 1)
PY
check "both signatures verify over the JCS bytes with alice's and bob's public keys" \
    python3 "$WORK/verify.py" "$WORK/by-name.json" "$WORK/imported.json" "$KEYS"
check "the version they sign is the imported playbook's (fedsoarctl playbook validate)" \
    bash -c "'$BIN/fedsoarctl' playbook validate '$WORK/imported.json' | grep -q 'version $v'"
jq '.steps[0].case.note = "changed"' "$WORK/imported.json" >"$WORK/changed.json"
check "a changed playbook does not verify" bash -c "! python3 '$WORK/verify.py' '$WORK/by-name.json' '$WORK/changed.json' '$KEYS' >/dev/null"
check "a FILE export has no signatures" bash -c "'$BIN/fedsoarctl' cacao export '$PB' | jq -e 'has(\"signatures\") | not' >/dev/null"
finish
