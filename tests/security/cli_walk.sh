#!/usr/bin/env bash
# Issue 11, clause 6 (docs/cli.md "The contract"): every command and
# subcommand of fedsoarctl keeps the command-line contract. The list of
# subcommands comes from `fedsoarctl --help` itself, so a new one cannot be
# forgotten here. For each: --help and -h, wherever they appear, print that
# subcommand's usage on stdout, exit 0 and create nothing; a bad flag exits
# 2 with the flag named on stderr; an unknown subcommand exits 2 listing
# the valid ones. Then the exit codes and messages of the cases issue 11
# names, the input size limits, and the daemons' --help / --version.
source "$(dirname "$0")/../integration/lib.sh"
require_tool awk timeout

CTL="$BIN/fedsoarctl"
CLEAN="$WORK/cwd" # an empty directory every --help runs in
mkdir -p "$CLEAN"

# run CMD...: runs in $CLEAN; sets RC, OUT (stdout) and ERR (stderr).
run() {
    RC=0
    (cd "$CLEAN" && "$@" >"$WORK/out" 2>"$WORK/err") || RC=$?
    OUT=$(cat "$WORK/out")
    ERR=$(cat "$WORK/err")
}
# expect CODE STREAM PATTERN CMD...: exit CODE, PATTERN (grep -E) on STREAM
# (out|err), and nothing on the other stream for a usage answer.
expect() {
    local code=$1 stream=$2 pattern=$3
    shift 3
    run "$@"
    local text=$OUT
    [ "$stream" = err ] && text=$ERR
    if [ "$RC" != "$code" ]; then
        echo "  exit $RC, wanted $code: $*" >&2
        echo "  stdout: ${OUT:0:300}" >&2
        echo "  stderr: ${ERR:0:300}" >&2
        return 1
    fi
    if ! grep -qE -- "$pattern" <<<"$text"; then
        echo "  $stream does not match /$pattern/: $*" >&2
        echo "  stdout: ${OUT:0:300}" >&2
        echo "  stderr: ${ERR:0:300}" >&2
        return 1
    fi
}
# help_ok LABEL CMD...: usage on stdout naming LABEL, exit 0, empty stderr,
# and the working directory still empty (no side effect).
help_ok() {
    local label=$1
    shift
    expect 0 out "^usage: fedsoarctl $label" "$@" || return 1
    [ -z "$ERR" ] || { echo "  stderr not empty: $ERR" >&2; return 1; }
    [ -z "$(ls -A "$CLEAN")" ] || { echo "  files appeared: $(ls -A "$CLEAN")" >&2; return 1; }
}

"$CTL" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
wait_for 20 "broker control socket" ctl stats

# ---- discover every command and subcommand from the program ------------------
run "$CTL" --help
check "§11.6: fedsoarctl --help exits 0 with usage on stdout, nothing on stderr" \
    test "$RC" = 0 -a -n "$OUT" -a -z "$ERR"
mapfile -t ENTRIES < <(awk '/^commands:/ {on=1; next} on && /^$/ {exit}
    on && /^  [a-z]/ {sub_=($2 ~ /^[a-z][a-z-]*$/) ? " " $2 : ""; print $1 sub_}' <<<"$OUT")
check "§11.6: --help lists the commands (found ${#ENTRIES[@]})" test "${#ENTRIES[@]}" -ge 20
COMMANDS=$(printf '%s\n' "${ENTRIES[@]}" | awk '{print $1}' | sort -u)

for entry in "${ENTRIES[@]}"; do
    read -r cmd sub <<<"$entry"
    # shellcheck disable=SC2086 # $entry is "cmd" or "cmd sub" on purpose
    check "§11.6: fedsoarctl $entry --help: its usage on stdout, exit 0, no files" \
        help_ok "$entry" "$CTL" $entry --help
    # shellcheck disable=SC2086
    check "§11.6: fedsoarctl $entry -h: the same" help_ok "$entry" "$CTL" $entry -h
    # shellcheck disable=SC2086
    check "§11.6: fedsoarctl --help $entry (before the command): its usage, exit 0" \
        help_ok "$entry" "$CTL" --help $entry
    # shellcheck disable=SC2086
    check "§11.6: fedsoarctl $entry X Y --help (after arguments): its usage, exit 0, no files" \
        help_ok "$entry" "$CTL" --keys "$KEYS" --control "$CTL_EP" $entry "$CLEAN/x" y --help
    # shellcheck disable=SC2086
    check "§11.6: fedsoarctl $entry --bogus-flag exits 2 naming the flag on stderr" \
        expect 2 err 'bogus-flag' "$CTL" --keys "$KEYS" --control "$CTL_EP" $entry --bogus-flag
    # docs/cli.md's synopsis: a line "  CMD ..." naming SUB as a word
    if [ -n "$sub" ]; then docre="^  $cmd( .*)?[ |]$sub([ |]|\$)"; else docre="^  $cmd( |\$)"; fi
    check "§11.6: fedsoarctl $entry is in docs/cli.md's synopsis" grep -qE -- "$docre" "$SRC/docs/cli.md"
done
for cmd in $COMMANDS; do
    subs=$(printf '%s\n' "${ENTRIES[@]}" | awk -v c="$cmd" '$1 == c && NF == 2 {print $2}')
    [ -n "$subs" ] || continue
    first=$(head -n1 <<<"$subs")
    check "§11.6: fedsoarctl $cmd frobnicate exits 2 listing its subcommands" \
        expect 2 err "unknown subcommand \"frobnicate\" \\(one of: $first" \
        "$CTL" --keys "$KEYS" --control "$CTL_EP" "$cmd" frobnicate
done
check "§11.6: an unknown command exits 2 listing the commands" \
    expect 2 err 'unknown command "frobnicate" \(one of: keys, ' "$CTL" frobnicate
check "§11.6: no command at all exits 2 listing the commands" expect 2 err 'one of: keys, ' "$CTL"
check "§11.6: an unknown global option exits 2 naming it" expect 2 err 'bogus-flag' "$CTL" --bogus-flag stats
check "§11.6: fedsoarctl --version exits 0 on stdout" expect 0 out '^fedsoarctl [0-9]+\.[0-9]+' "$CTL" --version

# ---- keys init --help writes nothing, anywhere ---------------------------------
check "§11.6: keys init --help writes no key layout into ./--help" \
    help_ok "keys init" "$CTL" keys init --help
check "§11.6: keys init DIR --help writes nothing into DIR" \
    bash -c '"$1" keys init "$2" --sites a --help >/dev/null && [ ! -e "$2" ]' _ "$CTL" "$WORK/k-help"
check "§11.6: keys init DIR --sites a,b writes the layout" \
    bash -c '"$1" keys init "$2" --sites a,b >/dev/null && [ -e "$2/broker.cert" ]' _ "$CTL" "$WORK/k-real"

# ---- ids and enum values --------------------------------------------------------
check "§11.6: case show abc names the bad id, exit 2" \
    expect 2 err '^fedsoarctl: case show: "abc" is not a case id \(a positive integer\)$' ctl case show abc
check "§11.6: case show 0 is not an id either" expect 2 err '"0" is not a case id' ctl case show 0
check "§11.6: case show of a case that does not exist: the broker says no, exit 1" \
    expect 1 err 'no case 424242' ctl case show 424242
check "§11.6: runs list --status bogus exits 2 naming the run statuses" \
    expect 2 err '"bogus" is not a run status \(one of: running, waiting, completed, failed, denied\)' \
    ctl runs list --status bogus
check "§11.6: runs --status bogus (list is the default) exits 2 too" \
    expect 2 err 'not a run status' ctl runs --status bogus
check "§11.6: runs list --status waiting is accepted, exit 0" expect 0 out 'RUN' ctl runs list --status waiting
check "§11.6: runs show x exits 2" expect 2 err '"x" is not a run id' ctl runs show x
check "§11.6: case status 1 bogus exits 2 naming the case statuses" \
    expect 2 err '"bogus" is not a case status \(one of: new, analysis, containment, eradication, recovery, closed\)' \
    ctl case status 1 bogus
check "§11.6: case severity 1 bogus exits 2 naming the severities" \
    expect 2 err '"bogus" is not a severity \(one of: unknown, info, low, medium, high, critical, fatal\)' \
    ctl case severity 1 bogus
check "§11.6: approvals approve abc exits 2" expect 2 err '"abc" is not an approval id' ctl approvals approve abc
check "§11.6: approvals deny 7 --all (a list flag) exits 2" expect 2 err '"--all"' ctl approvals deny 7 --all
check "§11.6: approvals list --comment (a vote flag) exits 2" expect 2 err '"--comment"' ctl approvals list --comment x
check "§11.6: approvals approve of a gate that does not exist: exit 1" \
    expect 1 err 'no approval 424242' ctl approvals approve 424242
check "§11.6: playbook approve xyz exits 2 (not a version)" \
    expect 2 err '"xyz" is not a playbook version' ctl playbook approve xyz
check "§11.6: playbook reject without --reason exits 2" expect 2 err 'reason' ctl playbook reject abcdef12
check "§11.6: playbook activate without --site exits 2" expect 2 err 'site' ctl playbook activate abcdef12
check "§11.6: playbook history BAD/NAME exits 2" expect 2 err 'not a playbook name' ctl playbook history BAD/NAME
check "§11.6: audit export --since x exits 2" expect 2 err 'usage' ctl audit export --since x
check "§11.6: a flag without its value exits 2" expect 2 err '--status needs a value' ctl runs list --status
check "§11.6: a switch given a value exits 2" expect 2 err '--json takes no value' ctl stats --json=yes
check "§11.6: one argument too many exits 2" expect 2 err 'unexpected argument "extra"' ctl case show 1 extra
check "§11.6: stats without a reachable broker exits 2" \
    expect 2 err 'no answer from the broker' "$CTL" --keys "$KEYS" --control "tcp://127.0.0.1:$(free_port)" stats

# ---- files: missing is 2, invalid is 1, too big is 1 -----------------------------
PB=$(ls "$SRC"/playbooks/library/*.json | head -n1)
check "§11.6: playbook validate of a shipped playbook: exit 0" expect 0 out '^valid: ' "$CTL" playbook validate "$PB"
check "§11.6: playbook validate of a missing file exits 2 (I/O), not 1" \
    expect 2 err 'missing.json: cannot open' "$CTL" playbook validate "$WORK/missing.json"
check "§11.6: playbook validate of a directory exits 2" expect 2 err 'cannot read' "$CTL" playbook validate "$WORK"
echo '{"name": ' >"$WORK/syntax.json"
check "§11.6: playbook validate of broken JSON exits 1 naming line and column" \
    expect 1 err 'line [0-9]+ column [0-9]+' "$CTL" playbook validate "$WORK/syntax.json"
echo '{"name": "x", "trigger": {}, "steps": [{"type": "nope"}]}' >"$WORK/invalid.json"
check "§11.6: playbook validate of an invalid playbook exits 1 on stdout" \
    expect 1 out '^invalid: ' "$CTL" playbook validate "$WORK/invalid.json"
truncate -s 50M "$WORK/huge.json"
check "§11.6: a 50 MB playbook is refused with the limit named, exit 1" \
    expect 1 err 'huge.json: larger than the 1048576-byte limit for playbooks' "$CTL" playbook validate "$WORK/huge.json"
check "§11.6: playbook test refuses it too" \
    expect 1 err 'larger than the 1048576-byte limit' "$CTL" playbook test "$WORK/huge.json" --event "$PB"
check "§11.6: playbook submit refuses it before asking the broker" \
    expect 1 err 'larger than the 1048576-byte limit' ctl playbook submit "$WORK/huge.json"
check "§11.6: playbook test without --event exits 2" expect 2 err '--event' "$CTL" playbook test "$PB"
# Exactly 1 MiB passes the file limit, but with its envelope the request is
# over the FSP/1 body limit: refused by fedsoarctl, not a 10 s silence.
python3 - "$PB" "$WORK/full.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["description"] = ""
base = len(json.dumps(doc, separators=(",", ":")))
doc["description"] = "x" * (1048576 - base)
open(sys.argv[2], "w").write(json.dumps(doc, separators=(",", ":")))
EOF
check "§11.6: a request over the FSP/1 body limit exits 1 naming the limit" \
    expect 1 err 'more than the 1048576-byte FSP/1 body limit' ctl playbook submit "$WORK/full.json"
check "§11.6: openc2 validate of a 50 MB message: 400, exit 1" \
    expect 1 out '^400 ' "$CTL" openc2 validate "$WORK/huge.json"
check "§11.6: openc2 validate of a missing file exits 2" \
    expect 2 err 'cannot open' "$CTL" openc2 validate "$WORK/missing.json"
check "§11.6: route --explain of a missing file exits 2" \
    expect 2 err 'cannot open' "$CTL" route --explain "$WORK/missing.json" --routes "$WORK/missing.json"
check "§11.6: normalize of a missing file exits 2" \
    expect 2 err 'cannot open' "$CTL" normalize --source crowdstrike.alert "$WORK/missing.json"

# The broker's own loader refuses an over-limit playbook as well.
mkdir -p "$WORK/bigbook"
sed 's/"description":"x/"description":"xxxxxxxxxxxxxxxxx/' "$WORK/full.json" >"$WORK/bigbook/a.json" # 1 MiB + 16
check "§11.6: fedsoar-broker refuses a playbook directory holding an over-limit playbook (exit 2, file named)" \
    expect 2 err 'a.json' timeout 20 "$BIN/fedsoar-broker" --state-dir "$WORK/b2" --keys "$KEYS" \
    --listen "tcp://127.0.0.1:$(free_port)" --control "tcp://127.0.0.1:$(free_port)" --playbooks "$WORK/bigbook"

# ---- the daemons ------------------------------------------------------------------
for p in fedsoar-broker fedsoar-adapter; do
    check "§11.6: $p --help: usage on stdout, exit 0, no files" \
        bash -c 'cd "$1" && "$2" --help >"$3/o" 2>"$3/e" && grep -q "^usage:" "$3/o" && [ ! -s "$3/e" ] && [ -z "$(ls -A)" ]' \
        _ "$CLEAN" "$BIN/$p" "$WORK"
    check "§11.6: $p -h: usage on stdout, exit 0" expect 0 out "^usage:" "$BIN/$p" -h
    check "§11.6: $p --version exits 0 on stdout" expect 0 out "^$p [0-9]+\.[0-9]+" "$BIN/$p" --version
    check "§11.6: $p --bogus-flag exits 2 naming it" expect 2 err 'bogus-flag' "$BIN/$p" --bogus-flag
done

finish
