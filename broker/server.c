/*  server.c — the broker daemon: CURVE sockets, the ZAP handler, and the
    single-threaded loop that serves sites and operators. */
#include "broker_internal.h"
#include "http_internal.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static void session_free(void **item)
{
    session_t *s = *item;
    if (s) {
        zframe_destroy(&s->peer);
        json_decref(s->reported);
        free(s);
    }
    *item = NULL;
}

session_t *broker_session(broker_t *b, const char *site)
{
    session_t *s = zhashx_lookup(b->sessions, site);
    if (!s) {
        s = fs_xcalloc(1, sizeof *s);
        snprintf(s->site, sizeof s->site, "%s", site);
        zhashx_insert(b->sessions, site, s);
    }
    return s;
}

static zsock_t *bind_router(broker_t *b, const char *endpoint, const char *domain, fs_err_t *e)
{
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    if (!sock) {
        fs_err_set(e, "cannot create a socket");
        return NULL;
    }
    zsock_set_router_mandatory(sock, 0);
    zsock_set_sndhwm(sock, 100000);
    /* Per frame: no FSP/1 frame may exceed the body limit (§4); libzmq drops
       a peer that sends one before it reaches us. */
    zsock_set_maxmsgsize(sock, FSP_MAX_BODY);
    zsock_set_sndtimeo(sock, 0);
    if (!b->cfg.insecure) {
        zcert_apply(b->cert, sock);
        zsock_set_curve_server(sock, 1);
    }
    zsock_set_zap_domain(sock, domain);
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        fs_err_set(e, "cannot bind %s: %s (is another broker running?)", endpoint,
                   zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
}

static int capabilities_of(void *arg, const casestore_val_t *key, const casestore_val_t *val)
{
    broker_t *b = arg;
    char site[64];
    snprintf(site, sizeof site, "%.*s", (int)key->len, (const char *)key->data);
    json_t *rec = json_loadb(val->data, val->len, 0, NULL);
    json_t *caps = json_object_get(rec, "capabilities");
    if (json_is_object(caps))
        route_set_capabilities(b->routes, site, caps, NULL);
    json_decref(rec);
    return 0;
}

/* What each site said it can do, as last stored, until it says HELLO again. */
static int load_capabilities(broker_t *b, fs_err_t *e)
{
    casestore_txn_t *txn;
    if (casestore_begin(b->store, false, &txn, e) != 0)
        return -1;
    casestore_foreach(b->store, txn, CASESTORE_DB_SITES, false, capabilities_of, b);
    casestore_abort(&txn);
    return 0;
}

/* The broker's start in the audit log: its configuration's hash (the file
   and the effective settings), its playbooks, then a signed checkpoint. */
static int audit_start(broker_t *b, fs_err_t *e)
{
    const broker_config_t *c = &b->cfg;
    json_t *effective = json_pack(
        "{s:o, s:{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:O?, s:O?}}", "file",
        c->config ? json_deep_copy(c->config) : json_null(), "effective", "listen", c->listen,
        "control", c->control, "state_dir", c->state_dir, "keys_dir", c->keys_dir, "playbooks_dir",
        c->playbooks_dir, "insecure", c->insecure, "map_mb", (json_int_t)c->map_mb,
        "correlation_window_ms", (json_int_t)c->correlation_window_ms, "sites", c->sites,
        "governance", c->governance);
    char *canon = fs_json_canonical(effective);
    char hash[65];
    fs_sha256_hex(canon ? canon : "", canon ? strlen(canon) : 0, hash);
    free(canon);
    json_decref(effective);
    json_t *playbooks = json_array();
    for (size_t i = 0; i < playbook_set_count(b->playbooks); i++) {
        const playbook_t *pb = playbook_set_get(b->playbooks, i);
        json_array_append_new(playbooks, json_pack("{s:s, s:s}", "name", playbook_name(pb),
                                                   "version", playbook_version(pb)));
    }
    json_t *details =
        json_pack("{s:s, s:s, s:s, s:o, s:b, s:b}", "config_sha256", hash, "version",
                  FEDSOAR_VERSION, "instance", casestore_instance(b->store), "playbooks", playbooks,
                  "governance", b->gov != NULL, "curve", !c->insecure);
    casestore_txn_t *txn;
    int rc = casestore_begin(b->store, true, &txn, e);
    if (rc == 0)
        rc = casestore_audit_append(b->store, txn, "broker.start", "broker", NULL, details, e);
    if (rc == 0)
        rc = casestore_audit_checkpoint(b->store, txn, "start", e);
    if (rc == 0)
        rc = casestore_commit(&txn, e);
    casestore_abort(&txn);
    json_decref(details);
    return rc;
}

/* A clean stop: recorded and signed, so the whole chain is covered. */
static void audit_stop(broker_t *b)
{
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, true, &txn, &e) != 0)
        return;
    json_t *details = json_pack("{s:I}", "sites_known", (json_int_t)zhashx_size(b->sessions));
    if (casestore_audit_append(b->store, txn, "broker.stop", "broker", NULL, details, &e) == 0 &&
        casestore_audit_checkpoint(b->store, txn, "stop", &e) == 0)
        casestore_commit(&txn, &e);
    casestore_abort(&txn);
    json_decref(details);
    if (e.text[0])
        fs_log(FS_LOG_ERROR, "broker", "audit_failed", "kind=broker.stop reason=\"%s\"", e.text);
}

broker_t *broker_new(const broker_config_t *cfg, fs_err_t *e)
{
    broker_t *b = fs_xcalloc(1, sizeof *b);
    char *trusted = NULL;
    b->cfg = *cfg;
    b->sessions = zhashx_new();
    zhashx_set_destructor(b->sessions, session_free);
    b->insecure_peers = zhashx_new();
    zhashx_set_destructor(b->insecure_peers, (zhashx_destructor_fn *)zstr_free);
    zhashx_set_duplicator(b->insecure_peers, (zhashx_duplicator_fn *)fs_xstrdup);

    if (!(b->store = casestore_open(cfg->state_dir, cfg->map_mb, e)))
        goto fail;
    casestore_set_checkpoint_every(b->store, cfg->audit_checkpoint_every);
    casestore_set_map_max(b->store, cfg->map_max_mb);
    if (fencing_load(b, e) != 0)
        goto fail;
    if (cfg->governance && !(b->gov = governance_config_parse(cfg->governance, e)))
        goto fail;
    if (!(b->playbooks = playbook_set_load(cfg->playbooks_dir, e)))
        goto fail;
    b->routes = route_table_new(0);
    if (cfg->sites && route_load_sites(b->routes, cfg->sites, e) != 0) {
        char text[sizeof e->text];
        snprintf(text, sizeof text, "%s", e->text);
        fs_err_set(e, "config \"sites\": %s", text);
        goto fail;
    }
    if (load_capabilities(b, e) != 0)
        goto fail;
    if (cfg->insecure) {
        fs_log(FS_LOG_WARN, "broker", "insecure_mode",
               "msg=\"CURVE is OFF: any process that reaches the endpoints can pose as any site "
               "or operator. For local experiments only.\"");
    } else {
        if (!(b->cert = keys_load_secret(cfg->keys_dir, NULL, "broker", e)))
            goto fail;
        trusted = keys_trusted_dir(cfg->keys_dir);
        if (!fs_is_dir(trusted)) {
            fs_err_set(e, "%s: no trusted keys directory (create keys with `fedsoarctl keys init`)",
                       trusted);
            goto fail;
        }
        /* The Ed25519 key that signs audit checkpoints (keys init makes it). */
        char priv[4096];
        if (keys_signing_paths(cfg->keys_dir, "broker", priv, sizeof priv, b->sign_pub,
                               sizeof b->sign_pub) == 0 &&
            access(priv, R_OK) == 0) {
            /* Read once and held in memory (again on SIGHUP: reload_keys). */
            keys_signer_t *signer = keys_signer_load(priv, e);
            if (!signer)
                goto fail;
            casestore_set_signer(b->store, signer);
        } else {
            b->sign_pub[0] = '\0';
            fs_log(FS_LOG_WARN, "broker", "audit_unsigned",
                   "msg=\"no broker.sign.pem in the keys directory: audit checkpoints are not "
                   "signed (run "
                   "fedsoarctl keys init on the directory to add it)\"");
        }
        /* Our own ZAP handler, bound before the sockets so that no client
           is ever admitted without it (handshakes.c). */
        if (!(b->keys = keystore_load(cfg->keys_dir, e)) || broker_handshakes_start(b, e) != 0)
            goto fail;
        free(trusted);
        trusted = NULL;
    }
    /* The identity crosswalk's file (identities.file), checked against the key store. */
    if (broker_identities_load_config(b, e) != 0)
        goto fail;
    if (!(b->sites = bind_router(b, cfg->listen, "sites", e)))
        goto fail;
    if (!(b->control = bind_router(b, cfg->control, "operators", e)))
        goto fail;
    if (!cfg->insecure && (broker_handshakes_watch(b, b->sites, 0, e) != 0 ||
                           broker_handshakes_watch(b, b->control, 1, e) != 0))
        goto fail;
    if (audit_start(b, e) != 0 || http_bridge_start(b, e) != 0)
        goto fail;
    fs_log(FS_LOG_INFO, "broker", "started",
           "listen=%s control=%s state_dir=%s playbooks=%zu curve=%s instance=%s", cfg->listen,
           cfg->control, cfg->state_dir, playbook_set_count(b->playbooks),
           cfg->insecure ? "off" : "on", casestore_instance(b->store));
    return b;
fail:
    free(trusted);
    broker_destroy(&b);
    return NULL;
}

/* A RESPONSE or RESULT whose commit failed (disk full, I/O error) was
   answered ERROR and is not sent again: the site resends it only with the
   COMMAND, which the protocol resends after a WELCOME (§5.4), and a site
   that stayed connected says no HELLO. So when the store has recovered,
   resend every connected site its pending journal: sites answer from
   their own journals, without acting again (found by the nemesis suite). */
static void redeliver_after_store_recovery(broker_t *b)
{
    casestore_health_t h;
    casestore_health(b->store, &h);
    if (h.failing || h.recovered_ms == b->store_recovery_seen)
        return;
    b->store_recovery_seen = h.recovered_ms;
    for (session_t *s = zhashx_first(b->sessions); s; s = zhashx_next(b->sessions))
        if (s->connected)
            delivery_redeliver(b, s);
}

void broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *b = *self_p;
    http_bridge_stop(b);
    broker_handshakes_stop(b);
    zsock_destroy(&b->sites);
    zsock_destroy(&b->control);
    keystore_destroy(&b->keys);
    zcert_destroy(&b->cert);
    zhashx_destroy(&b->sessions);
    zhashx_destroy(&b->insecure_peers);
    zhashx_destroy(&b->versions);
    route_table_destroy(&b->routes);
    governance_config_destroy(&b->gov);
    playbook_set_destroy(&b->playbooks);
    casestore_close(&b->store);
    free(b);
    *self_p = NULL;
}

/* A signed checkpoint every audit.checkpoint_interval_s while entries are
   added, so that the unsigned tail stays short in time as well as in
   count, and the sites' witness copies stay fresh. */
static void checkpoint_if_due(broker_t *b)
{
    int64_t interval =
        b->cfg.audit_checkpoint_interval_ms > 0 ? b->cfg.audit_checkpoint_interval_ms : 60000;
    b->next_checkpoint = fs_mono_ms() + interval;
    if (!casestore_signer(b->store))
        return;
    casestore_txn_t *txn;
    fs_err_t e = {0};
    if (casestore_begin(b->store, true, &txn, &e) != 0)
        goto out;
    json_t *last = casestore_audit_last_checkpoint(b->store, txn);
    bool added = casestore_audit_head(b->store, txn) >
                 (uint64_t)json_integer_value(json_object_get(last, "seq"));
    json_decref(last);
    if (added && casestore_audit_checkpoint(b->store, txn, "interval", &e) == 0)
        casestore_commit(&txn, &e);
    casestore_abort(&txn);
out:
    if (e.text[0])
        fs_log(FS_LOG_ERROR, "broker", "audit_failed", "kind=audit.checkpoint reason=\"%s\"",
               e.text);
}

/* SIGHUP: read the trusted key store again (docs/operations.md "Keys"). */
static volatile sig_atomic_t keys_reload_requested;

static void on_sighup(int sig)
{
    (void)sig;
    keys_reload_requested = 1;
}

/* The audit checkpoint key is held in memory: a replaced broker.sign.pem
   signs from the next SIGHUP on. A file that cannot be read or is not an
   Ed25519 key keeps the key in use, and says why. */
static void reload_sign_key(broker_t *b)
{
    const keys_signer_t *old = casestore_signer(b->store);
    if (!old)
        return; /* started without one: broker_new warned */
    fs_err_t e = {0};
    keys_signer_t *fresh = keys_signer_load(keys_signer_path(old), &e);
    if (!fresh) {
        char q[600];
        fs_log(FS_LOG_ERROR, "broker", "sign_key_reload_failed",
               "reason=%s msg=\"audit checkpoints stay signed with the key loaded before\"",
               fs_log_quote(q, sizeof q, e.text));
        return;
    }
    casestore_set_signer(b->store, fresh);
    char q[600];
    fs_log(FS_LOG_INFO, "broker", "sign_key_reloaded", "file=%s",
           fs_log_quote(q, sizeof q, keys_signer_path(fresh)));
}

/* A new store replaces the old one only when it loads whole: a broken
   trusted/ folder keeps the keys that were trusted, and says why. A key
   removed from trusted/ is refused at its next handshake and, on a
   connection already open, at its next message (identity is looked up
   per message). */
static void reload_keys(broker_t *b)
{
    if (b->cfg.insecure)
        return;
    reload_sign_key(b);
    fs_err_t e = {0};
    keystore_t *fresh = keystore_load(b->cfg.keys_dir, &e);
    if (!fresh) {
        char q[600];
        fs_log(FS_LOG_ERROR, "broker", "keys_reload_failed",
               "reason=%s msg=\"the keys trusted before stay trusted\"",
               fs_log_quote(q, sizeof q, e.text));
        return;
    }
    size_t before = keystore_count(b->keys), after = keystore_count(fresh);
    keystore_destroy(&b->keys);
    b->keys = fresh;
    fs_log(FS_LOG_INFO, "broker", "keys_reloaded", "before=%zu after=%zu", before, after);
    casestore_txn_t *txn;
    json_t *details =
        json_pack("{s:I, s:I}", "keys_before", (json_int_t)before, "keys_after", (json_int_t)after);
    if (casestore_begin(b->store, true, &txn, &e) == 0) {
        if (casestore_audit_append(b->store, txn, "broker.keys_reloaded", "broker", NULL, details,
                                   &e) == 0)
            casestore_commit(&txn, &e);
        casestore_abort(&txn);
    }
    json_decref(details);
    if (e.text[0])
        fs_log(FS_LOG_ERROR, "broker", "audit_failed", "kind=broker.keys_reloaded reason=\"%s\"",
               e.text);
}

int broker_run(broker_t *b)
{
    struct sigaction hup = {.sa_handler = on_sighup};
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, NULL);
    zpoller_t *poller = zpoller_new(b->sites, b->control, NULL);
    if (b->zap)
        zpoller_add(poller, b->zap);
    for (int i = 0; i < 2; i++)
        if (b->monitor[i])
            zpoller_add(poller, b->monitor[i]);
    if (b->http.bridge)
        zpoller_add(poller, b->http.bridge);
    b->next_heartbeat = fs_mono_ms() + FSP_HEARTBEAT_MS;
    b->next_checkpoint =
        fs_mono_ms() +
        (b->cfg.audit_checkpoint_interval_ms > 0 ? b->cfg.audit_checkpoint_interval_ms : 60000);
    int64_t next_timer_check = 0, next_purge = fs_mono_ms() + 10000;
    /* Rows still due after a full batch: a burst (runs that wait for the
       same moment, or the ones that fell due while the broker was down). */
    bool timers_behind = false;
    while (!zsys_interrupted) {
        /* Timers are LMDB rows: whatever was armed before a restart fires now. */
        /* A standby acts on nothing until promoted (fencing.c). */
        if (fencing_standby(b)) {
            timers_behind = false; /* a broker that stood down fires nothing */
        } else if (fs_mono_ms() >= next_timer_check) {
            int64_t at = timers_next(b), took = 0;
            timers_behind = false;
            if (at >= 0 && at <= fs_now_ms()) {
                outbound_t out;
                outbound_init(&out);
                fs_err_t e = {0};
                int64_t t0 = fs_mono_ms();
                int fired = timers_fire(b, &out, &e);
                if (fired < 0)
                    fs_log(FS_LOG_ERROR, "broker", "timers_failed", "reason=\"%s\"", e.text);
                else
                    delivery_flush(b, &out);
                outbound_clear(&out);
                took = fs_mono_ms() - t0;
                /* Not after a failure: the store may be failing. */
                at = fired > 0 ? timers_next(b) : -1;
                timers_behind = at >= 0 && at <= fs_now_ms();
            }
            /* Behind: the next batch once the sockets had as long as the
               batch took (sooner when nothing is waiting, below), not
               100 ms later; sites and operators keep at least half the loop. */
            next_timer_check = fs_mono_ms() + (timers_behind ? took : 100);
            redeliver_after_store_recovery(b);
        }
        if (!fencing_standby(b) && fs_mono_ms() >= b->next_checkpoint)
            checkpoint_if_due(b);
        if (!fencing_standby(b) && fs_mono_ms() >= next_purge) {
            fs_err_t e = {0};
            int n = admission_purge(b, &e);
            if (n < 0)
                fs_log(FS_LOG_ERROR, "broker", "dedup_purge_failed", "reason=\"%s\"", e.text);
            /* Rows left to delete: come back soon; else in a while. */
            next_purge = fs_mono_ms() + (n > 0 ? 100 : 10000);
        }
        int64_t wait = b->next_heartbeat - fs_mono_ms();
        if (wait > 100)
            wait = 100;
        if (timers_behind)
            wait = 0;
        void *which = zpoller_wait(poller, wait > 0 ? (int)wait : 0);
        if (timers_behind && !which)
            next_timer_check = 0; /* nothing waiting: the next batch now */
        if (which == b->sites)
            broker_on_site_message(b);
        else if (which == b->control)
            broker_on_control_message(b);
        else if (which && which == b->zap)
            broker_on_zap_request(b);
        else if (which && (which == b->monitor[0] || which == b->monitor[1]))
            broker_on_handshake_event(b, which);
        else if (which && which == b->http.bridge)
            http_bridge_on_request(b);
        else if (zpoller_terminated(poller) && !keys_reload_requested)
            break;
        if (keys_reload_requested) {
            keys_reload_requested = 0;
            reload_keys(b);
        }
        if (fs_mono_ms() >= b->next_heartbeat) {
            if (!fencing_standby(b))
                broker_send_heartbeats(b);
            b->next_heartbeat = fs_mono_ms() + FSP_HEARTBEAT_MS;
        }
        http_bridge_publish(b);
    }
    zpoller_destroy(&poller);
    audit_stop(b);
    fs_log(FS_LOG_INFO, "broker", "stopped", "sites_known=%zu", zhashx_size(b->sessions));
    return 0;
}
