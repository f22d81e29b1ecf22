#!/usr/bin/env bash
# The smtp-email responder (issue 14 clause 6) against a real SMTP relay on
# loopback (tests/standins/smtp_standin.py: Debian's aiosmtpd, STARTTLS with a
# certificate made here, AUTH PLAIN and LOGIN), driven by a real broker serving
# HTTPS and running a playbook with an approval gate:
#   - the message that asks for the approval reaches the relay over TLS,
#     authenticated, once, with From/To/Subject and the https:// console link
#     to the approval page in its body; the password is in no log;
#   - fetching that link (GET, as a mail scanner does) leaves the gate pending;
#   - a 451 to MAIL FROM is retried; a 550 for one recipient names it in the
#     result while the others get the message;
#   - a bad recipient address is refused with its JSON path, nothing is sent;
#   - plain SMTP to a non-loopback host, an inline password, and a relay
#     without STARTTLS are refused.
source "$(dirname "$0")/../integration/lib.sh"
require_tool openssl curl
PY=/usr/bin/python3 # Debian's: python3-aiosmtpd (a PATH python may lack it)
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "missing Debian package python3-aiosmtpd (deploy/bootstrap installs it)"; exit 1; }
STANDIN="$SRC/tests/standins/smtp_standin.py"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/relay.key" -out "$WORK/relay.crt" -days 2 \
    -subj "/CN=relay.test" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
PASSWORD="pw-$RANDOM$RANDOM-Secr3t"
printf '%s\n' "$PASSWORD" >"$WORK/relay.pw"
B64=$(printf '\0relayuser\0%s' "$PASSWORD" | base64 -w0) # AUTH PLAIN's line
B64P=$(printf '%s' "$PASSWORD" | base64 -w0)              # AUTH LOGIN's line

SPORT=$(free_port)
"$PY" "$STANDIN" --port "$SPORT" --dir "$WORK/mail" --cert "$WORK/relay.crt" --key "$WORK/relay.key" \
    --user relayuser --password-file "$WORK/relay.pw" --reject-domain nowhere.example \
    --tempfail-mail 1 >>"$WORK/relay.slog" 2>&1 &
PIDS+=("$!")
TPORT=$(free_port) # a relay with TLS from the start (smtps://)
"$PY" "$STANDIN" --port "$TPORT" --dir "$WORK/smtpsmail" --smtps --cert "$WORK/relay.crt" --key "$WORK/relay.key" \
    --user relayuser --password-file "$WORK/relay.pw" --drop-data 1 --tempfail-data 1 >>"$WORK/smtpsrelay.slog" 2>&1 &
PIDS+=("$!")
PPORT=$(free_port) # a relay that offers no STARTTLS
"$PY" "$STANDIN" --port "$PPORT" --dir "$WORK/plainmail" --plain >>"$WORK/plainrelay.slog" 2>&1 &
PIDS+=("$!")
wait_for 20 "the relays listen" bash -c "grep -q listening '$WORK/relay.slog' && grep -q listening '$WORK/plainrelay.slog' && grep -q listening '$WORK/smtpsrelay.slog'"

cat >"$WORK/alpha.json" <<JSON
{"connectors": [
  {"name": "mail", "kind": "responder", "type": "smtp-email", "url": "smtp://127.0.0.1:$SPORT",
   "from": "fedsoar@soc.example", "from_name": "fedsoar SOC", "username": "relayuser",
   "password_file": "$WORK/relay.pw", "ca_file": "$WORK/relay.crt", "max_retries": 2},
  {"name": "mail-login", "kind": "responder", "type": "smtp-email", "url": "smtp://127.0.0.1:$SPORT",
   "from": "fedsoar@soc.example", "username": "relayuser", "password_env": "RELAY_PASSWORD",
   "auth_mechanism": "LOGIN", "ca_file": "$WORK/relay.crt", "to": "soc@soc.example",
   "subject": "fedsoar notification"},
  {"name": "mail-no-tls", "kind": "responder", "type": "smtp-email", "url": "smtp://127.0.0.1:$PPORT",
   "from": "fedsoar@soc.example", "max_retries": 0}
]}
JSON
mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/approve.json" <<'JSON'
{
  "name": "approve-by-email",
  "title": "Ask for an approval by email",
  "description": "Connector test: the approval request goes by email with its console link.",
  "trigger": {"class_uid": [2004], "filter": ".source == \"splunk.notable\""},
  "steps": [
    {"id": "bad", "type": "action", "responder": "mail", "site": "alpha", "on_error": "continue",
     "input": {"to": ["soc-lead@soc.example", "x@soc.example\r\nBcc: all@soc.example"], "subject": "never", "text": "never sent"}},
    {"id": "no-tls", "type": "action", "responder": "mail-no-tls", "site": "alpha", "on_error": "continue",
     "input": {"to": "soc-lead@soc.example", "subject": "never", "text": "never sent in clear"}},
    {"id": "ask", "type": "action", "responder": "mail", "site": "alpha",
     "input": {"to": ["soc-lead@soc.example", "nobody@nowhere.example"],
               "subject": "Approval needed — case {{ .case.id }}: contain the host",
               "text": "Contain the host of case {{ .case.id }}? Évaluez et décidez dans la console.",
               "approval_url": "{{ .console.url + \"/#/approvals/run/\" + (.run.id | tostring) + \"/gate\" }}"}},
    {"id": "gate", "type": "approval", "role": "approver", "quorum": 1, "timeout": "1h", "reason": "email test"},
    {"id": "after", "type": "action", "responder": "mail-login", "site": "alpha",
     "input": {"text": "Approved and done."}}
  ]
}
JSON
"$BIN/fedsoarctl" keys init "$KEYS" --sites alpha --operators admin,alice:approver >/dev/null

# --- refused at config load ------------------------------------------------------
load() { # load CONFIG: the adapter's exit status and output (it must not start)
    set +e
    out=$(timeout 20 "$BIN/fedsoar-adapter" --site alpha --state-dir "$WORK/refused" --keys "$KEYS" --config "$1" 2>&1)
    rc=$?
    set -e
}
jq '.connectors = [.connectors[2] | .url = "smtp://192.0.2.25:25" | .insecure_plain = true]' "$WORK/alpha.json" >"$WORK/plain.json"
load "$WORK/plain.json"
check "plain SMTP to a non-loopback host is refused at config load (exit 2)" [ "$rc" = 2 ]
check "the refusal says why and names the host ($out)" grep -q 'insecure_plain: plain SMTP (no TLS) is allowed to a loopback host only, not to 192.0.2.25' <<<"$out"
jq '.connectors = [.connectors[0] | .password = "INLINE-PW-4242" | del(.password_file)]' "$WORK/alpha.json" >"$WORK/inline.json"
load "$WORK/inline.json"
check "an inline password is refused (exit 2), not echoed" bash -c "[ $rc = 2 ] && grep -q 'password_file or an environment variable' <<<'$out' && ! grep -q INLINE-PW-4242 <<<'$out'"
jq '.connectors = [.connectors[0] | .to = "Boss <boss@soc.example>"]' "$WORK/alpha.json" >"$WORK/badto.json"
load "$WORK/badto.json"
check "a bad default recipient is refused at config load with its key" bash -c "[ $rc = 2 ] && grep -q 'to: \"Boss <boss@soc.example>\" is not an email address' <<<'$out'"

# --- refused in the input, before anything is sent (the responder run as the adapter runs it)
DRIVER="$BIN/../tests/intel_driver"
jq '.connectors[0] | del(.kind)' "$WORK/alpha.json" >"$WORK/mail.json"
printf '%s\n' '{"to": "ok@soc.example", "subject": "Hello\r\nBcc: all@soc.example", "text": "t"}' >"$WORK/in-subject.json"
printf '%s\n' '{"to": "Boss <boss@soc.example>", "subject": "s", "text": "t"}' >"$WORK/in-name.json"
printf '%s\n' '{"to": ["ok@soc.example", "a@b.example,c@d.example"], "subject": "s", "text": "t"}' >"$WORK/in-list.json"
printf '%s\n' '{"to": "ok@soc.example", "subject": "s", "text": "t", "approval_url": "javascript:alert(1)"}' >"$WORK/in-link.json"
printf '%s\n' '{"subject": "s", "text": "t"}' >"$WORK/in-noto.json"
"$DRIVER" smtp-email "$WORK/mail.json" "$WORK"/in-{subject,name,list,link,noto}.json >"$WORK/driver.out" 2>>"$WORK/driver.log"
check "a subject with a line break is refused (no header can be added)" \
    jq -se '.[0].error == "input.subject: contains a line break or NUL (a header is one line)"' "$WORK/driver.out"
check "an address with a name is refused, with its JSON path and why" \
    jq -se '.[1].error | startswith("input.to: \"Boss <boss@soc.example>\" is not an email address: a character")' "$WORK/driver.out"
check "two addresses in one string are refused at input.to[1]" \
    jq -se '.[2].error | startswith("input.to[1]: \"a@b.example,c@d.example\" is not an email address: more than one @")' "$WORK/driver.out"
check "an approval link that is not https:// is refused" jq -se '.[3].error | startswith("input.approval_url: expected an https:// link")' "$WORK/driver.out"
check "no recipient (none in the config either) is refused" jq -se '.[4].error | startswith("input.to: required")' "$WORK/driver.out"
check "none of them reached the relay" [ -z "$(ls "$WORK/mail" 2>/dev/null)" ]

printf '%s\n' '{"to": "soc-lead@soc.example", "subject": "over smtps", "text": "TLS from the start\n.\n..two dots\nend"}' >"$WORK/in-ok.json"
jq --arg u "smtps://127.0.0.1:$TPORT" '.url = $u' "$WORK/mail.json" >"$WORK/smtps.json"
# sending is not idempotent: once the relay took DATA, nothing is sent again
"$DRIVER" smtp-email "$WORK/smtps.json" "$WORK/in-ok.json" >"$WORK/smtps-drop.out" 2>>"$WORK/driver.log"
check "a connection lost after the message was sent: 'may have been delivered', not sent again" \
    bash -c "jq -e '.status == \"error\" and (.error | test(\"may have been delivered, so it is not sent again\"))' '$WORK/smtps-drop.out' && [ \"\$(cat '$WORK/smtpsmail/data_count')\" = 1 ]"
"$DRIVER" smtp-email "$WORK/smtps.json" "$WORK/in-ok.json" >"$WORK/smtps-451.out" 2>>"$WORK/driver.log"
check "a 451 to the end of the message fails the job, not sent again" \
    bash -c "jq -e '.status == \"error\" and (.error | test(\"answered 451 .* not sent again\"))' '$WORK/smtps-451.out' && [ \"\$(cat '$WORK/smtpsmail/data_count')\" = 2 ] && ! ls '$WORK/smtpsmail'/*.eml 2>/dev/null"
"$DRIVER" smtp-email "$WORK/smtps.json" "$WORK/in-ok.json" >"$WORK/smtps.out" 2>>"$WORK/driver.log"
check "smtps:// (TLS from the start) delivers, authenticated" \
    bash -c "jq -e '.status == \"ok\" and .result.to == [\"soc-lead@soc.example\"]' '$WORK/smtps.out' && jq -e '.tls and .authenticated and .rcpt_tos == [\"soc-lead@soc.example\"]' '$WORK/smtpsmail/001.json'"
check "a line of one dot does not end the message early (dot-stuffing), and comes back as sent" \
    "$PY" -c 'import email, email.policy, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default); sys.exit(m.get_content() != "TLS from the start\n.\n..two dots\nend\n")' "$WORK/smtpsmail/001.eml"
jq 'del(.ca_file)' "$WORK/mail.json" >"$WORK/untrusted.json"
"$DRIVER" smtp-email "$WORK/untrusted.json" "$WORK/in-ok.json" >"$WORK/untrusted.out" 2>>"$WORK/driver.log"
check "a relay certificate no trusted CA signed is refused (nothing sent, not retried)" \
    bash -c "jq -e '.status == \"error\" and (.error | test(\"certificate\"; \"i\"))' '$WORK/untrusted.out' && [ -z \"\$(ls '$WORK/mail')\" ]"
jq -n --arg u "smtp://127.0.0.1:$PPORT" '{name: "local-mta", url: $u, from: "fedsoar@soc.example", insecure_plain: true}' >"$WORK/loopback.json"
"$DRIVER" smtp-email "$WORK/loopback.json" "$WORK/in-ok.json" >"$WORK/loopback.out" 2>>"$WORK/driver.log"
check "insecure_plain to a loopback relay (a local MTA) sends without TLS" \
    bash -c "jq -e '.status == \"ok\"' '$WORK/loopback.out' && jq -e '.tls == false and .rcpt_tos == [\"soc-lead@soc.example\"]' '$WORK/plainmail/001.json'"
printf 'not-the-password\n' >"$WORK/wrong.pw"
jq --arg p "$WORK/wrong.pw" '.password_file = $p | .name = "wrongpw"' "$WORK/mail.json" >"$WORK/wrongpw.json"
"$DRIVER" smtp-email "$WORK/wrongpw.json" "$WORK/in-ok.json" >"$WORK/wrongpw.out" 2>>"$WORK/driver.log"
check "a refused password (535, a 5xx) fails at once, not retried" \
    bash -c "jq -e '.status == \"error\" and (.error | test(\"refused AUTH: 535\"))' '$WORK/wrongpw.out' && ! grep -q 'event=retrying connector=\"smtp-email wrongpw\"' '$WORK/driver.log' && [ -z \"\$(ls '$WORK/mail')\" ]"

# The shipped playbooks ask "chat" at hq with a text only (the console link inside it): an
# smtp-email connector named chat, with recipients and subject in its config, takes them as they are.
for pb in endpoint-compromise credential-attack; do
    check "$pb asks chat with only a text (what smtp-email with config to/subject takes)" \
        jq -e '[.. | objects | select(.type? == "action" and .responder? == "chat" and (.input.text | test("Approval needed")))] | length == 1 and (.[0].input | keys) == ["text"]' "$SRC/playbooks/library/$pb.json"
done

# --- a playbook asks for an approval by email ----------------------------------------
HTTP_PORT=$(free_port)
start_broker --playbooks "$WORK/playbooks" --http "127.0.0.1:$HTTP_PORT"
RELAY_PASSWORD="$PASSWORD" start_adapter alpha --config "$WORK/alpha.json" \
    --replay "splunk.notable:$SRC/tests/fixtures/vendors/splunk.notable/webhook_result.json"
wait_for 60 "the approval is asked for" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' approvals list --json | jq -e 'length == 1'"
wait_for 20 "the message reached the relay" test -f "$WORK/mail/001.eml"
gate=$(ctl approvals list --json | jq -r '.[0].id')
run_id=$(ctl approvals list --json | jq -r '.[0].run_id')
link="https://127.0.0.1:$HTTP_PORT/#/approvals/run/$run_id/gate"
"$PY" - "$WORK/mail/001.eml" >"$WORK/msg.json" <<'PY'
import email, email.policy, json, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(json.dumps({"raw": open(sys.argv[1], "rb").read().decode("ascii", "replace"), "from": str(m["From"]), "to": str(m["To"]), "subject": str(m["Subject"]),
                  "date": bool(m["Date"]), "message_id": str(m["Message-ID"]),
                  "type": m.get_content_type(), "charset": m.get_content_charset(),
                  "body": m.get_content()}))
PY
run=$(ctl runs show "$run_id" --json)
check "From is the configured sender with its name" jq -e '.from == "fedsoar SOC <fedsoar@soc.example>"' "$WORK/msg.json"
check "To names both recipients" jq -e '.to == "soc-lead@soc.example, nobody@nowhere.example"' "$WORK/msg.json"
check "Subject decoded (UTF-8, RFC 2047) names the case" jq -e '.subject | test("^Approval needed — case [0-9]+: contain the host$")' "$WORK/msg.json"
check "a Date, a Message-ID, text/plain in UTF-8" jq -e '.date and (.message_id | test("^<.+@soc.example>$")) and .type == "text/plain" and .charset == "utf-8"' "$WORK/msg.json"
check "the body keeps its accents" jq -e '.body | contains("Évaluez et décidez dans la console.")' "$WORK/msg.json"
check "the body carries the https console link to the approval page ($link)" jq -e --arg l "$link" '.body | split("\n") | index($l) != null' "$WORK/msg.json"
check "went over STARTTLS, authenticated with AUTH PLAIN, only to the accepted recipient" \
    jq -e '.tls and .authenticated and .auth == "PLAIN" and .rcpt_tos == ["soc-lead@soc.example"] and .mail_from == "fedsoar@soc.example"' "$WORK/mail/001.json"
check "the 451 to MAIL FROM was retried once (two attempts)" jq -e 'any(.. | objects; .message_id? and .attempts? == 2)' <<<"$run"
check "the recipient the relay refused (550) is named in the result" \
    jq -e 'any(.. | objects | select(.refused?) | .refused[]; .to == "nobody@nowhere.example" and .code == 550)' <<<"$run"
check "the bad address was refused with its JSON path" \
    bash -c "jq -r '.. | strings' <<<'$(echo "$run" | jq -c .)' | grep -q 'input.to\[1\]: \"x@soc.example??Bcc: all@soc.example\" is not an email address: a control character'"
check "a relay without STARTTLS is refused, nothing sent in clear" \
    bash -c "jq -r '.. | strings' <<<'$(echo "$run" | jq -c .)' | grep -q 'offers no STARTTLS' && [ \$(ls '$WORK/plainmail'/*.eml | wc -l) = 1 ]"
check "one message so far (the bad address sent nothing)" [ "$(ls "$WORK/mail"/*.eml | wc -l)" = 1 ]

curl -sk -o /dev/null "$link" || true
curl -sk -o /dev/null "https://127.0.0.1:$HTTP_PORT/" || true
check "fetching the link (GET, as a mail scanner does) decided nothing" \
    jq -e --argjson g "$gate" '[.[] | select(.id == $g)] | length == 1 and (.[0].votes | length) == 0' <<<"$(ctl approvals list --json)"
check "the run still waits at the gate" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs show $run_id --json | jq -e '.status != \"completed\"'"

"$BIN/fedsoarctl" --keys "$KEYS" --control "$CTL_EP" --operator alice approvals approve "$gate" >/dev/null
wait_for 60 "the run finished" bash -c "'$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs show $run_id --json | jq -e '.status == \"completed\"'"
check "after the approval, one more message, with AUTH LOGIN, to the config's recipient and subject" \
    bash -c "jq -e '.auth == \"LOGIN\" and .rcpt_tos == [\"soc@soc.example\"]' '$WORK/mail/002.json' && grep -q '^Subject: fedsoar notification' '$WORK/mail/002.eml' && [ \$(ls '$WORK/mail'/*.eml | wc -l) = 2 ]"
check "the password (and its AUTH encodings) is in no adapter or broker log, nor in the run record" \
    bash -c "! grep -F -e '$PASSWORD' -e '$B64' -e '$B64P' '$WORK/alpha.log' '$WORK/broker.log' '$WORK/driver.log' && ! '$BIN/fedsoarctl' --keys '$KEYS' --control '$CTL_EP' runs show $run_id --json | grep -qF -e '$PASSWORD' -e '$B64'"
finish
