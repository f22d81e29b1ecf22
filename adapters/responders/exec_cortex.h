/*  exec_cortex.h — Cortex's job-directory contract for the exec analyzer /
    responder (exec.c, "protocol": "cortex"): what cortexutils' Worker
    reads and writes.
      JOB/input/input.json   {"data", "dataType", "tlp", "pap", "message",
                              "parameters", "config"} ("file": the name of the
                              file under JOB/input/ when dataType is "file")
      JOB/output/output.json {"success": true, "summary": {"taxonomies"},
                              "full", "artifacts", "operations"} or
                             {"success": false, "errorMessage", "input"}
    The program runs as `COMMAND JOB`; without output.json its stdout is read. */
#ifndef FEDSOAR_EXEC_CORTEX_H
#define FEDSOAR_EXEC_CORTEX_H

#include "common.h"

/* Reads an analyzer's or responder's NAME.json definition at path:
   "command" (relative to the definition's folder) becomes *program
   (caller owns, free()), its "configurationItems" defaults fill *config
   (caller owns; the config's own keys win: merge them after) and
   "dataTypeList" *data_types (caller owns; NULL when absent).  0, or -1
   with e naming the file and the JSON path. */
int exec_cortex_definition(const char *path, char **program, json_t **config, json_t **data_types,
                           fs_err_t *e);
/* Makes a job directory under dir (STATE_DIR/cortex-jobs/job-XXXXXX) with
   input/input.json from job (borrowed); for dataType "file" the input's
   "file_b64" (base64) is written to input/<"filename"> (a plain name) and
   input.json names it in "file".  Returns its path (caller owns), or NULL
   with e set (nothing left behind). */
char *exec_cortex_job_new(const char *dir, const json_t *job, fs_err_t *e);
/* The job's answer: output/output.json when the program wrote one, else
   its stdout (out, len).  NULL when neither is one JSON object. Caller owns. */
json_t *exec_cortex_output(const char *jobdir, const char *out, size_t len);
/* Removes the job directory and everything in it. */
void exec_cortex_job_remove(const char *jobdir);

#endif
