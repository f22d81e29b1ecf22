/*  identities.c — the identity crosswalk in CASESTORE_DB_IDENTITIES
    (casestore_identities.h, docs/identities.md).  Three kinds of rows, all
    written together so they never disagree:
      "a" site \0 lower(account)           -> link {"person","site","account","source"}
      "p" person \0 site \0 lower(account) -> ""   a person's accounts
      "n" lower(account) \0 site           -> ""   an account name at any site
    The table is small (a directory's worth of people); a CSV load walks the
    "a" rows once, lookups are point reads or one prefix walk. */
#include "casestore_identities.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX (3 * CASESTORE_IDENTITY_FIELD_MAX + 8)

/* A key: tag, then the parts separated by '\0'; account parts folded. */
static size_t make_key(char *out, char tag, const char *a, const char *b, const char *c,
                       int fold_from)
{
    const char *parts[3] = {a, b, c};
    size_t n = 0;
    out[n++] = tag;
    for (int i = 0; i < 3 && parts[i]; i++) {
        if (i > 0)
            out[n++] = '\0';
        for (const char *p = parts[i]; *p && n < KEY_MAX - 1; p++)
            out[n++] = i >= fold_from ? (char)tolower((unsigned char)*p) : *p;
    }
    return n;
}

static size_t link_key(char *out, const char *site, const char *account)
{
    return make_key(out, 'a', site, account, NULL, 1);
}

static size_t person_key(char *out, const char *person, const char *site, const char *account)
{
    return make_key(out, 'p', person, site, account, 2);
}

static size_t name_key(char *out, const char *account, const char *site)
{
    /* fold only the account (part 0): fold_from 0 would fold the site too */
    size_t n = make_key(out, 'n', account, NULL, NULL, 0);
    out[n++] = '\0';
    for (const char *p = site; *p && n < KEY_MAX - 1; p++)
        out[n++] = *p;
    return n;
}

static bool valid_field(const char *s)
{
    return s && *s && strlen(s) <= CASESTORE_IDENTITY_FIELD_MAX;
}

json_t *casestore_identity_link(casestore_t *st, casestore_txn_t *txn, const char *site,
                                const char *account)
{
    if (!valid_field(site) || !valid_field(account) || !casestore_has(st, CASESTORE_DB_IDENTITIES))
        return NULL;
    char key[KEY_MAX];
    size_t n = link_key(key, site, account);
    return casestore_get_json(st, txn, CASESTORE_DB_IDENTITIES, key, n);
}

/* Writes a link and its two index rows. */
static int put_link(casestore_t *st, casestore_txn_t *txn, const char *person, const char *site,
                    const char *account, const char *source, fs_err_t *e)
{
    char key[KEY_MAX];
    size_t n = link_key(key, site, account);
    json_t *row = json_pack("{s:s, s:s, s:s, s:s}", "person", person, "site", site, "account",
                            account, "source", source);
    int rc = casestore_put_json(st, txn, CASESTORE_DB_IDENTITIES, key, n, row, e);
    json_decref(row);
    if (rc == 0) {
        n = person_key(key, person, site, account);
        rc = casestore_put(st, txn, CASESTORE_DB_IDENTITIES, key, n, "", 0, e);
    }
    if (rc == 0) {
        n = name_key(key, account, site);
        rc = casestore_put(st, txn, CASESTORE_DB_IDENTITIES, key, n, "", 0, e);
    }
    return rc;
}

/* Deletes a link (the document as stored) and its index rows. */
static int del_link(casestore_t *st, casestore_txn_t *txn, const json_t *link, fs_err_t *e)
{
    const char *person = json_string_value(json_object_get(link, "person"));
    const char *site = json_string_value(json_object_get(link, "site"));
    const char *account = json_string_value(json_object_get(link, "account"));
    if (!person || !site || !account)
        return 0;
    char key[KEY_MAX];
    size_t n = link_key(key, site, account);
    int rc = casestore_del(st, txn, CASESTORE_DB_IDENTITIES, key, n, e);
    if (rc == 0) {
        n = person_key(key, person, site, account);
        rc = casestore_del(st, txn, CASESTORE_DB_IDENTITIES, key, n, e);
    }
    if (rc == 0) {
        n = name_key(key, account, site);
        rc = casestore_del(st, txn, CASESTORE_DB_IDENTITIES, key, n, e);
    }
    return rc;
}

/* Collects the link documents of the "a" rows (visitor). */
static int collect_links(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    if (key->len < 1 || ((const char *)key->data)[0] != 'a')
        return 1; /* past the "a" rows */
    json_t *row = json_loadb(val->data, val->len, 0, NULL);
    if (row)
        json_array_append_new(arg, row);
    return 0;
}

static bool is_csv(const json_t *link)
{
    const char *source = json_string_value(json_object_get(link, "source"));
    return source && strcmp(source, "csv") == 0;
}

/* A row's or link's account as a string key (a json object's):
   "site\x1flower(account)" (0x1f cannot be in a field: control characters
   are refused). */
static void claim_key(char *out, const json_t *row)
{
    size_t n = link_key(out, json_string_value(json_object_get(row, "site")),
                        json_string_value(json_object_get(row, "account")));
    for (size_t k = 0; k < n; k++)
        if (!out[k])
            out[k] = '\x1f';
    out[n] = '\0';
}

json_t *casestore_identities_replace_csv(casestore_t *st, casestore_txn_t *txn,
                                         const json_t *parsed, fs_err_t *e)
{
    const json_t *rows = json_object_get(parsed, "rows");
    if (!json_is_array(rows)) {
        fs_err_setc(e, CASESTORE_E_INVALID, "identities: no rows to load");
        return NULL;
    }
    /* The links as they are: drop the old CSV ones, and learned ones the
       file now claims. */
    json_t *links = json_array();
    casestore_foreach_from(st, txn, CASESTORE_DB_IDENTITIES, "a", 1, collect_links, links);
    json_t *claimed = json_object();
    size_t i;
    json_t *row;
    char key[KEY_MAX];
    json_array_foreach(rows, i, row)
    {
        claim_key(key, row);
        json_object_set_new(claimed, key, json_true());
    }
    json_int_t removed = 0, replaced_learned = 0;
    int rc = 0;
    json_t *link;
    json_array_foreach(links, i, link)
    {
        claim_key(key, link);
        bool in_file = json_object_get(claimed, key) != NULL;
        if (!is_csv(link) && !in_file)
            continue;
        if (is_csv(link) && !in_file)
            removed++;
        if (!is_csv(link))
            replaced_learned++;
        if ((rc = del_link(st, txn, link, e)) != 0)
            break;
    }
    json_decref(claimed);
    json_decref(links);
    json_t *persons = json_object();
    json_array_foreach(rows, i, row)
    {
        if (rc != 0)
            break;
        const char *person = json_string_value(json_object_get(row, "person"));
        rc = put_link(st, txn, person, json_string_value(json_object_get(row, "site")),
                      json_string_value(json_object_get(row, "account")), "csv", e);
        json_object_set_new(persons, person, json_true());
    }
    size_t npersons = json_object_size(persons);
    json_decref(persons);
    if (rc != 0)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I}", "loaded", (json_int_t)json_array_size(rows), "persons",
                     (json_int_t)npersons, "removed", removed, "replaced_learned",
                     replaced_learned);
}

/* A prefix walk: the keys that start with prefix (visitor). */
typedef struct prefix_walk {
    const char *prefix;
    size_t len;
    casestore_t *st;
    casestore_txn_t *txn;
    json_t *out;
} prefix_walk_t;

/* "p" person \0 site \0 account -> the link, appended to w->out. */
static int collect_person(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    prefix_walk_t *w = arg;
    if (key->len < w->len || memcmp(key->data, w->prefix, w->len) != 0)
        return 1;
    const char *site = (const char *)key->data + w->len;
    const char *end = (const char *)key->data + key->len;
    const char *sep = memchr(site, '\0', (size_t)(end - site));
    if (!sep)
        return 0;
    char s[CASESTORE_IDENTITY_FIELD_MAX + 1], a[CASESTORE_IDENTITY_FIELD_MAX + 1];
    snprintf(s, sizeof s, "%.*s", (int)(sep - site), site);
    snprintf(a, sizeof a, "%.*s", (int)(end - sep - 1), sep + 1);
    json_t *link = casestore_identity_link(w->st, w->txn, s, a);
    if (link) {
        json_object_del(link, "person");
        json_array_append_new(w->out, link);
    }
    return 0;
}

json_t *casestore_identity_person(casestore_t *st, casestore_txn_t *txn, const char *person)
{
    if (!valid_field(person) || !casestore_has(st, CASESTORE_DB_IDENTITIES))
        return NULL;
    char prefix[KEY_MAX];
    size_t n = make_key(prefix, 'p', person, NULL, NULL, 3);
    prefix[n++] = '\0';
    prefix_walk_t w = {prefix, n, st, txn, json_array()};
    casestore_foreach_from(st, txn, CASESTORE_DB_IDENTITIES, prefix, n, collect_person, &w);
    if (json_array_size(w.out) == 0) {
        json_decref(w.out);
        return NULL;
    }
    return json_pack("{s:s, s:o}", "person", person, "accounts", w.out);
}

/* "n" account \0 site -> the site, appended to w->out. */
static int collect_sites(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    (void)val;
    prefix_walk_t *w = arg;
    if (key->len < w->len || memcmp(key->data, w->prefix, w->len) != 0)
        return 1;
    json_array_append_new(w->out,
                          json_stringn((const char *)key->data + w->len, key->len - w->len));
    return 0;
}

/* The sites where an account of this name (folded) is linked. Caller owns. */
static json_t *sites_of_account(casestore_t *st, casestore_txn_t *txn, const char *account)
{
    char prefix[KEY_MAX];
    size_t n = make_key(prefix, 'n', account, NULL, NULL, 0);
    prefix[n++] = '\0';
    prefix_walk_t w = {prefix, n, st, txn, json_array()};
    casestore_foreach_from(st, txn, CASESTORE_DB_IDENTITIES, prefix, n, collect_sites, &w);
    return w.out;
}

/* Adds person's document to matches unless it is there. */
static void add_match(casestore_t *st, casestore_txn_t *txn, json_t *matches, const char *person,
                      const char *by)
{
    size_t i;
    json_t *m;
    json_array_foreach(matches, i, m)
    {
        if (strcmp(json_string_value(json_object_get(m, "person")), person) == 0)
            return;
    }
    json_t *doc = casestore_identity_person(st, txn, person);
    if (doc) {
        json_object_set_new(doc, "matched_by", json_string(by));
        json_array_append_new(matches, doc);
    }
}

json_t *casestore_identities_show(casestore_t *st, casestore_txn_t *txn, const char *query)
{
    json_t *matches = json_array();
    if (!valid_field(query) || !casestore_has(st, CASESTORE_DB_IDENTITIES))
        return json_pack("{s:s?, s:o}", "query", query, "matches", matches);
    add_match(st, txn, matches, query, "person");
    /* SITE:ACCOUNT (an account may itself hold ':' — only the first splits). */
    const char *colon = strchr(query, ':');
    if (colon && colon > query && colon[1]) {
        char site[CASESTORE_IDENTITY_FIELD_MAX + 1];
        snprintf(site, sizeof site, "%.*s", (int)(colon - query), query);
        json_t *link = casestore_identity_link(st, txn, site, colon + 1);
        if (link)
            add_match(st, txn, matches, json_string_value(json_object_get(link, "person")),
                      "account");
        json_decref(link);
    }
    /* The account at any site. */
    json_t *sites = sites_of_account(st, txn, query);
    size_t i;
    json_t *s;
    json_array_foreach(sites, i, s)
    {
        json_t *link = casestore_identity_link(st, txn, json_string_value(s), query);
        if (link)
            add_match(st, txn, matches, json_string_value(json_object_get(link, "person")),
                      "account");
        json_decref(link);
    }
    json_decref(sites);
    return json_pack("{s:s, s:o}", "query", query, "matches", matches);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *casestore_identities_list(casestore_t *st, casestore_txn_t *txn, size_t limit)
{
    json_t *links = json_array();
    if (casestore_has(st, CASESTORE_DB_IDENTITIES))
        casestore_foreach_from(st, txn, CASESTORE_DB_IDENTITIES, "a", 1, collect_links, links);
    /* Group by person, in person order. */
    json_t *by_person = json_object();
    size_t i;
    json_t *link;
    json_array_foreach(links, i, link)
    {
        const char *person = json_string_value(json_object_get(link, "person"));
        if (person && !json_object_get(by_person, person))
            json_object_set_new(by_person, person, json_true());
    }
    const char **names = fs_xcalloc(json_object_size(by_person) + 1, sizeof *names);
    size_t n = 0;
    const char *person;
    json_t *v;
    json_object_foreach(by_person, person, v) names[n++] = person;
    qsort(names, n, sizeof *names, by_name);
    json_t *persons = json_array();
    for (i = 0; i < n && i < limit; i++) {
        json_t *doc = casestore_identity_person(st, txn, names[i]);
        if (doc)
            json_array_append_new(persons, doc);
    }
    json_t *out = json_pack("{s:o, s:I, s:b}", "persons", persons, "links",
                            (json_int_t)json_array_size(links), "truncated", n > limit);
    free(names);
    json_decref(by_person);
    json_decref(links);
    return out;
}

int casestore_identities_learn(casestore_t *st, casestore_txn_t *txn, const char *site,
                               const char *account, const char *email, const char *connector,
                               const char *attribute, char **person_out, fs_err_t *e)
{
    if (person_out)
        *person_out = NULL;
    if (!valid_field(site) || !valid_field(account) || !valid_field(email) || !connector ||
        !attribute || !casestore_has(st, CASESTORE_DB_IDENTITIES))
        return 0;
    /* The person who owns an account named `email`, at any site. */
    json_t *sites = sites_of_account(st, txn, email);
    char *owner = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(sites, i, s)
    {
        json_t *link = casestore_identity_link(st, txn, json_string_value(s), email);
        const char *p = json_string_value(json_object_get(link, "person"));
        if (p && !owner)
            owner = fs_xstrdup(p);
        json_decref(link);
    }
    json_decref(sites);
    if (!owner)
        return 0;
    json_t *current = casestore_identity_link(st, txn, site, account);
    const char *cur_person = json_string_value(json_object_get(current, "person"));
    int rc = 0;
    if (current && (is_csv(current) || strcmp(cur_person, owner) == 0)) {
        rc = 0; /* a CSV link stands; the same person: nothing new */
    } else {
        char source[2 * CASESTORE_IDENTITY_FIELD_MAX + 16];
        snprintf(source, sizeof source, "learned:%.200s:%.200s", connector, attribute);
        rc = current ? del_link(st, txn, current, e) : 0;
        if (rc == 0)
            rc = put_link(st, txn, owner, site, account, source, e);
        rc = rc == 0 ? 1 : -1;
    }
    json_decref(current);
    if (rc == 1 && person_out)
        *person_out = owner;
    else
        free(owner);
    return rc;
}
