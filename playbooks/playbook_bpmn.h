/*  playbook_bpmn.h — a playbook as a picture: BPMN 2.0 XML with diagram
    interchange, laid out left to right, for Camunda Modeler, bpmn.io and
    the console (fedsoarctl playbook export --format bpmn, the broker's
    playbook.bpmn, GET /api/v1/playbook-versions/{version}/bpmn).

    The mapping, the layout and what BPMN cannot say are in
    docs/playbooks.md "BPMN export"; the design and its caveats in
    docs/internals/playbooks.md.

    Element ids: every step's flow node has the step's id, made an XML
    NCName by playbook_bpmn_id(); every other element (start and end events,
    join gateways, boundary events, sequence flows, shapes) has an id with a
    '.' or a capital letter, which no step id has, so they never collide. */
#ifndef FEDSOAR_PLAYBOOK_BPMN_H
#define FEDSOAR_PLAYBOOK_BPMN_H

#include "common.h"

/* The BPMN 2.0 document (UTF-8, NUL-terminated) of a playbook document
   (borrowed; validated here with playbook_parse, so any JSON may be
   passed). The same document gives the same bytes. Caller owns (free);
   NULL with e set (PLAYBOOK_E_*) when the document is not a valid
   playbook. */
char *playbook_bpmn(const json_t *document, fs_err_t *e);

/* A step id as a BPMN element id: unchanged when it starts with a letter,
   else "_" + id (an id may start with a digit, '-' or '_'; an NCName may
   not start with the first two). Reversible: strip one leading '_'. Writes
   at most size bytes into out (an id is at most 24 bytes: 26 are enough)
   and returns out. */
const char *playbook_bpmn_id(const char *step_id, char *out, size_t size);

#endif
