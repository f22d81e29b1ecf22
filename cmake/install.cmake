# install.cmake — what `cmake --install BUILD [--prefix P]` lays out
# (docs/operations.md "Install"). Included last from the top-level
# CMakeLists.txt, after every target exists.
#
#   P/bin/                              fedsoar-broker, fedsoar-adapter, fedsoarctl
#   P/share/fedsoar/mappings/           normalization mappings
#   P/share/fedsoar/playbooks/          the shipped playbook library
#   P/share/fedsoar/openc2-profiles/    OpenC2 profiles described as data
#   P/share/fedsoar/console/            the web console (console/build.mjs's output)
#   P/share/fedsoar/examples/           the demo: configs (starting points for /etc/fedsoar),
#                                       connector scripts, vendor samples
#   P/lib/systemd/system/               fedsoar-broker.service, fedsoar-adapter@.service
#                                       (+ the nftables drop-in, as an .example)
#   P/lib/sysusers.d/fedsoar.conf       the fedsoar group and the broker's user
#   P/share/doc/fedsoar/                README, LICENSE, docs/
#
# The layout is fixed (bin/, share/): an installed program finds its data at
# ../share/fedsoar/ from its own folder (common/data_dir.h), so
# CMAKE_INSTALL_BINDIR and friends are not honoured on purpose.
#
# Rules name targets and folders, never single sources: moving a file inside
# a library changes nothing here. The data folders are read from the compile
# definitions that point the programs at them in the build tree
# (FEDSOAR_MAPPINGS_DIR, FEDSOAR_PLAYBOOKS_DIR), so there is one place to say
# where they live.

install(TARGETS fedsoar-broker fedsoar-adapter fedsoarctl RUNTIME DESTINATION bin)

# fedsoar_install_data_dir(TARGET MACRO DEST): installs the folder TARGET's
# compile definition MACRO="PATH" names as share/fedsoar/DEST.
function(fedsoar_install_data_dir target macro dest)
  get_target_property(defs ${target} INTERFACE_COMPILE_DEFINITIONS)
  set(dir "")
  foreach(d IN LISTS defs)
    if(d MATCHES "^${macro}=\"(.*)\"$")
      set(dir "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "cmake/install.cmake: ${target} has no ${macro}=\"FOLDER\" naming an existing folder "
                        "(found '${dir}'); the data installed as share/fedsoar/${dest} comes from it")
  endif()
  install(DIRECTORY "${dir}/" DESTINATION share/fedsoar/${dest})
endfunction()

fedsoar_install_data_dir(fedsoar_normalize FEDSOAR_MAPPINGS_DIR mappings)
fedsoar_install_data_dir(fedsoar_playbooks FEDSOAR_PLAYBOOKS_DIR playbooks)

# Folders that no compile definition names: listed here (a moved folder is a
# configure error that says so).
set(FEDSOAR_OPENC2_PROFILES_DIR "${CMAKE_SOURCE_DIR}/federation/profiles")
set(FEDSOAR_SYSTEMD_DIR "${CMAKE_SOURCE_DIR}/deploy/systemd")
foreach(dir FEDSOAR_OPENC2_PROFILES_DIR FEDSOAR_SYSTEMD_DIR)
  if(NOT IS_DIRECTORY "${${dir}}")
    message(FATAL_ERROR "cmake/install.cmake: ${dir} (${${dir}}) is not a folder: update it there")
  endif()
endforeach()
install(DIRECTORY "${FEDSOAR_OPENC2_PROFILES_DIR}/" DESTINATION share/fedsoar/openc2-profiles)
install(DIRECTORY "${CMAKE_SOURCE_DIR}/deploy/demo/" DESTINATION share/fedsoar/examples USE_SOURCE_PERMISSIONS
        PATTERN "run" EXCLUDE) # the demo driver assumes the source tree

# The web console as built by the console target (cmake/console.cmake);
# absent when Node was missing at build time (the broker then answers 404 at /).
install(DIRECTORY "${FEDSOAR_CONSOLE_OUT}/" DESTINATION share/fedsoar/console OPTIONAL)

install(FILES README.md LICENSE DESTINATION share/doc/fedsoar)
install(DIRECTORY "${CMAKE_SOURCE_DIR}/docs/" DESTINATION share/doc/fedsoar)

# Units: the files in deploy/systemd/ say /usr/bin/ and /usr/share/doc/ (a
# Debian package's paths); they are installed with the prefix given at
# install time (`--prefix P` or CMAKE_INSTALL_PREFIX), DESTDIR honoured.
install(FILES "${FEDSOAR_SYSTEMD_DIR}/fedsoar.sysusers.conf" DESTINATION lib/sysusers.d RENAME fedsoar.conf)
install(CODE "
  set(units \"${FEDSOAR_SYSTEMD_DIR}\")
  set(stage \"${CMAKE_BINARY_DIR}/systemd-staged\")
  file(REMOVE_RECURSE \"\${stage}\")
  file(GLOB_RECURSE files RELATIVE \"\${units}\" \"\${units}/*.service\" \"\${units}/*.conf.example\")
  foreach(f IN LISTS files)
    file(READ \"\${units}/\${f}\" text)
    string(REPLACE \"/usr/bin/\" \"\${CMAKE_INSTALL_PREFIX}/bin/\" text \"\${text}\")
    string(REPLACE \"/usr/share/doc/fedsoar/\" \"\${CMAKE_INSTALL_PREFIX}/share/doc/fedsoar/\" text \"\${text}\")
    file(WRITE \"\${stage}/\${f}\" \"\${text}\")
  endforeach()
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE DIRECTORY
       FILES \"\${stage}/\")
")
