#!/usr/bin/env bash
# Every route of the HTTPS API (broker/http_router.c, docs/api.md) against a
# real broker (CURVE + HTTPS) and a real adapter replaying a fixture, so that
# a case, a run and an open approval exist: each route with a role that may
# (2xx), a role or site that may not (403, where the role table has one),
# and no credentials (401). The same command over the CLI and over HTTP
# gives the same data; an HTTP write leaves an audit entry whose actor is
# the token. With API_SAVE_DIR set, every answer is saved there for
# tests/http/openapi_conformance.py (the CTest fixture http_responses).
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/http_lib.sh"
SAMPLE="$SRC/deploy/demo/samples/alpha-crowdstrike-alerts.json"
if [ -n "${API_SAVE_DIR:-}" ]; then rm -rf "$API_SAVE_DIR"; mkdir -p "$API_SAVE_DIR"; fi

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha,beta \
    --operators admin,ana:analyst,alice:approver,bob:approver,sam:site-admin:alpha \
    --http-names localhost,127.0.0.1 >/dev/null
echo '{"governance": {"quorum": 1, "members": ["alice", "bob"]}}' >"$WORK/broker.json"
mkdir -p "$WORK/empty"
as() { local who=$1; shift; "$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator "$who" "$@"; }
cat >"$WORK/gated.json" <<'JSON'
{"name": "gated-block", "title": "Block the attacker after an approver says so",
 "trigger": {"class_uid": [2004], "sites": ["alpha"]},
 "steps": [
   {"id": "gate", "type": "approval", "role": "approver", "timeout": "1h", "reason": "block 203.0.113.250"},
   {"id": "block", "type": "openc2", "site": "alpha",
    "command": {"action": "deny", "target": {"ipv4_net": "203.0.113.250"}}}]}
JSON
jq '.title = "Block the attacker (v2)"' "$WORK/gated.json" >"$WORK/gated2.json"

start_http_broker --config "$WORK/broker.json" --playbooks "$WORK/empty"
v1=$(as admin playbook submit "$WORK/gated.json" | sed -n 's/.*version \([0-9a-f]\{64\}\).*/\1/p')
as alice playbook approve "${v1:0:12}" >/dev/null
as admin playbook activate "${v1:0:12}" --site alpha >/dev/null
start_adapter alpha --replay "crowdstrike.alert:$SAMPLE"
wait_for 40 "the gate of gated-block is open" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e 'length >= 1'"
CASE=$(ctl case list --json | jq -r '.[0].id // .items[0].id')
GATE=$(ctl approvals list --json | jq -r '.[0].id // .items[0].id')
RUN=$(ctl runs list --json | jq -r '.[0].id // .items[0].id')
echo "# case $CASE, run $RUN, approval $GATE, version ${v1:0:12}"

# --- tokens, one per role --------------------------------------------------------
T_ADMIN=$(token adm admin)
T_ANA=$(token ana-t analyst)
T_APPR=$(token alice-t approver)
T_SAM=$(token sam-t site-admin --site alpha)
T_BETA=$(token beta-admin site-admin --site beta)
for t in T_ADMIN T_ANA T_APPR T_SAM T_BETA; do
    v=${!t}
    check "token create printed a token for $t as its last line (${#v} characters, one word)" \
        bash -c '[[ "$1" =~ ^fst_[A-Za-z0-9_-]{43}$ ]]' _ "$v"
done
ALL_TOKENS="$T_ADMIN $T_ANA $T_APPR $T_SAM $T_BETA"

# A route without credentials is 401, a problem, with WWW-Authenticate.
unauth() { # METHOD PATH [BODY]
    api "$1" "$2" - "${3-}"
    expect 401 "$1 $2 without credentials"
    check "$1 $2: the 401 is a problem with WWW-Authenticate" bash -c '[ -n "$1" ]' _ "$( is_problem && hdr WWW-Authenticate)"
}

# --- the document -------------------------------------------------------------------
api GET /api/v1/openapi.json -
expect 200 "GET /api/v1/openapi.json needs no credentials"
check "the served OpenAPI document is broker/openapi.json, byte for byte" cmp -s "$B" "$SRC/broker/openapi.json"

# --- cases ------------------------------------------------------------------------------
api GET "/api/v1/cases" "$T_ANA"
expect 200 "GET /api/v1/cases as analyst"
check "the case list has items and next_cursor" jq -e '(.items | length) >= 1 and has("next_cursor")' "$B"
api GET "/api/v1/cases?status=new&severity=0&site=alpha&limit=1" "$T_APPR"
expect 200 "GET /api/v1/cases with filters as approver"
check "limit=1: one item" jq -e '(.items | length) == 1' "$B"
# The filters the CLI has (case list --text/--observable/--assignee), over
# HTTP, on the fixture's case: a match and a miss for each.
title=$(ctl case show "$CASE" --json | jq -r .title)
obs=$(ctl case show "$CASE" --json | jq -r '[.observables[]?.value // empty][0] // empty')
word=$(tr '[:lower:]' '[:upper:]' <<<"${title:0:6}")
api GET "/api/v1/cases?text=$(jq -rn --arg w "$word" '$w|@uri')&limit=500" "$T_ANA"
expect 200 "GET /api/v1/cases?text= (a piece of the title, upper case)"
check "text=$word: the case, and only titles with it (case-insensitive)" \
    jq -e --argjson c "$CASE" --arg w "$word" '([.items[].id] | index($c) != null) and all(.items[]; .title | ascii_upcase | contains($w))' "$B"
api GET "/api/v1/cases?text=no-title-has-this-zq" "$T_ANA"
check "text= that no title has: no case" jq -e '.items == []' "$B"
check "the case has an observable to filter on" [ -n "$obs" ]
api GET "/api/v1/cases?observable=$(jq -rn --arg w "$obs" '$w|@uri')&limit=500" "$T_ANA"
expect 200 "GET /api/v1/cases?observable="
check "observable=$obs: the case" jq -e --argjson c "$CASE" '[.items[].id] | index($c) != null' "$B"
api GET "/api/v1/cases?observable=198.51.100.254" "$T_ANA"
check "observable= that no case holds: no case" jq -e '.items == []' "$B"
api GET "/api/v1/cases?assignee=ana" "$T_ANA"
check "assignee=ana before any assignment: no case" jq -e '.items == []' "$B"
# Every page of the list with limit=1, following next_cursor: each case once.
ctl case list --limit 500 --json | jq -r '.items[].id' >"$WORK/cases.cli"
cursor="" pages=0
: >"$WORK/cases.http"
while :; do
    api GET "/api/v1/cases?limit=1${cursor:+&cursor=$cursor}" "$T_ANA"
    [ "$ST" = 200 ] || { fail "a case list page: $ST"; break; }
    jq -r '.items[].id' "$B" >>"$WORK/cases.http"
    cursor=$(jq -r '.next_cursor // empty' "$B")
    pages=$((pages + 1))
    [ -n "$cursor" ] && [ $pages -lt 1000 ] || break
done
check "next_cursor through every page ($pages, $(wc -l <"$WORK/cases.cli") cases): none missed, none twice" \
    bash -c '[ -s "$1" ] && cmp -s "$1" "$2" && [ "$(sort -u "$2" | wc -l)" = "$(wc -l <"$2")" ]' _ "$WORK/cases.cli" "$WORK/cases.http"
api GET "/api/v1/cases" "$T_BETA"
expect 200 "GET /api/v1/cases as beta's site-admin"
check "beta's site-admin sees none of alpha's cases" jq -e '(.items | length) == 0' "$B"
unauth GET /api/v1/cases

api GET "/api/v1/cases/$CASE" "$T_ANA"
expect 200 "GET /api/v1/cases/{id} as analyst"
cp "$B" "$WORK/case-http.json"
ctl case show "$CASE" --json >"$WORK/case-cli.json"
check "case show: the same data over the CLI and over HTTP" \
    bash -c 'diff <(jq -S . "$1") <(jq -S . "$2")' _ "$WORK/case-cli.json" "$WORK/case-http.json"
api GET "/api/v1/cases/$CASE" "$T_BETA"
expect 403 "GET /api/v1/cases/{id} of alpha's case as beta's site-admin"
check "...as a problem" is_problem
unauth GET "/api/v1/cases/$CASE"

api GET "/api/v1/cases/$CASE/timeline?limit=2" "$T_SAM"
expect 200 "GET /api/v1/cases/{id}/timeline as alpha's site-admin"
check "the timeline page has items and next_cursor" jq -e '(.items | length) >= 1 and (.items | length) <= 2 and has("next_cursor")' "$B"
api GET "/api/v1/cases/$CASE/timeline" "$T_BETA"
expect 403 "GET /api/v1/cases/{id}/timeline as beta's site-admin"
unauth GET "/api/v1/cases/$CASE/timeline"

api PATCH "/api/v1/cases/$CASE" "$T_ANA" '{"status": "analysis", "assignee": "ana", "severity_id": 4}'
expect 200 "PATCH /api/v1/cases/{id} as analyst"
check "the answer is the case after the change" jq -e '.status == "analysis" and .assignee == "ana" and .severity_id == 4' "$B"
check "the CLI sees the change" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' case show $CASE --json | jq -e '.assignee == \"ana\"' >/dev/null"
api GET "/api/v1/cases?assignee=ana" "$T_ANA"
check "assignee=ana: the case, and only ana's" jq -e --argjson c "$CASE" '([.items[].id] | index($c) != null) and all(.items[]; .assignee == "ana")' "$B"
api GET "/api/v1/cases?assignee=ana&status=closed" "$T_ANA"
check "assignee=ana&status=closed: filters combine (none)" jq -e '.items == []' "$B"
api PATCH "/api/v1/cases/$CASE" "$T_APPR" '{"assignee": "alice"}'
expect 403 "PATCH /api/v1/cases/{id} as approver"
api PATCH "/api/v1/cases/$CASE" "$T_BETA" '{"assignee": "x"}'
expect 403 "PATCH /api/v1/cases/{id} of alpha's case as beta's site-admin"
unauth PATCH "/api/v1/cases/$CASE" '{"assignee": "x"}'

api POST "/api/v1/cases/$CASE/notes" "$T_ANA" '{"text": "seen from the API"}'
expect 201 "POST /api/v1/cases/{id}/notes as analyst"
check "the note names its author, the token" jq -e '.by == "token:ana-t" and .text == "seen from the API"' "$B"
api POST "/api/v1/cases/$CASE/notes" "$T_APPR" '{"text": "x"}'
expect 403 "POST /api/v1/cases/{id}/notes as approver"
api POST "/api/v1/cases/$CASE/notes" "$T_BETA" '{"text": "x"}'
expect 403 "POST /api/v1/cases/{id}/notes of alpha's case as beta's site-admin"
unauth POST "/api/v1/cases/$CASE/notes" '{"text": "x"}'

# --- runs ------------------------------------------------------------------------------------
api GET "/api/v1/runs?playbook=gated-block&case_id=$CASE" "$T_ANA"
expect 200 "GET /api/v1/runs as analyst"
check "the run list has the run" jq -e --argjson r "$RUN" '[.items[].id] | index($r) != null' "$B"
unauth GET /api/v1/runs
api GET "/api/v1/runs/$RUN" "$T_SAM"
expect 200 "GET /api/v1/runs/{id} as alpha's site-admin"
check "run.show has every step's state" jq -e '(.step_states | length) >= 1 and all(.step_states[]; has("path") and has("state"))' "$B"
cp "$B" "$WORK/run-http.json"
ctl run show "$RUN" --json >"$WORK/run-cli.json" 2>/dev/null || ctl runs show "$RUN" --json >"$WORK/run-cli.json" 2>/dev/null || true
check "run show: the same data over the CLI and over HTTP" \
    bash -c 'diff <(jq -S . "$1") <(jq -S . "$2")' _ "$WORK/run-cli.json" "$WORK/run-http.json"
api GET "/api/v1/runs/$RUN" "$T_BETA"
expect 403 "GET /api/v1/runs/{id} as beta's site-admin"
unauth GET "/api/v1/runs/$RUN"

# --- approvals ----------------------------------------------------------------------------------
api GET "/api/v1/approvals" "$T_APPR"
expect 200 "GET /api/v1/approvals (pending) as approver"
check "the open gate is listed" jq -e --argjson g "$GATE" '[.items[].id] | index($g) != null' "$B"
api GET "/api/v1/approvals?status=all&limit=10" "$T_ANA"
expect 200 "GET /api/v1/approvals?status=all as analyst"
unauth GET /api/v1/approvals
api GET "/api/v1/approvals/$GATE" "$T_APPR"
expect 200 "GET /api/v1/approvals/{id} as approver"
check "approval.show: what approving will do (effects), the evidence, the quorum so far" \
    jq -e '(.effects | length) >= 1 and (.evidence | type) == "object" and (.quorum_state.votes | type) == "array"' "$B"
check "approval.show: the effects name the command and the site it goes to" \
    jq -e '[.. | objects | select(has("site")) | .site] | index("alpha") != null' "$B"
api GET "/api/v1/approvals/$GATE" "$T_BETA"
expect 403 "GET /api/v1/approvals/{id} as beta's site-admin"
unauth GET "/api/v1/approvals/$GATE"
api POST "/api/v1/approvals/$GATE/votes" "$T_ANA" '{"decision": "approve"}'
expect 403 "POST /api/v1/approvals/{id}/votes as analyst (the gate wants approver)"
api POST "/api/v1/approvals/$GATE/votes" "$T_APPR" '{"decision": "approve"}'
expect 400 "POST /api/v1/approvals/{id}/votes unsigned while governance is on"
unauth POST "/api/v1/approvals/$GATE/votes" '{"decision": "approve"}'

# A browser session of alice (fedsoarctl login --web), her own signature.
JAR="$WORK/alice.jar"
if web_login alice "$JAR"; then
    pass "alice signs in through the one-time link"
    CSRF=$(csrf_of "$JAR")
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    api GET "/api/v1/approvals/$GATE" "cookie:$JAR"
    expect 200 "GET /api/v1/approvals/{id} with alice's session"
    payload=$(jq -r '.vote_payloads.approve // empty' "$B")
    check "approval.show gives alice the exact vote payload to sign" [ -n "$payload" ]
    sig=$(sign_as alice "$payload")
    api POST "/api/v1/approvals/$GATE/votes" "cookie:$JAR" \
        "$(jq -cn --arg p "$payload" --arg s "$sig" '{decision: "approve", payload: $p, signature: $s, comment: "ok from the browser"}')"
    expect 201 "POST /api/v1/approvals/{id}/votes: alice's signed vote from her session"
    EXTRA_CURL=()
else
    fail "alice signs in through the one-time link (fedsoarctl login --web)"
fi

# --- playbooks -------------------------------------------------------------------------------------
api GET /api/v1/playbooks "$T_ANA"
expect 200 "GET /api/v1/playbooks as analyst"
check "the playbook list names gated-block" bash -c 'jq -e "[(.items? // .)[] | .name] | index(\"gated-block\") != null" "$1"' _ "$B"
unauth GET /api/v1/playbooks
api GET /api/v1/playbooks/gated-block/versions "$T_SAM"
expect 200 "GET /api/v1/playbooks/{name}/versions as site-admin"
check "history: v1 approved and active at alpha" jq -e --arg v "$v1" '.versions[] | select(.version == $v) | .state == "approved" and .sites.alpha == "active"' "$B"
unauth GET /api/v1/playbooks/gated-block/versions
api GET /api/v1/playbooks/gated-block/comparison "$T_ANA"
expect 200 "GET /api/v1/playbooks/{name}/comparison as analyst"
unauth GET /api/v1/playbooks/gated-block/comparison
api GET "/api/v1/playbook-versions/$v1" "$T_APPR"
expect 200 "GET /api/v1/playbook-versions/{version} as approver"
check "playbook.get carries the document" jq -e '.doc.name == "gated-block"' "$B"
unauth GET "/api/v1/playbook-versions/$v1"

api POST /api/v1/playbook-versions "$T_ANA" "$(jq -c '{doc: ., origin: "api_routes.sh"}' "$WORK/gated2.json")"
expect 201 "POST /api/v1/playbook-versions as analyst"
v2=$(jq -r '.version // empty' "$B")
check "the submitted version is in review" jq -e '.state == "in_review"' "$B"
unauth POST /api/v1/playbook-versions "$(jq -c '{doc: .}' "$WORK/gated2.json")"
api GET "/api/v1/playbook-versions/$v1/diff/$v2" "$T_ANA"
expect 200 "GET /api/v1/playbook-versions/{a}/diff/{b} as analyst"
unauth GET "/api/v1/playbook-versions/$v1/diff/$v2"
api GET "/api/v1/playbook-versions/$v2/bpmn" "$T_ANA"
expect 200 "GET /api/v1/playbook-versions/{version}/bpmn as analyst"
check "the BPMN export is XML with the playbook's process" grep -q '<bpmn:process id="Playbook_gated-block"' "$B"
unauth GET "/api/v1/playbook-versions/$v2/bpmn"

approval_body() { # MEMBER VERSION: a signed approval payload + signature
    local p
    p=$(jq -cnS --arg v "$2" --arg m "$1" --argjson t "$(date +%s%3N)" \
        '{decision: "approve", member: $m, time: $t, type: "fedsoar-approval/1", version: $v}')
    jq -cn --arg p "$p" --arg s "$(sign_as "$1" "$p")" '{payload: $p, signature: $s}'
}
api POST "/api/v1/playbook-versions/$v2/approvals" "$T_ANA" "$(approval_body ana "$v2")"
expect 403 "POST /api/v1/playbook-versions/{version}/approvals as analyst"
unauth POST "/api/v1/playbook-versions/$v2/approvals" "$(approval_body alice "$v2")"
if [ -s "$JAR" ]; then
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    api POST "/api/v1/playbook-versions/$v2/approvals" "cookie:$JAR" "$(approval_body alice "$v2")"
    expect 201 "POST /api/v1/playbook-versions/{version}/approvals: alice's signature from her session"
    check "v2 is approved (quorum 1)" jq -e '.state == "approved"' "$B"
    EXTRA_CURL=()
fi
[ "$(ctl playbook history gated-block --json | jq -r --arg v "$v2" '.versions[] | select(.version == $v) | .state')" = approved ] ||
    as bob playbook approve "${v2:0:12}" >/dev/null # so the routes after it still run

api POST "/api/v1/playbook-versions/$v2/activations" "$T_ANA" '{"site": "alpha"}'
expect 403 "POST /api/v1/playbook-versions/{version}/activations as analyst"
api POST "/api/v1/playbook-versions/$v2/activations" "$T_BETA" '{"site": "alpha"}'
expect 403 "POST /api/v1/playbook-versions/{version}/activations at alpha as beta's site-admin"
unauth POST "/api/v1/playbook-versions/$v2/activations" '{"site": "alpha"}'
api POST "/api/v1/playbook-versions/$v2/activations" "$T_SAM" '{"site": "alpha", "shadow": false}'
expect 201 "POST /api/v1/playbook-versions/{version}/activations at alpha as alpha's site-admin"
check "v2 is active at alpha" jq -e --arg v "$v2" '.version == $v and .site == "alpha"' "$B"

api POST /api/v1/sites/alpha/rollback "$T_ANA" '{"name": "gated-block"}'
expect 403 "POST /api/v1/sites/{site}/rollback as analyst"
api POST /api/v1/sites/alpha/rollback "$T_BETA" '{"name": "gated-block"}'
expect 403 "POST /api/v1/sites/{site}/rollback at alpha as beta's site-admin"
unauth POST /api/v1/sites/alpha/rollback '{"name": "gated-block"}'
api POST /api/v1/sites/alpha/rollback "$T_SAM" '{"name": "gated-block"}'
expect 200 "POST /api/v1/sites/{site}/rollback as alpha's site-admin"
check "rolled back to v1" jq -e --arg v "$v1" '.version == $v' "$B"

# --- phased rollout (docs/governance.md "Phased rollout"): a plan, a proposal, a
# member's signature from her session (quorum 1: in effect), the rollback
as admin rollout plan gated-block --sites alpha,beta --version "$v2" >/dev/null
api GET /api/v1/rollouts "$T_ANA"
expect 200 "GET /api/v1/rollouts as analyst"
check "the plan is listed" jq -e '.items | any(.name == "gated-block")' "$B"
unauth GET /api/v1/rollouts
api GET /api/v1/rollouts/gated-block "$T_ANA"
expect 200 "GET /api/v1/rollouts/{name} as analyst"
check "alpha in observe, the next criterion measured" \
    jq -e '.status.alpha.phase == "observe" and .status.alpha.criteria[0].name == "version_approved"' "$B"
unauth GET /api/v1/rollouts/gated-block
api POST /api/v1/rollouts/gated-block/proposals "$T_ANA" '{"site": "alpha"}'
expect 403 "POST /api/v1/rollouts/{name}/proposals as analyst"
unauth POST /api/v1/rollouts/gated-block/proposals '{"site": "alpha"}'
api POST /api/v1/rollouts/gated-block/proposals "$T_ADMIN" '{"site": "alpha"}'
expect 201 "POST /api/v1/rollouts/{name}/proposals as admin"
PROP=$(jq -r .id "$B")
promotion_body() { # MEMBER PROPOSAL: a signed fedsoar-promotion/1 payload + signature
    local p
    p=$(jq -cnS --arg v "$v2" --arg m "$1" --argjson id "$2" --argjson t "$(date +%s%3N)" \
        '{from: "observe", member: $m, playbook: "gated-block", proposal: $id, site: "alpha", time: $t, to: "shadow", type: "fedsoar-promotion/1", version: $v}')
    jq -cn --arg p "$p" --arg s "$(sign_as "$1" "$p")" '{payload: $p, signature: $s}'
}
api POST /api/v1/rollouts/gated-block/signatures "$T_ANA" "$(promotion_body ana "$PROP")"
expect 403 "POST /api/v1/rollouts/{name}/signatures as analyst"
unauth POST /api/v1/rollouts/gated-block/signatures "$(promotion_body alice "$PROP")"
if [ -s "$JAR" ]; then
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    api POST /api/v1/rollouts/gated-block/signatures "cookie:$JAR" "$(promotion_body alice "$PROP")"
    expect 200 "POST /api/v1/rollouts/{name}/signatures: alice's signature from her session"
    check "quorum 1: the promotion is in effect" jq -e '.proposal.status == "effective" and .phases.alpha.phase == "shadow"' "$B"
    EXTRA_CURL=()
fi
api POST /api/v1/rollouts/gated-block/rollback "$T_APPR" '{"site": "alpha"}'
expect 403 "POST /api/v1/rollouts/{name}/rollback as approver"
unauth POST /api/v1/rollouts/gated-block/rollback '{"site": "alpha"}'
api POST /api/v1/rollouts/gated-block/rollback "$T_ADMIN" '{"site": "alpha", "to": "observe"}'
if [ -s "$JAR" ]; then
    expect 200 "POST /api/v1/rollouts/{name}/rollback as admin"
else
    expect 409 "POST /api/v1/rollouts/{name}/rollback as admin: nothing promoted"
fi

api POST "/api/v1/playbook-versions/$v2/retirement" "$T_SAM"
expect 403 "POST /api/v1/playbook-versions/{version}/retirement as site-admin"
unauth POST "/api/v1/playbook-versions/$v2/retirement"
api POST "/api/v1/playbook-versions/$v2/retirement" "$T_ADMIN" '{}'
expect 200 "POST /api/v1/playbook-versions/{version}/retirement as admin"
check "v2 retired" jq -e '.state == "retired"' "$B"

# --- sites, metrics, audit ---------------------------------------------------------------------------
api GET /api/v1/sites "$T_BETA"
expect 200 "GET /api/v1/sites as site-admin"
check "alpha is connected" jq -e '.alpha.connected == true' "$B"
unauth GET /api/v1/sites
# sites.gap / sites.coverage (docs/mna-gap.md; the figures are asserted in tests/mna/gap_coverage.sh)
api GET "/api/v1/sites/gap?window_days=7" "$T_ANA"
expect 200 "GET /api/v1/sites/gap as analyst"
check "the gap evaluates the version active at alpha (governance), for alpha" jq -e '(.sites | has("alpha")) and ([.playbooks[] | select(.name == "gated-block" and .mode == "active") | .site] == ["alpha"])' "$B"
api GET "/api/v1/sites/coverage" "$T_BETA"
expect 200 "GET /api/v1/sites/coverage as beta's site-admin"
check "a site-admin's coverage has no other site than its own" jq -e '(.sites | has("alpha") | not)' "$B"
api GET "/api/v1/sites/gap?window_days=0" "$T_ANA"
expect 400 "GET /api/v1/sites/gap?window_days=0"
unauth GET /api/v1/sites/coverage
for w in 24h 7d 30d all; do
    api GET "/api/v1/metrics/response?window=$w" "$T_ANA"
    expect 200 "GET /api/v1/metrics/response?window=$w as analyst"
done
unauth GET /api/v1/metrics/response
for q in "" "?window=7d" "?window=90d&bucket=week"; do
    api GET "/api/v1/metrics/by-site$q" "$T_ANA"
    expect 200 "GET /api/v1/metrics/by-site$q as analyst"
done
check "metrics/by-site: a bucket per week, the sites in it" jq -e '.bucket == "week" and (.sites | type) == "array"' "$B"
api GET "/api/v1/metrics/by-site?window=400d" "$T_ANA"
expect 400 "GET /api/v1/metrics/by-site?window=400d is refused"
api GET "/api/v1/metrics/by-site?bucket=month" "$T_ANA"
expect 400 "GET /api/v1/metrics/by-site?bucket=month is refused"
unauth GET /api/v1/metrics/by-site
api GET /api/v1/audit/verify "$T_APPR"
expect 200 "GET /api/v1/audit/verify as approver"
api GET /api/v1/audit/verify "$T_ANA"
expect 403 "GET /api/v1/audit/verify as analyst"
api GET /api/v1/audit/verify "$T_SAM"
expect 403 "GET /api/v1/audit/verify as site-admin"
unauth GET /api/v1/audit/verify
api GET "/api/v1/audit/entries?since=0" "$T_ADMIN"
expect 200 "GET /api/v1/audit/entries as admin"
check "the HTTP note's audit entry has actor token:ana-t" \
    jq -e '[.entries[] | select(.actor == "token:ana-t")] | length >= 2' "$B"
check "the HTTP activation's audit entry has actor token:sam-t" \
    jq -e '[.entries[] | select(.actor == "token:sam-t" and .kind == "playbook.activate")] | length == 1' "$B"
check "fedsoarctl audit export has the same HTTP entries" \
    bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' audit export | jq -se '[.[] | select(.actor == \"token:ana-t\")] | length >= 2'"
# The paged form followed with since=last to an empty page gives what the
# stream gave (the big log: tests/http/audit_stream.sh).
jq -r '.entries[].seq' "$B" >"$WORK/audit.stream"
since=0 pages=0
: >"$WORK/audit.paged"
while :; do
    api GET "/api/v1/audit/entries?since=$since&limit=7" "$T_ADMIN"
    [ "$ST" = 200 ] || { fail "an audit page: $ST"; break; }
    [ "$(jq '.entries | length' "$B")" = 0 ] && break
    jq -r '.entries[].seq' "$B" >>"$WORK/audit.paged"
    since=$(jq -r .last "$B") pages=$((pages + 1))
    [ $pages -lt 1000 ] || break
done
check "audit entries since=last to the end ($pages pages of 7): every seq of the stream, once, in order" \
    bash -c 'n=$(wc -l <"$2"); [ "$n" -gt 7 ] && cmp -s <(head -n "$n" "$1") "$2" && diff -q <(seq 1 "$n") "$2" >/dev/null' _ "$WORK/audit.paged" "$WORK/audit.stream"
api GET /api/v1/audit/entries "$T_ANA"
expect 403 "GET /api/v1/audit/entries as analyst"
unauth GET /api/v1/audit/entries

# --- session, metrics, the stream ----------------------------------------------------------------------
api GET /api/v1/session "$T_SAM"
expect 200 "GET /api/v1/session with a token"
check "whoami: token:sam-t, site-admin of alpha" jq -e '.actor == "token:sam-t" and .role == "site-admin" and .site == "alpha" and .kind == "token"' "$B"
unauth GET /api/v1/session
api DELETE /api/v1/session "$T_ANA"
expect 400 "DELETE /api/v1/session with a token (tokens are revoked with the CLI)"
unauth DELETE /api/v1/session

api GET /metrics "$T_BETA"
expect 200 "GET /metrics with any valid token"
check "/metrics is Prometheus text" bash -c '[[ "$1" == text/plain* ]] && grep -q "^# TYPE " "$2"' _ "$(hdr Content-Type)" "$B"
check "/metrics counts HTTP requests by route and code" grep -q 'route="GET /api/v1/cases"' "$B"
unauth GET /metrics

sse() { # SECONDS AUTH [EXTRA...]: that long of the event stream, in sse.out
    local secs=$1 auth=$2
    shift 2
    curl -s -N --cacert "$CA" --max-time "$secs" -H "Authorization: Bearer $auth" "$@" \
        -D "$WORK/http/sse.head" "$BASE/api/v1/stream" >"$WORK/http/sse.out" || true
    cp "$WORK/http/sse.out" "$SEEN/sse-$RANDOM.body"
}
# Without Last-Event-ID the stream starts now: a change made while it is open arrives.
sse 4 "$T_ANA" &
sse_pid=$!
sleep 1.5
api PATCH "/api/v1/cases/$CASE" "$T_ADMIN" '{"status": "containment"}'
expect 200 "PATCH /api/v1/cases/{id} as admin (while a stream is open)"
wait "$sse_pid" || true
check "GET /api/v1/stream: 200 text/event-stream" \
    bash -c 'grep -qi "^HTTP/[0-9.]* 200" "$1" && grep -qi "^content-type: text/event-stream" "$1"' _ "$WORK/http/sse.head"
check "the open stream got case.updated with an id and the case in its data" \
    bash -c 'grep -q "^event: case.updated" "$1" && grep -q "^id: [0-9]" "$1" && grep -q "^data: .*\"case_id\":$2" "$1"' _ "$WORK/http/sse.out" "$CASE"
# Last-Event-ID: the backlog after that id (here: from the start of the log).
sse 3 "$T_ANA" -H "Last-Event-ID: 1"
check "Last-Event-ID: 1 replays case.opened and approval.requested" \
    bash -c 'grep -q "^event: case.opened" "$1" && grep -q "^event: approval.requested" "$1"' _ "$WORK/http/sse.out"
first=$(sed -n 's/^id: //p' "$WORK/http/sse.out" | head -n 1)
sse 3 "$T_ANA" -H "Last-Event-ID: ${first:-1}"
check "Last-Event-ID resumes strictly after that id" \
    bash -c 'ids=$(sed -n "s/^id: //p" "$1"); [ -n "$ids" ] && for i in $ids; do [ "$i" -gt "$2" ] || exit 1; done' _ "$WORK/http/sse.out" "${first:-0}"
sse 3 "$T_ANA" -G --data "since=${first:-1}"
check "?since= resumes like Last-Event-ID" \
    bash -c 'ids=$(sed -n "s/^id: //p" "$1"); [ -n "$ids" ] && for i in $ids; do [ "$i" -gt "$2" ] || exit 1; done' _ "$WORK/http/sse.out" "${first:-0}"
sse 3 "$T_BETA" -H "Last-Event-ID: 1"
check "beta's site-admin is not told about alpha's case" bash -c '! grep -q "^event: case" "$1"' _ "$WORK/http/sse.out"
EXTRA_CURL=(--max-time 3)
unauth GET /api/v1/stream
EXTRA_CURL=()

# --- sign-in pages ---------------------------------------------------------------------------------------
# Passkey enrollment (its whole ceremony: tests/security/passkey_enroll.sh).
api GET /api/v1/passkey-enrollments/not-a-real-nonce -
expect 404 "GET /api/v1/passkey-enrollments/{nonce} with an unknown nonce"
api POST /api/v1/passkey-enrollments/not-a-real-nonce - \
    '{"credential_id": "AA", "public_key": "AA", "alg": -8, "client_data_json": "AA"}'
expect 404 "POST /api/v1/passkey-enrollments/{nonce} with an unknown nonce"
api GET /login/not-a-real-nonce -
check "GET /login/{nonce} with an unknown nonce: 4xx, no cookie" bash -c '[ "$1" -ge 400 -a "$1" -lt 500 ] && ! grep -qi "^set-cookie" "$2"' _ "$ST" "$H"
api POST /login/not-a-real-nonce -
check "POST /login/{nonce} with an unknown nonce: 4xx, no cookie" bash -c '[ "$1" -ge 400 -a "$1" -lt 500 ] && ! grep -qi "^set-cookie" "$2"' _ "$ST" "$H"
url=$(as ana login --web 2>/dev/null | grep -o 'https://[^ ]*/login/[A-Za-z0-9_.-]*' | tail -n 1 || true)
if [ -n "$url" ]; then
    p=/login/${url##*/login/}
    api GET "$p" -
    expect 200 "GET /login/{nonce}: the confirmation page"
    check "the page is HTML with a POST form and sets no cookie" \
        bash -c 'grep -q "<form method=\"post\"" "$1" && ! grep -qi "^set-cookie" "$2"' _ "$B" "$H"
    api GET "$p" -
    expect 200 "GET /login/{nonce} again: a GET consumed nothing"
    EXTRA_CURL=(-H "Origin: $BASE")
    api POST "$p" -
    expect 200 "POST /login/{nonce}: signed in"
    check "the cookie is HttpOnly, Secure, SameSite=Strict" \
        bash -c 'c=$(grep -i "^set-cookie: fedsoar_session=" "$1"); [[ "$c" == *HttpOnly* && "$c" == *Secure* && "$c" == *SameSite=Strict* ]]' _ "$H"
    api POST "$p" -
    check "the link works once" [ "$ST" -ge 400 ]
    EXTRA_CURL=()
else
    fail "fedsoarctl login --web prints a one-time https:// link"
fi
if [ -s "$JAR" ]; then
    EXTRA_CURL=(-H "Origin: $BASE" -H "X-CSRF-Token: $CSRF")
    api DELETE /api/v1/session "cookie:$JAR"
    expect 200 "DELETE /api/v1/session: alice signs out"
    EXTRA_CURL=()
    api GET /api/v1/session "cookie:$JAR"
    expect 401 "the session is gone after sign-out"
fi

# --- nothing secret in any answer ------------------------------------------------------------------------
leaks=0
for t in $ALL_TOKENS; do
    grep -rqF -- "$t" "$SEEN" && { echo "token ${t:0:8}... appears in an answer"; leaks=1; }
done
check "no answer carries an API token" [ $leaks = 0 ]
check "no answer carries a path of the work dir" bash -c '! grep -rqF -- "$1" "$2"' _ "$WORK" "$SEEN"
check "the broker is still up" kill -0 "$BROKER_PID"
echo "# $CALLS HTTP calls"
finish
