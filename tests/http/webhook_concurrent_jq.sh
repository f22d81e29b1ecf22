#!/usr/bin/env bash
# The webhook source under concurrent POSTs with a mapping that runs jq
# (issue 13.6/13.7; adapters/sources/webhook.c, adapters/ingest_pool.c,
# normalize/mapping_apply.c). tenable.vuln_export computes
# metadata.original_event_uid and finding_info.uid with jq programs; a
# webhook poll of several bodies is normalized record by record on the
# source's thread and the normalizing pool, so several threads run the same
# compiled jq program. libjq 1.6 cannot run one jq_state on two threads at
# once: normalize runs every jq rule under one process-wide lock. This test
# holds what a user relies on when the senders are concurrent:
# - every POST is answered 202 after the commit, each body's bad record is
#   named by number and byte offset (the jq rule refused it) and its good
#   records are kept;
# - a poll did carry several bodies (the pool was used, from the log);
# - every stored event's jq-computed ids are the ones of ITS record (read
#   back from the adapter's LMDB outbox with mdb_dump): a jq program run by
#   two threads at once would crash, fail or mix one record's ids into
#   another's event;
# - nothing else was stored, nothing went missing.
# No broker: the events stay in the outbox, where they are read.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl mdb_dump
TOKEN="wh-$RANDOM$RANDOM-T0ken"
printf '%s\n' "$TOKEN" >"$WORK/token"
P=$(free_port)
BODIES=12 RECORDS=150 BAD_AT=77 # records count from 1; record BAD_AT of each body is refused
cat >"$WORK/alpha.json" <<JSON
{"sources": [
  {"name": "vulns-hook", "type": "webhook", "source": "tenable.vuln_export", "listen": "127.0.0.1:$P",
   "token_file": "$WORK/token", "insecure_http": true, "max_body_bytes": 4194304}
]}
JSON
# BODIES NDJSON bodies of RECORDS Tenable records, each with its own asset
# uuid, plugin id and port; record BAD_AT has a numeric asset.uuid, which
# the device.uid rule accepts and the jq rule of original_event_uid refuses.
python3 - "$SRC/tests/fixtures/vendors/tenable.vuln_export/standin_vulns.json" "$WORK" \
    "$BODIES" "$RECORDS" "$BAD_AT" <<'PY'
import json, sys
fixture, work, bodies, records, bad_at = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
base = json.load(open(fixture))[0]
want = {}
for b in range(bodies):
    lines, offset, bad_offset = [], 0, None
    for i in range(1, records + 1):
        r = json.loads(json.dumps(base))
        r["plugin"]["id"] = 100000 + b * 1000 + i
        r["port"] = {"port": 1000 + i, "protocol": "TCP" if i % 2 else "UDP"}
        r["last_found"] = "2026-12-%02dT02:31:00.000Z" % (1 + i % 28)
        if i == bad_at:
            r["asset"]["uuid"] = 4242
            bad_offset = offset
        else:
            r["asset"]["uuid"] = "asset-%d-%d" % (b, i)
            p = r["port"]
            fid = ":".join([r["asset"]["uuid"], str(r["plugin"]["id"]), str(p["port"]), p["protocol"]])
            want[r["asset"]["uuid"]] = {"finding": fid, "original": fid + ":" + r["state"] + ":" + r["last_found"]}
        line = json.dumps(r, separators=(",", ":"))
        lines.append(line)
        offset += len(line.encode()) + 1
    open("%s/body%d.ndjson" % (work, b), "w").write("\n".join(lines) + "\n")
    open("%s/body%d.bad_offset" % (work, b), "w").write(str(bad_offset))
json.dump(want, open(work + "/want.json", "w"))
PY

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
# More normalizing threads than this machine may have cores: the records of
# one poll are spread over four threads whatever the host.
FEDSOAR_ADAPTER_NORMALIZE_THREADS=4 start_adapter alpha --config "$WORK/alpha.json" --log-level info
wait_for 10 "the webhook listens" curl -s -o /dev/null "http://127.0.0.1:$P/webhook"

# Every sender at once; each waits for its own 202.
for b in $(seq 0 $((BODIES - 1))); do
    curl -s -o "$WORK/answer$b" -w '%{http_code}' -H "X-Fedsoar-Token: $TOKEN" \
        -H 'Content-Type: application/x-ndjson' --data-binary "@$WORK/body$b.ndjson" \
        "http://127.0.0.1:$P/webhook" >"$WORK/status$b" &
done
wait_senders() { # the curl jobs only (the adapter is a job too)
    local b
    for b in $(seq 0 $((BODIES - 1))); do
        wait_for 120 "sender $b answered" test -s "$WORK/status$b"
    done
}
wait_senders
GOOD=$((RECORDS - 1))
ok=0
for b in $(seq 0 $((BODIES - 1))); do
    want="202/$GOOD/[[$BAD_AT,$(cat "$WORK/body$b.bad_offset")]]"
    got="$(cat "$WORK/status$b")/$(jq -c '.accepted' "$WORK/answer$b" 2>/dev/null || true)/$(jq -c '[.refused[] | [.record, .offset]]' "$WORK/answer$b" 2>/dev/null || true)"
    if [ "$got" = "$want" ]; then ok=$((ok + 1)); else echo "body $b: got $got, want $want"; fi
done
check "$BODIES concurrent bodies: each 202, $GOOD accepted, record $BAD_AT named with its byte offset" \
    [ $ok = $BODIES ]
check "  the refused record's reason names the jq rule's field" \
    grep -qs 'original_event_uid' "$WORK/answer0"
check "a poll carried several bodies (records= counts bodies; normalized on several threads)" bash -c \
    "grep -o 'source=vulns-hook records=[0-9]*' '$WORK/alpha.log' | awk -F= '\$3 > 1 {f=1} END {exit !f}'"

# Stop the adapter (it commits nothing more) and read its outbox.
# shellcheck disable=SC2154 # ADAPTER_PID_alpha: set by start_adapter (lib.sh)
kill "$ADAPTER_PID_alpha" 2>/dev/null || true
wait_for 20 "the adapter stopped" bash -c "! kill -0 $ADAPTER_PID_alpha 2>/dev/null"
mdb_dump -s outbox "$WORK/alpha" >"$WORK/outbox.dump" || true
python3 - "$WORK/outbox.dump" "$WORK/want.json" >"$WORK/verdict" <<'PY' || true
import json, sys
dump, want = open(sys.argv[1]).read().split("HEADER=END\n", 1)[1], json.load(open(sys.argv[2]))
lines = [l.strip() for l in dump.splitlines() if l.startswith(" ")]
seen, bad = set(), []
for value in lines[1::2]:  # key, value, key, value...
    ev = json.loads(bytes.fromhex(value)[4:])  # class_uid (4 bytes) then the event's JSON
    asset = ev.get("device", {}).get("uid")
    w = want.get(asset)
    got = {"finding": ev.get("finding_info", {}).get("uid"),
           "original": ev.get("metadata", {}).get("original_event_uid")}
    if w is None or got != w:
        bad.append("asset %r: got %s, want %s" % (asset, got, w))
    elif asset in seen:
        bad.append("asset %r stored twice" % asset)
    seen.add(asset)
missing = len(set(want) - seen)
print("events=%d bad=%d missing=%d" % (len(lines) // 2, len(bad), missing))
for b in bad[:5]:
    print(b)
PY
cat "$WORK/verdict"
N=$((BODIES * GOOD))
check "the outbox holds exactly the $N good records, each once, each with its own jq-computed ids" \
    [ "$(head -n 1 "$WORK/verdict")" = "events=$N bad=0 missing=0" ]
finish
