#!/usr/bin/env bash
# GET /api/v1/stream (Server-Sent Events) and GET /metrics (Prometheus
# text) over HTTPS with real daemons (docs/internals/http_stream.md):
# an admin token's stream sees case.opened when an adapter sends a finding;
# a stream resumed with Last-Event-ID gets exactly the events it missed,
# also after a broker restart; a beta site-admin token sees neither alpha's
# case nor alpha's connection; a revoked token's stream ends; /metrics
# parses with a strict parser, has every family, and counts HTTP requests;
# then the values: refused handshakes (a key nobody trusts), site.disconnected
# (an adapter stopped), dead letters (a record beta cannot map), outbox
# backlog (alpha draining at --max-rate 25), approvals pending before and
# after a gate is decided over HTTPS (approval.decided on the stream).
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl python3 jq
HERE="$(cd "$(dirname "$0")" && pwd)"
SAMPLES="$SRC/deploy/demo/samples"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
HTTP_PORT=$(free_port)
BASE="https://127.0.0.1:$HTTP_PORT"
CA="$KEYS/http/ca.crt"

# control CMD ARGS_JSON: one control command as operator admin, its result.
control() {
    "$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as operators:admin FSP/1 CONTROL \
        "{\"cmd\":\"$1\",\"args\":$2}" | sed -n 's/^REPLY //p'
}
# token NAME ROLE [SITE]: an API token, printed (fedsoarctl token create when
# it exists, else the control command it sends).
token() {
    local out args
    if out=$(ctl token create --name "$1" --role "$2" ${3:+--site "$3"} 2>/dev/null); then
        tail -n 1 <<<"$out"
        return
    fi
    args=$(jq -nc --arg n "$1" --arg r "$2" --arg s "${3:-}" \
        '{name: $n, role: $r} + (if $s == "" then {} else {site: $s} end)')
    control token.create "$args" | jq -er .result.token
}
# sse NAME TOKEN [sse_client.py flags]: a stream client in the background,
# its events in $WORK/NAME.jsonl, its exit code in $WORK/NAME.rc; waits
# until the stream is open (headers and the retry line read).
sse() {
    local name=$1 tok=$2
    shift 2
    rm -f "$WORK/$name.ready" "$WORK/$name.rc"
    (
        set +e
        python3 "$HERE/sse_client.py" --url "$BASE/api/v1/stream" --cacert "$CA" --token "$tok" \
            --ready "$WORK/$name.ready" "$@" >"$WORK/$name.jsonl"
        echo $? >"$WORK/$name.rc"
    ) &
    PIDS+=("$!")
    wait_for 15 "stream $name open" test -f "$WORK/$name.ready" -o -f "$WORK/$name.rc"
}
sse_done() { test -f "$WORK/$1.rc"; }
events_of() { jq -c 'select(.id)' "$WORK/$1.jsonl"; }
ids_increasing() { events_of "$1" | jq -s -e '[.[].id] as $i | $i == ($i | unique) and ($i | length) > 0' >/dev/null; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker --http "127.0.0.1:$HTTP_PORT"
wait_for 20 "the HTTPS API answers" curl -sf -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"

ADMIN=$(token watcher admin)
BETA=$(token beta-admin site-admin beta)
VICTIM=$(token victim analyst)
check "three API tokens made" [ -n "$ADMIN" -a -n "$BETA" -a -n "$VICTIM" ]

# ---- the loop side: events.since --------------------------------------------
r=$(control events.since '{"since":0}')
check "events.since 0: no backlog, the head" jq -e '.ok and (.result.events == []) and (.result.head > 0) and (.result.more == false)' <<<"$r"
r=$(control events.since '{"since":-1}')
check "events.since -1 is refused" jq -e '.ok == false and (.error | test("since"))' <<<"$r"

# ---- live: case.opened, and what a site-admin does not see ---------------------
sse a1 "$ADMIN" --until case.opened --timeout 40
sse b "$BETA" --until site.connected:site=beta --timeout 60
sse c "$VICTIM" --timeout 60
start_adapter alpha --replay "crowdstrike.alert:$SAMPLES/alpha-crowdstrike-alerts.json"
wait_for 30 "the admin stream saw case.opened" sse_done a1
check "admin stream: exit on case.opened" [ "$(cat "$WORK/a1.rc")" = 0 ]
opened=$(events_of a1 | jq -s -c 'map(select(.event == "case.opened")) | .[0]')
check "case.opened carries case_id 1, site alpha, status new" jq -e '.data.case_id == 1 and .data.site == "alpha" and .data.status == "new"' <<<"$opened"
check "admin stream: site.connected alpha before it" jq -s -e 'map(select(.event == "site.connected" and .data.site == "alpha")) | length == 1' <(events_of a1)
check "admin stream: ids strictly increasing" ids_increasing a1
LAST=$(events_of a1 | jq -s '.[-1].id')

# What happens while no admin stream is open: the run, the command, beta.
wait_for 30 "alpha's command answered" bash -c "[ \"\$(\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' stats --json | jq .commands.answered)\" -ge 1 ]"
start_adapter beta
wait_for 30 "the beta site-admin stream saw beta connect" sse_done b
check "beta site-admin: exit on site.connected beta" [ "$(cat "$WORK/b.rc")" = 0 ]
check "beta site-admin: no event of alpha's case" jq -s -e 'map(select(.data.case_id == 1)) | length == 0' <(events_of b)
check "beta site-admin: no alpha connection event" jq -s -e 'map(select(.data.site == "alpha")) | length == 0' <(events_of b)

# ---- resume: exactly the missed events -------------------------------------------
sse a2 "$ADMIN" --last-event-id "$LAST" --until site.connected:site=beta --timeout 30
wait_for 30 "the resumed stream caught up" sse_done a2
check "resumed stream: exit on site.connected beta" [ "$(cat "$WORK/a2.rc")" = 0 ]
check "resumed stream: ids strictly increasing" ids_increasing a2
check "resumed stream: every id after Last-Event-ID" jq -s -e --argjson l "$LAST" 'all(.id > $l)' <(events_of a2)
check "resumed stream: run.completed of run 1 among them" jq -s -e 'map(select(.event == "run.completed" and .data.run_id == 1 and .data.status == "completed")) | length == 1' <(events_of a2)
UPTO=$(events_of a2 | jq -s '.[-1].id')
want=$(control events.since "{\"since\":$LAST}" | jq -S -c --argjson u "$UPTO" '[.result.events[] | select(.id <= $u)]')
got=$(events_of a2 | jq -S -s -c '.')
check "resumed stream: exactly the audit log's events after it (none missed, none repeated)" [ "$want" = "$got" ]

# ---- a revoked token's stream ends -----------------------------------------------
check "the victim's stream is still open" test ! -f "$WORK/c.rc"
control token.revoke '{"name":"victim"}' >/dev/null
wait_for 20 "the revoked token's stream ended" sse_done c
check "revoked token: the server ended the stream" [ "$(cat "$WORK/c.rc")" = 2 ]
check "revoked token: a new stream is refused (401)" [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $VICTIM" "$BASE/api/v1/stream")" = 401 ]

# ---- /metrics --------------------------------------------------------------------
curl -sf --cacert "$CA" -H "Authorization: Bearer $ADMIN" "$BASE/metrics" -o "$WORK/m1.txt"
curl -sf --cacert "$CA" -H "Authorization: Bearer $BETA" -D "$WORK/m2.h" "$BASE/metrics" -o "$WORK/m2.txt"
families="fedsoar_events_received_total fedsoar_dead_letters_total fedsoar_events_refused_total
  fedsoar_duplicates_total fedsoar_site_connected fedsoar_outbox_backlog fedsoar_pending_commands
  fedsoar_cases fedsoar_runs fedsoar_approvals_pending fedsoar_command_roundtrip_seconds
  fedsoar_handshakes_refused_total fedsoar_audit_head fedsoar_http_requests_total
  fedsoar_store_commit_seconds"
prom_ok() { python3 "$HERE/prom_parse.py" "$@" >/dev/null; }
# shellcheck disable=SC2086
check "/metrics parses (strict 0.0.4 parser) with every family" prom_ok "$WORK/m2.txt" $families
check "/metrics is text/plain version 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/m2.h"
s=$(python3 "$HERE/prom_parse.py" "$WORK/m2.txt")
check "events received from alpha: 1" jq -e '.["fedsoar_events_received_total{site=\"alpha\"}"] == 1' <<<"$s"
check "alpha and beta connected" jq -e '.["fedsoar_site_connected{site=\"alpha\"}"] == 1 and .["fedsoar_site_connected{site=\"beta\"}"] == 1' <<<"$s"
check "one case, counted by status" jq -e '([to_entries[] | select(.key | startswith("fedsoar_cases{")) | .value] | add) == 1' <<<"$s"
check "a run completed" jq -e '.["fedsoar_runs{state=\"completed\"}"] >= 1' <<<"$s"
check "the command round trip observed" jq -e '.["fedsoar_command_roundtrip_seconds_count{}"] >= 1' <<<"$s"
check "the earlier scrape is counted: GET /metrics 200" jq -e '.["fedsoar_http_requests_total{code=\"200\",route=\"GET /metrics\"}"] >= 1' <<<"$s"
check "the streams are counted: GET /api/v1/stream 200" jq -e '.["fedsoar_http_requests_total{code=\"200\",route=\"GET /api/v1/stream\"}"] >= 3' <<<"$s"
check "the audit head is the log's" jq -e --argjson h "$(control events.since '{"since":0}' | jq .result.head)" '.["fedsoar_audit_head{}"] <= $h and .["fedsoar_audit_head{}"] > 0' <<<"$s"
check "/metrics without a token: 401" [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$BASE/metrics")" = 401 ]

# ---- resume across a broker restart: the audit log is durable ----------------------
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
start_broker --http "127.0.0.1:$HTTP_PORT"
wait_for 20 "the HTTPS API answers again" curl -sf -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
sse a3 "$ADMIN" --last-event-id "$LAST" --until site.connected:site=beta --timeout 30
wait_for 30 "the stream resumed after the restart" sse_done a3
check "after a restart: the same events after Last-Event-ID" [ "$(events_of a3 | jq -S -s -c '.')" = "$got" ]

# ---- a note: case.updated, without the note's text ----------------------------------
sse a4 "$ADMIN" --until case.updated --timeout 30
check "POST a note: 201" [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"text":"secret-ish note text"}' "$BASE/api/v1/cases/1/notes")" = 201 ]
wait_for 20 "the note's event" sse_done a4
check "a note: case.updated, change note, case 1" jq -s -e 'map(select(.event == "case.updated")) | .[0].data | .case_id == 1 and .change == "note"' <(events_of a4)
check "a note: its text is not in the stream" bash -c "! grep -q 'secret-ish' '$WORK/a4.jsonl'"
# ---- values on /metrics; approval.decided and site.disconnected on the stream ---------------
# metric SERIES: its value in a fresh scrape ("" when absent); metric_is SERIES VALUE.
metric() {
    curl -sf --cacert "$CA" -H "Authorization: Bearer $ADMIN" "$BASE/metrics" -o "$WORK/m.txt" &&
        python3 "$HERE/prom_parse.py" "$WORK/m.txt" | jq -r --arg k "$1" '.[$k] // empty'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
# A gate at beta: the broker again, with a playbook that waits for an approver.
mkdir -p "$WORK/pb"
cat >"$WORK/pb/gated.json" <<'JSON'
{"name": "gated-beta", "trigger": {"class_uid": [2004], "sites": ["beta"]},
 "steps": [{"id": "gate", "type": "approval", "role": "approver", "timeout": "1h"},
           {"id": "note", "type": "set", "case": {"note": "approved"}}]}
JSON
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
start_broker --http "127.0.0.1:$HTTP_PORT" --playbooks "$WORK/pb"
wait_for 20 "the HTTPS API answers (gated-beta)" curl -sf -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
wait_for 30 "beta is back" metric_is 'fedsoar_site_connected{site="beta"}' 1
check "/metrics: no approval pending yet (0)" metric_is 'fedsoar_approvals_pending{}' 0
check "/metrics: no dead letter at beta yet (0)" metric_is 'fedsoar_dead_letters_total{site="beta"}' 0
check "/metrics: beta's outbox is empty (0), as beta reports it" \
    bash -c '[ "$1" = 0 ] && [ "$("$2" --keys "$3" --control "$4" sites --json | jq .beta.outbox_backlog)" = 0 ]' \
    _ "$(metric 'fedsoar_outbox_backlog{site="beta"}')" "$BIN/fedsoarctl" "$KEYS" "$CTL_EP"

# Refused handshakes: a key nobody trusts, at each socket; the counter moves by exactly 2.
h0=$(metric 'fedsoar_handshakes_refused_total{}')
"$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as random --wait 1500 FSP/1 CONTROL '{"cmd":"stats"}' >"$WORK/probe1" 2>&1 || true
"$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --as random --wait 1500 FSP/1 HELLO '{"site":"beta"}' >"$WORK/probe2" 2>&1 || true
check "an unknown CURVE key gets no answer at either socket" bash -c '! grep -q "^REPLY\|^WELCOME" "$1" "$2"' _ "$WORK/probe1" "$WORK/probe2"
wait_for 10 "two refusals counted" metric_is 'fedsoar_handshakes_refused_total{}' $((h0 + 2))
check "/metrics: fedsoar_handshakes_refused_total went from $h0 to $((h0 + 2))" \
    metric_is 'fedsoar_handshakes_refused_total{}' $((h0 + 2))

# Stop a site: site.disconnected on the stream.
sse d1 "$ADMIN" --until site.disconnected:site=beta --timeout 30
kill -TERM "$ADAPTER_PID_beta"
wait "$ADAPTER_PID_beta" 2>/dev/null || true
wait_for 30 "the stream saw beta disconnect" sse_done d1
check "stopping beta's adapter: site.disconnected beta on the stream" \
    jq -s -e 'map(select(.event == "site.disconnected" and .data.site == "beta")) | length == 1' <(events_of d1)
check "/metrics: beta disconnected (0)" metric_is 'fedsoar_site_connected{site="beta"}' 0

# beta again, with an alert (the gate opens) and a record it cannot map (a dead letter).
printf '{"not eve": \n' >"$WORK/bad.ndjson"
start_adapter beta --replay "microsoft.graph_alert:$SAMPLES/beta-defender-alerts.json" \
    --replay "suricata.eve:$WORK/bad.ndjson"
wait_for 40 "the gate at beta is open" metric_is 'fedsoar_approvals_pending{}' 1
check "/metrics: approvals pending 0 -> 1, as approvals list says" \
    bash -c '[ "$("$1" --keys "$2" --control "$3" approvals list --json | jq length)" = 1 ]' _ "$BIN/fedsoarctl" "$KEYS" "$CTL_EP"
wait_for 20 "beta reported its dead letter" metric_is 'fedsoar_dead_letters_total{site="beta"}' 1
check "/metrics: the bad record is beta's one dead letter (0 -> 1), as sites says" \
    bash -c '[ "$("$1" --keys "$2" --control "$3" sites --json | jq .beta.dead_letters)" = 1 ]' _ "$BIN/fedsoarctl" "$KEYS" "$CTL_EP"
check "/metrics: alpha's dead letters did not move (0)" metric_is 'fedsoar_dead_letters_total{site="alpha"}' 0
wait_for 20 "beta's outbox drained" metric_is 'fedsoar_outbox_backlog{site="beta"}' 0

# Deny the gate over HTTPS: approval.decided on the stream, nothing pending.
GATE=$(ctl approvals list --json | jq -r '.[0].id // .items[0].id')
sse d2 "$ADMIN" --until approval.decided --timeout 30
check "POST /api/v1/approvals/$GATE/votes deny: 201" \
    [ "$(curl -s -o "$WORK/vote.json" -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $ADMIN" \
        -H 'Content-Type: application/json' -d '{"decision": "deny", "comment": "not this one"}' \
        "$BASE/api/v1/approvals/$GATE/votes")" = 201 ]
wait_for 20 "the stream saw the decision" sse_done d2
check "approval.decided for gate $GATE, denied" \
    jq -s -e --argjson g "$GATE" 'map(select(.event == "approval.decided")) | .[0].data | .approval_id == $g and .decision == "denied" and (.case_id | type) == "number"' <(events_of d2)
check "/metrics: approvals pending 1 -> 0" metric_is 'fedsoar_approvals_pending{}' 0

# Outbox backlog: alpha again, sending at most 25 events/s (--max-rate) a
# replay of 200 flows it takes in at once: its outbox holds them while they
# drain, as its heartbeats report; then 0, with every one received.
python3 - "$WORK/flows.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(200):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.000000+0000", "flow_id": 7000 + i, "event_type": "flow",
            "src_ip": "10.0.0.1", "src_port": 1000 + i, "dest_ip": "192.0.2.1", "dest_port": 443, "proto": "TCP",
            "flow": {"pkts_toserver": 1, "pkts_toclient": 1, "bytes_toserver": 60, "bytes_toclient": 60,
                     "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
                     "state": "closed", "reason": "timeout"}}) + "\n")
PY
received0=$(metric 'fedsoar_events_received_total{site="alpha"}')
kill -TERM "$ADAPTER_PID_alpha"
wait "$ADAPTER_PID_alpha" 2>/dev/null || true
start_adapter alpha --max-rate 25 --replay "suricata.eve:$WORK/flows.ndjson"
backlog_between() { local v; v=$(metric 'fedsoar_outbox_backlog{site="alpha"}'); [ -n "$v" ] && [ "$v" -ge "$1" ] && [ "$v" -le "$2" ]; }
wait_for 20 "alpha reports a backlog" backlog_between 20 200
check "/metrics: alpha's outbox backlog while it drains at 25/s is $(metric 'fedsoar_outbox_backlog{site="alpha"}') (20..200)" \
    backlog_between 1 200
wait_for 40 "alpha's backlog drained" metric_is 'fedsoar_outbox_backlog{site="alpha"}' 0
check "/metrics: alpha's backlog back to 0, and its 200 flows received ($received0 -> $((received0 + 200)))" \
    metric_is 'fedsoar_events_received_total{site="alpha"}' $((received0 + 200))
finish
