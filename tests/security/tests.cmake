# Issue 11: security tests (each check names its clause, "§11.N: ...").
fedsoar_script_test(forged_identity security security/forged_identity.sh 180)
