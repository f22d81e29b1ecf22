/*  cmd_playbook.c — fedsoarctl playbook validate FILE
                     fedsoarctl playbook test FILE --event EVENT.json [--deny] [--fail-commands]
                     fedsoarctl playbook export --format bpmn FILE|-|VERSION [--out PATH]
    `test` is a dry run through the broker's own engine, in this process,
    executing nothing: every command and request is answered as a success
    (or failure with --fail-commands), every approval is granted (or denied
    with --deny), every timer fires at once. It prints each step it would
    take, the site each command would go to, the approvals it would ask for
    and the commands it would send. */
#include "cli.h"
#include "effect.h"
#include "openc2.h"
#include "playbook_bpmn.h"
#include "playbooks.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A playbook file: at most CLI_PLAYBOOK_MAX bytes, JSON, valid. NULL after
   saying why, with *rc = 2 (cannot read) or 1 (too big or invalid). */
static playbook_t *load(const char *sub, const char *path, int *rc)
{
    json_t *doc =
        cli_load_json("playbook", sub, path, CLI_PLAYBOOK_MAX, "playbooks", CLI_REFUSED, rc);
    if (!doc)
        return NULL;
    fs_err_t e = {0};
    playbook_t *pb = playbook_parse(doc, path, &e);
    json_decref(doc);
    if (!pb) {
        printf("invalid: %s\n", e.text);
        *rc = CLI_REFUSED;
    }
    return pb;
}

static void show(const char *label, const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s%s\n", label, t ? t : "null");
    free(t);
}

/* The dry run's effect handlers: the same dispatcher and effect kinds as
   the broker's durable and shadow runs (playbooks/effect.h); here each
   effect is printed and answered at once. */
typedef struct dry {
    json_t *run;
    const json_t *event;
    bool deny, fail;
    json_t *ok, *bad; /* the simulated answers */
    json_t *timers;   /* fired after the round, the clock jumping to each */
    int64_t now;
} dry_t;

static int dry_command(void *arg, const playbook_effect_t *fx)
{
    dry_t *d = arg;
    const json_t *f = fx->doc;
    const char *site = json_string_value(json_object_get(f, "site"));
    if (!site)
        site = json_string_value(json_object_get(d->event, "site"));
    char reason[256] = "";
    int verdict = openc2_validate_command(json_object_get(f, "command"), reason, sizeof reason);
    printf("  step %-16s OpenC2 -> site %s%s\n", fx->step, site ? site : "(none: refused)",
           json_is_true(json_object_get(f, "critical")) ? " [critical]" : "");
    show("      ", json_object_get(f, "command"));
    if (verdict != OPENC2_VALID)
        printf("      would be refused: %d %s\n", verdict, reason);
    playbook_deliver(d->run, fx->path, (int)json_integer_value(json_object_get(f, "index")),
                     d->fail || verdict != OPENC2_VALID ? "error" : "ok", d->fail ? d->bad : d->ok,
                     d->now);
    return 0;
}

static int dry_request(void *arg, const playbook_effect_t *fx)
{
    dry_t *d = arg;
    const json_t *f = fx->doc;
    printf("  step %-16s %s %s at site %s\n", fx->step,
           json_string_value(json_object_get(f, "type")),
           json_string_value(json_object_get(f, "name")),
           json_string_value(json_object_get(f, "site"))
               ? json_string_value(json_object_get(f, "site"))
               : json_string_value(json_object_get(d->event, "site")));
    show("      input ", json_object_get(f, "input"));
    json_t *empty = json_object();
    playbook_deliver(d->run, fx->path, 0, d->fail ? "error" : "ok", d->fail ? d->bad : empty,
                     d->now);
    json_decref(empty);
    return 0;
}

static int dry_approval(void *arg, const playbook_effect_t *fx)
{
    dry_t *d = arg;
    const json_t *f = fx->doc;
    printf("  step %-16s approval by role %s, quorum %lld: %s -> simulated %s\n", fx->step,
           json_string_value(json_object_get(f, "role")),
           (long long)json_integer_value(json_object_get(f, "quorum")),
           json_string_value(json_object_get(f, "reason")), d->deny ? "DENY" : "APPROVE");
    json_t *decision = json_pack("{s:s}", "decision", d->deny ? "denied" : "approved");
    playbook_deliver(d->run, fx->path, 0, d->deny ? "denied" : "approved", decision, d->now);
    json_decref(decision);
    return 0;
}

static int dry_case(void *arg, const playbook_effect_t *fx)
{
    (void)arg;
    show("  set case ", json_object_get(fx->doc, "fields"));
    return 0;
}

static int dry_timer(void *arg, const playbook_effect_t *fx)
{
    json_array_append(((dry_t *)arg)->timers, (json_t *)fx->doc);
    return 0;
}

static int dry_timeline(void *arg, const playbook_effect_t *fx)
{
    (void)arg;
    const char *what = json_string_value(json_object_get(fx->doc, "what"));
    if (strcmp(what, "done") != 0)
        printf("  step %-16s %s\n", fx->step, what);
    return 0;
}

static const playbook_effect_handlers_t dry_handlers = {{
    [PLAYBOOK_EFFECT_COMMAND] = dry_command,
    [PLAYBOOK_EFFECT_REQUEST] = dry_request,
    [PLAYBOOK_EFFECT_APPROVAL] = dry_approval,
    [PLAYBOOK_EFFECT_TIMER] = dry_timer,
    [PLAYBOOK_EFFECT_CASE] = dry_case,
    [PLAYBOOK_EFFECT_TIMELINE] = dry_timeline,
}};

static int dry_run(const playbook_t *pb, const json_t *event, bool deny, bool fail)
{
    fs_err_t e = {0};
    if (!playbook_matches(pb, event, &e))
        printf("note: the trigger does NOT match this event%s%s (running anyway)\n",
               e.text[0] ? ": " : "", e.text);
    dry_t d = {
        .run = json_pack("{s:i}", "id", 1),
        .event = event,
        .deny = deny,
        .fail = fail,
        .ok = json_pack("{s:i, s:s}", "status", 200, "status_text", "dry run"),
        .bad = json_pack("{s:i, s:s}", "status", 500, "status_text", "dry run: simulated failure"),
        .now = fs_now_ms()};
    json_t *ctx =
        json_pack("{s:O, s:{s:i, s:s}}", "event", event, "case", "id", 1, "status", "new");
    int rc = 0;
    for (int round = 0; round < 200; round++) {
        json_t *fx = json_array();
        rc = playbook_advance(pb, d.run, ctx, d.now, NULL, NULL, fx, &e);
        d.timers = json_array();
        playbook_effects_dispatch(fx, &dry_handlers, &d);
        /* Timers fire at once in a dry run: jump the clock to each. */
        size_t i;
        json_t *f;
        json_array_foreach(d.timers, i, f)
        {
            int64_t at = json_integer_value(json_object_get(f, "at"));
            if (at > d.now)
                d.now = at;
            if (playbook_deliver(d.run, json_string_value(json_object_get(f, "path")), 0, "timer",
                                 NULL, d.now) == 0)
                printf("  (timer %s fired)\n", json_string_value(json_object_get(f, "path")));
        }
        json_decref(d.timers);
        json_decref(fx);
        if (rc != 0)
            break;
    }
    printf("run %s%s%s\n", json_string_value(json_object_get(d.run, "status")),
           json_object_get(d.run, "error") ? ": " : "",
           json_object_get(d.run, "error") ? json_string_value(json_object_get(d.run, "error"))
                                           : "");
    json_decref(d.ok);
    json_decref(d.bad);
    json_decref(ctx);
    json_decref(d.run);
    return 0;
}

/* export: a FILE (or "-") is exported here, without a broker; a VERSION
   (its SHA-256 or a prefix of at least 6 hex digits) by the broker's
   playbook.bpmn, which finds versions as playbook.diff does (stored, or
   of its playbook directory). The XML goes to stdout or, replaced
   atomically, to --out PATH. */
static int do_export(const cli_opts_t *o, int argc, char **argv)
{
    const char *format = "bpmn", *out = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t flags[] = {
        {"--format", &format, NULL}, {"--out", &out, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse_args("playbook", "export", argc, argv, 2, flags, pos, 1, &npos);
    if (rc != 0)
        return rc;
    static const char *const formats[] = {"bpmn", NULL};
    if (cli_parse_enum("playbook", "export", "format", format, formats) < 0)
        return CLI_USAGE;
    if (npos != 1)
        return cli_usage_error("playbook", "export", "FILE or VERSION is required");
    const char *what = pos[0];
    char *xml = NULL;
    size_t n = strlen(what);
    if (access(what, F_OK) == 0 || strcmp(what, "-") == 0) {
        json_t *doc = cli_load_json("playbook", "export", what, CLI_PLAYBOOK_MAX, "playbooks",
                                    CLI_REFUSED, &rc);
        if (!doc)
            return rc;
        fs_err_t e = {0};
        playbook_t *pb = playbook_parse(doc, what, &e); /* its errors name the file */
        if (pb)
            xml = playbook_bpmn(doc, &e);
        playbook_destroy(&pb);
        json_decref(doc);
        if (!xml) {
            printf("invalid: %s\n", e.text);
            return CLI_REFUSED;
        }
    } else if (n >= 6 && n <= 64 && strspn(what, "0123456789abcdef") == n) {
        json_t *r = cli_call(o, "playbook.bpmn", json_pack("{s:s}", "version", what), &rc);
        const char *text = json_string_value(json_object_get(r, "xml"));
        xml = text ? fs_xstrdup(text) : NULL;
        json_decref(r);
        if (!xml)
            return rc ? rc : CLI_REFUSED;
    } else {
        fprintf(stderr,
                "fedsoarctl: playbook export: \"%s\" is neither a file nor a playbook version "
                "(its SHA-256, or a prefix of at least 6 hex digits)\n",
                what);
        return CLI_USAGE;
    }
    fs_err_t e = {0};
    if (out && fs_file_write_atomic(out, xml, strlen(xml), 0644, &e) != 0) {
        fprintf(stderr, "fedsoarctl: playbook export: %s\n", e.text);
        rc = CLI_USAGE;
    } else if (!out) {
        fputs(xml, stdout);
    }
    free(xml);
    return rc;
}

int cmd_playbook(const cli_opts_t *o, int argc, char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    if (!sub || !cli_is_subcommand("playbook", sub))
        return cli_unknown_subcommand("playbook", sub);
    if (strcmp(sub, "export") == 0)
        return do_export(o, argc, argv);
    if (strcmp(sub, "validate") != 0 && strcmp(sub, "test") != 0)
        return cmd_governance(o, argc, argv);
    bool deny = false, fail = false, test = strcmp(sub, "test") == 0;
    const char *event_file = NULL, *pos[1];
    int npos = 0;
    const cli_flag_t test_flags[] = {{"--event", &event_file, NULL},
                                     {"--deny", NULL, &deny},
                                     {"--fail-commands", NULL, &fail},
                                     {NULL, NULL, NULL}};
    const cli_flag_t validate_flags[] = {{NULL, NULL, NULL}};
    int rc = cli_parse_args("playbook", sub, argc, argv, 2, test ? test_flags : validate_flags, pos,
                            1, &npos);
    if (rc != 0)
        return rc;
    if (npos != 1)
        return cli_usage_error("playbook", sub, "FILE is required");
    if (test && !event_file)
        return cli_usage_error("playbook", sub, "--event EVENT.json is required");
    json_t *event = NULL;
    if (test && !(event = cli_load_json("playbook", sub, event_file, CLI_EVENT_MAX, "events",
                                        CLI_REFUSED, &rc)))
        return rc;
    const char *file = pos[0];
    playbook_t *pb = load(sub, file, &rc);
    if (!pb) {
        json_decref(event);
        return rc;
    }
    if (strcmp(sub, "validate") == 0) {
        printf("valid: %s version %s\n", playbook_name(pb), playbook_version(pb));
    } else {
        printf("dry run of %s (version %.12s) on %s — nothing is executed\n", playbook_name(pb),
               playbook_version(pb), event_file);
        rc = dry_run(pb, event, deny, fail);
    }
    json_decref(event);
    playbook_destroy(&pb);
    return rc;
}
