/*  test_normalize_email.c — email.rfc822: the GMime decoder and the Email
    Activity (4009) mapping on the project's own .eml fixtures
    (tests/fixtures/vendors/email.rfc822/) and on malformed messages. */
#include "check.h"
#include "normalize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct got {
    json_t *events;
    size_t rejects;
    char reason[512];
} got_t;

static void on_emit(void *arg, json_t *ev, size_t record_no)
{
    (void)record_no;
    json_array_append(((got_t *)arg)->events, ev);
}

static void on_reject(void *arg, size_t record_no, size_t off, const char *reason, const char *raw,
                      size_t raw_len)
{
    got_t *g = arg;
    (void)record_no, (void)off, (void)raw, (void)raw_len;
    g->rejects++;
    snprintf(g->reason, sizeof g->reason, "%s", reason);
}

static const char *source_dir(void)
{
    const char *s = getenv("FEDSOAR_SOURCE_DIR");
    return s && *s ? s : FEDSOAR_MAPPINGS_DIR "/../..";
}

static long run_buf(normalizer_t *n, const char *buf, size_t len, got_t *g)
{
    fs_err_t e;
    normalize_opts_t opts = {.site = "beta", .keep_raw = true};
    g->events = json_array();
    g->rejects = 0;
    g->reason[0] = '\0';
    return normalizer_run(n, "email.rfc822", &opts, buf, len, on_emit, on_reject, g, &e);
}

static long run_file(normalizer_t *n, const char *file, got_t *g)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/vendors/email.rfc822/%s", source_dir(), file);
    fs_err_t e;
    size_t len;
    char *buf = fs_file_read(path, 64u << 20, &len, &e);
    if (!buf) {
        fprintf(stderr, "%s\n", e.text);
        g->events = json_array();
        return -1;
    }
    long r = run_buf(n, buf, len, g);
    free(buf);
    return r;
}

/* Value at a dotted path; numeric segments index arrays. */
static json_t *at(json_t *v, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && v;
         tok = strtok_r(NULL, ".", &save)) {
        uint64_t idx;
        if (json_is_array(v))
            v = fs_parse_u64(tok, &idx) == 0 ? json_array_get(v, (size_t)idx) : NULL;
        else
            v = json_object_get(v, tok);
    }
    return v;
}

static const char *str(json_t *ev, const char *p)
{
    return json_string_value(at(ev, p));
}

static bool has_obs(json_t *ev, int type_id, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(ev, "observables"), i, o)
    {
        if (json_integer_value(json_object_get(o, "type_id")) == type_id &&
            strcmp(json_string_value(json_object_get(o, "value")), value) == 0)
            return true;
    }
    return false;
}

static bool has_url(json_t *ev, const char *url)
{
    size_t i;
    json_t *u;
    json_array_foreach(at(ev, "email.urls"), i, u)
    {
        if (strcmp(json_string_value(json_object_get(u, "url_string")), url) == 0)
            return true;
    }
    return false;
}

static void test_phishing(normalizer_t *n)
{
    got_t g;
    CHECK_INT(run_file(n, "phishing_invoice.eml", &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    json_t *ev = json_array_get(g.events, 0);
    if (ev) {
        CHECK_INT(json_integer_value(at(ev, "class_uid")), 4009);
        CHECK_INT(json_integer_value(at(ev, "category_uid")), 4);
        CHECK_INT(json_integer_value(at(ev, "type_uid")), 400902);
        CHECK_INT(json_integer_value(at(ev, "time")), 1773130442000LL); /* 09:14:02 +0100 */
        CHECK_STR(str(ev, "class_name"), "Email Activity");
        CHECK_STR(str(ev, "site"), "beta");
        CHECK_STR(str(ev, "source"), "email.rfc822");
        CHECK_STR(str(ev, "metadata.version"), "1.8.0");
        CHECK_STR(str(ev, "metadata.original_event_uid"),
                  "20260310081402.4471@mailer.paypa1-billing.example");
        CHECK(str(ev, "raw_data") != NULL);
        CHECK_STR(str(ev, "email.from"), "billing@paypa1-billing.example");
        CHECK_STR(str(ev, "email.from_mailbox"), "PayPal Billing <billing@paypa1-billing.example>");
        CHECK_STR(str(ev, "email.reply_to"), "payments-desk@freemail.example");
        CHECK_STR(str(ev, "email.to.0"), "m.rossi@beta.example");
        CHECK_STR(str(ev, "email.cc.0"), "accounts@beta.example");
        CHECK_STR(str(ev, "email.subject"), "Action required: your account will be suspended");
        CHECK_STR(str(ev, "email.message_uid"),
                  "20260310081402.4471@mailer.paypa1-billing.example");
        CHECK_STR(str(ev, "email.smtp_from"), "bounce-4471@mailer.paypa1-billing.example");
        CHECK_STR(str(ev, "email.x_originating_ip.0"), "203.0.113.9");
        CHECK_STR(str(ev, "unmapped.from_domain"), "paypa1-billing.example");
        CHECK_STR(str(ev, "unmapped.reply_to_domain"), "freemail.example");
        /* URLs from the text part and from href/src in the HTML part, entity-decoded, once each */
        CHECK(has_url(ev, "https://paypa1-billing.example/secure/login.php?id=4471&ref=mail"));
        CHECK(has_url(ev, "http://198.51.100.77:8080/track?u=m.rossi"));
        CHECK(has_url(ev, "https://cdn.paypa1-billing.example/logo.png"));
        CHECK_INT(json_array_size(at(ev, "email.urls")), 3);
        CHECK_STR(str(ev, "email.urls.0.hostname"), "paypa1-billing.example");
        CHECK_STR(str(ev, "email.urls.0.query_string"), "id=4471&ref=mail");
        CHECK_INT(json_integer_value(at(ev, "email.urls.1.port")), 8080);
        /* attachments: name, size, type, SHA-256 of the decoded bytes */
        CHECK_INT(json_array_size(at(ev, "email.files")), 2);
        CHECK_STR(str(ev, "email.files.0.name"), "Invoice_4471.zip");
        CHECK_STR(str(ev, "email.files.0.mime_type"), "application/zip");
        CHECK_INT(json_integer_value(at(ev, "email.files.0.size")), 199);
        CHECK_INT(json_integer_value(at(ev, "email.files.0.hashes.0.algorithm_id")), 3);
        CHECK_STR(str(ev, "email.files.0.hashes.0.value"),
                  "e89bee570fd44681e9ba9cbcdd7894f1223f5c000537358dd31b3ac78006425d");
        CHECK_STR(str(ev, "email.files.1.name"), "Payment_Details.docm");
        CHECK_STR(str(ev, "email.files.1.hashes.0.value"),
                  "561b2a3e8c24d0e824c077b8e6b266fcd0a4b4edb77209b0f29505b4315196ea");
        /* Authentication-Results */
        CHECK_STR(str(ev, "email_auth.spf"), "fail");
        CHECK_STR(str(ev, "email_auth.dkim"), "none");
        CHECK_STR(str(ev, "email_auth.dmarc"), "fail");
        CHECK_STR(str(ev, "email_auth.dmarc_policy"), "reject");
        /* observables */
        CHECK(has_obs(ev, OCSF_OBS_EMAIL, "billing@paypa1-billing.example"));
        CHECK(has_obs(ev, OCSF_OBS_EMAIL, "payments-desk@freemail.example"));
        CHECK(has_obs(ev, OCSF_OBS_EMAIL, "m.rossi@beta.example"));
        CHECK(has_obs(ev, OCSF_OBS_URL, "http://198.51.100.77:8080/track?u=m.rossi"));
        CHECK(has_obs(ev, OCSF_OBS_FILE_NAME, "Payment_Details.docm"));
        CHECK(has_obs(ev, OCSF_OBS_HASH,
                      "e89bee570fd44681e9ba9cbcdd7894f1223f5c000537358dd31b3ac78006425d"));
        CHECK(has_obs(ev, OCSF_OBS_HOSTNAME, "paypa1-billing.example"));
        CHECK(has_obs(ev, OCSF_OBS_HOSTNAME, "freemail.example"));
        CHECK(has_obs(ev, OCSF_OBS_IP, "203.0.113.9"));
    }
    json_decref(g.events);
}

static void test_benign(normalizer_t *n)
{
    got_t g;
    CHECK_INT(run_file(n, "benign_agenda.eml", &g), 0);
    json_t *ev = json_array_get(g.events, 0);
    CHECK(ev != NULL);
    if (ev) {
        CHECK_STR(str(ev, "email_auth.dmarc"), "pass");
        CHECK_STR(str(ev, "email_auth.dkim_domain"), "alpha.example");
        CHECK_INT(json_array_size(at(ev, "email.to")), 2);
        CHECK_STR(str(ev, "email.to.1"), "team@beta.example");
        /* trailing ")" / "." are not part of the URL */
        CHECK_STR(str(ev, "email.urls.0.url_string"),
                  "https://wiki.alpha.example/merger/workshop-3");
        CHECK(at(ev, "email.files") == NULL);
    }
    json_decref(g.events);
}

static void test_malformed(normalizer_t *n)
{
    got_t g;
    /* not a message at all */
    CHECK_INT(run_file(n, "malformed_not_a_message.eml", &g), 1);
    CHECK_INT(json_array_size(g.events), 0);
    CHECK(strstr(g.reason, "not an RFC 5322 message") != NULL);
    json_decref(g.events);

    /* multipart without boundary: kept, with the finding recorded */
    CHECK_INT(run_file(n, "edge_multipart_without_boundary.eml", &g), 0);
    json_t *ev = json_array_get(g.events, 0);
    CHECK(ev &&
          strstr(str(ev, "unmapped.mime_warnings.0") ? str(ev, "unmapped.mime_warnings.0") : "",
                 "multipart without boundary"));
    json_decref(g.events);

    static const struct {
        const char *msg;
        const char *why; /* substring of the reason */
    } bad[] = {
        {"", NULL}, /* empty input: nothing to do, no record */
        {"\x00\x01\x02 binary", "not an RFC 5322 message"},
        {"Subject: no addresses\r\nDate: Tue, 10 Mar 2026 09:14:02 +0100\r\n\r\nhi\r\n",
         "neither a From nor a To"},
        {"From: a@b.example\r\nSubject: no date\r\n\r\nbody\r\n",
         "field date: required field is missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = i == 1 ? 10 : strlen(bad[i].msg);
        long r = run_buf(n, bad[i].msg, len, &g);
        CHECK_INT(json_array_size(g.events), 0);
        if (bad[i].why) {
            CHECK_INT(r, 1);
            if (!strstr(g.reason, bad[i].why))
                fprintf(stderr, "case %zu: reason \"%s\" lacks \"%s\"\n", i, g.reason, bad[i].why);
            CHECK(strstr(g.reason, bad[i].why) != NULL);
        }
        json_decref(g.events);
    }

    /* an unparsable Date no longer costs the message (issue 17): kept, with
       the receipt time, the raw Date in unmapped.conversion_errors */
    const char *baddate = "From: a@b.example\r\nDate: not a date\r\n\r\nbody\r\n";
    CHECK_INT(run_buf(n, baddate, strlen(baddate), &g), 0);
    CHECK_INT(json_array_size(g.events), 1);
    ev = json_array_get(g.events, 0);
    if (ev) {
        CHECK(json_integer_value(json_object_get(ev, "time")) > 946684800000LL);
        CHECK_STR(str(ev, "unmapped.conversion_errors.0.field"), "date");
        CHECK_STR(str(ev, "unmapped.conversion_errors.0.value"), "not a date");
        CHECK_STR(str(ev, "unmapped.conversion_errors.0.fallback"), "receipt_time");
    }
    json_decref(g.events);

    /* a MIME bomb: nesting deeper than the bound is rejected, not recursed */
    size_t cap = 64 * 1024, len = 0;
    char *bomb = malloc(cap);
    len += (size_t)snprintf(bomb + len, cap - len,
                            "From: a@b.example\r\nDate: Tue, 10 Mar 2026 09:14:02 +0100\r\n");
    for (int d = 0; d < 40; d++)
        len += (size_t)snprintf(bomb + len, cap - len,
                                "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n",
                                d, d);
    len += (size_t)snprintf(bomb + len, cap - len, "Content-Type: text/plain\r\n\r\nx\r\n");
    CHECK_INT(run_buf(n, bomb, len, &g), 1);
    CHECK(strstr(g.reason, "nest") != NULL);
    json_decref(g.events);

    /* many URLs: bounded, the rest counted */
    len = 0;
    len += (size_t)snprintf(bomb + len, cap - len,
                            "From: a@b.example\r\nDate: Tue, 10 Mar 2026 09:14:02 +0100\r\n\r\n");
    for (int u = 0; u < 300 && cap - len > 64; u++)
        len += (size_t)snprintf(bomb + len, cap - len, "http://h%d.example/\r\n", u);
    CHECK_INT(run_buf(n, bomb, len, &g), 0);
    ev = json_array_get(g.events, 0);
    CHECK_INT(json_array_size(at(ev, "email.urls")), 200);
    CHECK_INT(json_integer_value(at(ev, "unmapped.urls_skipped")), 100);
    json_decref(g.events);
    free(bomb);
}

int main(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/normalize/mappings", source_dir());
    fs_err_t e;
    normalizer_t *n = normalizer_new(dir, &e);
    if (!n) {
        fprintf(stderr, "cannot load mappings: %s\n", e.text);
        return 1;
    }
    CHECK(normalizer_has_source(n, "email.rfc822"));
    test_phishing(n);
    test_benign(n);
    test_malformed(n);
    normalizer_destroy(&n);
    return check_summary();
}
