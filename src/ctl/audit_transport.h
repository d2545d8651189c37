/*
 * audit_transport.h — one outgoing connection of the audit export: TCP,
 * or TLS over it (OpenSSL; TLS 1.2 or newer, the receiver's certificate
 * checked against a CA file and the destination's name or address).
 */
#ifndef RAMPART_CTL_AUDIT_TRANSPORT_H
#define RAMPART_CTL_AUDIT_TRANSPORT_H

#include <stddef.h>

#include "audit_dest.h"

typedef struct audit_conn audit_conn_t;

/* Connects (timeout_ms for the TCP and TLS handshakes); ca_file for TLS.
 * NULL with the reason in why. */
audit_conn_t *audit_conn_open(const audit_dest_t *dest, const char *ca_file, int timeout_ms,
                              char *why, size_t why_size);

/* Writes all of data. 0 or -1. */
int audit_conn_write(audit_conn_t *c, const void *data, size_t len);

/* Reads up to size bytes (waiting up to timeout_ms); the count, 0 at the
 * end of the stream, -1 on error or timeout. */
long audit_conn_read(audit_conn_t *c, void *buf, size_t size, int timeout_ms);

/* Whether the peer is still there: no end of stream, reset or error
 * pending after waiting wait_ms. Data the peer sent is ignored. */
int audit_conn_alive(audit_conn_t *c, int wait_ms);

void audit_conn_close(audit_conn_t *c);

/* The status code of an HTTP/1.x response's first line ("HTTP/1.1 204
 * No Content"), or -1 when it is not one. */
int audit_http_status(const char *data, size_t len);

#endif
