#!/usr/bin/env bash
# Issue 15.2 (capability gap analysis) and 15.3 (consolidated alert
# coverage), docs/mna-gap.md, with real daemons over CURVE: three sites with
# different stacks — alpha (Suricata and CrowdStrike through file-tail, an
# Okta source that sends nothing, EDR/IdP connectors, the record-only
# actuator), beta (Defender through file-tail, mail and IOC search, an
# OpenC2-over-HTTPS consumer announcing only deny ipv4_net) and hq (threat
# intel, ticket, chat; a consumer that only allows) — and the shipped playbooks.
#
# The expected gap is derived by hand from playbooks/library/*.json and the
# connectors configured below; the expected classes and techniques come from
# `fedsoarctl normalize` of the same fixture lines, not from the broker.
source "$(dirname "$0")/../integration/lib.sh"
source "$SRC/tests/http/http_lib.sh"
FIX="$SRC/tests/fixtures"
CONN="$FIX/connectors"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta,hq,delta --operators admin >/dev/null
standin() { # NAME KIND
    printf '{"name": "%s", "kind": "%s", "type": "exec", "command": ["%s/standin.sh"], "config": {"name": "%s", "log": "%s/calls.log", "reply": {}}}' \
        "$1" "$2" "$CONN" "$1" "$WORK"
}
EVE="$WORK/eve.json" CS="$WORK/cs.json" MDE="$WORK/mde.json" OKTA="$WORK/okta.json"
cat >"$WORK/hq.json" <<CFG
{"site": "hq", "broker": "$SITE_EP", "state_dir": "$WORK/hq", "keys_dir": "$KEYS", "actuators": "openc2-https",
 "actuator_config": {"openc2-https": {"url": "https://127.0.0.1:9/openc2", "pairs": {"allow": ["ipv4_net"]}}},
 "connectors": [$(standin threat-intel analyzer), $(standin ticket responder), $(standin chat responder)]}
CFG
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS", "actuators": "record-only",
 "sources": [{"name": "ids", "type": "file-tail", "source_id": "suricata.eve", "path": "$EVE", "interval_s": 1},
             {"name": "edr", "type": "file-tail", "source_id": "crowdstrike.alert", "path": "$CS", "interval_s": 1},
             {"name": "idp", "type": "file-tail", "source_id": "okta.system_log", "path": "$OKTA", "interval_s": 1, "silence_alert_s": 4}],
 "connectors": [$(standin host-context analyzer), $(standin ioc-search analyzer), $(standin idp-suspend-user responder), $(standin idp-revoke-sessions responder)]}
CFG
cat >"$WORK/beta.json" <<CFG
{"site": "beta", "broker": "$SITE_EP", "state_dir": "$WORK/beta", "keys_dir": "$KEYS", "actuators": "openc2-https",
 "actuator_config": {"openc2-https": {"url": "https://127.0.0.1:9/openc2", "pairs": {"deny": ["ipv4_net"]}}},
 "sources": [{"name": "edr", "type": "file-tail", "source_id": "microsoft.mde_alert", "path": "$MDE", "interval_s": 1}],
 "connectors": [$(standin mail-search analyzer), $(standin ioc-search analyzer)]}
CFG
cat >"$WORK/broker.json" <<CFG
{"coverage": {"silent_source_case": true}}
CFG
# The native records, one per line (file-tail), and what the normalizer makes of them.
cp "$FIX/vendors/suricata.eve/eve.ndjson" "$EVE"
jq -c . "$FIX/vendors/crowdstrike.alert/epp_c2_attacker_ip.json" >"$CS"
jq -c '.value[]' "$FIX/playbooks/events/mde-lsass-dump.json" >"$MDE"
norm() { "$BIN/fedsoarctl" normalize --source "$1" --site "$2" "$3"; }
{ norm suricata.eve alpha "$EVE"; norm crowdstrike.alert alpha "$CS"; } >"$WORK/alpha.ocsf"
norm microsoft.mde_alert beta "$MDE" >"$WORK/beta.ocsf"
classes_of() { jq -sc 'group_by(.class_uid) | map({key: (.[0].class_uid | tostring), value: length}) | from_entries' "$1"; }
techniques_of() { jq -sc '[.[] | (.finding_info.attacks[]?, .attacks[]?) | .technique.uid // empty] | group_by(.) | map({key: .[0], value: length}) | from_entries' "$1"; }

start_http_broker --config "$WORK/broker.json" --playbooks "$SRC/playbooks/library"
for s in hq alpha beta; do
    "$BIN/fedsoar-adapter" --config "$WORK/$s.json" >>"$WORK/$s.log" 2>&1 &
    PIDS+=($!)
done
wait_for 30 "three sites connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 3 ]"
wait_for 30 "alpha's 4 and beta's 1 events stored" stat_is '.events.per_site | [.alpha, .beta] | tostring' '[4,1]'

# ---- 15.2: what each site produced and has --------------------------------------------
gap=$(ctl sites gap --json)
echo "$gap" >"$WORK/gap.json"
check "§15.2: alpha's sources and their events in the window (okta configured, 0 events)" \
    jq -e '.sites.alpha.sources == {"suricata.eve": 3, "crowdstrike.alert": 1, "okta.system_log": 0}' <<<"$gap"
check "§15.2: beta's sources" jq -e '.sites.beta.sources == {"microsoft.mde_alert": 1}' <<<"$gap"
check "§15.2: hq has no source" jq -e '.sites.hq.sources == {}' <<<"$gap"
check "§15.2: alpha's OCSF classes are the normalizer's ($(classes_of "$WORK/alpha.ocsf"))" \
    jq -e --argjson want "$(classes_of "$WORK/alpha.ocsf")" '.sites.alpha.classes == $want' <<<"$gap"
check "§15.2: beta's OCSF classes" jq -e --argjson want "$(classes_of "$WORK/beta.ocsf")" '.sites.beta.classes == $want' <<<"$gap"
check "§15.2: alpha's ATT&CK techniques ($(techniques_of "$WORK/alpha.ocsf"))" \
    jq -e --argjson want "$(techniques_of "$WORK/alpha.ocsf")" '.sites.alpha.techniques == $want and ($want | length) > 0' <<<"$gap"
check "§15.2: beta's ATT&CK techniques ($(techniques_of "$WORK/beta.ocsf"))" \
    jq -e --argjson want "$(techniques_of "$WORK/beta.ocsf")" '.sites.beta.techniques == $want' <<<"$gap"
check "§15.2: OpenC2 pairs as announced (beta: deny ipv4_net only; hq: allow ipv4_net only)" \
    jq -e '(.sites.beta.openc2_pairs == ["deny ipv4_net"]) and (.sites.hq.openc2_pairs == ["allow ipv4_net"]) and (.sites.alpha.openc2_pairs | index("contain device") != null and index("deny uri") != null)' <<<"$gap"
check "§15.2: analyzers and responders by name" jq -e '
    .sites.alpha.analyzers == ["host-context", "ioc-search"] and .sites.alpha.responders == ["idp-suspend-user", "idp-revoke-sessions"]
    and .sites.beta.analyzers == ["mail-search", "ioc-search"] and .sites.beta.responders == []
    and .sites.hq.analyzers == ["threat-intel"] and .sites.hq.responders == ["ticket", "chat"]
    and .sites.beta.actuators == ["openc2-https"] and .sites.hq.actuators == ["openc2-https"]' <<<"$gap"
check "§15.2: without governance every shipped playbook is active at every site" \
    jq -e --argjson lib "$(cd "$SRC/playbooks/library" && ls *.json | sed 's/\.json$//' | jq -R . | jq -sc 'sort')" '([.sites[] | .playbooks.active | sort] | unique) == [$lib] and ([.sites[].playbooks.shadow[]] == []) and (.sites | keys) == ["alpha", "beta", "hq"]' <<<"$gap"

# ---- 15.2: playbook x site, exactly -----------------------------------------------------
cat >"$WORK/want.json" <<'WANT'
[
 {"name": "contain-external-attacker", "site": "alpha", "runnable": true,  "missing": []},
 {"name": "contain-external-attacker", "site": "beta",  "runnable": true,  "missing": []},
 {"name": "contain-external-attacker", "site": "hq",    "runnable": false, "missing": ["openc2 deny ipv4_net"]},
 {"name": "credential-attack",  "site": "alpha", "runnable": true,  "missing": []},
 {"name": "credential-attack",  "site": "beta",  "runnable": false, "missing": ["responder idp-revoke-sessions", "responder idp-suspend-user"]},
 {"name": "credential-attack",  "site": "hq",    "runnable": false, "missing": ["responder idp-revoke-sessions", "responder idp-suspend-user"]},
 {"name": "endpoint-compromise", "site": "alpha", "runnable": true,  "missing": []},
 {"name": "endpoint-compromise", "site": "beta",  "runnable": false, "missing": ["analyzer host-context", "openc2 contain device"]},
 {"name": "endpoint-compromise", "site": "hq",    "runnable": false, "missing": ["analyzer host-context", "openc2 contain device"]},
 {"name": "phishing-triage", "site": "alpha", "runnable": false, "missing": ["analyzer mail-search", "openc2 deny domain_name at beta", "openc2 deny uri at beta"]},
 {"name": "phishing-triage", "site": "beta",  "runnable": false, "missing": ["analyzer mail-search at alpha", "openc2 deny domain_name", "openc2 deny uri"]},
 {"name": "phishing-triage", "site": "hq",    "runnable": false, "missing": ["analyzer mail-search at alpha", "openc2 deny domain_name at beta", "openc2 deny uri at beta"]},
 {"name": "critical-vulnerability", "site": "alpha", "runnable": false, "missing": ["analyzer vuln-assets", "analyzer vuln-assets at beta", "responder patch-ticket", "responder patch-ticket at beta", "responder vuln-rescan", "responder vuln-rescan at beta"]},
 {"name": "critical-vulnerability", "site": "beta",  "runnable": false, "missing": ["analyzer vuln-assets", "analyzer vuln-assets at alpha", "responder patch-ticket", "responder patch-ticket at alpha", "responder vuln-rescan", "responder vuln-rescan at alpha"]},
 {"name": "critical-vulnerability", "site": "hq",    "runnable": false, "missing": ["analyzer vuln-assets at alpha", "analyzer vuln-assets at beta", "responder patch-ticket at alpha", "responder patch-ticket at beta", "responder vuln-rescan at alpha", "responder vuln-rescan at beta"]}
]
WANT
# Exactly, for the shipped playbooks above (a playbook shipped later only has to have its rows).
names=$(jq -c '[.[].name] | unique' "$WORK/want.json")
got=$(jq -c --argjson n "$names" '[.playbooks[] | select(.name as $x | $n | index($x)) | {name, site, runnable, missing: (.missing | sort)}] | sort_by(.name, .site)' <<<"$gap")
check "§15.2: runnable/missing for the shipped playbooks x 3 sites, exactly" \
    jq -e --argjson got "$got" 'sort_by(.name, .site) == $got' "$WORK/want.json"
library=$(cd "$SRC/playbooks/library" && ls *.json | sed 's/\.json$//' | jq -R . | jq -sc 'sort')
check "§15.2: every playbook of playbooks/library has one row per site ($library), mode directory" \
    jq -e --argjson lib "$library" '([.playbooks[].name] | unique) == $lib and (.playbooks | length) == ($lib | length) * 3 and all(.playbooks[]; .mode == "directory" and (.version | length) == 64)' <<<"$gap"
[ $FAILS -eq 0 ] || diff <(jq -S . "$WORK/want.json") <(jq -S . <<<"$got") || true
check "§15.2: what to add where: 18 (site, item) pairs, each with the sites that have it" jq -e '
    (.recommendations | length) == 18
    and ([.recommendations[] | select(.name == "vuln-rescan") | .site] == ["alpha", "beta"])
    and all(.recommendations[] | select(.name == "vuln-rescan"); .available_at == [] and .connector_types == [])
    and (.recommendations[] | select(.site == "hq" and .add == "openc2 deny ipv4_net")
         | .available_at == ["alpha", "beta"] and .connector_types == ["record-only", "openc2-https"] and .playbooks == ["contain-external-attacker"])
    and (.recommendations[] | select(.site == "alpha" and .add == "analyzer mail-search")
         | .available_at == ["beta"] and .connector_types == ["exec"] and .playbooks == ["phishing-triage"])
    and (.recommendations[] | select(.site == "beta" and .add == "openc2 contain device") | .available_at == ["alpha"])' <<<"$gap"
check "§15.2: where each need is checked, in words (a literal site, a foreach, any site the alert comes from)" jq -e '
    (.needs["endpoint-compromise"] | index({"item": "analyzer host-context", "where": "any site the alert comes from"}) != null
        and index({"item": "responder ticket", "where": "hq"}) != null
        and index({"item": "analyzer ioc-search", "where": "each site of foreach scope (.sites[] | select(. != \"hq\"))"}) != null)
    and (.needs["contain-external-attacker"] == [{"item": "openc2 deny ipv4_net", "where": "any site the alert comes from"}])' <<<"$gap"
md=$(ctl sites gap --format md)
check "§15.2: --format md: a table per site" bash -c 'grep -q "^## Site alpha (ok)$" <<<"$1" && grep -q "^| analyzers | host-context, ioc-search |$" <<<"$1" && grep -q "^| OpenC2 pairs | deny ipv4_net |$" <<<"$1"' _ "$md"
check "§15.2: --format md: what each playbook needs and where" bash -c 'grep -q "^| endpoint-compromise | analyzer host-context | any site the alert comes from |$" <<<"$1"' _ "$md"
check "§15.2: --format md: the playbook x site matrix (with the mode) and what to add where" bash -c 'grep -q "^| endpoint-compromise | beta | directory | \*\*no\*\* | analyzer host-context, openc2 contain device |$" <<<"$1" && grep -q "^| contain-external-attacker | alpha | directory | yes | - |$" <<<"$1" && grep -q "^| hq | openc2 deny ipv4_net | contain-external-attacker | alpha, beta | record-only, openc2-https |$" <<<"$1"' _ "$md"
check "§15.2: JSON: playbooks_from directory, checked = every library playbook" \
    jq -e --argjson lib "$(cd "$SRC/playbooks/library" && ls *.json | wc -l)" '.playbooks_from == "directory" and .checked == $lib' <<<"$gap"
check "§15.2: --window 0d is refused (usage, exit 2)" bash -c '"$@" sites gap --window 0d; [ $? = 2 ]' _ "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP"

# ---- 15.3: coverage ---------------------------------------------------------------------
wait_for 30 "okta (silence_alert_s 4) is silent" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites coverage --json | jq -e '.sites.alpha.sources[\"okta.system_log\"].state == \"silent\"'"
cov=$(ctl sites coverage --json)
echo "$cov" >"$WORK/coverage.json"
check "§15.3: alpha: 3 configured sources, 2 flowing; beta 1 of 1; hq 0 of 0" \
    jq -e '[.sites.alpha.expected, .sites.alpha.flowing, .sites.beta.expected, .sites.beta.flowing, .sites.hq.expected] == [3, 2, 1, 1, 0]' <<<"$cov"
check "§15.3: suricata: 3 events, normalized 3, no dead letter, last event seconds ago" \
    jq -e '.sites.alpha.sources["suricata.eve"] | .expected and .flowing and .state == "flowing" and .events == 3 and .normalized == 3 and .dead_letters == 0 and .dead_letter_ratio == 0 and .last_event_age_s < 60 and .rate_per_min > 0' <<<"$cov"
# The fixtures are from 2025: the lag from their own time to the broker is over a day (the top bucket).
check "§15.3: the lag of replayed 2025 events is in the top bucket (more than a day: 86401)" \
    jq -e '.sites.alpha.sources["suricata.eve"] | .lag_p50_s == 86401 and .lag_p95_s == 86401 and .lag_samples >= 1' <<<"$cov"
check "§15.3: okta: configured, never sent, silent, a case opened" \
    jq -e '.sites.alpha.sources["okta.system_log"] | .expected and (.flowing | not) and .events == 0 and .last_event_ms == null and .silence_alert_s == 4 and .silent_since > 0 and .case_id > 0' <<<"$cov"
okta_case=$(jq -r '.sites.alpha.sources["okta.system_log"].case_id' <<<"$cov")
check "§15.3: the silence case: severity medium, site alpha, names the source" \
    jq -e '.severity_id == 3 and .sites == ["alpha"] and (.title | test("okta.system_log")) and (.title | test("alpha"))' <<<"$(ctl case show "$okta_case" --json)"
audit_count() { ctl audit export | jq -s --arg k "$1" '[.[] | select(.kind == $k)] | length'; }
sleep 3 # three more heartbeats of a still silent source
check "§15.3: one health event (audit site.source_silent) per silence, across heartbeats" [ "$(audit_count site.source_silent)" = 1 ]
TOK=$(token gapview analyst)
EXTRA_CURL=(--max-time 3 -N)
api GET "/api/v1/stream?since=1" "$TOK" || true
EXTRA_CURL=()
check "§15.3: the console's event stream carries site.source_silent" grep -q '^event: site.source_silent$' "$B"
check "§15.3: ... with the site and source" bash -c "grep -A1 '^event: site.source_silent' '$B' | grep '^data:' | sed 's/^data: //' | jq -e '.site == \"alpha\" and .source == \"okta.system_log\" and .silence_alert_s == 4'"

# Events flow again: the silence clears (an event too), the source is flowing.
jq -c . "$FIX/vendors/okta.system_log/logs_array.json" | jq -c '.[0]' >"$OKTA"
wait_for 30 "okta flows again: 3 of 3 flowing at alpha" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites coverage --json | jq -e '.sites.alpha.sources[\"okta.system_log\"].state == \"flowing\" and .sites.alpha.flowing == 3'"
check "§15.3: cleared: audit site.source_flowing once" [ "$(audit_count site.source_flowing)" = 1 ]
# Nothing more comes: a new silence, a new health event and a new case.
wait_for 30 "okta silent again" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites coverage --json | jq -e '.sites.alpha.sources[\"okta.system_log\"].state == \"silent\"'"
n_silent=$(audit_count site.source_silent)
case2=$(ctl sites coverage --json | jq '.sites.alpha.sources["okta.system_log"].case_id')
check "§15.3: a second silence is a second health event ($n_silent) and a second case ($case2 after $okta_case)" \
    bash -c '[ "$1" = 2 ] && [ "$2" -gt "$3" ]' _ "$n_silent" "$case2" "$okta_case"
# A bad line is a dead letter of its source: the ratio is 1 of 4.
printf '{"not eve": \n' >>"$EVE"
wait_for 30 "the bad line dead-lettered and reported" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites coverage --json | jq -e '.sites.alpha.sources[\"suricata.eve\"].dead_letters == 1'"
check "§15.3: dead-letter ratio 1/4" jq -e '.sites.alpha.sources["suricata.eve"].dead_letter_ratio == 0.25' <<<"$(ctl sites coverage --json)"
txt=$(ctl sites coverage)
echo "$txt" >"$WORK/coverage.txt"
check "§15.3: text output: one line per site and source" bash -c 'grep -qE "^alpha +2 of 3 configured source\(s\) flowing$" <<<"$1" && grep -qE "^ +suricata.eve +yes +flowing +3 +[0-9]+s +[0-9.]+ +25.0 +>86400s +>86400s$" <<<"$1" && grep -qE "^ +okta.system_log +yes +silent +1 " <<<"$1"' _ "$txt"

# ---- the HTTP routes answer what the control commands do --------------------------------
api GET "/api/v1/sites/gap?window_days=7" "$TOK"
check "GET /api/v1/sites/gap: 200, the same matrix" bash -c "[ '$ST' = 200 ] && jq -e --argjson got '$got' --argjson n '$names' '[.playbooks[] | select(.name as \$x | \$n | index(\$x)) | {name, site, runnable, missing: (.missing | sort)}] | sort_by(.name, .site) == \$got' '$B'"
api GET "/api/v1/sites/coverage?site=beta" "$TOK"
check "GET /api/v1/sites/coverage?site=beta: only beta" bash -c "[ '$ST' = 200 ] && jq -e '(.sites | keys) == [\"beta\"] and .sites.beta.flowing == 1' '$B'"
api GET "/api/v1/sites/gap?window_days=400" "$TOK"
check "GET /api/v1/sites/gap?window_days=400: 400" [ "$ST" = 400 ]

# ---- 15.2 with governance: what the team means to run, and never an all-clear on nothing ----
# --playbook FILE: a playbook the broker does not hold, sent whole ("could this run here?").
doc=$(ctl sites gap --json --playbook "$SRC/playbooks/library/contain-external-attacker.json" --playbook "$SRC/playbooks/library/credential-attack.json")
check "§15.2: --playbook FILE (twice): only those two, mode document, their rows as from the directory" \
    jq -e --argjson want "$(jq -c '[.[] | select(.name == "contain-external-attacker" or .name == "credential-attack")] | sort_by(.name, .site)' "$WORK/want.json")" '
    .playbooks_from == "documents" and .checked == 2 and all(.playbooks[]; .mode == "document")
    and ([.playbooks[] | {name, site, runnable, missing: (.missing | sort)}] | sort_by(.name, .site)) == $want' <<<"$doc"
echo '{"name": "broken", "trigger": {}}' >"$WORK/broken.json"
check "§15.2: --playbook with a document that is not a playbook: refused (exit 1), naming docs[1]" bash -c \
    '"$@" sites gap --playbook "'"$SRC"'/playbooks/library/credential-attack.json" --playbook "'"$WORK"'/broken.json" 2>"'"$WORK"'/broken.err"; [ $? = 1 ] && grep -q "docs\[1\]" "'"$WORK"'/broken.err"' \
    _ "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP"
check "§15.2: --playbook without a file: usage (exit 2)" bash -c '"$@" sites gap --playbook; [ $? = 2 ]' _ "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP"

# The same broker (same store) restarted with governance: nothing active, in shadow, in review or planned.
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
jq '. + {"governance": {"quorum": 1, "members": ["admin"]}}' "$WORK/broker.json" >"$WORK/broker-gov.json"
start_http_broker --config "$WORK/broker-gov.json" --playbooks "$SRC/playbooks/library"
wait_for 30 "three sites connected again" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 3 ]"
g0=$(ctl sites gap --json)
check "§15.2 governance, nothing submitted: checked 0, no row, nothing to recommend" \
    jq -e '.playbooks_from == "governance" and .checked == 0 and .playbooks == [] and .recommendations == [] and ([.sites[].playbooks.planned[]] == [])' <<<"$g0"
md0=$(ctl sites gap --format md)
check "§15.2 governance, nothing submitted: the md report says so plainly, never \"Nothing: every playbook...\"" bash -c \
    '[ "$(grep -c "^No playbook is active, in shadow, in review or planned: nothing was checked.$" <<<"$1")" = 2 ] && ! grep -q "every playbook" <<<"$1" && ! grep -q "^| playbook | alert site" <<<"$1"' _ "$md0"
txt0=$(ctl sites gap)
check "§15.2 governance, nothing submitted: the text report too" bash -c \
    '[ "$(grep -c "^  No playbook is active, in shadow, in review or planned: nothing was checked.$" <<<"$1")" = 2 ] && ! grep -q "every playbook" <<<"$1"' _ "$txt0"

# A version in review: checked as planned at every site, with what it misses (as from the directory).
V=$(ctl playbook submit "$SRC/playbooks/library/credential-attack.json" --json | jq -r .version)
g1=$(ctl sites gap --json)
check "§15.2 governance, credential-attack in review: planned (in_review) at the three sites, version $V" \
    jq -e --arg v "$V" --argjson want "$(jq -c '[.[] | select(.name == "credential-attack")] | sort_by(.site)' "$WORK/want.json")" '
    .checked == 1 and ([.playbooks[] | {name, site, runnable, missing: (.missing | sort)}] | sort_by(.site)) == $want
    and all(.playbooks[]; .mode == "planned" and .stage == "in_review" and .version == $v)
    and ([.sites[] | .playbooks.planned] == [["credential-attack"], ["credential-attack"], ["credential-attack"]])
    and ([.recommendations[] | {site, add}] | sort_by(.site, .add)) == [{"site": "beta", "add": "responder idp-revoke-sessions"}, {"site": "beta", "add": "responder idp-suspend-user"}, {"site": "hq", "add": "responder idp-revoke-sessions"}, {"site": "hq", "add": "responder idp-suspend-user"}]' <<<"$g1"
md1=$(ctl sites gap --format md)
check "§15.2 governance: the md matrix names the planned row and its stage; what to add where is not empty" bash -c \
    'grep -q "^| credential-attack | beta | planned (in_review) | \*\*no\*\* | responder idp-suspend-user, responder idp-revoke-sessions |$" <<<"$1" && grep -q "^| credential-attack | alpha | planned (in_review) | yes | - |$" <<<"$1" && grep -q "^| beta | responder idp-suspend-user | credential-attack | alpha | exec |$" <<<"$1" && ! grep -q "nothing was checked" <<<"$1"' _ "$md1"

# A rollout plan: its version at the plan's sites only, stage = the site's phase (observe).
V2=$(ctl playbook submit "$SRC/playbooks/library/endpoint-compromise.json" --json | jq -r .version)
check "§15.2 governance: rollout plan endpoint-compromise --sites beta" ctl rollout plan endpoint-compromise --sites beta --version "$V2"
g2=$(ctl sites gap --json)
echo "$g2" >"$WORK/gap-plan.json"
check "§15.2 governance, a plan at beta: endpoint-compromise checked at beta only (planned, observe), with what it misses" \
    jq -e --arg v "$V2" '.checked == 2 and ([.playbooks[] | select(.name == "endpoint-compromise") | {site, mode, stage, version, runnable, missing: (.missing | sort)}]
        == [{"site": "beta", "mode": "planned", "stage": "observe", "version": $v, "runnable": false, "missing": ["analyzer host-context", "openc2 contain device"]}])
    and (.sites.beta.playbooks.planned | sort) == ["credential-attack", "endpoint-compromise"] and .sites.alpha.playbooks.planned == ["credential-attack"]' <<<"$g2"
api GET "/api/v1/sites/gap" "$TOK"
check "GET /api/v1/sites/gap under governance: 200, checked 2, the planned rows" bash -c "[ '$ST' = 200 ] && jq -e '.checked == 2 and .playbooks_from == \"governance\" and ([.playbooks[].mode] | unique) == [\"planned\"]' '$B'"

# ---- a site cannot make the broker watch what no adapter sends -----------------------------
# delta (a real key, a hand-made HEARTBEAT): an id with a quote, a threshold of 0, then 100
# well-formed sources: the first 64 entries are read, the 2 malformed ones skipped.
PROBE="$(dirname "$BIN")/tests/fsp_probe"
jq -nc '{site: "delta", protocol: "FSP/1", outbox_backlog: 0, sources: ([{source_id: "bad\"id", silence_alert_s: 60},
    {source_id: "zero.threshold", silence_alert_s: 0}] + [range(100) | {source_id: "src.\(.)", silence_alert_s: 3600}])}' >"$WORK/hb.json"
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as sites:delta --wait 500 FSP/1 HELLO '{"site":"delta","protocol":"FSP/1","epoch":"probe1"}' \
    --- FSP/1 HEARTBEAT @"$WORK/hb.json" >"$WORK/probe.out" 2>&1 || true
wait_for 10 "delta's heartbeat stored" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites coverage --json | jq -e '.sites.delta.expected > 0'"
d=$(ctl sites coverage --site delta --json)
check "§15.3: a HEARTBEAT's sources are bounded: 62 of the first 64 entries kept, malformed ones not" \
    jq -e '.sites.delta.expected == 62 and (.sites.delta.sources | has("bad\"id") or has("zero.threshold") or has("src.62") | not) and .sites.delta.sources["src.61"].state == "never"' <<<"$d"
finish
