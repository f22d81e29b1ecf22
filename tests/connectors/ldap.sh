#!/usr/bin/env bash
# Active Directory over LDAP(S) (issue 17.1) against a real slapd that this
# test starts as a plain process on high ports (no system service), with an
# AD-like schema (tests/fixtures/ldap/ad-lite.schema), the directory of
# tests/fixtures/ldap/users.ldif and a test CA made here with openssl; a real
# broker runs a playbook through a real adapter over CURVE:
# - ldap-user-context over ldaps:// and over ldap:// + StartTLS: groups from
#   memberOf, manager, lastLogonTimestamp as a time, enabled from
#   userAccountControl, mail; by sAMAccountName, DOMAIN\name and UPN;
# - filter values escaped (RFC 4515): "a*" finds nobody (unescaped it would
#   match asmith), "a*(x)" finds exactly the user of that name;
# - ldap-disable-account sets bit 0x2 and keeps the other flags (66048 ->
#   66050), a second time says "already disabled"; ldap-force-password-reset
#   sets pwdLastSet to 0 — both read back with ldapsearch;
# - a CA that did not sign the server's certificate: refused, nothing read;
# - the bind password in no log.
source "$(dirname "$0")/../integration/lib.sh"
require_tool slapd
require_tool slapadd
require_tool slappasswd
require_tool ldapsearch
require_tool openssl
SLAPD=$(command -v slapd)
LPORT=$(free_port)
SPORT=$(free_port)
BASE="dc=beta,dc=example"
SVC="cn=fedsoar,ou=service,$BASE"
PW="ldap-pw-$RANDOM$RANDOM-Bind"
printf '%s\n' "$PW" >"$WORK/bind_pw"
chmod 600 "$WORK/bind_pw"

# The test CA, the server's certificate (localhost, this host's name, 127.0.0.1) and another CA.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fedsoar test CA" \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$WORK/server.key" \
    -out "$WORK/server.csr" 2>/dev/null
printf "subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\n" "$(hostname)" >"$WORK/san.ext" # libldap may check the canonical name
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
    -keyout "$WORK/other.key" -out "$WORK/other.pem" 2>/dev/null

mkdir -p "$WORK/ldapdb"
cat >"$WORK/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $SRC/tests/fixtures/ldap/ad-lite.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $WORK/slapd.pid
argsfile $WORK/slapd.args
TLSCACertificateFile $WORK/ca.pem
TLSCertificateFile $WORK/server.pem
TLSCertificateKeyFile $WORK/server.key
database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
directory $WORK/ldapdb
maxsize 67108864
access to attrs=userPassword by anonymous auth by * none
access to attrs=userAccountControl,pwdLastSet by dn.exact="$SVC" write by * none
access to * by dn.exact="$SVC" read by * none
CONF
{
    cat "$SRC/tests/fixtures/ldap/users.ldif"
    printf '\ndn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: fedsoar\nuserPassword: %s\n' \
        "$SVC" "$(slappasswd -s "$PW")"
} >"$WORK/users.ldif"
slapadd -f "$WORK/slapd.conf" -l "$WORK/users.ldif" >>"$WORK/slapd.log" 2>&1 || { cat "$WORK/slapd.log"; exit 1; }
"$SLAPD" -d 0 -f "$WORK/slapd.conf" -h "ldap://localhost:$LPORT/ ldaps://localhost:$SPORT/" >>"$WORK/slapd.log" 2>&1 &
PIDS+=("$!")
lsearch() { LDAPTLS_CACERT="$WORK/ca.pem" ldapsearch -LLL -x -H "ldaps://localhost:$SPORT" -D "$SVC" -y "$WORK/bind_pw.nonl" -b "$BASE" "$@"; }
printf '%s' "$PW" >"$WORK/bind_pw.nonl"
wait_for 10 "slapd answers over ldaps" lsearch "(sAMAccountName=asmith)" dn

LDAP="\"bind_dn\": \"$SVC\", \"bind_password_file\": \"$WORK/bind_pw\", \"base_dn\": \"$BASE\""
cat >"$WORK/alpha.json" <<JSON
{
  "log_level": "info",
  "connectors": [
    {"name": "ad-ctx", "kind": "analyzer", "type": "ldap-user-context", "url": "ldaps://localhost:$SPORT", "ca_file": "$WORK/ca.pem", $LDAP},
    {"name": "ad-ctx-starttls", "kind": "analyzer", "type": "ldap-user-context", "url": "ldap://localhost:$LPORT", "starttls": true, "ca_file": "$WORK/ca.pem", $LDAP},
    {"name": "ad-ctx-wrong-ca", "kind": "analyzer", "type": "ldap-user-context", "url": "ldaps://localhost:$SPORT", "ca_file": "$WORK/other.pem", $LDAP},
    {"name": "ad-disable", "kind": "responder", "type": "ldap-disable-account", "url": "ldaps://localhost:$SPORT", "ca_file": "$WORK/ca.pem", $LDAP},
    {"name": "ad-reset", "kind": "responder", "type": "ldap-force-password-reset", "url": "ldap://localhost:$LPORT", "starttls": true, "ca_file": "$WORK/ca.pem", $LDAP}
  ]
}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/ad.json" <<'JSON'
{"name": "ad-user", "title": "Active Directory context and response",
 "description": "Connector test: read a user's context over ldaps and StartTLS, then disable the account and force a password change.",
 "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
 "steps": [
   {"id": "ctx", "type": "enrich", "analyzer": "ad-ctx", "site": "alpha", "input": {"user": "asmith"}},
   {"id": "ctx_upn", "type": "enrich", "analyzer": "ad-ctx-starttls", "site": "alpha", "input": {"user": "asmith@beta.example"}},
   {"id": "star", "type": "enrich", "analyzer": "ad-ctx", "site": "alpha", "on_error": "continue", "input": {"user": "a*"}},
   {"id": "star_literal", "type": "enrich", "analyzer": "ad-ctx", "site": "alpha", "input": {"user": "a*(x)"}},
   {"id": "wrong_ca", "type": "enrich", "analyzer": "ad-ctx-wrong-ca", "site": "alpha", "on_error": "continue", "input": {"user": "asmith"}},
   {"id": "disable", "type": "action", "responder": "ad-disable", "site": "alpha", "input": {"user": "BETA\\asmith"}},
   {"id": "disable_again", "type": "action", "responder": "ad-disable", "site": "alpha", "input": {"user": "asmith"}},
   {"id": "reset", "type": "action", "responder": "ad-reset", "site": "alpha", "input": {"user": "asmith@beta.example"}},
   {"id": "ctx_after", "type": "enrich", "analyzer": "ad-ctx", "site": "alpha", "input": {"user": "asmith"}}
 ]}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin >/dev/null
start_broker --playbooks "$WORK/playbooks"
LDAPNOINIT=1 start_adapter alpha --config "$WORK/alpha.json" --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 60 "the playbook run finished" bash -c "\"$BIN/fedsoarctl\" --keys '$KEYS' --control '$CTL_EP' runs list --json 2>/dev/null | jq -e '[.. | objects | select(.status? == \"completed\" or .status? == \"failed\")] | length > 0'"
ctl runs show 1 --json >"$WORK/run.json"
# The run's nodes are numbered in step order: ctx 0, ctx_upn 1, star 2, star_literal 3,
# wrong_ca 4, disable 5, disable_again 6, reset 7, ctx_after 8.
declare -A NODE=([ctx]=0 [ctx_upn]=1 [star]=2 [star_literal]=3 [wrong_ca]=4 [disable]=5 [disable_again]=6 [reset]=7 [ctx_after]=8)
step() { jq -c --arg n "${NODE[$1]}" '.nodes[$n] | {result, results}' "$WORK/run.json"; }
out() { step "$1" | jq -r "$2"; }

check "ldaps: asmith's two groups, by name" [ "$(out ctx '[.result.groups[].name] | join("|")')" = "Finance Admins|VPN Users" ]
check "ldaps: manager Bob Jones" [ "$(out ctx '[.. | objects | .manager? // empty | .name][0]')" = "Bob Jones" ]
check "ldaps: last logon 2026-11-30T08:00:00Z (lastLogonTimestamp)" [ "$(out ctx '[.. | objects | .last_logon? // empty][0]')" = "2026-11-30T08:00:00.000Z" ]
check "ldaps: enabled (userAccountControl 66048, bit 0x2 clear), mail" \
    [ "$(out ctx '[.. | objects | select(has("enabled")) | "\(.enabled) \(.mail)"][0]')" = "true alice.smith@beta.example" ]
check "StartTLS + UPN: the same user" [ "$(out ctx_upn '[.. | objects | .sam_account_name? // empty][0]')" = asmith ]
check "\"a*\" finds nobody (escaped, not a wildcard)" grep -q 'no user a\*' <<<"$(step star)"
check "\"a*(x)\" finds exactly the user of that name" [ "$(out star_literal '[.. | objects | .dn? // empty][0]')" = "cn=Star User,ou=users,$BASE" ]
wrong_ca_refused() {
    local s
    s=$(step wrong_ca)
    grep -q "bind as $SVC to ldaps://localhost:$SPORT failed: .*certificate" <<<"$s" && ! grep -q Finance <<<"$s"
}
check "a CA that did not sign the server: refused (the error says to check the certificate), nothing read" wrong_ca_refused
check "disable: done, userAccountControl 66050" [ "$(out disable '[.. | objects | select(has("done")) | "\(.done) \(.user_account_control)"][0]')" = "disabled 66050" ]
check "disable again: already disabled, nothing written" [ "$(out disable_again '[.. | objects | .done? // empty][0]')" = "already disabled" ]
check "the directory holds userAccountControl 66050 (other flags kept)" \
    [ "$(lsearch "(sAMAccountName=asmith)" userAccountControl | sed -n 's/^userAccountControl: //p')" = 66050 ]
check "the directory holds pwdLastSet 0" [ "$(lsearch "(sAMAccountName=asmith)" pwdLastSet | sed -n 's/^pwdLastSet: //p')" = 0 ]
check "the context afterwards: disabled, password must change" \
    [ "$(out ctx_after '[.. | objects | select(has("enabled")) | "\(.enabled) \(.password_last_set)"][0]')" = "false must change" ]
check "bjones untouched" [ "$(lsearch "(sAMAccountName=bjones)" userAccountControl | sed -n 's/^userAccountControl: //p')" = 512 ]
check "the bind password in no log" bash -c "! grep -rF -e '$PW' '$WORK'/*.log"
finish
