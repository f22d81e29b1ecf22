# kill -9 tests (label crash), one per victim.
foreach(victim broker adapter both)
  add_test(NAME crash_kill9_${victim} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/crash/kill9.sh ${victim})
  set_tests_properties(crash_kill9_${victim} PROPERTIES LABELS crash ENVIRONMENT "${FEDSOAR_TEST_ENV}"
                       TIMEOUT 600)
endforeach()
add_test(NAME crash_runs_kill9 COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/crash/runs_kill9.sh)
set_tests_properties(crash_runs_kill9 PROPERTIES LABELS crash ENVIRONMENT "${FEDSOAR_TEST_ENV}" TIMEOUT 300)
# Issue 19.1: kill -9 the adapter with many commands in flight across its workers.
add_test(NAME crash_commands_kill9 COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/crash/commands_kill9.sh)
set_tests_properties(crash_commands_kill9 PROPERTIES LABELS crash ENVIRONMENT "${FEDSOAR_TEST_ENV}" TIMEOUT 600)
# Issue 19.3: kill -9 the broker with 1,000 runs in flight (bench/recovery, small): every wait's timer
# fires once after the restart (250 due at once: several batches), approvals answerable, commands redelivered.
add_test(NAME crash_recovery_kill9 COMMAND recovery 1000 2 4)
set_tests_properties(crash_recovery_kill9 PROPERTIES LABELS crash ENVIRONMENT "${FEDSOAR_TEST_ENV}" TIMEOUT 300)
# A broker killed with the site's HELLO unread: the site says HELLO again (crash_runs_kill9 once hung on it).
add_test(NAME crash_lost_hello COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/crash/lost_hello.sh)
set_tests_properties(crash_lost_hello PROPERTIES LABELS crash ENVIRONMENT "${FEDSOAR_TEST_ENV}" TIMEOUT 120)
