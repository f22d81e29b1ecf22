#!/usr/bin/env bash
# Issue 15.8: docs/mna-runbook.md stays honest.
#
# 1. Every `fedsoarctl ...` command in the runbook's fenced code blocks names
#    a command that exists and only options that command takes: each is
#    matched against the usage lines of `fedsoarctl --help` (the longest
#    usage whose literal words start the command) and each --option must be
#    in that usage line.
# 2. The blocks marked <!-- test:NAME --> run as written (bash -e), in the
#    runbook's order, with FEDSOAR_CONTROL/KEYS/OPERATOR set as its "your
#    shell" section says: keys init writes the layout, the broker starts with
#    the runbook's broker.json (paths under /etc/fedsoar and /var/lib/fedsoar
#    moved into the work directory), two adapters replay the demo samples
#    (deploy/demo/samples: CrowdStrike at alpha, Defender at beta), then the
#    backup, week-1, people, submit, shadow and metrics blocks run against
#    them and their outputs are checked (week 1: the gap report checks the
#    playbooks given with --playbook; plain `sites gap` says nothing was checked).
source "$(dirname "$0")/../integration/lib.sh"
require_tool awk xmllint openssl
DOC="$SRC/docs/mna-runbook.md"
jqe() { jq -e "$@" >/dev/null; }

# ---- 1. every fedsoarctl line names a real command and real options -----------------
# The usage lines of `fedsoarctl --help`: two spaces, then a lower-case word.
"$BIN/fedsoarctl" --help | grep -E '^  [a-z]' | sed 's/^  //' >"$WORK/usages"
check "fedsoarctl --help lists usages" [ "$(wc -l <"$WORK/usages")" -gt 40 ]
# Every fedsoarctl command in a fenced block: continuation lines joined, cut at
# a pipe, redirection, comment or the end of a $( ).
awk '/^```/ {on = !on; next} on' "$DOC" |
    sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' |
    grep -o 'fedsoarctl [^|>#)]*' | sed 's/[[:space:]]*$//' >"$WORK/commands"
n_cmd=$(wc -l <"$WORK/commands")
check "the runbook holds fedsoarctl commands ($n_cmd)" [ "$n_cmd" -ge 40 ]
# literal WORDS of a usage line: its words up to the first placeholder or option.
literal() { awk '{s = ""; for (i = 1; i <= NF; i++) { if ($i !~ /^[a-z][a-z-]*$/) break; s = s (s ? " " : "") $i } print s}' <<<"$1"; }
while IFS= read -r cmd; do
    # Drop the global options (--operator NAME, --keys DIR, --control EP).
    words=$(sed -E 's/^fedsoarctl //; s/--(operator|keys|control) [^ ]+ ?//g' <<<"$cmd")
    best="" best_lit=""
    while IFS= read -r usage; do
        lit=$(literal "$usage")
        [ -n "$lit" ] || continue
        case "$words " in
        "$lit "*) [ ${#lit} -gt ${#best_lit} ] && { best=$usage; best_lit=$lit; } ;;
        esac
    done <"$WORK/usages"
    if [ -z "$best" ]; then
        fail "runbook: '$cmd' names a fedsoarctl command"
        continue
    fi
    bad=""
    for opt in $(grep -oE '(^| )--[a-z][a-z-]*' <<<"$words"); do
        grep -qE -- "(^|[^a-z-])$opt([^a-z-]|$)" <<<"$best" || bad="$bad $opt"
        # A value from a list (--bucket day|week, --format text|md|json) must be one of it.
        list=$(grep -oE -- "$opt [a-z0-9]+(\|[a-z0-9]+)+([] ]|$)" <<<"$best" | head -1 | cut -d' ' -f2 | tr -d ']' || true)
        value=$(grep -oE -- "$opt [^ ]+" <<<"$words" | head -1 | cut -d' ' -f2 || true)
        if [ -n "$list" ] && [ -n "$value" ] && ! tr '|' '\n' <<<"$list" | grep -qxF -- "$value"; then
            bad="$bad $opt $value"
        fi
    done
    check "runbook: '$cmd' is 'fedsoarctl $best_lit' with options it takes${bad:+ (not:$bad)}" [ -z "$bad" ]
done <"$WORK/commands"

# ---- 2. the marked blocks, run as written ---------------------------------------------
extract() { # NAME: the lines of the example NAME, without the fences
    awk -v n="$1" '$0 == "<!-- test:" n " -->" {on = 1; next} on && $0 == "<!-- /test -->" {on = 0} on && !/^```/' "$DOC" |
        sed -e "s#/etc/fedsoar#$WORK/etc#g" -e "s#/var/lib/fedsoar#$WORK/var#g"
}
mkdir -p "$WORK/etc" "$WORK/var/backups" "$WORK/run"
ln -s "$SRC/playbooks" "$WORK/run/playbooks"
export FEDSOAR_CONTROL="$CTL_EP" FEDSOAR_KEYS="$KEYS" FEDSOAR_OPERATOR=admin
export PATH="$BIN:$PATH"
run_block() { # NAME: runs it in $WORK/run; its stdout in $WORK/NAME.out
    extract "$1" >"$WORK/$1.sh"
    if [ ! -s "$WORK/$1.sh" ]; then
        fail "docs/mna-runbook.md has the block $1"
        return 1
    fi
    (cd "$WORK/run" && bash -e "$WORK/$1.sh") >"$WORK/$1.out" 2>"$WORK/$1.err"
}

check "day 0: the keys block runs" run_block keys
check "day 0: keys for alpha, beta, hq and the hr-legal operator" \
    bash -c "[ -f '$KEYS/sites/beta.cert_secret' ] && [ -f '$KEYS/sites/hq.cert' ] && grep -q 'role = \"hr-legal\"' '$KEYS/operators/hana.cert'"
check "day 0: the HTTPS certificate names soar.example.com" \
    bash -c "openssl x509 -in '$KEYS/http/broker.crt' -noout -ext subjectAltName | grep -q soar.example.com"

extract broker.json >"$WORK/etc/broker.json"
check "day 0: broker.json is JSON" jqe . "$WORK/etc/broker.json"
# The runbook's config as written; the test's own endpoints (flags override it).
start_broker --config "$WORK/etc/broker.json"
for s in alpha beta; do
    case $s in
    alpha) replay=(--replay "crowdstrike.alert:$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json") ;;
    beta) replay=(--replay "microsoft.graph_alert:$SRC/deploy/demo/samples/beta-defender-alerts.json"
        --replay "microsoft.mde_alert:$SRC/deploy/demo/samples/beta-defender-lsass.json") ;;
    esac
    start_adapter "$s" "${replay[@]}"
done
wait_for 30 "alpha and beta connected" bash -c "[ \"\$('$BIN/fedsoarctl' stats --json | jq -c '.connected_sites | sort')\" = '[\"alpha\",\"beta\"]' ]"
wait_for 30 "both sites' samples stored" bash -c "'$BIN/fedsoarctl' stats --json | jq -e '(.events.per_site.alpha // 0) > 0 and (.events.per_site.beta // 0) > 0'"

check "day 0: the backup block runs (backup, audit verify)" run_block backup
check "day 0: the backup is an LMDB copy" [ -f "$WORK/var/backups/day0/data.mdb" ]

check "week 1: the block runs" run_block week1
check "week 1: sites names alpha and beta" bash -c "grep -q alpha '$WORK/week1.out' && grep -q beta '$WORK/week1.out'"
G="$WORK/run/gap-week1.json"
check "week 1: gap-week1.json parses, both sites" jqe '.sites | has("alpha") and has("beta")' "$G"
check "week 1: alpha's source is crowdstrike.alert, beta's are Defender's" jqe \
    '(.sites.alpha.sources | has("crowdstrike.alert")) and (.sites.beta.sources | has("microsoft.graph_alert") or has("microsoft.mde_alert"))' "$G"
# Under governance nothing is submitted in week 1: plain `sites gap` says nothing was checked
# (never an all-clear), and the report names the playbooks given with --playbook, at both sites.
check "week 1: plain sites gap says nothing was checked, and never that every playbook can run" bash -c \
    "grep -q '^  No playbook is active, in shadow, in review or planned: nothing was checked.$' '$WORK/week1.out' && ! grep -q 'every playbook' '$WORK/week1.out'"
check "week 1: gap-week1.json checks the two playbooks to roll out, at alpha and beta (mode document)" jqe '
    .playbooks_from == "documents" and .checked == 2
    and ([.playbooks[] | [.name, .site, .mode]] | sort) == [["critical-vulnerability", "alpha", "document"], ["critical-vulnerability", "beta", "document"], ["insider-threat", "alpha", "document"], ["insider-threat", "beta", "document"]]' "$G"
check "week 1: gap-week1.md names both playbooks at both sites in its matrix" bash -c \
    "for p in critical-vulnerability insider-threat; do for s in alpha beta; do grep -qE \"^\\| \$p \\| \$s \\| document \\| \" '$WORK/run/gap-week1.md' || exit 1; done; done"
check "week 1: gap-week1.md's \"What to add where\" is no all-clear (something was checked, not all of it can run)" bash -c \
    "jq -e '.recommendations | length > 0' '$G' >/dev/null && grep -q '^| site | add | for playbooks |' '$WORK/run/gap-week1.md' && ! grep -q 'nothing was checked' '$WORK/run/gap-week1.md'"
check "week 1: the Markdown report has both sites' tables" bash -c \
    "grep -q '^## Site alpha' '$WORK/run/gap-week1.md' && grep -q '^## Site beta' '$WORK/run/gap-week1.md'"

extract people.csv >"$WORK/run/people.csv"
check "weeks 2-4: the people block runs" run_block people
check "weeks 2-4: jane.doe has her alpha and beta accounts" bash -c \
    "grep -q j.doe@alpha.example '$WORK/people.out' && grep -q jane.doe@beta.example '$WORK/people.out'"
check "weeks 2-4: the crosswalk holds three people, four links" jqe '(.persons | length) == 3 and .links == 4' "$WORK/run/people-loaded.json"

check "weeks 2-4: the submit block runs (submit, two approvals, rollout plan)" run_block submit
phases() { fedsoarctl rollout status insider-threat --json | jq -c '.phases | map_values(.phase)'; }
check "weeks 2-4: the plan starts alpha and beta in observe" [ "$(phases)" = '{"alpha":"observe","beta":"observe"}' ]
check "weeks 2-4: the shadow block runs (promote, two signatures, the gap again)" run_block shadow
check "weeks 2-4: beta is in shadow, alpha still observes" [ "$(phases)" = '{"alpha":"observe","beta":"shadow"}' ]
check "weeks 2-4: gap-shadow.md has insider-threat's row at beta, in shadow" \
    grep -qE '^\| insider-threat \| beta \| shadow \|' "$WORK/run/gap-shadow.md"
check "weeks 2-4: gap-shadow.md has insider-threat's row at alpha, planned (observe)" \
    grep -qE '^\| insider-threat \| alpha \| planned \(observe\) \|' "$WORK/run/gap-shadow.md"
check "weeks 2-4: the gap names what insider-threat misses at beta" bash -c \
    "fedsoarctl sites gap --json | jq -e '[.playbooks[] | select(.name == \"insider-threat\" and .site == \"beta\")] | length == 1 and (.[0].runnable | not) and (.[0].missing | length > 0)' >/dev/null"

check "months 3-6: the metrics block runs" run_block metrics
check "months 3-6: mttr-week.svg is well-formed SVG" bash -c "xmllint --noout '$WORK/run/mttr-week.svg' && grep -q '<svg' '$WORK/run/mttr-week.svg'"
check "months 3-6: mttr-month.csv has a header" bash -c "head -1 '$WORK/run/mttr-month.csv' | grep -q site"
check "months 3-6: coverage-week.json parses, both sites" jqe 'tostring | test("alpha") and test("beta")' "$WORK/run/coverage-week.json"
finish
