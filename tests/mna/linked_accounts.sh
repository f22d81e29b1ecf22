#!/usr/bin/env bash
# §15.1 Responses that act on a user act on every linked account, each at its
# own site, each on the timeline. Real broker and two real adapters; an Okta
# alert at alpha names j.doe@alpha.example, whom the crosswalk links to
# jane.doe@beta.example at beta; the playbook iterates .persons[].accounts[]
# and sends each account to the idp-suspend-user responder of its own site
# (tests/fixtures/connectors/standin.sh: an exec responder that records its
# calls in the site's own directory).
source "$(dirname "$0")/../integration/lib.sh"
CONN="$SRC/tests/fixtures/connectors"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
mkdir -p "$WORK/playbooks"
cp "$SRC/tests/mna/suspend-linked-accounts.json" "$WORK/playbooks/"
for s in alpha beta; do
    mkdir -p "$WORK/$s"
    cat >"$WORK/$s.json" <<CFG
{"site": "$s", "broker": "$SITE_EP", "state_dir": "$WORK/$s", "keys_dir": "$KEYS",
 "connectors": [{"name": "idp-suspend-user", "kind": "responder", "type": "exec",
                 "command": ["$CONN/standin.sh"],
                 "config": {"name": "idp-suspend-user", "log": "$WORK/$s/calls.log"}}]}
CFG
done
adapter() { "$BIN/fedsoar-adapter" --config "$WORK/$1.json" "${@:2}" >>"$WORK/$1.log" 2>&1 & PIDS+=($!); }

start_broker --playbooks "$WORK/playbooks"
wait_for 20 "broker up" ctl stats
printf 'person,site,account\njane.doe,alpha,j.doe@alpha.example\njane.doe,beta,jane.doe@beta.example\n' >"$WORK/people.csv"
check "§15.1: the crosswalk is loaded" ctl identities load "$WORK/people.csv"

# The shipped Okta spray sample, its target made j.doe@alpha.example.
jq '[.[] | .target[0].alternateId = "j.doe@alpha.example" | .actor.alternateId = "j.doe@alpha.example"]' \
    "$SRC/tests/fixtures/playbooks/events/okta-password-spray.json" >"$WORK/alert.json"
adapter beta
adapter alpha --replay "okta.system_log:$WORK/alert.json"
wait_for 60 "the run completed" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook == \"suspend-linked-accounts\" and .status == \"completed\")] | length == 1'"

check "§15.1: alpha's responder suspended j.doe@alpha.example, once" \
    [ "$(jq -sc '[.[].input.user]' "$WORK/alpha/calls.log")" = '["j.doe@alpha.example"]' ]
check "§15.1: beta's responder suspended jane.doe@beta.example, once" \
    [ "$(jq -sc '[.[].input.user]' "$WORK/beta/calls.log")" = '["jane.doe@beta.example"]' ]
check "§15.1: the person is named in what the responders got" \
    jq -se 'all(.[]; .input.person == "jane.doe")' "$WORK/alpha/calls.log" "$WORK/beta/calls.log"
case_id=$(ctl runs list --json | jq -r '.[0].case_id')
tl=$(ctl case show "$case_id" --json)
check "§15.1: the case names the person" jq -e '.persons == ["jane.doe"]' <<<"$tl"
check "§15.1: two requests on the timeline, one per site" \
    jq -e '[.timeline[] | select(.kind == "request") | .site] | sort == ["alpha","beta"]' <<<"$tl"
check "§15.1: and two results, one per site" \
    jq -e '[.timeline[] | select(.kind == "result" and .status == "ok") | .site] | sort == ["alpha","beta"]' <<<"$tl"
finish
