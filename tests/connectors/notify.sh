#!/usr/bin/env bash
# The teams-message responder against the stand-in Teams webhook, driven by a
# real broker running a playbook: a MessageCard and an Adaptive Card reach the
# channel exactly once each; a wrong webhook URL is an error naming only the
# status; the webhook URL (the credential) never reaches the adapter's or the
# broker's log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl
STANDIN="$BIN/../tests/vendor_standin"
VPORT=$(free_port)
HOOK="hook-$RANDOM$RANDOM-Secr3t"
V="http://127.0.0.1:$VPORT"
printf '%s\n' "$V/webhookb2/$HOOK/IncomingWebhook/5f1c" >"$WORK/teams_url"
printf '%s\n' "$V/webhookb2/not-$HOOK/IncomingWebhook/5f1c" >"$WORK/teams_bad_url"
"$STANDIN" --port "$VPORT" --cases "$SRC/tests/fixtures/connectors" --fixtures "$SRC/tests/fixtures/vendors" --record "$WORK/actions.jsonl" --api-token "$HOOK" \
    >>"$WORK/standin.vlog" 2>&1 &   # .vlog: the stand-in logs paths, and this path is the secret
PIDS+=("$!")
wait_for 10 "stand-in listening" curl -sf "$V/_standin/stats"
cat >"$WORK/alpha.json" <<JSON
{"connectors": [
  {"name": "soc-teams", "kind": "responder", "type": "teams-message", "webhook_url_file": "$WORK/teams_url"},
  {"name": "soc-teams-adaptive", "kind": "responder", "type": "teams-message", "webhook_url_env": "TEAMS_URL", "format": "adaptive"},
  {"name": "soc-teams-bad", "kind": "responder", "type": "teams-message", "webhook_url_file": "$WORK/teams_bad_url"}
]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/notify.json" <<'JSON'
{
  "name": "notify-teams",
  "title": "Tell the SOC in Teams",
  "description": "Connector test: two cards and one refused post.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "card", "type": "action", "responder": "soc-teams", "site": "alpha", "input": {"title": "Notable", "text": "j.doe locked out"}},
    {"id": "adaptive", "type": "action", "responder": "soc-teams-adaptive", "site": "alpha", "input": {"text": "adaptive j.doe"}},
    {"id": "bad", "type": "action", "responder": "soc-teams-bad", "site": "alpha", "input": {"text": "never posted"}, "on_error": "continue"}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
TEAMS_URL="$(cat "$WORK/teams_url")" start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 40 "three requests done" bash -c "[ \$(grep -c 'event=request_done' '$WORK/alpha.log') -ge 3 ]"
check "the MessageCard was posted once" [ "$(grep -cF '"format":"messagecard","text":"j.doe locked out"' "$WORK/actions.jsonl")" = 1 ]
check "the Adaptive Card was posted once" [ "$(grep -cF '"format":"adaptive","text":"adaptive j.doe"' "$WORK/actions.jsonl")" = 1 ]
check "nothing else was posted" [ "$(wc -l <"$WORK/actions.jsonl")" = 2 ]
check "the wrong webhook failed" grep -q 'event=request_done .*action=soc-teams-bad status=error' "$WORK/alpha.log"
check "the webhook URL is in no adapter or broker log" bash -c "! grep -F -e '$HOOK' '$WORK/alpha.log' '$WORK/broker.log'"
check "nor in the broker's run record" bash -c "! ctl runs show 1 --json 2>/dev/null | grep -qF '$HOOK'"
finish
