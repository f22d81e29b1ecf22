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

# The shipped playbooks have no parallel step and no sub-playbook: a fixture
# with every step kind, timeouts and each on_error form goes through the same
# schema check, and each BPMN element of the mapping (docs/playbooks.md "BPMN
# export") is asserted where its step is.
ALL="$SRC/tests/fixtures/playbooks/bpmn/every-step-kind.json"
check "every-step-kind: exported (no broker)" \
    "$BIN/fedsoarctl" playbook export --format bpmn "$ALL" --out "$WORK/every-step-kind.bpmn"
check "every-step-kind: valid BPMN 2.0 with DI (xmllint --schema BPMN20.xsd)" valid "$WORK/every-step-kind.bpmn"
check "every-step-kind: every flow node has a shape and every flow an edge" bash -c \
    '[ "$(grep -c "<bpmn:sequenceFlow " "$1")" = "$(grep -c "<bpmndi:BPMNEdge " "$1")" ] &&
     [ "$(grep -cE "<bpmn:(serviceTask|userTask|sendTask|scriptTask|callActivity|subProcess|exclusiveGateway|parallelGateway|startEvent|endEvent|intermediateCatchEvent|boundaryEvent) " "$1")" = "$(grep -c "<bpmndi:BPMNShape " "$1")" ]' \
    _ "$WORK/every-step-kind.bpmn"
# has XPATH...: each element exists in the export (namespaces by local-name())
has() {
    local x
    for x; do [ "$(xmllint --xpath "boolean($x)" "$WORK/every-step-kind.bpmn" 2>/dev/null)" = true ] || return 1; done
}
el() { printf "//*[local-name()='%s'%s]" "$1" "${2:+ and $2}"; }
check "§14.4 enrich → serviceTask (reputation)" has "$(el serviceTask "@id='reputation'")"
check "§14.4 action → serviceTask (suspend)" has "$(el serviceTask "@id='suspend'")"
check "§14.4 approval → userTask (gate)" has "$(el userTask "@id='gate'")"
check "§14.4 openc2 → sendTask (isolate)" has "$(el sendTask "@id='isolate'")"
check "§14.4 openc2 with foreach → parallel multi-instance sendTask (block)" \
    has "$(el sendTask "@id='block'")/*[local-name()='multiInstanceLoopCharacteristics' and not(@isSequential='true')]"
check "§14.4 condition → exclusiveGateway split and join, the jq as conditionExpression, else the default" \
    has "$(el exclusiveGateway "@id='check' and @default")" \
    "$(el exclusiveGateway "@id='check.join'")" \
    "$(el conditionExpression "contains(., '.steps.reputation.malicious == true')")"
check "§14.4 parallel → parallelGateway split and join (contain)" \
    has "$(el parallelGateway "@id='contain.split'")" "$(el parallelGateway "@id='contain.join'")"
check "§14.4 foreach → subProcess with sequential multiInstanceLoopCharacteristics (accounts)" \
    has "$(el subProcess "@id='accounts'")/*[local-name()='multiInstanceLoopCharacteristics' and @isSequential='true']"
check "§14.4 sub-playbook → callActivity calledElement=Playbook_endpoint-compromise (follow-up)" \
    has "$(el callActivity "@id='follow-up' and @calledElement='Playbook_endpoint-compromise'")"
check "§14.4 wait → intermediateCatchEvent with a timer of PT30S (settle)" \
    has "$(el intermediateCatchEvent "@id='settle'")//*[local-name()='timeDuration' and normalize-space()='PT30S']"
check "§14.4 timeout → interrupting boundary timer on the step (reputation.timeout, PT2M)" \
    has "$(el boundaryEvent "@id='reputation.timeout' and @attachedToRef='reputation' and @cancelActivity='true'")//*[local-name()='timeDuration' and normalize-space()='PT2M']"
check "§14.4 on_error continue → boundary error event and a join after the step (reputation)" \
    has \
    "$(el boundaryEvent "@id='reputation.error' and @attachedToRef='reputation'")/*[local-name()='errorEventDefinition']" \
    "$(el exclusiveGateway "@id='reputation.after'")"
check "§14.4 on_error as a list of steps → the error path's task (suspend.error → ticket)" \
    has "$(el boundaryEvent "@id='suspend.error'")" \
    "$(el sequenceFlow "@sourceRef='suspend.error' and @targetRef='ticket'")"
check "§14.4 on_error fail on an approval → end event \"run denied\" (gate.failed)" \
    has "$(el endEvent "@id='gate.failed' and @name='run denied'")"
check "§14.4 a parallel and a condition with on_error are boxed sub-processes with a boundary error" \
    has "$(el boundaryEvent "@id='contain.error' and @attachedToRef='contain'")" \
    "$(el boundaryEvent "@id='branching.error' and @attachedToRef='branching'")"

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
