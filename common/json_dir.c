/*  json_dir.c — visit the *.json files of a directory in name order (json_dir.h). */
#include "json_dir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_json_name(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len >= 6 && strcmp(name + len - 5, ".json") == 0;
}

int fs_json_dir_each(const char *dir, const char *cannot_open, fs_json_dir_fn visit, void *arg,
                     size_t *count, fs_err_t *e)
{
    if (count)
        *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return fs_err_setc(e, FS_E_NOT_FOUND, "%s: %s", dir,
                           cannot_open ? cannot_open : "cannot open the directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *de = readdir(d); de; de = readdir(d)) {
        if (!is_json_name(de->d_name))
            continue;
        if (n == FS_JSON_DIR_MAX_FILES) {
            rc = fs_err_setc(e, FS_E_TOO_BIG, "%s: more than %d *.json files", dir,
                             FS_JSON_DIR_MAX_FILES);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = fs_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = fs_xstrdup(de->d_name);
    }
    closedir(d);
    if (n) /* qsort(NULL, 0, …) is undefined */
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path) {
            rc = fs_err_setc(e, FS_E_TOO_BIG, "%s/%s: path too long", dir, names[i]);
            break;
        }
        rc = visit(arg, path, names[i], e) == 0 ? 0 : -1;
        if (rc == 0 && count)
            (*count)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
