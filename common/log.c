#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static fs_log_level_t min_level = FS_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};
static _Thread_local bool holding;
static _Thread_local fs_text_t held;

void fs_log_set_level(fs_log_level_t level)
{
    min_level = level;
}

void fs_log(fs_log_level_t level, const char *comp, const char *event, const char *kv, ...)
{
    if (level < min_level)
        return;
    char ts[32], rest[2048] = "";
    fs_time_format(fs_now_ms(), ts, sizeof ts);
    if (kv && *kv) {
        va_list ap;
        va_start(ap, kv);
        vsnprintf(rest, sizeof rest, kv, ap);
        va_end(ap);
    }
    char line[2304];
    int n = snprintf(line, sizeof line, "ts=%s level=%s comp=%s event=%s%s%s\n", ts,
                     level_names[level], comp, event, *rest ? " " : "", rest);
    if (n <= 0)
        return;
    size_t len = n < (int)sizeof line ? (size_t)n : sizeof line - 1;
    line[len - 1] = '\n'; /* a line cut to fit still ends */
    if (holding)
        fs_text_append(&held, line, len);
    else /* one write per line so lines from several threads do not interleave */
        fputs(line, stderr);
}

void fs_log_hold(void)
{
    holding = true;
}

void fs_log_release(bool emit)
{
    holding = false;
    if (emit && held.len)
        fwrite(held.data, 1, held.len, stderr);
    fs_text_release(&held);
}

const char *fs_log_quote(char *buf, size_t size, const char *s)
{
    size_t o = 0;
    if (size < 3) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    for (; s && *s && o + 3 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20) {
            buf[o++] = ' ';
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
