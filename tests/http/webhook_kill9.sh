#!/usr/bin/env bash
# The webhook source answers 202 only after the outbox commit (issue 13.6):
# batches are POSTed and the adapter is killed with kill -9 the moment a
# 202 comes back, six times (a second sender posts batches back to back,
# so one is in flight at each kill), and restarted each time. Every record answered 202 must reach the
# broker exactly once — counted by record id in the broker's LMDB events
# table (mdb_dump) — and a record whose batch got no answer at most once.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl jq mdb_dump python3
TOKEN="wh-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$TOKEN" >"$WORK/token"
P=$(free_port)
cat >"$WORK/alpha.json" <<JSON
{"sources": [
  {"name": "okta-hook", "type": "webhook", "source": "okta.system_log", "listen": "127.0.0.1:$P",
   "token_file": "$WORK/token", "insecure_http": true}
]}
JSON
FIX="$SRC/tests/fixtures/vendors/okta.system_log/logs_array.json"
jq -c '.[0]' "$FIX" >"$WORK/template.json"
U="http://127.0.0.1:$P/webhook"
# batch FIRST N FILE: NDJSON of N Okta records with ids kill9-FIRST.. kill9-(FIRST+N-1).
batch() {
    jq -c --argjson f "$1" --argjson n "$2" 'range($f; $f + $n) as $i | .uuid = "kill9-\($i)"' \
        "$WORK/template.json" >"$3"
}
# post FILE: the status of one POST of FILE (000: no answer).
post() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Fedsoar-Token: $TOKEN" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$1" "$U" || true
}
adapter() {
    start_adapter alpha --config "$WORK/alpha.json"
    ADAPTER=$!
    wait_for 20 "the webhook listens" bash -c "curl -s -o /dev/null '$U'"
}
kill9() { kill -9 "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
wait_for 20 "broker up" ctl stats
adapter

: >"$WORK/accepted.ids"
: >"$WORK/unanswered.ids"
next=1 sent=0
# sender ROUND: a second sender posting batches of 100 back to back until
# the adapter stops answering, so a batch is in flight when the kill comes;
# its ids go to flight-ROUND.accepted or flight-ROUND.unanswered.
sender() {
    local j=0 code
    : >"$WORK/flight-$1.accepted"
    : >"$WORK/flight-$1.unanswered"
    while :; do
        j=$((j + 1))
        batch $((100000 * $1 + 100 * j)) 100 "$WORK/flight-$1.ndjson"
        code=$(post "$WORK/flight-$1.ndjson")
        if [ "$code" = 202 ]; then
            jq -r .uuid "$WORK/flight-$1.ndjson" >>"$WORK/flight-$1.accepted"
        else
            jq -r .uuid "$WORK/flight-$1.ndjson" >>"$WORK/flight-$1.unanswered"
            echo "$code" >"$WORK/flight-$1.code"
            return 0
        fi
    done
}
for round in 1 2 3 4 5 6; do
    sender "$round" &
    flight=$!
    for k in 1 2 3; do
        n=$((20 + RANDOM % 60))
        batch "$next" "$n" "$WORK/b.ndjson"
        code=$(post "$WORK/b.ndjson")
        sent=$((sent + n))
        if [ "$code" = 202 ]; then
            jq -r .uuid "$WORK/b.ndjson" >>"$WORK/accepted.ids"
        else
            jq -r .uuid "$WORK/b.ndjson" >>"$WORK/unanswered.ids"
        fi
        next=$((next + n))
        # kill -9 the moment the third 202 of the round is in.
        [ $k = 3 ] && kill9 "$ADAPTER"
    done
    wait "$flight" 2>/dev/null || true
    cat "$WORK/flight-$round.accepted" >>"$WORK/accepted.ids"
    cat "$WORK/flight-$round.unanswered" >>"$WORK/unanswered.ids"
    echo "# round $round: kill -9 after a 202; the other sender had $(wc -l <"$WORK/flight-$round.accepted") records answered 202 and its batch in flight got $(cat "$WORK/flight-$round.code")"
    adapter
done
accepted=$(wc -l <"$WORK/accepted.ids")
check "batches were accepted before the kills ($accepted records answered 202)" [ "$accepted" -ge 18 ]

# Drain: the outbox empty at the adapter, then what the broker holds.
wait_for 60 "the outbox is empty" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -r '.alpha.outbox_backlog')\" = 0 ]"
sleep 2 # a few heartbeats: nothing more may arrive
mdb_dump -p -s events "$WORK/broker" >"$WORK/events.dump"
python3 - "$WORK/events.dump" >"$WORK/stored.ids" <<'PY'
import json, re, sys
# mdb_dump -p: after HEADER=END, key and value lines alternate, each with a
# leading space; non-printable bytes are \hh and a backslash is \\.
def unescape(s):
    return re.sub(rb'\\(\\|[0-9a-fA-F]{2})', lambda m: b'\\' if m.group(1) == b'\\' else bytes([int(m.group(1), 16)]), s)
lines = open(sys.argv[1], 'rb').read().split(b'\n')
body = lines[lines.index(b'HEADER=END') + 1:]
vals = [unescape(l[1:]) for l in body if l.startswith(b' ')][1::2]
for v in vals:
    ev = json.loads(v)
    # the vendor's record id (Okta's uuid); metadata.uid is the broker's own
    print((ev.get('metadata') or {}).get('original_event_uid') or '?')
PY
check "the broker's events table read ($(wc -l <"$WORK/stored.ids") events)" [ -s "$WORK/stored.ids" ]
missing=$(sort -u "$WORK/accepted.ids" | comm -23 - <(sort -u "$WORK/stored.ids") | wc -l)
twice=$(sort "$WORK/stored.ids" | uniq -d | wc -l)
check "every record answered 202 reached the broker ($accepted, $missing missing)" [ "$missing" = 0 ]
check "none of them twice, nor any other record ($twice ids stored more than once)" [ "$twice" = 0 ]
check "nothing stored that was not sent" \
    bash -c 'sort -u "$1" | comm -23 - <(sort -u "$2" "$3") | grep -q . && exit 1 || exit 0' _ "$WORK/stored.ids" "$WORK/accepted.ids" "$WORK/unanswered.ids"
echo "# $sent records in batches, $accepted answered 202, $(wc -l <"$WORK/unanswered.ids") without an answer; $(wc -l <"$WORK/stored.ids") stored"
check "the broker's count agrees" stat_is .events.per_site.alpha "$(wc -l <"$WORK/stored.ids")"
finish
