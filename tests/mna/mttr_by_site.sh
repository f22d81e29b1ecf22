#!/usr/bin/env bash
# Issue 15 clause 4, MTTR parity, with real daemons (CURVE on): alerts at
# three sites open one case each (nothing shared, so no cross-site case);
# an operator moves them through the real CLI (case status ...) at known
# paces: alpha fast, beta about 1 s per step, gamma about 2 s. Then
# `fedsoarctl metrics --by-site` must give each site's exact MTTA/MTTC/MTTR
# (the mean over its cases of stamp - created, from the case documents), the
# ratio to the best site, the trend, a CSV with a header, the JSON, and an
# SVG chart that xmllint reads as well-formed XML with every site's series.
source "$(dirname "$0")/../integration/lib.sh"
require_tool xmllint
jqe() { jq -e "$@" >/dev/null; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta,gamma --operators admin >/dev/null
mkdir -p "$WORK/empty"
start_broker --playbooks "$WORK/empty"
wait_for 20 "broker up" ctl stats

# alerts SITE N FIRST: N CrowdStrike detections with nothing in common with
# any other (host, addresses, user, hashes all numbered).
alerts() {
    python3 - "$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json" "$2" "$3" >"$WORK/$1.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
tpl, n, first = doc["resources"][0], int(sys.argv[2]), int(sys.argv[3])
out = []
for k in range(first, first + n):
    r = json.loads(json.dumps(tpl))
    r["composite_id"] += "-mttr%d" % k
    r["id"] += "-mttr%d" % k
    r["device"].update(hostname="MTTR-HOST-%d" % k, local_ip="10.99.%d.%d" % (k // 200, k % 200 + 1),
                       external_ip="198.18.%d.%d" % (k // 200, k % 200 + 1),
                       mac_address="02-00-00-00-%02x-%02x" % (k // 256, k % 256),
                       device_id="%032x" % (k + 7))
    r["agent_id"] = r["device"]["device_id"]
    r["user_name"] = "user%d" % k
    r["user_principal"] = "user%d@mttr%d.example" % (k, k)
    r["sha256"] = "%064x" % (k * 7919 + 1)
    r["md5"] = "%032x" % (k * 104729 + 1)
    r["parent_details"]["sha256"] = "%064x" % (k * 7919 + 2)
    for a in r.get("network_accesses", []):
        a["local_address"] = r["device"]["local_ip"]
        a["remote_address"] = "198.19.%d.%d" % (k // 200, k % 200 + 1)
    out.append(r)
doc["resources"] = out
print(json.dumps(doc))
PY
    echo "crowdstrike.alert:$WORK/$1.json"
}
start_adapter alpha --replay "$(alerts alpha 2 1)"
start_adapter beta --replay "$(alerts beta 2 3)"
start_adapter gamma --replay "$(alerts gamma 1 5)"
wait_for 30 "five cases opened" stat_is .cases 5

ids_of() { ctl case list --site "$1" --json | jq -r 'if type == "array" then .[] else .items[] end | .id' | sort -n; }
ALPHA=$(ids_of alpha) BETA=$(ids_of beta) GAMMA=$(ids_of gamma)
check "§15.4: one case per alert, each at one site (2 alpha, 2 beta, 1 gamma)" \
    [ "$(echo $(wc -w <<<"$ALPHA") $(wc -w <<<"$BETA") $(wc -w <<<"$GAMMA"))" = "2 2 1" ]

# step PAUSE STATUS IDS...: waits PAUSE seconds, then sets each case's status.
step() {
    local pause=$1 status=$2
    shift 2
    sleep "$pause"
    for id in "$@"; do ctl case status "$id" "$status" >/dev/null; done
}
# Acknowledge (analysis), contain (containment), resolve (closed). Alpha
# at once; beta 1 s apart; gamma 2 s apart; alpha's second case stays
# contained, not resolved: its MTTR is its first case's.
step 0 analysis $ALPHA
step 0 containment $ALPHA
step 0 closed $(head -1 <<<"$ALPHA")
step 1 analysis $BETA
step 1 containment $BETA
step 1 closed $BETA
step 2 analysis $GAMMA
step 2 containment $GAMMA
step 2 closed $GAMMA
# Gamma's case is reopened: open again and not resolved; closed again, its
# MTTR is the final close (the stamps below are read after it).
first_close=$(ctl case show "$GAMMA" --json | jq .resolved)
step 0 analysis $GAMMA
check "§15.4: a reopened case is open and not resolved" \
    jqe '.sites[] | select(.site == "gamma") | .open_cases == 1 and .resolved == 0 and .mttr_s == null' \
    <<<"$(ctl metrics --by-site --json)"
step 0 closed $GAMMA
check "§15.4: closed again, the case's resolution is the new close" \
    [ "$(ctl case show "$GAMMA" --json | jq .resolved)" -gt "$first_close" ]

# What the answer must be, from the case documents' own stamps.
for id in $ALPHA $BETA $GAMMA; do ctl case show "$id" --json; done |
    jq -s 'map({site: .sites[0], a: (.acknowledged - .created), c: (.contained - .created),
                r: (if .resolved then .resolved - .created else null end)})
           | group_by(.site) | map({key: .[0].site, value: {
               cases: length,
               mtta_s: (map(.a) | add / length / 1000),
               mttc_s: (map(.c) | add / length / 1000),
               mttr_s: (map(.r | select(. != null)) | add / length / 1000),
               resolved: (map(.r | select(. != null)) | length)}}) | from_entries' >"$WORK/want.json"
DAY_BEFORE=$(date -u +%F)
ctl metrics --by-site --window 7d --json >"$WORK/got.json"
DAY_AFTER=$(date -u +%F)

# near A B: equal to 1e-9 relative (one division by the broker, one by jq).
same() { jq -e -n --argjson a "$1" --argjson b "$2" '($a - $b | fabs) <= 1e-9 * ($b | fabs) + 1e-12' >/dev/null; }
for site in alpha beta gamma; do
    for k in cases resolved mtta_s mttc_s mttr_s; do
        check "§15.4: $site $k is the mean from its cases' stamps" \
            same "$(jq ".sites[] | select(.site == \"$site\") | .$k" "$WORK/got.json")" "$(jq ".$site.$k" "$WORK/want.json")"
    done
done
check "§15.4: the paces show: alpha faster than beta (its MTTA at least 1 s), faster than gamma (at least 2 s)" \
    jqe '(.sites | map({(.site): .}) | add) as $s | $s.beta.mtta_s >= 1 and $s.gamma.mtta_s >= 2
           and $s.alpha.mtta_s < $s.beta.mtta_s and $s.beta.mtta_s < $s.gamma.mtta_s
           and $s.gamma.mttr_s >= 6 and $s.beta.mttr_s >= 3' "$WORK/got.json"
check "§15.4: the best site of each metric is alpha" \
    [ "$(jq -c .best "$WORK/got.json")" = '{"mtta":"alpha","mttc":"alpha","mttr":"alpha"}' ]
for site in alpha beta gamma; do
    for m in mtta mttc mttr; do
        check "§15.4: $site's $m ratio to the best is its mean over alpha's" \
            same "$(jq ".sites[] | select(.site == \"$site\") | .ratio_to_best.$m" "$WORK/got.json")" \
            "$(jq ".$site.${m}_s / .alpha.${m}_s" "$WORK/want.json")"
    done
done
check "§15.4: 7 daily buckets ending today (UTC), every series as long" \
    jqe --arg a "$DAY_BEFORE" --arg b "$DAY_AFTER" '(.buckets | length) == 7 and .bucket == "day"
        and (.buckets[-1].from == $a or .buckets[-1].from == $b) and .buckets[-1].from == .to
        and ([.sites[].series | length] | unique) == [7]' "$WORK/got.json"
# Each case in the bucket of its creation day (UTC), read from the case documents.
for id in $ALPHA $BETA $GAMMA; do ctl case show "$id" --json; done |
    jq -s 'map({site: .sites[0], day: (.created / 1000 | floor | strftime("%Y-%m-%d"))})
           | group_by(.site) | map({key: .[0].site, value: (group_by(.day) | map({key: .[0].day, value: length}) | from_entries)})
           | from_entries' >"$WORK/want_days.json"
check "§15.4: each case is counted once, in the bucket of the day it was created" \
    jqe --slurpfile want "$WORK/want_days.json" '. as $r | [.sites[] | {key: .site, value:
        ([.series, $r.buckets] | transpose | map(select(.[0].cases > 0) | {key: .[1].from, value: .[0].cases}) | from_entries)}]
        | from_entries == $want[0]' "$WORK/got.json"
check "§15.4: the trend compares the window's halves: all cases are in the second (first half null)" \
    jqe '.sites[0].trend.mttr | .first_half_s == null and .second_half_s != null and .change == null' "$WORK/got.json"
check "§15.4: overall counts all five cases" jqe '.overall.cases == 5 and .overall.resolved == 4' "$WORK/got.json"

week=$(ctl metrics --by-site --window 30d --bucket week --json)
check "§15.4: --bucket week: ISO weeks from Monday, the first cut at the window's start" \
    jqe --arg from "$(date -u -d '29 days ago' +%F)" '.bucket == "week" and .buckets[0].from == $from
        and (.buckets[1:] | all(.from | strptime("%Y-%m-%d") | mktime | strftime("%u") == "1"))
        and (.buckets | length) >= 5 and (.buckets | length) <= 6' <<<"$week"
check "§15.4: weekly and daily agree on the window's means" \
    [ "$(jq -c '[.sites[] | .mtta_s, .mttr_s]' <<<"$week")" = "$(jq -c '[.sites[] | .mtta_s, .mttr_s]' "$WORK/got.json")" ]

# CSV: a header, then per site one "window" row and one row per bucket.
ctl metrics --by-site --window 7d --csv >"$WORK/got.csv"
check "§15.4: CSV header" [ "$(head -1 "$WORK/got.csv")" = "site,bucket,from,to,cases,acknowledged,contained,resolved,mtta_s,mttc_s,mttr_s,mtta_ratio,mttc_ratio,mttr_ratio,mtta_change,mttc_change,mttr_change" ]
check "§15.4: CSV has 3 x (1 + 7) rows of 17 fields" \
    [ "$(tail -n +2 "$WORK/got.csv" | awk -F, 'NF == 17' | wc -l)" = 24 ]
check "§15.4: CSV window row of gamma carries its MTTR and ratio" \
    same "$(awk -F, '$1 == "gamma" && $2 == "window" {print $11}' "$WORK/got.csv")" \
    "$(jq '.gamma.mttr_s * 1000 | round / 1000' "$WORK/want.json")"
check "§15.4: CSV gamma mttr_ratio" \
    same "$(awk -F, '$1 == "gamma" && $2 == "window" {print $14}' "$WORK/got.csv")" \
    "$(jq '(.gamma.mttr_s / .alpha.mttr_s) * 1000 | round / 1000' "$WORK/want.json")"

# The table people read, and the chart.
table=$(ctl metrics --by-site --chart "$WORK/chart.svg")
check "§15.4: the table names the window, the best sites, each site with its ratio" \
    bash -c 'grep -q "window 7d" <<<"$1" && grep -q "best: MTTA alpha, MTTC alpha, MTTR alpha" <<<"$1" &&
             grep -qE "^alpha +2 .*x1\.00" <<<"$1" && grep -qE "^beta " <<<"$1" && grep -qE "^gamma " <<<"$1"' _ "$table"
check "§15.4: the chart is well-formed XML (xmllint)" xmllint --noout "$WORK/chart.svg"
svg_count() { xmllint --xpath "count($1)" "$WORK/chart.svg"; }
for site in alpha beta gamma; do
    check "§15.4: the chart has $site's line in each of the three metrics" \
        [ "$(svg_count "//*[local-name()='g'][@class='series'][@data-site='$site']")" = 3 ]
    check "§15.4: the chart's legend names $site" \
        [ "$(svg_count "//*[local-name()='g'][@class='legend']/*[local-name()='text'][.='$site']")" = 1 ]
done
check "§15.4: the chart's title says the window" grep -q "MTTR parity by site, window 7d" "$WORK/chart.svg"
check "§15.4: the chart's axes carry durations in human units and dates" \
    bash -c "grep -qE '>[0-9]+ s<' '$WORK/chart.svg' && grep -qE '>$(date -u +%m-%d)<' '$WORK/chart.svg'"
check "§15.4: the chart is self-contained: no script, style sheet, link or font to fetch" \
    [ "$(svg_count "//*[local-name()='script' or local-name()='style' or local-name()='image' or local-name()='a' or local-name()='foreignObject'] | //@*[local-name()='href']")" = 0 ]

# Bad input is refused with what was wrong.
out=$(ctl metrics --by-site --window 400d 2>&1) && fail "§15.4: a 400-day window is refused" ||
    check "§15.4: a 400-day window is refused, naming the limit" grep -q "at most 366 days" <<<"$out"
out=$(ctl metrics --by-site --bucket month 2>&1) && fail "§15.4: --bucket month is refused" ||
    check "§15.4: --bucket month is refused" grep -q "day or week" <<<"$out"
out=$(ctl metrics --csv 2>&1) && fail "§15.4: --csv without --by-site is refused" ||
    check "§15.4: --csv without --by-site is refused" grep -q "need --by-site" <<<"$out"
finish
