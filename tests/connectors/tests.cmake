# OpenC2 over HTTPS (issue 5): a stand-in Consumer (libmicrohttpd + GnuTLS)
# and a driver that runs the openc2-https actuator as the adapter does.
# The driver finds the actuator in the adapter's plugin registry.
# Included from integration/tests.cmake.
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls)
add_executable(openc2_consumer ${CMAKE_CURRENT_SOURCE_DIR}/connectors/openc2_consumer.c)
target_link_libraries(openc2_consumer PRIVATE PkgConfig::MHD PkgConfig::GNUTLS PkgConfig::JANSSON)
add_executable(openc2_https_driver ${CMAKE_CURRENT_SOURCE_DIR}/connectors/openc2_https_driver.c)
target_link_libraries(openc2_https_driver PRIVATE fedsoar_adapters)
set_target_properties(openc2_consumer openc2_https_driver PROPERTIES
                      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
fedsoar_script_test(openc2_https connectors connectors/openc2_https.sh 120)
# The stand-in's case files (tests/fixtures/connectors/*.json): every example's
# request, reply and records, run through the engine (tests/standins/README.md).
add_test(NAME standin_cases COMMAND vendor_standin --selftest
         --cases ${CMAKE_SOURCE_DIR}/tests/fixtures/connectors
         --fixtures ${CMAKE_SOURCE_DIR}/tests/fixtures/vendors)
set_tests_properties(standin_cases PROPERTIES LABELS connectors TIMEOUT 60)
# The mappings of the triggers beyond the SIEM (issue 15.5): expected OCSF, field by field.
fedsoar_script_test(trigger_mappings connectors connectors/trigger_mappings.sh 60)
# The tenable-vulns source against the Tenable stand-in (export job, chunks, 429, restart, wrong keys).
fedsoar_script_test(connector_tenable connectors connectors/tenable.sh 180)
# Playbooks on the new classes: 5001, 5019 and a MISP indicator (class 0) each start their playbook.
fedsoar_script_test(trigger_classes connectors connectors/trigger_classes.sh 120)
# IBM QRadar (issue 17.1): qradar-offenses (Range paging, checkpoint, 429/503, restart) and qradar-close-offense.
fedsoar_script_test(connector_qradar connectors connectors/qradar.sh 180)
# Threat intelligence (issue 17.1): MISP and ThreatStream analyzers (intel_driver runs them as
# the adapter does) and sources (a real broker and adapter) against their stand-ins.
add_executable(intel_driver ${CMAKE_CURRENT_SOURCE_DIR}/connectors/intel_driver.c)
target_link_libraries(intel_driver PRIVATE fedsoar_adapters)
set_target_properties(intel_driver PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
fedsoar_script_test(connector_intel_tip connectors connectors/intel_tip.sh 240)
# Joe Sandbox: the joesandbox actuator (detonate uri) and the joesandbox-verdict analyzer (backoff, timeout, IOCs).
fedsoar_script_test(connector_intel_sandbox connectors connectors/intel_sandbox.sh 120)
# ANY.RUN: the anyrun actuator (detonate uri) and the anyrun-verdict analyzer.
fedsoar_script_test(connector_intel_anyrun connectors connectors/intel_anyrun.sh 120)
# ThreatQuotient: threatq-lookup and the threatq-indicators source (OAuth2, pages, restart, a playbook).
fedsoar_script_test(connector_intel_threatq connectors connectors/intel_threatq.sh 180)
# Active Directory over LDAP(S) (issue 17.1) against a real slapd started by the test (ldaps, StartTLS, test CA).
fedsoar_script_test(connector_ldap connectors connectors/ldap.sh 180)
# Email notifications (issue 14.6): smtp-email against an aiosmtpd relay (STARTTLS, AUTH), an approval link.
fedsoar_script_test(connector_smtp_email connectors connectors/smtp_email.sh 180)
