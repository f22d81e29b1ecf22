/*  args.c — the argument, value and input-file checks every fedsoarctl
    command shares, so each says what was wrong in the same words and exits
    with the same code (docs/cli.md "Exit codes"). */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const cli_flag_t *find_flag(const cli_flag_t *flags, const char *arg, size_t n)
{
    for (; flags && flags->name; flags++)
        if (strlen(flags->name) == n && strncmp(flags->name, arg, n) == 0)
            return flags;
    return NULL;
}

int cli_parse_args(const char *cmd, const char *sub, int argc, char **argv, int first,
                   const cli_flag_t *flags, const char **pos, int max_pos, int *npos)
{
    *npos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos >= max_pos)
                return cli_usage_error(cmd, sub, "unexpected argument \"%s\"", a);
            pos[(*npos)++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t n = eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a);
        const cli_flag_t *f = find_flag(flags, a, n);
        if (!f)
            return cli_usage_error(cmd, sub, "unknown option \"%.*s\"", (int)n, a);
        if (f->on) {
            if (eq && a[1] == '-')
                return cli_usage_error(cmd, sub, "%s takes no value", f->name);
            *f->on = true;
        } else if (eq && a[1] == '-') {
            *f->value = eq + 1;
        } else if (i + 1 < argc) {
            *f->value = argv[++i];
        } else {
            return cli_usage_error(cmd, sub, "%s needs a value", f->name);
        }
    }
    return 0;
}

int cli_parse_id(const char *cmd, const char *sub, const char *text, const char *what, uint64_t *id)
{
    if (fs_parse_u64(text, id) == 0 && *id > 0 && *id <= (uint64_t)INT64_MAX)
        return 0;
    fprintf(stderr, "fedsoarctl: %s%s%s: \"%s\" is not a%s %s id (a positive integer)\n", cmd,
            sub ? " " : "", sub ? sub : "", text ? text : "", strchr("aeiou", what[0]) ? "n" : "",
            what);
    return CLI_USAGE;
}

int cli_parse_enum(const char *cmd, const char *sub, const char *what, const char *value,
                   const char *const *allowed)
{
    for (int i = 0; value && allowed[i]; i++)
        if (strcmp(allowed[i], value) == 0)
            return i;
    fprintf(stderr, "fedsoarctl: %s%s%s: \"%s\" is not a %s (one of:", cmd, sub ? " " : "",
            sub ? sub : "", value ? value : "", what);
    for (int i = 0; allowed[i]; i++)
        fprintf(stderr, "%s %s", i ? "," : "", allowed[i]);
    fprintf(stderr, ")\n");
    return -1;
}

/* Reads at most max + 1 bytes of f into a growing buffer: *n > max means
   "larger than max" without reading the rest. NULL on a read error. */
static char *read_bounded(FILE *f, size_t max, size_t *n)
{
    size_t cap = 64 * 1024, limit = max + 1;
    char *buf = fs_xmalloc(cap + 1);
    *n = 0;
    while (*n < limit) {
        if (*n == cap) {
            cap = cap * 2 < limit ? cap * 2 : limit;
            buf = fs_xrealloc(buf, cap + 1);
        }
        size_t want = (cap < limit ? cap : limit) - *n;
        size_t got = fread(buf + *n, 1, want, f);
        *n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            break;
        }
    }
    buf[*n] = '\0';
    return buf;
}

char *cli_read_file(const char *cmd, const char *sub, const char *path, size_t max,
                    const char *what, int too_big_rc, size_t *len, int *rc)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    size_t n = 0;
    char *text = f ? read_bounded(f, max, &n) : NULL;
    int err = errno;
    if (f && !is_stdin)
        fclose(f);
    if (!text) {
        fprintf(stderr, "fedsoarctl: %s%s%s: %s: cannot %s: %s\n", cmd, sub ? " " : "",
                sub ? sub : "", path, f ? "read" : "open", strerror(err));
        *rc = CLI_USAGE;
        return NULL;
    }
    if (n > max) {
        fprintf(stderr,
                "fedsoarctl: %s%s%s: %s: larger than the %zu-byte limit for %s (docs/cli.md, "
                "Input size limits)\n",
                cmd, sub ? " " : "", sub ? sub : "", path, max, what);
        free(text);
        *rc = too_big_rc;
        return NULL;
    }
    if (len)
        *len = n;
    return text;
}

json_t *cli_load_json(const char *cmd, const char *sub, const char *path, size_t max,
                      const char *what, int invalid_rc, int *rc)
{
    size_t n = 0;
    char *text = cli_read_file(cmd, sub, path, max, what, invalid_rc, &n, rc);
    if (!text)
        return NULL;
    fs_err_t e = {0};
    json_t *doc = fs_json_parse(text, n, &e);
    free(text);
    if (!doc || !json_is_object(doc)) {
        fprintf(stderr, "fedsoarctl: %s%s%s: %s: %s\n", cmd, sub ? " " : "", sub ? sub : "", path,
                doc ? "not a JSON object" : e.text);
        json_decref(doc);
        *rc = invalid_rc;
        return NULL;
    }
    return doc;
}

void cli_print_json(const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    printf("%s\n", text ? text : "null");
    free(text);
}
