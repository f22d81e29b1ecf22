#!/usr/bin/env bash
# Issue 14, clause 5 ("the built assets reproducible", docs/console.md): the
# console is built twice with the build's own command (cmake/console.cmake:
# node console/build.mjs OUTDIR) into two folders, under another clock,
# working directory, umask, time zone and locale the second time, and the two are the
# same bytes, file for file; manifest.json lists exactly the files laid out,
# each with its SHA-256. Node and console/node_modules come from
# deploy/bootstrap: missing, the test fails saying so, it does not skip.
source "$(dirname "$0")/../integration/lib.sh"
require_tool node sha256sum cmp faketime
[ -d "$SRC/console/node_modules" ] || {
    echo "not ok - $SRC/console/node_modules is missing: run deploy/bootstrap" \
        "(PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix console)"
    exit 1
}

check "the first build (node console/build.mjs OUT1)" \
    bash -c 'cd "$1" && node "$1/console/build.mjs" "$2" >/dev/null' _ "$SRC" "$WORK/one"
mkdir -p "$WORK/elsewhere"
# (faketime, from deploy/bootstrap: a timestamp in the output would differ)
check "the second build: another clock (2031), cwd, umask 077, TZ and locale (OUT2)" \
    bash -c 'cd "$1" && umask 077 && TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 faketime "2031-02-03 04:05:06" \
             node "$2/console/build.mjs" "$3" >/dev/null' \
    _ "$WORK/elsewhere" "$SRC" "$WORK/two"

(cd "$WORK/one" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/one.files"
(cd "$WORK/two" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/two.files"
check "both builds laid out the same files ($(wc -l <"$WORK/one.files") of them, index.html and assets/)" \
    bash -c 'cmp -s "$1" "$2" && grep -qx index.html "$1" && grep -q "^assets/.*\.js$" "$1"' \
    _ "$WORK/one.files" "$WORK/two.files"
differs=()
while read -r f; do
    cmp -s "$WORK/one/$f" "$WORK/two/$f" || differs+=("$f")
done <"$WORK/one.files"
check "every file is the same bytes in both builds${differs[*]:+ (differ: ${differs[*]})}" [ ${#differs[@]} = 0 ]

# manifest.json: exactly the other files, each with its SHA-256
jq -r 'to_entries[] | "\(.value)  \(.key)"' "$WORK/one/manifest.json" | LC_ALL=C sort -k2 >"$WORK/manifest.sums"
check "manifest.json names every file laid out but itself, and nothing else" \
    bash -c 'diff <(awk "{print \$2}" "$1") <(grep -vx manifest.json "$2")' _ "$WORK/manifest.sums" "$WORK/one.files"
check "each file's SHA-256 is the manifest's (sha256sum -c)" \
    bash -c 'cd "$1" && sha256sum --quiet -c "$2"' _ "$WORK/one" "$WORK/manifest.sums"

finish
