#!/usr/bin/env bash
# CACAO v2.0 import and export (docs/cacao.md), offline through fedsoarctl:
# every SOARCA example but fin-playbook.json imports to the expected fedsoar
# steps, fin-playbook.json is refused with its JSON path, hand-written bad
# documents are each refused with the path of their fault, every shipped
# playbook exports to a document valid against the OASIS JSON Schemas
# (python3-jsonschema, every $ref from the local files), the export is
# stable, and export → import gives the same playbook, whose dry run takes
# the same steps as the original's. Signatures: cacao_signatures.sh.
source "$(dirname "$0")/../integration/lib.sh"
require_tool python3 jq cmp diff
python3 -c 'import jsonschema' 2>/dev/null || { echo "missing python3-jsonschema (deploy/bootstrap installs it)"; exit 1; }
CACAO="${FEDSOAR_SHARED:?}/conformance/cacao"
SCHEMAS="$CACAO/cacao-json-schemas/schemas"
EX="$CACAO/soarca-examples"
HERE="$SRC/tests/reconfig"
[ -f "$SCHEMAS/playbook.json" ] && [ -d "$EX" ] || { echo "no CACAO conformance data in $CACAO"; exit 1; }
fc() { "$BIN/fedsoarctl" "$@"; }
validate() { python3 "$HERE/cacao_schema.py" "$SCHEMAS" "$@"; }

# --- the validator can fail (so a pass below means something) ---------------------
check "the schema check refuses fin-playbook.json at its agent" \
    bash -c "python3 '$HERE/cacao_schema.py' '$SCHEMAS' '$EX/fin-playbook.json' | grep -q \"invalid: .*workflow\\['action--2fd6bca0-24ed-4d74-8eae-da126a84f7c4'\\].agent\""

# --- SOARCA examples ------------------------------------------------------------------
steps() { jq -c '[.. | objects | select(has("id") and has("type")) | [.id, .type]]' "$1"; }
imp() { # NAME: import EX/NAME-playbook.json into WORK/NAME.json
    fc cacao import "$EX/$1-playbook.json" --output "$WORK/$1.json" >"$WORK/$1.out"
}
check "http example imports" imp http
check "http: one action through the http-api responder, GET httpbin" \
    jq -e '.steps | length == 1 and .[0].type == "action" and .[0].responder == "http-api" and .[0].input.method == "GET" and .[0].input.url == "https://httpbin.org/get"' "$WORK/http.json"
check "manual example imports" imp manual
check "manual: an approval carrying the instruction, its 100 s timeout, failing when nobody confirms" \
    jq -e '.steps | length == 1 and .[0].type == "approval" and .[0].timeout == "100000ms" and .[0].on_timeout == "fail" and (.[0].reason | contains("prepare Falcon for hyperspeed jump") and contains("Luke Skywalker"))' "$WORK/manual.json"
check "openc2 example imports" imp openc2
check "openc2: an openc2 step, deny ipv4_connection, slpf actuator, no transport headers" \
    jq -e '.steps | length == 1 and .[0].type == "openc2" and .[0].command.action == "deny" and .[0].command.target.ipv4_connection.src_addr == "1.2.3.4" and .[0].command.actuator == {"slpf": {}} and (.[0].command | has("headers") or has("request_id") | not)' "$WORK/openc2.json"
check "powershell example imports" imp powershell
check "powershell: an approval with the command and where, credentials not copied" \
    jq -e '.steps | length == 1 and .[0].type == "approval" and (.[0].reason | contains("powershell command") and contains("pwd") and contains("192.168.1.2"))' "$WORK/powershell.json"
check "powershell: the example's password is not in the playbook" bash -c "! grep -q 'Password1234' '$WORK/powershell.json'"
check "ssh example imports" imp ssh
check "ssh: two approvals in order, variables substituted (ls -la, touch /root/file1)" \
    jq -e '[.steps[] | .type] == ["approval", "approval"] and (.steps[0].reason | contains(": ls -la")) and (.steps[1].reason | contains("touch /root/file1"))' "$WORK/ssh.json"
check "ssh: credentials named, not copied" bash -c "grep -q 'credentials: user-auth--b7ddc2ea' '$WORK/ssh.json' && ! grep -q '\"password\"' '$WORK/ssh.json'"
check "imported playbooks never trigger until given a trigger" \
    bash -c "for n in http manual openc2 powershell ssh; do jq -e '.trigger == {\"filter\": \"false\"}' '$WORK/'\$n.json >/dev/null || exit 1; done"
check "each import is a valid fedsoar playbook" \
    bash -c "for n in http manual openc2 powershell ssh; do '$BIN/fedsoarctl' playbook validate '$WORK/'\$n.json >/dev/null || exit 1; done"
check "--sites: an agent named for a site sends its openc2 step there" \
    bash -c "'$BIN/fedsoarctl' cacao import '$EX/openc2-playbook.json' --sites beta,soarca-openc2-http | jq -e '.steps[0].site == \"soarca-openc2-http\"' >/dev/null"
check "--sites: else a target named for a site (http-api target httpbin)" \
    bash -c "'$BIN/fedsoarctl' cacao import '$EX/http-playbook.json' --sites httpbin | jq -e '.steps[0].site == \"httpbin\"' >/dev/null"
check "without --sites, routing decides: no site" jq -e '.steps[0] | has("site") | not' "$WORK/openc2.json"
out=$(fc cacao import "$EX/fin-playbook.json" --output "$WORK/fin.json"; echo "rc=$?")
check "fin-playbook.json is refused (exit 1) with its JSON path" \
    grep -q "^refused: .*fin-playbook.json: \$.workflow\[\"action--2fd6bca0-24ed-4d74-8eae-da126a84f7c4\"\].agent: \"soarca-fin-pong-f896bb3b-bb37-429e-8ece-2d4286cf326d\" is not a CACAO identifier" <<<"$out"
check "fin-playbook.json: exit 1 and nothing written" bash -c "grep -q '^rc=1$' <<<'$out' && [ ! -e '$WORK/fin.json' ]"
dry=$(fc cacao import "$EX/ssh-playbook.json" --dry-run --output "$WORK/dry.json")
check "--dry-run lists the steps and writes nothing" bash -c "grep -q 'approval role analyst' <<<'$dry' && [ ! -e '$WORK/dry.json' ]"

# --- bad documents: each refused with the path of its fault --------------------------
python3 - "$WORK" <<'PY'
import json, sys
W = sys.argv[1]
U = lambda t, n: "%s--00000000-0000-4000-8000-%012d" % (t, n)
S, E, A = U("start", 0), U("end", 255), U("individual", 161)
def doc(wf, agent_type="individual", email="alice@example.org"):
    wf = dict(wf); wf[E] = {"type": "end"}
    return {"type": "playbook", "spec_version": "cacao-2.0", "id": U("playbook", 1), "name": "Bad",
            "created_by": U("identity", 2), "created": "2024-01-01T00:00:00.000Z",
            "modified": "2024-01-01T00:00:00.000Z", "workflow_start": S, "workflow": wf,
            "agent_definitions": {A: {"type": agent_type, "name": "Alice", "contact": {"email": {"work": email}}}}}
def act(to, cmd="manual"):
    return {"type": "action", "agent": A, "on_completion": to, "commands": [{"type": cmd, "command": "x"}]}
first = {S: {"type": "start", "on_completion": U("action", 1)}}
bad = {
    "unknown-step": doc({**first, U("action", 1): act(U("action", 9))}),
    "unreachable": doc({**first, U("action", 1): act(E), U("action", 2): act(E)}),
    "cycle": doc({**first, U("action", 1): act(U("action", 2)), U("action", 2): act(U("action", 1))}),
    "agent-type": doc({**first, U("action", 1): act(E)}, agent_type="robot"),
    "email": doc({**first, U("action", 1): act(E)}, email="alice.example.org"),
    "command-type": doc({**first, U("action", 1): act(E, "pong")}),
    "http-line": doc({**first, U("action", 1): {**act(E, "http-api"),
        "commands": [{"type": "http-api", "command": "GET"}]}}),
    # the target's URL and the command's path fit 1023 bytes each, not together
    "http-url": {**doc({**first, U("action", 1): {**act(E, "http-api"), "targets": [U("http-api", 7)],
        "commands": [{"type": "http-api", "command": "GET /" + "p" * 600}]}}),
        "target_definitions": {U("http-api", 7): {"type": "http-api", "name": "api",
                                                  "address": {"url": ["https://api.example/" + "u" * 600]}}}},
}
for k, v in bad.items():
    json.dump(v, open("%s/bad-%s.json" % (W, k), "w"))
PY
refused() { # NAME EXPECTED: exit 1 and the expected text
    local out rc
    out=$(fc cacao import "$WORK/bad-$1.json" --output "$WORK/bad-$1.out.json") && rc=0 || rc=$?
    [ "$rc" = 1 ] && [ ! -e "$WORK/bad-$1.out.json" ] && grep -qF -- "$2" <<<"$out" || { echo "  got rc=$rc: $out"; return 1; }
}
A1='$.workflow["action--00000000-0000-4000-8000-000000000001"]'
A2='$.workflow["action--00000000-0000-4000-8000-000000000002"]'
AG='$.agent_definitions["individual--00000000-0000-4000-8000-000000000161"]'
check "unknown step reference: refused at its on_completion" refused unknown-step "$A1.on_completion: step \"action--00000000-0000-4000-8000-000000000009\" does not exist"
check "unreachable step: refused at the step" refused unreachable "$A2: unreachable from workflow_start"
check "cycle not through a while-condition: refused at the closing edge" refused cycle "$A2.on_completion: \"action--00000000-0000-4000-8000-000000000001\" closes a cycle"
check "unknown agent type: refused by name" refused agent-type "$AG.type: unknown agent/target type \"robot\""
check "malformed e-mail: refused at the address" refused email "$AG.contact.email.work: \"alice.example.org\" is not an e-mail address"
check "unknown command type: refused by name" refused command-type "$A1.commands[0].type: unknown command type \"pong\""
check "an http-api command without a path: refused at the command, never cut short" refused http-line "$A1.commands[0].command: an http-api command is"
check "an http-api URL longer than 1023 bytes: refused at the command, never cut short" refused http-url "$A1.commands[0].command: the target's URL with this path is longer than 1023 bytes"

# --- export: schema-valid, stable, and the round trip behaves the same ------------------
cat >"$WORK/event.json" <<'JSON'
{"class_uid": 2004, "category_uid": 2, "site": "alpha", "source": "crowdstrike.alert", "severity_id": 5,
 "time": 1700000000000, "message": "credential dumping from 203.0.113.9",
 "finding_info": {"uid": "f-1", "title": "lsass dump", "attacks": [{"technique": {"uid": "T1003.001"}}]},
 "device": {"hostname": "ws-17", "uid": "dev-17"}, "actor": {"user": {"name": "a.lindqvist", "email_addr": "a.lindqvist@alpha.example"}},
 "src_endpoint": {"ip": "203.0.113.9"}, "evidences": [{"src_endpoint": {"ip": "203.0.113.9"}}],
 "observables": [{"type_id": 2, "name": "src_endpoint.ip", "value": "203.0.113.9"}]}
JSON
dry_steps() { # FILE [FLAGS]: the dry run's step lines (what it does, not its header)
    fc playbook test "$@" --event "$WORK/event.json" | grep -v '^dry run of\|^note:'
}
for p in "$SRC"/playbooks/library/*.json; do
    n=$(basename "$p" .json)
    fc cacao export "$p" --output "$WORK/$n.cacao.json" >/dev/null
    check "$n: the export is valid against the CACAO v2.0 schemas" validate "$WORK/$n.cacao.json"
    fc cacao export "$p" --output "$WORK/$n.cacao2.json" >/dev/null
    check "$n: exporting again gives the same bytes" cmp -s "$WORK/$n.cacao.json" "$WORK/$n.cacao2.json"
    check "$n: every step is a CACAO step with a UUID v5 id" \
        jq -e --argjson k "$(jq '[.. | objects | select(has("id") and has("type"))] | length' "$p")" '[.workflow | keys[] | select(test("^(action|if-condition|while-condition|parallel|playbook-action)--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]"))] | length == $k' "$WORK/$n.cacao.json"
    fc cacao import "$WORK/$n.cacao.json" --output "$WORK/$n.back.json" >/dev/null
    check "$n: export → import gives the same playbook" bash -c "diff <(jq -S . '$p') <(jq -S . '$WORK/$n.back.json')"
    for flags in "" "--deny" "--fail-commands"; do
        dry_steps "$p" $flags >"$WORK/$n.dry-a" || true
        dry_steps "$WORK/$n.back.json" $flags >"$WORK/$n.dry-b" || true
        check "$n: the round trip's dry run ${flags:-(all succeed)} takes the same $(grep -c '^  \(step\|set case\)' "$WORK/$n.dry-a") steps" \
            bash -c "[ \$(grep -c '^  \(step\|set case\)' '$WORK/$n.dry-a') -gt 1 ] && diff '$WORK/$n.dry-a' '$WORK/$n.dry-b'"
    done
done
# a CACAO consumer that knows nothing of fedsoar reads the structure natively
check "endpoint-compromise: the approval is a manual command, the containment an openc2-http one" \
    jq -e '[.workflow[] | select(.type=="action") | .commands[0].type] | (index("manual") != null) and (index("openc2-http") != null)' "$WORK/endpoint-compromise.cacao.json"
check "the validator refuses an export without its created timestamp" \
    bash -c "jq 'del(.created)' '$WORK/phishing-triage.cacao.json' >'$WORK/broken.json'; ! python3 '$HERE/cacao_schema.py' '$SCHEMAS' '$WORK/broken.json' >/dev/null"
finish
