/*
 * audit_dest.h — where the audit log is exported: a syslog receiver
 * (tcp://HOST:PORT, or tls://HOST:PORT for RFC 5425) or a webhook
 * (http://HOST:PORT/PATH to loopback only, or https://HOST:PORT/PATH).
 * HOST is a numeric IPv4 address, [IPv6] or a DNS name.
 */
#ifndef RAMPART_CTL_AUDIT_DEST_H
#define RAMPART_CTL_AUDIT_DEST_H

#include <stddef.h>
#include <stdint.h>

typedef enum { AUDIT_DEST_TCP, AUDIT_DEST_TLS, AUDIT_DEST_HTTP, AUDIT_DEST_HTTPS } audit_scheme_t;

typedef struct {
    audit_scheme_t scheme;
    char host[256];
    uint16_t port;
    char path[512]; /* http(s) only; "/" when absent */
} audit_dest_t;

/* Parses text (NUL-terminated). webhook: http/https accepted, else
 * tcp/tls. 0, or -1 with the reason in why. */
int audit_dest_parse(const char *text, int webhook, audit_dest_t *out, char *why, size_t why_size);

/* Whether host is a loopback address (127.0.0.0/8, ::1) or "localhost". */
int audit_dest_is_loopback(const char *host);

#endif
