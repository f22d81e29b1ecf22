#!/usr/bin/env bash
# bench/startup.sh [RUNS]: how long a broker that loads the shipped playbook
# library (playbooks/library/, every jq program compiled) takes to serve on
# an empty store: ms from exec of fedsoar-broker to `fedsoarctl stats`
# answering (polled every 5 ms), and the broker's CPU time (user + system)
# at that moment; the raw limit beside, in the same run: the same broker
# with an empty playbook directory. Issue 19.3 ("serving again in < 1 s").
set -euo pipefail
RUNS=${1:-5}
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin} # another build: BIN=/path/to/build/bin
W=$(mktemp -d /tmp/fedsoar-startup.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
"$BIN/fedsoarctl" keys init "$W/keys" --sites alpha --operators admin >/dev/null
mkdir -p "$W/none"
# one_start DIR: prints "MS CPU" for one broker start with playbook directory DIR
one_start() {
    local p1 p2 t0 t1 pid cpu
    p1=$(port)
    p2=$(port)
    rm -rf "$W/broker"
    t0=$(date +%s%N)
    "$BIN/fedsoar-broker" --keys "$W/keys" --state-dir "$W/broker" --listen "tcp://127.0.0.1:$p1" \
        --control "tcp://127.0.0.1:$p2" --playbooks "$1" --log-level warn 2>>"$W/broker.log" &
    pid=$!
    until "$BIN/fedsoarctl" --keys "$W/keys" --control "tcp://127.0.0.1:$p2" stats --json \
        >/dev/null 2>&1; do
        kill -0 $pid 2>/dev/null || { echo "broker exited: $(tail -3 "$W/broker.log")" >&2; exit 1; }
        sleep 0.005
    done
    t1=$(date +%s%N)
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' /proc/$pid/stat)
    kill $pid
    wait $pid 2>/dev/null || true
    echo "$(((t1 - t0) / 1000000)) $cpu"
}
echo "fedsoar bench/startup: exec -> serving (stats answered), empty store, $RUNS runs each"
lib=() raw=()
for _ in $(seq 1 "$RUNS"); do # interleaved, so both see the same load
    lib+=("$(one_start playbooks/library)")
    raw+=("$(one_start "$W/none")")
done
show() { printf '%s' "$1"; shift; for r in "$@"; do printf '  %s ms (CPU %s s)' ${r% *} ${r#* }; done; echo; }
show "shipped playbook library (playbooks/library/): " "${lib[@]}"
show "raw: no playbooks:                              " "${raw[@]}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
