# Faults a production SOC meets (issue 18, label nemesis): storage first.
# They mount small tmpfs filesystems (root; 77 = skipped otherwise).
foreach(t broker_disk_full broker_map_full adapter_disk_full backup standby_resend failover fencing)
  fedsoar_script_test(nemesis_${t} nemesis nemesis/${t}.sh 300)
  set_tests_properties(nemesis_${t} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
