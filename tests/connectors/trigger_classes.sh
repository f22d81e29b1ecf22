#!/usr/bin/env bash
# Playbooks trigger on the classes beyond the SIEM (issue 15.5): a real broker
# and adapter over CURVE, the inventory and threat-intelligence records
# arriving through file-tail sources (the webhook source takes the same
# bodies; docs/triggers.md runs those): a new CMDB computer (Device
# Inventory Info 5001), a changed one (Device Config State Change 5019) and a
# MISP indicator (Base Event 0 with osint[]) each start their playbook, whose
# templates read the class's fields; records no playbook names start nothing.
source "$(dirname "$0")/../integration/lib.sh"
: >"$WORK/cmdb.ndjson"
: >"$WORK/misp.ndjson"
mkdir -p "$WORK/playbooks" "$WORK/alpha"
cat >"$WORK/alpha.json" <<JSON
{"sources": [
  {"name": "cmdb", "type": "file-tail", "source_id": "servicenow.cmdb_ci", "path": "$WORK/cmdb.ndjson", "interval_s": 1},
  {"name": "misp", "type": "file-tail", "source_id": "misp.attribute", "path": "$WORK/misp.ndjson", "interval_s": 1}]}
JSON
cat >"$WORK/playbooks/new-system.json" <<'PB'
{"name": "new-system", "trigger": {"class_uid": [5001], "sources": ["servicenow.cmdb_ci"]},
 "steps": [{"id": "seen", "type": "set", "case": {"note": "new system {{ .event.device.hostname }} ({{ .event.device.ip }}) owned by {{ .event.device.owner.name }}"}}]}
PB
cat >"$WORK/playbooks/config-change.json" <<'PB'
{"name": "config-change", "trigger": {"class_uid": [5019], "filter": ".unmapped.previous.ip_address != null"},
 "steps": [{"id": "moved", "type": "set", "case": {"note": "{{ .event.device.hostname }} moved from {{ .event.unmapped.previous.ip_address }} to {{ .event.device.ip }}"}}]}
PB
cat >"$WORK/playbooks/new-indicator.json" <<'PB'
{"name": "new-indicator", "trigger": {"class_uid": [0], "sources": ["misp.attribute"], "filter": ".osint[0].confidence_id == 3"},
 "steps": [{"id": "ioc", "type": "set", "case": {"note": "indicator {{ .event.osint[0].value }} ({{ .event.osint[0].tlp }}) from {{ .event.osint[0].creator.name }}"}}]}
PB
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
start_adapter alpha --config "$WORK/alpha.json"
wait_for 20 "alpha connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 1 ]"

jq -c '.result[]' "$SRC/tests/fixtures/vendors/servicenow.cmdb_ci/computers.json" >>"$WORK/cmdb.ndjson"
jq -c '.Attribute[]' "$SRC/tests/fixtures/vendors/misp.attribute/attributes.json" >>"$WORK/misp.ndjson"
wait_for 40 "4 events stored" stat_is .events.total 4
wait_for 40 "three runs completed" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq '[.[] | select(.status == \"completed\")] | length')\" = 3 ]"
runs=$(ctl runs list --json)
check "one run per playbook: new-system, config-change, new-indicator" \
    [ "$(jq -c '[.[].playbook] | sort' <<<"$runs")" = '["config-change","new-indicator","new-system"]' ]
note() { ctl case show "$(jq -r --arg p "$1" '.[] | select(.playbook == $p) | .case_id' <<<"$runs")" --json | jq -r '.notes[-1].text'; }
check "5001: the new system's note reads the device" [ "$(note new-system)" = "new system beta-web07 (10.40.1.7) owned by Avery Smith" ]
check "5019: the change's note reads the previous address" [ "$(note config-change)" = "alpha-web01 moved from 10.20.1.4 to 10.20.1.5" ]
check "0: the indicator's note reads osint[]" [ "$(note new-indicator)" = "indicator 203.0.113.66 (AMBER) from CIRCL" ]
check "the low-confidence indicator (to_ids false) started nothing: three cases" [ "$(ctl case list --json | jq length)" = 3 ]
finish
