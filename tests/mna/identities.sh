#!/usr/bin/env bash
# §15.1 People, not strings: the identity crosswalk end to end with the real
# broker, fedsoarctl and alerts sent over FSP/1 with each site's own key
# (tests/tools/fsp_probe). A CSV with bad rows is refused with every line
# and nothing loaded; a good one is loaded (admin only, audited) and shown
# by person or account; one person's alerts at alpha and beta meet in one
# case naming the person; two different asmiths never do; a bad
# identities.file stops the broker's start with file:line.
source "$(dirname "$0")/../integration/lib.sh"
PROBE="$(dirname "$BIN")/tests/fsp_probe"
PROBE_WAIT=$([ "${FEDSOAR_SANITIZED:-0}" = 1 ] && echo 8000 || echo 2000)
probe() { "$PROBE" --endpoint "$SITE_EP" --keys "$KEYS" --wait "$PROBE_WAIT" "$@" || true; }
# The checks below that pipe run in `bash -c`: they need ctl there too.
export BIN KEYS CTL_EP
export -f ctl

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta --operators admin,ana:analyst >/dev/null
start_broker
wait_for 20 "broker up" ctl stats

# ---- loading: all or nothing -------------------------------------------------
cat >"$WORK/bad.csv" <<'EOF'
person,site,account
jane.doe,alpha,j.doe@alpha.example
jane.doe,gamma,jd@gamma.example
mallory,alpha,J.DOE@alpha.example
EOF
out=$(ctl identities load "$WORK/bad.csv" 2>&1) && rc=0 || rc=$?
check "§15.1: a file with bad rows is refused (exit 1)" [ "$rc" = 1 ]
check "§15.1: the unknown site is named with its line" grep -q 'line 3: unknown site "gamma"' <<<"$out"
check "§15.1: the account claimed twice is named with both lines" \
    grep -q 'line 4: account J.DOE@alpha.example at alpha is claimed by mallory and by jane.doe on line 2' <<<"$out"
check "§15.1: the summary names the file and its first bad line" grep -q 'bad.csv:3: ' <<<"$out"
check "§15.1: nothing was loaded" [ "$(ctl identities list --json | jq '.links')" = 0 ]

printf 'person,site,account\nx,alpha,"open\n' >"$WORK/form.csv"
out=$(ctl identities load "$WORK/form.csv" 2>&1) && rc=0 || rc=$?
check "§15.1: a form error is named by fedsoarctl before sending (exit 1)" \
    bash -c "[ $rc = 1 ] && grep -q 'line 2: the quote opened on line 2 is never closed' <<<'$out'"

cat >"$WORK/people.csv" <<'EOF'
person,site,account
jane.doe,alpha,j.doe@alpha.example
jane.doe,beta,jane.doe@beta.example
alice.smith,alpha,asmith
avery.smith,beta,BETA\asmith
EOF
out=$(ctl --operator ana identities load "$WORK/people.csv" 2>&1) && rc=0 || rc=$?
check "§15.1: an analyst cannot load the crosswalk" \
    bash -c "[ $rc = 1 ] && grep -q 'identities.check needs role admin' <<<'$out'"
check "§15.1: an admin loads it" ctl identities load "$WORK/people.csv"
show=$(ctl identities show jane.doe --json)
check "§15.1: show PERSON lists both accounts with their sites and source" \
    jq -e '.matches[0].accounts == [{"site":"alpha","account":"j.doe@alpha.example","source":"csv"},{"site":"beta","account":"jane.doe@beta.example","source":"csv"}]' <<<"$show"
check "§15.1: show SITE:ACCOUNT finds the person" \
    bash -c "ctl identities show 'beta:JANE.DOE@beta.example' --json | jq -e '.matches[0].person == \"jane.doe\"'"
check "§15.1: show ACCOUNT (any site) finds the person" \
    bash -c "ctl identities show 'j.doe@alpha.example' | grep -q '^person jane.doe'"
check "§15.1: show of an unknown name exits 1" bash -c 'ctl identities show nobody 2>/dev/null; [ $? = 1 ]' 
check "§15.1: the load is audited with the operator and the file's hash" \
    jq -e -s 'map(select(.kind == "identities.load")) | length == 1 and .[0].actor == "operator:admin" and (.[0].details.sha256 | length) == 64' <<<"$(ctl audit export)"

# ---- correlation ------------------------------------------------------------
finding() { # SITE UID USER
    printf '{"class_uid":2004,"category_uid":2,"activity_id":1,"type_uid":200401,"severity_id":4,"time":1767254400000,'
    printf '"site":"%s","source":"okta.system_log","metadata":{"uid":"%s","product":{"name":"x"},"version":"1.8.0"},' "$1" "$2"
    printf '"finding_info":{"uid":"%s","title":"suspicious sign-in %s"},"observables":[{"name":"user.name","type_id":4,"value":"%s"}]}' "$2" "$3" "$3"
}
send() { # SITE UID USER
    probe --as "sites:$1" FSP/1 HELLO "{\"site\":\"$1\",\"protocol\":\"FSP/1\",\"epoch\":\"e-$2\"}" \
        --- FSP/1 EVENTS "{\"epoch\":\"e-$2\",\"first_seq\":1,\"classes\":[2004]}" "$(finding "$1" "$2" "$3")" >/dev/null
}
send alpha u1 'j.doe@alpha.example'
send beta u2 'jane.doe@beta.example'
wait_for 20 "two events stored" stat_is .events.total 2
cases=$(ctl case list --json)
check "§15.1: j.doe@alpha (alpha) and jane.doe@beta (beta), linked: one case" [ "$(jq length <<<"$cases")" = 1 ]
check "§15.1: the case names the person" \
    bash -c "ctl case show $(jq '.[0].id' <<<"$cases") --json | jq -e '.persons == [\"jane.doe\"] and (.sites | sort) == [\"alpha\",\"beta\"]'"

send alpha u3 'asmith'
send beta u4 'BETA\\asmith'
send beta u5 'asmith'
wait_for 20 "five events stored" stat_is .events.total 5
check "§15.1: Alice asmith (alpha), Avery BETA\\asmith (beta) and an unlinked asmith at beta: three more cases" \
    [ "$(ctl case list --json | jq length)" = 4 ]

# ---- identities.file at start ------------------------------------------------
cat >"$WORK/cfg-bad.json" <<EOF
{"identities": {"file": "$WORK/bad.csv"}}
EOF
set +e
"$BIN/fedsoar-broker" --config "$WORK/cfg-bad.json" --state-dir "$WORK/broker2" --keys "$KEYS" \
    --listen "tcp://127.0.0.1:$(free_port)" --control "tcp://127.0.0.1:$(free_port)" >"$WORK/broker2.log" 2>&1
rc=$?
set -e
check "§15.1: a bad identities.file stops the start (exit 2)" [ "$rc" = 2 ]
check "§15.1: and names the file and line" grep -q "bad.csv:3: unknown site \"gamma\"" "$WORK/broker2.log"

cat >"$WORK/cfg.json" <<EOF
{"identities": {"file": "$WORK/people.csv"}}
EOF
CTL2="tcp://127.0.0.1:$(free_port)"
"$BIN/fedsoar-broker" --config "$WORK/cfg.json" --state-dir "$WORK/broker3" --keys "$KEYS" \
    --listen "tcp://127.0.0.1:$(free_port)" --control "$CTL2" >>"$WORK/broker3.log" 2>&1 &
PIDS+=("$!")
ctl3() { "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL2" "$@"; }
wait_for 20 "broker 3 up" ctl3 stats
check "§15.1: a good identities.file is loaded at start" \
    jq -e '.links == 4' <<<"$(ctl3 identities list --json)"
check "§15.1: and audited as the broker's" \
    jq -e -s 'map(select(.kind == "identities.load")) | length == 1 and .[0].actor == "broker"' <<<"$(ctl3 audit export)"

finish
