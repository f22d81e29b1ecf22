#!/usr/bin/env bash
# Issue 14, clause 4 (docs/playbooks.md "BPMN export"): every shipped
# playbook exported with the CLI (a file, no broker) and by the broker
# (playbook.bpmn, by version and by a version prefix) is the same bytes and
# valid against the OMG BPMN 2.0 schema with diagram interchange
# (BPMN20.xsd: Semantic.xsd, BPMNDI.xsd, DI.xsd, DC.xsd), checked by
# xmllint. The XSDs ship in the npm package @kie-tools/bpmn-marshaller, a
# devDependency of console/package.json that deploy/bootstrap installs
# (npm ci --prefix console): missing, the test fails, it does not skip.
source "$(dirname "$0")/lib.sh"
require_tool xmllint cmp

XSD=
for dir in "$SRC/console/node_modules/@kie-tools/bpmn-marshaller/src/schemas/bpmn-2_0" \
    "${FEDSOAR_BPMN_XSD_DIR:-/nonexistent}"; do
    [ -f "$dir/BPMN20.xsd" ] && { XSD="$dir/BPMN20.xsd"; break; }
done
if [ -z "$XSD" ]; then
    echo "not ok - the BPMN 2.0 XSDs are missing: run deploy/bootstrap (npm ci --prefix console" \
        "installs @kie-tools/bpmn-marshaller), or set FEDSOAR_BPMN_XSD_DIR to its src/schemas/bpmn-2_0"
    exit 1
fi
valid() { xmllint --noout --schema "$XSD" "$1" 2>"$WORK/xmllint.err" || { cat "$WORK/xmllint.err" >&2; return 1; }; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,ana:analyst >/dev/null
start_broker
wait_for 20 "broker control socket" ctl stats

n=0
for pb in "$SRC"/playbooks/library/*.json; do
    name=$(basename "$pb" .json)
    n=$((n + 1))
    check "$name: fedsoarctl playbook export --format bpmn FILE --out writes it (no broker)" \
        "$BIN/fedsoarctl" playbook export --format bpmn "$pb" --out "$WORK/$name.bpmn"
    check "$name: the export is valid BPMN 2.0 with DI (xmllint --schema BPMN20.xsd)" \
        valid "$WORK/$name.bpmn"
    check "$name: every flow node has a shape and every flow an edge" bash -c \
        '[ "$(grep -c "<bpmndi:BPMNShape " "$1")" -gt 3 ] && [ "$(grep -c "<bpmn:sequenceFlow " "$1")" = "$(grep -c "<bpmndi:BPMNEdge " "$1")" ]' \
        _ "$WORK/$name.bpmn"
    "$BIN/fedsoarctl" playbook export "$pb" >"$WORK/$name.stdout.bpmn"
    check "$name: without --out the same bytes on stdout (--format defaults to bpmn)" \
        cmp -s "$WORK/$name.bpmn" "$WORK/$name.stdout.bpmn"
    version=$("$BIN/fedsoarctl" playbook validate "$pb" | awk '{print $NF}')
    check "$name: the broker's export of version ${version:0:12} (playbook.bpmn) is the same bytes" \
        bash -c '"$1" --keys "$2" --control "$3" --operator ana playbook export --format bpmn "$4" --out "$5" && cmp -s "$5" "$6"' \
        _ "$BIN/fedsoarctl" "$KEYS" "$CTL_EP" "${version:0:12}" "$WORK/$name.broker.bpmn" "$WORK/$name.bpmn"
    check "$name: ... and by its full version" bash -c \
        '"$1" --keys "$2" --control "$3" playbook export "$4" | cmp -s - "$5"' \
        _ "$BIN/fedsoarctl" "$KEYS" "$CTL_EP" "$version" "$WORK/$name.bpmn"
done
check "the four shipped playbooks were exported (found $n)" test "$n" -ge 4

# The schema check bites: a shape without its bounds, an unknown element.
sed '0,/<dc:Bounds [^>]*\/>/s///' "$WORK/endpoint-compromise.bpmn" >"$WORK/no-bounds.bpmn"
check "a shape without dc:Bounds is refused by the schema" bash -c '! xmllint --noout --schema "$1" "$2" 2>/dev/null' _ "$XSD" "$WORK/no-bounds.bpmn"
sed 's/bpmn:serviceTask/bpmn:serviceTsk/g' "$WORK/endpoint-compromise.bpmn" >"$WORK/bad-tag.bpmn"
check "an unknown element is refused by the schema" bash -c '! xmllint --noout --schema "$1" "$2" 2>/dev/null' _ "$XSD" "$WORK/bad-tag.bpmn"

# Refusals: exit codes of docs/cli.md.
rc=0; ctl playbook export --format bpmn 0123456789ab >/dev/null 2>"$WORK/err" || rc=$?
check "an unknown version: the broker says so, exit 1" bash -c '[ "$1" = 1 ] && grep -q "no playbook version" "$2"' _ "$rc" "$WORK/err"
rc=0; ctl playbook export --format bpmn not-a-file >/dev/null 2>&1 || rc=$?
check "neither a file nor a version: exit 2" test "$rc" = 2
rc=0; ctl playbook export --format svg "$SRC/playbooks/library/credential-attack.json" >/dev/null 2>&1 || rc=$?
check "--format svg: exit 2" test "$rc" = 2
echo '{"name": "x", "steps": []}' >"$WORK/bad.json"
rc=0; ctl playbook export "$WORK/bad.json" >"$WORK/out" 2>&1 || rc=$?
check "an invalid playbook file: exit 1, the JSON path named" bash -c '[ "$1" = 1 ] && grep -q "bad.json: \$.trigger: required" "$2"' _ "$rc" "$WORK/out"
finish
