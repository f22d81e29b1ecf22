#!/usr/bin/env bash
# §11.2: everything a site says is bounded by the site. §11.5: the same
# record is stored once. §11.6: a wrong broker key is named, not silent.
# Speaks FSP/1 with alpha's real key (tests/tools/fsp_probe) as a hostile
# adapter would.
source "$(dirname "$0")/../integration/lib.sh"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
# Each reply is awaited --wait ms: longer under the sanitizers, whose broker
# answers slowly when the machine is loaded.
PROBE_WAIT=$([ "${FEDSOAR_SANITIZED:-0}" = 1 ] && echo 8000 || echo 2000)
probe() { "$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --wait "$PROBE_WAIT" "$@" || true; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin >/dev/null
start_broker
wait_for 20 "broker up" ctl stats

HELLO='{"site":"alpha","protocol":"FSP/1","epoch":"hostile1","capabilities":{"versions":["1.0"],"pairs":{"deny":["ipv4_net"]}}}'
# A Detection Finding that would open a case and, through the shipped
# playbook, a deny at "its" site: its envelope names beta.
finding() { # SITE UID
    printf '{"class_uid":2004,"category_uid":2,"activity_id":1,"type_uid":200401,"severity_id":5,"time":1767254400000,'
    printf '"site":"%s","source":"crowdstrike.alert","metadata":{"uid":"%s","product":{"name":"x"},"version":"1.8.0"},' "$1" "$2"
    printf '"finding_info":{"uid":"%s","title":"hostile"},"evidences":[{"src_endpoint":{"ip":"203.0.113.66"}}],"observables":[{"name":"src_endpoint.ip","type_id":2,"value":"203.0.113.66"}]}' "$2"
}
r=$(probe --as sites:alpha FSP/1 HELLO "$HELLO" \
    --- FSP/1 EVENTS '{"epoch":"hostile1","first_seq":1,"classes":[2004,4001,4001]}' \
        "$(finding beta u-beta-1)" '{"class_uid":4001,"source":"x"}' '{"class_uid":4001,"site":"alpha","site":"beta"}')
stats=$(ctl stats --json)
check "§11.2: a batch with events naming another site is still acknowledged" grep -q '^ACK {"epoch":"hostile1","upto":3}' <<<"$r"
check "§11.2: the event naming beta is refused and counted under alpha, with its reason" \
    [ "$(jq '.events.refused_per_site.alpha.other_site' <<<"$stats")" = 1 ]
check "§11.2: an event naming no site is refused" [ "$(jq '.events.refused_per_site.alpha.no_site' <<<"$stats")" = 1 ]
check "§11.2: an event naming its site twice is refused as malformed" \
    [ "$(jq '.events.refused_per_site.alpha.malformed' <<<"$stats")" = 1 ]
check "§11.2: nothing was stored for alpha or beta" [ "$(jq '.events.total' <<<"$stats")" = 0 ]
check "§11.2: no case was opened" [ "$(ctl case list --json | jq length)" = 0 ]
check "§11.2: no command was journaled" [ "$(jq '.commands.total' <<<"$stats")" = 0 ]
check "§11.2: the refusal is logged with site, reason and sequence" \
    grep -q 'event=events_refused site=alpha count=3 first_seq=1 reason=other_site' "$WORK/broker.log"

# An escaped key spelling "site" cannot slip a second site past the check.
r=$(probe --as sites:alpha FSP/1 HELLO "$HELLO" \
    --- FSP/1 EVENTS '{"epoch":"hostile1","first_seq":4,"classes":[4001]}' '{"class_uid":4001,"site":"alpha","s\u0069te":"beta"}')
check "§11.2: an escaped \"site\" key is refused" \
    [ "$(ctl stats --json | jq '.events.refused_per_site.alpha.malformed')" = 2 ]

# The same vendor record twice (a re-poll after a lost checkpoint): stored once.
r=$(probe --as sites:alpha FSP/1 HELLO "$HELLO" \
    --- FSP/1 EVENTS '{"epoch":"hostile1","first_seq":5,"classes":[2004,2004]}' "$(finding alpha u-alpha-1)" "$(finding alpha u-alpha-1)" \
    --- FSP/1 EVENTS '{"epoch":"hostile1","first_seq":7,"classes":[2004]}' "$(finding alpha u-alpha-1)")
stats=$(ctl stats --json)
check "§11.5: a record sent three times is stored once" [ "$(jq '.events.per_site.alpha' <<<"$stats")" = 1 ]
check "§11.5: the two repeats are counted as duplicates" [ "$(jq '.events.duplicates_per_site.alpha' <<<"$stats")" = 2 ]
check "§11.5: and acted on once: one case" [ "$(ctl case list --json | jq length)" = 1 ]
# A command journaled for alpha (the shipped playbook's deny): beta cannot answer it.
cid=$(ctl case show 1 --json | jq -r '[.commands[] | select(.site == "alpha")][0].command_id // empty')
r=$(probe --as sites:beta FSP/1 HELLO '{"site":"beta","protocol":"FSP/1","epoch":"b0"}' \
    --- FSP/1 RESPONSE "{\"command_id\":\"$cid\",\"response\":{\"status\":200}}")
check "§11.2: a site cannot answer a command sent to another site ($cid)" \
    bash -c "[ -n '$cid' ] && grep -q 'ERROR .*§5.4: command $cid was not sent to site beta' <<<'$r'"
check "§11.2: the command stays unanswered" \
    [ "$(ctl case show 1 --json | jq -r --arg c "$cid" '.commands[] | select(.command_id == $c) | .state')" != answered ]
# beta may send a record with the same id: its own, not suppressed by alpha's.
r=$(probe --as sites:beta FSP/1 HELLO '{"site":"beta","protocol":"FSP/1","epoch":"b1"}' \
    --- FSP/1 EVENTS '{"epoch":"b1","first_seq":1,"classes":[2004]}' "$(finding beta u-alpha-1)")
check "§11.5: another site's record with the same id is its own (stored)" \
    [ "$(ctl stats --json | jq '.events.per_site.beta')" = 1 ]

# Revoking a site key takes effect on SIGHUP, without a restart.
mv "$KEYS/trusted/sites/beta.cert" "$WORK/beta.cert.revoked"
kill -HUP "$BROKER_PID"
wait_for 10 "keys reloaded" grep -q 'event=keys_reloaded' "$WORK/broker.log"
r=$(probe --as sites:beta FSP/1 HELLO '{"site":"beta","protocol":"FSP/1","epoch":"b2"}')
check "§11.1: a site key removed from trusted/ is refused after SIGHUP" [ "$r" = "NO REPLY" ]
check "§11.1: the broker kept running through SIGHUP" kill -0 "$BROKER_PID"
echo "not a certificate" >"$KEYS/trusted/sites/broken.cert"
kill -HUP "$BROKER_PID"
wait_for 10 "a broken key store refused" grep -q 'event=keys_reload_failed' "$WORK/broker.log"
rm "$KEYS/trusted/sites/broken.cert"
mv "$WORK/beta.cert.revoked" "$KEYS/trusted/sites/beta.cert"
kill -HUP "$BROKER_PID"
wait_for 10 "keys reloaded again" bash -c "[ \$(grep -c 'event=keys_reloaded' '$WORK/broker.log') -ge 2 ]"
r=$(probe --as sites:beta FSP/1 HELLO '{"site":"beta","protocol":"FSP/1","epoch":"b2"}')
check "§11.1: trusted again after the next SIGHUP" grep -q '^WELCOME .*"site":"beta"' <<<"$r"

# §11.6: an adapter holding a wrong copy of the broker's public key.
mkdir -p "$WORK/wrongkeys/sites"
cp "$KEYS/sites/alpha.cert" "$KEYS/sites/alpha.cert_secret" "$WORK/wrongkeys/sites/"
"$BIN/fedsoarctl" keys init "$WORK/other" --sites x >/dev/null
cp "$WORK/other/broker.cert" "$WORK/wrongkeys/broker.cert"
"$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/alpha-wrong" --keys "$WORK/wrongkeys" --broker "$SITE_EP" \
    >>"$WORK/alpha-wrong.log" 2>&1 &
PIDS+=("$!")
wait_for 30 "the adapter names the broker key" grep -q 'event=broker_handshake_failing' "$WORK/alpha-wrong.log"
check "§11.6: the adapter says the broker's public key probably does not match, naming the file" \
    grep -q "broker.cert probably does not match" "$WORK/alpha-wrong.log"
check "§11.6: the broker logs the handshake it could not decrypt" \
    grep -q 'event=handshake_refused reason="cannot decrypt the client' "$WORK/broker.log"
finish
