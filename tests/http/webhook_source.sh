#!/usr/bin/env bash
# The webhook source (issue 13.6; adapters/sources/webhook.c): curl plays
# the outside tools against a real adapter and a real broker.
# - TLS with a test CA made here by the openssl CLI; plain HTTP to it fails;
# - token (header, Bearer, ?token=): 202 only after the commit; 401 without;
# - bodies: one object, an array, NDJSON, a CEF mapping's lines;
# - a mixed body: 202, the bad records named by number and byte offset,
#   the good ones stored (counted at the broker), the bad ones in the dead
#   letters; 400 with the same body shape when none could be kept;
# - a record sent again (a sender's retry): stored once at the broker,
#   counted as a duplicate;
# - 404, 405, 413;
# - HMAC: timestamped (good, wrong, stale, replayed) on IPv6 [::1] when the
#   host has it, GitHub style (good, wrong);
# - refused at start: insecure_http on a non-loopback address, no TLS
#   without insecure_http, an unknown source id (the known ones named);
# - no secret in any log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool curl openssl
TOKEN="wh-$RANDOM$RANDOM-T0ken"
SECRET="hm-$RANDOM$RANDOM-S3cret"
printf '%s\n' "$TOKEN" >"$WORK/token"
printf '%s\n' "$SECRET" >"$WORK/hmac_secret"

# A test CA and a server certificate for localhost, 127.0.0.1 and ::1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=webhook-test-ca \
    -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -extfile "$WORK/ext" -out "$WORK/server.crt" 2>/dev/null
chmod 600 "$WORK/server.key"

IPV6=no
python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null && IPV6=yes
P1=$(free_port); P2=$(free_port); P3=$(free_port); P4=$(free_port)
if [ $IPV6 = yes ]; then SIGNED_LISTEN="[::1]:$P2"; SIGNED_HOST="[::1]"; else SIGNED_LISTEN="127.0.0.1:$P2"; SIGNED_HOST=127.0.0.1; fi
TLS="\"cert_file\": \"$WORK/server.crt\", \"key_file\": \"$WORK/server.key\""
cat >"$WORK/alpha.json" <<JSON
{"sources": [
  {"name": "okta-hook", "type": "webhook", "source": "okta.system_log", "listen": "127.0.0.1:$P1",
   "token_file": "$WORK/token", $TLS, "max_body_bytes": 65536},
  {"name": "signed", "type": "webhook", "source": "okta.system_log", "listen": "$SIGNED_LISTEN", "path": "/signed",
   $TLS, "hmac": {"secret_file": "$WORK/hmac_secret", "scheme": "timestamped", "max_skew_s": 300}},
  {"name": "github", "type": "webhook", "source": "okta.system_log", "listen": "127.0.0.1:$P3", "path": "/gh",
   $TLS, "hmac": {"secret_file": "$WORK/hmac_secret", "scheme": "github"}},
  {"name": "cef-hook", "type": "webhook", "source": "cef", "listen": "127.0.0.1:$P4",
   "token_env": "CEF_TOKEN", "insecure_http": true}
]}
JSON
FIX="$SRC/tests/fixtures/vendors/okta.system_log/logs_array.json"
rec() { jq -c --arg n "$1" '.[0] | .uuid = "wh-" + $n' "$FIX"; } # one Okta record, its own uuid
U="https://localhost:$P1/webhook"
post() { # post BODY URL CURL-ARGS... -> the status; the answer in $WORK/last
    curl -s --cacert "$WORK/ca.crt" -o "$WORK/last" -w '%{http_code}' -X POST --data-binary "$1" "${@:2}"
}
answer() { jq -c "$1" "$WORK/last"; }

"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker
CEF_TOKEN="$TOKEN" start_adapter alpha --config "$WORK/alpha.json"
wait_for 10 "the webhook listens (TLS)" bash -c "curl -s --cacert '$WORK/ca.crt' -o /dev/null '$U'"

check "plain HTTP to the TLS listener gets no answer" \
    bash -c "! curl -s -o /dev/null 'http://127.0.0.1:$P1/webhook' -d x --max-time 5 -w '%{http_code}' | grep -q 202"
check "one object (token header): 202" [ "$(post "$(rec 1)" "$U" -H "X-Fedsoar-Token: $TOKEN")" = 202 ]
check "  the answer: accepted 1, nothing refused" [ "$(answer '[.accepted, .refused]')" = '[1,[]]' ]
check "an array of two (Bearer): 202, accepted 2" \
    [ "$(post "[$(rec 2),$(rec 3)]" "$U" -H "Authorization: Bearer $TOKEN")/$(answer .accepted)" = 202/2 ]
printf '%s\n%s\n%s\n' "$(rec 4)" "$(rec 5)" "$(rec 6)" >"$WORK/three.ndjson"
check "NDJSON of three (?token=, Content-Type application/x-ndjson): 202, accepted 3" \
    [ "$(post "@$WORK/three.ndjson" "$U?token=$TOKEN" -H 'Content-Type: application/x-ndjson')/$(answer .accepted)" = 202/3 ]
# A mixed body: good, bad JSON, good, an object without the required uuid.
L1=$(rec 7); L2='{"uuid": "wh-8", "published": nope}'; L3=$(rec 9); L4=$(jq -c 'del(.uuid)' <<<"$(rec 10)")
printf '%s\n%s\n%s\n%s\n' "$L1" "$L2" "$L3" "$L4" >"$WORK/mixed.ndjson"
OFF2=$((${#L1} + 1)); OFF4=$((${#L1} + ${#L2} + ${#L3} + 3))
check "a mixed body: 202, two accepted" \
    [ "$(post "@$WORK/mixed.ndjson" "$U" -H "X-Fedsoar-Token: $TOKEN")/$(answer .accepted)" = 202/2 ]
check "  records 2 and 4 refused, named by number and byte offset ($OFF2, $OFF4)" \
    [ "$(answer '[.refused[] | [.record, .offset]]')" = "[[2,$OFF2],[4,$OFF4]]" ]
check "  each with a reason" [ "$(answer '[.refused[] | .reason | length > 0] | all')" = true ]
check "none could be kept: 400, each refused record named" \
    [ "$(post '{"no": "uuid"} [1]' "$U" -H "X-Fedsoar-Token: $TOKEN")/$(answer '[.accepted, (.refused | map(.record))]')" = '400/[0,[1,2]]' ]
check "no token: 401" [ "$(post "$(rec 90)" "$U")" = 401 ]
check "wrong token: 401" [ "$(post "$(rec 90)" "$U" -H "X-Fedsoar-Token: x$TOKEN")" = 401 ]
check "  the 401 does not echo the token" bash -c "! grep -qF -- '$TOKEN' '$WORK/last'"
check "another path: 404" [ "$(post "$(rec 90)" "https://localhost:$P1/other" -H "X-Fedsoar-Token: $TOKEN")" = 404 ]
check "GET: 405" [ "$(curl -s --cacert "$WORK/ca.crt" -o /dev/null -w '%{http_code}' -H "X-Fedsoar-Token: $TOKEN" "$U")" = 405 ]
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big"
check "a body over max_body_bytes: 413" [ "$(post "@$WORK/big" "$U" -H "X-Fedsoar-Token: $TOKEN")" = 413 ]

# HMAC, timestamped: HMAC-SHA256(secret, TIMESTAMP "." BODY), hex.
sig() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1; }
SU="https://$SIGNED_HOST:$P2/signed"
signed_post() { # BODY TIMESTAMP [SIGNATURE]
    post "$1" "$SU" -H "X-Fedsoar-Timestamp: $2" -H "X-Fedsoar-Signature: sha256=${3:-$(sig "$2.$1")}"
}
NOW=$(date +%s); B=$(rec 20)
check "signed ($IPV6 = IPv6 [::1]): 202" [ "$(signed_post "$B" "$NOW")" = 202 ]
check "the same request again (a replay): 401" [ "$(signed_post "$B" "$NOW")" = 401 ]
check "  the answer says replayed" grep -q replayed "$WORK/last"
check "a wrong signature: 401" [ "$(signed_post "$(rec 21)" "$NOW" "$(sig "other")")" = 401 ]
STALE=$((NOW - 400))
check "a stale timestamp (400 s old, max_skew_s 300), correctly signed: 401" [ "$(signed_post "$(rec 22)" "$STALE")" = 401 ]
check "no signature: 401" [ "$(post "$(rec 23)" "$SU")" = 401 ]
check "a fresh timestamp, another body: 202" [ "$(signed_post "$(rec 24)" "$((NOW + 1))")" = 202 ]
# HMAC, GitHub style: X-Hub-Signature-256: sha256=HEX of the body.
B=$(rec 30)
check "GitHub-style signature: 202" \
    [ "$(post "$B" "https://localhost:$P3/gh" -H "X-Hub-Signature-256: sha256=$(sig "$B")")" = 202 ]
check "GitHub-style, wrong signature: 401" \
    [ "$(post "$(rec 31)" "https://localhost:$P3/gh" -H "X-Hub-Signature-256: sha256=$(sig "$B")")" = 401 ]
# The mapping's own framing: CEF lines over plain HTTP on loopback.
CEF="$SRC/tests/fixtures/vendors/cef"
CEFLINES=$(grep -h '^CEF:' "$CEF"/*.log 2>/dev/null | head -n 2 || true)
[ -n "$CEFLINES" ] || CEFLINES='CEF:0|Vendor|Product|1.0|100|Test event|5|src=10.0.0.1 dst=10.0.0.2
CEF:0|Vendor|Product|1.0|101|Other event|7|src=10.0.0.3 dst=10.0.0.4'
NCEF=$(printf '%s\n' "$CEFLINES" | grep -c '^CEF:')
check "CEF lines (the mapping's framing, plain HTTP on loopback): 202, accepted $NCEF" \
    [ "$(curl -s -o "$WORK/last" -w '%{http_code}' -H "X-Fedsoar-Token: $TOKEN" --data-binary "$CEFLINES" "http://127.0.0.1:$P4/webhook")/$(answer .accepted)" = "202/$NCEF" ]

# A sender that lost its 202 sends again (docs/triggers.md, "Retries and
# duplicates"): the adapter stores the record again, the broker drops the
# copy (same metadata.uid, from the Okta uuid) and counts it.
check "the first record sent again (a retry): 202, accepted 1" \
    [ "$(post "$(rec 1)" "$U" -H "X-Fedsoar-Token: $TOKEN")/$(answer .accepted)" = 202/1 ]

# 1 + 2 + 3 + 2 (mixed) + 2 (signed) + 1 (github) okta events + the CEF ones.
WANT=$((11 + NCEF))
wait_for 20 "$WANT events at the broker" stat_is .events.total "$WANT"
wait_for 10 "the retry counted as a duplicate at the broker" stat_is .events.duplicates_per_site.alpha 1
sleep 1
check "exactly $WANT events at the broker (each accepted record once)" stat_is .events.total "$WANT"
check "  the retried record was dropped as a duplicate (1), not stored twice" stat_is .events.duplicates_per_site.alpha 1
wait_for 10 "four dead letters counted at the broker" bash -c \
    "[ \"\$(\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' sites --json | jq '.alpha.dead_letters')\" = 4 ]"

# Refused at start.
refused_config() { # DESCRIPTION WORDS-OF-THE-ERROR CONFIG
    echo "$3" >"$WORK/bad.json"
    if timeout 20 "$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/bad" --keys "$KEYS" \
        --broker "tcp://127.0.0.1:$(free_port)" --config "$WORK/bad.json" >"$WORK/bad.out" 2>&1; then
        fail "$1 (it started)"
    elif grep -q -- "$2" "$WORK/bad.out"; then pass "$1"
    else fail "$1 (no \"$2\" in: $(tr '\n' ' ' <"$WORK/bad.out"))"; fi
}
refused_config "insecure_http on a non-loopback address: refused at start" "not a loopback" \
    "{\"sources\": [{\"name\": \"h\", \"type\": \"webhook\", \"source\": \"okta.system_log\", \"listen\": \"0.0.0.0:$(free_port)\", \"token_file\": \"$WORK/token\", \"insecure_http\": true}]}"
refused_config "no certificate and no insecure_http: refused at start" "cert_file and key_file: required" \
    "{\"sources\": [{\"name\": \"h\", \"type\": \"webhook\", \"source\": \"okta.system_log\", \"listen\": \"127.0.0.1:$(free_port)\", \"token_file\": \"$WORK/token\"}]}"
refused_config "an unknown source id: refused, the known ones named" "known: .*okta.system_log" \
    "{\"sources\": [{\"name\": \"h\", \"type\": \"webhook\", \"source\": \"no.such\", \"listen\": \"127.0.0.1:$(free_port)\", \"token_file\": \"$WORK/token\", $TLS}]}"

check "no secret in any log" bash -c "! grep -rF -e '$TOKEN' -e '$SECRET' '$WORK'/*.log '$WORK/bad.out'"
finish
