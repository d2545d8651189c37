/*
 * data_audit.h — the audit record of an unmasked view: each data-access
 * event (a response that left the gateway with sensitive values in clear,
 * docs/DATA-CLASSES.md) becomes one record of the tamper-evident audit
 * log (audit_log.h), action "data.access":
 *
 *   actor   the session user the gateway saw ("anonymous" when none: a
 *           masked view cut short by mask_body_limit pass)
 *   role    the session's roles
 *   client  the caller's address; method, path: the request
 *   target  the application
 *   status  the response status
 *   detail  {"app", "host", "route", "request_id", "view", "limited",
 *            "groups", "time" (the gateway's, RFC 3339), "classes"
 *            {class: count}, "keys" [record keys], "keys_dropped"}
 *
 * Sizes are bounded whatever a gateway sends: DATA_AUDIT_MAX_KEYS keys of
 * at most DATA_AUDIT_KEY_MAX bytes, DATA_AUDIT_MAX_CLASSES classes.
 */
#ifndef RAMPART_CTL_DATA_AUDIT_H
#define RAMPART_CTL_DATA_AUDIT_H

#include <jansson.h>

#include "ctl.h"
#include "event_parse.h"

#define DATA_AUDIT_MAX_KEYS    32
#define DATA_AUDIT_KEY_MAX     64
#define DATA_AUDIT_MAX_CLASSES 16
#define DATA_AUDIT_TEXT_MAX    256 /* user, roles, groups, route */

/* A session claim of a data event's "data" object (user, roles, groups),
 * percent-decoded and bounded; "" when absent. New reference. */
json_t *data_audit_claim(json_t *data, const char *key);

/* The record's detail for ev (its parsed JSON in doc). New reference. */
json_t *data_audit_detail(const event_t *ev, json_t *doc);

/* Appends the record. STORE_OK or the audit log's error. */
int data_audit_record(ctl_t *ctl, const event_t *ev, json_t *doc);

#endif
