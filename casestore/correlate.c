/*  correlate.c — the correlation of alerts into cases.

    An alert joins the open case that saw one of its observables (host, IP,
    user, email, URL, hash) within the correlation window, whichever site
    reported it: an attacker who moves from company A to company B is one
    incident.  Otherwise it opens a case.  The index is CASESTORE_DB_OBS:
    "type_id:value" -> {"case", "time"}, refreshed by the alerts that see
    it (at most once a minute, obs_refresh_ms), so the window runs from the
    LAST sighting.  The recipients of a reported email
    never correlate (they are the victims, not the attacker).

    People, not strings (docs/identities.md): a user name is global only
    when it is an email or UPN (holds '@'); `DOMAIN\name` and bare names are
    keyed with the reporting site ("4:alpha:corp\asmith"), because two
    companies can both have a CORP domain and both have an asmith.  A user
    whose (site, account) is in the identity crosswalk also keys
    "person:ID", so one person's alerts at two sites meet in one case, and
    the case lists the person under "persons". */
#include "casestore_identities.h"
#include "casestore_internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_MAX_OBSERVABLES 200

/* Observable types that identify an entity well enough to correlate on. */
static bool correlates(json_int_t type_id)
{
    switch (type_id) {
    case OCSF_OBSERVABLE_HOSTNAME:
    case OCSF_OBSERVABLE_IP_ADDRESS:
    case OCSF_OBSERVABLE_USER_NAME:
    case OCSF_OBSERVABLE_EMAIL_ADDRESS:
    case OCSF_OBSERVABLE_URL_STRING:
    case OCSF_OBSERVABLE_HASH:
        return true;
    default:
        return false;
    }
}

/* Observables that name the victim side of an event, not the attacker's:
   the recipients of a reported email. Correlating on them would merge every
   unrelated report a user ever makes into one case. */
static bool victim_side(const json_t *obs)
{
    const char *name = json_string_value(json_object_get(obs, "name"));
    return name && (strncmp(name, "email.to", 8) == 0 || strncmp(name, "email.cc", 8) == 0 ||
                    strncmp(name, "email.bcc", 9) == 0);
}

#define CASE_MAX_PERSONS 16

/* "type_id:value", with case folded where the type is case-insensitive; a
   user name without '@' is the reporting site's own: "4:site:value" (no
   site: never correlates). */
static int obs_key(const json_t *obs, const char *site, char *out, size_t size)
{
    json_int_t type = json_integer_value(json_object_get(obs, "type_id"));
    const char *value = json_string_value(json_object_get(obs, "value"));
    if (!correlates(type) || !value || !*value || victim_side(obs))
        return -1;
    bool local = type == OCSF_OBSERVABLE_USER_NAME && !strchr(value, '@');
    if (local && (!site || !*site))
        return -1;
    int n = local ? snprintf(out, size, "%d:%s:%s", (int)type, site, value)
                  : snprintf(out, size, "%d:%s", (int)type, value);
    if (n < 0 || (size_t)n >= size)
        return -1;
    if (type != OCSF_OBSERVABLE_URL_STRING && type != OCSF_OBSERVABLE_HASH) /* keep their case */
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return 0;
}

/* Whether two observables (objects) hold different "value" strings, so
   cannot be equal: json_equal over the up to 200 a case lists, for each
   observable of each alert, was 5 % of the broker's CPU per alert in a
   storm (bench/roundtrip.sh). False says nothing. */
static bool values_differ(const json_t *a, const json_t *b)
{
    const json_t *x = json_object_get(a, "value"), *y = json_object_get(b, "value");
    return json_is_string(x) && json_is_string(y) &&
           (json_string_length(x) != json_string_length(y) ||
            memcmp(json_string_value(x), json_string_value(y), json_string_length(x)) != 0);
}

/* Appends v (stolen) unless arr holds max or an equal value is there. A
   full list is not searched: a storm's case holds its 200 observables
   from then on, and each alert's were compared with all of them. */
static void add_unique(json_t *arr, json_t *v, size_t max)
{
    bool add = json_array_size(arr) < max;
    for (size_t i = 0; add && i < json_array_size(arr); i++) {
        const json_t *w = json_array_get(arr, i);
        add = values_differ(v, w) || !json_equal(v, w);
    }
    if (add)
        json_array_append(arr, v);
    json_decref(v);
}

/* The keys an alert correlates on: its observables' (obs_key), then
   "person:ID" for each user the crosswalk knows at the reporting site.
   Returns a new array of strings; *persons (caller owns) gets the person
   ids. */
static json_t *alert_keys(casestore_t *st, casestore_txn_t *txn, const json_t *observables,
                          const char *site, json_t **persons)
{
    json_t *keys = json_array();
    *persons = json_array();
    size_t i;
    json_t *obs;
    json_array_foreach(observables, i, obs)
    {
        char key[1024];
        if (obs_key(obs, site, key, sizeof key) != 0)
            continue;
        add_unique(keys, json_string(key), SIZE_MAX);
        if (json_integer_value(json_object_get(obs, "type_id")) != OCSF_OBSERVABLE_USER_NAME)
            continue;
        json_t *link = casestore_identity_link(st, txn, site,
                                               json_string_value(json_object_get(obs, "value")));
        const char *person = json_string_value(json_object_get(link, "person"));
        if (person && snprintf(key, sizeof key, "person:%s", person) < (int)sizeof key) {
            add_unique(keys, json_string(key), SIZE_MAX);
            add_unique(*persons, json_string(person), CASE_MAX_PERSONS);
        }
        json_decref(link);
    }
    return keys;
}

/* How stale an index row may be before an alert that sees its key again
   rewrites it: a sixty-fourth of the window, at most a minute. Each row is
   a page of a random leaf that the alert's commit writes and flushes, and
   a storm sees the same user, hash and hosts in every alert; the window
   then runs from a sighting at most this much before the last. */
static int64_t obs_refresh_ms(int64_t window_ms)
{
    int64_t r = window_ms / 64;
    return r < 60000 ? r : 60000;
}

static uint64_t find_case(casestore_t *st, casestore_txn_t *txn, const json_t *keys,
                          int64_t window_ms)
{
    int64_t now = fs_now_ms();
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        const char *key = json_string_value(k);
        json_t *row = casestore_get_json(st, txn, CASESTORE_DB_OBS, key, strlen(key));
        uint64_t id = (uint64_t)json_integer_value(json_object_get(row, "case"));
        int64_t seen = json_integer_value(json_object_get(row, "time"));
        json_decref(row);
        if (!id || now - seen > window_ms)
            continue;
        json_t *c = casestore_case_view(st, txn, id); /* read only */
        const char *status = json_string_value(json_object_get(c, "status"));
        bool open = status && strcmp(status, "closed") != 0;
        json_decref(c);
        if (open)
            return id;
    }
    return 0;
}

static json_t *new_case(uint64_t id, const json_t *event)
{
    const json_t *fi = json_object_get(event, "finding_info");
    const char *title = json_string_value(json_object_get(fi, "title"));
    if (!title)
        title = json_string_value(json_object_get(event, "message"));
    int64_t now = fs_now_ms();
    return json_pack("{s:I, s:s, s:s, s:I, s:n, s:[], s:[], s:[], s:[], s:[], s:I, s:I, s:I}", "id",
                     (json_int_t)id, "title", title ? title : "untitled alert", "status", "new",
                     "severity_id", json_integer_value(json_object_get(event, "severity_id")),
                     "assignee", "sites", "observables", "attacks", "alerts", "notes",
                     "alert_count", (json_int_t)0, "created", (json_int_t)now, "updated",
                     (json_int_t)now);
}

uint64_t casestore_case_attach_alert(casestore_t *st, casestore_txn_t *txn, const json_t *event,
                                     uint64_t event_id, int64_t window_ms, bool *created,
                                     fs_err_t *e)
{
    const json_t *observables = json_object_get(event, "observables");
    const char *site = json_string_value(json_object_get(event, "site"));
    json_t *persons;
    json_t *keys = alert_keys(st, txn, observables, site, &persons);
    uint64_t id = find_case(st, txn, keys, window_ms);
    json_t *c = id ? casestore__case_take(st, txn, id) : NULL;
    casestore__case_agg_t before;
    casestore__case_agg_of(c, &before);
    *created = c == NULL;
    if (!c) {
        if (!(id = casestore_next_id(st, txn, "case_id", e))) {
            json_decref(keys);
            json_decref(persons);
            return 0;
        }
        c = new_case(id, event);
        casestore_counter_add(st, txn, "cases", 1, NULL);
    }
    const char *source = json_string_value(json_object_get(event, "source"));
    const json_t *fi = json_object_get(event, "finding_info");
    const char *title = json_string_value(json_object_get(fi, "title"));
    json_int_t sev = json_integer_value(json_object_get(event, "severity_id"));
    if (sev > json_integer_value(json_object_get(c, "severity_id")))
        json_object_set_new(c, "severity_id", json_integer(sev));
    if (site)
        add_unique(json_object_get(c, "sites"), json_string(site), 16);
    size_t i;
    json_t *person;
    json_array_foreach(persons, i, person)
    {
        if (!json_object_get(c, "persons"))
            json_object_set_new(c, "persons", json_array());
        add_unique(json_object_get(c, "persons"), json_incref(person), CASE_MAX_PERSONS);
    }
    json_decref(persons);
    json_t *obs;
    json_t *listed = json_object_get(c, "observables");
    json_array_foreach(observables, i, obs)
    {
        json_t *slim =
            json_pack("{s:O?, s:O?, s:O?}", "type_id", json_object_get(obs, "type_id"), "type",
                      json_object_get(obs, "type"), "value", json_object_get(obs, "value"));
        size_t n = json_array_size(listed);
        add_unique(listed, slim, CASE_MAX_OBSERVABLES);
        /* A value new to the case goes into the case list's index too. */
        const char *value = json_string_value(json_object_get(obs, "value"));
        if (json_array_size(listed) > n && value &&
            casestore__case_obs_index(st, txn, value, id, e) != 0) {
            json_decref(c);
            json_decref(keys);
            return 0;
        }
    }
    json_t *attack;
    json_array_foreach(json_object_get(fi, "attacks"), i, attack)
    {
        json_t *uid = json_object_get(json_object_get(attack, "technique"), "uid");
        if (json_is_string(uid))
            add_unique(json_object_get(c, "attacks"), json_incref(uid), 64);
    }
    json_int_t count = json_integer_value(json_object_get(c, "alert_count")) + 1;
    json_object_set_new(c, "alert_count", json_integer(count));
    json_t *alert = json_pack("{s:I, s:s?, s:s?, s:s?, s:I, s:O?}", "event_id",
                              (json_int_t)event_id, "site", site, "source", source, "title", title,
                              "severity_id", sev, "time", json_object_get(event, "time"));
    json_t *alerts = json_object_get(c, "alerts");
    /* The oldest make room (they stay on the timeline); a case stored with
       a longer list (up to 1,000 before) shrinks on its next alert. */
    while (json_array_size(alerts) >= CASESTORE_CASE_ALERTS_LISTED)
        json_array_remove(alerts, 0);
    json_array_append_new(alerts, alert);
    int rc = casestore__case_put_release(st, txn, &c, &before, e);
    /* Index every key to this case, refreshing its time. */
    int64_t now = fs_now_ms(), refresh = obs_refresh_ms(window_ms);
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        if (rc != 0)
            break;
        const char *key = json_string_value(k);
        json_t *row = casestore_get_json(st, txn, CASESTORE_DB_OBS, key, strlen(key));
        bool fresh = (uint64_t)json_integer_value(json_object_get(row, "case")) == id &&
                     now - json_integer_value(json_object_get(row, "time")) < refresh;
        json_decref(row);
        if (fresh)
            continue;
        row = json_pack("{s:I, s:I}", "case", (json_int_t)id, "time", (json_int_t)now);
        rc = casestore_put_json(st, txn, CASESTORE_DB_OBS, key, strlen(key), row, e);
        json_decref(row);
    }
    json_decref(keys);
    if (rc != 0)
        return 0;
    json_t *entry = json_pack("{s:I, s:s?, s:s?, s:s?}", "event_id", (json_int_t)event_id, "site",
                              site, "source", source, "text", title);
    rc = casestore_timeline_add(st, txn, id, *created ? "opened" : "alert", entry, e);
    json_decref(entry);
    return rc == 0 ? id : 0;
}
