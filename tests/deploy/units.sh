#!/usr/bin/env bash
# The systemd units (deploy/systemd/, issue 12 clause 6): a small parser
# checks every file's syntax and the settings docs/operations.md promises
# (own user, StateDirectory, ProtectSystem=strict, NoNewPrivileges, an empty
# capability set, CAP_NET_ADMIN only in the nftables drop-in); then, the
# units installed into a temporary prefix go through `systemd-analyze verify`
# (deploy/bootstrap installs it; without it that part says "skip: missing
# tool systemd-analyze" and the parser's checks still count) and
# `systemd-analyze security --offline` with an exposure threshold.
source "$(dirname "$0")/../integration/lib.sh"
UNITS="$SRC/deploy/systemd"
ADAPTER="$UNITS/fedsoar-adapter@.service"
BROKER="$UNITS/fedsoar-broker.service"
NFT="$UNITS/fedsoar-adapter@.service.d/nftables.conf.example"

# parse FILE: every line is blank, a comment, a [Section] systemd knows, or
# Key=Value inside a section; prints "Section.Key=Value" lines.
parse() {
    awk -v f="$1" '
        /^[ \t]*$/ || /^[ \t]*[#;]/ { next }
        /^\[(Unit|Service|Install)\][ \t]*$/ { sec = substr($0, 2, index($0, "]") - 2); next }
        /^\[/ { printf "%s:%d: unknown section %s\n", f, NR, $0 > "/dev/stderr"; bad = 1; next }
        /^[A-Za-z][A-Za-z0-9]*=/ {
            if (sec == "") { printf "%s:%d: setting outside a section\n", f, NR > "/dev/stderr"; bad = 1; next }
            if (/\\$/) { printf "%s:%d: continuation lines are not used here\n", f, NR > "/dev/stderr"; bad = 1; next }
            print sec "." $0; next
        }
        { printf "%s:%d: not Key=Value: %s\n", f, NR, $0 > "/dev/stderr"; bad = 1 }
        END { exit bad }' "$1"
}
parses() { parse "$1" >/dev/null; }
for f in "$BROKER" "$ADAPTER" "$NFT"; do
    check "$(basename "$f") parses" parses "$f"
done
# has FILE SETTING: the parsed FILE has exactly that Section.Key=Value line.
has() { parse "$1" 2>/dev/null | grep -qxF -- "$2"; }
# lacks FILE WORD: no setting of FILE mentions WORD (comments may).
lacks() { ! parse "$1" 2>/dev/null | grep -qF -- "$2"; }
for f in "$BROKER" "$ADAPTER"; do
    u=$(basename "$f")
    for s in Service.ProtectSystem=strict Service.NoNewPrivileges=yes Service.PrivateTmp=yes \
        Service.ProtectHome=yes Service.CapabilityBoundingSet= Service.AmbientCapabilities= \
        Service.SystemCallFilter=@system-service "Service.RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
        Service.KillSignal=SIGTERM Install.WantedBy=multi-user.target; do
        check "$u: $s" has "$f" "$s"
    done
    check "$u: no CAP_NET_ADMIN" lacks "$f" CAP_NET_ADMIN
    check "$u: config from /etc/fedsoar/, keys from /etc/fedsoar/keys" \
        grep -Eq '^ExecStart=/usr/bin/fedsoar-[a-z]+ --config /etc/fedsoar/[a-z%-]+\.json .*--keys /etc/fedsoar/keys( |$)' "$f"
done
check "broker: its own user" has "$BROKER" Service.User=fedsoar-broker
check "broker: StateDirectory=fedsoar/broker" has "$BROKER" Service.StateDirectory=fedsoar/broker
check "adapter: one user per site" has "$ADAPTER" Service.User=fedsoar-%i
check "adapter: StateDirectory=fedsoar/adapter-%i" has "$ADAPTER" Service.StateDirectory=fedsoar/adapter-%i
check "adapter: the instance is the site" grep -q '^ExecStart=.* --site %i ' "$ADAPTER"
check "nftables drop-in: CAP_NET_ADMIN and nothing more" has "$NFT" Service.CapabilityBoundingSet=CAP_NET_ADMIN
check "nftables drop-in: ambient CAP_NET_ADMIN for the unprivileged user" has "$NFT" Service.AmbientCapabilities=CAP_NET_ADMIN
check "nftables drop-in: netlink" has "$NFT" Service.RestrictAddressFamilies=AF_NETLINK
check "nftables drop-in: only [Service] settings" test "$(parse "$NFT" | grep -vc '^Service\.')" = 0

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "skip: missing tool systemd-analyze (deploy/bootstrap installs it); the parser's checks above still count"
    finish
    exit
fi
# The installed units (ExecStart= names P/bin/), alpha with the nftables
# drop-in as an operator would enable it, beta without.
BUILD=${FEDSOAR_BUILD_DIR:?FEDSOAR_BUILD_DIR must name the build directory}
P="$WORK/prefix"
"${CMAKE_COMMAND:-cmake}" --install "$BUILD" --prefix "$P" >"$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; fail "cmake --install"; finish; }
U="$WORK/units"
mkdir -p "$U/fedsoar-adapter@alpha.service.d"
cp "$P/lib/systemd/system/"*.service "$U/"
cp "$P/lib/systemd/system/fedsoar-adapter@.service.d/nftables.conf.example" \
    "$U/fedsoar-adapter@alpha.service.d/nftables.conf"
# verify prints what it ignores or cannot find and still exits 0: any output fails.
for unit in fedsoar-broker.service fedsoar-adapter@alpha.service fedsoar-adapter@beta.service; do
    out=$(cd "$U" && systemd-analyze verify --man=no "$U/$unit" 2>&1) && rc=0 || rc=$?
    [ -n "$out" ] && echo "$out"
    check "systemd-analyze verify $unit" [ "$rc" = 0 -a -z "$out" ]
done
# Exposure as systemd itself scores it (0 = sealed, 10 = wide open).
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    for unit in fedsoar-broker.service fedsoar-adapter@alpha.service fedsoar-adapter@beta.service; do
        score=$(cd "$U" && systemd-analyze security --offline=yes "$U/$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^ ]*: \([0-9.]*\).*/\1/p')
        check "systemd-analyze security $unit: exposure ${score:-?} <= 2.5" \
            awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.5) }'
    done
else
    echo "skip: this systemd-analyze has no security --offline"
fi
finish
