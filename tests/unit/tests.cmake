# One line per unit test: fedsoar_unit_test(test_NAME libraries...)
fedsoar_unit_test(test_common fedsoar_common)
fedsoar_unit_test(test_openc2 fedsoar_federation)
fedsoar_unit_test(test_openc2_conformance fedsoar_federation)
fedsoar_unit_test(test_normalize fedsoar_normalize)
fedsoar_unit_test(test_playbooks fedsoar_playbooks)
fedsoar_unit_test(test_store fedsoar_casestore)
fedsoar_unit_test(test_slpf_nft fedsoar_adapters)
# White-box: the nftables rule builder through its private header (nft_rules.h).
target_include_directories(test_slpf_nft PRIVATE ${PROJECT_SOURCE_DIR}/adapters/private)
fedsoar_unit_test(test_normalize_shared fedsoar_normalize)
fedsoar_unit_test(test_normalize_email fedsoar_normalize)
fedsoar_unit_test(test_normalize_dump fedsoar_normalize)
fedsoar_unit_test(test_routing fedsoar_federation)
fedsoar_unit_test(test_governance fedsoar_playbooks)
fedsoar_unit_test(test_audit fedsoar_casestore fedsoar_federation)
fedsoar_unit_test(test_config_schema fedsoar_common)
fedsoar_unit_test(test_normalize_stream fedsoar_normalize)
fedsoar_unit_test(test_json_pick fedsoar_common)
# fs_json_write against json_dumps, byte for byte (the audit chain hashes its text).
fedsoar_unit_test(test_json_write fedsoar_common)
fedsoar_unit_test(test_outbox fedsoar_adapters)
# An ACK that cannot be written, injected by wrapping LMDB's calls, never
# fails the commands' batch it rides with (issue 19).
fedsoar_unit_test(test_outbox_ack_fault fedsoar_adapters)
# The command journal's log (issue 19.2), white-box through its private header.
fedsoar_unit_test(test_journal_log fedsoar_adapters)
target_include_directories(test_journal_log PRIVATE ${PROJECT_SOURCE_DIR}/adapters/private)
target_link_options(test_outbox_ack_fault PRIVATE -Wl,--wrap=mdb_put,--wrap=mdb_txn_commit,--wrap=mdb_txn_abort,--wrap=mdb_del)
fedsoar_unit_test(test_correlation fedsoar_casestore)
fedsoar_unit_test(test_playbook_diff fedsoar_playbooks)
fedsoar_unit_test(test_case_aggregates fedsoar_casestore)
# The normalizer from four threads at once == one thread (normalize.h "Threads").
fedsoar_unit_test(test_normalize_threads fedsoar_normalize)
# Fixtures with their expected OCSF output field by field; qualified users (issue 17).
fedsoar_unit_test(test_normalize_expected fedsoar_normalize)
fedsoar_unit_test(test_webauthn fedsoar_governance)
# The BPMN export of every shipped and synthetic playbook (playbook_bpmn.h).
fedsoar_unit_test(test_playbook_bpmn fedsoar_playbooks)
# CACAO v2.0 import and export (playbook_cacao.h); the schemas and SOARCA examples: tests/reconfig/.
fedsoar_unit_test(test_cacao fedsoar_playbooks)
# The Active Directory / LDAP connectors' conversions (issue 17.1): RFC 4515 escaping, AD times,
# the user summary; white-box through adapters/private/ldap_directory.h.
fedsoar_unit_test(test_ldap fedsoar_adapters)
target_include_directories(test_ldap PRIVATE ${PROJECT_SOURCE_DIR}/adapters/private)
# The adapter's worker pool (issue 19.1), white-box through its private header.
fedsoar_unit_test(test_worker_pool fedsoar_adapters)
target_include_directories(test_worker_pool PRIVATE ${PROJECT_SOURCE_DIR}/adapters/private)
# The direct jansson <-> jv conversion of common/jq_program.c == the JSON text round trip (issue 19).
fedsoar_unit_test(test_jq_program fedsoar_common)
# Compiles every shipped jq program alone and in its group, thousands of
# libjq compiles (~15 ms each in release): 40 s here, 80 s alone under
# ASan, past 120 s with the rest of the ASan suite beside it (CI 2026-12-07).
set_tests_properties(test_jq_program PROPERTIES TIMEOUT 300)
# libjq's regexes compiled once per process (common/jq_regex_cache.c).
fedsoar_unit_test(test_jq_regex_cache fedsoar_common)
fedsoar_unit_test(test_case_noop_update fedsoar_casestore)
# Case rows written at commit (casestore/cases.c): the cases table's puts
# counted by wrapping the LMDB helper's put.
fedsoar_unit_test(test_case_pending fedsoar_casestore)
target_link_options(test_case_pending PRIVATE -Wl,--wrap=fs_lmdb_put)
# fs_sha256_hex with SHA-256 fetched once per process (common/hash.c): vectors, lengths, threads.
fedsoar_unit_test(test_sha256_hash fedsoar_common)
# The broker's checkpoint key held in memory and reloaded (keys_signer_*, casestore_set_signer).
fedsoar_unit_test(test_audit_signer fedsoar_casestore fedsoar_federation)
# Which playbook programs are given one field of the run context, not all
# of it (issue 19), white-box through playbooks/private/template.h.
fedsoar_unit_test(test_template_reads fedsoar_playbooks)
target_include_directories(test_template_reads PRIVATE ${PROJECT_SOURCE_DIR}/playbooks/private)
