/*  identities_csv.c — the strict RFC 4180 reader of the identity crosswalk
    file `person,site,account` (casestore_identities.h).  Hand-written
    because the job is ~150 lines and Debian's CSV libraries (libcsv) accept
    what we must refuse (stray quotes) without saying where.  Every bad row
    is reported with its line; nothing is returned unless every row is good. */
#include "casestore_identities.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NFIELDS 3

typedef struct reader {
    const char *p, *end;
    size_t line; /* of the byte at p */
} reader_t;

typedef struct record {
    size_t line; /* where the record starts */
    size_t nfields;
    char field[NFIELDS][CASESTORE_IDENTITY_FIELD_MAX + 1];
    char reason[160]; /* the first problem of this record, "" if none */
} record_t;

/* Keeps the first problem of a record. */
__attribute__((format(printf, 2, 3))) static void bad(record_t *r, const char *fmt, ...)
{
    if (r->reason[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

/* Appends c to field i of r (fields past the third are counted, not kept). */
static void put(record_t *r, size_t *len, char c)
{
    if (r->nfields >= NFIELDS)
        return;
    if (*len >= CASESTORE_IDENTITY_FIELD_MAX) {
        bad(r, "field %zu is longer than %d bytes", r->nfields + 1, CASESTORE_IDENTITY_FIELD_MAX);
        return;
    }
    if ((unsigned char)c < 0x20 || c == 0x7f)
        bad(r, "field %zu holds a control character or a line break", r->nfields + 1);
    r->field[r->nfields][(*len)++] = c;
    r->field[r->nfields][*len] = '\0';
}

/* Reads one record (may span lines inside quotes). Returns false at the end. */
static bool read_record(reader_t *rd, record_t *r)
{
    if (rd->p >= rd->end)
        return false;
    memset(r, 0, sizeof *r);
    r->line = rd->line;
    size_t len = 0;
    for (;;) {
        /* At the start of a field. */
        if (rd->p < rd->end && *rd->p == '"') {
            size_t opened = rd->line;
            rd->p++;
            for (;;) {
                if (rd->p >= rd->end) {
                    r->reason[0] = '\0'; /* the cause of the break inside the field */
                    bad(r, "the quote opened on line %zu is never closed", opened);
                    goto end_of_record;
                }
                char c = *rd->p++;
                if (c == '"') {
                    if (rd->p < rd->end && *rd->p == '"') {
                        rd->p++;
                        put(r, &len, '"');
                        continue;
                    }
                    break;
                }
                if (c == '\n')
                    rd->line++;
                put(r, &len, c);
            }
            if (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n' &&
                !(*rd->p == '\r' && rd->p + 1 < rd->end && rd->p[1] == '\n'))
                bad(r, "text after the closing quote of field %zu", r->nfields + 1);
        }
        /* The rest of the field, up to ',' or the end of the line. */
        while (rd->p < rd->end && *rd->p != ',' && *rd->p != '\n') {
            char c = *rd->p++;
            if (c == '\r' && rd->p < rd->end && *rd->p == '\n')
                break;
            if (c == '"')
                bad(r,
                    "a quote inside unquoted field %zu (quote the whole field and double the "
                    "quote)",
                    r->nfields + 1);
            put(r, &len, c);
        }
        if (rd->p < rd->end && *rd->p == ',') {
            rd->p++;
            r->nfields++;
            len = 0;
            continue;
        }
        break;
    }
end_of_record:
    r->nfields++;
    while (rd->p < rd->end && *rd->p != '\n') /* past an error: skip to the line's end */
        rd->p++;
    if (rd->p < rd->end) {
        rd->p++;
        rd->line++;
    }
    return true;
}

static bool blank(const record_t *r)
{
    return r->nfields == 1 && !r->field[0][0] && !r->reason[0];
}

static bool empty_field(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

static void lower(char *out, const char *in, size_t size)
{
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

/* A record's own problems (fields), then against the key store and the
   rows before it (claims: "site\0lower(account)" -> {"person","line"}). */
static void check_record(record_t *r, casestore_site_known_fn *known_site, void *arg,
                         json_t *claims, bool *duplicate)
{
    static const char *const names[NFIELDS] = {"person", "site", "account"};
    *duplicate = false;
    if (r->reason[0])
        return;
    if (r->nfields != NFIELDS) {
        bad(r, "%zu field%s, expected 3 (person,site,account)", r->nfields,
            r->nfields == 1 ? "" : "s");
        return;
    }
    for (size_t i = 0; i < NFIELDS; i++) {
        if (empty_field(r->field[i])) {
            bad(r, "empty %s", names[i]);
            return;
        }
        json_t *utf8 = json_string(r->field[i]);
        if (!utf8) {
            bad(r, "%s is not UTF-8", names[i]);
            return;
        }
        json_decref(utf8);
    }
    if (known_site && !known_site(arg, r->field[1])) {
        bad(r, "unknown site \"%s\" (not in the broker's key store)", r->field[1]);
        return;
    }
    char key[2 * CASESTORE_IDENTITY_FIELD_MAX + 4];
    char acc[CASESTORE_IDENTITY_FIELD_MAX + 1];
    lower(acc, r->field[2], sizeof acc);
    snprintf(key, sizeof key, "%s:%s", r->field[1], acc);
    json_t *prev = json_object_get(claims, key);
    if (prev) {
        const char *owner = json_string_value(json_object_get(prev, "person"));
        if (strcmp(owner, r->field[0]) != 0) {
            bad(r, "account %.40s at %.40s is claimed by %.40s and by %.40s on line %zu",
                r->field[2], r->field[1], r->field[0], owner,
                (size_t)json_integer_value(json_object_get(prev, "line")));
        } else {
            *duplicate = true;
        }
        return;
    }
    json_object_set_new(
        claims, key, json_pack("{s:s, s:I}", "person", r->field[0], "line", (json_int_t)r->line));
}

static bool header_ok(const record_t *r)
{
    if (r->reason[0] || r->nfields != NFIELDS)
        return false;
    const char *h = r->field[0];
    if ((unsigned char)h[0] == 0xef && (unsigned char)h[1] == 0xbb && (unsigned char)h[2] == 0xbf)
        h += 3; /* a UTF-8 byte order mark, as spreadsheets write it */
    return strcasecmp(h, "person") == 0 && strcasecmp(r->field[1], "site") == 0 &&
           strcasecmp(r->field[2], "account") == 0;
}

static void add_error(json_t *errors, size_t *nbad, size_t line, const char *reason)
{
    if (++*nbad <= CASESTORE_IDENTITIES_ERRORS_MAX)
        json_array_append_new(errors,
                              json_pack("{s:I, s:s}", "line", (json_int_t)line, "reason", reason));
}

json_t *casestore_identities_parse_csv(const char *text, size_t len, const char *name,
                                       casestore_site_known_fn *known_site, void *arg,
                                       json_t **errors, fs_err_t *e)
{
    json_t *errs = json_array(), *rows = json_array(), *claims = json_object();
    size_t nbad = 0;
    const char *where = name ? name : "identities";
    record_t *r = fs_xmalloc(sizeof *r);
    reader_t rd = {text, text + len, 1};
    if (len > CASESTORE_IDENTITIES_CSV_MAX)
        add_error(errs, &nbad, 0, "the file is larger than 16 MiB");
    else if (memchr(text, '\0', len))
        add_error(errs, &nbad, 0, "the file holds a NUL byte (not a text file)");
    else if (!read_record(&rd, r) || !header_ok(r))
        add_error(errs, &nbad, 1, "the first line must be the header " CASESTORE_IDENTITIES_HEADER);
    else
        while (read_record(&rd, r)) {
            if (blank(r))
                continue;
            bool duplicate;
            check_record(r, known_site, arg, claims, &duplicate);
            if (r->reason[0])
                add_error(errs, &nbad, r->line, r->reason);
            else if (!duplicate)
                json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s}", "line",
                                                      (json_int_t)r->line, "person", r->field[0],
                                                      "site", r->field[1], "account", r->field[2]));
        }
    free(r);
    json_decref(claims);
    if (nbad == 0) {
        json_decref(errs);
        if (errors)
            *errors = NULL;
        return json_pack("{s:o}", "rows", rows);
    }
    if (nbad > CASESTORE_IDENTITIES_ERRORS_MAX) {
        char more[64];
        snprintf(more, sizeof more, "... and %zu more", nbad - CASESTORE_IDENTITIES_ERRORS_MAX);
        json_array_append_new(errs, json_pack("{s:i, s:s}", "line", 0, "reason", more));
    }
    json_t *first = json_array_get(errs, 0);
    fs_err_setc(e, CASESTORE_E_INVALID, "%s:%d: %s (%zu bad row%s, nothing loaded)", where,
                (int)json_integer_value(json_object_get(first, "line")),
                json_string_value(json_object_get(first, "reason")), nbad, nbad == 1 ? "" : "s");
    json_decref(rows);
    if (errors)
        *errors = errs;
    else
        json_decref(errs);
    return NULL;
}
