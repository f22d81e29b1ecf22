/*  decode_rfc822.c — one MIME message (a reported .eml) -> one flat JSON
    record for the email.rfc822 mapping, with GMime 3.

    The record (every key optional except size):
      message_id, subject, date (epoch seconds, from the Date header),
      from, from_mailbox ("Name <addr>"), from_domain, sender, reply_to,
      reply_to_domain, return_path, return_path_domain, to[], cc[],
      x_originating_ip[], auth {spf, dkim, dmarc, dkim_domain, dmarc_policy,
      dmarc_from, spf_mailfrom, authserv_id}, urls[] {url, scheme, host,
      port, path, query, userinfo}, attachments[] {name,
      mime_type, size, sha256 | hash_skipped}, size, parts,
      urls_skipped, attachments_skipped, mime_warnings[].

    Parsing is lenient (a phishing mail is often malformed on purpose: a
    strict parser would let it evade triage): GMime's warnings are kept in
    mime_warnings[].  Rejected, with the reason: input that is not a message
    (the first line is not a header field), more than NZ_EMAIL_MAX_BYTES,
    more than NZ_EMAIL_MAX_PARTS parts or NZ_EMAIL_MAX_DEPTH levels of
    nesting (GMime's nesting overflow and part-without-headers-or-content
    findings too: parser exploits), and a message with neither From nor To.
    Attachments are hashed after transfer decoding (base64, quoted-printable);
    their total decoded size is bounded by NZ_EMAIL_MAX_BYTES. */
#include "internal.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
    g_mime_init(); /* process-wide, never shut down: other threads may parse */
}

typedef struct dec {
    json_t *rec;
    nz_email_urls_t urls;
    json_t *attachments;
    json_t *warnings;
    size_t parts;
    size_t attachment_bytes;
    size_t attachments_skipped;
    char fatal[256];
} dec_t;

/* json string from UTF-8 that might not be: invalid bytes become '?'. */
static json_t *jstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n > NZ_MAX_STRING_OUT)
        n = NZ_MAX_STRING_OUT;
    json_t *v = json_stringn(s, n);
    if (v)
        return v;
    char *copy = g_strndup(s, n);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_stringn(copy, strlen(copy));
    g_free(copy);
    return v;
}

static void put_str(json_t *o, const char *key, const char *s)
{
    json_t *v = jstr(s);
    if (v && json_string_length(v) > 0)
        json_object_set_new(o, key, v);
    else
        json_decref(v);
}

static void put_domain(json_t *o, const char *key, const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    if (!at || !at[1])
        return;
    char *d = g_ascii_strdown(at + 1, -1);
    put_str(o, key, d);
    g_free(d);
}

/* Mailbox addresses of a list (groups flattened), at most 256. */
static void collect(InternetAddressList *list, json_t *out, int depth)
{
    if (!list || depth > 2)
        return;
    int n = internet_address_list_length(list);
    for (int i = 0; i < n && json_array_size(out) < 256; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            json_t *v = jstr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
            if (v && json_string_length(v) > 0)
                json_array_append_new(out, v);
            else
                json_decref(v);
        } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, depth + 1);
        }
    }
}

static void put_list(json_t *rec, const char *key, InternetAddressList *list)
{
    json_t *a = json_array();
    collect(list, a, 0);
    if (json_array_size(a))
        json_object_set_new(rec, key, a);
    else
        json_decref(a);
}

/* First mailbox of a list: address, and "Name <addr>" when asked. */
static void put_first(json_t *rec, const char *key, const char *mailbox_key,
                      InternetAddressList *list)
{
    json_t *a = json_array();
    collect(list, a, 0);
    const char *addr = json_string_value(json_array_get(a, 0));
    if (addr) {
        put_str(rec, key, addr);
        if (mailbox_key) {
            InternetAddress *ia = internet_address_list_get_address(list, 0);
            char *s = ia ? internet_address_to_string(ia, NULL, FALSE) : NULL;
            put_str(rec, mailbox_key, s);
            g_free(s);
        }
    }
    json_decref(a);
}

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
    dec_t *d = data;
    const char *what = "MIME issue";
    switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER:
        what = "duplicated header";
        break;
    case GMIME_WARN_DUPLICATED_PARAMETER:
        what = "duplicated parameter";
        break;
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
        what = "unencoded 8-bit header";
        break;
    case GMIME_WARN_INVALID_CONTENT_TYPE:
        what = "invalid Content-Type";
        break;
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
        what = "invalid RFC 2047 encoded word";
        break;
    case GMIME_WARN_MALFORMED_MULTIPART:
        what = "multipart without parts";
        break;
    case GMIME_WARN_TRUNCATED_MESSAGE:
        what = "truncated message";
        break;
    case GMIME_WARN_MALFORMED_MESSAGE:
        what = "malformed message";
        break;
    case GMIME_CRIT_INVALID_HEADER_NAME:
        what = "invalid header name";
        break;
    case GMIME_CRIT_CONFLICTING_HEADER:
        what = "conflicting header";
        break;
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        what = "conflicting parameter";
        break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        what = "multipart without boundary";
        break;
    case GMIME_WARN_INVALID_PARAMETER:
        what = "invalid header parameter";
        break;
    case GMIME_WARN_INVALID_ADDRESS_LIST:
        what = "invalid address list";
        break;
    case GMIME_CRIT_NESTING_OVERFLOW:
        what = "MIME nesting overflow";
        break;
    case GMIME_WARN_PART_WITHOUT_CONTENT:
        what = "part without content";
        break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        what = "part without headers or content";
        break;
    }
    if ((code == GMIME_CRIT_NESTING_OVERFLOW ||
         code == GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT) &&
        !d->fatal[0])
        snprintf(d->fatal, sizeof d->fatal, "%s at byte offset %lld (likely a MIME parser exploit)",
                 what, (long long)offset);
    if (json_array_size(d->warnings) >= 32)
        return;
    char buf[200];
    char q[96];
    if (item)
        fs_log_quote(q, sizeof q, item);
    if (snprintf(buf, sizeof buf, "%s at byte offset %lld%s%s", what, (long long)offset,
                 item ? ": " : "", item ? q : "") >= (int)sizeof buf)
        buf[sizeof buf - 1] = '\0';
    json_t *v = jstr(buf);
    if (v)
        json_array_append_new(d->warnings, v);
}

/* Decoded content of a part (transfer encoding undone). Caller owns. */
static GByteArray *part_bytes(GMimePart *part)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    if (!dw)
        return NULL;
    GByteArray *ba = g_byte_array_new();
    GMimeStream *out = g_mime_stream_mem_new_with_byte_array(ba);
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
    g_mime_data_wrapper_write_to_stream(dw, out);
    g_object_unref(out);
    return ba;
}

static void attachment(dec_t *d, GMimePart *part, const char *mime_type)
{
    if (json_array_size(d->attachments) >= NZ_EMAIL_MAX_ATTACHMENTS) {
        d->attachments_skipped++;
        return;
    }
    json_t *a = json_object();
    put_str(a, "name", g_mime_part_get_filename(part));
    put_str(a, "mime_type", mime_type);
    GByteArray *ba = part_bytes(part);
    if (ba) {
        json_object_set_new(a, "size", json_integer((json_int_t)ba->len));
        if (d->attachment_bytes + ba->len <= NZ_EMAIL_MAX_BYTES) {
            char hex[65];
            fs_sha256_hex(ba->data, ba->len, hex);
            json_object_set_new(a, "sha256", json_string(hex));
        } else {
            json_object_set_new(a, "hash_skipped", json_string("attachment bytes over the limit"));
        }
        d->attachment_bytes += ba->len;
        g_byte_array_free(ba, TRUE);
    }
    json_array_append_new(d->attachments, a);
}

static void body_text(dec_t *d, GMimePart *part, bool html)
{
    if (!GMIME_IS_TEXT_PART(part))
        return;
    char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (!text)
        return;
    size_t n = strlen(text);
    if (n > NZ_EMAIL_MAX_TEXT_SCAN)
        n = NZ_EMAIL_MAX_TEXT_SCAN;
    if (html)
        nz_email_urls_scan_html(&d->urls, text, n);
    else
        nz_email_urls_scan_text(&d->urls, text, n, "text");
    g_free(text);
}

static int walk(dec_t *d, GMimeObject *obj, int depth)
{
    if (!obj)
        return 0;
    if (++d->parts > NZ_EMAIL_MAX_PARTS) {
        snprintf(d->fatal, sizeof d->fatal, "more than %d MIME parts", NZ_EMAIL_MAX_PARTS);
        return -1;
    }
    if (depth > NZ_EMAIL_MAX_DEPTH) {
        snprintf(d->fatal, sizeof d->fatal, "MIME parts nested deeper than %d levels",
                 NZ_EMAIL_MAX_DEPTH);
        return -1;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
        for (int i = 0; i < n; i++)
            if (walk(d, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1) != 0)
                return -1;
        return 0;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) { /* an attached (forwarded) message */
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        return inner ? walk(d, g_mime_message_get_mime_part(inner), depth + 1) : 0;
    }
    if (!GMIME_IS_PART(obj))
        return 0;
    GMimePart *part = GMIME_PART(obj);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *mime_type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    bool is_text = ct && g_mime_content_type_is_type(ct, "text", "plain");
    bool is_html = ct && g_mime_content_type_is_type(ct, "text", "html");
    const char *fname = g_mime_part_get_filename(part);
    if (g_mime_part_is_attachment(part) || (fname && !is_text && !is_html) ||
        (!is_text && !is_html))
        attachment(d, part, mime_type);
    else
        body_text(d, part, is_html);
    g_free(mime_type);
    return 0;
}

/* The first line must be a header field ("Name: value", or an mbox
   "From " line): anything else is not a message. */
static bool looks_like_message(const char *msg, size_t len)
{
    size_t i = 0;
    while (i < len && (msg[i] == '\r' || msg[i] == '\n'))
        i++;
    if (len - i >= 5 && memcmp(msg + i, "From ", 5) == 0)
        return true;
    size_t s = i;
    while (i < len && msg[i] > 32 && msg[i] < 127 && msg[i] != ':')
        i++;
    return i > s && i < len && msg[i] == ':';
}

static void headers(dec_t *d, GMimeMessage *m)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
    int n = g_mime_header_list_get_count(hl);
    json_t *auth = json_object(), *xo = json_array();
    bool have_ar = false;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h), *value = g_mime_header_get_value(h);
        if (!name || !value)
            continue;
        if (!g_ascii_strcasecmp(name, "Authentication-Results") && !have_ar) {
            nz_email_auth_parse(auth, value); /* top-most = added by our side */
            have_ar = true;
        } else if (!g_ascii_strcasecmp(name, "Received-SPF") && !json_object_get(auth, "spf")) {
            char word[32];
            size_t k = 0;
            while (value[k] == ' ')
                value++;
            while (value[k] && value[k] != ' ' && value[k] != '(' && k < sizeof word - 1) {
                word[k] = g_ascii_tolower(value[k]);
                k++;
            }
            word[k] = '\0';
            if (k)
                json_object_set_new(auth, "spf", json_string(word));
        } else if (!g_ascii_strcasecmp(name, "Return-Path") &&
                   !json_object_get(d->rec, "return_path")) {
            char *v = g_strdup(value);
            g_strstrip(v);
            char *p = v;
            if (*p == '<')
                p++;
            size_t l = strlen(p);
            if (l && p[l - 1] == '>')
                p[--l] = '\0';
            put_str(d->rec, "return_path", p);
            put_domain(d->rec, "return_path_domain", p);
            g_free(v);
        } else if (!g_ascii_strcasecmp(name, "X-Originating-IP") && json_array_size(xo) < 8) {
            char ip[64];
            size_t k = 0;
            for (const char *p = value; *p && k < sizeof ip - 1; p++)
                if (*p != '[' && *p != ']' && *p != ' ')
                    ip[k++] = *p;
            ip[k] = '\0';
            if (nz_ip_valid(ip))
                json_array_append_new(xo, json_string(ip));
        }
    }
    if (json_object_size(auth))
        json_object_set_new(d->rec, "auth", auth);
    else
        json_decref(auth);
    if (json_array_size(xo))
        json_object_set_new(d->rec, "x_originating_ip", xo);
    else
        json_decref(xo);
}

json_t *nz_decode_rfc822(const char *msg, size_t len, fs_err_t *e)
{
    if (len > NZ_EMAIL_MAX_BYTES) {
        fs_err_set(e, "email of %zu bytes exceeds the %u-byte limit", len, NZ_EMAIL_MAX_BYTES);
        return NULL;
    }
    if (!looks_like_message(msg, len)) {
        fs_err_set(e, "not an RFC 5322 message: the first line is not a header field "
                      "(expected \"Name: value\"; is this the .eml file?)");
        return NULL;
    }
    pthread_once(&gmime_once, gmime_start);
    dec_t d = {.rec = json_object(), .attachments = json_array(), .warnings = json_array()};
    d.urls.list = json_array();
    d.urls.seen = json_object();
    GMimeParserOptions *po = g_mime_parser_options_new();
    g_mime_parser_options_set_warning_callback(po, on_warning, &d);
    g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    GMimeStream *st = g_mime_stream_mem_new_with_buffer(msg, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(st);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *m = g_mime_parser_construct_message(parser, po);
    json_t *rec = NULL;
    if (!m) {
        fs_err_set(e, "not a MIME message: GMime found no header block");
        goto done;
    }
    if (d.fatal[0]) {
        fs_err_set(e, "rejected email: %s", d.fatal);
        goto done;
    }
    put_str(d.rec, "message_id", g_mime_message_get_message_id(m));
    put_str(d.rec, "subject", g_mime_message_get_subject(m));
    GDateTime *dt = g_mime_message_get_date(m);
    if (dt) /* an unparsable Date stays text: the time rule then names it */
        json_object_set_new(d.rec, "date", json_integer(g_date_time_to_unix(dt)));
    else
        put_str(d.rec, "date", g_mime_object_get_header(GMIME_OBJECT(m), "Date"));
    put_first(d.rec, "from", "from_mailbox", g_mime_message_get_from(m));
    put_domain(d.rec, "from_domain", json_string_value(json_object_get(d.rec, "from")));
    put_first(d.rec, "sender", NULL, g_mime_message_get_sender(m));
    put_first(d.rec, "reply_to", NULL, g_mime_message_get_reply_to(m));
    put_domain(d.rec, "reply_to_domain", json_string_value(json_object_get(d.rec, "reply_to")));
    put_list(d.rec, "to", g_mime_message_get_to(m));
    put_list(d.rec, "cc", g_mime_message_get_cc(m));
    if (!json_object_get(d.rec, "from") && !json_object_get(d.rec, "to")) {
        fs_err_set(e, "email has neither a From nor a To address (headers missing or unparsable)");
        goto done;
    }
    headers(&d, m);
    if (walk(&d, g_mime_message_get_mime_part(m), 0) != 0 || d.fatal[0]) {
        fs_err_set(e, "rejected email: %s", d.fatal);
        goto done;
    }
    if (json_array_size(d.urls.list))
        json_object_set(d.rec, "urls", d.urls.list);
    if (d.urls.skipped)
        json_object_set_new(d.rec, "urls_skipped", json_integer((json_int_t)d.urls.skipped));
    if (json_array_size(d.attachments))
        json_object_set(d.rec, "attachments", d.attachments);
    if (d.attachments_skipped)
        json_object_set_new(d.rec, "attachments_skipped",
                            json_integer((json_int_t)d.attachments_skipped));
    if (json_array_size(d.warnings))
        json_object_set(d.rec, "mime_warnings", d.warnings);
    json_object_set_new(d.rec, "size", json_integer((json_int_t)len));
    json_object_set_new(d.rec, "parts", json_integer((json_int_t)d.parts));
    rec = json_incref(d.rec);
done:
    if (m)
        g_object_unref(m);
    g_object_unref(parser);
    g_object_unref(st);
    g_mime_parser_options_free(po);
    json_decref(d.rec);
    json_decref(d.urls.list);
    json_decref(d.urls.seen);
    json_decref(d.attachments);
    json_decref(d.warnings);
    return rec;
}
