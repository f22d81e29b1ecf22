# Issue 13: the HTTPS API, sign-in, the webhook source (label http). Each
# script starts real processes and talks to them with curl over TLS.
fedsoar_script_test(http_certs http http/certs.sh 120)
