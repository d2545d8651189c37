/*
 * idevent.c — identity events and their audit records (see idevent.h).
 */
#include "idevent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_hook.h"
#include "ingest_queue.h"
#include "secret.h"
#include "timefmt.h"

static const char *action_of(const char *outcome)
{
    if (strcmp(outcome, "success") == 0)
        return "allow";
    if (strcmp(outcome, "denied") == 0 || strcmp(outcome, "failure") == 0 ||
        strcmp(outcome, "throttled") == 0)
        return "block";
    return "log";
}

static void submit_event(http_req_t *r, const char *what, const char *outcome, unsigned status,
                         const char *user, json_t *detail)
{
    char now[TIME_RFC3339_MAX], rid[40];
    time_format_rfc3339(time_now_ms(), now);
    if (secret_token("id-", 12, rid, sizeof(rid)))
        snprintf(rid, sizeof(rid), "id-event");
    const char *host = http_header(r, "Host");
    json_t *identity = json_pack("{s:s, s:s, s:s?, s:O?}", "event", what, "outcome", outcome,
                                 "user", user, "detail", detail);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "time", now,
                           "request_id", rid, "app", "rampart-identity", "client", r->client,
                           "host", host ? host : "", "method", r->method, "uri", r->path, "action",
                           action_of(outcome), "status", (int)status, "category", "identity",
                           "identity", identity);
    char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    ingest_item_t *it = text ? ingest_item_new() : NULL;
    reject_reason_t why;
    if (it && event_parse(text, strlen(text), &it->ev, &why, NULL, 0) == 0) {
        it->kind = SOURCE_HTTP;
        it->source = "rampartd-identity";
        it->received = time_now_ms();
        /* a full queue is waited on, up to a second: under a login flood the
         * flood slows down rather than its events going missing */
        for (int tries = 0; it && tries < 200; tries++) {
            if (ingest_queue_try_push(&r->ctl->queue, it) == 0)
                it = NULL;
            else
                nanosleep(&(struct timespec){0, 5000000}, NULL);
        }
    }
    if (it)
        ingest_item_free(it);
    free(text);
}

void idevent(http_req_t *r, const char *what, const char *outcome, unsigned status,
             const char *user, json_t *detail)
{
    submit_event(r, what, outcome, status, user, detail);
    char action[64];
    snprintf(action, sizeof(action), "identity.%s", what);
    json_t *d = detail ? json_deep_copy(detail) : json_object();
    if (user)
        json_object_set_new(d, "user", json_string(user));
    /* the actor: the operator for admin actions, else the directory user */
    int operator= r->who.kind != WHO_ANONYMOUS;
    audit_event(r, operator? r->who.name : (user ? user : "-"),
                   operator? role_name(r->who.role) : "directory", action, outcome, (int)status, d);
    json_decref(detail);
}
