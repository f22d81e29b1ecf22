# One line per black-box test: fedsoar_script_test(NAME LABEL SCRIPT [TIMEOUT])
fedsoar_script_test(thin_path integration integration/thin_path.sh 120)
fedsoar_script_test(cli_contract integration integration/cli_contract.sh 120)
fedsoar_script_test(wire_negative integration integration/wire_negative.sh 120)
# valgrind cannot run ASan binaries; the sanitizer build checks leaks itself.
if(NOT FEDSOAR_SANITIZE)
  fedsoar_script_test(valgrind_shutdown integration integration/valgrind_shutdown.sh 300)
  set_tests_properties(valgrind_shutdown PROPERTIES SKIP_RETURN_CODE 77)
endif()
# SLPF on nftables in network namespaces (root + ip netns; 77 = skipped).
add_executable(slpf_driver ${CMAKE_CURRENT_SOURCE_DIR}/netns/slpf_driver.c)
target_link_libraries(slpf_driver PRIVATE fedsoar_adapters)
set_target_properties(slpf_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
fedsoar_script_test(slpf_netns netns netns/slpf_netns.sh 180)
set_tests_properties(slpf_netns PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
fedsoar_script_test(outbox_full integration integration/outbox_full.sh 120)
# A field that does not convert costs no record; the warnings reach stats and /metrics.
fedsoar_script_test(normalize_warnings integration integration/normalize_warnings.sh 120)
fedsoar_script_test(shipped_playbooks integration integration/shipped_playbooks.sh 300)
# The shipped trigger filters that test() one joined string match what their per-string forms matched (issue 19).
fedsoar_script_test(trigger_filter_agreement integration integration/trigger_filter_agreement.sh 180)
# Answers waiting together are stored in one transaction; a bad one costs the others nothing (issue 19).
fedsoar_script_test(answer_groups integration integration/answer_groups.sh 120)
include(connectors/tests.cmake)
# Vendor connectors against the stand-in vendor server (tests/standins/).
fedsoar_script_test(connector_sources connectors connectors/sources.sh 180)
fedsoar_script_test(connector_actions connectors connectors/actions.sh 120)
fedsoar_script_test(connector_file_tail connectors connectors/file_tail.sh 120)
fedsoar_script_test(connector_syslog connectors connectors/syslog.sh 120)
fedsoar_script_test(connector_splunk_webhook connectors connectors/splunk_webhook.sh 120)
fedsoar_script_test(connector_panos connectors connectors/panos.sh 120)
fedsoar_script_test(connector_notify connectors connectors/notify.sh 120)
fedsoar_script_test(routing integration integration/routing.sh 120)
# Issue #7: audit chain, playbook governance, roles (docs/governance.md).
fedsoar_script_test(audit_tamper integration integration/audit_tamper.sh 120)
fedsoar_script_test(governance integration integration/governance.sh 180)
fedsoar_script_test(roles integration integration/roles.sh 180)
fedsoar_script_test(connector_context connectors connectors/context.sh 180)
# Issue 14: the BPMN export, checked against the OMG BPMN 2.0 XSDs (docs/playbooks.md).
fedsoar_script_test(bpmn_export integration integration/bpmn_export.sh 120)
# Issue 19.1: per-actuator rate limit (config, query features, pacing).
fedsoar_script_test(site_limits integration integration/site_limits.sh 120)
fedsoar_script_test(audit_sign_reload integration integration/audit_sign_reload.sh 120)
