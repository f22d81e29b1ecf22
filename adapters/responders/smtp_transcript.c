/*  smtp_transcript.c — the smtp-email responder's readers of outside text
    (smtp_email.h): the address check and the SMTP dialogue as libcurl's
    debug callback shows it.  libcurl tells only that a transfer failed
    and the last reply code; which recipients were refused, and whether
    the server had taken DATA (after which nothing is resent), are read
    here from the commands and replies themselves (RFC 5321 §4.2: a reply
    is lines "CODE-text" ending with "CODE text"). */
#include "smtp_email.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_KEPT 512 /* of a reply line; the rest is dropped (RFC 5321 says 512) */

struct smtp_transcript {
    char verb[16];                   /* of the command the next reply answers */
    char rcpt[SMTP_ADDRESS_MAX + 1]; /* the address of the pending RCPT */
    bool in_auth;                    /* between AUTH and its final reply: lines are secrets */
    bool data_accepted;
    int final_code;
    int last_code;
    char last_verb[16];
    char last_reply[SMTP_REPLY_MAX + 1];
    char line[LINE_MAX_KEPT + 1]; /* the reply line being read */
    size_t line_len;
    json_t *refused, *accepted;
};

/* ---- addresses --------------------------------------------------------------- */

static bool atext(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

const char *smtp_address_problem(const char *s, size_t len)
{
    if (len == 0)
        return "an empty address";
    if (len > SMTP_ADDRESS_MAX)
        return "longer than 254 characters";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return "a control character (a line break would end the header)";
        if (c >= 0x80)
            return "a non-ASCII character (internationalized addresses need SMTPUTF8, which this "
                   "responder does not speak)";
    }
    const char *at = memchr(s, '@', len);
    if (!at)
        return "no @";
    size_t local = (size_t)(at - s), domain = len - local - 1;
    if (memchr(at + 1, '@', domain))
        return "more than one @ (only a bare address: local@domain, no name, no list)";
    if (local == 0 || local > 64)
        return "the part before @ must be 1 to 64 characters";
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (i == 0 || i == local - 1 || s[i - 1] == '.')
                return "a dot at the start or end of the part before @, or two dots";
        } else if (!atext(c)) {
            return "a character the part before @ cannot hold unquoted (such as space, <, >, "
                   "comma, quote, parenthesis)";
        }
    }
    if (domain == 0 || domain > 253)
        return "the domain must be 1 to 253 characters";
    const char *d = at + 1;
    size_t label = 0, dots = 0;
    for (size_t i = 0; i < domain; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return "an empty domain label, or one ending with a hyphen";
            label = 0;
            dots++;
            continue;
        }
        if (!isalnum(c) && c != '-')
            return "the domain holds a character other than letters, digits, hyphens and dots";
        if (c == '-' && label == 0)
            return "a domain label starting with a hyphen";
        if (++label > 63)
            return "a domain label longer than 63 characters";
    }
    if (label == 0 || d[domain - 1] == '-')
        return "an empty domain label, or one ending with a hyphen";
    if (dots == 0)
        return "a domain without a dot (write the full domain name)";
    return NULL;
}

/* ---- the dialogue ---------------------------------------------------------------- */

smtp_transcript_t *smtp_transcript_new(void)
{
    smtp_transcript_t *t = fs_xcalloc(1, sizeof *t);
    snprintf(t->verb, sizeof t->verb, "(greeting)");
    t->refused = json_array();
    t->accepted = json_array();
    return t;
}

void smtp_transcript_destroy(smtp_transcript_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    smtp_transcript_t *t = *self_p;
    json_decref(t->refused);
    json_decref(t->accepted);
    free(t);
    *self_p = NULL;
}

/* The verbs remembered by name; any other line is "(other)", so nothing
   but a known verb from a client line ever reaches an error message. */
static const char *const verbs[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT",
                                    "DATA", "QUIT", "RSET",     "NOOP", NULL};

static void command_line(smtp_transcript_t *t, const char *p, size_t n)
{
    if (t->in_auth)
        return; /* a credential (AUTH LOGIN's user and password lines, a SASL answer) */
    size_t w = 0;
    while (w < n && isalpha((unsigned char)p[w]))
        w++;
    snprintf(t->verb, sizeof t->verb, "(other)");
    for (const char *const *v = verbs; *v; v++)
        if (strlen(*v) == w && strncasecmp(p, *v, w) == 0)
            snprintf(t->verb, sizeof t->verb, "%s", *v);
    t->rcpt[0] = '\0';
    if (strcmp(t->verb, "AUTH") == 0) {
        t->in_auth = true;
    } else if (strcmp(t->verb, "RCPT") == 0) {
        const char *lt = memchr(p, '<', n);
        const char *gt = lt ? memchr(lt, '>', n - (size_t)(lt - p)) : NULL;
        if (lt && gt) {
            size_t len = (size_t)(gt - lt - 1);
            if (len > SMTP_ADDRESS_MAX)
                len = SMTP_ADDRESS_MAX;
            memcpy(t->rcpt, lt + 1, len);
            t->rcpt[len] = '\0';
        }
    }
}

void smtp_transcript_out(smtp_transcript_t *t, const char *data, size_t len)
{
    /* libcurl hands one command per call; split anyway, in case. */
    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) + 1 : len;
        size_t body = n;
        while (body && (data[body - 1] == '\n' || data[body - 1] == '\r'))
            body--;
        if (body)
            command_line(t, data, body);
        data += n;
        len -= n;
    }
}

/* A final reply line (CODE SP text, or CODE alone) answered t->verb. */
static void final_reply(smtp_transcript_t *t, int code, const char *text)
{
    if (strcmp(t->verb, "QUIT") == 0)
        return; /* the goodbye after a failure: the reply before it says why */
    t->last_code = code;
    snprintf(t->last_verb, sizeof t->last_verb, "%s", t->verb);
    snprintf(t->last_reply, sizeof t->last_reply, "%s", text);
    if (strcmp(t->verb, "AUTH") == 0 && code != 334)
        t->in_auth = false; /* the exchange is over: the next line is a command */
    if (strcmp(t->verb, "RCPT") == 0 && t->rcpt[0]) {
        if (code >= 200 && code < 300)
            json_array_append_new(t->accepted, json_string(t->rcpt));
        else
            json_array_append_new(t->refused, json_pack("{s:s, s:i, s:s}", "to", t->rcpt, "code",
                                                        code, "reply", text));
        t->rcpt[0] = '\0';
    } else if (strcmp(t->verb, "DATA") == 0 && code == 354) {
        t->data_accepted = true;
        snprintf(t->verb, sizeof t->verb, "(message)"); /* the next reply ends it */
    } else if (strcmp(t->verb, "(message)") == 0) {
        t->final_code = code;
    }
}

static void reply_line(smtp_transcript_t *t, const char *p, size_t n)
{
    if (n < 3 || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]))
        return; /* not a reply line: ignored */
    if (n > 3 && p[3] == '-')
        return; /* a continuation: the last line says the outcome */
    int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    char text[SMTP_REPLY_MAX + 1];
    size_t k = 0;
    for (size_t i = 4; i < n && k < SMTP_REPLY_MAX; i++) {
        unsigned char c = (unsigned char)p[i];
        text[k++] = c < 0x20 || c == 0x7f || c >= 0x80 ? ' ' : (char)c;
    }
    text[k] = '\0';
    final_reply(t, code, text);
}

void smtp_transcript_in(smtp_transcript_t *t, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            size_t n = t->line_len;
            if (n && t->line[n - 1] == '\r')
                n--;
            reply_line(t, t->line, n);
            t->line_len = 0;
        } else if (t->line_len < LINE_MAX_KEPT) {
            t->line[t->line_len++] = c; /* beyond: dropped, the code is at the start */
        }
    }
}

bool smtp_transcript_data_accepted(const smtp_transcript_t *t)
{
    return t->data_accepted;
}

int smtp_transcript_final_code(const smtp_transcript_t *t)
{
    return t->final_code;
}

int smtp_transcript_last_code(const smtp_transcript_t *t)
{
    return t->last_code;
}

const char *smtp_transcript_last_reply(const smtp_transcript_t *t)
{
    return t->last_reply;
}

const char *smtp_transcript_last_verb(const smtp_transcript_t *t)
{
    return t->last_verb[0] ? t->last_verb : "(none)";
}

json_t *smtp_transcript_refused(const smtp_transcript_t *t)
{
    return t->refused;
}

json_t *smtp_transcript_accepted(const smtp_transcript_t *t)
{
    return t->accepted;
}
