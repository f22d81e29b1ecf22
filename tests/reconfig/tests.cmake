# Issue 16: reconfiguration with a human in the loop, Cortex jobs, CACAO v2.0
# playbooks in and out. Label reconfig.
# CACAO import/export offline: SOARCA examples, bad documents, schema-valid exports, round trip.
fedsoar_script_test(cacao_import_export reconfig reconfig/cacao.sh 300)
# CACAO signatures: an approved version's 2 governance approvals, verified over the JCS bytes.
fedsoar_script_test(cacao_signatures reconfig reconfig/cacao_signatures.sh 180)
# The C converter itself (also label unit): tests/unit/test_cacao.c.
set_tests_properties(test_cacao PROPERTIES LABELS "unit;reconfig")
# The manual actuator with Redmine (16.1, 16.2): ticket, 102, resolve, validate (200) / reject (500), kill -9 of adapter and broker.
fedsoar_script_test(manual_redmine reconfig reconfig/manual_redmine.sh 240)
# Cortex job directories through the exec analyzer (16.3): input.json, files, output.json, NAME.json definitions, errorMessage kept, secrets scrubbed.
fedsoar_script_test(cortex_exec reconfig reconfig/cortex_exec.sh 180)
# The manual actuator validated by a person (16.1): an approval on the case (role validator), approve -> 200 / deny -> 500 with the reason, kill -9 of adapter and broker while it is open.
fedsoar_script_test(manual_validator reconfig reconfig/manual_validator.sh 240)
# The manual actuator through ServiceNow and Jira (16.1): the ticket contract (create, get, close) of servicenow-incident and jira-issue.
fedsoar_script_test(manual_servicenow reconfig reconfig/manual_servicenow.sh 240)
