/*  actuator_slpf_nft.c — the real OpenC2 SLPF v1.0 consumer on nftables
    (issue #5, docs/slpf-nftables.md).

    Rules live in `table inet fedsoar` (or $FEDSOAR_NFT_TABLE, or the
    config key "table") with base chains input/output/forward at filter
    priority. Each SLPF rule number maps to the nft rules (chain + handle)
    it became; the map, with the original command and its time window, is
    kept in STATE_DIR/slpf-nft.TABLE.json (atomic replace). At start the
    table is rebuilt in one nft transaction from the persistent rules of
    that file, so a restart never leaves a window without them, and stale
    or non-persistent rules are gone. tick() installs rules whose
    start_time came and removes those whose stop_time passed.

    The actuator's state is owned by the caller of init (one thread). */
#include "plugin.h"
#include "openc2.h"
#include "nft_rules.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SLPF_NFT_MAX_RULES 4096        /* SLPF rules per table; more are refused (500) */
#define SLPF_NFT_STATE_MAX (16u << 20) /* bytes of the state file */

typedef struct {
    long long number;
    json_t *command; /* owned: the command as received */
    slpf_nft_spec_t spec;
    bool installed;
    size_t nhandles;
    struct {
        const char *chain; /* static string */
        uint64_t handle;
    } h[SLPF_NFT_MAX_LINES];
} rule_t;

typedef struct {
    struct nft_ctx *nft;
    char table[SLPF_NFT_TABLE_MAX + 1];
    char path[4096];
    rule_t *rules; /* sorted by number */
    size_t count;
    char error[512]; /* the last nft error, first line */
} slpf_t;

static const char *chain_static(const char *name)
{
    static const char *const names[] = {"input", "output", "forward"};
    for (size_t i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0)
            return names[i];
    return NULL;
}

/* ---- nft ---------------------------------------------------------------- */

/* Runs a script as one transaction. *echo (may be NULL) receives the array
   of echoed objects (caller owns). Returns 0 or -1 with self->error set. */
static int nft_run(slpf_t *self, const char *script, json_t **echo)
{
    if (echo)
        *echo = NULL;
    nft_ctx_get_output_buffer(self->nft); /* rewinds */
    nft_ctx_get_error_buffer(self->nft);
    int rc = nft_run_cmd_from_buffer(self->nft, script);
    const char *out = nft_ctx_get_output_buffer(self->nft);
    const char *err = nft_ctx_get_error_buffer(self->nft);
    if (rc != 0) {
        const char *nl = err ? strchr(err, '\n') : NULL;
        int n = err && *err ? (nl ? (int)(nl - err) : (int)strlen(err)) : 0;
        if (n > 0)
            snprintf(self->error, sizeof self->error, "%.*s", n, err);
        else
            snprintf(self->error, sizeof self->error, "nft failed (%s)", strerror(errno));
        return -1;
    }
    if (echo && out && *out) {
        json_t *doc = json_loads(out, 0, NULL);
        json_t *list = json_object_get(doc, "nftables");
        if (json_is_array(list))
            *echo = json_incref(list);
        json_decref(doc);
    }
    return 0;
}

/* The handles of the echoed rules, in order, into the rules whose lines
   made them. rules[i] made counts[i] lines (chains in lines[]). */
static int take_handles(slpf_t *self, json_t *echo, rule_t **rules, size_t nrules,
                        const int *counts)
{
    size_t r = 0, made = 0, i;
    json_t *item;
    for (r = 0; r < nrules; r++)
        rules[r]->nhandles = 0;
    r = 0;
    json_array_foreach(echo, i, item)
    {
        json_t *op = json_object_get(item, "add");
        if (!op)
            op = json_object_get(item, "insert");
        json_t *rule = json_object_get(op, "rule");
        if (!rule)
            continue;
        while (r < nrules && made == (size_t)counts[r]) {
            r++;
            made = 0;
        }
        const char *chain = chain_static(json_string_value(json_object_get(rule, "chain")));
        json_t *h = json_object_get(rule, "handle");
        if (r == nrules || !chain || !json_is_integer(h) || made >= SLPF_NFT_MAX_LINES)
            goto bad;
        rules[r]->h[made].chain = chain;
        rules[r]->h[made].handle = (uint64_t)json_integer_value(h);
        rules[r]->nhandles = ++made;
    }
    while (r < nrules && made == (size_t)counts[r]) {
        r++;
        made = 0;
    }
    if (r == nrules)
        return 0;
bad:
    snprintf(self->error, sizeof self->error, "nft did not echo the handles of the rules it added");
    return -1;
}

static bool active(const rule_t *r, int64_t now)
{
    return r->spec.start_ms <= now && (r->spec.stop_ms == 0 || r->spec.stop_ms > now);
}

/* Re-creates the table with every active rule, in rule-number order, in one
   transaction (the reconcile at start, and the repair when nft and the
   state file disagree). */
static int rebuild(slpf_t *self)
{
    size_t cap = 4096 + self->count * SLPF_NFT_MAX_LINES * (SLPF_NFT_EXPR_MAX + 96);
    char *script = fs_xmalloc(cap);
    rule_t **made = fs_xcalloc(self->count + 1, sizeof *made);
    int *counts = fs_xcalloc(self->count + 1, sizeof *counts);
    json_t *echo = NULL;
    int rc = -1;
    int n = slpf_nft_table_script(self->table, true, script, cap);
    if (n < 0)
        goto done;
    size_t len = (size_t)n, nmade = 0;
    int64_t now = fs_now_ms();
    for (size_t i = 0; i < self->count; i++) {
        rule_t *r = &self->rules[i];
        r->installed = false;
        r->nhandles = 0;
        if (!active(r, now))
            continue;
        slpf_nft_line_t lines[SLPF_NFT_MAX_LINES];
        int k = slpf_nft_rule_lines(&r->spec, r->number, lines);
        if (k < 0)
            goto done;
        for (int j = 0; j < k; j++) {
            int w = snprintf(script + len, cap - len, "add rule inet %s %s %s\n", self->table,
                             lines[j].chain, lines[j].expr);
            if (w < 0 || (size_t)w >= cap - len)
                goto done;
            len += (size_t)w;
        }
        made[nmade] = r;
        counts[nmade++] = k;
    }
    if (nft_run(self, script, &echo) != 0 || take_handles(self, echo, made, nmade, counts) != 0)
        goto done;
    for (size_t i = 0; i < nmade; i++)
        made[i]->installed = true;
    rc = 0;
done:
    json_decref(echo);
    free(script);
    free(made);
    free(counts);
    return rc;
}

/* The first handle, in chain, of the next installed rule above number:
   new rules go before it so the chain stays in rule-number order. */
static uint64_t next_handle(const slpf_t *self, long long number, const char *chain)
{
    for (size_t i = 0; i < self->count; i++) {
        const rule_t *r = &self->rules[i];
        if (r->number <= number || !r->installed)
            continue;
        for (size_t j = 0; j < r->nhandles; j++)
            if (r->h[j].chain == chain)
                return r->h[j].handle;
    }
    return 0;
}

static int install(slpf_t *self, rule_t *r)
{
    slpf_nft_line_t lines[SLPF_NFT_MAX_LINES];
    int k = slpf_nft_rule_lines(&r->spec, r->number, lines);
    if (k < 0) {
        snprintf(self->error, sizeof self->error, "rule text too long");
        return -1;
    }
    char script[SLPF_NFT_MAX_LINES * (SLPF_NFT_EXPR_MAX + 128)];
    size_t len = 0;
    for (int j = 0; j < k; j++) {
        uint64_t before = next_handle(self, r->number, lines[j].chain);
        int w = before ? snprintf(script + len, sizeof script - len,
                                  "insert rule inet %s %s position %llu %s\n", self->table,
                                  lines[j].chain, (unsigned long long)before, lines[j].expr)
                       : snprintf(script + len, sizeof script - len, "add rule inet %s %s %s\n",
                                  self->table, lines[j].chain, lines[j].expr);
        if (w < 0 || (size_t)w >= sizeof script - len) {
            snprintf(self->error, sizeof self->error, "rule text too long");
            return -1;
        }
        len += (size_t)w;
    }
    json_t *echo = NULL;
    int rc = nft_run(self, script, &echo);
    if (rc == 0)
        rc = take_handles(self, echo, &r, 1, &k);
    json_decref(echo);
    if (rc != 0)
        return -1;
    r->installed = true;
    return 0;
}

/* Removes r's nft rules (r stays in the list, not installed). When nft
   disagrees (someone removed a handle), the table is rebuilt without r. */
static int uninstall(slpf_t *self, rule_t *r)
{
    if (!r->installed)
        return 0;
    char script[SLPF_NFT_MAX_LINES * 128];
    size_t len = 0;
    for (size_t j = 0; j < r->nhandles; j++) {
        int w = snprintf(script + len, sizeof script - len, "delete rule inet %s %s handle %llu\n",
                         self->table, r->h[j].chain, (unsigned long long)r->h[j].handle);
        if (w < 0 || (size_t)w >= sizeof script - len)
            return -1;
        len += (size_t)w;
    }
    r->installed = false;
    if (len && nft_run(self, script, NULL) != 0) {
        fs_log(FS_LOG_WARN, "slpf-nft", "rebuild", "table=%s reason=\"%s\"", self->table,
               self->error);
        /* rebuild() reinstalls every active rule; keep r out of it */
        int64_t start = r->spec.start_ms;
        r->spec.start_ms = INT64_MAX;
        int rc = rebuild(self);
        r->spec.start_ms = start;
        r->installed = false;
        return rc;
    }
    r->nhandles = 0;
    return 0;
}

/* ---- the state file --------------------------------------------------------- */

static int save(slpf_t *self, fs_err_t *e)
{
    json_t *rules = json_array();
    for (size_t i = 0; i < self->count; i++) {
        const rule_t *r = &self->rules[i];
        json_t *handles = json_array();
        for (size_t j = 0; j < r->nhandles; j++)
            json_array_append_new(handles,
                                  json_pack("[s,I]", r->h[j].chain, (json_int_t)r->h[j].handle));
        json_array_append_new(rules, json_pack("{s:I, s:O, s:b, s:I, s:I, s:b, s:o}", "rule_number",
                                               (json_int_t)r->number, "command", r->command,
                                               "persistent", r->spec.persistent, "start_ms",
                                               (json_int_t)r->spec.start_ms, "stop_ms",
                                               (json_int_t)r->spec.stop_ms, "installed",
                                               r->installed, "handles", handles));
    }
    json_t *doc = json_pack("{s:i, s:s, s:o}", "version", 1, "table", self->table, "rules", rules);
    char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return fs_err_set(e, "slpf-nft: out of memory writing %s", self->path);
    int rc = fs_file_write_atomic(self->path, text, strlen(text), 0600, e);
    free(text);
    return rc;
}

static void rule_free(rule_t *r)
{
    json_decref(r->command);
    r->command = NULL;
}

static void remove_at(slpf_t *self, size_t i)
{
    rule_free(&self->rules[i]);
    memmove(&self->rules[i], &self->rules[i + 1], (self->count - i - 1) * sizeof *self->rules);
    self->count--;
}

static rule_t *find(slpf_t *self, long long number, size_t *at)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->rules[i].number == number) {
            if (at)
                *at = i;
            return &self->rules[i];
        }
    return NULL;
}

/* Inserts in number order; takes command. Returns the slot or NULL when full. */
static rule_t *insert_sorted(slpf_t *self, long long number, json_t *command,
                             const slpf_nft_spec_t *spec)
{
    if (self->count == SLPF_NFT_MAX_RULES)
        return NULL;
    size_t at = 0;
    while (at < self->count && self->rules[at].number < number)
        at++;
    memmove(&self->rules[at + 1], &self->rules[at], (self->count - at) * sizeof *self->rules);
    self->count++;
    rule_t *r = &self->rules[at];
    memset(r, 0, sizeof *r);
    r->number = number;
    r->command = command;
    r->spec = *spec;
    return r;
}

/* Loads the persistent, unexpired rules of the state file. */
static int load(slpf_t *self, fs_err_t *e)
{
    struct stat st;
    if (stat(self->path, &st) != 0 && errno == ENOENT)
        return 0;
    size_t len = 0;
    char *text = fs_file_read(self->path, SLPF_NFT_STATE_MAX, &len, e);
    if (!text)
        return -1;
    json_t *doc = fs_json_parse(text, len, e);
    free(text);
    json_t *rules = json_object_get(doc, "rules");
    if (!json_is_array(rules)) {
        char why[sizeof e->text];
        snprintf(why, sizeof why, "%s", doc ? "no \"rules\" array" : e->text);
        json_decref(doc);
        return fs_err_set(e,
                          "slpf-nft: state file %s is unreadable: %.300s (restore it, or remove "
                          "it to start with no rules)",
                          self->path, why);
    }
    size_t i;
    json_t *item;
    int64_t now = fs_now_ms();
    json_array_foreach(rules, i, item)
    {
        json_t *cmd = json_object_get(item, "command");
        json_t *num = json_object_get(item, "rule_number");
        slpf_nft_spec_t spec;
        char why[256];
        if (!json_is_integer(num) || find(self, json_integer_value(num), NULL) ||
            slpf_nft_spec_from_command(cmd, now, &spec, why, sizeof why) != 0) {
            fs_log(FS_LOG_WARN, "slpf-nft", "state_rule_dropped", "file=%s index=%zu", self->path,
                   i);
            continue;
        }
        spec.start_ms = json_integer_value(json_object_get(item, "start_ms"));
        spec.stop_ms = json_integer_value(json_object_get(item, "stop_ms"));
        if (!spec.persistent || (spec.stop_ms && spec.stop_ms <= now))
            continue; /* SLPF: a non-persistent rule does not survive a restart */
        if (!insert_sorted(self, json_integer_value(num), json_incref(cmd), &spec))
            json_decref(cmd);
    }
    json_decref(doc);
    return 0;
}

/* ---- responses -------------------------------------------------------------- */

/* The response for response_requested rr: "ack" turns a success into 102
   (received, no results); none/status/complete carry the full outcome (the
   adapter journals it; see docs/slpf-nftables.md for "none"). */
static json_t *reply(const char *rr, int status, const char *text, long long number)
{
    if (rr && strcmp(rr, "ack") == 0 && status < 300)
        return openc2_response_new(102, text, NULL);
    json_t *results =
        number >= 0 ? json_pack("{s:{s:I}}", "slpf", "rule_number", (json_int_t)number) : NULL;
    json_t *r = openc2_response_new(status, text, results);
    json_decref(results);
    return r;
}

/* ---- the actuator -------------------------------------------------------- */

static void cleanup(void **state_p)
{
    if (!state_p || !*state_p)
        return;
    slpf_t *self = *state_p;
    for (size_t i = 0; i < self->count; i++)
        rule_free(&self->rules[i]);
    free(self->rules);
    if (self->nft)
        nft_ctx_free(self->nft);
    free(self);
    *state_p = NULL;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    const char *table = fs_config_string(config, "table", NULL);
    if (!table)
        table = getenv("FEDSOAR_NFT_TABLE");
    if (!table || !*table)
        table = "fedsoar";
    if (!slpf_nft_table_name_ok(table)) {
        fs_err_set(e, "slpf-nft: table name \"%.40s\" is not [A-Za-z][A-Za-z0-9_-]{0,31}", table);
        return NULL;
    }
    slpf_t *self = fs_xcalloc(1, sizeof *self);
    self->rules = fs_xcalloc(SLPF_NFT_MAX_RULES, sizeof *self->rules);
    snprintf(self->table, sizeof self->table, "%s", table);
    if (snprintf(self->path, sizeof self->path, "%s/slpf-nft.%s.json", state_dir ? state_dir : ".",
                 table) >= (int)sizeof self->path) {
        fs_err_set(e, "slpf-nft: state directory path too long");
        goto fail;
    }
    if (!(self->nft = nft_ctx_new(NFT_CTX_DEFAULT))) {
        fs_err_set(e, "slpf-nft: cannot create an nftables context");
        goto fail;
    }
    nft_ctx_output_set_flags(self->nft,
                             NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_ECHO);
    if (nft_ctx_buffer_output(self->nft) != 0 || nft_ctx_buffer_error(self->nft) != 0) {
        fs_err_set(e, "slpf-nft: cannot buffer nftables output");
        goto fail;
    }
    if (load(self, e) != 0)
        goto fail;
    if (rebuild(self) != 0) {
        fs_err_set(e,
                   "slpf-nft: cannot set up nftables table inet %s: %s (the adapter needs root "
                   "or CAP_NET_ADMIN)",
                   self->table, self->error);
        goto fail;
    }
    if (save(self, e) != 0)
        goto fail;
    fs_log(FS_LOG_INFO, "slpf-nft", "started", "table=%s rules=%zu state=%s", self->table,
           self->count, self->path);
    return self;
fail:
    cleanup((void **)&self);
    return NULL;
}

static json_t *pairs(void *state)
{
    (void)state;
    return json_pack("{s:[s,s,s,s], s:[s,s,s,s], s:[s]}", "deny", "ipv4_connection",
                     "ipv6_connection", "ipv4_net", "ipv6_net", "allow", "ipv4_connection",
                     "ipv6_connection", "ipv4_net", "ipv6_net", "delete", "slpf:rule_number");
}

static json_t *add_rule(slpf_t *self, const json_t *cmd, const char *rr)
{
    slpf_nft_spec_t spec;
    char why[256], text[512];
    int64_t now = fs_now_ms();
    int status = slpf_nft_spec_from_command(cmd, now, &spec, why, sizeof why);
    if (status != 0)
        return reply(NULL, status, why, -1);
    long long number = spec.insert_rule;
    if (number >= 0 && find(self, number, NULL)) {
        snprintf(text, sizeof text, "rule number %lld is already in use", number);
        return reply(NULL, 400, text, -1);
    }
    if (number < 0) {
        number = self->count ? self->rules[self->count - 1].number + 1 : 1;
        if (number > SLPF_NFT_RULE_NUMBER_MAX)
            return reply(NULL, 500, "no free rule number above the highest one in use", -1);
    }
    rule_t *r = insert_sorted(self, number, json_deep_copy(cmd), &spec);
    if (!r)
        return reply(NULL, 500, "rule table full (4096 rules); delete some first", -1);
    fs_err_t e = {0};
    bool now_active = active(r, now);
    if (now_active && install(self, r) != 0) {
        snprintf(text, sizeof text, "nftables refused the rule: %.400s", self->error);
        size_t at = 0;
        find(self, number, &at);
        remove_at(self, at);
        return reply(NULL, 500, text, -1);
    }
    if (save(self, &e) != 0) {
        uninstall(self, r);
        size_t at = 0;
        find(self, number, &at);
        remove_at(self, at);
        snprintf(text, sizeof text, "rule not kept: %.400s", e.text);
        return reply(NULL, 500, text, -1);
    }
    char when[32];
    if (now_active && spec.stop_ms)
        snprintf(text, sizeof text, "rule %lld in force until %s", number,
                 fs_time_format(spec.stop_ms, when, sizeof when));
    else if (now_active)
        snprintf(text, sizeof text, "rule %lld in force", number);
    else
        snprintf(text, sizeof text, "rule %lld scheduled from %s", number,
                 fs_time_format(spec.start_ms, when, sizeof when));
    fs_log(FS_LOG_INFO, "slpf-nft", "rule_added", "table=%s rule_number=%lld installed=%d",
           self->table, number, (int)now_active);
    return reply(rr, 200, text, number);
}

static json_t *delete_rule(slpf_t *self, const json_t *cmd, const char *rr)
{
    const json_t *num = json_object_get(json_object_get(cmd, "target"), "slpf:rule_number");
    char text[512];
    if (!json_is_integer(num))
        return reply(NULL, 400, "$.target.slpf:rule_number: not an integer", -1);
    long long number = json_integer_value(num);
    size_t at = 0;
    rule_t *r = find(self, number, &at);
    if (!r) {
        snprintf(text, sizeof text, "no rule number %lld", number);
        return reply(NULL, 404, text, -1);
    }
    fs_err_t e = {0};
    const json_t *start = json_object_get(json_object_get(cmd, "args"), "start_time");
    int64_t now = fs_now_ms();
    if (json_is_integer(start) && json_integer_value(start) > now) {
        /* A delete in the future: the rule simply ends then. */
        int64_t old = r->spec.stop_ms;
        r->spec.stop_ms = json_integer_value(start);
        if (save(self, &e) != 0) {
            r->spec.stop_ms = old;
            snprintf(text, sizeof text, "delete not scheduled: %.400s", e.text);
            return reply(NULL, 500, text, -1);
        }
        char when[32];
        snprintf(text, sizeof text, "rule %lld will be deleted at %s", number,
                 fs_time_format(r->spec.stop_ms, when, sizeof when));
        return reply(rr, 200, text, -1);
    }
    if (uninstall(self, r) != 0) {
        snprintf(text, sizeof text, "nftables refused to delete rule %lld: %.400s", number,
                 self->error);
        return reply(NULL, 500, text, -1);
    }
    find(self, number, &at);
    remove_at(self, at);
    if (save(self, &e) != 0) {
        snprintf(text, sizeof text, "rule %lld deleted but the state file was not updated: %.400s",
                 number, e.text);
        return reply(NULL, 500, text, -1);
    }
    fs_log(FS_LOG_INFO, "slpf-nft", "rule_deleted", "table=%s rule_number=%lld", self->table,
           number);
    snprintf(text, sizeof text, "rule %lld deleted", number);
    return reply(rr, 200, text, -1);
}

static json_t *execute(void *state, const json_t *command)
{
    slpf_t *self = state;
    const char *action = NULL, *target = NULL;
    if (!self || openc2_command_pair(command, &action, &target) != 0)
        return reply(NULL, 400, "not an OpenC2 command with one target", -1);
    const char *rr =
        json_string_value(json_object_get(json_object_get(command, "args"), "response_requested"));
    bool rule_target = strcmp(target, "ipv4_net") == 0 || strcmp(target, "ipv6_net") == 0 ||
                       strcmp(target, "ipv4_connection") == 0 ||
                       strcmp(target, "ipv6_connection") == 0;
    if ((strcmp(action, "deny") == 0 || strcmp(action, "allow") == 0) && rule_target)
        return add_rule(self, command, rr);
    if (strcmp(action, "delete") == 0 && strcmp(target, "slpf:rule_number") == 0)
        return delete_rule(self, command, rr);
    char text[256];
    snprintf(text, sizeof text, "slpf-nft does not support '%.40s %.60s'", action, target);
    return reply(NULL, 501, text, -1);
}

/* Installs rules whose start came, removes rules whose stop passed.
   Returns the number of changes, or -1 when one failed (logged). */
static int tick(void *state)
{
    slpf_t *self = state;
    if (!self)
        return -1;
    int64_t now = fs_now_ms();
    int changes = 0, rc = 0;
    for (size_t i = 0; i < self->count;) {
        rule_t *r = &self->rules[i];
        if (r->spec.stop_ms && r->spec.stop_ms <= now) {
            long long number = r->number;
            if (uninstall(self, r) != 0) {
                fs_log(FS_LOG_ERROR, "slpf-nft", "expire_failed", "rule_number=%lld reason=\"%s\"",
                       number, self->error);
                rc = -1;
                i++;
                continue;
            }
            remove_at(self, i);
            changes++;
            fs_log(FS_LOG_INFO, "slpf-nft", "rule_expired", "table=%s rule_number=%lld",
                   self->table, number);
            continue;
        }
        if (!r->installed && active(r, now)) {
            if (install(self, r) != 0) {
                fs_log(FS_LOG_ERROR, "slpf-nft", "start_failed", "rule_number=%lld reason=\"%s\"",
                       r->number, self->error);
                rc = -1;
            } else {
                changes++;
                fs_log(FS_LOG_INFO, "slpf-nft", "rule_started", "table=%s rule_number=%lld",
                       self->table, r->number);
            }
        }
        i++;
    }
    fs_err_t e = {0};
    if (changes && save(self, &e) != 0) {
        fs_log(FS_LOG_ERROR, "slpf-nft", "save_failed", "reason=\"%s\"", e.text);
        rc = -1;
    }
    return rc < 0 ? -1 : changes;
}

/* The written schema of its config (issue 11.4; docs/slpf-nftables.md). */
static const fs_schema_field_t slpf_nft_fields[] = {
    FS_FIELD("table", FS_S_STRING_LEN(1, 63)),
    FS_FIELDS_END,
};
static const fs_schema_t slpf_nft_schema = {.type = FS_SCHEMA_OBJECT, .fields = {slpf_nft_fields}};

const adapter_plugin_t actuator_slpf_nft = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_ACTUATOR,
    .type = "slpf-nft",
    .summary = "OpenC2 SLPF deny/allow/delete/update on nftables (needs CAP_NET_ADMIN)",
    .profile = "slpf",
    .init = init,
    .pairs = pairs,
    .execute = execute,
    .cleanup = cleanup,
    .tick = tick,
    .config_schema = &slpf_nft_schema,
};
