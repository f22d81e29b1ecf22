/*  fuzz_smtp_email.c — the smtp-email responder's readers of outside text
    (adapters/private/smtp_email.h): the whole input as an address, then as
    an SMTP dialogue — lines starting with '>' are the client's commands,
    the others the server's replies, handed over in pieces of the sizes
    the input's bytes say. */
#include "smtp_email.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    smtp_address_problem(s, size);
    smtp_transcript_t *t = smtp_transcript_new();
    size_t off = 0;
    while (off < size) {
        const char *nl = memchr(s + off, '\n', size - off);
        size_t n = nl ? (size_t)(nl - (s + off)) + 1 : size - off;
        if (s[off] == '>') {
            smtp_transcript_out(t, s + off + 1, n - 1);
        } else {
            size_t piece = 1 + (unsigned char)s[off] % 7; /* replies arrive in parts */
            for (size_t k = 0; k < n; k += piece)
                smtp_transcript_in(t, s + off + k, n - k < piece ? n - k : piece);
        }
        off += n;
    }
    (void)smtp_transcript_data_accepted(t);
    (void)smtp_transcript_final_code(t);
    (void)smtp_transcript_last_code(t);
    if (strlen(smtp_transcript_last_reply(t)) > SMTP_REPLY_MAX ||
        strlen(smtp_transcript_last_verb(t)) >= 16)
        __builtin_trap(); /* bounded, whatever the server says */
    json_t *refused = smtp_transcript_refused(t);
    size_t i;
    json_t *r;
    json_array_foreach(refused, i, r)
    {
        if (strlen(json_string_value(json_object_get(r, "to"))) > SMTP_ADDRESS_MAX)
            __builtin_trap();
    }
    smtp_transcript_destroy(&t);
    return 0;
}
