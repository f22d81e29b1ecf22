/*  playbook_cacao.h — OASIS CACAO Security Playbooks v2.0 in and out
    (fedsoarctl cacao import|export; docs/cacao.md has the mapping both
    ways, what is refused and why, and what the signatures mean).

    Import: playbook_cacao_check() checks what CACAO's JSON Schema cannot
    (every referenced step, agent and target exists, every step is
    reachable from workflow_start, no cycle except through a
    while-condition, agent/target/command types known, identifiers and
    e-mail addresses well formed, features without meaning here refused by
    name); playbook_cacao_import() then builds the fedsoar playbook.
    Export: playbook_cacao_export() writes a fedsoar playbook as a CACAO
    playbook with deterministic ids (UUID v5 of the playbook name and step
    id), its fedsoar semantics in the "fedsoar" extension so an import of
    an export is the same playbook, and governance approvals as CACAO
    signatures.

    Errors name the JSON path of the CACAO (or fedsoar) document:
    "$.workflow[\"action--…\"].commands[0].type: …", code
    PLAYBOOK_E_INVALID (PLAYBOOK_E_OPENC2 for a refused OpenC2 command).
    Every json_t passed in is borrowed; every one returned is the
    caller's. */
#ifndef FEDSOAR_PLAYBOOK_CACAO_H
#define FEDSOAR_PLAYBOOK_CACAO_H

#include "common.h"

/* The fedsoar extension's identifier (extension_definitions key, and the
   key of playbook_extensions / step_extensions). */
#define PLAYBOOK_CACAO_EXTENSION "extension-definition--5b3e2a52-5f1c-5bb8-9a43-fedc0a0c0001"

typedef struct playbook_cacao_import_opts {
    const char *http_responder; /* responder for http-api commands; NULL: "http-api" */
    const char *manual_role;    /* role that confirms manual tasks; NULL: "analyst" */
    const json_t *trigger;      /* trigger of the result (borrowed); NULL: the extension's,
                                   else one that matches nothing ({"filter": "false"}) */
    const json_t *sites;        /* site names (borrowed array, may be NULL): an agent, else a
                                   target, whose name is one of them sends its step there */
} playbook_cacao_import_opts_t;

/* 0 when the CACAO document (borrowed) passes every structural check, else
   -1 with e naming the first refusal's JSON path. */
int playbook_cacao_check(const json_t *cacao, fs_err_t *e);

/* The fedsoar playbook document of a CACAO playbook (checked first with
   playbook_cacao_check, then validated with playbook_parse). opts may be
   NULL. Caller owns; NULL with e set. */
json_t *playbook_cacao_import(const json_t *cacao, const playbook_cacao_import_opts_t *opts,
                              fs_err_t *e);

/* The CACAO v2.0 document of a fedsoar playbook document (borrowed,
   validated here). approvals (borrowed, may be NULL): the version's
   governance approvals as [{"member","time","signature","public_key"}] —
   signature the member's base64 Ed25519 signature of the fedsoar-approval/1
   payload, public_key the member's PEM; each becomes one CACAO signature.
   time_ms: the version's time (created, modified; 0 for a file: the
   epoch). The same input gives the same document. Caller owns; NULL with
   e set. */
json_t *playbook_cacao_export(const json_t *playbook, const json_t *approvals, int64_t time_ms,
                              fs_err_t *e);

/* RFC 8785 (JCS) canonical bytes of v (objects' keys sorted by UTF-16 code
   units, no whitespace, JCS string escaping; numbers: integers, and reals
   in the shortest form that reads back). Caller owns (free()). */
char *playbook_cacao_jcs(const json_t *v);

/* A UUID v5 (SHA-1, RFC 9562) of name in the fedsoar namespace, as 36
   lowercase characters + NUL. */
void playbook_cacao_uuid5(const char *name, char out[37]);

#endif
