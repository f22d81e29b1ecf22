/*  control.c — operator requests on the control socket (fedsoarctl).
    One handler per command; every request is CONTROL {"cmd", "args"} and
    every answer REPLY {"ok": true, "result"} or {"ok": false, "error"}. */
#include "broker_internal.h"

#include <string.h>

typedef json_t *(control_fn)(broker_t *b, MDB_txn *txn, const json_t *args, fs_err_t *e);

static int collect_site(void *arg, const MDB_val *key, const MDB_val *val)
{
    json_t *out = arg;
    char site[64];
    snprintf(site, sizeof site, "%.*s", (int)key->mv_size, (const char *)key->mv_data);
    json_t *rec = json_loadb(val->mv_data, val->mv_size, 0, NULL);
    if (rec)
        json_object_set_new(out, site, rec);
    return 0;
}

static json_t *site_records(broker_t *b, MDB_txn *txn)
{
    json_t *out = json_object();
    store_foreach(b->store, txn, DB_SITES, false, collect_site, out);
    return out;
}

static json_t *do_stats(broker_t *b, MDB_txn *txn, const json_t *args, fs_err_t *e)
{
    (void)args, (void)e;
    json_t *records = site_records(b, txn);
    json_t *ev_per = json_object(), *dl_per = json_object(), *connected = json_array();
    json_int_t dl_total = 0;
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec) {
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(ev_per, site, json_integer((json_int_t)store_counter(b->store, txn, name)));
        json_int_t dl = json_integer_value(json_object_get(rec, "dead_letters"));
        json_object_set_new(dl_per, site, json_integer(dl));
        dl_total += dl;
        session_t *s = zhashx_lookup(b->sessions, site);
        if (s && s->connected)
            json_array_append_new(connected, json_string(site));
    }
    json_decref(records);
    uint64_t cmds = store_counter(b->store, txn, "commands");
    uint64_t answered = store_counter(b->store, txn, "commands/answered");
    return json_pack("{s:{s:I, s:o}, s:{s:I, s:o}, s:I, s:I, s:{s:I, s:I, s:I}, s:o}", "events",
                     "total", (json_int_t)store_counter(b->store, txn, "events"), "per_site",
                     ev_per, "dead_letters", "total", dl_total, "per_site", dl_per, "cases",
                     (json_int_t)store_counter(b->store, txn, "cases"), "runs",
                     (json_int_t)store_counter(b->store, txn, "runs"), "commands", "total",
                     (json_int_t)cmds, "answered", (json_int_t)answered, "pending",
                     (json_int_t)(cmds - answered), "connected_sites", connected);
}

static json_t *do_sites(broker_t *b, MDB_txn *txn, const json_t *args, fs_err_t *e)
{
    (void)args, (void)e;
    json_t *records = site_records(b, txn);
    const char *site;
    json_t *rec;
    json_object_foreach(records, site, rec) {
        session_t *s = zhashx_lookup(b->sessions, site);
        char name[96];
        snprintf(name, sizeof name, "events/%s", site);
        json_object_set_new(rec, "connected", json_boolean(s && s->connected));
        json_object_set_new(rec, "events_received",
                            json_integer((json_int_t)store_counter(b->store, txn, name)));
    }
    return records;
}

static int collect_case(void *arg, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    json_t *out = arg;
    json_t *c = json_loadb(val->mv_data, val->mv_size, 0, NULL);
    if (!c)
        return 0;
    json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
                                         json_object_get(c, "id"), "title",
                                         json_object_get(c, "title"), "status",
                                         json_object_get(c, "status"), "severity_id",
                                         json_object_get(c, "severity_id"), "sites",
                                         json_object_get(c, "sites"), "alert_count",
                                         json_object_get(c, "alert_count"), "assignee",
                                         json_object_get(c, "assignee"), "created",
                                         json_object_get(c, "created"), "updated",
                                         json_object_get(c, "updated")));
    json_decref(c);
    return json_array_size(out) >= 1000; /* newest first, bounded */
}

static json_t *do_case_list(broker_t *b, MDB_txn *txn, const json_t *args, fs_err_t *e)
{
    (void)args, (void)e;
    json_t *out = json_array();
    store_foreach(b->store, txn, DB_CASES, true, collect_case, out);
    return out;
}

static json_t *do_case_show(broker_t *b, MDB_txn *txn, const json_t *args, fs_err_t *e)
{
    json_int_t id = json_integer_value(json_object_get(args, "id"));
    json_t *c = id > 0 ? cases_get(b->store, txn, (uint64_t)id) : NULL;
    if (!c) {
        fs_err_set(e, "no case %lld", (long long)id);
        return NULL;
    }
    /* The commands of the case, with their responses, beside its timeline. */
    json_t *commands = json_array();
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(c, "timeline"), i, entry) {
        const char *kind = json_string_value(json_object_get(entry, "kind"));
        const char *cid = json_string_value(json_object_get(entry, "command_id"));
        if (!kind || strcmp(kind, "command") != 0 || !cid)
            continue;
        json_t *rec = store_get_json(b->store, txn, DB_COMMANDS, cid, strlen(cid));
        if (rec)
            json_array_append_new(commands, rec);
    }
    json_object_set_new(c, "commands", commands);
    return c;
}

static const struct {
    const char *name;
    control_fn *fn;
} commands[] = {
    {"stats", do_stats},
    {"sites", do_sites},
    {"case.list", do_case_list},
    {"case.show", do_case_show},
};

void broker_on_control_message(broker_t *b)
{
    fsp_msg_t m;
    fs_err_t e = {{0}};
    json_t *reply = NULL;
    if (fsp_recv(b->control, true, &m, &e) != 0) {
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", e.text);
    } else if (m.type != FSP_CONTROL) {
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", "§6: only CONTROL on this socket");
    } else if (!m.operator_name && !b->cfg.insecure) {
        fs_log(FS_LOG_WARN, "broker", "control_refused", "reason=\"key is not an operator key\" site=%s",
               m.site ? m.site : "?");
        reply = json_pack("{s:b, s:s}", "ok", 0, "error", "§6: this key is not an operator key");
    } else {
        const char *cmd = json_string_value(json_object_get(m.body, "cmd"));
        control_fn *fn = NULL;
        for (size_t i = 0; cmd && i < sizeof commands / sizeof *commands; i++)
            if (strcmp(commands[i].name, cmd) == 0)
                fn = commands[i].fn;
        MDB_txn *txn = NULL;
        json_t *result = NULL;
        if (!fn)
            fs_err_set(&e, "unknown control command \"%s\"", cmd ? cmd : "(none)");
        else if (store_begin(b->store, false, &txn, &e) == 0)
            result = fn(b, txn, json_object_get(m.body, "args"), &e);
        store_abort(&txn);
        reply = result ? json_pack("{s:b, s:o}", "ok", 1, "result", result)
                       : json_pack("{s:b, s:s}", "ok", 0, "error", e.text);
    }
    if (m.peer)
        fsp_send(b->control, m.peer, FSP_REPLY, reply);
    json_decref(reply);
    fsp_msg_clear(&m);
}
