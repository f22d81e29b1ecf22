#!/usr/bin/env bash
# Issue 18.3: `fedsoarctl backup DIR` takes an online, consistent, compacted
# copy of the broker's store (LMDB's mdb_env_copy2, MDB_CP_COMPACT) while a
# site streams; admin only; never into a non-empty directory. The copy
# passes the offline audit check, and a broker started on it (--state-dir
# COPY) serves exactly what the copy held.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/lib_nemesis.sh"
require_tool rsync mdb_stat
N=6000
SITE=alpha
"$BIN/fedsoarctl" keys init "$KEYS" --sites $SITE --operators admin,ann:analyst >/dev/null
flows "$WORK/flows.json" $N
start_broker
wait_for 20 "the broker answers" ctl stats --json
start_adapter $SITE --max-rate 1000 --replay "suricata.eve:$WORK/flows.json"
wait_for 60 "the stream is under way" bash -c "[ \"\$('$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' stats --json | jq -r '.events.per_site.$SITE // 0')\" -ge 1000 ]"

r=$(ctl backup "$WORK/copy" --json)
echo "# backup while streaming: $(jq -c . <<<"$r")"
at=$(jq -r .events <<<"$r")
check "the backup answers with the copy's figures ($at events)" jq -e '.events > 0 and .bytes > 0 and .audit_head > 0' <<<"$r" >/dev/null
check "the copy is an LMDB environment" test -s "$WORK/copy/data.mdb"
live=$(stat ".events.per_site.$SITE")
check "the copy was taken while the site streamed ($at of $N)" [ "$at" -lt $N ]
out=$(ctl backup "$WORK/copy" 2>&1 || true)
check "a non-empty directory is refused" grep -q "is not empty (a backup never overwrites" <<<"$out"
out=$("$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator ann backup "$WORK/copy2" 2>&1 || true)
check "an analyst may not take a backup" bash -c "! test -e '$WORK/copy2' && grep -qi 'role\|not allowed\|denied' <<<\"\$0\"" "$out"
out=$(ctl backup relative/dir 2>&1 || true)
check "a relative path is a usage error" grep -q "absolute path" <<<"$out"
out=$(ctl backup "$WORK/broker/inside" 2>&1 || true)
check "a copy inside the state directory is refused" grep -q "inside the state directory" <<<"$out"

wait_for 120 "the live broker stored all $N" stat_is ".events.per_site.$SITE" $N
check "the broker kept serving after the copy: all $N stored, exactly once" stat_is .events.total $N
check "the copy passes the offline audit check" "$BIN/fedsoarctl" audit verify --state-dir "$WORK/copy" --keys "$KEYS"

# A broker on the copy (other ports): it holds exactly what the copy held.
P2=$(free_port)
C2=$(free_port)
"$BIN/fedsoar-broker" --state-dir "$WORK/copy" --keys "$KEYS" --listen "tcp://127.0.0.1:$P2" \
    --control "tcp://127.0.0.1:$C2" >>"$WORK/standby.log" 2>&1 &
PIDS+=($!)
ctl2() { "$BIN/fedsoarctl" --keys "$KEYS" --control "tcp://127.0.0.1:$C2" "$@"; }
wait_for 20 "the broker on the copy answers" ctl2 stats --json
check "the broker on the copy holds the $at events of the copy" [ "$(ctl2 stats --json | jq -r .events.total)" = "$at" ]
check "and its audit chain verifies online" ctl2 audit verify

# deploy/standby/fedsoar-backup.sh, as its timer runs it, shipping to a
# standby directory on this machine (STANDBY=local; rsync as over SSH).
mkdir -p "$WORK/backups" "$WORK/standby"
PATH="$BIN:$PATH" CONTROL="$CTL_EP" KEYS="$KEYS" OPERATOR=admin STANDBY=local STANDBY_ROOT="$WORK/standby" \
    BACKUP_ROOT="$WORK/backups" KEEP=1 sh "$SRC/deploy/standby/fedsoar-backup.sh" >"$WORK/ship.log" 2>&1
sleep 1.1 # the next copy gets a new stamp (one per second)
PATH="$BIN:$PATH" CONTROL="$CTL_EP" KEYS="$KEYS" OPERATOR=admin STANDBY=local STANDBY_ROOT="$WORK/standby" \
    BACKUP_ROOT="$WORK/backups" KEEP=1 sh "$SRC/deploy/standby/fedsoar-backup.sh" >>"$WORK/ship.log" 2>&1
check "the shipping script ran twice" [ "$(grep -c '^fedsoar-backup: .* shipped to local' "$WORK/ship.log")" = 2 ]
check "the standby's latest points at the newest copy" [ "$(readlink "$WORK/standby/latest")" = "$(ls "$WORK/standby" | grep -v latest | sort | tail -1)" ]
check "only KEEP=1 local copy is kept" [ "$(find "$WORK/backups" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 1 ]
check "the shipped copy passes the offline audit check" "$BIN/fedsoarctl" audit verify --state-dir "$WORK/standby/latest/" --keys "$KEYS"
check "and holds all $N events" bash -c "[ \"\$(mdb_stat -s events '$WORK/standby/latest/' | awk '/Entries:/ {print \$2}')\" = $N ]"
finish
