#!/usr/bin/env bash
# A site without its broker keeps collecting into a bounded outbox; past
# outbox.max_events new events go to the dead-letter store ("outbox full"),
# are counted, and the rest drain when the broker returns (operations.md).
source "$(dirname "$0")/lib.sh"
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
python3 - "$WORK/flows.json" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(50):
        f.write(json.dumps({"timestamp": "2026-11-20T10:00:00.000000+0000", "flow_id": i, "event_type": "flow",
            "src_ip": "10.0.0.1", "src_port": 1000 + i, "dest_ip": "192.0.2.1", "dest_port": 443, "proto": "TCP",
            "flow": {"pkts_toserver": 1, "pkts_toclient": 1, "bytes_toserver": 60, "bytes_toclient": 60,
                     "start": "2026-11-20T10:00:00.000000+0000", "end": "2026-11-20T10:00:01.000000+0000",
                     "state": "closed", "reason": "timeout"}}) + "\n")
PY
cat >"$WORK/alpha.json" <<CFG
{"site": "alpha", "broker": "$SITE_EP", "state_dir": "$WORK/alpha", "keys_dir": "$KEYS",
 "outbox": {"max_events": 30},
 "replay": [{"source": "suricata.eve", "file": "$WORK/flows.json"}]}
CFG
# No broker yet: the adapter collects on its own.
"$BIN/fedsoar-adapter" --config "$WORK/alpha.json" >>"$WORK/alpha.log" 2>&1 &
PIDS+=($!)
wait_for 20 "the replay was taken in while the broker is down" grep -q 'event=replayed .*events=30' "$WORK/alpha.log"
start_broker
wait_for 30 "the 30 collected events arrived" stat_is .events.per_site.alpha 30
wait_for 10 "the adapter reported its dead letters" stat_is .dead_letters.per_site.alpha 20
check "30 events forwarded after the broker came back" stat_is .events.total 30
check "the 20 over the bound are dead letters, counted per site" stat_is .dead_letters.total 20
check "the site reports how many it refused for a full outbox" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' sites --json | jq -e '.alpha.outbox_full == 20'"
dl=$("$BIN/fedsoar-adapter" --config "$WORK/alpha.json" --dead-letters)
check "the dead letters are listable, each with its reason and raw record" \
    jq -se 'length == 20 and all(.[]; (.reason | test("outbox full")) and (.raw | fromjson | .class_uid == 4001))' <<<"$dl"
finish
