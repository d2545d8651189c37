/*
 * fuzz_audit_dest.c — the audit export's parsers on arbitrary bytes:
 * destinations (audit_dest.c; the first byte picks syslog or webhook) and
 * the webhook answer's status line (audit_http_status). An accepted
 * destination must be one the exporter can use: a known scheme, a host of
 * the allowed characters, a port in 1..65535, a webhook path starting
 * with '/', plain http only to loopback.
 */
#include <stdlib.h>
#include <string.h>

#include "audit_dest.h"
#include "audit_transport.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int status = audit_http_status((const char *)data, size);
    if (status != -1 && (status < 100 || status > 999))
        abort();
    if (size < 1 || size > 4096)
        return 0;
    int webhook = data[0] & 1;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    audit_dest_t d;
    char why[300];
    if (audit_dest_parse(text, webhook, &d, why, sizeof(why)) == 0) {
        int http = d.scheme == AUDIT_DEST_HTTP || d.scheme == AUDIT_DEST_HTTPS;
        if (http != webhook || d.port == 0 || !d.host[0] || strlen(d.host) >= sizeof(d.host) ||
            (webhook && d.path[0] != '/') || (!webhook && d.path[0]) ||
            (d.scheme == AUDIT_DEST_HTTP && !audit_dest_is_loopback(d.host)))
            abort();
        for (const char *p = d.path; *p; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                abort();
    } else if (!why[0] || !memchr(why, '\0', sizeof(why))) {
        abort();
    }
    free(text);
    return 0;
}
