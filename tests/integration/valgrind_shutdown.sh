#!/usr/bin/env bash
# Both daemons run the thin path under valgrind and stop on SIGTERM with no
# memory error and no definite or indirect leak.
source "$(dirname "$0")/lib.sh"
require_tool valgrind
VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 -q)
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
"${VG[@]}" --log-file="$WORK/vg-broker.txt" "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" \
    --listen "$SITE_EP" --control "$CTL_EP" >>"$WORK/broker.log" 2>&1 &
BROKER_PID=$!
PIDS+=("$BROKER_PID")
"${VG[@]}" --log-file="$WORK/vg-adapter.txt" "$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/alpha" \
    --keys "$KEYS" --broker "$SITE_EP" \
    --replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json" >>"$WORK/alpha.log" 2>&1 &
ADAPTER_PID=$!
PIDS+=("$ADAPTER_PID")
wait_for 120 "the command answered" stat_is .commands.answered 1
ctl case show 1 >/dev/null
ctl sites >/dev/null
kill "$ADAPTER_PID"; rc=0; wait "$ADAPTER_PID" || rc=$?
check "adapter stopped cleanly under valgrind (exit $rc)" [ "$rc" = 0 ]
kill "$BROKER_PID"; rc=0; wait "$BROKER_PID" || rc=$?
check "broker stopped cleanly under valgrind (exit $rc)" [ "$rc" = 0 ]
check "no valgrind report for the broker" [ ! -s "$WORK/vg-broker.txt" ]
check "no valgrind report for the adapter" [ ! -s "$WORK/vg-adapter.txt" ]
[ -s "$WORK/vg-broker.txt" ] && head -40 "$WORK/vg-broker.txt"
[ -s "$WORK/vg-adapter.txt" ] && head -40 "$WORK/vg-adapter.txt"
finish
