#!/usr/bin/env bash
# §15.1 Learned links: the identity crosswalk learns from the directory
# attributes an identity analyzer returns (broker/identity_learning.c). Real
# broker, a real alpha adapter whose okta-user-context analyzer asks the Okta
# stand-in (tests/fixtures/connectors/okta.json), which answers
# profile.secondEmail jane.doe@beta.example for j.doe@alpha.example and for
# user1@alpha.example. The CSV links jane.doe@beta.example to jane.doe and
# user1@alpha.example to user.one. An Okta alert at alpha runs a playbook
# that asks the analyzer about both accounts:
#   j.doe@alpha.example (unlinked) becomes jane.doe's, source
#   learned:okta-user-context:secondEmail — audited, on the case timeline,
#   shown by identities show; user1@alpha.example keeps its CSV link; the
#   learned link brings jane.doe@beta's alert into j.doe's case; a CSV row for
#   j.doe@alpha.example then replaces the learned link.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
PROBE_WAIT=$([ "${FEDSOAR_SANITIZED:-0}" = 1 ] && echo 8000 || echo 2000)
probe() { "$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --wait "$PROBE_WAIT" "$@" || true; }
VPORT=$(free_port)
TOKEN="okta-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$TOKEN" >"$WORK/okta_token"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" \
    --record "$WORK/actions.jsonl" --api-token "$TOKEN" >>"$WORK/standin.log" 2>&1 &
PIDS+=("$!")
V="http://127.0.0.1:$VPORT"
wait_for 10 "stand-in listening" curl -sf "$V/_standin/stats"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/who.json" <<'JSON'
{
  "name": "who-is-this",
  "title": "Ask the identity provider about two accounts (issue 15.1 test)",
  "description": "Test playbook for tests/mna/identities_learned.sh: the okta-user-context analyzer at alpha, twice.",
  "trigger": {"class_uid": [2004], "sources": ["okta.system_log"]},
  "steps": [
    {"id": "jdoe", "type": "enrich", "analyzer": "okta-user-context", "site": "alpha", "timeout": "60s",
     "input": {"user": "j.doe@alpha.example"}},
    {"id": "user1", "type": "enrich", "analyzer": "okta-user-context", "site": "alpha", "timeout": "60s",
     "input": {"user": "user1@alpha.example"}}
  ]
}
JSON
cat >"$WORK/alpha.json" <<JSON
{"connectors": [{"name": "okta-user-context", "kind": "analyzer", "type": "okta-user-context", "base_url": "$V",
                 "api_token_file": "$WORK/okta_token", "signin_lookback_s": 315360000}]}
JSON

start_broker --playbooks "$WORK/playbooks"
wait_for 20 "broker up" ctl stats
printf 'person,site,account\njane.doe,beta,jane.doe@beta.example\nuser.one,alpha,user1@alpha.example\n' >"$WORK/people.csv"
check "§15.1: the crosswalk is loaded (j.doe@alpha.example is in no row)" ctl identities load "$WORK/people.csv"
check "§15.1: before the analyzer runs, j.doe@alpha.example is nobody's" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' identities show j.doe@alpha.example >/dev/null 2>&1; [ \$? = 1 ]"

# The shipped Okta sample, its user made j.doe@alpha.example.
jq '[.[] | .target[0].alternateId = "j.doe@alpha.example" | .actor.alternateId = "j.doe@alpha.example"]' \
    "$SRC/tests/fixtures/playbooks/events/okta-password-spray.json" >"$WORK/alert.json"
start_adapter alpha --config "$WORK/alpha.json" --replay "okta.system_log:$WORK/alert.json"
wait_for 60 "the run completed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook == \"who-is-this\" and .status == \"completed\")] | length == 1'"

run=$(ctl runs list --json | jq '.[0]')
check "§15.1: the analyzer answered secondEmail jane.doe@beta.example (from the Okta stand-in)" \
    jq -e '.steps.jdoe.linked_emails | index({"attribute": "secondEmail", "value": "jane.doe@beta.example"})' \
    <<<"$(ctl runs show "$(jq -r .id <<<"$run")" --json)"
show=$(ctl identities show j.doe@alpha.example --json)
check "§15.1: identities show j.doe@alpha.example names jane.doe, learned from okta-user-context:secondEmail" \
    jq -e '.matches | length == 1 and .[0].person == "jane.doe"
           and (.[0].accounts | index({"site": "alpha", "account": "j.doe@alpha.example", "source": "learned:okta-user-context:secondEmail"}))
           and (.[0].accounts | index({"site": "beta", "account": "jane.doe@beta.example", "source": "csv"}))' <<<"$show"
check "§15.1: the text view shows the source" \
    bash -c "ctl() { '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' \"\$@\"; }; ctl identities show jane.doe | grep -E '^ +alpha +j.doe@alpha.example +learned:okta-user-context:secondEmail$'"
check "§15.1: a CSV link is never overridden: user1@alpha.example stays user.one's (csv)" \
    jq -e '.matches[0].person == "user.one" and .matches[0].accounts == [{"site": "alpha", "account": "user1@alpha.example", "source": "csv"}]' \
    <<<"$(ctl identities show alpha:user1@alpha.example --json)"
audit=$(ctl audit export)
check "§15.1: the learned link is audited once (identities.learned), as the answering site's" \
    jq -e -s 'map(select(.kind == "identities.learned")) | length == 1 and .[0].actor == "site:alpha"
              and .[0].subject == {"person": "jane.doe", "site": "alpha", "account": "j.doe@alpha.example"}
              and .[0].details.source == "learned:okta-user-context:secondEmail" and .[0].details.email == "jane.doe@beta.example"' <<<"$audit"
case_id=$(jq -r .case_id <<<"$run")
tl=$(ctl case show "$case_id" --json)
check "§15.1: the case timeline shows what was learned" \
    jq -e '[.timeline[] | select(.kind == "identity_learned")] | length == 1 and .[0].person == "jane.doe"
           and .[0].account == "j.doe@alpha.example" and .[0].source == "learned:okta-user-context:secondEmail"' <<<"$tl"

# ---- the learned link correlates: j.doe's next alert meets jane.doe@beta's ----
kill "$ADAPTER_PID_alpha" && wait "$ADAPTER_PID_alpha" 2>/dev/null || true
finding() { # SITE UID USER
    printf '{"class_uid":2004,"category_uid":2,"activity_id":1,"type_uid":200401,"severity_id":4,"time":1767254400000,'
    printf '"site":"%s","source":"crowdstrike.detection","metadata":{"uid":"%s","product":{"name":"x"},"version":"1.8.0"},' "$1" "$2"
    printf '"finding_info":{"uid":"%s","title":"suspicious activity %s"},"observables":[{"name":"user.name","type_id":4,"value":"%s"}]}' "$2" "$3" "$3"
}
send() { # SITE UID USER
    probe --as "sites:$1" FSP/1 HELLO "{\"site\":\"$1\",\"protocol\":\"FSP/1\",\"epoch\":\"e-$2\"}" \
        --- FSP/1 EVENTS "{\"epoch\":\"e-$2\",\"first_seq\":1,\"classes\":[2004]}" "$(finding "$1" "$2" "$3")" >/dev/null
}
before=$(ctl stats --json | jq .events.total)
send alpha l1 'j.doe@alpha.example'
send beta l2 'jane.doe@beta.example'
wait_for 20 "two more events stored" stat_is .events.total $((before + 2))
# j.doe@alpha's alert joins the first case (same email) and, now linked, keys
# person:jane.doe there; jane.doe@beta's alert meets it through that key (without
# the learned link it would open a second case: nothing else joins the two).
check "§15.1: jane.doe@beta's alert joined the case of j.doe@alpha through the learned link (one case, both sites)" \
    jq -e 'length == 1 and .[0].id == '"$case_id"' and (.[0].sites | sort) == ["alpha","beta"]' <<<"$(ctl case list --json)"
check "§15.1: ... which names jane.doe" jq -e '.persons == ["jane.doe"]' <<<"$(ctl case show "$case_id" --json)"

# ---- a CSV row for the account replaces the learned link ----------------------
printf 'person,site,account\njane.doe,beta,jane.doe@beta.example\nuser.one,alpha,user1@alpha.example\njd.contractor,alpha,J.Doe@alpha.example\n' >"$WORK/people2.csv"
out=$(ctl identities load "$WORK/people2.csv" --json 2>&1 || true)
check "§15.1: loading a CSV that names the account replaces the learned link (replaced_learned 1)" \
    jq -e '.replaced_learned == 1' <<<"$out"
check "§15.1: and show says csv, the CSV's person" \
    jq -e '.matches | length == 1 and .[0].person == "jd.contractor" and .[0].accounts == [{"site": "alpha", "account": "J.Doe@alpha.example", "source": "csv"}]' \
    <<<"$(ctl identities show j.doe@alpha.example --json)"
check "§15.1: jane.doe is back to her CSV account only" \
    jq -e '.matches[0].accounts == [{"site": "beta", "account": "jane.doe@beta.example", "source": "csv"}]' <<<"$(ctl identities show jane.doe --json)"
finish
