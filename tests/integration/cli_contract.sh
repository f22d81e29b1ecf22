#!/usr/bin/env bash
# docs/cli.md: every program answers --help and --version with exit 0, and
# a bad flag or config with a clear message and exit 2.
source "$(dirname "$0")/lib.sh"

expect_exit() { # expect_exit CODE PATTERN CMD...: exit code and a message matching PATTERN
    local code=$1 pattern=$2
    shift 2
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    [ "$rc" = "$code" ] && grep -qE -- "$pattern" <<<"$out"
}

for p in fedsoar-broker fedsoar-adapter fedsoarctl; do
    check "$p --help exits 0 with usage" expect_exit 0 '^usage:' "$BIN/$p" --help
    check "$p --version exits 0" expect_exit 0 "^$p [0-9]+\.[0-9]+\.[0-9]+" "$BIN/$p" --version
    check "$p --bogus exits 2 naming the flag" expect_exit 2 'bogus' "$BIN/$p" --bogus
done
echo '{"listen": ' >"$WORK/bad.json"
check "broker: malformed config names file and line" expect_exit 2 "bad.json:[0-9]+:[0-9]+" "$BIN/fedsoar-broker" --config "$WORK/bad.json"
check "broker: missing config file is named" expect_exit 2 "nope.json" "$BIN/fedsoar-broker" --config "$WORK/nope.json"
check "broker: missing keys say how to make them" expect_exit 2 "keys init" "$BIN/fedsoar-broker" --keys "$WORK/nokeys" --state-dir "$WORK/b"
check "adapter: --site is required" expect_exit 2 "--site" "$BIN/fedsoar-adapter" --state-dir "$WORK/a"
check "adapter: bad --replay form" expect_exit 2 "SOURCE_ID:FILE" "$BIN/fedsoar-adapter" --site alpha --replay nocolon
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
check "adapter: unreadable replay file is named" expect_exit 2 "missing.json" "$BIN/fedsoar-adapter" --site alpha --keys "$KEYS" --state-dir "$WORK/a" --replay crowdstrike.alert:"$WORK/missing.json"
check "adapter: unknown source id is named" expect_exit 2 "no.such" "$BIN/fedsoar-adapter" --site alpha --keys "$KEYS" --state-dir "$WORK/a2" --replay no.such:/etc/hostname
check "adapter: a site without a key" expect_exit 2 "gamma.cert_secret" "$BIN/fedsoar-adapter" --site gamma --keys "$KEYS" --state-dir "$WORK/a3"
check "keys init refuses to overwrite" expect_exit 2 "overwrite" "$BIN/fedsoarctl" keys init "$KEYS" --sites alpha
check "ctl: unknown command" expect_exit 2 "unknown command" "$BIN/fedsoarctl" frobnicate
check "ctl: no broker is a clear error" expect_exit 2 "no answer from the broker" "$BIN/fedsoarctl" --keys "$KEYS" --control "tcp://127.0.0.1:$(free_port)" stats
finish
