/*  playbook_set.c — the playbooks of a directory, loaded at start. */
#include "json_dir.h"
#include "playbooks.h"

#include <stdlib.h>
#include <string.h>

struct playbook_set {
    playbook_t **items;
    size_t count;
};

static int add_file(void *arg, const char *path, const char *name, fs_err_t *e)
{
    (void)name;
    playbook_set_t *set = arg;
    json_t *doc = fs_config_load(path, e);
    playbook_t *pb = doc ? playbook_parse(doc, path, e) : NULL;
    json_decref(doc);
    if (!pb)
        return -1;
    for (size_t j = 0; j < set->count; j++)
        if (strcmp(playbook_name(set->items[j]), playbook_name(pb)) == 0) {
            fs_err_setc(e, PLAYBOOK_E_DUPLICATE,
                        "%s: playbook name \"%s\" is already used by another file", path,
                        playbook_name(pb));
            playbook_destroy(&pb);
            return -1;
        }
    set->items = fs_xrealloc(set->items, (set->count + 1) * sizeof *set->items);
    set->items[set->count++] = pb;
    return 0;
}

playbook_set_t *playbook_set_load(const char *dir, fs_err_t *e)
{
    /* In name order (json_dir.h), so the order playbooks run in does not
       depend on the file system. */
    playbook_set_t *set = fs_xcalloc(1, sizeof *set);
    if (fs_json_dir_each(dir, "cannot open playbook directory", add_file, set, NULL, e) != 0)
        playbook_set_destroy(&set);
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
