# Issue 15: the M&A transition (tests carry the label mna; each check names its clause, "§15.N: ...").
# Several engineers add tests here: add your lines under your own comment, keep the others'.
# §15.1 people, not strings (identity): correlation keys, the crosswalk, fedsoarctl identities
fedsoar_unit_test(test_identities fedsoar_casestore)
set_tests_properties(test_identities PROPERTIES LABELS "unit;mna")
fedsoar_script_test(identities mna mna/identities.sh 180)
