/*
 * audit_syslog.h — an audit record as an RFC 5424 syslog message, framed
 * by octet counting (RFC 6587 section 3.4.1, the framing RFC 5425 uses
 * over TLS):
 *
 *   LEN SP <PRI>1 TIMESTAMP HOSTNAME rampartd PROCID MSGID
 *          [rampart@32473 seq="N" hash="HEX" actor=".." role=".." client=".."
 *           outcome=".." status="N" target=".."] BOM JSON
 *
 * PRI: facility authpriv (10); severity notice (5) for success, warning
 * (4) otherwise. MSGID: the action. The message is the record's JSON
 * (audit_row_json), so a receiver has every field and the chain hashes.
 * 32473 is the private enterprise number RFC 5612 reserves for examples.
 */
#ifndef RAMPART_CTL_AUDIT_SYSLOG_H
#define RAMPART_CTL_AUDIT_SYSLOG_H

#include "audit_record.h"

/* Appends one framed message for row to out. */
void audit_syslog_frame(const store_audit_row_t *row, const char *hostname, int pid, strbuf_t *out);

#endif
