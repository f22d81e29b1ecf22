# console.cmake — the web console (docs/console.md): the custom target
# `console` lays out console/src and its vendor files in
# ${CMAKE_BINARY_DIR}/console with `node console/build.mjs`, which the
# broker serves (http.console_dir; its default in the build tree is that
# folder, installed ones use PREFIX/share/fedsoar/console).
#
# Node and console/node_modules (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci
# --prefix console, which deploy/bootstrap runs) are needed to build the
# console, never to build or run the broker: without them this says so at
# configure time, the broker builds, / answers 404 "the console is not
# installed", and the console's tests fail saying why.

set(FEDSOAR_CONSOLE_OUT "${CMAKE_BINARY_DIR}/console")
target_compile_definitions(fedsoar-broker PRIVATE FEDSOAR_CONSOLE_DIR="${FEDSOAR_CONSOLE_OUT}")

find_program(FEDSOAR_NODE node)
set(console_src "${CMAKE_SOURCE_DIR}/console")
if(FEDSOAR_NODE AND IS_DIRECTORY "${console_src}/node_modules")
  file(GLOB console_inputs CONFIGURE_DEPENDS "${console_src}/src/*")
  add_custom_command(
    OUTPUT "${FEDSOAR_CONSOLE_OUT}/manifest.json"
    COMMAND "${FEDSOAR_NODE}" "${console_src}/build.mjs" "${FEDSOAR_CONSOLE_OUT}"
    DEPENDS ${console_inputs} "${console_src}/build.mjs" "${console_src}/package-lock.json"
    COMMENT "console: node console/build.mjs ${FEDSOAR_CONSOLE_OUT}"
    VERBATIM)
  add_custom_target(console ALL DEPENDS "${FEDSOAR_CONSOLE_OUT}/manifest.json")
  set(FEDSOAR_CONSOLE_BUILT ON)
else()
  if(NOT FEDSOAR_NODE)
    set(why "node is not installed")
  else()
    set(why "${console_src}/node_modules is missing")
  endif()
  message(STATUS "console: not built (${why}); run deploy/bootstrap (as root: Debian's nodejs, "
                 "then PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix console) and configure "
                 "again. The broker builds and runs without it; / answers 404.")
  set(FEDSOAR_CONSOLE_BUILT OFF)
endif()
