/*  control_playbooks.c — playbooks as a list, two versions side by side
    and one as a picture: playbooks.list (GET /api/v1/playbooks),
    playbook.diff (GET /api/v1/playbook-versions/{a}/diff/{b}, fedsoarctl
    playbook diff A B) and playbook.bpmn (GET
    /api/v1/playbook-versions/{version}/bpmn, fedsoarctl playbook export
    --format bpmn VERSION). The lifecycle commands are governance.c.

    playbooks.list reads every governance row (CASESTORE_DB_GOVERNANCE):
    one pass, as many rows as versions and sites. Without governance it
    lists the playbook directory, which is what runs everywhere. */
#include "broker_internal.h"
#include "playbook_bpmn.h"
#include "playbook_diff.h"

#include <string.h>

/* ---- playbooks.list ----------------------------------------------------------- */

struct list_ctx {
    json_t *by_name; /* name -> entry */
};

static json_t *entry_for(struct list_ctx *l, const char *name)
{
    json_t *en = json_object_get(l->by_name, name);
    if (!en) {
        en = json_pack("{s:s, s:i, s:{}, s:{}, s:n}", "name", name, "versions", 0, "active",
                       "shadow", "latest");
        json_object_set_new(l->by_name, name, en);
    }
    return en;
}

static int collect_row(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    struct list_ctx *l = arg;
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    if (!row)
        return 0;
    if (key->len > 8 && memcmp(key->data, "version:", 8) == 0) {
        const char *name = json_string_value(json_object_get(row, "name"));
        if (name) {
            json_t *en = entry_for(l, name);
            json_object_set_new(
                en, "versions",
                json_integer(json_integer_value(json_object_get(en, "versions")) + 1));
            json_t *latest = json_object_get(en, "latest");
            if (json_is_null(latest) ||
                json_integer_value(json_object_get(row, "submitted")) >
                    json_integer_value(json_object_get(latest, "submitted"))) {
                json_object_set_new(en, "latest",
                                    json_pack("{s:O, s:O, s:O, s:O?}", "version",
                                              json_object_get(row, "version"), "state",
                                              json_object_get(row, "state"), "submitted",
                                              json_object_get(row, "submitted"), "author",
                                              json_object_get(row, "author")));
                if (json_object_get(row, "title"))
                    json_object_set(en, "title", json_object_get(row, "title"));
            }
        }
    } else if (key->len > 5 && memcmp(key->data, "site:", 5) == 0) {
        char site[64];
        snprintf(site, sizeof site, "%.*s", (int)(key->len - 5), (const char *)key->data + 5);
        static const char *const kinds[] = {"active", "shadow"};
        for (size_t k = 0; k < 2; k++) {
            const char *name;
            json_t *v;
            json_object_foreach(json_object_get(row, kinds[k]), name, v)
                json_object_set(json_object_get(entry_for(l, name), kinds[k]), site, v);
        }
    }
    json_decref(row);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

json_t *control_playbooks_list(broker_t *b, casestore_txn_t *txn, const json_t *args,
                               const caller_t *who, fs_err_t *e)
{
    (void)args, (void)who, (void)e;
    struct list_ctx l = {json_object()};
    if (b->gov) {
        casestore_foreach(b->store, txn, CASESTORE_DB_GOVERNANCE, false, collect_row, &l);
    } else {
        for (size_t i = 0; i < playbook_set_count(b->playbooks); i++) {
            const playbook_t *pb = playbook_set_get(b->playbooks, i);
            json_t *en = entry_for(&l, playbook_name(pb));
            json_object_set_new(en, "versions", json_integer(1));
            json_object_set_new(json_object_get(en, "active"), "*",
                                json_string(playbook_version(pb)));
            json_object_set_new(en, "latest",
                                json_pack("{s:s, s:s, s:n}", "version", playbook_version(pb),
                                          "state", "directory", "submitted"));
            json_t *title = json_object_get(playbook_doc(pb), "title");
            if (title)
                json_object_set(en, "title", title);
        }
    }
    size_t n = json_object_size(l.by_name), k = 0;
    json_t **rows = fs_xcalloc(n ? n : 1, sizeof *rows);
    const char *name;
    json_t *en;
    json_object_foreach(l.by_name, name, en) rows[k++] = en;
    qsort(rows, k, sizeof *rows, by_name);
    json_t *out = json_array();
    for (size_t i = 0; i < k; i++) {
        json_object_set_new(rows[i], "governance", json_boolean(b->gov != NULL));
        json_array_append(out, rows[i]);
    }
    free(rows);
    json_decref(l.by_name);
    return out;
}

/* ---- playbook.diff ---------------------------------------------------------------- */

struct prefix_ctx {
    const char *prefix;
    size_t len;
    char found[65];
    int matches;
};

static int match_prefix(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    struct prefix_ctx *p = arg;
    if (key->len < p->len || memcmp(key->data, p->prefix, p->len) != 0)
        return 1; /* past the prefix: keys are sorted */
    if (key->len == 64 && p->matches++ == 0)
        snprintf(p->found, sizeof p->found, "%.64s", (const char *)key->data);
    return p->matches > 1;
}

/* The document of a version (its SHA-256 or a unique prefix of at least 6
   hex digits): one the broker stored (submitted or run) or one of the
   playbook directory. Caller owns; NULL with e set (INVALID, NOT_FOUND). */
static json_t *version_doc(broker_t *b, casestore_txn_t *txn, const char *arg, const char *text,
                           char version[65], fs_err_t *e)
{
    size_t n = text ? strlen(text) : 0;
    if (n < 6 || n > 64 || strspn(text, "0123456789abcdef") != n) {
        fs_err_setc(e, BROKER_E_INVALID,
                    "%s: \"%s\" is not a version (its SHA-256, or a prefix of at least 6 hex "
                    "digits)",
                    arg, text ? text : "");
        return NULL;
    }
    struct prefix_ctx p = {text, n, "", 0};
    casestore_foreach_from(b->store, txn, CASESTORE_DB_PLAYBOOKS, text, n, match_prefix, &p);
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++) {
        const char *v = playbook_version(playbook_set_get(b->playbooks, i));
        if (strncmp(v, text, n) == 0 && strcmp(v, p.found) != 0 && p.matches++ == 0)
            snprintf(p.found, sizeof p.found, "%s", v);
    }
    if (p.matches != 1) {
        fs_err_setc(e, p.matches ? BROKER_E_INVALID : BROKER_E_NOT_FOUND,
                    p.matches ? "%s: version prefix %s is ambiguous: give more digits"
                              : "%s: no playbook version %s (see fedsoarctl playbook history NAME)",
                    arg, text);
        return NULL;
    }
    snprintf(version, 65, "%s", p.found);
    json_t *doc = casestore_get_json(b->store, txn, CASESTORE_DB_PLAYBOOKS, p.found, 64);
    for (size_t i = 0; !doc && i < playbook_set_count(b->playbooks); i++) {
        const playbook_t *pb = playbook_set_get(b->playbooks, i);
        if (strcmp(playbook_version(pb), p.found) == 0)
            doc = json_deep_copy(playbook_doc(pb));
    }
    if (!doc)
        fs_err_setc(e, BROKER_E_NOT_FOUND, "%s: version %.12s has no stored document", arg,
                    p.found);
    return doc;
}

json_t *control_playbook_diff(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)who;
    char va[65], vb[65];
    json_t *da = version_doc(b, txn, "a", json_string_value(json_object_get(args, "a")), va, e);
    json_t *db =
        da ? version_doc(b, txn, "b", json_string_value(json_object_get(args, "b")), vb, e) : NULL;
    json_t *out = NULL;
    if (da && db) {
        const char *name_a = json_string_value(json_object_get(da, "name"));
        const char *name_b = json_string_value(json_object_get(db, "name"));
        char label_a[96], label_b[96];
        snprintf(label_a, sizeof label_a, "%s@%.12s", name_a ? name_a : "?", va);
        snprintf(label_b, sizeof label_b, "%s@%.12s", name_b ? name_b : "?", vb);
        out = playbook_diff(da, db, label_a, label_b);
        json_object_set_new(out, "a", json_string(va));
        json_object_set_new(out, "b", json_string(vb));
        json_object_set_new(out, "name", json_string(name_a ? name_a : ""));
        if (name_a && name_b && strcmp(name_a, name_b) != 0)
            json_object_set_new(out, "name_b", json_string(name_b));
    }
    json_decref(da);
    json_decref(db);
    return out;
}

/* ---- playbook.bpmn ------------------------------------------------------------------ */

/* {"version": V} → {"version": FULL, "name", "xml": BPMN 2.0 with diagram}
   (playbook_bpmn.h). The reply must fit one control message (FSP_MAX_BODY):
   a larger export is refused with the way round it (export the file). */
json_t *control_playbook_bpmn(broker_t *b, casestore_txn_t *txn, const json_t *args,
                              const caller_t *who, fs_err_t *e)
{
    (void)who;
    char version[65];
    json_t *doc = version_doc(b, txn, "version",
                              json_string_value(json_object_get(args, "version")), version, e);
    if (!doc)
        return NULL;
    fs_err_t inner = {0};
    char *xml = playbook_bpmn(doc, &inner);
    json_t *out = NULL;
    if (!xml)
        fs_err_setc(e, BROKER_E_INVALID, "version %.12s: %s", version, inner.text);
    else if (strlen(xml) > FSP_MAX_BODY - 4096)
        fs_err_setc(e, BROKER_E_INVALID,
                    "version %.12s: its BPMN export (%zu bytes) is larger than a control reply "
                    "may be: export the playbook file with fedsoarctl playbook export instead",
                    version, strlen(xml));
    else
        out = json_pack("{s:s, s:O?, s:s}", "version", version, "name",
                        json_object_get(doc, "name"), "xml", xml);
    free(xml);
    json_decref(doc);
    return out;
}
