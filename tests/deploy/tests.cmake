# Deployment (label deploy, issue 12 clause 6): `cmake --install` into a
# temporary prefix, the installed programs run from outside the source tree
# on the installed data; the systemd units parsed, checked and verified;
# the console built twice is the same bytes (issue 14 clause 5).
foreach(t install units console_reproducible)
  add_test(NAME deploy_${t} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/deploy/${t}.sh)
  set_tests_properties(deploy_${t} PROPERTIES LABELS deploy TIMEOUT 120 ENVIRONMENT
    "${FEDSOAR_TEST_ENV};FEDSOAR_BUILD_DIR=${CMAKE_BINARY_DIR};CMAKE_COMMAND=${CMAKE_COMMAND}")
endforeach()
# Issue 14 clause 8: deploy/demo/run --keep on free ports (FEDSOAR_DEMO_*), signed in through its
# link, its gate approved with alice's key file over HTTPS, then --stop frees the ports.
fedsoar_script_test(demo_keep integration deploy/demo_keep.sh 360)
