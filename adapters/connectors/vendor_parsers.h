/*  vendor_parsers.h — private to libfedsoar_adapters: the payload parsers
    of the PAN-OS, ServiceNow, Teams and context connectors, which
    tests/fuzz/fuzz_*.c drive directly (the older ones are in connectors.h). */
#ifndef FEDSOAR_VENDOR_PARSERS_H
#define FEDSOAR_VENDOR_PARSERS_H

#include "connectors.h"

/* PAN-OS XML API <response status="success|error">: 0 on success, -1 on an
   error or an unreadable answer.  msg gets <msg> (or <line>) text on one
   line, job the commit <job> id ("" when none). */
int panos_parse_response(const char *body, size_t len, char *msg, size_t msg_size, char *job,
                         size_t job_size);

/* A Teams webhook answer: 0 when the card was taken (200 "1" or empty,
   202), else -1 with why (one line, at most 120 bytes of the answer). */
int teams_parse_answer(long status, const char *body, size_t len, char *why, size_t size);

#endif
