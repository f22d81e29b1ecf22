#!/usr/bin/env bash
# The case commands the HTTPS API is built on (case.list with filters and a
# cursor, case.timeline, case.note, case.update's strict fields, metrics
# from the aggregates), through fedsoarctl: its case list flags, its output,
# and the errors that name the bad argument. The store is filled before the
# broker starts by bench/casefill (120 cases, sites site0 and site1).
source "$(dirname "$0")/../integration/lib.sh"
CASEFILL="$BIN/../bench/casefill"
[ -x "$CASEFILL" ] || { echo "not ok - bench/casefill is not built ($CASEFILL)"; exit 1; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites site0,site1 \
    --operators admin,ana:analyst,alice:approver,sam:site-admin:site1 >/dev/null
"$CASEFILL" "$WORK/broker" 120 2 >/dev/null 2>&1
start_broker
wait_for 20 "broker up" ctl stats
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
refused() { # WHO EXPECTED_TEXT COMMAND...: fails, saying why
    local who=$1 want=$2 out
    shift 2
    out=$(as "$who" "$@" 2>&1) && return 1
    grep -q -- "$want" <<<"$out" || { echo "  got: $out"; return 1; }
}
jqok() { local filter=$1; shift; as admin "$@" | jq -e "$filter" >/dev/null; }

# --- case list ----------------------------------------------------------------------
check "case list --json: every case, newest first" \
    jqok 'length == 120 and .[0].id == 120 and .[119].id == 1' case list --json
check "case list (text): a header, rows and the counts by status" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list | grep -q '^ID .*ASSIGNEE' && '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list | grep -q '120 cases shown; all cases by status: new 80'"
check "--limit 10: one page and its cursor" \
    jqok '(.items | length) == 10 and .next_cursor == "111" and .counts.closed == 13' case list --limit 10 --json
check "--cursor continues below it, none twice" \
    jqok '[.items[].id] == [110,109,108,107,106,105,104,103,102,101]' case list --limit 10 --cursor 111 --json
check "the last page has no cursor" jqok '.next_cursor == null and (.items | length) == 5' case list --limit 10 --cursor 6 --json
check "--status closed: closed ones only, as many as the count" \
    jqok '(.items | length) == .counts.closed and all(.items[]; .status == "closed")' case list --status closed --limit 500 --json
check "--site site1: cases of site1 only" jqok 'length == 60 and all(.[]; .sites | index("site1"))' case list --site site1 --json
check "--severity high: severity_id 4 and up" jqok 'length > 0 and all(.[]; .severity_id >= 4)' case list --severity high --json
check "--severity 6 is the same as fatal" \
    bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list --severity 6 --json | jq length)\" = \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case list --severity fatal --json | jq length)\" ]"
check "--text: a case-insensitive substring of the title" jqok 'length == 60 and all(.[]; .title | test("Phishing"))' case list --text PHISHING --json
check "--observable: the case that holds the value, case-insensitive" jqok '[.[].id] == [7]' case list --observable WS-7.CORP.EXAMPLE --json
as admin case assign 5 ana >/dev/null
as admin case assign 9 ana >/dev/null
check "--assignee" jqok '[.[].id] == [9, 5] and all(.[]; .assignee == "ana")' case list --assignee ana --json
check "filters combine" jqok '[.[].id] == [5]' case list --assignee ana --severity 5 --json
check "a site-admin sees its own site's cases, and its site's counts" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' --operator sam case list --limit 500 --json | jq -e '(.items | length) == 60 and all(.items[]; .sites | index(\"site1\")) and ([.counts[]] | add) == 60' >/dev/null"

# --- errors ----------------------------------------------------------------------------
check "--status must be a case status (usage)" refused admin 'is not a case status' case list --status open
check "--limit 0 is a usage error" refused admin '--limit is 1-500' case list --limit 0
check "--severity must be a level or 0-6" refused admin 'severity' case list --severity 9
check "a cursor the broker did not give is refused, naming it" refused admin 'argument cursor' case list --cursor abc
check "a note over 10000 characters is refused" refused admin '1-10000' case note 3 "$(head -c 10001 /dev/zero | tr '\0' x)"
check "a note of 10000 characters is kept" as admin case note 3 "$(head -c 10000 /dev/zero | tr '\0' y)"
check "approver: may not note a case" refused alice 'needs role analyst,site-admin,admin' case note 3 hello
check "site-admin: may not note another site's case" refused sam 'does not involve site site1' case note 2 hello
check "site-admin: may note its own site's case" as sam case note 3 "seen"
check "case show of a case that does not exist" refused admin 'no case 999' case show 999

# --- updates keep the aggregates (metrics, counts) -------------------------------------
as admin case status 1 closed >/dev/null
as admin case status 2 analysis >/dev/null
check "metrics: all time, from the aggregates" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' metrics --json | jq -e '.window == \"all\" and .overall.cases == 120 and .overall.by_status.closed == 14 and .overall.open_cases == 106 and .per_site.site0.cases == 60 and (.series | length) >= 1' >/dev/null"
check "metrics (text) still prints the table" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' metrics | grep -q '^overall '"
check "the list's counts moved with them" jqok '.counts.closed == 14 and .counts.analysis == 14' case list --limit 1 --json
check "the note is on the timeline, audited" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case show 3 --json | jq -e '[.timeline[] | select(.kind == \"updated\" and .fields.note == \"seen\" and .by == \"operator:sam\")] | length == 1' >/dev/null"
finish
