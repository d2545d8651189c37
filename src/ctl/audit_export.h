/*
 * audit_export.h — delivering the audit log to a syslog receiver (RFC
 * 5424 over TCP with octet counting, RFC 6587, or over TLS, RFC 5425) and
 * to a webhook (HTTP POST of JSON, signed with HMAC-SHA-256).
 *
 * Each destination has a thread and a cursor in the store: the seq of the
 * last record the destination took. Records are sent in seq order after
 * the cursor, and the cursor moves only once they were taken (webhook: a
 * 2xx answer; syslog: written, and the connection still open after), so
 * a restart of rampartd or an outage of the receiver loses nothing; a
 * failure is retried with back-off (0.25 s doubling to 5 s). A record
 * could be sent twice only if rampartd stops between a delivery and the
 * cursor's commit; each message carries its seq, so a receiver can tell.
 */
#ifndef RAMPART_CTL_AUDIT_EXPORT_H
#define RAMPART_CTL_AUDIT_EXPORT_H

#include "ctl.h"
#include "strbuf.h"

typedef struct audit_export audit_export_t;

/* Starts a thread per configured destination (none: an idle export).
 * NULL with err when a destination's settings cannot be used (the
 * webhook's secret file). */
audit_export_t *audit_export_start(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err);

/* Tries once more to deliver what is pending, then stops. */
void audit_export_stop(audit_export_t *x);

/* rampartd_audit_export_* series of /metrics. */
void audit_export_metrics(audit_export_t *x, strbuf_t *out);

#endif
