# lib_nemesis.sh — helpers for the storage-fault tests (tests/nemesis/): a
# small tmpfs a daemon keeps its state on, grown while it runs, and a site's
# stream of N distinct events. Source after tests/integration/lib.sh.
PROBE="$(dirname "$BIN")/tests/fsp_probe"
MOUNTS=()

# small_disk DIR SIZE: DIR becomes a tmpfs of SIZE (root only; the test is
# skipped, exit 77, where mounting is not allowed). Unmounted at exit.
small_disk() {
    mkdir -p "$1"
    if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then
        echo "skipped: mounting a tmpfs needs root (mount -t tmpfs)"
        exit 77
    fi
    MOUNTS+=("$1")
}
grow_disk() { mount -o "remount,size=$2" "$1"; }
unmount_disks() {
    local rc=$?
    # Daemons first (lib.sh's cleanup), then the mounts they held.
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    for m in "${MOUNTS[@]:-}"; do
        if [ -n "$m" ]; then
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
        fi
    done
    (exit $rc)
    cleanup
}
trap unmount_disks EXIT

# flows FILE N: N distinct Suricata flow records (one event each).
flows() {
    python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.%06d+0000" % (i % 1000000), "flow_id": 10**6 + i,
            "event_type": "flow", "src_ip": "10.1.%d.%d" % (i // 250 % 250, i % 250 + 1), "src_port": 1024 + i % 60000,
            "dest_ip": "192.0.2.%d" % (i % 200 + 1), "dest_port": 443, "proto": "TCP", "app_proto": "tls",
            "flow": {"pkts_toserver": 12, "pkts_toclient": 10, "bytes_toserver": 1800, "bytes_toclient": 5400,
                     "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
                     "state": "closed", "reason": "timeout"}}) + "\n")
PY
}

# stat JQ: one value of the broker's stats --json ("" when it does not answer).
stat() { ctl stats --json 2>/dev/null | jq -r "$1" 2>/dev/null || true; }
# metric NAME_AND_LABELS: a /metrics sample's value, asked on the control
# socket as the HTTPS API's /metrics asks it (metrics.prometheus).
metric() {
    "$PROBE" --endpoint "$CTL_EP" --keys "$KEYS" --as operators:admin FSP/1 CONTROL \
        '{"cmd":"metrics.prometheus"}' 2>/dev/null | sed -n 's/^REPLY //p' | jq -r '.result.text' |
        awk -v m="$1" '$1 == m { print $2 }'
}
alive() { kill -0 "$1" 2>/dev/null; }
now_ms() { date +%s%3N; }
