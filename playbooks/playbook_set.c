/*  playbook_set.c — the playbooks of a directory, loaded at start. */
#include "playbooks.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

struct playbook_set {
    playbook_t **items;
    size_t count;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

playbook_set_t *playbook_set_load(const char *dir, fs_err_t *e)
{
    DIR *d = opendir(dir);
    if (!d) {
        fs_err_set(e, "%s: cannot open playbook directory", dir);
        return NULL;
    }
    /* Sorted, so the order playbooks run in does not depend on the file system. */
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown)
            break;
        names = grown;
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n) /* qsort(NULL, 0, …) is undefined */
        qsort(names, n, sizeof *names, by_name);
    playbook_set_t *set = calloc(1, sizeof *set);
    set->items = calloc(n ? n : 1, sizeof *set->items);
    for (size_t i = 0; i < n && set; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        json_t *doc = fs_config_load(path, e);
        playbook_t *pb = doc ? playbook_parse(doc, path, e) : NULL;
        json_decref(doc);
        if (!pb) {
            playbook_set_destroy(&set);
            break;
        }
        for (size_t j = 0; j < set->count; j++)
            if (strcmp(playbook_name(set->items[j]), playbook_name(pb)) == 0) {
                fs_err_set(e, "%s: playbook name \"%s\" is already used by another file", path,
                           playbook_name(pb));
                playbook_destroy(&pb);
                playbook_set_destroy(&set);
                break;
            }
        if (set)
            set->items[set->count++] = pb;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return set;
}

void playbook_set_destroy(playbook_set_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < (*self_p)->count; i++)
        playbook_destroy(&(*self_p)->items[i]);
    free((*self_p)->items);
    free(*self_p);
    *self_p = NULL;
}

size_t playbook_set_count(const playbook_set_t *self)
{
    return self ? self->count : 0;
}

const playbook_t *playbook_set_get(const playbook_set_t *self, size_t index)
{
    return index < self->count ? self->items[index] : NULL;
}
