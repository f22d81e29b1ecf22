/*  openc2_check.c — an openc2 step's command checked when the playbook is
    loaded, with federation's OpenC2 validator (openc2.h): the arrow
    playbooks -> federation (DESIGN.md §2).

    A command template is validated as it stands.  Where it fails, the
    failure is accepted only when the JSON path the validator names lies in
    a templated string ("{{ ... }}"): that field is known after rendering
    only, and the broker validates every rendered command before it is
    sent, as before (docs/playbooks.md "openc2").  Anything literal that
    the validator refuses — an unknown action, a second target, a bad
    literal address, a pair no profile supports — fails the load. */
#include "template.h"

#include "openc2.h"

#include <stdio.h>
#include <string.h>

#define TEMPLATED_MAX 64 /* templated strings remembered per command */

typedef struct {
    char paths[TEMPLATED_MAX][128];
    size_t n;
    bool overflow; /* more templated strings than remembered: accept any path */
} templated_t;

static void collect(const json_t *v, const char *path, templated_t *t)
{
    char sub[128];
    if (json_is_string(v)) {
        if (!strstr(json_string_value(v), "{{"))
            return;
        if (t->n == TEMPLATED_MAX) {
            t->overflow = true;
            return;
        }
        snprintf(t->paths[t->n++], sizeof t->paths[0], "%s", path);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            if (snprintf(sub, sizeof sub, "%s.%s", path, k) >= (int)sizeof sub)
                t->overflow = true;
            else
                collect(m, sub, t);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) >= (int)sizeof sub)
                t->overflow = true;
            else
                collect(m, sub, t);
        }
    }
}

/* Whether reason ("$.target.ipv4_net: ...") names a path inside a
   templated string. */
static bool in_templated(const templated_t *t, const char *reason)
{
    if (t->overflow)
        return true;
    for (size_t i = 0; i < t->n; i++) {
        size_t n = strlen(t->paths[i]);
        if (strncmp(reason, t->paths[i], n) == 0 &&
            (reason[n] == ':' || reason[n] == '.' || reason[n] == '[' || reason[n] == ' '))
            return true;
    }
    return false;
}

int playbook_check_openc2(const json_t *cmd, const char *where, fs_err_t *e)
{
    char reason[OPENC2_REASON_MAX];
    int verdict = openc2_validate_command(cmd, reason, sizeof reason);
    if (verdict == OPENC2_VALID)
        return 0;
    templated_t t = {.n = 0};
    collect(cmd, "$", &t);
    if (in_templated(&t, reason))
        return 0; /* known after rendering: the broker validates it then */
    return fs_err_setc(e, PLAYBOOK_E_OPENC2, "%s: OpenC2 %d: %s", where, verdict, reason);
}
