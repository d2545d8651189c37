/*
 * idevent.h — identity events: every login, failure, throttled attempt,
 * lockout, MFA change, privilege change and revocation is both an event
 * in the event store (category "identity", app "rampart-identity",
 * action "allow" for a success, "block" for a refusal, "log" otherwise;
 * the details under "identity") and an audit record (the action prefixed
 * "identity."). Events go through the ingest queue like any gateway's,
 * so they are validated, batched and counted the same way; when the queue
 * is full the request waits up to a second for room (a flood slows down),
 * then the event is dropped — the audit record is written either way.
 */
#ifndef RAMPART_CTL_IDEVENT_H
#define RAMPART_CTL_IDEVENT_H

#include "http.h"

/* what: "login.success", "login.failure", "lockout", "mfa.enrol", ...;
 * outcome: an audit outcome ("success", "failure", "denied",
 * "throttled"); user may be NULL; detail's reference is taken (NULL for
 * none); status: the HTTP status answered. */
void idevent(http_req_t *r, const char *what, const char *outcome, unsigned status,
             const char *user, json_t *detail);

#endif
