# Faults a production SOC meets (issue 18, label nemesis): storage first.
# They mount small tmpfs filesystems (root; 77 = skipped otherwise).
foreach(t broker_disk_full broker_map_full adapter_disk_full backup standby_resend failover fencing
          refused_hello)
  fedsoar_script_test(nemesis_${t} nemesis nemesis/${t}.sh 300)
  set_tests_properties(nemesis_${t} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
# The nemesis suite (nemesis.sh): faults at random while sites stream and
# playbooks run, then the checker. The short run here (NEMESIS_SECONDS 60,
# about 100 s); `make soak` runs it for 1800 s. Not serial: what it fills
# (its own tmpfs mounts), pauses (its own daemons), cuts and delays (veth
# pairs between its own network namespaces) and whose clock it moves
# (libfaketime, per process) are its alone, and its waits for recovery are
# of minutes. Run alone, it held one of ctest's two slots idle for 100 s.
fedsoar_script_test(nemesis_run nemesis nemesis/nemesis.sh 600)
set_tests_properties(nemesis_run PROPERTIES SKIP_RETURN_CODE 77)
