/*  data_dir.h — where a program finds the data fedsoar ships (mappings,
    playbooks, OpenC2 profiles).

    Two layouts, one rule:
    - installed (`cmake --install`, a package): the program is PREFIX/bin/NAME
      and the data is in PREFIX/share/fedsoar/WHAT;
    - the build tree: the program is build/bin/NAME, there is no
      build/share/fedsoar/WHAT, and the source tree's folder compiled into
      the program (FEDSOAR_MAPPINGS_DIR, FEDSOAR_PLAYBOOKS_DIR) is used.
    A flag, an environment variable or a config key still comes first; this
    only picks the default (docs/operations.md "Install").
*/
#ifndef FEDSOAR_DATA_DIR_H
#define FEDSOAR_DATA_DIR_H

#include <stddef.h>

/* The shipped data folder WHAT ("mappings", "playbooks", "openc2-profiles"):
   PREFIX/share/fedsoar/WHAT when the running program is PREFIX/bin/NAME and
   that folder exists, else BUILT_IN.  Returns BUF (filled, caller-owned) or
   BUILT_IN (borrowed); never NULL.  Reads /proc/self/exe (Linux). */
const char *fs_data_dir(char *buf, size_t size, const char *what, const char *built_in);

#endif
