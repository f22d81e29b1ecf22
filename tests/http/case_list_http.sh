#!/usr/bin/env bash
# GET /api/v1/cases over HTTPS on a store of 120 cases (bench/casefill, sites
# site0 and site1): the filters text, observable and assignee (the CLI's
# are in case_commands.sh) and next_cursor followed through every page —
# without a filter, with one, and as a site-admin — each case exactly once,
# in the order of the one-page list.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/http_lib.sh"
CASEFILL="$BIN/../bench/casefill"
[ -x "$CASEFILL" ] || { echo "not ok - bench/casefill is not built ($CASEFILL)"; exit 1; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites site0,site1 \
    --operators admin,ana:analyst,sam:site-admin:site1 --http-names localhost,127.0.0.1 >/dev/null
"$CASEFILL" "$WORK/broker" 120 2 >/dev/null 2>&1
echo '{"http": {"rate_limit_per_min": 100000}}' >"$WORK/broker.json"
start_http_broker --config "$WORK/broker.json"
T_ANA=$(token ana-t analyst)
T_SAM=$(token sam-t site-admin --site site1)

# walk AUTH QUERY LIMIT OUT: every page of /cases?QUERY with limit=LIMIT,
# following next_cursor; the ids in OUT, the page count in PAGES.
walk() {
    local auth=$1 query=$2 limit=$3 out=$4 cursor=""
    PAGES=0
    : >"$out"
    while :; do
        api GET "/api/v1/cases?${query:+$query&}limit=$limit${cursor:+&cursor=$cursor}" "$auth"
        [ "$ST" = 200 ] || { fail "a page of /cases?$query: $ST $(head -c 300 "$B")"; return 1; }
        [ "$(jq '.items | length' "$B")" -le "$limit" ] || { fail "a page over limit=$limit"; return 1; }
        jq -r '.items[].id' "$B" >>"$out"
        cursor=$(jq -r '.next_cursor // empty' "$B")
        PAGES=$((PAGES + 1))
        [ -n "$cursor" ] || return 0
        [ $PAGES -lt 500 ] || { fail "next_cursor never ends"; return 1; }
    done
}
# once_each EXPECTED GOT: the same ids in the same order, none twice.
once_each() { [ -s "$1" ] && cmp -s "$1" "$2" && [ "$(sort -u "$2" | wc -l)" = "$(wc -l <"$2")" ]; }

seq 120 -1 1 >"$WORK/all.expected"
walk "$T_ANA" "" 7 "$WORK/all.got"
check "next_cursor through every page of 7 ($PAGES pages): cases 120..1, each once" once_each "$WORK/all.expected" "$WORK/all.got"
check "18 pages of at most 7 for 120 cases" [ "$PAGES" = 18 ]

api GET "/api/v1/cases?status=new&limit=500" "$T_ANA"
jq -r '.items[].id' "$B" >"$WORK/new.expected"
walk "$T_ANA" "status=new" 9 "$WORK/new.got"
check "status=new, pages of 9 ($PAGES): the same cases as one page of 500, each once" once_each "$WORK/new.expected" "$WORK/new.got"
check "status=new: 80 cases" [ "$(wc -l <"$WORK/new.got")" = 80 ]

api GET "/api/v1/cases?limit=500" "$T_SAM"
jq -r '.items[].id' "$B" >"$WORK/sam.expected"
walk "$T_SAM" "" 11 "$WORK/sam.got"
check "site1's admin, pages of 11 ($PAGES): its 60 cases, each once" \
    bash -c 'once_each() { [ -s "$1" ] && cmp -s "$1" "$2" && [ "$(sort -u "$2" | wc -l)" = "$(wc -l <"$2")" ]; }; once_each "$1" "$2" && [ "$(wc -l <"$2")" = 60 ]' _ "$WORK/sam.expected" "$WORK/sam.got"

# --- the filters over HTTP ------------------------------------------------------------------------------
api GET "/api/v1/cases?text=PHISHING&limit=500" "$T_ANA"
expect 200 "GET /cases?text=PHISHING"
check "text: a case-insensitive piece of the title: the 60 phishing cases" \
    jq -e '(.items | length) == 60 and all(.items[]; .title | test("Phishing"))' "$B"
walk "$T_ANA" "text=phishing" 8 "$WORK/text.got"
check "text=phishing through its pages of 8: the same 60, each once" \
    bash -c '[ "$(sort -u "$1" | wc -l)" = 60 ] && [ "$(wc -l <"$1")" = 60 ]' _ "$WORK/text.got"
api GET "/api/v1/cases?text=ransomware" "$T_ANA"
check "text= that no title has: none" jq -e '.items == [] and .next_cursor == null' "$B"
api GET "/api/v1/cases?observable=WS-7.CORP.EXAMPLE" "$T_ANA"
expect 200 "GET /cases?observable=WS-7.CORP.EXAMPLE"
check "observable: the case that holds the value (case-insensitive), only it" jq -e '[.items[].id] == [7]' "$B"
api GET "/api/v1/cases?observable=ws-7.corp.example&site=site0" "$T_ANA"
check "observable combined with a site it is not at (case 7 is at site1): none" jq -e '.items == []' "$B"
api GET "/api/v1/cases?assignee=ana" "$T_ANA"
check "assignee=ana before any assignment: none" jq -e '.items == []' "$B"
for c in 5 9 12; do
    api PATCH "/api/v1/cases/$c" "$T_ANA" '{"assignee": "ana"}'
    expect 200 "PATCH /cases/$c assignee ana"
done
api GET "/api/v1/cases?assignee=ana" "$T_ANA"
check "assignee=ana: the three, newest first" jq -e '[.items[].id] == [12, 9, 5] and all(.items[]; .assignee == "ana")' "$B"
walk "$T_ANA" "assignee=ana" 1 "$WORK/ana.got"
check "assignee=ana, a page of 1 at a time ($PAGES pages): 12, 9, 5" \
    bash -c '[ "$(tr "\n" " " <"$1")" = "12 9 5 " ]' _ "$WORK/ana.got"
api GET "/api/v1/cases?assignee=ana&site=site1" "$T_ANA"
check "assignee=ana&site=site1: filters combine" \
    jq -e '(.items | length) >= 1 and all(.items[]; .assignee == "ana" and (.sites | index("site1")))' "$B"
api GET "/api/v1/cases?assignee=ANA" "$T_ANA"
check "assignee is exact: ANA is not ana" jq -e '.items == []' "$B"
check "the broker is still up" kill -0 "$BROKER_PID"
finish
