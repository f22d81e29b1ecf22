/*  smtp_email.h — private to libfedsoar_adapters: the parts of the
    smtp-email responder (adapters/responders/smtp_email.c) that read text
    it does not control, in adapters/responders/smtp_transcript.c, so a
    fuzz target can drive them (tests/fuzz/fuzz_smtp_email.c):

      - the address check: which recipient and sender addresses the
        responder accepts (a bare addr-spec; nothing that could end a header
        line or add a recipient);
      - the transcript: the SMTP dialogue as libcurl's debug callback shows
        it (the commands it sends, the server's replies), read back to learn
        which recipients the server refused, whether DATA was accepted (after
        which the message is never sent again), and the last reply.

    The transcript never keeps what follows an AUTH command (the
    credentials travel in those lines): it records the verb "AUTH" only. */
#ifndef FEDSOAR_SMTP_EMAIL_H
#define FEDSOAR_SMTP_EMAIL_H

#include "common.h"

#include <stdbool.h>

#define SMTP_ADDRESS_MAX 254 /* RFC 5321 §4.5.3.1.3 path length, less the brackets */
#define SMTP_REPLY_MAX 200   /* reply text kept (control characters made spaces) */

/* NULL when s (len bytes, not necessarily NUL-terminated) is an address
   the responder sends to: local@domain in ASCII, the local part a
   dot-atom (RFC 5322 §3.2.3), the domain host names of letters, digits
   and hyphens with at least one dot.  Else why not (a static string). */
const char *smtp_address_problem(const char *s, size_t len);

typedef struct smtp_transcript smtp_transcript_t;

/* Caller owns (smtp_transcript_destroy). */
smtp_transcript_t *smtp_transcript_new(void);
void smtp_transcript_destroy(smtp_transcript_t **self_p);
/* What the client sent (libcurl's CURLINFO_HEADER_OUT): command lines. */
void smtp_transcript_out(smtp_transcript_t *t, const char *data, size_t len);
/* What the server answered (CURLINFO_HEADER_IN): reply lines, possibly
   several or a part of one per call. */
void smtp_transcript_in(smtp_transcript_t *t, const char *data, size_t len);

/* Whether the server answered DATA with 354: the message went (or began
   to go) to the server, so it must never be sent again. */
bool smtp_transcript_data_accepted(const smtp_transcript_t *t);
/* The reply to the end of the message (250: taken), 0 when none came. */
int smtp_transcript_final_code(const smtp_transcript_t *t);
/* The last complete reply: its code (0: none), its text, and the verb of
   the command it answered ("EHLO", "MAIL", "RCPT", "DATA", "AUTH", "(greeting)",
   "(message)" for the end of the message …).  Borrowed. */
int smtp_transcript_last_code(const smtp_transcript_t *t);
const char *smtp_transcript_last_reply(const smtp_transcript_t *t);
const char *smtp_transcript_last_verb(const smtp_transcript_t *t);
/* Recipients the server refused: [{"to", "code", "reply"}], and those it
   accepted: ["…"].  Borrowed (valid until destroy). */
json_t *smtp_transcript_refused(const smtp_transcript_t *t);
json_t *smtp_transcript_accepted(const smtp_transcript_t *t);

#endif
