/*  test_template_reads.c — a playbook program that reads one field of the
    run context is given only that field (playbooks/private/template.h,
    template_reads; issue 19: the case is then not converted to jq for it).
    White-box: which programs are narrowed, which are not (a wrong "yes"
    would hide the case from a program that reads it), and that every one
    gives the same outputs as the same program compiled alone on the whole
    context. */
#include "check.h"
#include "template.h"

#include <stdlib.h>

static const struct {
    const char *program;
    const char *reads; /* NULL: the whole context */
} cases[] = {
    {".event.site", "event"},
    {".item", "item"},
    {"  .event.finding_info.title  ", "event"},
    {".event | .site", "event"},
    {".event|[.evidences[]? | .src_endpoint.ip?] | unique", "event"},
    {".event.device | .ip", "event"},
    {".events", "events"},
    /* paths of one field compared with constants, joined by and / or */
    {".event.severity_id >= 3", "event"},
    {".event.site == \"alpha\" and .event.severity_id > -1", "event"},
    {".event.site==\"alpha\"", "event"},
    {".event[\"site\"] != null", "event"},
    {".steps[\"still-open\"] == null", "steps"},
    {".steps.ti.full.verdict == \"malicious\"", "steps"},
    {".event.severity_id >= 3e0 or .event.site == false | not", "event"},
    {".event.severity_id < 1.5E+1 and .event.site", "event"},
    {".event.site == \"alpha\" and .case.id == 7", NULL},
    {".event.site == .event.site", NULL},
    {".event.site == \"\\u0061lpha\"", NULL},
    {".event.site == \"alpha\" // true", NULL},
    {".event.site == \"alpha\" as $x | $x", NULL},
    {".event.severity_id == 1 + 1", NULL},
    {".event.site == \"alpha\", .case.id", NULL},
    {".event.x[0] == 1", NULL},
    /* not one field: the whole context */
    {".event |= 1", NULL},
    {".event as $e | .case.id", NULL},
    {".event // .case.id", NULL},
    {".event, .case.id", NULL},
    {".event?", NULL},
    {".event.site + .case.title", NULL},
    {".[\"case\"].id", NULL},
    {".\"case\".id", NULL},
    {"..", NULL},
    {". | .case.id", NULL},
    {"keys", NULL},
    {"tojson", NULL},
    {"def f: .case; .event | f", NULL},
    {"(.event | .site), .case.id", NULL},
    {"if .event then .case.id else 0 end", NULL},
    {".case.id", "case"},
};

int main(void)
{
    json_t *ctx = json_pack(
        "{s:{s:s, s:i, s:{s:s}, s:[{s:{s:s}}], s:{s:s}}, s:{s:i, s:s}, s:s, s:[i], s:o}", "event",
        "site", "alpha", "severity_id", 4, "finding_info", "title", "t1", "evidences",
        "src_endpoint", "ip", "203.0.113.9", "device", "ip", "10.0.0.1", "case", "id", 7, "title",
        "c", "item", "198.51.100.4", "events", 1, "case_note", json_null());
    fs_jq_group_t *group = fs_jq_group_new();
    template_exprs_t *list = NULL;
    size_t n = sizeof cases / sizeof *cases;
    for (size_t i = 0; i < n; i++)
        template_add_program(&list, group, cases[i].program, "test");
    fs_err_t e = {0};
    CHECK(fs_jq_group_compile(group, &e) == 0);
    for (size_t i = 0; i < n; i++) {
        const char *reads = template_reads(list, cases[i].program);
        if (cases[i].reads)
            CHECK_STR(reads, cases[i].reads);
        else
            CHECK(reads == NULL);
        /* The same outputs as the program alone on the whole context. */
        fs_err_t ge = {0}, ae = {0};
        json_t *got = template_eval_program(list, cases[i].program, ctx, &ge);
        fs_jq_t *alone = fs_jq_compile(cases[i].program, &ae);
        CHECK(alone != NULL);
        json_t *want = alone ? fs_jq_all(alone, ctx, &ae) : NULL;
        CHECK(got != NULL && want != NULL && json_equal(got, want));
        if (!got || !want || !json_equal(got, want)) {
            char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
            char *w = want ? json_dumps(want, JSON_COMPACT) : NULL;
            fprintf(stderr, "program %s: got %s, want %s\n", cases[i].program, g ? g : ge.text,
                    w ? w : ae.text);
            free(g);
            free(w);
        }
        json_decref(got);
        json_decref(want);
        fs_jq_destroy(&alone);
    }
    template_exprs_destroy(&list);
    fs_jq_group_destroy(&group);
    json_decref(ctx);
    return check_summary();
}
