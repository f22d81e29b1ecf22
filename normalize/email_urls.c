/*  email_urls.c — finds URLs in the text and HTML bodies of an email (for
    decode_rfc822.c): `href`/`src` attribute values in HTML and bare
    http(s)/ftp URLs in any text, each split into scheme, host, port, path
    and query.  Pure string work, no GMime.

    Bounds: at most NZ_EMAIL_MAX_URLS distinct URLs per message (further ones
    are counted, not kept) and NZ_EMAIL_MAX_URL_LEN bytes per URL (longer
    ones are skipped and counted).  Deduplicated on the exact URL text. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

static bool scheme_at(const char *s, size_t n, size_t *scheme_len)
{
    static const char *const schemes[] = {"https://", "http://", "ftp://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t l = strlen(schemes[i]);
        if (n >= l && strncasecmp(s, schemes[i], l) == 0) {
            *scheme_len = l - 3;
            return true;
        }
    }
    return false;
}

static bool url_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' &&
           c != '\\' && c != '{' && c != '}' && c != '|' && c != '^';
}

/* Splits url into its parts (host lower-cased). */
static json_t *url_object(const char *url, size_t n, size_t scheme_len, const char *found_in)
{
    json_t *o = json_object();
    json_t *s = json_stringn(url, n);
    if (!s) { /* not UTF-8 */
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "url", s);
    char scheme[8];
    for (size_t i = 0; i < scheme_len && i < sizeof scheme - 1; i++)
        scheme[i] = (char)tolower((unsigned char)url[i]);
    scheme[scheme_len < sizeof scheme ? scheme_len : sizeof scheme - 1] = '\0';
    json_object_set_new(o, "scheme", json_string(scheme));
    size_t p = scheme_len + 3, end = n;
    size_t auth_end = p;
    while (auth_end < end && url[auth_end] != '/' && url[auth_end] != '?' && url[auth_end] != '#')
        auth_end++;
    /* drop userinfo (user:pass@host): a phishing classic, keep it visible */
    const char *at = memchr(url + p, '@', auth_end - p);
    if (at) {
        json_t *ui = json_stringn(url + p, (size_t)(at - (url + p)));
        if (ui)
            json_object_set_new(o, "userinfo", ui);
        p = (size_t)(at - url) + 1;
    }
    size_t host_end = auth_end, port_at = 0;
    if (p < auth_end && url[p] == '[') { /* IPv6 literal */
        const char *rb = memchr(url + p, ']', auth_end - p);
        host_end = rb ? (size_t)(rb - url) + 1 : auth_end;
        if (host_end < auth_end && url[host_end] == ':')
            port_at = host_end + 1;
    } else {
        const char *colon = memchr(url + p, ':', auth_end - p);
        if (colon) {
            host_end = (size_t)(colon - url);
            port_at = host_end + 1;
        }
    }
    if (host_end > p && host_end - p < 256) {
        char host[256];
        size_t hl = 0;
        for (size_t i = p; i < host_end; i++)
            host[hl++] = (char)tolower((unsigned char)url[i]);
        host[hl] = '\0';
        json_t *h = json_stringn(host, hl);
        if (h)
            json_object_set_new(o, "host", h);
    }
    if (port_at && port_at < auth_end) {
        long port = 0;
        size_t i = port_at;
        while (i < auth_end && isdigit((unsigned char)url[i]) && port < 65536)
            port = port * 10 + (url[i++] - '0');
        if (i == auth_end && port > 0 && port < 65536)
            json_object_set_new(o, "port", json_integer(port));
    }
    size_t q = auth_end;
    while (q < end && url[q] != '?' && url[q] != '#')
        q++;
    if (q > auth_end) {
        json_t *path = json_stringn(url + auth_end, q - auth_end);
        if (path)
            json_object_set_new(o, "path", path);
    }
    if (q < end && url[q] == '?') {
        size_t f = q + 1;
        while (f < end && url[f] != '#')
            f++;
        if (f > q + 1) {
            json_t *qs = json_stringn(url + q + 1, f - q - 1);
            if (qs)
                json_object_set_new(o, "query", qs);
        }
    }
    (void)found_in;
    return o;
}

void nz_email_urls_add(nz_email_urls_t *u, const char *url, size_t n, const char *found_in)
{
    size_t scheme_len;
    if (!scheme_at(url, n, &scheme_len) || n <= scheme_len + 3)
        return;
    if (n > NZ_EMAIL_MAX_URL_LEN) {
        u->skipped++;
        return;
    }
    char key[NZ_EMAIL_MAX_URL_LEN + 1];
    memcpy(key, url, n);
    key[n] = '\0';
    if (memchr(key, '\0', n) || json_object_get(u->seen, key))
        return;
    if (json_array_size(u->list) >= NZ_EMAIL_MAX_URLS) {
        u->skipped++;
        return;
    }
    json_t *o = url_object(url, n, scheme_len, found_in);
    if (!o)
        return;
    json_object_set_new(u->seen, key, json_true());
    json_array_append_new(u->list, o);
}

/* Trailing punctuation that ends a sentence, not the URL. */
static size_t trim_tail(const char *s, size_t n)
{
    while (n > 0) {
        char c = s[n - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ']' ||
            (c == ')' && !memchr(s, '(', n)))
            n--;
        else
            break;
    }
    return n;
}

/* Decodes the few entities that matter inside an attribute value (&amp;
   above all: every query string in HTML mail has it). */
static size_t decode_entities(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < cap; i++) {
        if (in[i] == '&') {
            static const struct {
                const char *ent;
                char ch;
            } ents[] = {{"&amp;", '&'},  {"&#38;", '&'}, {"&quot;", '"'},
                        {"&#x2f;", '/'}, {"&#47;", '/'}, {"&#58;", ':'},
                        {"&#x3a;", ':'}, {"&lt;", '<'},  {"&gt;", '>'}};
            bool hit = false;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t l = strlen(ents[k].ent);
                if (n - i >= l && strncasecmp(in + i, ents[k].ent, l) == 0) {
                    out[o++] = ents[k].ch;
                    i += l - 1;
                    hit = true;
                    break;
                }
            }
            if (hit)
                continue;
        }
        out[o++] = in[i];
    }
    return o;
}

void nz_email_urls_scan_text(nz_email_urls_t *u, const char *text, size_t len, const char *found_in)
{
    for (size_t i = 0; i + 7 <= len;) {
        char c = (char)tolower((unsigned char)text[i]);
        size_t scheme_len;
        if ((c == 'h' || c == 'f') && (i == 0 || !isalnum((unsigned char)text[i - 1])) &&
            scheme_at(text + i, len - i, &scheme_len)) {
            size_t j = i + scheme_len + 3;
            while (j < len && url_char((unsigned char)text[j]))
                j++;
            size_t n = trim_tail(text + i, j - i);
            if (strcmp(found_in, "html") == 0 && n <= NZ_EMAIL_MAX_URL_LEN) {
                char buf[NZ_EMAIL_MAX_URL_LEN + 1];
                nz_email_urls_add(u, buf, decode_entities(text + i, n, buf, sizeof buf - 1),
                                  found_in);
            } else {
                nz_email_urls_add(u, text + i, n, found_in);
            }
            i = j;
            continue;
        }
        i++;
    }
}

void nz_email_urls_scan_html(nz_email_urls_t *u, const char *html, size_t len)
{
    static const char *const attrs[] = {"href", "src", "action"};
    for (size_t i = 0; i < len; i++) {
        if (html[i] != '=' || i == 0)
            continue;
        /* attribute name before '=' (spaces allowed around it) */
        size_t k = i;
        while (k > 0 && (html[k - 1] == ' ' || html[k - 1] == '\t' || html[k - 1] == '\n' ||
                         html[k - 1] == '\r'))
            k--;
        bool match = false;
        for (size_t a = 0; a < sizeof attrs / sizeof attrs[0] && !match; a++) {
            size_t l = strlen(attrs[a]);
            match = k >= l + 1 && strncasecmp(html + k - l, attrs[a], l) == 0 &&
                    !isalnum((unsigned char)html[k - l - 1]) && html[k - l - 1] != '-';
        }
        if (!match)
            continue;
        size_t v = i + 1;
        while (v < len && (html[v] == ' ' || html[v] == '\t' || html[v] == '\n' || html[v] == '\r'))
            v++;
        if (v >= len)
            break;
        char quote = html[v] == '"' || html[v] == '\'' ? html[v] : 0;
        if (quote)
            v++;
        size_t e = v;
        while (e < len && (quote ? html[e] != quote : url_char((unsigned char)html[e])) &&
               e - v <= NZ_EMAIL_MAX_URL_LEN * 2)
            e++;
        /* strip spaces, newlines (some senders fold long hrefs) */
        while (v < e && isspace((unsigned char)html[v]))
            v++;
        char buf[NZ_EMAIL_MAX_URL_LEN * 2 + 1];
        size_t n = decode_entities(html + v, e - v, buf, sizeof buf - 1);
        while (n > 0 && isspace((unsigned char)buf[n - 1]))
            n--;
        nz_email_urls_add(u, buf, n, "html");
        i = e;
    }
    nz_email_urls_scan_text(u, html, len, "html");
}
