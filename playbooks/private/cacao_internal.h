/*  cacao_internal.h — what the CACAO files of this library share
    (cacao_util.c): JSON paths, identifiers, base64. Not a public face. */
#ifndef FEDSOAR_CACAO_INTERNAL_H
#define FEDSOAR_CACAO_INTERNAL_H

#include "common.h"

/* The JSON path of member key under base: base.key when key is a plain
   name, else base["key"] (key cut at 120 bytes). Writes into out. */
const char *cacao_path(char *out, size_t size, const char *base, const char *key);
/* Whether s is a CACAO identifier TYPE--UUID (TYPE [a-z][a-z0-9-]+[a-z0-9],
   UUID versions 1-5, RFC 4122 variant). With type_len, the TYPE's length. */
bool cacao_is_identifier(const char *s, size_t *type_len);
/* Whether s is a plausible e-mail address: one '@', a local part of
   [A-Za-z0-9.!#$%&'*+/=?^_`{|}~-] (no leading, trailing or double dot), a
   domain of dot-separated LDH labels with at least one dot. */
bool cacao_is_email(const char *s);
/* Base64 (RFC 4648, padded). Caller owns; decode: NULL when s is not
   base64, *len the decoded length (a NUL follows the bytes). */
char *cacao_base64_encode(const void *data, size_t len);
unsigned char *cacao_base64_decode(const char *s, size_t *len);
/* Whether t is a command type of CACAO 2.0 or the OpenC2 extension's
   "openc2" (cacao_check.c). */
bool cacao_known_command(const char *t);
/* A CACAO timestamp (UTC, milliseconds) of epoch ms. */
void cacao_timestamp(int64_t ms, char out[32]);

#endif
