/*
 * audit_log.h — rampartd's tamper-evident audit log: one synchronous
 * append per administrative action or security decision, chained with
 * SM3 (audit_record.h) and sealed with SM2 (audit_sign.h) every
 * audit_seal_records records or audit_seal_seconds, and at shutdown.
 *
 * audit_log_append returns only after the record is committed to the
 * store; callers that cannot get a record written refuse the action
 * (503), so nothing happens unaudited (api_audit_hook.c).
 */
#ifndef RAMPART_CTL_AUDIT_LOG_H
#define RAMPART_CTL_AUDIT_LOG_H

#include <stdatomic.h>
#include <stdint.h>

#include "audit_sign.h"
#include "ctl.h"

/* One record's fields; NULL strings are stored as "". detail is a JSON
 * object's text or NULL. */
typedef struct {
    const char *actor, *role, *client, *action, *method, *path, *target, *outcome, *detail;
    int status;
} audit_entry_t;

typedef struct audit_log audit_log_t;

/* Opens the log on ctl->store with the key pair in data_dir (created at
 * first run). NULL with err on failure. */
audit_log_t *audit_log_open(ctl_t *ctl, const char *data_dir, rp_error_t *err);

/* Appends (and seals when due). STORE_OK with *seq set, or the store's
 * error: the action must then not happen. seq may be NULL. */
int audit_log_append(audit_log_t *a, const audit_entry_t *e, int64_t *seq);

/* A system record (start, stop, reload, retention): actor "rampartd". */
int audit_log_system(audit_log_t *a, const char *action, const char *outcome, const char *detail);

/* Records that callers nobody authenticated can cause at no cost to
 * themselves — throttled logins, anonymous refusals — pass a token bucket
 * (AUDIT_NOISE_PER_S, burst AUDIT_NOISE_BURST), so a flood cannot turn
 * into a flood of synchronous commits. 1: write the record; 0: it is
 * counted instead, and the next admitted one is preceded by an
 * audit.suppressed record with the count. */
#define AUDIT_NOISE_PER_S 20
#define AUDIT_NOISE_BURST 200
int audit_log_admit_noise(audit_log_t *a);

/* Seals the newest record now if it is not sealed yet. 0 or -1. */
int audit_log_seal(audit_log_t *a);

/* Deletes records older than audit_retention_days, after appending the
 * audit.retention record the verifier anchors the rest on. Returns the
 * number deleted, or -1. */
long long audit_log_retention(audit_log_t *a);

/* Waits until a record newer than after_seq exists or timeout_ms passes;
 * returns the newest seq. */
int64_t audit_log_wait(audit_log_t *a, int64_t after_seq, int timeout_ms);

const audit_key_t *audit_log_key(const audit_log_t *a);
int64_t audit_log_last_seq(audit_log_t *a);
int64_t audit_log_last_sealed(audit_log_t *a);

/* The audit series of /metrics. */
void audit_log_metrics(audit_log_t *a, strbuf_t *out);

/* Seals, stops the seal timer, frees. */
void audit_log_close(audit_log_t *a);

#endif
