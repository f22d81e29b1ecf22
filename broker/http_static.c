/*  http_static.c — the web console's files (docs/console.md): the files a
    build's manifest.json lists, read into memory when the server starts
    and served from there. What is reachable is the manifest's list and
    nothing else: a request is looked up by its exact path in that list, so
    "..", encoded slashes, dotfiles, folders and other files on disk are
    never opened (they are not names in the table). */
#include "http_static.h"

#include <string.h>
#include <strings.h>

#define STATIC_MAX_FILES 256
#define STATIC_MAX_FILE (16u << 20)
#define STATIC_MAX_NAME 96

typedef struct static_file {
    char path[STATIC_MAX_NAME + 16]; /* "/index.html", "/assets/app.js" */
    const char *type;
    char etag[68]; /* "\"" SHA-256 hex "\"" */
    char *data;    /* owned */
    size_t len;
} static_file_t;

struct http_static {
    static_file_t *files; /* owned, n of them */
    size_t n;
    bool tls;
};

/* The fixed extension -> type table: a file of any other kind is not served. */
static const char *type_of(const char *name)
{
    static const char *const table[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof table / sizeof *table; i++)
        if (strcmp(dot, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* "index.html" or "assets/NAME": NAME of [A-Za-z0-9._-], not starting with
   a dot, no "..". The same rule as console/build.mjs. */
static bool manifest_name_ok(const char *path)
{
    if (strcmp(path, "index.html") == 0)
        return true;
    if (strncmp(path, "assets/", 7) != 0)
        return false;
    const char *name = path + 7;
    size_t len = strlen(name);
    if (len == 0 || len > STATIC_MAX_NAME || name[0] == '.' || strstr(name, ".."))
        return false;
    for (const char *s = name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

static void log_skip(const char *dir, const char *path, const char *why)
{
    char qd[600], qp[200], qw[200];
    fs_log(FS_LOG_WARN, "broker", "console_file_skipped", "dir=%s file=%s reason=%s",
           fs_log_quote(qd, sizeof qd, dir), fs_log_quote(qp, sizeof qp, path),
           fs_log_quote(qw, sizeof qw, why));
}

/* One manifest entry into f; false (logged) when it cannot be served. */
static bool load_file(const char *dir, const char *path, const char *sha, static_file_t *f)
{
    const char *type = type_of(path);
    if (!manifest_name_ok(path) || !type) {
        log_skip(dir, path, "not a name or kind the console serves");
        return false;
    }
    if (!sha || strlen(sha) != 64) {
        log_skip(dir, path, "manifest has no SHA-256 for it");
        return false;
    }
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", dir, path);
    fs_err_t e = {0};
    size_t len = 0;
    char *data = fs_file_read(full, STATIC_MAX_FILE, &len, &e);
    if (!data) {
        log_skip(dir, path, e.text);
        return false;
    }
    char hex[65];
    fs_sha256_hex(data, len, hex);
    if (strcmp(hex, sha) != 0) {
        log_skip(dir, path, "its SHA-256 is not the manifest's (a build half copied?)");
        free(data);
        return false;
    }
    snprintf(f->path, sizeof f->path, "/%s", path);
    snprintf(f->etag, sizeof f->etag, "\"%s\"", hex);
    f->type = type;
    f->data = data;
    f->len = len;
    return true;
}

http_static_t *http_static_load(const char *dir, bool tls)
{
    http_static_t *st = fs_xcalloc(1, sizeof *st);
    st->tls = tls;
    char qd[600];
    if (!dir || !*dir) {
        fs_log(FS_LOG_WARN, "broker", "console_missing", "msg=\"no http.console_dir\"");
        return st;
    }
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    json_error_t je;
    json_t *manifest = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(manifest)) {
        fs_log(FS_LOG_WARN, "broker", "console_missing",
               "dir=%s msg=\"no console build there (manifest.json missing or not an object): / "
               "answers 404\"",
               fs_log_quote(qd, sizeof qd, dir));
        json_decref(manifest);
        return st;
    }
    size_t cap = json_object_size(manifest);
    if (cap > STATIC_MAX_FILES)
        cap = STATIC_MAX_FILES;
    st->files = fs_xcalloc(cap ? cap : 1, sizeof *st->files);
    const char *path;
    json_t *sha;
    json_object_foreach(manifest, path, sha)
    {
        if (st->n == cap) {
            log_skip(dir, path, "more than 256 files");
            break;
        }
        if (load_file(dir, path, json_string_value(sha), &st->files[st->n]))
            st->n++;
    }
    json_decref(manifest);
    fs_log(FS_LOG_INFO, "broker", "console_loaded", "dir=%s files=%zu",
           fs_log_quote(qd, sizeof qd, dir), st->n);
    return st;
}

void http_static_destroy(http_static_t **self_p)
{
    http_static_t *st = *self_p;
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++)
        free(st->files[i].data);
    free(st->files);
    free(st);
    *self_p = NULL;
}

size_t http_static_count(const http_static_t *st)
{
    return st ? st->n : 0;
}

static bool is_console_path(const char *url)
{
    return strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0 ||
           strncmp(url, "/assets/", 8) == 0;
}

/* If-None-Match: "*" or a list of entity tags (weak ones compare weakly). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t n = strlen(etag);
    for (const char *s = inm; *s;) {
        s += strspn(s, " \t,");
        if (*s == '*')
            return true;
        if (strncmp(s, "W/", 2) == 0)
            s += 2;
        if (strncmp(s, etag, n) == 0 && (s[n] == '\0' || s[n] == ',' || s[n] == ' '))
            return true;
        s += strcspn(s, ",");
    }
    return false;
}

unsigned http_static_serve(const http_static_t *st, struct MHD_Connection *c, const char *method,
                           const char *url, http_problem_t *p, enum MHD_Result *ret)
{
    if (!is_console_path(url))
        return 0;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return (unsigned)http_problem_set(p, 405, "GET, HEAD"); /* the Allow header's value */
    if (http_static_count(st) == 0)
        return (unsigned)http_problem_set(
            p, 404,
            "the console is not installed (build it: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci "
            "--prefix console, then cmake --build BUILD --target console; or set "
            "http.console_dir to a built console)");
    const char *want = strcmp(url, "/") == 0 ? "/index.html" : url;
    const static_file_t *f = NULL;
    for (size_t i = 0; i < st->n && !f; i++)
        if (strcmp(st->files[i].path, want) == 0)
            f = &st->files[i];
    if (!f)
        return (unsigned)http_problem_set(p, 404, "no such file in the console");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    bool fresh = etag_matches(inm, f->etag);
    struct MHD_Response *r =
        fresh ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_buffer(f->len, f->data, MHD_RESPMEM_PERSISTENT);
    if (!fresh)
        MHD_add_response_header(r, "Content-Type", f->type);
    MHD_add_response_header(r, "ETag", f->etag);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "Content-Security-Policy", HTTP_CONSOLE_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    if (st->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    unsigned status = fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    *ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return status;
}
