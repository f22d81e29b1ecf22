/*  identity_learning.c — the identity crosswalk learns from identity
    analyzers (issue 15 clause 1; docs/identities.md "Learned links").

    okta-user-context, entra-user-context (and any analyzer that answers the
    same field) return "linked_emails": the directory attributes that name
    other addresses of the user (Okta secondEmail, Entra otherMails and the
    SMTP proxyAddresses, AD mail).  When such an address is an account the
    crosswalk already gives to a person, at any site, the analyzed account
    belongs to that person too: casestore_identities_learn writes the link
    (source "learned:ANALYZER:ATTRIBUTE"), and never over a CSV link.

    Trust: the site that answered is known by its key, and only that site's
    own account is linked — a site can say which person its accounts belong
    to, never move another site's account. */
#include "identity_learning.h"

#include "casestore_identities.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LEARN_MAX_EMAILS 32 /* linked_emails entries looked at per result */

/* The account the analysis was about: what the identity provider calls the
   user (its login / UPN), else the user the playbook asked about. */
static const char *analyzed_account(const json_t *request, const json_t *result)
{
    const char *login = json_string_value(json_object_get(result, "login"));
    if (login && *login)
        return login;
    static const char *const keys[] = {"user", "login", "upn", "email", NULL};
    const json_t *input = json_object_get(request, "input");
    for (size_t i = 0; keys[i]; i++) {
        const char *v = json_string_value(json_object_get(input, keys[i]));
        if (v && *v)
            return v;
    }
    return NULL;
}

static int record(broker_t *b, casestore_txn_t *txn, const json_t *request, const char *site,
                  const char *account, const char *person, const char *analyzer,
                  const char *attribute, const char *email, fs_err_t *e)
{
    char actor[96], source[600];
    snprintf(actor, sizeof actor, "site:%s", site);
    snprintf(source, sizeof source, "learned:%.200s:%.200s", analyzer, attribute);
    json_t *subject =
        json_pack("{s:s, s:s, s:s}", "person", person, "site", site, "account", account);
    json_t *details =
        json_pack("{s:s, s:s, s:s, s:O?, s:O?}", "source", source, "email", email, "analyzer",
                  analyzer, "case_id", json_object_get(request, "case_id"), "request_id",
                  json_object_get(request, "request_id"));
    int rc =
        casestore_audit_append(b->store, txn, "identities.learned", actor, subject, details, e);
    json_int_t case_id = json_integer_value(json_object_get(request, "case_id"));
    if (rc == 0 && case_id > 0) {
        json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person", person, "site", site,
                                  "account", account, "source", source, "email", email);
        rc = casestore_timeline_add(b->store, txn, (uint64_t)case_id, "identity_learned", entry, e);
        json_decref(entry);
    }
    json_decref(subject);
    json_decref(details);
    return rc;
}

int identity_learning_from_result(broker_t *b, casestore_txn_t *txn, const json_t *request,
                                  const char *site, const json_t *result, fs_err_t *e)
{
    const char *type = json_string_value(json_object_get(request, "type"));
    const char *analyzer = json_string_value(json_object_get(request, "name"));
    const json_t *emails = json_object_get(result, "linked_emails");
    if (!type || strcmp(type, "enrich") != 0 || !analyzer || !json_is_array(emails) ||
        json_array_size(emails) == 0)
        return 0;
    const char *account = analyzed_account(request, result);
    if (!account || strlen(account) > CASESTORE_IDENTITY_FIELD_MAX)
        return 0;
    int learned = 0;
    for (size_t i = 0; i < json_array_size(emails) && i < LEARN_MAX_EMAILS; i++) {
        const json_t *it = json_array_get(emails, i);
        const char *attribute = json_string_value(json_object_get(it, "attribute"));
        const char *email = json_string_value(json_object_get(it, "value"));
        if (!attribute || !*attribute || strlen(attribute) > 64 || !email ||
            strcasecmp(email, account) == 0)
            continue;
        char *person = NULL;
        int rc = casestore_identities_learn(b->store, txn, site, account, email, analyzer,
                                            attribute, &person, e);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            char qa[300], qp[300], qe[300];
            fs_log(FS_LOG_INFO, "broker", "identity_learned",
                   "site=%s account=%s person=%s analyzer=%s attribute=%s email=%s", site,
                   fs_log_quote(qa, sizeof qa, account), fs_log_quote(qp, sizeof qp, person),
                   analyzer, attribute, fs_log_quote(qe, sizeof qe, email));
            rc = record(b, txn, request, site, account, person, analyzer, attribute, email, e);
            free(person);
            if (rc != 0)
                return -1;
            learned++;
            break; /* one account, one person: the first address that names one wins */
        }
    }
    return learned;
}
