#!/usr/bin/env bash
# The shipped playbooks (playbooks/library/) against recorded events and
# stand-in analyzers/responders, with real daemons: three sites (alpha and
# beta with their own stacks, hq with central threat intel, ticketing and
# chat). Asserts the steps taken, where each command and request went, the
# approvals asked for, and the outcome on the case. The broker serves HTTPS,
# so the chat message that asks for an approval carries a console link to
# the gate (issue 14.6), and fetching that link decides nothing.
source "$(dirname "$0")/lib.sh"
FIX="$SRC/tests/fixtures"
EV="$FIX/playbooks/events"
CONN="$FIX/connectors"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta,hq --operators admin,alice:approver >/dev/null
standin() { # NAME KIND [REPLY_JSON]
    printf '{"name": "%s", "kind": "%s", "type": "exec", "command": ["%s/standin.sh"], "config": {"name": "%s", "log": "%s/calls.log", "reply": %s}}' \
        "$1" "$2" "$CONN" "$1" "$SITE_DIR" "${3:-{\}}"
}
site_config() { # SITE CONNECTORS_JSON
    SITE_DIR="$WORK/$1"
    mkdir -p "$SITE_DIR"
    cat >"$WORK/$1.json" <<CFG
{"site": "$1", "broker": "$SITE_EP", "state_dir": "$WORK/$1", "keys_dir": "$KEYS", "connectors": [$2]}
CFG
}
SITE_DIR="$WORK/hq"
site_config hq "$(printf '{"name": "threat-intel", "kind": "analyzer", "type": "exec", "command": ["%s/threat_intel.sh"], "config": {"log": "%s/hq/ti.log", "malicious": ["paypa1-billing.example", "9a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b"]}}' "$CONN" "$WORK"), $(SITE_DIR=$WORK/hq; standin ticket responder '{"ticket": "SEC-7"}'), $(SITE_DIR=$WORK/hq; standin chat responder)"
for s in alpha beta; do
    SITE_DIR="$WORK/$s"
    site_config $s "$(standin mail-search analyzer '{"recipients": ["m.rossi@beta.example"]}'), $(standin ioc-search analyzer '{"hits": []}'), $(standin host-context analyzer '{"logged_on": ["a.lindqvist"]}'), $(standin idp-suspend-user responder), $(standin idp-revoke-sessions responder)"
done
adapter() { # SITE [--replay …]
    local s=$1
    shift
    "$BIN/fedsoar-adapter" --config "$WORK/$s.json" "$@" >>"$WORK/$s.log" 2>&1 &
    PIDS+=($!)
    eval "PID_$s=$!"
}
restart() { local s=$1; shift; eval "kill \$PID_$s; wait \$PID_$s 2>/dev/null || true"; adapter "$s" "$@"; }
calls() { cat "$WORK"/*/calls.log 2>/dev/null | jq -c --arg c "$1" 'select(.connector == $c)'; }
cases_by() { ctl case list --json | jq -r --arg t "$1" '[.[] | select(.title | test($t))][0].id'; }
recorded() { cat "$WORK/$1/record-only.jsonl" 2>/dev/null | jq -c '.command | {action, target}'; }

HTTP_PORT=$(free_port)
start_broker --http "127.0.0.1:$HTTP_PORT"
adapter hq; adapter alpha; adapter beta
wait_for 30 "all three sites connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 3 ]"

# --- phishing triage: a malicious report, then a benign one -------------------
restart alpha --replay "email.rfc822:$FIX/vendors/email.rfc822/phishing_invoice.eml"
wait_for 60 "the phishing run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"phishing-triage\" and .status==\"completed\")] | length == 1'"
phish=$(cases_by "Phishing|paypa1|Invoice|invoice|payment" )
[ "$phish" = null ] && phish=$(ctl runs list --json | jq -r '[.[] | select(.playbook=="phishing-triage")][0].case_id')
pc=$(ctl case show "$phish" --json)
check "phishing: threat intel asked once at hq, with the sender domain, URLs and attachment hashes" \
    bash -c "[ \$(wc -l <'$WORK/hq/ti.log') = 1 ] && jq -e '(.domains|index(\"paypa1-billing.example\")) and (.urls|length==3) and (.hashes|length==2)' '$WORK/hq/ti.log'"
check "phishing: one ticket and one chat message at hq" [ "$(jq -r .connector "$WORK/hq/calls.log" | sort | tr '\n' ' ')" = "chat ticket " ]
for s in alpha beta; do
    check "phishing: sender domain denied at $s" jq -se 'any(.[]; .command.target.domain_name == "paypa1-billing.example")' "$WORK/$s/record-only.jsonl"
    check "phishing: all 3 URLs denied at $s" [ "$(recorded $s | jq -s '[.[] | select(.target.uri)] | length')" = 3 ]
    check "phishing: mailboxes searched at $s" [ "$(cat "$WORK/$s/calls.log" | jq -s '[.[] | select(.connector=="mail-search")] | length')" = 1 ]
done
check "phishing: nothing was sent to hq's packet filter" [ ! -s "$WORK/hq/record-only.jsonl" ]
check "phishing: case in containment with the evidence in a note" jq -e '.status=="containment" and (.notes[-1].text | test("paypa1-billing.example"))' <<<"$pc"

restart alpha --replay "email.rfc822:$FIX/vendors/email.rfc822/benign_agenda.eml"
wait_for 60 "the benign run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"phishing-triage\" and .status==\"completed\")] | length == 2'"
benign=$(ctl runs list --json | jq -r '[.[] | select(.playbook=="phishing-triage")] | max_by(.id) | .case_id')
check "benign email: case closed as benign, no new blocks" jq -e '.status=="closed" and (.notes[-1].text | test("Benign"))' <<<"$(ctl case show "$benign" --json)"
check "benign email: no further ticket" [ "$(calls ticket | wc -l)" = 1 ]

# --- endpoint compromise at beta: scope, approval, contain ---------------------
restart beta --replay "microsoft.mde_alert:$EV/mde-lsass-dump.json"
wait_for 60 "the containment approval is asked for" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e '[.[] | select(.playbook==\"endpoint-compromise\")] | length == 1'"
check "endpoint: host context asked at beta, the reporting site" [ "$(cat "$WORK/beta/calls.log" | jq -s '[.[] | select(.connector=="host-context" and .input.hostname=="beta-fin-ws019.beta.example")] | length')" = 1 ]
check "endpoint: indicators searched at alpha and at beta" [ "$(cat "$WORK"/{alpha,beta}/calls.log | jq -s '[.[] | select(.connector=="ioc-search")] | length')" = 2 ]
check "endpoint: nothing contained before approval" bash -c "! grep -q contain '$WORK/beta/record-only.jsonl' 2>/dev/null"
gate=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="endpoint-compromise")][0].id')
check "endpoint: the gate asks an approver and says why" jq -e '.role=="approver" and (.reason|test("beta-fin-ws019"))' <<<"$(ctl approvals list --json | jq '.[0]')"
ep_run=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="endpoint-compromise")][0].run_id')
link="https://127.0.0.1:$HTTP_PORT/#/approvals/run/$ep_run/gate"
ask=$(calls chat | jq -r '.input.text | select(test("Approval needed"))' | grep beta-fin-ws019 || true)
check "endpoint: the chat at hq asked for the approval before the gate, with the console link to it ($ask)" [ "$ask" != "${ask%"$link"}" ]
check "endpoint: the link's run and step name the open gate" jq -e --argjson r "$ep_run" --argjson g "$gate" '[.[] | select(.run_id == $r and .step == "gate")] | length == 1 and .[0].id == $g' <<<"$(ctl approvals list --json)"
# What a mail scanner fetches: the link without its fragment (a client never
# sends the #/approvals/... part). It answers the console's page, 200, and
# the gate stays open with no vote. That the page the fragment opens decides
# nothing either (after sign-in, in a browser) is tests/browser/64-approvals.
link_base=${link%%#*}
st=$(curl -s --cacert "$KEYS/http/ca.crt" -o "$WORK/link-page.html" -w '%{http_code}' "$link" || echo 000)
check "endpoint: the link's base ($link_base) answers the console's page, 200 ($st)" \
    bash -c "[ '$st' = 200 ] && grep -qi '<script' '$WORK/link-page.html'"
check "endpoint: fetching the link (a mail scanner) decided nothing: the gate is still open, without votes" \
    jq -e --argjson g "$gate" '[.[] | select(.id == $g)] | length == 1 and .[0].status == "open" and (.[0].votes | length) == 0' <<<"$(ctl approvals list --json)"
"$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator alice approvals approve "$gate" >/dev/null
wait_for 60 "the endpoint run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"endpoint-compromise\" and .status==\"completed\")] | length == 1'"
check "endpoint: contain device went to beta only" bash -c "[ \"\$(cat '$WORK/beta/record-only.jsonl' | jq -c 'select(.command.action==\"contain\") | .command.target')\" = '{\"device\":{\"hostname\":\"beta-fin-ws019.beta.example\"}}' ] && ! grep -q contain '$WORK/alpha/record-only.jsonl'"
check "endpoint: a ticket at hq" [ "$(calls ticket | jq -s '[.[] | select(.input.title | test("beta-fin-ws019"))] | length')" = 1 ]

# --- credential attack from beta's identity provider ---------------------------
restart beta --replay "okta.system_log:$EV/okta-password-spray.json"
wait_for 60 "the suspend approval is asked for" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e '[.[] | select(.playbook==\"credential-attack\")] | length == 1'"
for s in alpha beta; do
    check "credential: the source is denied at $s's perimeter before any approval" jq -se 'any(.[]; .command.target.ipv4_net == "203.0.113.45")' "$WORK/$s/record-only.jsonl"
done
check "credential: the user is not suspended before approval" [ "$(calls idp-suspend-user | wc -l)" = 0 ]
gate=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="credential-attack")][0].id')
ca_run=$(ctl approvals list --json | jq -r '[.[] | select(.playbook=="credential-attack")][0].run_id')
ask=$(calls chat | jq -r '.input.text | select(test("Approval needed"))' | grep m.okafor@beta.example || true)
check "credential: the chat at hq asked for the approval with the console link to it" [ "$ask" != "${ask%"https://127.0.0.1:$HTTP_PORT/#/approvals/run/$ca_run/gate"}" ]
"$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator alice approvals approve "$gate" >/dev/null
wait_for 60 "the credential run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '[.[] | select(.playbook==\"credential-attack\" and .status==\"completed\")] | length == 1'"
check "credential: suspend and revoke at beta's identity provider, for the attacked user" bash -c "[ \"\$(cat '$WORK/beta/calls.log' | jq -r 'select(.connector|test(\"idp-\")) | .connector + \" \" + .input.user' | sort | tr '\n' '|')\" = 'idp-revoke-sessions m.okafor@beta.example|idp-suspend-user m.okafor@beta.example|' ]"
check "credential: nothing suspended at alpha" [ "$(cat "$WORK/alpha/calls.log" | jq -s '[.[] | select(.connector|test("idp-"))] | length')" = 0 ]

check "no run failed" [ "$(ctl runs list --json | jq '[.[] | select(.status=="failed" or .status=="denied")] | length')" = 0 ]
check "four incidents, four cases (a benign report to the same user is not merged)" [ "$(ctl metrics --json | jq .overall.cases)" = 4 ]
check "the phishing case stayed in containment" [ "$(ctl case show "$phish" --json | jq -r .status)" = containment ]

# Every library playbook validates and is in docs/playbooks.md's table (the two
# cross-environment ones are run end to end in tests/mna/).
for f in "$SRC"/playbooks/library/*.json; do
    n=$(jq -r .name "$f")
    check "library: $n validates and is documented" \
        bash -c "'$BIN/fedsoarctl' playbook validate '$f' >/dev/null && grep -q '^| \`$n\` |' '$SRC/docs/playbooks.md'"
done
finish
