/*  cmd_openc2.c — `fedsoarctl openc2 validate`: checks one OpenC2 command
    or response (docs/openc2.md) without a broker.

      fedsoarctl openc2 validate [--response] [--profile NAME]... [--profile-dir DIR] [FILE|-]

    Exit 0 valid ("valid" on stdout); 1 invalid, first line "400 <reason>"
    or "501 <reason>"; 2 usage or I/O error. */
#include "cli.h"
#include "openc2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROFILE_ARGS 16

static int usage(FILE *out)
{
    fprintf(
        out,
        "usage: fedsoarctl openc2 validate [--response] [--profile NAME]... "
        "[--profile-dir DIR] [FILE|-]\n"
        "  Validates an OpenC2 v1.0 command (or, with --response, a response) read from\n"
        "  FILE or stdin. Profiles: language, slpf (built in), a profile file path, or\n"
        "  NAME.json in --profile-dir / $FEDSOAR_OPENC2_PROFILES. Default: language,slpf.\n"
        "  Exit 0 valid; 1 invalid (\"400 reason\" or \"501 reason\"); 2 usage or I/O error.\n");
    return 2;
}

static int add_profiles(openc2_validator_t *v, const char *list, const char *dir)
{
    /* a comma-separated list: "slpf,acme" */
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char name[1024];
        if (n >= sizeof name) {
            fprintf(stderr, "fedsoarctl openc2: profile name too long\n");
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (n > 0) {
            fs_err_t e;
            if (openc2_validator_add(v, name, dir, &e) != 0) {
                fprintf(stderr, "fedsoarctl openc2: %s\n", e.text);
                return -1;
            }
        }
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

static int cmd_validate(int argc, char **argv)
{
    bool response = false;
    const char *file = NULL, *dir = NULL;
    const char *profiles[MAX_PROFILE_ARGS];
    size_t nprofiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--response") == 0) {
            response = true;
        } else if (strcmp(a, "--command") == 0) {
            response = false;
        } else if (strcmp(a, "--profile") == 0 || strcmp(a, "--profile-dir") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fedsoarctl openc2: %s needs a value\n", a);
                return usage(stderr);
            }
            if (strcmp(a, "--profile-dir") == 0) {
                dir = argv[++i];
            } else {
                if (nprofiles >= MAX_PROFILE_ARGS) {
                    fprintf(stderr, "fedsoarctl openc2: at most %d --profile options\n",
                            MAX_PROFILE_ARGS);
                    return 2;
                }
                profiles[nprofiles++] = argv[++i];
            }
        } else if (strncmp(a, "--profile=", 10) == 0) {
            if (nprofiles >= MAX_PROFILE_ARGS)
                return usage(stderr);
            profiles[nprofiles++] = a + 10;
        } else if (strncmp(a, "--profile-dir=", 14) == 0) {
            dir = a + 14;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fedsoarctl openc2: unknown option %s\n", a);
            return usage(stderr);
        } else if (file) {
            fprintf(stderr, "fedsoarctl openc2: only one FILE\n");
            return usage(stderr);
        } else {
            file = a;
        }
    }
    if (!file)
        file = "-";

    openc2_validator_t *v = openc2_validator_new();
    if (!v) {
        fprintf(stderr, "fedsoarctl openc2: out of memory\n");
        return 2;
    }
    int rc = 0;
    if (nprofiles == 0)
        rc = add_profiles(v, "language,slpf", dir);
    for (size_t i = 0; rc == 0 && i < nprofiles; i++)
        rc = add_profiles(v, profiles[i], dir);
    if (rc != 0) {
        openc2_validator_destroy(&v);
        return 2;
    }

    size_t len = 0;
    char *text = cli_read_file("openc2", "validate", file, OPENC2_MAX_TEXT, "OpenC2 messages",
                               CLI_REFUSED, &len, &rc);
    if (!text) {
        if (rc == CLI_REFUSED) /* the same verdict the validator gives a text over the limit */
            printf("400 message larger than %d bytes\n", OPENC2_MAX_TEXT);
        openc2_validator_destroy(&v);
        return rc;
    }
    char reason[OPENC2_REASON_MAX];
    int verdict = response ? openc2_check_response_text(v, text, len, reason, sizeof reason)
                           : openc2_check_command_text(v, text, len, reason, sizeof reason);
    free(text);
    openc2_validator_destroy(&v);
    if (verdict == OPENC2_VALID) {
        printf("valid\n");
        return 0;
    }
    printf("%d %s\n", verdict, reason);
    return 1;
}

int cmd_openc2(const cli_opts_t *o, int argc, char **argv)
{
    (void)o; /* validation is local: no broker, no keys */
    if (argc >= 2 && strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    return cli_unknown_subcommand("openc2", argc >= 2 ? argv[1] : NULL);
}
