/*  json_dir.h — a directory of JSON documents, the one loader behind the
    mappings directory (normalize), the playbook library (playbooks) and
    the other folders of *.json the programs read.

    Every NAME.json (not a dot file) is visited once, in byte order of the
    names, so what is loaded never depends on the file system's order.
    Reading and parsing a file is the visitor's business (fs_config_load,
    a mapping loader ...): this only finds the files.  Paths passed to the
    visitor are borrowed for the call. */
#ifndef FEDSOAR_JSON_DIR_H
#define FEDSOAR_JSON_DIR_H

#include "common.h"

#define FS_JSON_DIR_MAX_FILES 10000 /* a directory with more *.json is refused */

/* Called with the file's path ("DIR/NAME.json") and name ("NAME.json").
   0 goes on; -1 stops the walk and fs_json_dir_each returns -1 with the
   visitor's e. */
typedef int (*fs_json_dir_fn)(void *arg, const char *path, const char *name, fs_err_t *e);

/* Visits every *.json of dir. When dir cannot be opened: -1 with e =
   "DIR: CANNOT_OPEN" (FS_E_NOT_FOUND), CANNOT_OPEN being the caller's
   words ("cannot open playbook directory"). *count (may be NULL) receives
   the number of files visited. */
int fs_json_dir_each(const char *dir, const char *cannot_open, fs_json_dir_fn visit, void *arg,
                     size_t *count, fs_err_t *e);

#endif
