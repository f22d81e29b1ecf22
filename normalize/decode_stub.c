/*  decode_stub.c — placeholder decoders until the real ones land. */
#include "internal.h"

json_t *nz_decode_cef(const char *line, size_t len, fs_err_t *e)
{
    (void)line, (void)len;
    fs_err_set(e, "cef decoder not built");
    return NULL;
}

json_t *nz_decode_winxml(const char *xml, size_t len, fs_err_t *e)
{
    (void)xml, (void)len;
    fs_err_set(e, "windows_xml decoder not built");
    return NULL;
}

json_t *nz_decode_rfc822(const char *msg, size_t len, fs_err_t *e)
{
    (void)msg, (void)len;
    fs_err_set(e, "rfc822 decoder not built");
    return NULL;
}
