# Issue 13: the HTTPS API, sign-in, the webhook source (label http). Each
# script starts real processes and talks to them with curl over TLS.
fedsoar_script_test(http_certs http http/certs.sh 120)
fedsoar_script_test(webhook_source http http/webhook_source.sh 180)
# Concurrent senders with a jq-using mapping (tenable.vuln_export): each event keeps its own record's
# jq-computed ids, read back from the outbox (normalize runs jq rules under one lock, libjq 1.6).
fedsoar_script_test(webhook_concurrent_jq http http/webhook_concurrent_jq.sh 180)
# 202 only after the outbox commit: kill -9 of the adapter right after a 202, six times, with a
# second sender's batch in flight; every record answered 202 is in the broker's events once.
fedsoar_script_test(webhook_kill9 http http/webhook_kill9.sh 240)
set_tests_properties(webhook_kill9 PROPERTIES LABELS "http;crash")
# The HTTPS API from outside (docs/api.md): every route and role, then the
# negative cases. api_routes saves every answer for the OpenAPI conformance
# check (CTest fixture http_responses: running the check alone runs it first).
fedsoar_script_test(http_api_routes http http/api_routes.sh 300)
set_property(TEST http_api_routes APPEND PROPERTY ENVIRONMENT
             "API_SAVE_DIR=${CMAKE_BINARY_DIR}/tests/http-responses")
set_tests_properties(http_api_routes PROPERTIES FIXTURES_SETUP http_responses)
fedsoar_script_test(http_api_negative http http/api_negative.sh 300)
fedsoar_script_test(http_openapi_conformance http http/openapi_conformance.sh 120)
set_property(TEST http_openapi_conformance APPEND PROPERTY ENVIRONMENT
             "API_SAVE_DIR=${CMAKE_BINARY_DIR}/tests/http-responses")
set_tests_properties(http_openapi_conformance PROPERTIES FIXTURES_REQUIRED http_responses)
# GET /api/v1/audit/entries streamed: 8,000 entries (bench/casefill) in one chunked answer, every
# seq once and in order; the paged form (limit) followed to the end gives the same.
fedsoar_script_test(http_audit_stream http http/audit_stream.sh 180)
# valgrind cannot run ASan binaries; the sanitizer build checks leaks itself.
if(NOT FEDSOAR_SANITIZE)
  fedsoar_script_test(http_valgrind http http/valgrind_http.sh 300)
  set_tests_properties(http_valgrind PROPERTIES SKIP_RETURN_CODE 77)
endif()
fedsoar_script_test(resource_commands http http/resource_commands.sh 180)
# The sign-in rules white-box (broker/http_auth.c): tokens, links, CSRF, idle timeout, activity writes.
fedsoar_unit_test(test_http_auth fedsoar_broker)
target_include_directories(test_http_auth PRIVATE ${PROJECT_SOURCE_DIR}/broker/private)
set_tests_properties(test_http_auth PROPERTIES LABELS "unit;http")
fedsoar_script_test(triggers_doc http http/triggers_doc.sh 120)
# The case commands under GET/PATCH /cases (case.list filters and cursor, notes,
# metrics from the aggregates) through fedsoarctl; the store is filled by bench/casefill.
fedsoar_script_test(case_commands http http/case_commands.sh 120)
# The same over HTTPS: the filters text, observable, assignee, and next_cursor through every page.
fedsoar_script_test(case_list_http http http/case_list_http.sh 120)
# Sign-in without new secrets to steal (issue 13.3): tokens, one-time links, sessions, CSRF
fedsoar_script_test(web_signin_cli http http/web_signin_cli.sh 180)
# GET /api/v1/stream (SSE: live, resume, visibility, revocation) and GET /metrics (strict parser).
fedsoar_script_test(http_stream_metrics http http/stream_metrics.sh 180)
# The web console's static files (broker/http_static.c): types, CSP, ETag/304, only the manifest reachable.
fedsoar_script_test(console_static http http/console_static.sh 120)
# console/src/signing.js under Node's WebCrypto: the CLI's approval payload and signature, accepted over HTTPS.
fedsoar_script_test(console_signing http http/console_signing.sh 120)
