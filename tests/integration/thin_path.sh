#!/usr/bin/env bash
# The whole thin path with real daemons on loopback, CURVE on: two sites
# replay vendor alerts; the broker stores them, opens one case across both
# sites (shared attacker IP), runs the shipped playbook, routes a deny to
# each reporting site, and records both responses on the case.
source "$(dirname "$0")/lib.sh"
SAMPLES="$SRC/deploy/demo/samples"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker
start_adapter alpha --replay "crowdstrike.alert:$SAMPLES/alpha-crowdstrike-alerts.json"
wait_for 20 "alpha's event stored" stat_is .events.per_site.alpha 1
start_adapter beta --replay "microsoft.graph_alert:$SAMPLES/beta-defender-alerts.json"
wait_for 20 "both commands answered" stat_is .commands.answered 2

stats=$(ctl stats --json)
check "two events stored, one per site" [ "$(jq -c '.events | {per_site, total}' <<<"$stats")" = '{"per_site":{"alpha":1,"beta":1},"total":2}' ]
check "one case for both sites (correlated on the attacker IP)" [ "$(jq .cases <<<"$stats")" = 1 ]
check "two playbook runs" [ "$(jq .runs <<<"$stats")" = 2 ]
check "both sites connected" [ "$(jq -c '.connected_sites | sort' <<<"$stats")" = '["alpha","beta"]' ]

case_json=$(ctl case show 1 --json)
check "case spans both sites" [ "$(jq -c '.sites | sort' <<<"$case_json")" = '["alpha","beta"]' ]
check "case moved to containment by the playbook" [ "$(jq -r .status <<<"$case_json")" = containment ]
check "case has the attacker IP as observable" jq -e '.observables | map(.value) | index("203.0.113.66")' <<<"$case_json"
check "a deny ipv4_net 203.0.113.66 went to alpha" jq -e '.commands[] | select(.site=="alpha" and .command.action=="deny" and .command.target.ipv4_net=="203.0.113.66")' <<<"$case_json"
check "a deny ipv4_net 203.0.113.66 went to beta" jq -e '.commands[] | select(.site=="beta" and .command.action=="deny" and .command.target.ipv4_net=="203.0.113.66")' <<<"$case_json"
check "the site's own addresses were not blocked" [ "$(jq '[.commands[] | select(.command.target.ipv4_net | test("^(10\\.|172\\.16\\.|198\\.51\\.100\\.20)"))] | length' <<<"$case_json")" = 0 ]
check "both commands answered 200" [ "$(jq '[.commands[] | select(.state=="answered" and .response.status==200)] | length' <<<"$case_json")" = 2 ]
check "timeline records command and response" jq -e '[.timeline[].kind] | index("command") and index("response")' <<<"$case_json"
check "alpha's record-only actuator logged the command" grep -q '"ipv4_net":"203.0.113.66"' "$WORK/alpha/record-only.jsonl"

# Restarting an adapter with the same --replay must not duplicate events.
kill "$ADAPTER_PID_alpha"; wait "$ADAPTER_PID_alpha" 2>/dev/null || true
start_adapter alpha --replay "crowdstrike.alert:$SAMPLES/alpha-crowdstrike-alerts.json"
wait_for 20 "alpha reconnected" bash -c "grep -c 'site_connected site=alpha' '$WORK/broker.log' | grep -q 2"
check "replaying the same file again adds nothing" stat_is .events.total 2
check "no command executed twice at alpha" [ "$(grep -c '203.0.113.66' "$WORK/alpha/record-only.jsonl")" = 1 ]

# The case list and text views work for a human too.
check "case list shows the case" bash -c "ctl() { \"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' \"\$@\"; }; ctl case list | grep -q containment"
finish
