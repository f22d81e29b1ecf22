/*  casestore_identities.h — the identity crosswalk (docs/identities.md):
    which accounts at which sites belong to one person.  Part of
    libfedsoar_casestore's face, beside casestore.h.

    A link is (site, account) -> person, with its source: "csv" (loaded by an
    operator from a file `person,site,account`) or
    "learned:<connector>:<attribute>" (a directory attribute an identity
    analyzer returned, e.g. "learned:entra-users:otherMails").  An account
    belongs to at most one person.  A learned link never replaces a CSV
    link; loading a CSV replaces every link of source "csv" and any learned
    link of an account the file names, in one transaction.

    Accounts compare case-insensitively (ASCII) and are stored as first
    written; persons and sites compare exactly.

    Table CASESTORE_DB_IDENTITIES:
      "a" site \0 lower(account)             -> {"person","site","account","source"}
      "p" person \0 site \0 lower(account)   -> ""  (a person's accounts, in order)

    Ownership as in casestore.h: returned json_t * are the caller's,
    arguments borrowed.  Errors: 0 / -1 with fs_err_t filled. */
#ifndef FEDSOAR_CASESTORE_IDENTITIES_H
#define FEDSOAR_CASESTORE_IDENTITIES_H

#include "casestore.h"

#define CASESTORE_IDENTITY_FIELD_MAX 256                /* bytes of a person, site or account */
#define CASESTORE_IDENTITIES_CSV_MAX (16 * 1024 * 1024) /* bytes of a CSV file */
#define CASESTORE_IDENTITIES_ERRORS_MAX 100             /* bad rows listed (the rest counted) */
#define CASESTORE_IDENTITIES_HEADER "person,site,account"

/* ---- the CSV reader (casestore/identities_csv.c) ---------------------------
   RFC 4180: fields separated by ',', records by CRLF or LF, a field in
   double quotes may hold ',' and '""'; a quote inside an unquoted field,
   text after a closing quote, an unterminated quote, a line break or a
   control character inside a field, bytes that are not UTF-8, a record
   without exactly three fields and an empty field are refused.  The first
   record must be the header person,site,account (any case); blank lines
   are skipped.  known_site(arg, site) says whether a site exists (NULL: any
   does).  The same account (site + account, case-insensitive) claimed by two
   persons is refused on the second line, naming the first; the same link
   twice is kept once.

   Returns {"rows": [{"line","person","site","account"}]} when every row is
   good.  Otherwise NULL, *errors (caller owns) = [{"line", "reason"}] for
   every bad row (at most CASESTORE_IDENTITIES_ERRORS_MAX, then one entry
   {"line": 0, "reason": "... and N more"}) and e = "NAME:LINE: REASON" of
   the first, plus the count.  name says where the text came from. */
typedef bool(casestore_site_known_fn)(void *arg, const char *site);
json_t *casestore_identities_parse_csv(const char *text, size_t len, const char *name,
                                       casestore_site_known_fn *known_site, void *arg,
                                       json_t **errors, fs_err_t *e);

/* ---- the crosswalk (casestore/identities.c) --------------------------------- */

/* Replaces every link of source "csv" with parsed->rows (from
   casestore_identities_parse_csv), in txn.  A learned link of an account a
   row names is replaced too.  Returns {"loaded": rows, "persons": n,
   "removed": old csv links no longer in the file, "replaced_learned": n}
   (caller owns) or NULL. */
json_t *casestore_identities_replace_csv(casestore_t *st, casestore_txn_t *txn,
                                         const json_t *parsed, fs_err_t *e);

/* The link of (site, account): {"person","site","account","source"} or
   NULL. Caller owns. */
json_t *casestore_identity_link(casestore_t *st, casestore_txn_t *txn, const char *site,
                                const char *account);

/* A person and every linked account: {"person", "accounts": [{"site",
   "account", "source"}]} (sorted by site, account), NULL when no account
   links to the person. Caller owns. */
json_t *casestore_identity_person(casestore_t *st, casestore_txn_t *txn, const char *person);

/* What `fedsoarctl identities show Q` shows: Q as a person, as SITE:ACCOUNT,
   or as an account at any site.  {"query", "matches": [PERSON...]} where
   each PERSON is casestore_identity_person's document plus "matched_by":
   "person"|"account"; no match: "matches" is empty. Caller owns. */
json_t *casestore_identities_show(casestore_t *st, casestore_txn_t *txn, const char *query);

/* Every person with their accounts, in person order, at most limit
   persons: {"persons": [PERSON...], "links": n, "truncated": bool}. Caller owns. */
json_t *casestore_identities_list(casestore_t *st, casestore_txn_t *txn, size_t limit);

/* Learns that (site, account) belongs to the person who owns an account
   whose name is `email` (any site, case-insensitive), because `attribute`
   of the account as `connector` read it names that email.  Returns 1 when a
   link was written, 0 when there is nothing to do (no owner of email, the
   account already linked to that person, or linked by a CSV row: a learned
   link never overrides one), -1 on error.  *person_out (may be NULL) gets
   the person linked (caller frees). */
int casestore_identities_learn(casestore_t *st, casestore_txn_t *txn, const char *site,
                               const char *account, const char *email, const char *connector,
                               const char *attribute, char **person_out, fs_err_t *e);

#endif
