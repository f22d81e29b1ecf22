/*  data_dir.c — the shipped data next to an installed program (data_dir.h). */
#include "data_dir.h"

#include "common.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *fs_data_dir(char *buf, size_t size, const char *what, const char *built_in)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return built_in;
    exe[n] = '\0';
    /* PREFIX/bin/NAME: cut "/NAME", then "/bin". */
    char *slash = strrchr(exe, '/');
    if (!slash)
        return built_in;
    *slash = '\0';
    slash = strrchr(exe, '/');
    if (!slash || strcmp(slash, "/bin") != 0)
        return built_in;
    *slash = '\0';
    int len = snprintf(buf, size, "%s/share/fedsoar/%s", exe, what);
    if (len < 0 || (size_t)len >= size || !fs_is_dir(buf))
        return built_in;
    return buf;
}
