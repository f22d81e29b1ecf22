# Issue 14.7: the web console in a real browser (label browser). One CTest
# runs every spec (tests/browser/*.spec.mjs) with Playwright from
# console/node_modules driving Debian's /usr/bin/chromium, against a real
# broker (CURVE + HTTPS) and real adapters that run.sh starts. Missing
# chromium or node_modules fails the test saying how to get them
# (deploy/bootstrap). Screenshots, traces and the daemons' logs are kept in
# BUILD/tests/browser-artifacts. PROCESSORS 2: Chromium and three daemons
# take both cores, so under ctest -j2 it runs alone.
add_test(NAME browser_console COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/browser/run.sh)
set_tests_properties(browser_console PROPERTIES
  LABELS browser TIMEOUT 1200 PROCESSORS 2
  ENVIRONMENT "${FEDSOAR_TEST_ENV};FEDSOAR_BROWSER_OUT=${CMAKE_BINARY_DIR}/tests/browser-artifacts")
