#!/usr/bin/env bash
# The broker's HTTPS certificate from `fedsoarctl keys init --http-names`
# (docs/operations.md "HTTPS"): a local CA limited to the names given signs
# one server certificate and its private key is never written; bad names
# are refused before any key is written; a second keys init never replaces
# broker.key without saying so. When the broker serves HTTPS (--http), curl
# trusts it through ca.crt and only through it. Plain HTTP (--http-insecure)
# is refused on a non-loopback address and warned about at every start;
# configured http.cert_file/key_file replace the generated certificate.
source "$(dirname "$0")/../integration/lib.sh"
require_tool openssl curl grep

H="$KEYS/http"
out=$("$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin \
    --http-names "broker.example,10.0.0.5,localhost")
check "keys init writes ca.crt, broker.crt, broker.key" \
    test -s "$H/ca.crt" -a -s "$H/broker.crt" -a -s "$H/broker.key"
check "keys init says where the CA to trust is" grep -q "trust $H/ca.crt" <<<"$out"
check "openssl verify -CAfile ca.crt broker.crt" openssl verify -CAfile "$H/ca.crt" "$H/broker.crt"
for name in broker.example localhost; do
    check "the certificate is valid for $name" \
        openssl verify -CAfile "$H/ca.crt" -verify_hostname "$name" "$H/broker.crt"
done
check "the certificate is valid for 10.0.0.5" \
    openssl verify -CAfile "$H/ca.crt" -verify_ip 10.0.0.5 "$H/broker.crt"
check "the certificate is not valid for other.example" \
    bash -c '! openssl verify -CAfile "$1" -verify_hostname other.example "$2"' _ "$H/ca.crt" "$H/broker.crt"

leaf=$(openssl x509 -in "$H/broker.crt" -noout -text)
ca=$(openssl x509 -in "$H/ca.crt" -noout -text)
check "SAN: broker.example, localhost, 10.0.0.5" \
    grep -q "DNS:broker.example, DNS:localhost, IP Address:10.0.0.5" <<<"$leaf"
check "EKU serverAuth" \
    bash -c 'grep -A1 "Extended Key Usage" <<<"$1" | grep -qx " *TLS Web Server Authentication"' _ "$leaf"
check "the server key is EC P-256" grep -q "NIST CURVE: P-256" <<<"$leaf"
check "signed with SHA-256" grep -q "ecdsa-with-SHA256" <<<"$leaf"
serial=$(openssl x509 -in "$H/broker.crt" -noout -serial | cut -d= -f2)
# 128 random bits: fewer than 25 hex digits (under 2^96) has a chance of 2^-32
check "a 128-bit random serial ($serial)" test ${#serial} -ge 25 -a ${#serial} -le 32
days_left=$(( ($(date -d "$(openssl x509 -in "$H/broker.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
check "the server certificate runs 825 days ($days_left left)" test "$days_left" -ge 824 -a "$days_left" -le 825
check "broker.key is mode 0600" test "$(stat -c %a "$H/broker.key")" = 600
check "http/ is mode 0700" test "$(stat -c %a "$H")" = 700
check "the CA: basicConstraints critical CA:TRUE pathlen:0" \
    grep -A1 -q "Basic Constraints: critical" <<<"$ca"
check "the CA: pathlen:0" grep -q "CA:TRUE, pathlen:0" <<<"$ca"
check "the CA: keyUsage critical keyCertSign, cRLSign" \
    bash -c 'grep -A1 "Key Usage: critical" <<<"$1" | grep -q "Certificate Sign, CRL Sign"' _ "$ca"
nc=$(openssl x509 -in "$H/ca.crt" -noout -ext nameConstraints)
check "the CA has critical nameConstraints" grep -q "Name Constraints: critical" <<<"$nc"
for p in "DNS:broker.example" "DNS:localhost" "IP:10.0.0.5/255.255.255.255"; do
    check "nameConstraints permit $p" \
        bash -c 'sed -n "/Permitted/,/Excluded/p" <<<"$1" | grep -qx " *$2"' _ "$nc" "$p"
done
check "nameConstraints exclude every IPv6 address (none was given)" \
    bash -c 'sed -n "/Excluded/,\$p" <<<"$1" | grep -q "IP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0"' _ "$nc"
check "the CA's subject names it local" grep -q "Subject: CN = \"fedsoar local CA (" <<<"$ca"

# The CA's private key exists nowhere under KEYS: every private key there is
# one the layout names, and none of them belongs to ca.crt.
ca_pub=$(openssl x509 -in "$H/ca.crt" -noout -pubkey)
check "no ca.key under KEYS" test -z "$(find "$KEYS" -iname '*ca*key*' -o -iname '*ca*.pem')"
found_ca=0 scanned=0
while IFS= read -r f; do
    pub=$(openssl pkey -in "$f" -pubout 2>/dev/null) || continue
    scanned=$((scanned + 1))
    [ "$pub" = "$ca_pub" ] && found_ca=1
done < <(grep -rl "PRIVATE KEY" "$KEYS")
check "the scan read every PEM private key ($scanned: broker.sign, admin.sign, broker.key)" \
    test "$scanned" -eq 3
check "no private key under KEYS matches the CA's public key" test "$found_ca" = 0
check "broker.key is the server certificate's key" \
    test "$(openssl pkey -in "$H/broker.key" -pubout)" = "$(openssl x509 -in "$H/broker.crt" -noout -pubkey)"

# Bad --http-names: a usage error naming the item, before anything is written.
bad_names() { # EXPECTED_TEXT NAMES
    local err rc=0
    err=$("$BIN/fedsoarctl" keys init "$WORK/bad" --http-names "$2" 2>&1 >/dev/null) || rc=$?
    [ $rc -eq 2 ] && grep -qF -- "$1" <<<"$err" && [ ! -e "$WORK/bad" ]
}
check "an empty item is refused" bad_names 'item 2 (""): empty' "a.example,,b.example"
check "a bad IPv4 address is refused" bad_names '"10.0.0.300"' "localhost,10.0.0.300"
check "a bad IPv6 address is refused" bad_names '"1::2::3"' "1::2::3"
check "a name with a space is refused" bad_names '"my host"' "my host"
check "a wildcard is refused" bad_names '"*.example"' "*.example"
check "an underscore is refused" bad_names '"a_b.example"' "localhost,a_b.example"

# A second keys init: without --http-names it keeps what is there and says
# so; with --http-names it re-issues and keeps the old files as *.old.
key_sum=$(sha256sum <"$H/broker.key")
out=$("$BIN/fedsoarctl" keys init "$KEYS")
check "keys init again keeps broker.key" test "$(sha256sum <"$H/broker.key")" = "$key_sum"
check "... and says it kept it" grep -q "https: kept the existing" <<<"$out"
out=$("$BIN/fedsoarctl" keys init "$KEYS" --http-names "localhost,127.0.0.1")
check "keys init --http-names re-issues broker.key" test "$(sha256sum <"$H/broker.key")" != "$key_sum"
check "... keeps the previous one as broker.key.old" test "$(sha256sum <"$H/broker.key.old")" = "$key_sum"
check "... says so" grep -q "re-issued $H/broker.crt for localhost,127.0.0.1" <<<"$out"
check "... broker.key.old is still 0600" test "$(stat -c %a "$H/broker.key.old")" = 600
check "the re-issued certificate verifies against the new ca.crt" \
    openssl verify -CAfile "$H/ca.crt" -verify_ip 127.0.0.1 "$H/broker.crt"
check "... and not against the old one" \
    bash -c '! openssl verify -CAfile "$1" "$2"' _ "$H/ca.crt.old" "$H/broker.crt"

# The broker serving it (the HTTPS server: broker/http_server.c).
if "$BIN/fedsoar-broker" --help | grep -q -- "--http "; then
    HTTP_PORT=$(free_port)
    start_broker --http "127.0.0.1:$HTTP_PORT"
    url="https://localhost:$HTTP_PORT/api/v1/openapi.json"
    wait_for 20 "the HTTPS port" curl -sS -o /dev/null --cacert "$H/ca.crt" "$url"
    check "curl --cacert ca.crt fetches $url" curl -fsS -o /dev/null --cacert "$H/ca.crt" "$url"
    rc=0
    curl -sS -o /dev/null "$url" 2>"$WORK/curl.err" || rc=$?
    check "curl without --cacert refuses the certificate (exit $rc)" test "$rc" = 60
else
    echo "# skipped the curl checks: this fedsoar-broker has no --http yet"
fi
# --- plain HTTP only on loopback, with a warning at every start (issue 13.1) ----------------------
stop_broker() { kill "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null || true; }
[ -n "${BROKER_PID:-}" ] && stop_broker
HTTP_PORT=$(free_port)
rc=0
timeout 20 "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" \
    --control "$CTL_EP" --http "0.0.0.0:$HTTP_PORT" --http-insecure >"$WORK/insecure.log" 2>&1 || rc=$?
check "--http-insecure on 0.0.0.0 is refused at start (exit $rc, 2 wanted)" [ "$rc" = 2 ]
check "...saying plain HTTP is allowed only on a loopback address, naming it" \
    grep -q "allowed only on a loopback address, not 0.0.0.0:$HTTP_PORT" "$WORK/insecure.log"
check "...and nothing listens on $HTTP_PORT" bash -c '! curl -s -o /dev/null "http://127.0.0.1:$1/api/v1/openapi.json"' _ "$HTTP_PORT"
warned() { grep -c 'event=http_insecure' "$WORK/broker.log" || true; }
for n in 1 2; do
    start_broker --http "127.0.0.1:$HTTP_PORT" --http-insecure
    wait_for 20 "plain HTTP on 127.0.0.1:$HTTP_PORT (start $n)" curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/openapi.json"
    check "start $n with --http-insecure on 127.0.0.1: plain HTTP answers" \
        curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/openapi.json"
    check "start $n: the warning is logged again (event=http_insecure, $n in the log)" [ "$(warned)" = "$n" ]
    check "start $n: the warning says tokens cross in clear, loopback only" \
        bash -c 'grep "event=http_insecure" "$1" | tail -n 1 | grep -q "cross in clear.*Loopback experiments only"' _ "$WORK/broker.log"
    stop_broker
done

# --- configured certificate files replace the generated one ---------------------------------------
C="$WORK/own"
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=configured.test/O=Own CA" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$C/own.key" -out "$C/own.crt" 2>/dev/null
chmod 600 "$C/own.key"
echo "{\"http\": {\"cert_file\": \"$C/own.crt\", \"key_file\": \"$C/own.key\"}}" >"$WORK/own.json"
HTTP_PORT=$(free_port)
start_broker --config "$WORK/own.json" --http "127.0.0.1:$HTTP_PORT"
url="https://localhost:$HTTP_PORT/api/v1/openapi.json"
wait_for 20 "HTTPS with the configured certificate" curl -s -o /dev/null --cacert "$C/own.crt" "$url"
check "curl trusting only the configured certificate fetches $url" curl -fsS -o /dev/null --cacert "$C/own.crt" "$url"
curl -s -o /dev/null --cacert "$C/own.crt" -v "$url" 2>"$WORK/own.curl" || true
check "curl sees the configured subject (CN=configured.test, O=Own CA)" \
    grep -Eq "subject: .*CN ?= ?configured\.test" "$WORK/own.curl"
served=$(openssl s_client -connect "127.0.0.1:$HTTP_PORT" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
check "the served certificate's SHA-256 fingerprint is the configured one ($served)" \
    [ -n "$served" -a "$served" = "$(openssl x509 -in "$C/own.crt" -noout -fingerprint -sha256 | cut -d= -f2)" ]
rc=0
curl -sS -o /dev/null --cacert "$H/ca.crt" "$url" 2>/dev/null || rc=$?
check "the generated CA no longer vouches for the broker (curl exit $rc)" test "$rc" = 60
stop_broker
# A configured key that is not the certificate's: the broker refuses to start, naming the problem.
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$C/other.key" 2>/dev/null
echo "{\"http\": {\"cert_file\": \"$C/own.crt\", \"key_file\": \"$C/other.key\"}}" >"$WORK/mismatch.json"
rc=0
timeout 20 "$BIN/fedsoar-broker" --state-dir "$WORK/broker" --keys "$KEYS" --listen "$SITE_EP" \
    --control "$CTL_EP" --config "$WORK/mismatch.json" --http "127.0.0.1:$(free_port)" >"$WORK/mismatch.log" 2>&1 || rc=$?
check "a key that is not the configured certificate's: refused at start (exit $rc, 2 wanted)" [ "$rc" = 2 ]
check "...saying the certificate and key do not match" grep -q "certificate and key do not match" "$WORK/mismatch.log"
finish
