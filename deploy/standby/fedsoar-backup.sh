#!/bin/sh
# fedsoar-backup — one backup of the broker's store, shipped to the standby
# (docs/operations.md "Backup and standby"). Run by fedsoar-backup.service
# on the broker's machine, from fedsoar-backup.timer.
#   1. fedsoarctl backup DIR: the broker writes an online, consistent,
#      compacted LMDB copy into a new directory under BACKUP_ROOT;
#   2. rsync ships it to the standby into a new directory, then a symlink
#      "latest" is switched there in one rename, so the standby never sees
#      a half-copied store;
#   3. local copies beyond KEEP are removed.
# Settings in /etc/fedsoar/backup.env (all required but KEEP):
#   CONTROL=tcp://127.0.0.1:5556  KEYS=/etc/fedsoar/operator-keys  OPERATOR=backup
#   STANDBY=fedsoar@standby.example  STANDBY_ROOT=/var/lib/fedsoar/standby
#   SSH_KEY=/etc/fedsoar/backup-ssh/id_ed25519
# STANDBY=local ships to STANDBY_ROOT on this machine (a mounted standby
# volume, and the test: tests/nemesis/backup.sh); SSH_KEY is then unused.
#   BACKUP_ROOT=/var/lib/fedsoar/backups  KEEP=24
set -eu
: "${CONTROL:?}" "${KEYS:?}" "${OPERATOR:?}" "${STANDBY:?}" "${STANDBY_ROOT:?}" "${BACKUP_ROOT:?}"
KEEP=${KEEP:-24}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir="$BACKUP_ROOT/$stamp"
# The broker writes the copy (it must be able to write BACKUP_ROOT: see
# fedsoar-broker.service.d/backup.conf); fedsoarctl only asks, as an admin.
fedsoarctl --keys "$KEYS" --operator "$OPERATOR" --control "$CONTROL" backup "$dir"
if [ "$STANDBY" = local ]; then
    rsync -a "$dir/" "$STANDBY_ROOT/$stamp/"
    ln -sfn "$stamp" "$STANDBY_ROOT/latest.new" && mv -T "$STANDBY_ROOT/latest.new" "$STANDBY_ROOT/latest"
else
    : "${SSH_KEY:?}"
    ssh_cmd="ssh -i $SSH_KEY -o BatchMode=yes"
    rsync -a --partial-dir=.rsync-partial -e "$ssh_cmd" "$dir/" "$STANDBY:$STANDBY_ROOT/$stamp/"
    # shellcheck disable=SC2029 # the paths are meant to expand here
    $ssh_cmd "$STANDBY" "ln -sfn '$stamp' '$STANDBY_ROOT/latest.new' && mv -T '$STANDBY_ROOT/latest.new' '$STANDBY_ROOT/latest'"
fi
# Keep the newest KEEP local copies (names sort by time).
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -name '2*Z' | sort | head -n -"$KEEP" |
    while read -r old; do rm -rf -- "$old"; done
echo "fedsoar-backup: $dir shipped to $STANDBY:$STANDBY_ROOT/$stamp (latest)"
