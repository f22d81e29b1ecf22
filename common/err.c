/*  err.c — fs_err_t: a code for programs, a text for people (common.h). */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>

__attribute__((format(printf, 3, 0))) static void set(fs_err_t *e, int code, const char *fmt,
                                                      va_list ap)
{
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    e->code = code;
}

int fs_err_set(fs_err_t *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        set(e, FS_E_GENERIC, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int fs_err_setc(fs_err_t *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        set(e, code ? code : FS_E_GENERIC, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int fs_err_code(const fs_err_t *e)
{
    return e ? e->code : 0;
}

const char *fs_strerror(int code)
{
    static const char *const names[FS_E_LAST_] = {
        [FS_OK] = "ok",           [FS_E_GENERIC] = "generic", [FS_E_INVALID] = "invalid",
        [FS_E_PARSE] = "parse",   [FS_E_TOO_BIG] = "too_big", [FS_E_NOT_FOUND] = "not_found",
        [FS_E_IO] = "io",         [FS_E_STORAGE] = "storage", [FS_E_FULL] = "full",
        [FS_E_CRYPTO] = "crypto", [FS_E_DENIED] = "denied",
    };
    return code >= 0 && code < FS_E_LAST_ ? names[code] : "unknown";
}
