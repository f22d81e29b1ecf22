/*  playbook_diff.h — what changed between two playbook documents, for the
    people who review a new version (fedsoarctl playbook diff, the broker's
    playbook.diff, GET /api/v1/playbook-versions/{a}/diff/{b}).

    Pure JSON in, JSON out: no engine, no jq, no I/O. Every json_t passed
    in is borrowed; what is returned is the caller's. */
#ifndef FEDSOAR_PLAYBOOK_DIFF_H
#define FEDSOAR_PLAYBOOK_DIFF_H

#include "common.h"

#define PLAYBOOK_DIFF_CHANGES_MAX 1000      /* changes listed; "truncated": true beyond */
#define PLAYBOOK_DIFF_TEXT_MAX (256 * 1024) /* bytes of unified text; "[truncated]" beyond */

/* The diff of documents a and b (both objects; any JSON is accepted):

     {"steps": {"added": [ID...], "removed": [ID...], "changed": [ID...]},
      "changes": [{"pointer": "/steps/2/timeout", "path": "$.steps[2].timeout",
                   "op": "added"|"removed"|"changed", "a": OLD?, "b": NEW?}],
      "truncated": bool,
      "text": "--- a\n+++ b\n@@ -1,4 +1,4 @@\n ..."}

   steps: step ids (nested steps included) present only in b, only in a,
   or in both with a different definition (the step's own fields; a change
   inside a nested step list names the nested step, not its container).
   changes: leaf differences in key order, arrays by position; "pointer"
   is RFC 6901. text: a unified diff (3 lines of context) of the two
   documents pretty-printed with sorted keys and an indent of 2; label_a and
   label_b name them on the ---/+++ lines (NULL: "a", "b"). Caller owns. */
json_t *playbook_diff(const json_t *a, const json_t *b, const char *label_a, const char *label_b);

#endif
