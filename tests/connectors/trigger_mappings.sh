#!/usr/bin/env bash
# The mappings of the triggers beyond the SIEM (issue 15.5, docs/triggers.md):
# tenable.vuln_export (Vulnerability Finding 2002), servicenow.cmdb_ci
# (Device Inventory Info 5001 / Device Config State Change 5019) and
# misp.attribute (a threat indicator: Base Event 0 with osint[]). Each
# fixture tests/fixtures/vendors/SRC/NAME.json is normalized with
# `fedsoarctl normalize` and compared, every leaf of every event, with
# tests/fixtures/ocsf_expected/SRC/NAME.json.json (the project's expected
# output files, which the unit test test_normalize_expected reads too),
# checked by hand against the OCSF 1.8.0 classes; then bad records: refused
# naming the field, or kept with the conversion error (issue 17.2).
source "$(dirname "$0")/../integration/lib.sh"
MAP="$SRC/normalize/mappings"
norm() { "$BIN/fedsoarctl" normalize --mappings "$MAP" "$@"; }
leaves() { jq -c 'paths(type != "object" and type != "array") as $p | [($p | map(tostring) | join(".")), getpath($p)]'; }

compare() { # compare SOURCE NAME: every field of every event as the expected file says
    local src=$1 name=$2
    local exp="$SRC/tests/fixtures/ocsf_expected/$src/$name.json.json"
    norm --source "$src" --site beta "$SRC/tests/fixtures/vendors/$src/$name.json" >"$WORK/$src.out"
    local n
    n=$(jq '.events | length' "$exp")
    check "$src $name: as many events as expected ($n)" [ "$(wc -l <"$WORK/$src.out")" = "$n" ]
    for ((i = 0; i < n; i++)); do
        got=$(sed -n "$((i + 1))p" "$WORK/$src.out")
        if diff <(jq -c --argjson i "$i" '.events[$i].fields | to_entries[] | [.key, .value]' "$exp" | sort) \
            <(leaves <<<"$got" | sort) >"$WORK/$src.$i.diff"; then
            pass "$src $name event $i: every field as expected"
        else
            fail "$src $name event $i differs (< expected, > got):"
            cat "$WORK/$src.$i.diff"
        fi
    done
}

compare tenable.vuln_export regresshion_chunk
compare servicenow.cmdb_ci computers
compare misp.attribute attributes

# What a playbook reads, said once more in plain words.
norm --source tenable.vuln_export --site alpha "$SRC/tests/fixtures/vendors/tenable.vuln_export/regresshion_chunk.json" >"$WORK/tenable.ndjson"
ev=$(sed -n 1p "$WORK/tenable.ndjson")
check "tenable: critical -> severity_id 5" [ "$(jq .severity_id <<<"$ev")" = 5 ]
check "tenable: the CVE" [ "$(jq -r '.vulnerabilities[0].cve.uid' <<<"$ev")" = CVE-2024-6387 ]
check "tenable: exploit available" [ "$(jq '.vulnerabilities[0].is_exploit_available' <<<"$ev")" = true ]
check "tenable: VPR kept (unmapped.plugin.vpr.score)" [ "$(jq '.unmapped.plugin.vpr.score' <<<"$ev")" = 9.2 ]
check "tenable: host, IPv4 and asset uuid" \
    [ "$(jq -c '[.device.hostname, .device.ip, .device.uid]' <<<"$ev")" = '["alpha-web01","10.20.1.5","6f1c2d3e-0a1b-4c5d-8e9f-a1b2c3d4e501"]' ]
ev2=$(sed -n 2p "$WORK/tenable.ndjson")
check "tenable: FIXED -> activity 3 Close, status 4 Resolved" [ "$(jq -c '[.activity_id, .status_id]' <<<"$ev2")" = '[3,4]' ]
check "tenable: every CVE of the plugin in related_vulnerabilities" \
    [ "$(jq -c '.vulnerabilities[0].related_vulnerabilities' <<<"$ev2")" = '["CVE-2021-44228","CVE-2021-45046"]' ]

# Bad records: refused with the field and the record, the good ones kept.
printf '%s\n' '{"asset": {"uuid": "a-1"}, "plugin": {"id": 1, "name": "x"}, "state": "OPEN"}' \
    '{"asset": {"uuid": "a-2", "hostname": "ok"}, "plugin": {"id": 2, "name": "y"}, "state": "OPEN", "last_found": "2026-12-01T00:00:00Z"}' \
    '{"plugin": {"id": 3, "name": "z"}, "state": "OPEN", "last_found": "2026-12-01T00:00:00Z"}' >"$WORK/bad_tenable.ndjson"
set +e
norm --source tenable.vuln_export --site alpha "$WORK/bad_tenable.ndjson" >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
set -e
check "tenable: a bad record makes exit status 1" [ "$rc" = 1 ]
check "tenable: the good record is still normalized" [ "$(wc -l <"$WORK/bad.out")" = 1 ]
check "tenable: no time -> refused naming the field" grep -q 'record 1 .*field last_found: required' "$WORK/bad.err"
check "tenable: no asset uuid -> refused (no finding id)" grep -q 'record 3 .*asset.uuid: required' "$WORK/bad.err"

# A time ServiceNow never writes: the record is kept (issue 17.2), the time
# falls back to the receipt time and the value is named in conversion_errors.
printf '%s\n' '{"sys_id": "s1", "name": "h1", "sys_updated_on": "yesterday", "sys_mod_count": "0"}' |
    norm --source servicenow.cmdb_ci --site beta - >"$WORK/cmdb_bad.out"
check "cmdb: a bad time keeps the record (5001, host h1)" jq -e '.class_uid == 5001 and .device.hostname == "h1"' "$WORK/cmdb_bad.out"
check "cmdb: ... its time is the receipt time" jq -e --argjson now "$(($(date +%s) * 1000))" '(.time - $now) | fabs < 600000' "$WORK/cmdb_bad.out"
check "cmdb: ... and conversion_errors names the field and the value" \
    jq -e '[.unmapped.conversion_errors[] | select(.field == "sys_updated_on" and .value == "yesterday")] | length > 0' "$WORK/cmdb_bad.out"
finish
