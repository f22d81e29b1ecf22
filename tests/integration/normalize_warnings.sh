#!/usr/bin/env bash
# Normalization keeps records (issue 17.2) with real daemons, CURVE on: an
# adapter replays CEF lines in every CEF date format, one with an rt no
# format reads (kept: the receipt time), one with a bad rt and a good start
# (kept: start), one with a bad address and port (kept, warned). Every line
# is stored; the adapter's heartbeat carries the per-field warning counts,
# and the broker shows them in `fedsoarctl stats/sites --json`, in their
# text output (a block of the most frequent site/source/field rows) and in
# /metrics as fedsoar_normalize_warnings_total{site,source,field}.
source "$(dirname "$0")/lib.sh"
require_tool curl jq
FIXTURE="$SRC/tests/fixtures/vendors/cef/time_formats.log"
HTTP_PORT=$(free_port)
BASE="https://127.0.0.1:$HTTP_PORT"
CA="$KEYS/http/ca.crt"

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --http "127.0.0.1:$HTTP_PORT"
wait_for 20 "the control socket" ctl stats
start_adapter alpha --replay "cef:$FIXTURE"
wait_for 30 "all 14 CEF lines stored (none dead-lettered)" stat_is .events.per_site.alpha 14
wait_for 15 "a heartbeat with the warnings" stat_is '.normalize_warnings.per_site.alpha.cef["ext.rt"]' 2

stats=$(ctl stats --json)
check "stats: per source and field, exactly the fixture's bad values" \
    jq -e '.normalize_warnings.per_site.alpha.cef == {"ext.src":1,"ext.spt":1,"ext.rt":2,"time":1}' <<<"$stats"
check "stats: the total" [ "$(jq .normalize_warnings.total <<<"$stats")" = 5 ]
check "stats: nothing dead-lettered" [ "$(jq .dead_letters.total <<<"$stats")" = 0 ]
check "sites: the site record carries the counts" \
    jq -e '.alpha.normalize_warnings.cef["ext.spt"] == 1' <<<"$(ctl sites --json)"

# The text output an operator reads: a block per broker (stats) and per
# site (sites), most frequent (source, field) first, ties by name.
ctl stats >"$WORK/stats.txt"
squeeze() { tr -s ' ' <"$1" | sed 's/^ //'; }
check "stats text: the total line" grep -q '^normalize warnings: 5 (values that did not convert, records kept; top 10)$' "$WORK/stats.txt"
check "stats text: rows by count, then name" \
    diff <(squeeze "$WORK/stats.txt" | sed -n '/^normalize warnings:/,$p' | sed -n '2,6p') \
    <(printf '%s\n' 'SITE SOURCE FIELD COUNT' 'alpha cef ext.rt 2' 'alpha cef ext.spt 1' 'alpha cef ext.src 1' 'alpha cef time 1')
check "stats text: nothing left out below ten rows" bash -c "! grep -q 'more rows' '$WORK/stats.txt'"
ctl sites >"$WORK/sites.txt"
check "sites text: alpha's block has its total" grep -q '^    normalize warnings: 5 ' "$WORK/sites.txt"
check "sites text: alpha's rows" \
    diff <(squeeze "$WORK/sites.txt" | sed -n '/^normalize warnings:/,$p' | sed -n '2,6p') \
    <(printf '%s\n' 'SOURCE FIELD COUNT' 'cef ext.rt 2' 'cef ext.spt 1' 'cef ext.src 1' 'cef time 1')

TOKEN=$(ctl token create --name scraper --role admin | tail -n 1)
wait_for 20 "HTTPS answers" curl -sf -o /dev/null --cacert "$CA" "$BASE/api/v1/openapi.json"
curl -sf --cacert "$CA" -H "Authorization: Bearer $TOKEN" "$BASE/metrics" -o "$WORK/metrics.txt"
check "/metrics: the family is declared" grep -q '^# TYPE fedsoar_normalize_warnings_total counter$' "$WORK/metrics.txt"
check "/metrics: ext.rt counted for alpha's cef" \
    grep -qx 'fedsoar_normalize_warnings_total{site="alpha",source="cef",field="ext.rt"} 2' "$WORK/metrics.txt"
check "/metrics: receipt-time fallbacks counted under time" \
    grep -qx 'fedsoar_normalize_warnings_total{site="alpha",source="cef",field="time"} 1' "$WORK/metrics.txt"
check "the adapter logged no rejection" bash -c "! grep -q record_rejected '$WORK/alpha.log'"
finish
