# One line per black-box test: fedsoar_script_test(NAME LABEL SCRIPT [TIMEOUT])
fedsoar_script_test(thin_path integration integration/thin_path.sh 120)
fedsoar_script_test(cli_contract integration integration/cli_contract.sh 120)
fedsoar_script_test(wire_negative integration integration/wire_negative.sh 120)
# valgrind cannot run ASan binaries; the sanitizer build checks leaks itself.
if(NOT FEDSOAR_SANITIZE)
  fedsoar_script_test(valgrind_shutdown integration integration/valgrind_shutdown.sh 300)
  set_tests_properties(valgrind_shutdown PROPERTIES SKIP_RETURN_CODE 77)
endif()
