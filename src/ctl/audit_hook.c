/*
 * audit_hook.c — audit records of API requests (see audit_hook.h).
 */
#include "audit_hook.h"

#include <string.h>

#include "audit_log.h"

const char *audit_outcome(unsigned status)
{
    if (status < 400)
        return "success";
    if (status == 401 || status == 403)
        return "denied";
    if (status == 429)
        return "throttled";
    return status < 500 ? "failure" : "error";
}

int audit_request_applies(const http_req_t *r)
{
    return r->route && !r->route->quiet && strcmp(r->method, "GET") != 0 &&
           strcmp(r->method, "HEAD") != 0;
}

void audit_note(http_req_t *r, const char *action, const char *target)
{
    if (action)
        snprintf(r->audit_action, sizeof(r->audit_action), "%s", action);
    if (target)
        snprintf(r->audit_target, sizeof(r->audit_target), "%s", target);
}

void audit_detail(http_req_t *r, const char *key, json_t *value)
{
    if (!r->audit_detail)
        r->audit_detail = json_object();
    if (r->audit_detail)
        json_object_set_new(r->audit_detail, key, value);
    else
        json_decref(value);
}

static int write_record(http_req_t *r, const char *actor, const char *role, const char *action,
                        const char *outcome, int status, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    audit_entry_t e = {
        .actor = actor,
        .role = role,
        .client = r->client,
        .action = action,
        .method = r->method,
        .path = r->path,
        .target = r->audit_target[0] ? r->audit_target : r->arg,
        .outcome = outcome,
        .detail = text,
        .status = status,
    };
    int rc = audit_log_append(r->ctl->audit, &e, NULL);
    free(text);
    return rc;
}

static const char *actor_of(const http_req_t *r)
{
    return r->who.kind == WHO_ANONYMOUS ? "anonymous" : r->who.name;
}

static const char *role_of(const http_req_t *r)
{
    return r->who.kind == WHO_ANONYMOUS ? "" : role_name(r->who.role);
}

int audit_request_begin(http_req_t *r)
{
    if (write_record(r, actor_of(r), role_of(r), "api.request", "intent", 0, NULL) != STORE_OK) {
        http_reply_error(r, 503, "audit_unavailable",
                         "the action cannot be audited right now, so it was not done");
        return -1;
    }
    r->audit_state = 1;
    return 0;
}

void audit_request_end(http_req_t *r)
{
    if (r->audit_state != 1 || !r->replied)
        return;
    r->audit_state = 2;
    write_record(r, actor_of(r), role_of(r), r->audit_action[0] ? r->audit_action : "api.request",
                 audit_outcome(r->status), (int)r->status, r->audit_detail);
}

void audit_request_denied(http_req_t *r)
{
    r->audit_state = 2;
    if (r->who.kind == WHO_ANONYMOUS && !audit_log_admit_noise(r->ctl->audit))
        return;
    json_t *detail = json_pack("{s:s}", "reason", "refused before the handler");
    write_record(r, actor_of(r), role_of(r), "api.request", "denied", (int)r->status, detail);
    json_decref(detail);
}

int audit_event(http_req_t *r, const char *actor, const char *role, const char *action,
                const char *outcome, int status, json_t *detail)
{
    int rc = write_record(r, actor, role, action, outcome, status, detail);
    json_decref(detail);
    return rc;
}
