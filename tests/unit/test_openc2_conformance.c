/*  test_openc2_conformance.c — classifies the OASIS OpenC2 v1.0.1 test
    corpus in $FEDSOAR_SHARED/conformance/openc2/ (read in place, never
    copied) and requires 100 % agreement with MANIFEST.tsv for the sets
    v1.0.1/language, v1.0.1/slpf and v1.0.1/slpf+acme.

    Profile sets (SOURCE.md "actuator types"):
      language   -> built-in "language" (the LS, no profile)
      slpf       -> built-in "slpf" only
      slpf+acme  -> "slpf" + federation/profiles/acme.json
    Every file is validated from its bytes (openc2_check_*_text), so the
    I-JSON rules apply. A "bad" item counts as classified when the verdict
    is 400 or 501; the tally of each is printed. */
#include "check.h"
#include "openc2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct set_result {
    const char *name;
    int good_ok, good_total, bad_ok, bad_total, bad400, bad501;
} set_result_t;

static openc2_validator_t *validator_for(const char *set, const char *source_dir)
{
    fs_err_t e;
    openc2_validator_t *v = openc2_validator_new();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/federation/profiles", source_dir);
    int rc = 0;
    if (strcmp(set, "v1.0.1/language") == 0) {
        rc = openc2_validator_add(v, "language", NULL, &e);
    } else if (strcmp(set, "v1.0.1/slpf") == 0) {
        rc = openc2_validator_add(v, "slpf", NULL, &e);
    } else if (strcmp(set, "v1.0.1/slpf+acme") == 0) {
        rc = openc2_validator_add(v, "slpf", NULL, &e);
        if (rc == 0)
            rc = openc2_validator_add(v, "acme", dir, &e);
    } else {
        openc2_validator_destroy(&v);
        return NULL;
    }
    if (rc != 0) {
        fprintf(stderr, "cannot set up profiles for %s: %s\n", set, e.text);
        openc2_validator_destroy(&v);
    }
    return v;
}

int main(void)
{
    const char *shared = getenv("FEDSOAR_SHARED");
    const char *src = getenv("FEDSOAR_SOURCE_DIR");
    if (!shared || !src) {
        fprintf(stderr, "FEDSOAR_SHARED and FEDSOAR_SOURCE_DIR must be set (CTest sets them)\n");
        return 2;
    }
    char base[4096], manifest[4200];
    snprintf(base, sizeof base, "%s/conformance/openc2", shared);
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.tsv", base);
    FILE *f = fopen(manifest, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", manifest);
        return 2;
    }
    set_result_t sets[] = {{"v1.0.1/language", 0, 0, 0, 0, 0, 0},
                           {"v1.0.1/slpf", 0, 0, 0, 0, 0, 0},
                           {"v1.0.1/slpf+acme", 0, 0, 0, 0, 0, 0}};
    openc2_validator_t *vals[3];
    for (int i = 0; i < 3; i++) {
        vals[i] = validator_for(sets[i].name, src);
        CHECK(vals[i] != NULL);
        if (!vals[i])
            return check_summary();
    }
    char line[8192];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        if (lineno++ == 0)
            continue; /* header */
        char *cols[8] = {0};
        int n = 0;
        char *p = line;
        while (n < 8) {
            cols[n++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (n < 4)
            continue;
        const char *path = cols[0], *expected = cols[1], *kind = cols[2], *set = cols[3];
        int si = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(set, sets[i].name) == 0)
                si = i;
        if (si < 0 || strcmp(expected, "schema") == 0)
            continue;
        char file[8400];
        snprintf(file, sizeof file, "%s/%s", base, path);
        size_t len = 0;
        fs_err_t e;
        char *text = fs_file_read(file, 4 * 1024 * 1024, &len, &e);
        if (!text) {
            fprintf(stderr, "cannot read %s: %s\n", file, e.text);
            CHECK(text != NULL);
            continue;
        }
        char reason[OPENC2_REASON_MAX];
        int verdict = strcmp(kind, "response") == 0
                          ? openc2_check_response_text(vals[si], text, len, reason, sizeof reason)
                          : openc2_check_command_text(vals[si], text, len, reason, sizeof reason);
        free(text);
        bool want_good = strcmp(expected, "good") == 0;
        set_result_t *r = &sets[si];
        if (want_good) {
            r->good_total++;
            if (verdict == OPENC2_VALID)
                r->good_ok++;
            else
                fprintf(stderr, "MISMATCH good %s -> %d %s\n", path, verdict, reason);
            CHECK_INT(verdict, OPENC2_VALID);
        } else {
            r->bad_total++;
            if (verdict != OPENC2_VALID) {
                r->bad_ok++;
                if (verdict == 400)
                    r->bad400++;
                else
                    r->bad501++;
                if (getenv("OPENC2_VERBOSE"))
                    printf("  bad %s -> %d %s\n", path, verdict, reason);
            } else {
                fprintf(stderr, "MISMATCH bad %s accepted\n", path);
            }
            CHECK(verdict != OPENC2_VALID);
        }
    }
    fclose(f);
    for (int i = 0; i < 3; i++) {
        set_result_t *r = &sets[i];
        printf("%-18s good %d/%d  bad %d/%d (400: %d, 501: %d)\n", r->name, r->good_ok,
               r->good_total, r->bad_ok, r->bad_total, r->bad400, r->bad501);
        CHECK(r->good_total + r->bad_total > 0);
        openc2_validator_destroy(&vals[i]);
    }
    return check_summary();
}
