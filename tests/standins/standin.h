/*  standin.h — the generic engine behind vendor_standin (tests/standins/README.md).

    The engine knows HTTP requests, templates, conditions, datasets, paging, tokens,
    faults and a record file; it knows no vendor. Every vendor is one case file
    (tests/fixtures/connectors/<vendor>.json) that declares its routes as data.

    Ownership: the engine owns everything it loads. A request is borrowed for the
    duration of standin_handle(); the reply it fills is the caller's and is released
    with standin_reply_clear(). Every json_t * returned by a function named *_eval or
    *_new is a new reference the caller must json_decref(); every json_t * returned by
    a function named *_get is borrowed. */
#ifndef FEDSOAR_STANDIN_H
#define FEDSOAR_STANDIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define STANDIN_MAX_TOKENS 64
#define STANDIN_MAX_FIRED 256

/* The secrets and names the stand-in accepts (from the command line). */
typedef struct {
    const char *client_id, *client_secret, *api_token, *username;
    const char *record_path; /* one JSON line per vendor action */
    int port;
    long token_uses; /* an issued token works for this many calls (0: unbounded) */
} standin_config_t;

typedef struct {
    const char *method; /* borrowed */
    const char *path;   /* borrowed, without the query string */
    json_t *query;      /* borrowed: name -> string */
    json_t *headers;    /* borrowed: lower-case name -> string */
    const char *body;   /* borrowed, NUL-terminated ("" when none) */
} standin_request_t;

typedef struct {
    unsigned status;
    char *content_type; /* owned */
    char *body;         /* owned */
    size_t len;
    json_t *headers; /* owned: name -> string, or NULL */
} standin_reply_t;

typedef struct {
    char value[64];
    long uses_left;
} standin_token_t;

typedef struct standin {
    standin_config_t cfg;
    json_t *cfg_vars; /* {client_id, client_secret, api_token, username, basic, port, base} */
    json_t *routes;   /* [{method, path, when, do, case}] in case-file order */
    json_t *datasets; /* name -> {"items": [...], "visible": N} */
    json_t *state;    /* map name -> object (stores of stateful vendors) */
    json_t *counts;   /* stats counter name -> integer */
    json_t *seqs;     /* sequence name -> last value */
    json_t *faults;   /* enabled fault names -> true */
    const json_t *fired[STANDIN_MAX_FIRED]; /* fault steps that have fired */
    int nfired;
    standin_token_t tokens[STANDIN_MAX_TOKENS];
    int ntokens, token_seq;
} standin_t;

/* ---- engine (engine.c): caller owns the result; destroy with standin_destroy(&s) ---- */
standin_t *standin_new(const standin_config_t *cfg);
void standin_destroy(standin_t **s);
/* Loads every *.json case file of cases_dir (in name order); dataset files are
   relative to fixtures_dir. 0, or -1 with a line on stderr. */
int standin_load_cases(standin_t *s, const char *cases_dir, const char *fixtures_dir);
/* Loads one case file (appends its routes, adds its datasets). 0 or -1. */
int standin_load_case(standin_t *s, const char *path, const char *fixtures_dir);
void standin_enable_fault(standin_t *s, const char *name);
/* --visible NAME=N,NAME=N: the first N records of a dataset are served at start. */
int standin_set_visible(standin_t *s, const char *spec);
/* Answers one request: the control routes, else the first case route that replies. */
void standin_handle(standin_t *s, const standin_request_t *req, standin_reply_t *out);
void standin_reply_clear(standin_reply_t *r);
void standin_count(standin_t *s, const char *counter);

/* ---- templates (template.c) ---- */
/* Evaluates a template against vars: "{{a.b|filter}}" alone in a string keeps the
   value's JSON type; inside text it is printed. Objects with "$map", "$merge", "$if",
   "$repeat" are special forms. New reference (json null for nothing). */
json_t *tpl_eval(standin_t *s, const json_t *tpl, json_t *vars);
/* The evaluated template as text (strings raw, null ""). Caller frees. */
char *tpl_text(standin_t *s, const json_t *tpl, json_t *vars);
/* A dotted path (a.b.0.c) into vars: borrowed, or NULL. */
json_t *var_get(json_t *vars, const char *path);
/* Integer value of a JSON integer or a decimal string; false when neither. */
bool tpl_int(const json_t *v, long long *out);

/* ---- conditions and patterns (conditions.c) ---- */
bool cond_eval(standin_t *s, const json_t *cond, json_t *vars);
/* Matches s against a pattern of literals and {name} captures ({name} stops at '/',
   {name*} spans it); on success the captures are set in caps. */
bool pattern_match(const char *pattern, const char *s, json_t *caps);
/* Compares two timestamps (RFC 3339 with any fraction, or epoch seconds). */
int ts_cmp(const char *a, const char *b);

/* ---- auth (auth.c) ---- */
/* Issues a bearer token (counted as tokens_issued); returns it (borrowed). */
const char *auth_issue_token(standin_t *s);
/* True when header is "Bearer T" for an issued, unexpired token (uses one call). */
bool auth_bearer_ok(standin_t *s, const char *header);
/* base64 of "user:secret" (HTTP Basic). Caller frees. */
char *auth_basic(const char *user, const char *secret);

/* ---- datasets and paging (paging.c) ---- */
int dataset_load(standin_t *s, const char *name, const json_t *spec, const char *fixtures_dir);
json_t *dataset_get(standin_t *s, const char *name); /* borrowed {"items", "visible"} */
/* The "list" step: a page of a dataset, bound as step.as. 0 or -1. */
int paging_list(standin_t *s, const json_t *step, json_t *vars);
/* The "find" step: the first record that matches, bound as step.as (null if none). */
int paging_find(standin_t *s, const json_t *step, json_t *vars);

/* ---- steps, state and the record file (steps.c) ---- */
/* Runs a route's steps; true when one of them replied (out filled). */
bool steps_run(standin_t *s, const json_t *steps, json_t *vars, standin_reply_t *out);
void reply_build(standin_t *s, const json_t *spec, json_t *vars, standin_reply_t *out);
void reply_json(standin_reply_t *out, unsigned status, json_t *body); /* steals body */

#endif
