/*  cli.h — private to fedsoarctl: the global options, one entry point per
    command (cmd_*.c) and the few helpers every command shares (usage.c,
    args.c, control_client.c). The contract is docs/cli.md:

      exit 0  done
      exit 1  refused or invalid: the broker said no, a document is invalid
              (or larger than its limit), a verification failed
      exit 2  usage or I/O: a bad flag or value, a missing or unreadable
              file, a broker that cannot be reached

    --help or -h anywhere in the arguments prints the usage of the command
    (and subcommand) named on stdout and exits 0 before any command runs
    (main.c), so no command has to handle it and none can have a side
    effect. Error messages go to stderr, prefixed "fedsoarctl: CMD SUB: ". */
#ifndef FEDSOAR_CLI_H
#define FEDSOAR_CLI_H

#include "common.h"

#include <stdio.h>

/* Exit codes (docs/cli.md "Exit codes"). */
enum { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

/* Input size limits (docs/cli.md "Input size limits"). */
#define CLI_PLAYBOOK_MAX                                                                           \
    (1024u * 1024u)                   /* a playbook file; the loader in playbooks/ has the same */
#define CLI_EVENT_MAX (1024u * 1024u) /* an event file (playbook test --event) */
#define CLI_ROUTES_MAX (64u * 1024u * 1024u)      /* a routes file (route --routes) */
#define CLI_NORMALIZE_MAX (1024u * 1024u * 1024u) /* one input of fedsoarctl normalize */

typedef struct cli_opts {
    const char *control;  /* control endpoint of the broker */
    const char *keys_dir; /* key layout (fedsoarctl keys init) */
    const char *operator_name;
} cli_opts_t;

/* argv[0] is the command's own name ("stats", "case", ...). */
int cmd_keys(const cli_opts_t *o, int argc, char **argv);
int cmd_stats(const cli_opts_t *o, int argc, char **argv);
/* cmd_backup.c: backup DIR */
int cmd_backup(const cli_opts_t *o, int argc, char **argv);
/* cmd_promote.c: promote (a standby starts serving, fencing) */
int cmd_promote(const cli_opts_t *o, int argc, char **argv);
int cmd_case(const cli_opts_t *o, int argc, char **argv);
int cmd_sites(const cli_opts_t *o, int argc, char **argv);
/* sites gap / sites coverage (cmd_sites_gap.c), called by cmd_sites. */
int cmd_sites_gap(const cli_opts_t *o, int argc, char **argv);
int cmd_sites_coverage(const cli_opts_t *o, int argc, char **argv);
int cmd_approvals(const cli_opts_t *o, int argc, char **argv);
int cmd_runs(const cli_opts_t *o, int argc, char **argv);
int cmd_metrics(const cli_opts_t *o, int argc, char **argv);
int cmd_playbook(const cli_opts_t *o, int argc, char **argv);
int cmd_normalize(const cli_opts_t *o, int argc, char **argv);
int cmd_openc2(const cli_opts_t *o, int argc, char **argv);
int cmd_route(const cli_opts_t *o, int argc, char **argv);
/* cmd_cacao.c: cacao import|export (CACAO v2.0 playbooks, docs/cacao.md) */
int cmd_cacao(const cli_opts_t *o, int argc, char **argv);
/* playbook submit|diff|history|approve|reject|activate|rollback|retire|compare|status */
int cmd_governance(const cli_opts_t *o, int argc, char **argv);
int cmd_audit(const cli_opts_t *o, int argc, char **argv);
/* cmd_rollout.c: rollout plan|status|promote|sign|rollback */
int cmd_rollout(const cli_opts_t *o, int argc, char **argv);
/* cmd_web.c: login --web, sessions list|revoke, token create|list|revoke */
int cmd_login(const cli_opts_t *o, int argc, char **argv);
int cmd_sessions(const cli_opts_t *o, int argc, char **argv);
int cmd_token(const cli_opts_t *o, int argc, char **argv);
/* cmd_operator.c: operator passkey enroll NAME */
int cmd_operator(const cli_opts_t *o, int argc, char **argv);
/* cmd_identities.c: identities load|show|list (docs/identities.md) */
int cmd_identities(const cli_opts_t *o, int argc, char **argv);

/* ---- usage (usage.c): one table of every command and subcommand ---------- */

/* Whether cmd is a command / sub one of its subcommands. */
bool cli_is_command(const char *cmd);
bool cli_is_subcommand(const char *cmd, const char *sub);
/* Prints the program's usage (cmd NULL), a command's (sub NULL) or one
   subcommand's. */
void cli_print_usage(FILE *out, const char *cmd, const char *sub);
/* Prints "fedsoarctl: CMD[ SUB]: MESSAGE" and the usage lines of CMD[ SUB]
   to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "fedsoarctl: CMD: unknown subcommand "WORD" (one of: a, b, c)"; CLI_USAGE. */
int cli_unknown_subcommand(const char *cmd, const char *word);

/* ---- arguments (args.c) --------------------------------------------------- */

/* One option of a command: a switch (sets *on) or a flag with a value (sets
 *value; "--flag VALUE" and "--flag=VALUE"). */
typedef struct cli_flag {
    const char *name; /* "--status" */
    const char **value;
    bool *on;
} cli_flag_t;

/* Parses argv[first..argc) against flags (an array ended by {NULL}); other
   words go to pos[] (at most max_pos; "-" is a word: stdin). An unknown
   option, a flag without its value or one word too many is a usage error
   (printed; returns CLI_USAGE). Returns 0 and sets *npos. */
int cli_parse_args(const char *cmd, const char *sub, int argc, char **argv, int first,
                   const cli_flag_t *flags, const char **pos, int max_pos, int *npos);
/* A positive integer id (1..INT64_MAX), else "fedsoarctl: CMD SUB: "TEXT" is
   not a WHAT id (a positive integer)" and CLI_USAGE. */
int cli_parse_id(const char *cmd, const char *sub, const char *text, const char *what,
                 uint64_t *id);
/* value is one of allowed (NULL-terminated): returns its index, else prints
   "fedsoarctl: CMD SUB: "VALUE" is not a WHAT (one of: ...)" and returns -1. */
int cli_parse_enum(const char *cmd, const char *sub, const char *what, const char *value,
                   const char *const *allowed);
/* Reads a file ("-" = stdin) of at most max bytes. NULL after printing why,
   with *rc = CLI_USAGE (cannot read) or too_big_rc (larger than max: named
   with the limit, docs/cli.md "Input size limits"). Caller owns. */
char *cli_read_file(const char *cmd, const char *sub, const char *path, size_t max,
                    const char *what, int too_big_rc, size_t *len, int *rc);
/* Reads and parses one JSON object file (I-JSON). NULL after printing why:
   *rc = CLI_USAGE for I/O, invalid_rc when it is too big, not JSON or not an
   object. Caller owns. */
json_t *cli_load_json(const char *cmd, const char *sub, const char *path, size_t max,
                      const char *what, int invalid_rc, int *rc);

/* ---- the broker's HTTPS certificate (http_certs.c) ------------------------
   keys init writes KEYS/http/ca.crt, broker.crt and broker.key (0600): a
   local CA limited by nameConstraints to the names given signs one server
   certificate for them, and its private key is freed, never written
   (docs/operations.md "HTTPS", docs/internals/http_certs.md). */

#define CLI_HTTP_NAMES_DEFAULT "localhost,127.0.0.1,::1"
#define CLI_HTTP_NAMES_MAX 32

/* The names a certificate is for: DNS names (lowercase) and addresses
   (4 or 16 bytes, network order), each once. A plain value, no pointers. */
typedef struct cli_http_names {
    size_t n_dns, n_ip;
    char dns[CLI_HTTP_NAMES_MAX][254];
    unsigned char ip[CLI_HTTP_NAMES_MAX][16];
    size_t ip_len[CLI_HTTP_NAMES_MAX];
} cli_http_names_t;

/* Parses --http-names (comma list of DNS names, IPv4 and IPv6 addresses).
   -1 with why = "item N ("TEXT"): what is wrong" for an empty item, a bad
   address, a name with a space, a wildcard or other characters. */
int cli_http_names_parse(const char *csv, cli_http_names_t *out, char *why, size_t why_size);
/* The names back as a comma list (DNS names first), for messages. */
void cli_http_names_format(const cli_http_names_t *names, char *out, size_t size);

typedef enum {
    CLI_HTTP_CERTS_WRITTEN, /* there were none: written */
    CLI_HTTP_CERTS_KEPT,    /* some existed and reissue was false: nothing touched */
    CLI_HTTP_CERTS_REISSUED /* some existed: moved to NAME.old, new ones written */
} cli_http_certs_outcome_t;

/* Writes the three files under keys_dir/http (made 0700). When any of them
   exists: kept as they are unless reissue, then moved to NAME.old first. */
int cli_http_certs_write(const char *keys_dir, const cli_http_names_t *names, bool reissue,
                         cli_http_certs_outcome_t *outcome, fs_err_t *e);

/* ---- the broker (control_client.c) ---------------------------------------- */

/* Sends one control request to the broker and returns its result object
   (caller owns; args is stolen). On failure prints the reason to stderr,
   returns NULL and sets *rc: CLI_REFUSED when the broker answered no or the
   request is larger than the FSP/1 body limit (FSP_MAX_BODY), CLI_USAGE
   when it could not be asked (keys, connection, no answer within 10 s). */
json_t *cli_call(const cli_opts_t *o, const char *cmd, json_t *args, int *rc);
/* A list command's pages (runs.list, approvals.list: {"items",
   "next_cursor"}) gathered up to max items, or only the first when
   one_page: {"items", "next_cursor"} (caller owns; args stolen); NULL with
   *rc set (cmd_runs.c). */
json_t *cli_call_pages(const cli_opts_t *o, const char *cmd, json_t *args, bool one_page,
                       size_t max, int *rc);
/* The same without the exit code (kept for older callers). */
json_t *cli_control_call(const cli_opts_t *o, const char *cmd, json_t *args);

/* Prints v as indented, key-sorted JSON on stdout. */
void cli_print_json(const json_t *v);

#endif
