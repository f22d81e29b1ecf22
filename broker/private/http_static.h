/*  http_static.h — private to libfedsoar_broker: the web console's files
    served by the HTTPS server (docs/console.md; built by console/build.mjs).

    The files a console build lists in its manifest.json (and only those)
    are read into memory once, when the server starts; a request never
    touches the disk. Paths: "/" and "/index.html" (the shell) and
    "/assets/NAME". GET and HEAD only.

    Ownership: http_static_load returns a set the server owns and frees
    with http_static_destroy after libmicrohttpd has stopped (answers point
    into its buffers). */
#ifndef FEDSOAR_HTTP_STATIC_H
#define FEDSOAR_HTTP_STATIC_H

#include "http_internal.h"

#include <microhttpd.h>

/* The console's Content-Security-Policy (docs/console.md "CSP"). */
#define HTTP_CONSOLE_CSP                                                                           \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef struct http_static http_static_t;

/* Loads DIR/manifest.json and its files. Never fails: a missing or broken
   build gives an empty set that answers 404 with how to build it (the
   broker runs without a console); the reason is logged. dir may be NULL. */
http_static_t *http_static_load(const char *dir, bool tls);
void http_static_destroy(http_static_t **self_p);
/* How many files are served (0: none, the console is not installed). */
size_t http_static_count(const http_static_t *self);

/* Answers a request for the console's paths. Returns 0 when url is not one
   of them (route it); else the status: below 400 the answer is queued
   (*ret set); 400 and above p is filled (404 unknown file or no console,
   405 with the Allow list in p->detail) for the caller to send. */
unsigned http_static_serve(const http_static_t *self, struct MHD_Connection *c, const char *method,
                           const char *url, http_problem_t *p, enum MHD_Result *ret);

#endif
