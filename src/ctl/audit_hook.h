/*
 * audit_hook.h — the audit records of API requests.
 *
 * api.c calls these for every state-changing request (any method but GET
 * and HEAD, on every route but the quiet event submission), so a route
 * added later is audited without doing anything:
 *   - refused before its handler (401, 403, CSRF): one record, outcome
 *     "denied";
 *   - allowed: an "intent" record before the handler runs — when it
 *     cannot be written the request is refused with 503 and the handler
 *     never runs, so no action happens unaudited — and a "result" record
 *     with the status after it.
 * Handlers name what they did and add detail (audit_note, audit_detail):
 * "user.create", the account name, the role given. Login (public) writes
 * its own records (audit_event).
 */
#ifndef RAMPART_CTL_AUDIT_HOOK_H
#define RAMPART_CTL_AUDIT_HOOK_H

#include "http.h"

/* Whether the request is audited by the dispatcher. */
int audit_request_applies(const http_req_t *r);

/* The intent record. 0 to run the handler; -1 when it was not written
 * (the 503 reply is queued). */
int audit_request_begin(http_req_t *r);

/* The result record, once the handler has replied. */
void audit_request_end(http_req_t *r);

/* The record of a request refused before its handler. */
void audit_request_denied(http_req_t *r);

/* What the handler did: an action name ("user.create") and its target
 * (an account, a token id); either may be NULL to keep the default. */
void audit_note(http_req_t *r, const char *action, const char *target);

/* A detail of the result record (the value reference is taken). */
void audit_detail(http_req_t *r, const char *key, json_t *value);

/* A record written by a handler itself (login). STORE_OK or an error. */
int audit_event(http_req_t *r, const char *actor, const char *role, const char *action,
                const char *outcome, int status, json_t *detail);

/* "success" 2xx-3xx, "denied" 401/403, "throttled" 429, "failure" other
 * 4xx, "error" 5xx. */
const char *audit_outcome(unsigned status);

#endif
