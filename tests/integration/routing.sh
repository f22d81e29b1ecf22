#!/usr/bin/env bash
# docs/openc2.md "Routing", through the real broker: commands a playbook
# sends without naming a site go where the site scopes (broker config) and
# what sites learned from their own events say; a perimeter deny of an
# external address fans out to every capable site and answers the run once
# all have answered; a target no site owns is refused with the reason.
source "$(dirname "$0")/lib.sh"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
cat >"$WORK/broker.json" <<CFG
{"sites": {"alpha": {"scopes": {"ipv4": ["10.20.0.0/16"], "hostnames": ["alpha-*"], "dns_suffixes": ["alpha.example"]}},
           "beta":  {"scopes": {"ipv4": ["172.16.0.0/12"], "dns_suffixes": ["beta.example"]}}}}
CFG
start_broker --config "$WORK/broker.json" --playbooks "$SRC/tests/fixtures/playbooks/routing"
start_adapter alpha
start_adapter beta
wait_for 20 "both sites connected" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 2 ]"
kill "$ADAPTER_PID_beta"; wait "$ADAPTER_PID_beta" 2>/dev/null || true
start_adapter beta --replay "microsoft.mde_alert:$SRC/tests/fixtures/playbooks/events/mde-lsass-dump.json"
wait_for 30 "the run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs list --json | jq -e '.[0].status == \"completed\"'"

for s in alpha beta; do
    check "perimeter deny of an external address fanned out to $s" jq -se 'any(.[]; .command.target.ipv4_net == "203.0.113.66")' "$WORK/$s/record-only.jsonl"
done
check "contain device went to beta only (its DNS suffix, and it reported the device)" \
    bash -c "jq -se 'any(.[]; .command.action == \"contain\")' '$WORK/beta/record-only.jsonl' >/dev/null && ! jq -se 'any(.[]; .command.action == \"contain\")' '$WORK/alpha/record-only.jsonl' | grep -q true"
tl=$(ctl case show 1 --json)
check "the unowned target was refused with a reason, the run went on" jq -e '[.timeline[] | select(.kind == "command_refused" and .status == 404 and (.reason | test("no site")))] | length == 1' <<<"$tl"
check "one answer for the fanned-out deny, recorded per site" jq -e '[.timeline[] | select(.kind=="step" and .step=="perimeter" and .what=="done") | .detail.sites | keys] == [["alpha","beta"]]' <<<"$tl"
check "three commands journaled (two for the fan-out, one contain), all answered" [ "$(ctl stats --json | jq -c .commands)" = '{"answered":3,"pending":0,"total":3}' ]
echo '{"action":"contain","target":{"device":{"hostname":"alpha-ws7.alpha.example"}}}' >"$WORK/c.json"
r=$(ctl route --explain "$WORK/c.json")
check "route --explain asks the running broker: alpha's host goes to alpha" grep -q '^routed to: alpha$' <<<"$r"
echo '{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}' >"$WORK/d.json"
check "route --explain: an external deny goes everywhere" grep -q '^routed to: alpha, beta$' <<<"$(ctl route --explain "$WORK/d.json")"
check "a bad scope in the config stops the broker with the site and path" bash -c "echo '{\"sites\": {\"alpha\": {\"scopes\": {\"ipv4\": [\"10.20.1.2/16\"]}}}}' > '$WORK/bad.json'; '$BIN/fedsoar-broker' --config '$WORK/bad.json' --keys '$KEYS' --state-dir '$WORK/b2' 2>&1 | grep -q 'sites.*alpha.*ipv4'"
finish
