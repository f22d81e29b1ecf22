#!/usr/bin/env bash
# docs/triggers.md runs: every example between <!-- test:NAME --> and
# <!-- /test --> is extracted and run as written (bash, set -e) against a
# real adapter over TLS, with FEDSOAR_WEBHOOK, TOKEN and CA set as the doc
# says; each must be answered 202 with every record accepted, and the
# records must reach the broker.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl openssl
DOC="$SRC/docs/triggers.md"
TOKEN="doc-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$TOKEN" >"$WORK/token"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=doc-ca \
    -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -extfile "$WORK/ext" -out "$WORK/server.crt" 2>/dev/null
P=$(free_port)
src() { # NAME SOURCE-ID PATH PORT
    printf '{"name": "%s", "type": "webhook", "source": "%s", "path": "%s", "listen": "127.0.0.1:%s", "token_file": "%s", "cert_file": "%s", "key_file": "%s"}' \
        "$1" "$2" "$3" "$4" "$WORK/token" "$WORK/server.crt" "$WORK/server.key"
}
# One listener per source id (a listener serves one path): the doc's paths.
PS=$(free_port); PQ=$(free_port); PV=$(free_port); PI=$(free_port); PM=$(free_port)
cat >"$WORK/alpha.json" <<JSON
{"sources": [$(src splunk splunk.notable /splunk/alert "$P"),
             $(src sentinel microsoft.sentinel_incident /sentinel "$PS"),
             $(src qradar cef /qradar "$PQ"),
             $(src scanner cef /scanner "$PV"),
             $(src inventory servicenow.cmdb_ci /inventory "$PI"),
             $(src misp misp.attribute /misp "$PM")]}
JSON
declare -A PORT=([splunk]=$P [sentinel]=$PS [qradar]=$PQ [scanner]=$PV [inventory]=$PI [misp]=$PM)
declare -A WANT=([splunk]=1 [sentinel]=1 [qradar]=1 [scanner]=3 [inventory]=1 [misp]=1)

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
start_adapter alpha --config "$WORK/alpha.json"
wait_for 10 "the webhooks listen" bash -c "curl -s --cacert '$WORK/ca.crt' -o /dev/null https://localhost:$PI/"

extract() { # NAME: the shell lines of the doc's example NAME, without the fences
    awk -v n="$1" '$0 == "<!-- test:" n " -->" {on = 1; next} on && $0 == "<!-- /test -->" {on = 0} on && !/^```/' "$DOC"
}
total=0
for name in splunk sentinel qradar scanner inventory misp; do
    extract "$name" >"$WORK/$name.sh"
    if [ ! -s "$WORK/$name.sh" ]; then fail "docs/triggers.md has the example $name"; continue; fi
    out=$(cd "$WORK" && FEDSOAR_WEBHOOK="https://localhost:${PORT[$name]}" TOKEN="$TOKEN" CA="$WORK/ca.crt" \
        bash -e "$WORK/$name.sh" 2>"$WORK/$name.err") || true
    echo "$out" >"$WORK/$name.answer"
    check "docs/triggers.md $name: stored, ${WANT[$name]} accepted, none refused" \
        [ "$(jq -c '[.status, .accepted, .refused_total]' <<<"$out" 2>/dev/null)" = "[\"stored\",${WANT[$name]},0]" ]
    total=$((total + WANT[$name]))
done
wait_for 20 "$total events at the broker" stat_is .events.total "$total"
check "every example's records reached the broker ($total events)" stat_is .events.total "$total"
check "no secret in any log" bash -c "! grep -rF -e '$TOKEN' '$WORK'/*.log"
finish
