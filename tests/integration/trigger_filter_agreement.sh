#!/usr/bin/env bash
# The shipped trigger filters that test() one joined string (issue 19:
# libjq 1.6 compiles the regular expression on every test() call, so a
# filter that tested every string of the event compiled it tens of times per
# event) match exactly the events the filters they replace matched. Each
# filter's previous form is kept here as the reference; both are run on
# every object of every fixture file the repository has (and ../shared/
# fixtures when present: raw vendor records, expected OCSF, playbook
# events), on every OCSF event fedsoarctl normalize makes of
# tests/fixtures/vendors, and on events made to sit on the join's seams
# (a match split across two strings or across a newline must stay no match).
# They must agree everywhere, errors included, and each must match some.
source "$(dirname "$0")/lib.sh"

LIB="$SRC/playbooks/library"
EVENTS="$WORK/events.jsonl"

# Every object in every fixture file (JSON, or NDJSON one value a line).
objects_of() {
    jq -c '.. | objects' "$1" 2>/dev/null || true
}
for dir in "$SRC/tests/fixtures" "$SRC/../shared/fixtures"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' f; do
        objects_of "$f"
    done < <(find "$dir" -type f \( -name '*.json' -o -name '*.ndjson' -o -name '*.jsonl' -o -name '*.ocsf' -o -name '*.raw' \) -print0)
done >"$EVENTS"
# The OCSF events the triggers really see: each vendor fixture normalized.
for dir in "$SRC"/tests/fixtures/vendors/*/; do
    src=$(basename "$dir")
    for f in "$dir"*; do
        [ -f "$f" ] || continue
        "$BIN/fedsoarctl" normalize --source "$src" --site alpha "$f" 2>/dev/null || true
    done
done | jq -c 'objects' >>"$EVENTS" 2>/dev/null || true
# The seams of the join.
cat >>"$EVENTS" <<'SEAMS'
{"message": "Brute\nforce", "finding_info": {"title": "brute", "desc": "force"}}
{"message": "password", "finding_info": {"title": "spray"}}
{"message": "brute-force", "finding_info": {"title": "PASSWORD SPRAY detected"}}
{"class_uid": 2004, "finding_info": {"title": "mass\ndownload", "desc": "data", "types": ["loss"]}, "message": "dlp", "observables": [{"type_id": 4, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"title": "xdlp", "desc": "dlpx", "types": ["new", "country"]}, "message": "impossible\ntravel", "observables": [{"type_id": 4, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"title": "Impossible travel", "types": [1, null]}, "message": 7, "observables": [{"type_id": 5, "value": "u"}]}
{"class_uid": 2004, "finding_info": {"title": "a", "desc": "DLP"}, "observables": [{"type_id": 4, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"attacks": [{"technique": {"uid": "T1110.003"}}]}}
{"finding_info": {"attacks": [{"technique": {"uid": 5}}]}, "message": "brute force"}
{"message": "PASSWORD SPRAY", "finding_info": {"title": "pa\u00dfword spray"}}
{"message": "pa\u00dfword spray", "finding_info": {"title": "x"}}
{"message": "BRUTE\u017fFORCE"}
{"class_uid": 2004, "finding_info": {"title": "\u017fession hijack"}, "observables": [{"type_id": 4, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"title": "SE\u00dfION COOKIE"}, "observables": [{"type_id": 4, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"title": "\u00e9t\u00e9", "desc": "MASS DOWNLOAD"}, "observables": [{"type_id": 5, "value": "x"}]}
{"class_uid": 2004, "finding_info": {"title": "Mass Deletion \u2014 DLP"}, "observables": [{"type_id": 5, "value": "x"}]}
SEAMS
count=$(wc -l <"$EVENTS")
check "events gathered from the fixtures (more than 500)" [ "$count" -gt 500 ]

agree() { # PLAYBOOK OLD_FILTER: prints "disagreements old_matches new_matches"
    local new
    new=$(jq -r '.trigger.filter' "$LIB/$1.json")
    jq -rn --slurpfile ev "$EVENTS" "
        def old: $2;
        def new: $new;
        def run(f): try (if f then \"true\" else \"false\" end) catch \"error\";
        [\$ev[] | [run(old), run(new)]]
        | \"\\([.[] | select(.[0] != .[1])] | length) \\([.[] | select(.[0] == \"true\")] | length) \\([.[] | select(.[1] == \"true\")] | length)\""
}

OLD_CREDENTIAL='([.finding_info.attacks[]?.technique.uid // empty] | any(startswith("T1110"))) or any(.. | strings; test("password spray|brute.?force"; "i"))'
OLD_INSIDER='((([.finding_info.attacks[]?.technique.uid // empty] | any(test("^(T1078|T1550|T1539|T1528|T1621)"))) or ([.finding_info.title, .finding_info.desc, (.finding_info.types[]?), .message] | map(strings) | any(test("impossible travel|atypical travel|unfamiliar sign-?in|anomalous (token|sign-?in)|suspicious sign-?in|leaked credential|breached credential|unusual sign-?in|mfa (fatigue|bombing)|session (hijack|cookie)|new country"; "i")))) or (([.finding_info.attacks[]?.technique.uid // empty] | any(test("^(T1567|T1048|T1041|T1052|T1537|T1020|T1030|T1029|T1011|T1530|T1213|T1119|T1074|T1114)"))) or ([.finding_info.title, .finding_info.desc, (.finding_info.types[]?), .message] | map(strings) | any(test("exfiltrat|data (loss|leak|movement|transfer|theft)|\\bdlp\\b|mass (download|deletion|file)|unusual (volume|amount|number) of (file|download|data)|large (upload|download)|sensitive (file|data|document)|(upload|copy|sync)(ed)? to (personal|usb|removable|external)"; "i"))))) and ([.observables[]? | select(.type_id == 4 or .type_id == 5)] | length > 0)'

for pb in credential-attack insider-threat; do
    case $pb in
    credential-attack) old=$OLD_CREDENTIAL ;;
    insider-threat) old=$OLD_INSIDER ;;
    esac
    read -r differ old_n new_n < <(agree "$pb" "$old")
    echo "# $pb: $count events, $old_n matched before, $new_n now, $differ differ"
    check "$pb: the joined test() matches the same events as the per-string one ($count events)" [ "$differ" = 0 ]
    check "$pb: some events match (the comparison is not all false)" [ "$new_n" -gt 2 ]
done
# No shipped trigger filter tests every string of the event one by one any more.
check "no shipped trigger filter calls test() on each of .. | strings" \
    bash -c "! jq -r '.trigger.filter // empty' '$LIB'/*.json | grep -E 'any\\(\\.\\. \\| strings; *test'"
finish
