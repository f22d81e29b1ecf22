#!/usr/bin/env bash
# slpf_netns.sh — the slpf-nft actuator enforcing OpenC2 SLPF on real TCP
# traffic between two network namespaces (CTest label netns).
#
#   client ns fsc<pid> 10.201.0.1 ==veth== 10.201.0.2 server ns fss<pid>
#
# The actuator (through tests/netns/slpf_driver) runs inside the server ns,
# so only that namespace's nftables change; the host ruleset is never
# touched. Shows: traffic flows -> blocked after deny (drop: timeout;
# reject: refused) -> flows after delete by rule_number; a duration rule
# expires on its own; insert_rule collisions give 400; false_ack gives 501;
# a persistent rule survives a crash (SIGKILL) and restart of the actuator
# while a non-persistent one is removed. Skips (77) without root or ip netns.
set -u

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: slpf_netns needs root (network namespaces, nftables)"
  exit 77
fi
for t in ip nft python3 timeout; do
  command -v "$t" >/dev/null 2>&1 || { echo "missing tool $t (deploy/bootstrap installs it)"; exit 1; }
done
if ! ip netns list >/dev/null 2>&1; then
  echo "SKIP: slpf_netns needs 'ip netns' (iproute2)"
  exit 77
fi

here=$(cd "$(dirname "$0")" && pwd)
bin=${FEDSOAR_BIN:-$here/../../build/bin}
driver=$bin/../tests/slpf_driver
[ -x "$driver" ] || { echo "FAIL: $driver not built"; exit 1; }

CLI=fsc$$
SRV=fss$$
TABLE=fs_test
work=$(mktemp -d /tmp/slpf_netns.XXXXXX)
server_pid=
drv=      # the driver's pid (bash's own DRV_PID vanishes when the coproc ends)
drv_in=
drv_out=

cleanup() {
  local rc=$?
  [ -n "$drv" ] && kill -9 "$drv" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  ip netns del "$SRV" 2>/dev/null
  if [ $rc -ne 0 ] && [ -f "$work/driver.log" ]; then
    echo "--- driver log"; cat "$work/driver.log"
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }

# ---- topology ------------------------------------------------------------------
ip netns add "$CLI" || fail "cannot create netns $CLI"
ip netns add "$SRV" || fail "cannot create netns $SRV"
ip -n "$CLI" link add veth0 type veth peer name veth1 netns "$SRV" || fail "veth"
ip -n "$CLI" addr add 10.201.0.1/24 dev veth0
ip -n "$SRV" addr add 10.201.0.2/24 dev veth1
for ns in "$CLI" "$SRV"; do ip -n "$ns" link set lo up; done
ip -n "$CLI" link set veth0 up
ip -n "$SRV" link set veth1 up

cat >"$work/server.py" <<'EOF'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port))); s.listen(64); sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select(timeout=1):
        c, _ = key.fileobj.accept()
        try: c.sendall(b"hi\n")
        finally: c.close()
EOF
cat >"$work/client.py" <<'EOF'
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.0)
    print("ok" if c.recv(16).startswith(b"hi") else "bad")
except socket.timeout: print("timeout")
except ConnectionRefusedError: print("refused")
except OSError as e: print("error:%s" % e.errno)
EOF
ip netns exec "$SRV" python3 "$work/server.py" 8080 8081 &
server_pid=$!

probe() { ip netns exec "$CLI" python3 "$work/client.py" 10.201.0.2 "$1"; }
expect() { # expect PORT RESULT WHY
  local got; got=$(probe "$1")
  [ "$got" = "$2" ] || fail "port $1: expected $2, got $got ($3)"
  echo "   port $1: $got ($3)"
}
# Waits (bounded) until PORT gives RESULT.
wait_for() {
  local i got
  for i in $(seq 1 40); do
    got=$(probe "$1"); [ "$got" = "$2" ] && { echo "   port $1: $got ($3, after $i probes)"; return 0; }
    sleep 0.25
  done
  fail "port $1 never became $2 ($3): last $got"
}

# ---- the actuator ----------------------------------------------------------
mkdir -p "$work/state"
start_driver() {
  coproc DRV { exec ip netns exec "$SRV" env FEDSOAR_NFT_TABLE=$TABLE "$driver" "$work/state" 2>>"$work/driver.log"; }
  drv=$DRV_PID
  exec {drv_in}>&"${DRV[1]}" {drv_out}<&"${DRV[0]}"
  eval "exec ${DRV[1]}>&- ${DRV[0]}<&-"
  local line
  read -t 10 -r line <&"$drv_out" || fail "driver did not start"
  case $line in *'"ready":true'*) ;; *) fail "driver: $line" ;; esac
  echo "   actuator started (pid $drv)"
}
RESP=
send() {
  echo "$1" >&"$drv_in"
  read -t 10 -r RESP <&"$drv_out" || fail "no response to $1"
  echo "   $1"
  echo "     -> $RESP"
}
status_is() { case $RESP in *"\"status\":$1,"*|*"\"status\":$1}"*) ;; *) fail "expected status $1: $RESP" ;; esac; }
rule_number() { sed -n 's/.*"rule_number":\([0-9]*\).*/\1/p' <<<"$RESP"; }

step "baseline: traffic flows"
wait_for 8080 ok "server up"
expect 8081 ok "no rules"

start_driver
expect 8080 ok "empty table"

step "deny (drop) a connection, then delete it"
send '{"action":"deny","target":{"ipv4_connection":{"src_addr":"10.201.0.1","dst_addr":"10.201.0.2","dst_port":8080,"protocol":"tcp"}},"args":{"response_requested":"complete"}}'
status_is 200
n=$(rule_number); [ -n "$n" ] || fail "no rule_number"
expect 8080 timeout "deny, drop_process none"
expect 8081 ok "other port untouched"
send "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":$n}}"
status_is 200
expect 8080 ok "rule $n deleted"
send "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":$n}}"
status_is 404

step "deny (reject) a net, ingress, then delete it"
send '{"action":"deny","target":{"ipv4_net":"10.201.0.1/32"},"args":{"slpf":{"drop_process":"reject","direction":"ingress"}}}'
status_is 200
n=$(rule_number)
expect 8080 refused "deny, drop_process reject"
expect 8081 refused "a net deny covers every port"
send "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":$n}}"
status_is 200
expect 8080 ok "rule $n deleted"

step "egress only: the server's own replies"
send '{"action":"deny","target":{"ipv4_net":"10.201.0.1"},"args":{"slpf":{"direction":"egress","drop_process":"reject"}}}'
status_is 200
n=$(rule_number)
got=$(probe 8080); [ "$got" != ok ] || fail "egress deny let the SYN-ACK out"
echo "   port 8080: $got (egress deny)"
send "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":$n}}"
expect 8080 ok "rule $n deleted"

step "a duration rule expires on its own"
send '{"action":"deny","target":{"ipv4_connection":{"dst_port":8081,"protocol":"tcp"}},"args":{"duration":3000,"slpf":{"persistent":false}}}'
status_is 200
expect 8081 timeout "deny for 3 s"
wait_for 8081 ok "expired by tick"
ip netns exec "$SRV" nft list table inet $TABLE | grep -q 'fedsoar-slpf rule' && fail "expired rule left in nft"

step "insert_rule: producer-chosen numbers, collisions refused"
send '{"action":"allow","target":{"ipv4_net":"10.201.0.0/24"},"args":{"response_requested":"complete","slpf":{"insert_rule":50}}}'
status_is 200
[ "$(rule_number)" = 50 ] || fail "insert_rule 50 not honoured"
send '{"action":"deny","target":{"ipv4_net":"10.201.0.0/24"},"args":{"response_requested":"complete","slpf":{"insert_rule":50}}}'
status_is 400
send '{"action":"delete","target":{"slpf:rule_number":50}}'
status_is 200
send '{"action":"deny","target":{"ipv4_net":"10.201.0.1"},"args":{"slpf":{"drop_process":"false_ack"}}}'
status_is 501

step "persistent rules survive an actuator crash and restart"
send '{"action":"deny","target":{"ipv4_connection":{"dst_port":8080,"protocol":"tcp"}},"args":{"response_requested":"complete","slpf":{"insert_rule":10,"persistent":true}}}'
status_is 200
send '{"action":"deny","target":{"ipv4_connection":{"dst_port":8081,"protocol":"tcp"}},"args":{"response_requested":"complete","slpf":{"insert_rule":11,"persistent":false}}}'
status_is 200
expect 8080 timeout "persistent rule 10"
expect 8081 timeout "non-persistent rule 11"
kill -9 "$drv"; wait "$drv" 2>/dev/null; drv=
exec {drv_in}>&- {drv_out}<&-
echo "   actuator killed (SIGKILL)"
expect 8080 timeout "rules stay while the actuator is down"
start_driver
expect 8080 timeout "persistent rule 10 after restart"
expect 8081 ok "non-persistent rule 11 removed at start"
ip netns exec "$SRV" nft list table inet $TABLE | grep -q '"fedsoar-slpf rule 10"' || fail "rule 10 not in nft"
send '{"action":"delete","target":{"slpf:rule_number":11}}'
status_is 404
send '{"action":"delete","target":{"slpf:rule_number":10}}'
status_is 200
expect 8080 ok "rule 10 deleted after restart"

step "clean stop"
exec {drv_in}>&-
for i in $(seq 1 50); do kill -0 "$drv" 2>/dev/null || break; sleep 0.1; done
kill -0 "$drv" 2>/dev/null && fail "driver did not stop on EOF"
wait "$drv"; rc=$?; drv=
[ $rc -eq 0 ] || fail "driver exited $rc"
echo "PASS: slpf_netns"
