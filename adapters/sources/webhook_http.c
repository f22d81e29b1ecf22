/*  webhook_http.c — the webhook source's listener side (libmicrohttpd, its
    own polling thread): takes a POST's body, checks the path, the method,
    the token, the size and the signature, then queues the body and
    suspends the connection; the daemon's commit hook (webhook.c) settles
    it and resumes it, and this side sends the answer it left.  Nothing
    here touches LMDB or the normalizer. */
#include "webhook_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum MHD_Result webhook_http_answer(struct MHD_Connection *c, unsigned status, char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == 405)
        MHD_add_response_header(r, "Allow", "POST");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The final call for a request that was not queued: the status to answer
   at once with its reason, or 0 when the body may be queued. Lock not held
   (an HMAC over a large body takes a while). */
static unsigned check_request(webhook_t *w, struct MHD_Connection *c, const char *url,
                              const char *method, webhook_req_t *r, const char **why)
{
    if (strcmp(url, w->path) != 0)
        return *why = "no such path", 404;
    if (strcmp(method, "POST") != 0)
        return *why = "POST the records", 405;
    if ((*why = webhook_auth_token(&w->auth, c)))
        return 401;
    if (r->too_big)
        return *why = "body larger than max_body_bytes", 413;
    if ((*why = webhook_auth_signature(&w->auth, c, r->body, r->len, (int64_t)time(NULL))))
        return strstr(*why, "too many") ? 503 : 401;
    if (r->len == 0)
        return *why = "empty body", 400;
    return 0;
}

static void take_upload(webhook_t *w, webhook_req_t *r, const char *upload, size_t n)
{
    if (r->too_big || r->len + n > w->max_body) {
        r->too_big = true; /* read and dropped; answered 413 at the end */
        free(r->body);
        r->body = NULL;
        r->len = r->cap = 0;
        return;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        r->body = fs_xrealloc(r->body, cap);
        r->cap = cap;
    }
    memcpy(r->body + r->len, upload, n);
    r->len += n;
    r->body[r->len] = '\0';
}

enum MHD_Result webhook_http_handler(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version, const char *upload,
                                     size_t *upload_size, void **con_cls)
{
    (void)version;
    webhook_t *w = cls;
    webhook_req_t *r = *con_cls;
    if (!r) {
        r = fs_xcalloc(1, sizeof *r);
        r->conn = c;
        *con_cls = r;
        pthread_mutex_lock(&w->mu);
        w->open++;
        pthread_mutex_unlock(&w->mu);
        return MHD_YES;
    }
    if (*upload_size) {
        take_upload(w, r, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&w->mu);
    if (r->phase == REQ_DONE) { /* resumed after the commit */
        unsigned status = r->status;
        char *text = r->text;
        r->text = NULL;
        pthread_mutex_unlock(&w->mu);
        return webhook_http_answer(c, status, text);
    }
    pthread_mutex_unlock(&w->mu);
    const char *why = NULL;
    unsigned status = check_request(w, c, url, method, r, &why);
    pthread_mutex_lock(&w->mu);
    w->received++;
    if (status == 401)
        w->unauthorized++;
    if (!status && w->stopping)
        status = 503, why = "the adapter is stopping; try again";
    if (!status && w->queued >= w->max_pending)
        status = 503, why = "too many bodies waiting; try again";
    if (status) {
        pthread_mutex_unlock(&w->mu);
        if (status != 404)
            fs_log(FS_LOG_WARN, "adapter", "webhook_refused",
                   "source=\"%s\" status=%u reason=\"%s\"", w->name, status, why);
        return webhook_http_answer(c, status, webhook_answer_error(why));
    }
    /* Queue and suspend under the lock, so the commit hook (which resumes
       under the same lock) can never resume it before it is suspended. */
    r->phase = REQ_QUEUED;
    if (w->tail)
        w->tail->next = r;
    else
        w->head = r;
    w->tail = r;
    w->queued++;
    MHD_suspend_connection(c);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return MHD_YES;
}

void webhook_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)c, (void)toe;
    webhook_t *w = cls;
    webhook_req_t *r = *con_cls;
    if (!r)
        return;
    pthread_mutex_lock(&w->mu);
    w->open--;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    webhook_answer_release(&r->answer);
    free(r->body);
    free(r->text);
    free(r);
    *con_cls = NULL;
}
