/*  openc2_internal.h — private to federation/openc2_*.c: the validation
    context (verdict, reason, JSON path) and the functions the OpenC2 files
    share. Nothing outside federation/openc2_*.c includes this file; the
    public face is include/openc2.h. */
#ifndef FEDSOAR_OPENC2_INTERNAL_H
#define FEDSOAR_OPENC2_INTERNAL_H

#include "openc2.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC2_PATH_MAX 256 /* bytes of the JSON path kept in a context */
#define OC2_MAX_DEPTH 32 /* nesting of process.parent and profile shapes */
#define OC2_NAME_MAX 32  /* longest member name (the TC schemas' $FieldName) */
#define OC2_NSID_MAX 16  /* LS 3.4.2.12 Nsid String{1..16} */

/* ---- context ------------------------------------------------------------ */

typedef struct oc2_ctx {
    const openc2_validator_t *v;
    int bad;         /* a 400 was found */
    int unsupported; /* a 501 was found */
    char reason400[OPENC2_REASON_MAX];
    char reason501[OPENC2_REASON_MAX];
    char path[OC2_PATH_MAX];
    size_t plen;
    int depth;
} oc2_ctx_t;

void oc2_ctx_init(oc2_ctx_t *c, const openc2_validator_t *v);
/* Appends ".key" / "['key']" or "[i]" to the path; returns the mark to pop to. */
size_t oc2_push_key(oc2_ctx_t *c, const char *key);
size_t oc2_push_index(oc2_ctx_t *c, size_t i);
void oc2_pop(oc2_ctx_t *c, size_t mark);
/* Record a 400 / 501 at the current path (the first of each kind is kept).
   oc2_bad returns false so checks read `return oc2_bad(c, ...)`. */
bool oc2_bad(oc2_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void oc2_unsupported(oc2_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the verdict's reason into buf and returns the verdict. */
int oc2_finish(const oc2_ctx_t *c, char *buf, size_t size);

/* ---- small value helpers (openc2_message.c) ----------------------------- */

/* A JSON number with an integral value in the I-JSON safe range
   (|n| <= 2^53 - 1); 200.0 counts. */
bool oc2_integral(const json_t *j, int64_t *out);
/* Checks every string and member name in v for I-JSON (RFC 7493 2.1):
   no noncharacters; and bounds nesting depth. */
bool oc2_check_ijson(oc2_ctx_t *c, const json_t *v, int depth);
/* Number of Unicode code points in a UTF-8 string. */
size_t oc2_utf8_len(const char *s);
bool oc2_in_list(const char *s, const char *const *list);

/* ---- Language Spec types (openc2_targets.c) ----------------------------- */

extern const char *const oc2_actions[];  /* NULL-terminated, LS 3.3.1.1 */
extern const char *const oc2_targets[];  /* NULL-terminated, LS 3.3.1.2 */
extern const char *const oc2_features[]; /* LS 3.4.2.4 */

bool oc2_is_action(const char *s);
bool oc2_is_ls_target(const char *s);
/* Validates the value of LS target `name` at the current path. */
bool oc2_check_ls_target(oc2_ctx_t *c, const char *name, const json_t *val);

/* Formats. Each returns true when s is well formed. */
bool oc2_fmt_ipv4_net(const char *s, const char **why);
bool oc2_fmt_ipv6_net(const char *s, const char **why);
bool oc2_fmt_hostname(const char *s, bool idn);
bool oc2_fmt_email(const char *s, bool idn);
bool oc2_fmt_uri(const char *s, bool iri);
bool oc2_fmt_mac(const char *s);
bool oc2_fmt_hex(const char *s, size_t len);
bool oc2_fmt_uuid(const char *s);
bool oc2_fmt_base64url(const char *s);
bool oc2_fmt_command_id(const char *s);
/* Checks a Port / Date-Time-like integer and the L4 protocol enum. */
bool oc2_check_port(oc2_ctx_t *c, const json_t *v);

/* Member names of extensions: "x-name" or a standard nsid; targets "nsid:name". */
bool oc2_valid_nsid(const char *s);
/* Splits "nsid:name" into nsid (copied into buf) and name; false if malformed. */
bool oc2_split_ext_target(const char *key, char *nsid, size_t size, const char **name);

/* ---- profiles (openc2_profiles.c) --------------------------------------- */

/* Namespace lookup: the profile owning nsid, and its part ("targets",
   "args", "actuator", "results") or NULL. */
const openc2_profile_t *oc2_find_namespace(const openc2_validator_t *v, const char *nsid,
                                           const json_t **ns);
/* Validates val against a profile shape (docs/openc2.md "Shapes"). */
bool oc2_check_shape(oc2_ctx_t *c, const json_t *shape, const json_t *val);
/* Does the profile declare a pairs table / support this pair? */
bool oc2_profile_is_language(const openc2_profile_t *p);
bool oc2_profile_has_pairs(const openc2_profile_t *p);
bool oc2_profile_supports(const openc2_profile_t *p, const char *action, const char *target);
/* The arguments the profile allows for action+target, or NULL (no limit). */
const json_t *oc2_profile_arguments(const openc2_profile_t *p, const char *action,
                                    const char *target);
const json_t *oc2_profile_pairs_json(const openc2_profile_t *p);
const json_t *oc2_profile_namespaces(const openc2_profile_t *p);
/* The profile's extra rule hook (built-in profiles only), or NULL. */
typedef bool (*oc2_rule_fn)(oc2_ctx_t *c, const json_t *cmd, const char *action,
                            const char *target);
oc2_rule_fn oc2_profile_rules(const openc2_profile_t *p);

/* ---- SLPF (openc2_slpf.c) ----------------------------------------------- */

/* The built-in SLPF v1.0 profile description (same format as a file). */
const char *oc2_slpf_description(void);
/* SLPF MUSTs the tables cannot say (update file needs name, ...). */
bool oc2_slpf_rules(oc2_ctx_t *c, const json_t *cmd, const char *action, const char *target);

#endif
