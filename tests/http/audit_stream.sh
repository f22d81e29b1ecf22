#!/usr/bin/env bash
# GET /api/v1/audit/entries streamed (issue 13.4, docs/api.md "Audit"):
# without `limit` the whole log after `since` comes in one chunked answer,
# every seq once and in order, up to the head; with `limit` the paged form,
# followed with since=last to an empty page, gives the same entries. The
# store is filled before the broker starts by bench/casefill (6,000 cases:
# each one's timeline lines are audit entries). The broker's VmRSS before
# and after the pull is printed as an observation (not asserted). A token
# revoked during a slow pull cuts the transfer unclosed. follow=true goes on
# past the head as NDJSON until its token is revoked.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/http_lib.sh"
CASEFILL="$BIN/../bench/casefill"
[ -x "$CASEFILL" ] || { echo "not ok - bench/casefill is not built ($CASEFILL)"; exit 1; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites site0,site1 --operators admin,ana:analyst,alice:approver \
    --http-names localhost,127.0.0.1 >/dev/null
"$CASEFILL" "$WORK/broker" 6000 2 >/dev/null 2>&1
# The paged loop below makes ~20 calls; the default 600/min is plenty.
start_http_broker
T_ADMIN=$(token adm admin)
T_APPR=$(token alice-t approver)
T_ANA=$(token ana-t analyst)
head_seq=$(ctl audit verify --json 2>/dev/null | jq -r '.head_seq // empty')
[ -n "$head_seq" ] || head_seq=$(curl -s --cacert "$CA" -H "Authorization: Bearer $T_ADMIN" "$BASE/api/v1/audit/verify" | jq -r .head_seq)
check "the store has 5,000+ audit entries ($head_seq)" [ "${head_seq:-0}" -ge 5000 ]

rss() { awk '/^VmRSS/ {print $2}' "/proc/$BROKER_PID/status"; }
rss0=$(rss)
OUT="$WORK/all.json"
code=$(curl -s -S --cacert "$CA" -H "Authorization: Bearer $T_APPR" -D "$WORK/all.head" -o "$OUT" \
    -w '%{http_code}' "$BASE/api/v1/audit/entries?since=0")
rss1=$(rss)
echo "# broker VmRSS before the pull ${rss0} kB, after ${rss1} kB; answer $(stat -c %s "$OUT") bytes"
check "one request: 200" [ "$code" = 200 ]
check "the answer is chunked (streamed, no Content-Length)" \
    bash -c 'grep -qi "^transfer-encoding: chunked" "$1" && ! grep -qi "^content-length" "$1"' _ "$WORK/all.head"
check "the answer is the paged form's document" jq -e 'has("entries") and has("last")' "$OUT"
jq -r '.entries[].seq' "$OUT" >"$WORK/all.seqs"
check "every seq from 1 to the head, once, in order" \
    bash -c 'diff -q <(seq 1 "$2") "$1" >/dev/null' _ "$WORK/all.seqs" "$head_seq"
check "last is the head reached" jq -e --argjson h "$head_seq" '.last == $h' "$OUT"
check "each entry is a whole audit entry" jq -e 'all(.entries[]; has("seq") and has("kind") and has("hash"))' "$OUT"

# since=N: what comes after N, to the head.
mid=$((head_seq / 2))
curl -s --cacert "$CA" -H "Authorization: Bearer $T_ADMIN" "$BASE/api/v1/audit/entries?since=$mid" >"$WORK/half.json"
check "since=$mid: seqs $((mid + 1))..$head_seq" \
    bash -c 'diff -q <(seq $(($2 + 1)) "$3") <(jq -r ".entries[].seq" "$1") >/dev/null' _ "$WORK/half.json" "$mid" "$head_seq"
curl -s --cacert "$CA" -H "Authorization: Bearer $T_ADMIN" "$BASE/api/v1/audit/entries?since=$head_seq" >"$WORK/none.json"
check "since=head: no entries, last stays the head" jq -e --argjson h "$head_seq" '.entries == [] and .last == $h' "$WORK/none.json"

# The paged form, followed to the end.
since=0 pages=0
: >"$WORK/paged.seqs"
while :; do
    api GET "/api/v1/audit/entries?since=$since&limit=1000" "$T_ADMIN"
    [ "$ST" = 200 ] || { fail "a page at since=$since: $ST $(head -c 300 "$B")"; break; }
    n=$(jq '.entries | length' "$B")
    [ "$n" -le 1000 ] || { fail "limit=1000: a page of $n"; break; }
    [ "$n" = 0 ] && break
    jq -r '.entries[].seq' "$B" >>"$WORK/paged.seqs"
    next=$(jq -r .last "$B")
    [ "$next" -gt "$since" ] || { fail "last $next does not move past since $since"; break; }
    since=$next pages=$((pages + 1))
    [ $pages -le 100 ] || { fail "the paged form does not end"; break; }
done
check "limit=1000 pages ($pages), followed with since=last to an empty page: the same entries as the stream" \
    cmp -s "$WORK/paged.seqs" "$WORK/all.seqs"
check "limit=1000: full pages until the last" [ "$pages" = $(((head_seq + 999) / 1000)) ]
api GET "/api/v1/audit/entries?since=0&limit=10001" "$T_ADMIN"
expect 400 "limit over 10000"

# Refused before the headers: a problem, not a 200 cut short.
api GET "/api/v1/audit/entries?since=0" "$T_ANA"
expect 403 "the stream as analyst"
check "...as a problem" is_problem
api GET "/api/v1/audit/entries?since=0" -
expect 401 "the stream without credentials"

# New entries after the pull: the next pull from last has them, and only them.
last=$(jq -r .last "$OUT")
ctl case note 1 "after the pull" >/dev/null
curl -s --cacert "$CA" -H "Authorization: Bearer $T_ADMIN" "$BASE/api/v1/audit/entries?since=$last" >"$WORK/more.json"
check "since=last after a note: the new entries only" \
    jq -e --argjson l "$last" '(.entries | length) >= 1 and all(.entries[]; .seq > $l) and .last > $l' "$WORK/more.json"

# Several pulls at once: each complete.
pulls=()
for i in 1 2 3; do
    curl -s --cacert "$CA" -H "Authorization: Bearer $T_ADMIN" "$BASE/api/v1/audit/entries?since=0" >"$WORK/par$i.json" &
    pulls+=($!)
done
wait "${pulls[@]}"
check "three pulls at once, each every entry once" bash -c 'for i in 1 2 3; do
    diff -q <(head -n "$2" "$1") <(jq -r ".entries[].seq" "$3/par$i.json" | head -n "$2") >/dev/null || exit 1
    [ "$(jq -r ".entries[].seq" "$3/par$i.json" | sort -u | wc -l)" = "$(jq ".entries | length" "$3/par$i.json")" ] || exit 1
done' _ "$WORK/all.seqs" "$head_seq" "$WORK"
# A token revoked while its pull is under way: the next page is refused,
# and the transfer is cut (no final chunk), never a short log that parses.
T_PULL=$(token pull-t approver)
state=$(python3 "$(dirname "$0")/slow_reader.py" "$BASE/api/v1/audit/entries?since=0" "$CA" "$T_PULL" 200000 \
    "$WORK/cut.json" -- "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" token revoke pull-t)
echo "# the revoked pull got $(stat -c %s "$WORK/cut.json") of $(stat -c %s "$OUT") bytes: $state"
check "the pull of a token revoked on the way is cut (no final chunk)" [ "$state" = cut ]
check "...what came is a prefix of the log, and does not parse as a document" \
    bash -c '[ "$(stat -c %s "$1")" -lt "$(stat -c %s "$2")" ] && cmp -s "$1" <(head -c "$(stat -c %s "$1")" "$2") && ! jq -e . "$1" >/dev/null 2>&1' \
    _ "$WORK/cut.json" "$OUT"
T_SLOW=$(token slow-t approver)
state=$(python3 "$(dirname "$0")/slow_reader.py" "$BASE/api/v1/audit/entries?since=0" "$CA" "$T_SLOW" 200000 \
    "$WORK/slow.json" -- true)
check "the same slow reader, not revoked: the whole log ($state)" \
    bash -c '[ "$1" = complete ] && jq -e --argjson h "$2" ".last > \$h and [.entries[].seq] == [range(1; .last + 1)]" "$3" >/dev/null' _ "$state" "$head_seq" "$WORK/slow.json"
# follow=true: NDJSON past the head, a line per entry as it is committed,
# until the credential is revoked (the revocation is itself an entry).
api GET "/api/v1/audit/entries?follow=true&limit=5" "$T_ADMIN"
expect 400 "follow=true with limit"
T_FOL=$(token follow-t approver)
now=$(ctl audit verify --json | jq .head_seq)
from=$((now - 3))
rc_file="$WORK/follow.rc"
(
    rc=0
    curl -s -N --cacert "$CA" -H "Authorization: Bearer $T_FOL" -D "$WORK/follow.head" -o "$WORK/follow.ndjson" \
        --max-time 60 "$BASE/api/v1/audit/entries?since=$from&follow=true" || rc=$?
    echo "$rc" >"$rc_file"
) &
PIDS+=("$!")
lines() { [ "$(grep -c . "$WORK/follow.ndjson" 2>/dev/null)" -ge "$1" ]; }
wait_for 20 "the follower got the 3 entries after since=$from" lines 3
check "follow=true: application/x-ndjson, chunked" \
    bash -c 'grep -qi "^content-type: application/x-ndjson" "$1" && grep -qi "^transfer-encoding: chunked" "$1"' _ "$WORK/follow.head"
check "the follower is still connected at the head" [ ! -f "$rc_file" ]
ctl case note 2 "while followed" >/dev/null
ctl case note 3 "while followed, again" >/dev/null
wait_for 20 "the follower got the notes' entries" lines 5
check "the new entries arrived on the open answer, one JSON line each, seqs $((from + 1)).. in order" \
    bash -c 'jq -se --argjson f "$2" "[.[].seq] == [range(\$f + 1; \$f + 1 + length)] and (length >= 5)" "$1" >/dev/null' _ "$WORK/follow.ndjson" "$from"
ctl token revoke follow-t >/dev/null
wait_for 20 "the follower's answer ended" test -f "$rc_file"
check "revoking its token cuts the follower (curl exit $(cat "$rc_file"): 18, no final chunk)" [ "$(cat "$rc_file")" = 18 ]
check "the broker is still up" kill -0 "$BROKER_PID"
finish
