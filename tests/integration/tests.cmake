# One line per black-box test: fedsoar_script_test(NAME LABEL SCRIPT [TIMEOUT])
fedsoar_script_test(thin_path integration integration/thin_path.sh 120)
fedsoar_script_test(cli_contract integration integration/cli_contract.sh 120)
fedsoar_script_test(wire_negative integration integration/wire_negative.sh 120)
