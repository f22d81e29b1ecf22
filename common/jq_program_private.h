/*  jq_program_private.h — private to common: what jq_program.c (one
    program) and jq_group.c (programs compiled as one) share. Not installed,
    not included outside common/. */
#ifndef FEDSOAR_JQ_PROGRAM_PRIVATE_H
#define FEDSOAR_JQ_PROGRAM_PRIVATE_H

#include "jq_program.h"

#include <jq.h>

/* A compiled libjq program and its state, shared by every fs_jq_t that runs
   on it (one alone, or the members of a group): freed when the last one
   releases it. Not thread-safe (jq_program.h). */
struct fs_jq_state {
    jq_state *jq;
    int refs;        /* the fs_jq_t handles (and callers of fs_jq_state_compile) holding it */
    char error[256]; /* the last message libjq reported through its callback */
};

struct fs_jq {
    struct fs_jq_state *state; /* a reference held; NULL: not compiled (yet) */
    int member;                /* -1: the state's whole program; else the number its
                                  dispatcher selects (jq_group.c) */
    bool text_path;            /* values cross as JSON text (fs_jq_use_text_path) */
    fs_jq_group_t *group;      /* the group that will compile it, until it does */
};

/* program compiled into a new state (one reference, the caller's), with
   fs_jq_compile's refusals and error texts; NULL with e set. */
struct fs_jq_state *fs_jq_state_compile(const char *program, fs_err_t *e);
/* Drops one reference; frees the state with the last. Sets *st_p to NULL. */
void fs_jq_state_release(struct fs_jq_state **st_p);
/* A member destroyed before its group compiled: the group drops it. */
void fs_jq_group_forget(fs_jq_group_t *group, const fs_jq_t *member);

#endif
