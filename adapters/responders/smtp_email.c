/*  smtp_email.c — responder "smtp-email": sends a plain-text message
    through the site's SMTP relay (libcurl's SMTP; the message composed by
    GMime), for notifications such as an approval request with its link to
    the console (issue 14 clause 6; docs/connectors.md "smtp-email").

    Config: url ("smtp://HOST:PORT", STARTTLS required, or "smtps://…";
    "insecure_plain": true allows smtp:// without TLS to a loopback host
    only, refused at load for any other host), from, from_name, username +
    password_file | password_env (SMTP AUTH; never inline, never logged),
    auth_mechanism (PLAIN or LOGIN; default: the best the server offers),
    ca_file, timeout_s, connect_timeout_s, max_retries; to and subject as
    defaults for inputs without them (a site may name this responder "chat"
    and receive the shipped playbooks' approval requests by email).
    Input: to (an address or a list), subject, text (or message),
    approval_url (an https:// link, put on its own line after the text).

    Delivery rules.  An address is a bare local@domain (smtp_email.h): a
    name, a list in one string, a line break or a non-ASCII character is
    refused with the input's JSON path, so no header can be added through
    an address; a subject with a line break is refused likewise.  Each
    recipient the server refuses is named in the result (the others still
    get the message).  Before the server accepted DATA, a 4xx reply, a
    refused connection or a timeout is retried here (max_retries, backoff
    1 s doubling); a 5xx is a failure.  Once DATA was accepted the message
    is never sent again by this responder, whatever happens next: a lost
    answer is reported as "may have been delivered" (sending is not
    idempotent, like every create). */
#include "connector_support.h"
#include "smtp_email.h"

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SMTP_MAX_RECIPIENTS 100
#define SMTP_SUBJECT_MAX 900
#define SMTP_TEXT_MAX (1u << 20)
#define SMTP_URL_LINK_MAX 2048
#define SMTP_BACKOFF_BASE_MS 1000
#define SMTP_BACKOFF_MAX_MS 30000

typedef struct {
    char url[512];
    bool plain; /* insecure_plain: no TLS (loopback only) */
    char from[SMTP_ADDRESS_MAX + 1];
    char from_name[128];
    char domain[SMTP_ADDRESS_MAX + 1]; /* of from: the Message-ID's right side */
    char username[256];
    char password[HTTP_SECRET_MAX];
    char login_options[16]; /* "AUTH=PLAIN" / "AUTH=LOGIN", or "" */
    char *ca_file;
    long timeout_ms, connect_timeout_ms;
    int max_retries;
    json_t *to;    /* default recipients (array of strings) or NULL */
    char *subject; /* default subject or NULL */
    char what[96]; /* "smtp-email NAME", in errors and logs */
} smtp_t;

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
    g_mime_init(); /* process-wide, never shut down (normalize/ parses with it too) */
}

/* ---- config ------------------------------------------------------------------------- */

static bool loopback_host(const char *h)
{
    return strcmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 || strncmp(h, "127.", 4) == 0;
}

/* Checks url and copies its host into host[size]. */
static int parse_url(smtp_t *s, const char *url, bool insecure_plain, fs_err_t *e)
{
    bool smtps = strncmp(url, "smtps://", 8) == 0;
    if (!smtps && strncmp(url, "smtp://", 7) != 0)
        return fs_err_set(e, "url: \"smtp://HOST:PORT\" (STARTTLS) or \"smtps://HOST:PORT\"");
    if (strlen(url) >= sizeof s->url)
        return fs_err_set(e, "url: longer than %zu characters", sizeof s->url - 1);
    const char *h = url + (smtps ? 8 : 7);
    size_t hl = strcspn(h, "/?#");
    if (memchr(h, '@', hl))
        return fs_err_set(e, "url: no user or password in the URL (username, password_file)");
    if (strpbrk(url, " \t\r\n"))
        return fs_err_set(e, "url: contains white space");
    char host[256];
    if (h[0] == '[') {
        const char *end = memchr(h, ']', hl);
        if (!end || (size_t)(end - h - 1) >= sizeof host)
            return fs_err_set(e, "url: an IPv6 host needs its closing ]");
        snprintf(host, sizeof host, "%.*s", (int)(end - h - 1), h + 1);
    } else {
        size_t n = strcspn(h, ":/?#");
        if (n == 0 || n >= sizeof host)
            return fs_err_set(e, "url: no host");
        snprintf(host, sizeof host, "%.*s", (int)n, h);
    }
    if (insecure_plain && smtps)
        return fs_err_set(e, "insecure_plain: only for smtp:// (smtps:// is TLS)");
    if (insecure_plain && !loopback_host(host))
        return fs_err_set(e,
                          "insecure_plain: plain SMTP (no TLS) is allowed to a loopback host only, "
                          "not to %s: the password and the message would cross the network in "
                          "clear (use STARTTLS or smtps://)",
                          host);
    snprintf(s->url, sizeof s->url, "%s", url);
    s->plain = insecure_plain;
    return 0;
}

static void cleanup(void **state_p)
{
    smtp_t *s = *state_p;
    if (!s)
        return;
    explicit_bzero(s->password, sizeof s->password);
    free(s->ca_file);
    free(s->subject);
    json_decref(s->to);
    free(s);
    *state_p = NULL;
}

/* to (a string or an array of strings, borrowed) as a checked array (caller
   owns), or NULL with e naming `where` and the index. */
static json_t *recipients(const json_t *to, const char *where, fs_err_t *e)
{
    json_t *list = json_array();
    if (json_is_string(to)) {
        json_array_append(list, (json_t *)to);
    } else if (json_is_array(to) && json_array_size(to) >= 1) {
        if (json_array_size(to) > SMTP_MAX_RECIPIENTS) {
            json_decref(list);
            fs_err_set(e, "%s: more than %d recipients", where, SMTP_MAX_RECIPIENTS);
            return NULL;
        }
        json_array_extend(list, (json_t *)to);
    } else {
        json_decref(list);
        fs_err_set(e, "%s: expected an address or a non-empty list of addresses", where);
        return NULL;
    }
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        const char *why = json_is_string(a)
                              ? smtp_address_problem(json_string_value(a), json_string_length(a))
                              : "not a string";
        if (why) {
            char at[64] = "";
            if (json_is_array(to))
                snprintf(at, sizeof at, "[%zu]", i);
            char shown[80];
            snprintf(shown, sizeof shown, "%s", json_is_string(a) ? json_string_value(a) : "");
            for (char *p = shown; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
            fs_err_set(e, "%s%s: \"%s\" is not an email address: %s", where, at, shown, why);
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static void *init(const json_t *config, const char *state_dir, fs_err_t *e)
{
    (void)state_dir;
    smtp_t *s = fs_xcalloc(1, sizeof *s);
    connector_instance_name(s->what, sizeof s->what, "smtp-email", config);
    const char *url = json_string_value(json_object_get(config, "url"));
    const char *from = json_string_value(json_object_get(config, "from"));
    const char *why;
    if (!url) {
        fs_err_set(e, "url: required");
        goto fail;
    }
    if (parse_url(s, url, json_is_true(json_object_get(config, "insecure_plain")), e) != 0)
        goto fail;
    if (!from || (why = smtp_address_problem(from, strlen(from)))) {
        fs_err_set(e, "from: %s", from ? why : "required (the sender's address)");
        goto fail;
    }
    snprintf(s->from, sizeof s->from, "%s", from);
    snprintf(s->domain, sizeof s->domain, "%s", strchr(from, '@') + 1);
    const char *name = json_string_value(json_object_get(config, "from_name"));
    if (name) {
        if (strpbrk(name, "\r\n") || strlen(name) >= sizeof s->from_name) {
            fs_err_set(e, "from_name: one line of at most %zu bytes", sizeof s->from_name - 1);
            goto fail;
        }
        snprintf(s->from_name, sizeof s->from_name, "%s", name);
    }
    const char *user = json_string_value(json_object_get(config, "username"));
    bool has_password =
        json_object_get(config, "password_file") || json_object_get(config, "password_env");
    if (user || has_password) {
        if (!user || strlen(user) >= sizeof s->username || strpbrk(user, "\r\n")) {
            fs_err_set(e, "username: required with password_file / password_env (one line)");
            goto fail;
        }
        snprintf(s->username, sizeof s->username, "%s", user);
        if (http_secret_load(config, "password", s->password, sizeof s->password, e) != 0)
            goto fail;
        if (strpbrk(s->password, "\r\n")) {
            fs_err_set(e, "password_file / password_env: the password contains a line break");
            goto fail;
        }
    }
    const char *mech = json_string_value(json_object_get(config, "auth_mechanism"));
    if (mech)
        snprintf(s->login_options, sizeof s->login_options, "AUTH=%s", mech);
    const char *ca = json_string_value(json_object_get(config, "ca_file"));
    if (ca) {
        if (access(ca, R_OK) != 0) {
            fs_err_set(e, "ca_file: cannot read %s", ca);
            goto fail;
        }
        s->ca_file = fs_xstrdup(ca);
    }
    json_t *v;
    s->timeout_ms =
        (v = json_object_get(config, "timeout_s")) ? json_integer_value(v) * 1000 : 30000;
    s->connect_timeout_ms =
        (v = json_object_get(config, "connect_timeout_s")) ? json_integer_value(v) * 1000 : 10000;
    s->max_retries = (v = json_object_get(config, "max_retries")) ? (int)json_integer_value(v) : 3;
    if ((v = json_object_get(config, "to")) && !(s->to = recipients(v, "to", e)))
        goto fail;
    const char *subject = json_string_value(json_object_get(config, "subject"));
    if (subject) {
        if (strpbrk(subject, "\r\n")) {
            fs_err_set(e, "subject: contains a line break");
            goto fail;
        }
        s->subject = fs_xstrdup(subject);
    }
    return s;
fail:
    cleanup((void **)&s);
    return NULL;
}

/* ---- composing ---------------------------------------------------------------------- */

/* The message as RFC 5322 text with CRLF line ends (caller owns), its
   Message-ID (without <>) in id. */
static char *compose(const smtp_t *s, const json_t *to, const char *subject, const char *body,
                     char *id, size_t id_size, size_t *len)
{
    pthread_once(&gmime_once, gmime_start);
    GMimeMessage *m = g_mime_message_new(TRUE);
    g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, s->from_name[0] ? s->from_name : NULL,
                               s->from);
    size_t i;
    json_t *a;
    json_array_foreach(to, i, a)
    {
        g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, json_string_value(a));
    }
    g_mime_message_set_subject(m, subject, "utf-8"); /* RFC 2047 words when not ASCII */
    GDateTime *now = g_date_time_new_now_utc();
    g_mime_message_set_date(m, now);
    g_date_time_unref(now);
    char *mid = g_mime_utils_generate_message_id(s->domain);
    g_mime_message_set_message_id(m, mid);
    snprintf(id, id_size, "%s", mid);
    g_free(mid);
    /* The body's bytes are UTF-8 (JSON text) and are labelled so as they
       are: g_mime_text_part_set_text would convert them to the narrowest
       charset it finds (ISO-8859-1) first. */
    GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(body, strlen(body));
    GMimeDataWrapper *content =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(GMIME_PART(part), content);
    g_object_unref(content);
    g_object_unref(stream);
    g_mime_text_part_set_charset(part, "utf-8");
    /* 7bit when it can, else quoted-printable: no line over 998 octets */
    g_mime_object_encode(GMIME_OBJECT(part), GMIME_ENCODING_CONSTRAINT_7BIT);
    g_mime_message_set_mime_part(m, GMIME_OBJECT(part));
    g_object_unref(part);
    GMimeFormatOptions *fo = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
    char *text = g_mime_object_to_string(GMIME_OBJECT(m), fo);
    g_mime_format_options_free(fo);
    g_object_unref(m);
    char *out = fs_xstrdup(text ? text : "");
    g_free(text);
    *len = strlen(out);
    return out;
}

/* ---- sending -------------------------------------------------------------------------- */

typedef struct {
    const char *buf;
    size_t len, off;
} reader_t;

static size_t read_message(char *dst, size_t size, size_t n, void *arg)
{
    reader_t *r = arg;
    size_t room = size * n, left = r->len - r->off;
    size_t k = left < room ? left : room;
    memcpy(dst, r->buf + r->off, k);
    r->off += k;
    return k;
}

static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)c;
    if (type == CURLINFO_HEADER_OUT)
        smtp_transcript_out(arg, data, size);
    else if (type == CURLINFO_HEADER_IN)
        smtp_transcript_in(arg, data, size);
    return 0; /* CURLINFO_TEXT, the message and TLS data: not kept, not logged */
}

/* One attempt: the transcript says what happened. */
static CURLcode attempt(const smtp_t *s, const json_t *to, const char *msg, size_t len,
                        smtp_transcript_t *t, char *curl_error)
{
    CURL *c = curl_easy_init();
    if (!c)
        return CURLE_OUT_OF_MEMORY;
    char from[SMTP_ADDRESS_MAX + 3];
    snprintf(from, sizeof from, "<%s>", s->from);
    struct curl_slist *rcpt = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(to, i, a)
    {
        char one[SMTP_ADDRESS_MAX + 3];
        snprintf(one, sizeof one, "<%s>", json_string_value(a));
        rcpt = curl_slist_append(rcpt, one);
    }
    reader_t r = {.buf = msg, .len = len};
    curl_error[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, s->plain ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (s->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
    if (s->username[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
        if (s->login_options[0])
            curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, s->login_options);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    /* go on when some recipients are refused: they are named in the result */
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c, CURLOPT_READDATA, &r);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L); /* to the transcript only (on_debug) */
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, t);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return cc;
}

/* "a@x (550 5.1.1 no such user), b@y (…)" of refused into buf. */
static void refused_list(const json_t *refused, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t i, used = 0;
    json_t *r;
    json_array_foreach(refused, i, r)
    {
        int n = snprintf(buf + used, size - used, "%s%s (%d %.80s)", i ? ", " : "",
                         json_string_value(json_object_get(r, "to")),
                         (int)json_integer_value(json_object_get(r, "code")),
                         json_string_value(json_object_get(r, "reply")));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

static bool all_transient(const json_t *refused)
{
    size_t i;
    json_t *r;
    json_array_foreach(refused, i, r)
    {
        json_int_t code = json_integer_value(json_object_get(r, "code"));
        if (code < 400 || code >= 500)
            return false;
    }
    return json_array_size(refused) > 0;
}

static bool transport_transient(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
           cc == CURLE_GOT_NOTHING;
}

static long backoff_ms(int attempt_no)
{
    long ms = SMTP_BACKOFF_BASE_MS;
    for (int i = 0; i < attempt_no && ms < SMTP_BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms > SMTP_BACKOFF_MAX_MS ? SMTP_BACKOFF_MAX_MS : ms;
}

/* Sends msg to `to` with the retry rule of the file's head. */
static json_t *deliver(const smtp_t *s, const json_t *to, const char *msg, size_t len,
                       const char *id)
{
    for (int attempt_no = 0;; attempt_no++) {
        smtp_transcript_t *t = smtp_transcript_new();
        char curl_error[CURL_ERROR_SIZE];
        CURLcode cc = attempt(s, to, msg, len, t, curl_error);
        json_t *refused = smtp_transcript_refused(t);
        char names[400];
        refused_list(refused, names, sizeof names);
        json_t *res = NULL;
        bool retry = false;
        int code = smtp_transcript_last_code(t);
        const char *verb = smtp_transcript_last_verb(t), *reply = smtp_transcript_last_reply(t);
        if (cc == CURLE_OK) {
            fs_log(FS_LOG_INFO, "smtp", "sent",
                   "connector=\"%s\" message_id=\"%s\" accepted=%zu refused=%zu attempts=%d",
                   s->what, id, json_array_size(smtp_transcript_accepted(t)),
                   json_array_size(refused), attempt_no + 1);
            res = connector_ok(json_pack("{s:s, s:O, s:O, s:i}", "message_id", id, "to",
                                         smtp_transcript_accepted(t), "refused", refused,
                                         "attempts", attempt_no + 1));
        } else if (smtp_transcript_data_accepted(t)) {
            int fc = smtp_transcript_final_code(t);
            res = fc ? connector_error("%s: the server answered %d %s at the end of the message; "
                                       "not sent again (DATA had been accepted: sending is not "
                                       "idempotent)",
                                       s->what, fc, reply)
                     : connector_error(
                           "%s: the connection ended after the message was sent, before the "
                           "server's answer (%s): it may have been delivered, so it is not sent "
                           "again",
                           s->what, curl_error[0] ? curl_error : curl_easy_strerror(cc));
        } else if (json_array_size(refused) > 0 &&
                   json_array_size(smtp_transcript_accepted(t)) == 0) {
            retry = all_transient(refused);
            res = connector_error("%s: every recipient was refused: %s", s->what, names);
        } else if (code >= 500) {
            res = connector_error("%s: the server refused %s: %d %s", s->what, verb, code, reply);
        } else if (code >= 400) {
            retry = true;
            res = connector_error("%s: the server answered %s with %d %s (temporary)", s->what,
                                  verb, code, reply);
        } else if (cc == CURLE_USE_SSL_FAILED) {
            res = connector_error("%s: the server offers no STARTTLS (plain SMTP is allowed only "
                                  "with insecure_plain, to a loopback host)",
                                  s->what);
        } else {
            retry = transport_transient(cc);
            res = connector_error("%s: %s", s->what,
                                  curl_error[0] ? curl_error : curl_easy_strerror(cc));
        }
        smtp_transcript_destroy(&t);
        if (!retry || attempt_no >= s->max_retries) {
            if (retry) {
                /* say the retries were spent: the step's own retry may try later */
                const char *err = json_string_value(json_object_get(res, "error"));
                json_t *more =
                    connector_error("%s; gave up after %d attempts", err, attempt_no + 1);
                json_decref(res);
                res = more;
            }
            return res;
        }
        long ms = backoff_ms(attempt_no);
        fs_log(FS_LOG_WARN, "smtp", "retrying",
               "connector=\"%s\" reason=\"%s\" attempt=%d wait_ms=%ld", s->what,
               json_string_value(json_object_get(res, "error")), attempt_no + 1, ms);
        json_decref(res);
        if (!http_nap(ms))
            return connector_error("%s: interrupted while waiting to retry", s->what);
    }
}

/* ---- the job ---------------------------------------------------------------------------- */

static bool https_link(const char *u)
{
    if (strncmp(u, "https://", 8) != 0 || strlen(u) > SMTP_URL_LINK_MAX || !u[8])
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f)
            return false;
    return true;
}

static json_t *run(void *state, const json_t *input)
{
    smtp_t *s = state;
    static const char *const tk[] = {"text", "message", NULL};
    const json_t *to_in = json_object_get(input, "to");
    fs_err_t e = {0};
    json_t *to = to_in ? recipients(to_in, "input.to", &e) : s->to ? json_incref(s->to) : NULL;
    if (!to)
        return connector_error("%s", e.text[0] ? e.text
                                               : "input.to: required (an address or a list), "
                                                 "unless the config names \"to\"");
    json_t *res = NULL;
    char *body = NULL, *msg = NULL;
    const json_t *subj = json_object_get(input, "subject");
    const char *subject = subj ? json_string_value(subj) : s->subject;
    const char *text = connector_input_string(input, tk);
    const json_t *textv = json_object_get(input, "text");
    if (!json_is_string(textv))
        textv = json_object_get(input, "message"); /* the one connector_input_string took */
    const char *link = json_string_value(json_object_get(input, "approval_url"));
    if (!subject || (subj && !json_is_string(subj))) {
        res = connector_error("input.subject: required (a string), unless the config names one");
    } else if (strlen(subject) > SMTP_SUBJECT_MAX) {
        res = connector_error("input.subject: longer than %d bytes", SMTP_SUBJECT_MAX);
    } else if (strpbrk(subject, "\r\n") || (subj && strlen(subject) != json_string_length(subj))) {
        res = connector_error("input.subject: contains a line break or NUL (a header is one line)");
    } else if (!text) {
        res = connector_error("input.text: required (the message's body)");
    } else if (json_string_length(textv) > SMTP_TEXT_MAX ||
               strlen(text) != json_string_length(textv)) {
        res = connector_error("input.text: longer than %u bytes or contains NUL", SMTP_TEXT_MAX);
    } else if (json_object_get(input, "approval_url") && (!link || !https_link(link))) {
        res = connector_error("input.approval_url: expected an https:// link without spaces (at "
                              "most %d characters)",
                              SMTP_URL_LINK_MAX);
    }
    if (res)
        goto done;
    if (link) {
        body = fs_xasprintf("%s\n\nThe approval page in the console (opening it decides nothing: "
                            "you decide there, after signing in):\n%s\n",
                            text, link);
    } else {
        body = fs_xstrdup(text);
    }
    char id[SMTP_ADDRESS_MAX + 64];
    size_t len;
    msg = compose(s, to, subject, body, id, sizeof id, &len);
    res = deliver(s, to, msg, len, id);
done:
    free(body);
    free(msg);
    json_decref(to);
    return res;
}

/* ---- descriptor -------------------------------------------------------------------------- */

static const char *to_check(const json_t *v)
{
    static const char *const what = "an address or a non-empty list of addresses";
    if (json_is_string(v))
        return NULL;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return what;
    size_t i;
    json_t *a;
    json_array_foreach(v, i, a)
    {
        if (!json_is_string(a))
            return what;
    }
    return NULL;
}

static const fs_schema_field_t smtp_fields[] = {
    FS_REQUIRED("url", FS_S_STRING),
    FS_REQUIRED("from", FS_S_STRING),
    FS_FIELD("from_name", FS_S_STRING),
    FS_FIELD("insecure_plain", FS_S_BOOL),
    FS_FIELD("username", FS_S_STRING),
    FS_FIELD("password_file", FS_S_STRING),
    FS_FIELD("password_env", FS_S_STRING),
    FS_FIELD("password",
             FS_S_INLINE_SECRET("no inline secret (name a file with password_file or an "
                                "environment variable with password_env)")),
    FS_FIELD("auth_mechanism", FS_S_ENUM("PLAIN", "LOGIN")),
    FS_FIELD("ca_file", FS_S_STRING),
    FS_FIELD("timeout_s", FS_S_INT(1, 600)),
    FS_FIELD("connect_timeout_s", FS_S_INT(1, 120)),
    FS_FIELD("max_retries", FS_S_INT(0, 10)),
    FS_FIELD("to", (&(const fs_schema_t){.type = FS_SCHEMA_ANY,
                                         .check = to_check,
                                         .what = "an address or a non-empty list of addresses"})),
    FS_FIELD("subject", FS_S_STRING),
    FS_FIELDS_END,
};
static const fs_schema_t smtp_schema = {.type = FS_SCHEMA_OBJECT, .fields = {smtp_fields}};

const adapter_plugin_t connector_smtp_email = {
    .api_version = ADAPTER_PLUGIN_VERSION,
    .kind = ADAPTER_PLUGIN_CONNECTOR,
    .type = "smtp-email",
    .summary = "responder: send a plain-text email through an SMTP relay (STARTTLS or smtps)",
    .init = init,
    .run = run,
    .cleanup = cleanup,
    .config_schema = &smtp_schema,
};
