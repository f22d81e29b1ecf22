/*  usage.c — every command and subcommand of fedsoarctl in one table: the
    program's --help, each command's and subcommand's --help, the usage
    printed with a usage error and the list of valid subcommands all come
    from here, so they cannot disagree (docs/cli.md). */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

typedef struct cli_usage {
    const char *cmd;  /* "case" */
    const char *sub;  /* "show"; NULL for a command without subcommands */
    const char *args; /* what follows */
    const char *what; /* one line (or more, each indented) */
} cli_usage_t;

static const cli_usage_t usage_table[] = {
    {"keys", "init", "DIR [--sites a,b] [--operators NAME[:ROLE[:SITE]],...] [--http-names NAMES]",
     "write a development key layout and the HTTPS certificate into DIR (never overwrites a "
     "key: a re-issued certificate moves the old files to *.old)"},
    {"stats", NULL, "[--json]",
     "events (total, per site), dead letters, cases, runs, commands, connected sites"},
    {"sites", NULL, "[--json]",
     "per site: health, connection, last heartbeat, backlog (outbox, commands, requests), "
     "events, capabilities, connectors"},
    {"sites", "gap", "[--window 7d] [--json|--format text|md|json] [--playbook FILE]...",
     "capability gap analysis (docs/mna-gap.md): per site its sources, OCSF classes and ATT&CK\n"
     "techniques in the window, OpenC2 pairs, analyzers, responders, playbooks; then for every\n"
     "playbook active, in shadow, in review or planned (or each --playbook FILE, which the\n"
     "broker need not hold) and alert site whether it can run end to end (what is missing);\n"
     "what to add where"},
    {"sites", "coverage", "[--window 7d] [--site S] [--json]",
     "alert coverage per site and source: configured vs flowing, last event age, rate,\n"
     "dead-letter ratio, lag (p50/p95), silences (docs/mna-gap.md)"},
    {"case", "list",
     "[--status S] [--site S] [--assignee N] [--severity L|0-6] [--text T] [--observable V] "
     "[--limit N] [--cursor C] [--json]",
     "cases, newest first: filters; without --limit or --cursor at most 1000, else one page "
     "(1-500) and the cursor that continues it"},
    {"case", "show", "ID [--json]", "one case, its timeline, its commands with their responses"},
    {"case", "assign", "ID NAME [--json]", "set the case's assignee"},
    {"case", "note", "ID TEXT [--json]", "add a note (1-10000 characters) to the case"},
    {"case", "status", "ID new|analysis|containment|eradication|recovery|closed [--json]",
     "move the case"},
    {"case", "severity", "ID unknown|info|low|medium|high|critical|fatal [--json]",
     "set the case's severity"},
    {"approvals", "list", "[--all] [--json]",
     "open approval gates (--all: every one); the default subcommand"},
    {"approvals", "show", "ID [--json]",
     "one gate: what approving it does (commands, sites), the evidence, the votes, the payload "
     "to sign"},
    {"approvals", "approve", "ID [--comment TEXT] [--json]",
     "vote for a gate, signed with KEYS/operators/NAME.sign.pem"},
    {"approvals", "deny", "ID [--comment TEXT] [--json]", "vote against a gate"},
    {"runs", "list",
     "[--status running|waiting|completed|failed|denied] [--case ID] [--playbook NAME] "
     "[--limit N] [--cursor C] [--json]",
     "playbook runs, newest first (at most 1000; --limit/--cursor: one page, its next cursor); "
     "the default subcommand"},
    {"runs", "show", "ID [--json]", "one run's full state and each started step's state"},
    {"metrics", NULL,
     "[--window 24h|7d|30d|NNd|all] [--json] | --by-site [--window 7d] [--bucket day|week] "
     "[--json|--csv] [--chart FILE.svg]",
     "MTTA/MTTC/MTTR and counts, overall and per site; --by-site: per site per day or week, "
     "ratio to the best site and trend (MTTR parity)"},
    {"playbook", "validate", "FILE|-",
     "check a playbook file (at most 1 MiB) without a broker: 0 valid, 1 invalid"},
    {"playbook", "test", "FILE|- --event EVENT.json [--deny] [--fail-commands]",
     "dry run through the engine: every step it would take; nothing is executed"},
    {"playbook", "submit", "FILE|- [--json]",
     "submit a new version for review (docs/governance.md)"},
    {"playbook", "diff", "A B [--json]", "compare two versions or files; exit 1 when they differ"},
    {"playbook", "export", "--format bpmn FILE|-|VERSION [--out PATH]",
     "BPMN 2.0 XML with its diagram (bpmn.io, Camunda Modeler): a FILE here, a VERSION (or a "
     "unique prefix) from the broker"},
    {"playbook", "history", "NAME [--json]",
     "every version of a playbook, its state and signatures"},
    {"playbook", "approve", "VERSION [--json]", "sign an approval with your Ed25519 key"},
    {"playbook", "reject", "VERSION --reason TEXT [--json]", "sign a rejection"},
    {"playbook", "activate", "VERSION --site S [--shadow] [--json]",
     "make an approved version run at a site"},
    {"playbook", "rollback", "--site S [NAME] [--json]", "go back to the version active before"},
    {"playbook", "retire", "VERSION [--json]", "stop a version everywhere"},
    {"playbook", "compare", "NAME [--json]", "shadow runs against live runs, event by event"},
    {"playbook", "status", "[--json]", "what runs where"},
    {"cacao", "import",
     "FILE [--dry-run] [--output PLAYBOOK.json] [--trigger TRIGGER.json] [--responder NAME] "
     "[--role NAME] [--sites A,B]",
     "a CACAO v2.0 playbook as a fedsoar playbook, offline (docs/cacao.md): 0 imported, 1\n"
     "refused with the JSON path; --dry-run lists the steps and writes nothing"},
    {"cacao", "export", "NAME|VERSION|FILE [--output F] [--trusted DIR]",
     "a playbook as CACAO v2.0; NAME/VERSION from the broker with its approvals as CACAO\n"
     "signatures (public keys from DIR, default KEYS/signing/operators); FILE offline, unsigned"},
    {"rollout", "plan", "NAME --sites A,B [--version V] [--criteria FILE] [--json]",
     "a phased rollout of a playbook version: every site starts in observe (without --sites: "
     "show it)"},
    {"rollout", "status", "NAME [--rollback-plan] [--json]",
     "per site: the phase, each promotion criterion measured, open proposals (--rollback-plan: "
     "what each promotion changed)"},
    {"rollout", "promote", "NAME --site S [--override REASON] [--json]",
     "propose the next phase at S (refused while a criterion fails, unless overridden)"},
    {"rollout", "sign", "NAME --proposal ID [--payload TEXT --signature SIG] [--json]",
     "sign a promotion with your Ed25519 key; it takes effect at the board's quorum"},
    {"rollout", "rollback", "NAME --site S [--to PHASE] [--json]",
     "undo the latest promotion(s) at S at once (admin, no quorum)"},
    {"audit", "verify", "[--state-dir DIR [--keys DIR]] [--witness SITE_STATE_DIR]... [--json]",
     "check the audit chain (online, or offline from the LMDB) against the sites' witness copies: "
     "0 intact and "
     "authenticated, 1 broken or not authenticated"},
    {"audit", "export", "[--since SEQ]", "one JSON line per audit entry, for a SIEM"},
    {"backup", NULL, "DIR [--json]",
     "an online, consistent, compacted copy of the broker's store into DIR on the broker's\n"
     "machine (empty or absent; admin); the copy is a standby (DIR/STANDBY): a broker\n"
     "started with --state-dir DIR serves no site until promoted"},
    {"promote", NULL, "[--json]",
     "a standby broker (started on a backup) starts serving at a new broker epoch; sites\n"
     "welcomed at it refuse the broker it replaces (admin)"},
    {"login", NULL, "--web [--json]",
     "a one-time sign-in link for your browser, made with your operator key (works once,\n"
     "within 60 s); the URL is the last line of stdout"},
    {"sessions", "list", "[--json]",
     "browser sessions (yours; an admin sees all): public id, operator, created, last used"},
    {"sessions", "revoke", "ID [--json]", "end a browser session (yours; an admin: anyone's)"},
    {"token", "create",
     "--name NAME --role analyst|approver|site-admin|admin [--site S] [--expires DURATION] "
     "[--json]",
     "an API token for a tool (admin), printed once as the last line; DURATION: 30m, 12h, 90d"},
    {"token", "list", "[--json]", "API tokens (admin): name, role, site, expiry; never the secret"},
    {"token", "revoke", "NAME [--json]", "revoke an API token at once (admin)"},
    {"operator", "passkey", "enroll NAME [--timeout SECONDS]",
     "enroll a passkey to sign votes and approvals in the browser (yourself; an admin: anyone):\n"
     "prints a one-time link (last line of stdout), waits for the passkey (default 300 s),\n"
     "shows its fingerprint and writes KEYS/signing/operators/NAME.passkey.json"},
    {"identities", "load", "FILE|- [--json]",
     "load the identity crosswalk from a CSV person,site,account (admin; header line, RFC 4180):\n"
     "every bad row refused with its line (unknown site, empty field, an account claimed by two\n"
     "persons) and nothing loaded; a good file replaces the links of source csv "
     "(docs/identities.md)"},
    {"identities", "show", "PERSON|SITE:ACCOUNT|ACCOUNT [--json]",
     "a person and every linked account, its site and the source of the link (csv, or\n"
     "learned:CONNECTOR:ATTRIBUTE); 1 when nothing matches"},
    {"identities", "list", "[--json]", "every person of the crosswalk with their accounts"},
    {"normalize", NULL,
     "--source ID [--site NAME] [--keep-raw] [--mappings DIR] [FILE|-] | --list-sources",
     "native records -> OCSF, one per line (docs/normalize.md): 0 all normalized, 1 a record\n"
     "rejected; mappings: --mappings, else $FEDSOAR_MAPPINGS, else the shipped ones"},
    {"openc2", "validate", "[--response] [--profile NAME]... [--profile-dir DIR] [FILE|-]",
     "check an OpenC2 command or response: 0 valid, 1 invalid (\"400 reason\" or \"501 reason\");\n"
     "profiles: language, slpf (built in), a file, or NAME.json in --profile-dir or\n"
     "$FEDSOAR_OPENC2_PROFILES (default language,slpf) (docs/openc2.md)"},
    {"route", NULL,
     "--explain FILE|- [--routes ROUTES.json] [--site NAME] [--no-validate] [--json]",
     "which site(s) an OpenC2 command goes to, and why: 0 routed, 1 refused or invalid\n"
     "without --routes (or $FEDSOAR_ROUTES) the running broker decides with what it knows now;\n"
     "ROUTES.json: {\"sites\": {\"alpha\": {\"scopes\": {...}, \"capabilities\": {...}}}}"},
};
#define USAGE_COUNT (sizeof usage_table / sizeof *usage_table)

bool cli_is_command(const char *cmd)
{
    for (size_t i = 0; cmd && i < USAGE_COUNT; i++)
        if (strcmp(usage_table[i].cmd, cmd) == 0)
            return true;
    return false;
}

bool cli_is_subcommand(const char *cmd, const char *sub)
{
    for (size_t i = 0; cmd && sub && i < USAGE_COUNT; i++)
        if (strcmp(usage_table[i].cmd, cmd) == 0 && usage_table[i].sub &&
            strcmp(usage_table[i].sub, sub) == 0)
            return true;
    return false;
}

static void print_line(FILE *out, const char *lead, const cli_usage_t *u, bool with_what)
{
    fprintf(out, "%s%s%s%s %s\n", lead, u->cmd, u->sub ? " " : "", u->sub ? u->sub : "", u->args);
    for (const char *w = with_what ? u->what : NULL; w && *w;) { /* each line of what, indented */
        size_t n = strcspn(w, "\n");
        fprintf(out, "%*s%.*s\n", (int)strlen(lead) + 4, "", (int)n, w);
        w += n + (w[n] ? 1 : 0);
    }
}

void cli_print_usage(FILE *out, const char *cmd, const char *sub)
{
    if (!cmd) {
        fprintf(
            out,
            "usage: fedsoarctl [--control ENDPOINT] [--keys DIR] [--operator NAME] COMMAND ...\n\n"
            "commands:\n");
        for (size_t i = 0; i < USAGE_COUNT; i++)
            print_line(out, "  ", &usage_table[i], true);
        fprintf(out,
                "\n  --control ENDPOINT  broker control endpoint (default tcp://127.0.0.1:7701,\n"
                "                      or $FEDSOAR_CONTROL)\n"
                "  --keys DIR          key layout (default /etc/fedsoar/keys, or $FEDSOAR_KEYS)\n"
                "  --operator NAME     your operator key: KEYS/operators/NAME.cert_secret\n"
                "                      (default admin, or $FEDSOAR_OPERATOR)\n"
                "  --help, -h          this text; after a command, that command's usage\n"
                "  --version\n\n"
                "exit: 0 done; 1 refused or invalid (the broker said no, a document is invalid,\n"
                "a verification failed); 2 usage or I/O (bad flag, missing file, no broker).\n");
        return;
    }
    bool first = true;
    for (size_t i = 0; i < USAGE_COUNT; i++) {
        const cli_usage_t *u = &usage_table[i];
        if (strcmp(u->cmd, cmd) != 0 || (sub && (!u->sub || strcmp(u->sub, sub) != 0)))
            continue;
        print_line(out, first ? "usage: fedsoarctl " : "       fedsoarctl ", u, true);
        first = false;
    }
}

int cli_usage_error(const char *cmd, const char *sub, const char *fmt, ...)
{
    fprintf(stderr, "fedsoarctl: %s%s%s: ", cmd, sub ? " " : "", sub ? sub : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    cli_print_usage(stderr, cmd, cli_is_subcommand(cmd, sub) ? sub : NULL);
    return CLI_USAGE;
}

int cli_unknown_subcommand(const char *cmd, const char *word)
{
    if (word)
        fprintf(stderr, "fedsoarctl: %s: unknown subcommand \"%s\" (one of:", cmd, word);
    else
        fprintf(stderr, "fedsoarctl: %s: a subcommand is needed (one of:", cmd);
    bool first = true;
    for (size_t i = 0; i < USAGE_COUNT; i++)
        if (strcmp(usage_table[i].cmd, cmd) == 0 && usage_table[i].sub) {
            fprintf(stderr, "%s %s", first ? "" : ",", usage_table[i].sub);
            first = false;
        }
    fprintf(stderr, "; see fedsoarctl %s --help)\n", cmd);
    return CLI_USAGE;
}
