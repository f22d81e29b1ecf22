/*  test_normalize_expected.c — fixtures with their expected OCSF output,
    field by field (issue 17): every file tests/fixtures/ocsf_expected/
    SOURCE/FIXTURE.json names a fixture tests/fixtures/vendors/SOURCE/FIXTURE
    and says what normalizing it must give:

      {"rejected": 0,                         records sent to dead letters
       "warnings": {"ext.rt": 1},              conversion warnings counted (exact)
       "events": [{"fields": {"time": 1795177800000, "user.name": "BETA\\asmith",
                              "unmapped.conversion_errors.0.field": "ext.rt"},
                   "absent": ["src_endpoint.ip"],
                   "users": ["BETA\\asmith"]}]}   every User Name observable (exact set)

    Paths are dotted, array positions are numbers.  The receipt time is
    fixed (RECEIPT_MS) so that fallbacks to it are exact.  Then every
    fixture of every shipped mapping is checked for bare user names: a User
    Name observable without '@' or '\' is allowed only where the expected
    files list it (the record holds no domain and no UPN). */
#include "check.h"
#include "normalize.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RECEIPT_MS 1800000000000LL /* 2027-01-15T08:00:00Z */

static const char *source_dir(void)
{
    const char *s = getenv("FEDSOAR_SOURCE_DIR");
    return s && *s ? s : FEDSOAR_MAPPINGS_DIR "/../..";
}

typedef struct run {
    json_t *events;
    size_t rejects;
    char reason[512];
} run_t;

static void on_emit(void *arg, json_t *ev, size_t record_no)
{
    (void)record_no;
    json_array_append(((run_t *)arg)->events, ev);
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason, const char *raw,
                      size_t raw_len)
{
    run_t *r = arg;
    (void)raw, (void)raw_len;
    r->rejects++;
    snprintf(r->reason, sizeof r->reason, "record %zu at byte %zu: %s", record_no, off, reason);
}

static bool run_fixture(normalizer_t *n, const char *src, const char *file, run_t *r)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/vendors/%s/%s", source_dir(), src, file);
    fs_err_t e;
    size_t len;
    char *buf = fs_file_read(path, 64u << 20, &len, &e);
    r->events = json_array();
    r->rejects = 0;
    r->reason[0] = '\0';
    if (!buf) {
        fprintf(stderr, "%s\n", e.text);
        return false;
    }
    normalize_opts_t opts = {.site = "beta", .keep_raw = false, .receipt_ms = RECEIPT_MS};
    long rc = normalizer_run(n, src, &opts, buf, len, on_emit, on_reject, r, &e);
    free(buf);
    return rc >= 0;
}

static json_t *at(json_t *v, const char *dotted)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && v;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v)) {
            uint64_t idx;
            v = fs_parse_u64(tok, &idx) == 0 ? json_array_get(v, (size_t)idx) : NULL;
        } else {
            v = json_object_get(v, tok);
        }
    }
    return v;
}

/* The User Name observables of an event, in order. */
static json_t *user_observables(json_t *ev)
{
    json_t *out = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ev, "observables"), i, o)
    {
        if (json_integer_value(json_object_get(o, "type_id")) == OCSF_OBS_USER_NAME)
            json_array_append(out, json_object_get(o, "value"));
    }
    return out;
}

static bool same_set(json_t *a, json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    size_t i, k;
    json_t *x, *y;
    json_array_foreach(a, i, x)
    {
        bool found = false;
        json_array_foreach(b, k, y) found |= json_equal(x, y);
        if (!found)
            return false;
    }
    return true;
}

/* Warning counters of one source as {field: count} (new reference). */
static json_t *source_warnings(normalizer_t *n, const char *src)
{
    json_t *all = normalizer_warnings(n);
    json_t *w = json_object_get(all, src);
    w = w ? json_incref(w) : json_object();
    json_decref(all);
    return w;
}

static void diff_warnings(json_t *before, json_t *after, json_t *delta)
{
    const char *k;
    json_t *v;
    json_object_foreach(after, k, v)
    {
        json_int_t b = json_integer_value(json_object_get(before, k));
        if (json_integer_value(v) - b)
            json_object_set_new(delta, k, json_integer(json_integer_value(v) - b));
    }
}

static json_t *allowed_bare; /* {"source": ["name", ...]} from the expected files */

static void check_expected(normalizer_t *n, const char *src, const char *expect_file)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/tests/fixtures/ocsf_expected/%s/%s", source_dir(), src,
             expect_file);
    json_error_t je;
    json_t *exp = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!exp) {
        fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
        CHECK(0);
        return;
    }
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s", expect_file);
    fixture[strlen(fixture) - 5] = '\0'; /* FIXTURE.json -> FIXTURE */
    json_t *before = source_warnings(n, src);
    run_t r;
    CHECK(run_fixture(n, src, fixture, &r));
    json_t *after = source_warnings(n, src), *delta = json_object();
    diff_warnings(before, after, delta);

    char what[1024];
    snprintf(what, sizeof what, "%s/%s", src, fixture);
    json_int_t want_rejected = json_integer_value(json_object_get(exp, "rejected"));
    if ((json_int_t)r.rejects != want_rejected)
        fprintf(stderr, "%s: %zu rejected (last: %s), expected %lld\n", what, r.rejects, r.reason,
                (long long)want_rejected);
    CHECK_INT(r.rejects, want_rejected);
    json_t *want_w = json_object_get(exp, "warnings");
    if (!json_equal(want_w ? want_w : json_object(), delta)) {
        char *a = json_dumps(want_w, JSON_COMPACT), *b = json_dumps(delta, JSON_COMPACT);
        fprintf(stderr, "%s: warnings %s, expected %s\n", what, b, a);
        free(a);
        free(b);
        CHECK(0);
    } else {
        CHECK(1);
    }
    json_t *events = json_object_get(exp, "events");
    CHECK_INT(json_array_size(r.events), json_array_size(events));
    size_t i;
    json_t *want;
    json_array_foreach(events, i, want)
    {
        json_t *ev = json_array_get(r.events, i);
        if (!ev)
            break;
        const char *field;
        json_t *value;
        json_object_foreach(json_object_get(want, "fields"), field, value)
        {
            json_t *got = at(ev, field);
            if (!got || !json_equal(got, value)) {
                char *a = json_dumps(value, JSON_ENCODE_ANY);
                char *b = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
                fprintf(stderr, "%s event %zu: %s = %s, expected %s\n", what, i, field,
                        b ? b : "(absent)", a);
                free(a);
                free(b);
                CHECK(0);
            } else {
                CHECK(1);
            }
        }
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(want, "absent"), k, p)
        {
            if (at(ev, json_string_value(p)))
                fprintf(stderr, "%s event %zu: %s should be absent\n", what, i,
                        json_string_value(p));
            CHECK(at(ev, json_string_value(p)) == NULL);
        }
        json_t *users = json_object_get(want, "users");
        if (users) {
            json_t *got = user_observables(ev);
            if (!same_set(got, users)) {
                char *a = json_dumps(users, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
                fprintf(stderr, "%s event %zu: user observables %s, expected %s\n", what, i, b, a);
                free(a);
                free(b);
                CHECK(0);
            } else {
                CHECK(1);
            }
            json_decref(got);
        }
    }
    json_t *bare = json_object_get(exp, "bare_users_allowed");
    if (bare) {
        json_t *list = json_object_get(allowed_bare, src);
        if (!list) {
            list = json_array();
            json_object_set_new(allowed_bare, src, list);
        }
        json_array_extend(list, bare);
    }
    json_decref(r.events);
    json_decref(before);
    json_decref(after);
    json_decref(delta);
    json_decref(exp);
}

static size_t for_each_expected(normalizer_t *n)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/ocsf_expected", source_dir());
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    size_t files = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        DIR *fd = opendir(sub);
        struct dirent *fe;
        while (fd && (fe = readdir(fd))) {
            size_t l = strlen(fe->d_name);
            if (fe->d_name[0] == '.' || l < 6 || strcmp(fe->d_name + l - 5, ".json"))
                continue;
            check_expected(n, de->d_name, fe->d_name);
            files++;
        }
        if (fd)
            closedir(fd);
    }
    if (d)
        closedir(d);
    return files;
}

static bool bare_allowed(const char *src, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(allowed_bare, src), i,
                       v) if (!strcmp(json_string_value(v), name)) return true;
    return false;
}

/* Every fixture of every mapping this test knows: no bare user name except
   the listed ones (records without a domain or UPN). */
static void check_no_bare_users(normalizer_t *n)
{
    static const char *const sources[] = {"cef",
                                          "crowdstrike.alert",
                                          "crowdstrike.detection_summary",
                                          "microsoft.entra_audit",
                                          "microsoft.entra_signin",
                                          "microsoft.graph_alert",
                                          "microsoft.mde_alert",
                                          "microsoft.sentinel_incident",
                                          "okta.system_log",
                                          "sentinelone.threat",
                                          "splunk.notable",
                                          "suricata.eve",
                                          "windows.security",
                                          NULL};
    for (size_t s = 0; sources[s]; s++) {
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/tests/fixtures/vendors/%s", source_dir(), sources[s]);
        DIR *fd = opendir(dir);
        CHECK(fd != NULL);
        struct dirent *fe;
        while (fd && (fe = readdir(fd))) {
            if (fe->d_name[0] == '.')
                continue;
            run_t r;
            run_fixture(n, sources[s], fe->d_name, &r);
            size_t i;
            json_t *ev;
            json_array_foreach(r.events, i, ev)
            {
                json_t *users = user_observables(ev);
                size_t k;
                json_t *u;
                json_array_foreach(users, k, u)
                {
                    const char *v = json_string_value(u);
                    /* an LDAP distinguished name (CN=...,DC=alpha,DC=corp) is unique too */
                    bool ok = strchr(v, '@') || strchr(v, '\\') || strstr(v, ",DC=") ||
                              bare_allowed(sources[s], v);
                    if (!ok)
                        fprintf(stderr, "%s/%s event %zu: bare user name \"%s\"\n", sources[s],
                                fe->d_name, i, v);
                    CHECK(ok);
                }
                json_decref(users);
            }
            json_decref(r.events);
        }
        if (fd)
            closedir(fd);
    }
}

int main(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/normalize/mappings", source_dir());
    fs_err_t e;
    normalizer_t *n = normalizer_new(dir, &e);
    if (!n) {
        fprintf(stderr, "cannot load mappings: %s\n", e.text);
        return 1;
    }
    allowed_bare = json_object();
    size_t files = for_each_expected(n);
    CHECK(files >= 12);
    check_no_bare_users(n);
    /* the counters the adapter reports are cumulative and per source */
    json_t *w = normalizer_warnings(n);
    CHECK(json_integer_value(json_object_get(json_object_get(w, "cef"), "ext.rt")) > 0);
    CHECK(normalizer_warnings_total(n) > 0);
    json_decref(w);
    json_decref(allowed_bare);
    normalizer_destroy(&n);
    return check_summary();
}
