# Issue 11: security tests (each check names its clause, "§11.N: ...").
fedsoar_script_test(forged_identity security security/forged_identity.sh 180)
fedsoar_script_test(config_fail_closed security security/config_fail_closed.sh 300) # §11.4 every config fails closed
fedsoar_script_test(replay_dedup security security/replay_dedup.sh 900)
fedsoar_script_test(cli_walk security security/cli_walk.sh 180) # §11.6 the CLI contract, every subcommand
fedsoar_script_test(audit_truncation security security/audit_truncation.sh 180) # §11.3 truncation, witnesses, authentication
fedsoar_script_test(site_bounds security security/site_bounds.sh 180) # §11.2 a site speaks only for itself, §11.5 once, §11.6 wrong key named
# Issue 14: passkeys (WebAuthn) — enrollment through the CLI and the public routes, signing with one
fedsoar_script_test(passkey_enroll security security/passkey_enroll.sh 180) # §14.3, ES256 and EdDSA
# §14.3/§14.7: forged, tampered and replayed proofs refused by the site itself, sent by a hostile broker
fedsoar_script_test(site_proof_hostile security security/site_proof_hostile.sh 120)
