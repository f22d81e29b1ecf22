#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` lays out binaries, mappings, playbooks,
# OpenC2 profiles, units and docs (cmake/install.cmake), and the installed
# programs, run from outside the source tree, use the installed data
# (common/data_dir.h) without being told where it is.
source "$(dirname "$0")/../integration/lib.sh"
BUILD=${FEDSOAR_BUILD_DIR:?FEDSOAR_BUILD_DIR must name the build directory}
P="$WORK/prefix"
"${CMAKE_COMMAND:-cmake}" --install "$BUILD" --prefix "$P" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; fail "cmake --install"; finish; }
pass "cmake --install --prefix P"

for b in fedsoar-broker fedsoar-adapter fedsoarctl; do
    check "P/bin/$b is installed and runs" "$P/bin/$b" --version
done
for d in mappings playbooks openc2-profiles examples; do
    check "P/share/fedsoar/$d holds files" test -n "$(ls -A "$P/share/fedsoar/$d")"
done
for u in fedsoar-broker.service fedsoar-adapter@.service fedsoar-adapter@.service.d/nftables.conf.example; do
    check "P/lib/systemd/system/$u" test -s "$P/lib/systemd/system/$u"
done
check "the units start P/bin/ programs" grep -q "^ExecStart=$P/bin/fedsoar-adapter " "$P/lib/systemd/system/fedsoar-adapter@.service"
check "P/lib/sysusers.d/fedsoar.conf" test -s "$P/lib/sysusers.d/fedsoar.conf"
check "P/share/doc/fedsoar has the docs" test -s "$P/share/doc/fedsoar/operations.md" -a -s "$P/share/doc/fedsoar/README.md"
check "nothing else is installed at P's top" test "$(ls "$P" | tr '\n' ' ')" = "bin lib share "

# From outside the source tree, nothing pointing at the data.
OUT="$WORK/elsewhere"
mkdir -p "$OUT"
cd "$OUT"
unset FEDSOAR_MAPPINGS FEDSOAR_OPENC2_PROFILES
CTLI="$P/bin/fedsoarctl"
check "installed fedsoarctl names the installed mappings as its default" \
    grep -q "^else $P/share/fedsoar/mappings\.\$" <("$CTLI" normalize 2>&1)
"$CTLI" normalize --list-sources >"$WORK/installed-sources.txt"
"$BIN/fedsoarctl" normalize --list-sources >"$WORK/build-sources.txt"
check "installed normalize --list-sources lists every source the build tree has" \
    cmp "$WORK/installed-sources.txt" "$WORK/build-sources.txt"
check "installed normalize turns a sample into OCSF with the installed mappings" \
    test "$("$CTLI" normalize --source crowdstrike.alert "$P/share/fedsoar/examples/samples/alpha-crowdstrike-alerts.json" | jq -s 'length > 0 and all(.class_uid > 0)')" = true
n=0
for pb in "$P"/share/fedsoar/playbooks/*.json; do
    n=$((n + 1))
    check "installed playbook validate $(basename "$pb")" "$CTLI" playbook validate "$pb"
done
check "the shipped playbooks are installed ($n)" test "$n" -gt 0
for prof in "$P"/share/fedsoar/openc2-profiles/*.json; do
    name=$(basename "$prof" .json)
    check "installed OpenC2 profile $name loads" \
        "$CTLI" openc2 validate --profile slpf --profile "$name" --profile-dir "$P/share/fedsoar/openc2-profiles" \
        <(echo '{"action": "deny", "target": {"ipv4_net": "192.0.2.1"}}')
done

# The installed broker loads the installed playbook library by default: one
# playbook more there than in the source tree shows which one it read.
first=$(ls "$P"/share/fedsoar/playbooks/*.json | head -1)
jq '.name = "installed-only-copy"' "$first" >"$P/share/fedsoar/playbooks/installed-only-copy.json"
"$CTLI" keys init "$KEYS" --sites alpha --operators admin >/dev/null
"$P/bin/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" \
    --control "$CTL_EP" >>"$WORK/broker.log" 2>&1 &
PIDS+=("$!")
wait_for 20 "installed broker up" ctl stats
check "installed broker loaded P/share/fedsoar/playbooks ($((n + 1)) playbooks)" \
    grep -q "event=started .* playbooks=$((n + 1)) " "$WORK/broker.log"
finish
