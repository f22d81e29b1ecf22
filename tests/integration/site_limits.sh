#!/usr/bin/env bash
# Issue 19.1: a site's per-actuator rate limit and per-connector
# concurrency. The config's
# actuator_config.limits is checked (a wrong value stops the adapter with its
# JSON path), `query features` reports it as the site's rate_limit (HELLO
# capabilities, `fedsoarctl sites`), and the actuator starts no more commands
# than it allows: 4 alerts, each a playbook deny to record-only limited to
# 60 a minute (one token a second, a bucket of one), are executed at least
# ~1 s apart (a lower bound: a slower machine only spaces them more), all
# answered 200.
source "$(dirname "$0")/lib.sh"
N=4
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
jq -c --argjson n "$N" '.resources[0] as $a | {resources: [range(0; $n) as $i | $a
    | .composite_id = "\(.composite_id)-\($i)" | .id = "\(.id)-\($i)"
    | .network_accesses[0].remote_address = "198.18.0.\($i + 1)"]}' \
    "$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json" >"$WORK/alerts.json"
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "actuators": "record-only", "actuator_config": {"limits": {"record-only": {"rate_limit": 60}}},
 "connectors": [{"name": "ti", "kind": "analyzer", "type": "exec", "command": ["/bin/cat"], "rate_limit": 30, "concurrency": 2}],
 "replay": [{"source": "crowdstrike.alert", "file": "$WORK/alerts.json"}]}
CFG
jq '.actuator_config.limits["record-only"].rate_limit = "fast"' "$WORK/alpha.json" >"$WORK/bad.json"
out=$("$BIN/fedsoar-adapter" --config "$WORK/bad.json" 2>&1 || true)
check "a wrong rate_limit is refused with its JSON path" grep -q 'actuator_config.limits.record-only.rate_limit: expected a number' <<<"$out"
# concurrency: exec only (a process per call); never all the worker threads.
jq '.connectors += [{"name": "web", "kind": "analyzer", "type": "http-json", "base_url": "http://127.0.0.1:9", "url": "/x", "concurrency": 2}]' \
    "$WORK/alpha.json" >"$WORK/bad.json"
out=$("$BIN/fedsoar-adapter" --config "$WORK/bad.json" 2>&1 || true)
check "concurrency on an HTTP connector is refused (one call at a time per instance)" grep -q '"web" (http-json): concurrency 2: a http-json instance is called one call at a time' <<<"$out"
out=$(FEDSOAR_ADAPTER_WORKERS=2 "$BIN/fedsoar-adapter" --config "$WORK/alpha.json" 2>&1 || true)
check "an exec connector may not take every worker thread" grep -q '"ti": concurrency 2: at most 1' <<<"$out"

start_broker
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
PIDS+=("$!")
wait_for 30 "all $N commands answered" stat_is .commands.answered "$N"
check "query features reports the actuator's limit as the site's rate_limit" \
    [ "$(ctl sites --json | jq '.alpha.capabilities.rate_limit')" = 60 ]
check "every command answered 200" [ "$(grep -c 'event=command_executed .*status=200' "$WORK/alpha.log")" = "$N" ]
REC="$WORK/alpha/record-only.jsonl"
check "each executed once" [ "$(wc -l <"$REC")" = "$N" ]
gaps=$(jq -s '[.[].time] | sort | [range(1; length) as $i | .[$i] - .[$i - 1]] | min' "$REC")
echo "# smallest gap between two executions: $gaps ms"
check "no two executions closer than the limit allows (60/min: ~1000 ms)" [ "$gaps" -ge 900 ]
finish
