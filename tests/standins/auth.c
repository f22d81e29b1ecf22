/*  auth.c — the credentials the stand-in hands out and checks: bearer tokens
    from a token endpoint (each good for --token-uses calls, then refused, as an
    expired token is) and the HTTP Basic value of the configured user. Static
    secrets (API keys, SSWS, ApiToken) are plain conditions in the case files. */
#include "common.h"
#include "standin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *auth_issue_token(standin_t *s)
{
    int slot = s->ntokens < STANDIN_MAX_TOKENS ? s->ntokens++ : s->token_seq % STANDIN_MAX_TOKENS;
    snprintf(s->tokens[slot].value, sizeof s->tokens[slot].value, "standin-token-%d-%ld",
             ++s->token_seq, (long)getpid());
    s->tokens[slot].uses_left = s->cfg.token_uses > 0 ? s->cfg.token_uses : 1000000;
    standin_count(s, "tokens_issued");
    return s->tokens[slot].value;
}

bool auth_bearer_ok(standin_t *s, const char *header)
{
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    for (int i = 0; i < s->ntokens; i++)
        if (strcmp(s->tokens[i].value, header + 7) == 0 && s->tokens[i].uses_left > 0) {
            s->tokens[i].uses_left--;
            return true;
        }
    return false;
}

char *auth_basic(const char *user, const char *secret)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(user) + 1 + strlen(secret), o = 0;
    char *in = fs_xmalloc(n + 1), *out = fs_xmalloc(4 * (n / 3 + 1) + 1);
    snprintf(in, n + 1, "%s:%s", user, secret);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = t[(v >> 18) & 63];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = '\0';
    free(in);
    return out;
}
