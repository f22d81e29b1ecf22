#!/usr/bin/env bash
# Issue 11, clause 4: every config fails closed. The real fedsoar-broker and
# fedsoar-adapter are started with bad configs — wrong types, misspelled
# keys, out-of-range numbers, unknown enum values (OpenC2 actions, log
# levels, connector types), bad endpoints — and must stop with exit 2 and
# "FILE: $.json.path: expected WHAT, found WHAT" (or "unknown key") on
# stderr. A good config with every key still starts.
source "$(dirname "$0")/../integration/lib.sh"
require_tool timeout
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null

# refuses CLAUSE PROGRAM JSON EXPECTED [flags...]: PROGRAM with JSON as its
# --config exits 2 and its stderr holds "cfg.json: EXPECTED".
refuses() {
    local what=$1 prog=$2 json=$3 want=$4
    shift 4
    local dir="$WORK/case$((PASSES + FAILS))"
    mkdir -p "$dir"
    printf '%s\n' "$json" >"$dir/cfg.json"
    local rc=0
    if [ "$prog" = broker ]; then
        (cd "$dir" && timeout 10 "$BIN/fedsoar-broker" --config cfg.json --state-dir "$dir/state" --keys "$KEYS" \
            --listen "tcp://127.0.0.1:$SITE_PORT" --control "tcp://127.0.0.1:$CTL_PORT" "$@") >"$dir/out" 2>&1 || rc=$?
    else
        (cd "$dir" && timeout 10 "$BIN/fedsoar-adapter" --config cfg.json --site alpha --state-dir "$dir/state" \
            --keys "$KEYS" --insecure "$@") >"$dir/out" 2>&1 || rc=$?
    fi
    if [ "$rc" = 2 ] && grep -qF -- "cfg.json: $want" "$dir/out"; then
        pass "$what"
    else
        fail "$what (exit $rc, wanted 2 and \"cfg.json: $want\"; got: $(head -c 400 "$dir/out"))"
    fi
}

# flag_refused CLAUSE PROGRAM WANT FLAGS...: no config; a bad flag value exits 2 with WANT.
flag_refused() {
    local what=$1 prog=$2 want=$3
    shift 3
    local rc=0 out
    out=$(timeout 10 "$BIN/fedsoar-$prog" --state-dir "$WORK/flag-state" --keys "$KEYS" "$@" 2>&1) || rc=$?
    if [ "$rc" = 2 ] && grep -qF -- "$want" <<<"$out"; then
        pass "$what"
    else
        fail "$what (exit $rc: $out)"
    fi
}

# ---- the broker ---------------------------------------------------------------
refuses "§11.4: broker: misspelled key lisen is an unknown key, not 'Address already in use'" broker \
    '{"lisen": "tcp://127.0.0.1:7700"}' '$.lisen: unknown key (expected one of: listen, control, '
refuses "§11.4: broker: listen must be an endpoint string, not 5" broker '{"listen": 5}' \
    '$.listen: expected an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME, found integer 5'
refuses "§11.4: broker: control endpoint syntax is checked" broker '{"control": "localhost:7701"}' \
    '$.control: expected an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME, found string "localhost:7701"'
refuses "§11.4: broker: insecure must be a boolean, not \"yes\"" broker '{"insecure": "yes"}' \
    '$.insecure: expected a boolean (true or false), found string "yes"'
refuses "§11.4: broker: store.map_size_mb must be an integer" broker '{"store": {"map_size_mb": "lots"}}' \
    '$.store.map_size_mb: expected an integer 1..1048576, found string "lots"'
refuses "§11.4: broker: correlation_window_s may not be negative" broker '{"correlation_window_s": -5}' \
    '$.correlation_window_s: expected an integer 1..31536000, found integer -5'
refuses "§11.4: broker: dedup_window_s range" broker '{"dedup_window_s": 31536001}' \
    '$.dedup_window_s: expected an integer 0..31536000, found integer 31536001'
refuses "§11.4: broker: audit.checkpoint_every range" broker '{"audit": {"checkpoint_every": 0}}' \
    '$.audit.checkpoint_every: expected an integer 1..1000000, found integer 0'
refuses "§11.4: broker: audit.checkpoint_interval_s type" broker '{"audit": {"checkpoint_interval_s": 1.5}}' \
    '$.audit.checkpoint_interval_s: expected an integer 1..86400, found number 1.5'
refuses "§11.4: broker: unknown key inside audit" broker '{"audit": {"checkpoint_evry": 10}}' \
    '$.audit.checkpoint_evry: unknown key (expected one of: checkpoint_every, checkpoint_interval_s)'
refuses "§11.4: broker: log_level is an enum" broker '{"log_level": "verbose"}' \
    '$.log_level: expected a log level (one of: debug, info, warn, error), found string "verbose"'
refuses "§11.4: broker: a config file is one JSON object" broker '[1]' \
    'a config file must hold one JSON object'
flag_refused "§11.4: broker: --listen bogus exits 2" broker '--listen "bogus": expected an endpoint' --listen bogus

# ---- routing (sites in the broker config) --------------------------------------
refuses "§11.4: routing: scopes must be an object" broker '{"sites": {"alpha": {"scopes": ["10.0.0.0/8"]}}}' \
    '$.sites.alpha.scopes: expected an object, found an array'
refuses "§11.4: routing: misspelled scope key" broker '{"sites": {"alpha": {"scopes": {"ipv4s": []}}}}' \
    '$.sites.alpha.scopes.ipv4s: unknown key (expected one of: ipv4, ipv6, dns_suffixes, hostnames, identity_domains)'
refuses "§11.4: routing: scope entries are strings" broker '{"sites": {"alpha": {"scopes": {"ipv4": [10]}}}}' \
    '$.sites.alpha.scopes.ipv4[0]: expected a string of 1..255 characters, found integer 10'
refuses "§11.4: routing: a CIDR with host bits names the full path" broker \
    '{"sites": {"alpha": {"scopes": {"ipv4": ["10.1.2.3/16"]}}}}' '$.sites.alpha.scopes.ipv4[0]: "10.1.2.3/16" has host bits set'
refuses "§11.4: routing: capability actions are OpenC2 actions" broker \
    '{"sites": {"alpha": {"capabilities": {"pairs": {"contian": ["device"]}}}}}' \
    '$.sites.alpha.capabilities.pairs.contian: expected an OpenC2 LS v1.0 action'
refuses "§11.4: routing: a bad site name" broker '{"sites": {"al pha": {}}}' '$.sites["al pha"]: expected a site name'

# ---- governance ---------------------------------------------------------------------
refuses "§11.4: governance: quorum is an integer" broker '{"governance": {"quorum": "2", "members": ["a", "b"]}}' \
    '$.governance.quorum: expected an integer 1..64, found string "2"'
refuses "§11.4: governance: misspelled revoked" broker '{"governance": {"quorum": 1, "members": ["a"], "revokd": ["b"]}}' \
    '$.governance.revokd: unknown key (expected one of: quorum, members, revoked)'
refuses "§11.4: governance: members are operator names" broker '{"governance": {"quorum": 1, "members": ["Alice Smith"]}}' \
    '$.governance.members[0]: expected an operator name (1-32 of [a-z0-9_-]), found string "Alice Smith"'
refuses "§11.4: governance: an unreachable quorum names the file" broker '{"governance": {"quorum": 3, "members": ["a", "b"]}}' \
    '$.governance.quorum: 3 cannot be reached'

# ---- the adapter ------------------------------------------------------------------
refuses "§11.4: adapter: critical_actions as a string would turn the signature check off" adapter \
    '{"critical_actions": "contain"}' '$.critical_actions: expected an array of at most 256 items, found string "contain"'
refuses "§11.4: adapter: a misspelled OpenC2 action in critical_actions" adapter '{"critical_actions": ["contian"]}' \
    '$.critical_actions[0]: expected an OpenC2 LS v1.0 action'
refuses "§11.4: adapter: action:target with an unknown target" adapter '{"critical_actions": ["deny:ipv4net"]}' \
    '$.critical_actions[0]: expected an OpenC2 LS v1.0 action'
refuses "§11.4: adapter: misspelled critical_action key" adapter '{"critical_action": ["contain"]}' \
    '$.critical_action: unknown key (expected one of: site, broker, '
refuses "§11.4: adapter: broker endpoint syntax" adapter '{"broker": "bogus"}' \
    '$.broker: expected an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME, found string "bogus"'
refuses "§11.4: adapter: proof_max_age_s type" adapter '{"proof_max_age_s": "1d"}' \
    '$.proof_max_age_s: expected an integer 0..31536000, found string "1d"'
refuses "§11.4: adapter: outbox.max_events range" adapter '{"outbox": {"max_events": 0}}' \
    '$.outbox.max_events: expected an integer 1..1000000000, found integer 0'
refuses "§11.4: adapter: link.max_events_per_s type" adapter '{"link": {"max_events_per_s": "fast"}}' \
    '$.link.max_events_per_s: expected an integer 0..10000000, found string "fast"'
refuses "§11.4: adapter: keep_raw_data is a boolean" adapter '{"keep_raw_data": 1}' \
    '$.keep_raw_data: expected a boolean (true or false), found integer 1'
refuses "§11.4: adapter: an unknown actuator in actuators" adapter '{"actuators": "record-only,firewall"}' \
    '$.actuators: expected a comma-separated list of actuator types'
refuses "§11.4: adapter: replay entries need source and file" adapter '{"replay": [{"source": "crowdstrike.alert"}]}' \
    '$.replay[0].file: expected a non-empty string, found nothing (the key is required)'
flag_refused "§11.4: adapter: --broker bogus exits 2 instead of retrying forever" adapter \
    '--broker "bogus": expected an endpoint tcp://HOST:PORT, ipc://PATH or inproc://NAME' --site alpha --insecure --broker bogus

# ---- connectors (analyzers / responders), each kind -----------------------------------
C='"name": "c1", "kind": "analyzer"'
R='"name": "r1", "kind": "responder"'
H='"base_url": "https://vendor.example", "api_token_file": "/nonexistent"'
refuses "§11.4: connector: unknown type" adapter "{\"connectors\": [{$C, \"type\": \"exce\"}]}" \
    '$.connectors[0].type: expected a type (one of: exec, '
refuses "§11.4: connector: kind is analyzer or responder" adapter \
    '{"connectors": [{"name": "x", "kind": "analyser", "type": "exec", "command": ["/bin/true"]}]}' \
    '$.connectors[0].kind: expected one of: analyzer, responder, found string "analyser"'
refuses "§11.4: connector exec: timeout_ms is not a key (timeout_s is)" adapter \
    "{\"connectors\": [{$C, \"type\": \"exec\", \"command\": [\"/bin/true\"]}, {$R, \"type\": \"exec\", \"command\": [\"/bin/true\"], \"timeout_ms\": 5}]}" \
    '$.connectors[1].timeout_ms: unknown key (expected one of: type, name, kind, rate_limit, concurrency, command, protocol, timeout_s, config)'
refuses "§11.4: connector exec: command is required" adapter "{\"connectors\": [{$C, \"type\": \"exec\"}]}" \
    '$.connectors[0].command: expected an array of 1..32 items, found nothing (the key is required)'
refuses "§11.4: connector virustotal: malicious_threshold type" adapter \
    "{\"connectors\": [{$C, \"type\": \"virustotal\", $H, \"malicious_threshold\": \"3\"}]}" \
    '$.connectors[0].malicious_threshold: expected an integer 1..1000, found string "3"'
refuses "§11.4: connector okta-suspend-user: HTTP timeout_s range" adapter \
    "{\"connectors\": [{$R, \"type\": \"okta-suspend-user\", $H, \"timeout_s\": 0}]}" \
    '$.connectors[0].timeout_s: expected an integer 1..600, found integer 0'
refuses "§11.4: connector okta-clear-sessions: auth is an enum" adapter \
    "{\"connectors\": [{$R, \"type\": \"okta-clear-sessions\", $H, \"auth\": \"token\"}]}" \
    '$.connectors[0].auth: expected one of: none, oauth2, ssws, bearer, apitoken, header, basic, found string "token"'
refuses "§11.4: connector entra-disable-account: tls_verify is a boolean" adapter \
    "{\"connectors\": [{$R, \"type\": \"entra-disable-account\", $H, \"tls_verify\": \"false\"}]}" \
    '$.connectors[0].tls_verify: expected a boolean (true or false), found string "false"'
refuses "§11.4: connector entra-revoke-sessions: base_url is an http(s) URL" adapter \
    "{\"connectors\": [{$R, \"type\": \"entra-revoke-sessions\", \"base_url\": \"graph.microsoft.com\"}]}" \
    '$.connectors[0].base_url: expected an http:// or https:// URL, found string "graph.microsoft.com"'
refuses "§11.4: connector jira-issue: project_key is required" adapter \
    "{\"connectors\": [{$R, \"type\": \"jira-issue\", $H}]}" \
    '$.connectors[0].project_key: expected a non-empty string, found nothing (the key is required)'
refuses "§11.4: connector slack-message: channel is a string" adapter \
    "{\"connectors\": [{$R, \"type\": \"slack-message\", $H, \"channel\": [\"#soc\"]}]}" \
    '$.connectors[0].channel: expected a non-empty string, found an array'
refuses "§11.4: connector teams-message: an inline webhook URL is refused and not echoed" adapter \
    "{\"connectors\": [{$R, \"type\": \"teams-message\", \"webhook_url\": \"https://hooks.example/SECRET-PATH\"}]}" \
    '$.connectors[0].webhook_url: expected no inline webhook URL'
check "§11.4: the refused inline secret is not in the message" bash -c "! grep -rq SECRET-PATH '$WORK'/case*/out"
refuses "§11.4: connector teams-message: format is an enum" adapter \
    "{\"connectors\": [{$R, \"type\": \"teams-message\", \"webhook_url_env\": \"X\", \"format\": \"card\"}]}" \
    '$.connectors[0].format: expected one of: messagecard, adaptive, found string "card"'
refuses "§11.4: connector servicenow-incident: defaults is an object" adapter \
    "{\"connectors\": [{$R, \"type\": \"servicenow-incident\", $H, \"defaults\": \"SOC\"}]}" \
    '$.connectors[0].defaults: expected an object {NAME: …}, found string "SOC"'
refuses "§11.4: connector http-json: method is an enum" adapter \
    "{\"connectors\": [{$C, \"type\": \"http-json\", $H, \"url\": \"/x\", \"method\": \"DELETE\"}]}" \
    '$.connectors[0].method: expected one of: GET, POST, PUT, PATCH, found string "DELETE"'
refuses "§11.4: connector http-json: fields are JSON pointers" adapter \
    "{\"connectors\": [{$C, \"type\": \"http-json\", $H, \"url\": \"/x\", \"fields\": {\"v\": \"data.verdict\"}}]}" \
    '$.connectors[0].fields.v: expected a JSON pointer (RFC 6901)'
refuses "§11.4: connector crowdstrike-host-context: max_retries range" adapter \
    "{\"connectors\": [{$C, \"type\": \"crowdstrike-host-context\", $H, \"max_retries\": 11}]}" \
    '$.connectors[0].max_retries: expected an integer 0..10, found integer 11'
refuses "§11.4: connector okta-user-context: max_signins range" adapter \
    "{\"connectors\": [{$C, \"type\": \"okta-user-context\", $H, \"max_signins\": 5000}]}" \
    '$.connectors[0].max_signins: expected an integer 1..1000, found integer 5000'
refuses "§11.4: connector entra-user-context: unknown key" adapter \
    "{\"connectors\": [{$C, \"type\": \"entra-user-context\", $H, \"signin_lookback\": 5}]}" \
    '$.connectors[0].signin_lookback: unknown key (expected one of: type, name, kind, rate_limit, concurrency, page_size, '

# ---- sources, each kind ------------------------------------------------------------------
S='"name": "s1"'
refuses "§11.4: source: unknown type" adapter "{\"sources\": [{$S, \"type\": \"okta\"}]}" \
    '$.sources[0].type: expected a type (one of: crowdstrike-alerts, '
refuses "§11.4: source: interval_s range" adapter "{\"sources\": [{$S, \"type\": \"okta-logs\", $H, \"interval_s\": 0}]}" \
    '$.sources[0].interval_s: expected an integer 1..86400, found integer 0'
refuses "§11.4: source crowdstrike-alerts: page_size range" adapter \
    "{\"sources\": [{$S, \"type\": \"crowdstrike-alerts\", $H, \"page_size\": 5000}]}" \
    '$.sources[0].page_size: expected an integer 1..1000, found integer 5000'
refuses "§11.4: source okta-logs: start is an RFC 3339 time" adapter \
    "{\"sources\": [{$S, \"type\": \"okta-logs\", $H, \"start\": \"yesterday\"}]}" \
    '$.sources[0].start: expected an RFC 3339 time'
refuses "§11.4: source graph-alerts: lookback_s type" adapter \
    "{\"sources\": [{$S, \"type\": \"graph-alerts\", $H, \"lookback_s\": \"1d\"}]}" \
    '$.sources[0].lookback_s: expected an integer 1..315360000, found string "1d"'
refuses "§11.4: source mde-alerts: max_pages range" adapter \
    "{\"sources\": [{$S, \"type\": \"mde-alerts\", $H, \"max_pages\": 0}]}" \
    '$.sources[0].max_pages: expected an integer 1..1000, found integer 0'
refuses "§11.4: source entra-signins: an inline client secret" adapter \
    "{\"sources\": [{$S, \"type\": \"entra-signins\", \"client_secret\": \"hunter2\"}]}" \
    '$.sources[0].client_secret: expected no inline secret'
refuses "§11.4: source entra-audits: page_size type" adapter \
    "{\"sources\": [{$S, \"type\": \"entra-audits\", \"page_size\": \"all\"}]}" \
    '$.sources[0].page_size: expected an integer 1..1000, found string "all"'
refuses "§11.4: source sentinel-incidents: workspace_path is required" adapter \
    "{\"sources\": [{$S, \"type\": \"sentinel-incidents\"}]}" \
    '$.sources[0].workspace_path: expected a non-empty string, found nothing (the key is required)'
refuses "§11.4: source sentinelone-threats: connect_timeout_s range" adapter \
    "{\"sources\": [{$S, \"type\": \"sentinelone-threats\", $H, \"connect_timeout_s\": 500}]}" \
    '$.sources[0].connect_timeout_s: expected an integer 1..120, found integer 500'
refuses "§11.4: source splunk-export: search is a string" adapter \
    "{\"sources\": [{$S, \"type\": \"splunk-export\", $H, \"search\": 5}]}" \
    '$.sources[0].search: expected a non-empty string, found integer 5'
refuses "§11.4: source file-tail: from is start or end" adapter \
    "{\"sources\": [{$S, \"type\": \"file-tail\", \"source_id\": \"suricata.eve\", \"path\": \"/tmp/x\", \"from\": \"begin\"}]}" \
    '$.sources[0].from: expected one of: start, end, found string "begin"'
refuses "§11.4: source syslog: source_id is required" adapter \
    "{\"sources\": [{$S, \"type\": \"syslog\", \"udp\": \"127.0.0.1:5514\"}]}" \
    '$.sources[0].source_id: expected a non-empty string, found nothing (the key is required)'
refuses "§11.4: source splunk-webhook: allow_unauthenticated is a boolean" adapter \
    "{\"sources\": [{$S, \"type\": \"splunk-webhook\", \"token_env\": \"T\", \"allow_unauthenticated\": \"no\"}]}" \
    '$.sources[0].allow_unauthenticated: expected a boolean (true or false), found string "no"'

# ---- actuators (actuator_config), each kind ----------------------------------------------
refuses "§11.4: actuator_config: unknown actuator name" adapter '{"actuator_config": {"pan-os": {}}}' \
    '$.actuator_config.pan-os: unknown key (expected one of: record-only, slpf-nft, '
refuses "§11.4: actuator record-only takes no settings" adapter '{"actuator_config": {"record-only": {"file": "x"}}}' \
    '$.actuator_config.record-only.file: unknown key'
refuses "§11.4: actuator slpf-nft: table is a string" adapter '{"actuator_config": {"slpf-nft": {"table": 1}}}' \
    '$.actuator_config.slpf-nft.table: expected a string of 1..63 characters, found integer 1'
refuses "§11.4: actuator crowdstrike-falcon: an inline api_token" adapter \
    '{"actuator_config": {"crowdstrike-falcon": {"api_token": "x"}}}' \
    '$.actuator_config.crowdstrike-falcon.api_token: expected no inline secret'
refuses "§11.4: actuator defender-endpoint: isolation_type enum" adapter \
    '{"actuator_config": {"defender-endpoint": {"isolation_type": "Partial"}}}' \
    '$.actuator_config.defender-endpoint.isolation_type: expected one of: Full, Selective, found string "Partial"'
refuses "§11.4: actuator openc2-https: timeout_ms range" adapter \
    '{"actuator_config": {"openc2-https": {"url": "https://c.example", "timeout_ms": 0}}}' \
    '$.actuator_config.openc2-https.timeout_ms: expected an integer 1..600000, found integer 0'
refuses "§11.4: actuator panos: address_group is required" adapter \
    '{"actuator_config": {"panos": {"base_url": "https://fw.example"}}}' \
    '$.actuator_config.panos.address_group: expected a string of 1..63 characters, found nothing (the key is required)'

# ---- the size limit ----------------------------------------------------------------------
python3 -c 'import json; print(json.dumps({"log_level": "info", "pad": "x" * (1 << 20)}))' >"$WORK/big.json"
check "§11.4: a config larger than 1 MiB is refused (exit 2)" bash -c \
    "'$BIN/fedsoar-broker' --config '$WORK/big.json' --state-dir '$WORK/big' 2>&1 | grep -q 'larger than the 1048576-byte limit'; [ \${PIPESTATUS[0]} = 2 ]"

# ---- good configs still start ------------------------------------------------------------
cat >"$WORK/broker.json" <<CFG
{"listen": "$SITE_EP", "control": "$CTL_EP", "state_dir": "$WORK/broker", "keys_dir": "$KEYS",
 "playbooks_dir": "$SRC/playbooks/library", "insecure": false, "log_level": "info",
 "store": {"map_size_mb": 256}, "correlation_window_s": 86400, "dedup_window_s": 604800,
 "audit": {"checkpoint_every": 1000, "checkpoint_interval_s": 60},
 "sites": {"alpha": {"scopes": {"ipv4": ["10.20.0.0/16"], "hostnames": ["alpha-*"]},
                     "capabilities": {"pairs": {"contain": ["device"], "deny": ["ipv4_net"]}}}},
 "governance": {"quorum": 1, "members": ["admin", "bob"], "revoked": []}}
CFG
"$BIN/fedsoar-broker" --config "$WORK/broker.json" >>"$WORK/broker.log" 2>&1 &
PIDS+=("$!")
check "§11.4: a broker config with every key starts" wait_for 20 "the broker answers" ctl stats --json
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "actuators": "record-only", "actuator_config": {"record-only": {}},
 "connectors": [{"name": "lookup", "kind": "analyzer", "type": "exec", "command": ["$SRC/deploy/demo/connectors/lookup.sh"],
                 "timeout_s": 30, "config": {"reply": {}}}],
 "critical_actions": ["contain", "deny:ipv4_net"], "proof_max_age_s": 86400,
 "outbox": {"max_events": 1000}, "link": {"max_events_per_s": 0}, "keep_raw_data": false,
 "insecure": false, "log_level": "info"}
CFG
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
PIDS+=("$!")
check "§11.4: an adapter config with every top-level key starts and connects" wait_for 20 "alpha connected" \
    bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq '.connected_sites | length')\" = 1 ]"
for f in "$SRC"/deploy/demo/broker.json "$SRC"/deploy/demo/alpha.json "$SRC"/deploy/demo/beta.json "$SRC"/deploy/demo/hq.json; do
    # The shipped demo configs pass the schema: the checker runs before anything binds or opens.
    case $f in
    *broker.json) out=$(cd "$SRC" && timeout 3 "$BIN/fedsoar-broker" --config "$f" --listen "tcp://127.0.0.1:$(free_port)" \
        --control "tcp://127.0.0.1:$(free_port)" --state-dir "$WORK/demo-broker" --insecure 2>&1) || true ;;
    *) out=$(cd "$SRC" && timeout 3 "$BIN/fedsoar-adapter" --config "$f" --state-dir "$WORK/demo-$(basename "$f" .json)" \
        --insecure --broker "tcp://127.0.0.1:$(free_port)" 2>&1) || true ;;
    esac
    check "§11.4: the demo config $(basename "$f") passes the schema" bash -c "! grep -q '\\\$\\.' <<<\"\$1\"" _ "$out"
done

# ---- actuator manual: a pair is exactly "ACTION TARGET" (a trailing word, or a word over
# 63 characters, is refused, not ignored or cut in two as sscanf once did) ------------------
for pair in "contain device extra" "$(printf 'a%.0s' {1..70}) device"; do
    printf '{"actuators": "manual", "actuator_config": {"manual": {"pairs": ["%s"], "ticketing": "t", "validation": {"analyzer": "v"}}}}\n' \
        "$pair" >"$WORK/manual_pair.json"
    rc=0
    out=$(timeout 10 "$BIN/fedsoar-adapter" --config "$WORK/manual_pair.json" --site alpha --state-dir "$WORK/manual-state" \
        --keys "$KEYS" --insecure 2>&1) || rc=$?
    check "actuator manual refuses the pair \"${pair:0:24}…\" (exit $rc)" \
        bash -c '[ "$1" = 2 ] && grep -qF "actuator_config.manual.pairs[0]: \"ACTION TARGET\"" <<<"$2"' _ "$rc" "$out"
done
finish
