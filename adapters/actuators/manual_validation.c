/*  manual_validation.c — deciding that a change carried out by hand took
    effect (manual_validation.h).  An analyzer answers
    {"effective": true|false, "reason"} (in "full" or at the top of its
    result); a person answers through an approval on the case, whose
    decision the broker sends back in the COMMAND body:
    "validation": {"approval_id", "status": "approved"|"denied",
    "operator", "reason", "decided"} (docs/protocol.md §5.4). */
#include "manual_validation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int manual_analyzer_verdict(const json_t *r, char *why, size_t size)
{
    const char *st = json_string_value(json_object_get(r, "status"));
    if (!st || strcmp(st, "ok") != 0) {
        const char *err = json_string_value(json_object_get(r, "error"));
        snprintf(why, size, "%s", err ? err : "the connector answered without a status");
        return -1;
    }
    const json_t *res = json_object_get(r, "result");
    const json_t *full = json_object_get(res, "full") ? json_object_get(res, "full") : res;
    const json_t *eff = json_object_get(full, "effective");
    if (!json_is_boolean(eff)) {
        snprintf(why, size, "the analyzer's result has no boolean \"effective\"");
        return -1;
    }
    const char *reason = json_string_value(json_object_get(full, "reason"));
    snprintf(why, size, "%s", reason ? reason : json_is_true(eff) ? "in effect" : "not in effect");
    return json_is_true(eff) ? 1 : 0;
}

json_t *manual_validation_ask(const json_t *rec, const char *role, const char *site)
{
    const json_t *cmd = json_object_get(rec, "command");
    const char *tid = json_string_value(json_object_get(json_object_get(rec, "ticket"), "id"));
    char *target =
        json_dumps(json_object_get(cmd, "target") ? json_object_get(cmd, "target") : json_object(),
                   JSON_COMPACT | JSON_SORT_KEYS);
    char question[600], text[300];
    snprintf(question, sizeof question,
             "Ticket %s at site %s (OpenC2 %s %.300s, command %s) was resolved by IT staff: "
             "approve if the change took effect, deny with the reason if it did not.",
             tid ? tid : "?", site, json_string_value(json_object_get(cmd, "action")) ?: "?",
             target ? target : "", json_string_value(json_object_get(rec, "command_id")) ?: "?");
    free(target);
    snprintf(text, sizeof text,
             "manual: ticket %s resolved, waiting for a person with role %s to confirm the change "
             "(an approval on the case)",
             tid ? tid : "?", role);
    return json_pack("{s:i, s:s, s:{s:{s:{s:s, s:s}}}}", "status", 102, "status_text", text,
                     "results", "manual", "validation", "approval_role", role, "question",
                     question);
}

int manual_validation_outcome(const json_t *decision, const char *role, char *text, size_t size)
{
    const char *st = json_string_value(json_object_get(decision, "status"));
    const char *who = json_string_value(json_object_get(decision, "operator"));
    const char *reason = json_string_value(json_object_get(decision, "reason"));
    if (!st || !who)
        return -1;
    if (strcmp(st, "approved") == 0) {
        snprintf(text, size,
                 "manual: carried out by IT staff and confirmed by %.64s (role %s): %.400s", who,
                 role, reason ? reason : "confirmed");
        return 1;
    }
    if (strcmp(st, "denied") == 0) {
        snprintf(text, size, "manual: %.64s (role %s) denied that the change took effect: %.400s",
                 who, role, reason ? reason : "no reason given");
        return 0;
    }
    return -1;
}
