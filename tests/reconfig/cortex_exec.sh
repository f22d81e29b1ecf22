#!/usr/bin/env bash
# Issue 16.3: the exec analyzer speaks Cortex's job-directory contract. Three
# job-directory programs written here behave as cortexutils' Worker does
# (read JOB/input/input.json, write JOB/output/output.json, exit 1 on error
# with errorMessage and the input with its secrets scrubbed): an IP analyzer
# (taxonomies, artifacts), a file analyzer configured through its Cortex
# NAME.json definition (dataTypeList, command, configurationItems), and one
# that fails — and a responder whose operations act on the case. Driven by a
# real broker running a playbook (REQUEST/RESULT). The results reach the
# case: taxonomies as timeline lines, artifacts as OCSF observables, the
# operations AddTagToCase and AddCustomFields applied, any other refused by
# name (broker/cortex_results.c).
source "$(dirname "$0")/../integration/lib.sh"
require_tool python3
require_tool jq
A="$WORK/analyzers"
mkdir -p "$A/IPCheck" "$A/FileHash" "$A/Failing" "$A/Contain"
# The Worker's behaviour, shared by the three (a small cortexutils stand-in).
cat >"$A/worker.py" <<'PY'
import json, os, sys
SECRET_WORDS = ("key", "password", "secret", "token")
def scrub(v):
    if isinstance(v, dict):
        return {k: ("REMOVED" if any(w in k.lower() for w in SECRET_WORDS) else scrub(x)) for k, x in v.items()}
    return v
class Worker:
    def __init__(self):
        self.job = sys.argv[1]
        with open(os.path.join(self.job, "input", "input.json")) as f:
            self.input = json.load(f)
        self.data_type = self.input.get("dataType")
    def get_param(self, name, default=None):
        v = self.input
        for part in name.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        return default if v is None else v
    def write(self, out):
        os.makedirs(os.path.join(self.job, "output"), exist_ok=True)
        with open(os.path.join(self.job, "output", "output.json"), "w") as f:
            json.dump(out, f)
    def error(self, message):
        self.write({"success": False, "input": scrub(self.input), "errorMessage": message})
        sys.exit(1)
    def report(self, full, taxonomies=(), artifacts=(), operations=()):
        self.write({"success": True, "summary": {"taxonomies": list(taxonomies)}, "full": full,
                    "artifacts": list(artifacts), "operations": list(operations)})
def taxonomy(level, namespace, predicate, value):
    return {"level": level, "namespace": namespace, "predicate": predicate, "value": value}
PY
cat >"$A/IPCheck/ipcheck.py" <<PY
#!/usr/bin/env python3
import sys; sys.path.insert(0, "$A")
from worker import Worker, taxonomy
w = Worker()
if w.data_type != "ip":
    w.error("only ip")
ip = w.get_param("data")
w.report({"ip": ip, "seen_in": ["botnet-feed"], "api_key_used": w.get_param("config.key") == "K-123"},
         [taxonomy("malicious", "Test", "Reputation", "botnet")],
         [{"dataType": "domain", "data": "c2.bad.example", "message": "resolved from " + ip},
          {"dataType": "ip", "data": "198.51.100.23", "message": "peer of " + ip},
          {"dataType": "registry", "data": "HKLM\\Software\\Evil", "message": "no OCSF type"}])
PY
cat >"$A/Contain/contain.py" <<PY
#!/usr/bin/env python3
import sys; sys.path.insert(0, "$A")
from worker import Worker
w = Worker()
w.report({"message": "host contained"}, [], [],
         [{"type": "AddTagToCase", "tag": "cortex:contained"},
          {"type": "AddCustomFields", "name": "verdict", "tpe": "string", "value": "malicious"},
          {"type": "MarkAlertAsRead"}])
PY
cat >"$A/FileHash/filehash.py" <<PY
#!/usr/bin/env python3
import hashlib, os, sys; sys.path.insert(0, "$A")
from worker import Worker, taxonomy
w = Worker()
path = os.path.join(w.job, "input", w.get_param("file"))
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
w.report({"sha256": digest, "filename": w.get_param("filename"), "algo": w.get_param("config.algo")},
         [taxonomy("info", "Hash", "sha256", digest[:12])])
PY
cat >"$A/FileHash/FileHash.json" <<'JSON'
{"name": "FileHash", "version": "1.0", "author": "fedsoar tests", "license": "AGPL-V3",
 "description": "sha256 of a file", "dataTypeList": ["file"], "command": "FileHash/filehash.py",
 "baseConfig": "FileHash",
 "configurationItems": [{"name": "algo", "type": "string", "multi": false, "required": false, "defaultValue": "sha256"}]}
JSON
cat >"$A/Failing/failing.py" <<PY
#!/usr/bin/env python3
import sys; sys.path.insert(0, "$A")
from worker import Worker
w = Worker()
w.error("upstream API refused the lookup (quota exceeded)")
PY
chmod +x "$A"/*/*.py
cat >"$WORK/alpha.json" <<JSON
{"connectors": [
  {"name": "cortex-ip", "kind": "analyzer", "type": "exec", "protocol": "cortex",
   "command": ["$A/IPCheck/ipcheck.py"], "config": {"key": "K-123"}},
  {"name": "cortex-file", "kind": "analyzer", "type": "cortex", "cortex_definition": "$A/FileHash/FileHash.json"},
  {"name": "cortex-fail", "kind": "analyzer", "type": "exec", "protocol": "cortex",
   "command": ["$A/Failing/failing.py"], "config": {"api_key": "S3CR3T-$RANDOM", "password": "pw-$RANDOM"}},
  {"name": "cortex-contain", "kind": "responder", "type": "exec", "protocol": "cortex",
   "command": ["$A/Contain/contain.py"]}
]}
JSON
SECRET1=$(jq -r '.connectors[2].config.api_key' "$WORK/alpha.json")
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/cortex.json" <<'JSON'
{
  "name": "cortex-jobs",
  "title": "Cortex analyzers through the exec connector",
  "description": "Reconfig test: three Cortex job-directory analyzers.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "ip", "type": "enrich", "analyzer": "cortex-ip", "site": "alpha", "input": {"data": "203.0.113.66", "dataType": "ip"}},
    {"id": "file", "type": "enrich", "analyzer": "cortex-file", "site": "alpha",
     "input": {"dataType": "file", "filename": "sample.bin", "file_b64": "aGVsbG8K"}},
    {"id": "wrongtype", "type": "enrich", "analyzer": "cortex-file", "site": "alpha", "on_error": "continue",
     "input": {"dataType": "ip", "data": "203.0.113.66"}},
    {"id": "fail", "type": "enrich", "analyzer": "cortex-fail", "site": "alpha", "on_error": "continue",
     "input": {"data": "203.0.113.66", "dataType": "ip"}},
    {"id": "contain", "type": "action", "responder": "cortex-contain", "site": "alpha",
     "input": {"data": "203.0.113.66", "dataType": "ip"}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 40 "the playbook run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs list --json 2>/dev/null | jq -e '[.. | objects | select(.status? == \"completed\")] | length > 0'"
ctl runs show 1 --json >"$WORK/run.json"
ctl case show 1 --json >"$WORK/case.json"
check "the IP analyzer read JOB/input/input.json (data, config) and its output.json came back" \
    grep -q '"api_key_used": *true' <(jq . "$WORK/run.json")
check "its summary.taxonomies came back" grep -q '"predicate": *"Reputation"' <(jq . "$WORK/run.json")
check "its artifacts came back" grep -q 'c2.bad.example' "$WORK/run.json"
check "the file analyzer (NAME.json definition) hashed the file written under JOB/input/" \
    grep -q '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03' "$WORK/run.json"
check "the definition's configurationItems default reached it" grep -q '"algo": *"sha256"' <(jq . "$WORK/run.json")
check "a dataType outside the definition's dataTypeList is refused by name" \
    grep -q "dataType not in the definition's dataTypeList: ip" "$WORK/run.json"
check "a failing analyzer (exit 1) keeps its errorMessage" \
    grep -q 'upstream API refused the lookup (quota exceeded)' "$WORK/run.json"
check "the secret never reaches the broker (scrubbed by the worker, not echoed)" \
    bash -c "! grep -rqF '$SECRET1' '$WORK/run.json' '$WORK/case.json' '$WORK/broker.log'"
# The results on the case (broker/cortex_results.c).
check "the taxonomy is on the case timeline (level, namespace, predicate, value)" \
    jq -e '[.. | objects | select(.kind? == "cortex_taxonomy" and .level == "malicious" and .namespace == "Test" and .predicate == "Reputation" and .value == "botnet" and .name == "cortex-ip")] | length == 1' "$WORK/case.json"
check "the file analyzer's taxonomy too" \
    jq -e '[.. | objects | select(.kind? == "cortex_taxonomy" and .namespace == "Hash" and .value == "5891b5b522d5")] | length == 1' "$WORK/case.json"
check "the domain artifact is an observable of the case (OCSF Hostname, type_id 1)" \
    jq -e '[.. | objects | select(.type_id? == 1 and .type == "Hostname" and .value == "c2.bad.example" and .source == "cortex:cortex-ip@alpha")] | length == 1' "$WORK/case.json"
check "the ip artifact is an observable of the case (OCSF IP Address, type_id 2)" \
    jq -e '[.. | objects | select(.type_id? == 2 and .value == "198.51.100.23")] | length == 1' "$WORK/case.json"
check "an artifact of a dataType with no OCSF type is refused by name" \
    grep -q 'dataType \\"registry\\" has no OCSF observable type' "$WORK/run.json"
check "the responder's AddTagToCase put the tag on the case" \
    jq -e '.. | objects | select(has("tags")) | .tags | index("cortex:contained") != null' "$WORK/case.json"
check "its AddCustomFields set the case's custom field" \
    jq -e '[.. | objects | select(.custom_fields?.verdict == "malicious")] | length >= 1' "$WORK/case.json"
check "an operation fedsoar does not apply is refused by name in the step's result" \
    bash -c "jq -r '.. | objects | select(has(\"case_applied\")) | .case_applied.refused[]?.reason' '$WORK/run.json' | grep -q 'operation MarkAlertAsRead is not applied by fedsoar'"
check "the case timeline says what was applied and refused" \
    jq -e '[.. | objects | select(.kind? == "cortex_applied" and .name == "cortex-contain" and (.applied.tags | index("cortex:contained")) != null and .applied.refused_count == 1)] | length == 1' "$WORK/case.json"
check "no job directory is left behind" bash -c "[ -z \"\$(ls -A '$WORK/alpha/cortex-jobs' 2>/dev/null)\" ]"
finish
