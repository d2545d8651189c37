/*
 * api_system.c — liveness, readiness and the Prometheus metrics.
 *
 * /healthz answers 200 while the process serves HTTP at all. /readyz
 * answers 200 only when rampartd can do its job: started completely, not
 * shutting down, the store answering and the last event commit successful
 * (a full disk turns it 503, so a load balancer or `make up` sees it).
 */
#include <stdlib.h>

#include "api.h"
#include "audit_export.h"
#include "audit_log.h"
#include "idrev_redis.h"
#include "idsession.h"
#include "keyring.h"

enum MHD_Result api_healthz(http_req_t *r)
{
    return http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

enum MHD_Result api_readyz(http_req_t *r)
{
    const char *problem = NULL;
    if (!atomic_load(&r->ctl->ready))
        problem = "starting or stopping";
    else if (!atomic_load(&r->ctl->metrics.store_healthy))
        problem = "the store refuses writes (see rampartd_store_errors_total and the log)";
    else if (r->ctl->store->ops->ping(r->ctl->store) != STORE_OK)
        problem = "the store does not answer";
    if (problem)
        return http_reply_json(r, 503,
                               json_pack("{s:s, s:s}", "status", "unavailable", "reason", problem));
    return http_reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

enum MHD_Result api_metrics(http_req_t *r)
{
    strbuf_t out;
    strbuf_init(&out, 0);
    metrics_render(&r->ctl->metrics, ingest_queue_depth(&r->ctl->queue), r->ctl->queue.capacity,
                   &out);
    if (r->ctl->audit)
        audit_log_metrics(r->ctl->audit, &out);
    if (r->ctl->audit_export)
        audit_export_metrics(r->ctl->audit_export, &out);
    if (r->ctl->keyring)
        keyring_metrics(r->ctl->keyring, &out);
    if (r->ctl->identity)
        idrev_redis_metrics(r->ctl->identity->redis, &out);
    size_t len;
    char *text = strbuf_take(&out, &len);
    if (!text)
        return http_reply_error(r, 500, "internal", "out of memory");
    return http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
