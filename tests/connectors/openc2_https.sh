#!/usr/bin/env bash
# openc2_https.sh — the openc2-https actuator against a local OpenC2
# Consumer over HTTPS with mutual TLS (tests/connectors/openc2_consumer.c).
# Certificates (CA, server, client, and a client the CA did not sign) are
# made here with the openssl CLI. Checks: discovery by 'query features';
# a command relayed and its response returned (transfer v1.1 and v1.0);
# request_id correlation (sent, echoed, and a mismatch refused); mutual TLS
# refused without a client certificate or with a foreign one; a timeout;
# an HTTP 500 from the Consumer. Loopback only. Exit 77 = skipped.
source "$(dirname "$0")/../integration/lib.sh"

TESTS_BIN="$BIN/../tests"
CONSUMER="$TESTS_BIN/openc2_consumer"
DRIVER="$TESTS_BIN/openc2_https_driver"
require_tool openssl curl jq

# ---- certificates -------------------------------------------------------------
C="$WORK/certs"
mkdir -p "$C"
(
    cd "$C"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=fedsoar test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
        -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
        -days 2 -extfile server.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
        -subj "/CN=fedsoar-adapter-alpha" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
        -days 2 -extfile client.ext 2>/dev/null
    # a client certificate the CA never signed
    openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 \
        -subj "/CN=rogue" 2>/dev/null
)
[ -s "$C/client.pem" ] && [ -s "$C/server.pem" ] || { echo "not ok - certificates"; exit 1; }

# ---- the consumer -------------------------------------------------------------
PORT=$(free_port)
LOG="$WORK/consumer-requests.jsonl"
: >"$LOG"
"$CONSUMER" "$PORT" "$C/server.pem" "$C/server.key" "$C/ca.pem" "$LOG" >"$WORK/consumer.out" \
    2>"$WORK/consumer.log" &
PIDS+=("$!")
CONSUMER_PID=$!
wait_for 10 "consumer ready" grep -q ready "$WORK/consumer.out" || {
    wait "$CONSUMER_PID" 2>/dev/null && rc=0 || rc=$?
    [ "$rc" = 77 ] && { echo "skip: libmicrohttpd without TLS"; exit 77; }
    exit 1
}
URL="https://127.0.0.1:$PORT/.well-known/openc2"

config() { # config FILE [jq edits]
    local file=$1
    shift
    jq -n --arg url "$URL" --arg c "$C" \
        '{url: $url, ca: "\($c)/ca.pem", cert: "\($c)/client.pem", key: "\($c)/client.key",
          timeout_ms: 1500, connect_timeout_ms: 1000, from: "fedsoar-alpha"}' |
        jq "${@:-.}" >"$file"
}
cmd() { # cmd FILE ACTION TARGET_JSON
    jq -n --arg a "$2" --argjson t "$3" '{action: $a, target: $t}' >"$1"
}
line() { sed -n "$1p" "$2"; }

cmd "$WORK/deny.json" deny '{"ipv4_net": "192.0.2.1"}'
cmd "$WORK/slow.json" deny '{"ipv4_net": "192.0.2.66"}'
cmd "$WORK/boom.json" deny '{"ipv4_net": "192.0.2.50"}'
cmd "$WORK/wrongid.json" deny '{"ipv4_net": "192.0.2.77"}'

# 1. v1.1: discovery, relay, correlation
config "$WORK/v11.json"
"$DRIVER" "$WORK/v11.json" "$WORK/deny.json" "$WORK/wrongid.json" >"$WORK/v11.out" \
    2>"$WORK/v11.log" || true
check "v1.1: pairs discovered by 'query features' at init" \
    test "$(line 1 "$WORK/v11.out" | jq -c '.pairs.deny')" = '["ipv4_net","ipv4_connection"]'
check "v1.1: a valid command is relayed and the consumer's response returned" \
    test "$(line 2 "$WORK/v11.out" | jq -r '"\(.status) \(.status_text)"')" = "200 consumer did: deny ipv4_net"
REQ=$(grep '"192.0.2.1"' "$LOG" | head -1)
check "v1.1: sent as application/openc2+json;version=1.0 in the message envelope" \
    test "$(jq -r '.content_type' <<<"$REQ")" = "application/openc2+json;version=1.0"
RID=$(jq -r '.request_id' <<<"$REQ")
check "v1.1: headers.request_id is a UUID" \
    grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' <<<"$RID"
check "v1.1: the adapter logs the same request_id it correlated" \
    grep -q "request_id=$RID http=200" "$WORK/v11.log"
check "v1.1: a response with another request_id is refused (500)" \
    bash -c "sed -n 3p '$WORK/v11.out' | jq -e '.status == 500 and (.status_text | test(\"does not belong to this command\"))' >/dev/null"

# 2. v1.0: bare command, X-Request-ID
config "$WORK/v10.json" '. + {transfer: "1.0", pairs: {"deny": ["ipv4_net"]}}'
"$DRIVER" "$WORK/v10.json" "$WORK/deny.json" "$WORK/wrongid.json" >"$WORK/v10.out" \
    2>"$WORK/v10.log" || true
check "v1.0: configured pairs are used (no discovery)" \
    test "$(line 1 "$WORK/v10.out" | jq -c '.pairs')" = '{"deny":["ipv4_net"]}'
check "v1.0: relayed, response returned" \
    test "$(line 2 "$WORK/v10.out" | jq -r .status)" = 200
REQ10=$(grep 'openc2-cmd+json' "$LOG" | head -1)
check "v1.0: sent as application/openc2-cmd+json with X-Request-ID" \
    test -n "$(jq -r '.x_request_id // empty' <<<"$REQ10")"
check "v1.0: a mismatched X-Request-ID is refused (500)" \
    test "$(line 3 "$WORK/v10.out" | jq -r .status)" = 500

# 3. mutual TLS
config "$WORK/nocert.json" 'del(.cert, .key) + {pairs: {"deny": ["ipv4_net"]}}'
"$DRIVER" "$WORK/nocert.json" "$WORK/deny.json" >"$WORK/nocert.out" 2>/dev/null || true
check "mTLS: without a client certificate the consumer refuses (mapped to 500, HTTP 403)" \
    bash -c "sed -n 2p '$WORK/nocert.out' | jq -e '.status == 500 and (.status_text | test(\"HTTP 403\"))' >/dev/null"
config "$WORK/rogue.json" ".cert = \"$C/rogue.pem\" | .key = \"$C/rogue.key\" | . + {pairs: {\"deny\": [\"ipv4_net\"]}}"
"$DRIVER" "$WORK/rogue.json" "$WORK/deny.json" >"$WORK/rogue.out" 2>/dev/null || true
check "mTLS: a client certificate from another CA is refused" \
    bash -c "sed -n 2p '$WORK/rogue.out' | jq -e '.status != 200' >/dev/null"
check "mTLS: curl without a client certificate gets 403 too" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.pem" -X POST \
            -H 'Content-Type: application/openc2+json;version=1.0' -d '{}' "$URL")" = 403
config "$WORK/noca.json" 'del(.ca) + {pairs: {"deny": ["ipv4_net"]}}'
"$DRIVER" "$WORK/noca.json" "$WORK/deny.json" >"$WORK/noca.out" 2>/dev/null || true
check "TLS: a consumer whose certificate is not trusted is refused (503)" \
    test "$(line 2 "$WORK/noca.out" | jq -r .status)" = 503

# 4. timeout and 500
START=$SECONDS
"$DRIVER" "$WORK/v11.json" "$WORK/slow.json" "$WORK/boom.json" >"$WORK/err.out" 2>/dev/null || true
check "timeout: 503 with a clear status_text" \
    bash -c "sed -n 2p '$WORK/err.out' | jq -e '.status == 503 and (.status_text | test(\"did not answer within 1500 ms\"))' >/dev/null"
check "timeout: bounded (< 10 s for both calls)" test $((SECONDS - START)) -lt 10
check "HTTP 500 from the consumer -> OpenC2 500 naming the HTTP status" \
    bash -c "sed -n 3p '$WORK/err.out' | jq -e '.status == 500 and (.status_text | test(\"HTTP 500: consumer exploded\"))' >/dev/null"

# 5. configuration errors are clear
echo '{"url": "http://127.0.0.1:1/x"}' >"$WORK/plain.json"
"$DRIVER" "$WORK/plain.json" >"$WORK/plain.out" 2>/dev/null || true
check "config: a non-https URL is refused at init, naming the key" \
    grep -q 'actuator_config.openc2-https.url' "$WORK/plain.out"
echo '{"url": "https://127.0.0.1:1/x", "connect_timeout_ms": 500}' >"$WORK/down.json"
"$DRIVER" "$WORK/down.json" >"$WORK/down.out" 2>/dev/null || true
check "config: discovery failure says how to start without it" \
    grep -q 'set \\"pairs\\"' "$WORK/down.out"

finish
