/*  manual_actuator.h — private to libfedsoar_adapters: what the daemon
    tells the manual actuator (actuators/manual.c) beyond the plugin face.

    The manual actuator answers OpenC2 pairs through people (a ticket at the
    site's ITSM, then a validation); it needs what no other actuator does —
    the site's ticketing and analyzer connectors by name, the command
    journal, the COMMAND body's case context, and a way to send further
    RESPONSEs after execute() has answered 102 — so the daemon binds it to
    the adapter once the connectors exist.  Every function is a no-op when
    no "manual" actuator is configured.  Daemon thread only: what they
    share with the actuator's lane is under its lock. */
#ifndef FEDSOAR_MANUAL_ACTUATOR_H
#define FEDSOAR_MANUAL_ACTUATOR_H

#include "adapter_internal.h"

/* daemon.c, after adapter_add_connectors: builds the manual actuator's own
   instances of the connectors its config names ("ticketing", validation
   "analyzer"; private instances, never shared with REQUESTs) and loads
   the commands it was carrying when the adapter stopped.  0, or -1 with e
   set (the adapter does not start). */
int adapter_manual_bind(adapter_t *a, fs_err_t *e);
/* commands.c: the manual actuator slot configured with "fallback": true,
   for a pair no actuator claims; NULL otherwise. */
actuator_slot_t *adapter_manual_fallback(adapter_t *a);
/* commands.c, on a COMMAND: keeps the body's case_id, case_url, playbook
   and step (body borrowed) for the ticket of that command_id. */
void adapter_manual_context(adapter_t *a, const json_t *body);
/* daemon.c, every loop turn: journals (journal_finish) and sends the
   RESPONSEs the actuator's stages produced on its lane. */
void adapter_manual_flush(adapter_t *a);

#endif
