#include "common.h"

#include <stdarg.h>
#include <stdio.h>

int fs_err_set(fs_err_t *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->text, sizeof e->text, fmt, ap);
        va_end(ap);
    }
    return -1;
}
