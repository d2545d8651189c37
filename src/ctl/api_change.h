/*
 * api_change.h — the one place every change to applications, switches
 * and policies passes through after it is stored: it logs who changed
 * what, publishes the distribution bundle that carries the change to the
 * gateways, and names the action for the result record the dispatcher
 * writes to the audit log (audit_hook.h).
 */
#ifndef RAMPART_CTL_API_CHANGE_H
#define RAMPART_CTL_API_CHANGE_H

#include "http.h"

/* action: e.g. "app.create", "app.switches", "policy.version"; object:
 * the application or policy name; detail: a short summary or NULL.
 * Returns the bundle version now current (0 when publishing failed: the
 * change is stored and goes out with the next one; logged). */
int64_t api_changed(http_req_t *r, const char *action, const char *object, const char *detail);

/* "2026-11-26T10:23:57.307Z", or null for 0. */
json_t *api_time_json(int64_t ms);

#endif
