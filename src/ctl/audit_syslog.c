/*
 * audit_syslog.c — RFC 5424 messages of audit records (see
 * audit_syslog.h).
 */
#include "audit_syslog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

#define FACILITY_AUTHPRIV 10
#define SEVERITY_WARNING  4
#define SEVERITY_NOTICE   5

/* PRINTUSASCII (33-126) only, at most max bytes, "-" when empty
 * (RFC 5424 section 6: HOSTNAME, APP-NAME, MSGID). */
static void header_token(strbuf_t *out, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && *s && n < max; s++)
        if ((unsigned char)*s >= 33 && (unsigned char)*s <= 126) {
            strbuf_append(out, s, 1);
            n++;
        }
    if (n == 0)
        strbuf_puts(out, "-");
}

/* PARAM-VALUE: '"', '\' and ']' escaped with '\' (section 6.3.3). */
static void param(strbuf_t *out, const char *name, const char *value)
{
    strbuf_printf(out, " %s=\"", name);
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == ']')
            strbuf_append(out, "\\", 1);
        strbuf_append(out, p, 1);
    }
    strbuf_append(out, "\"", 1);
}

void audit_syslog_frame(const store_audit_row_t *row, const char *hostname, int pid, strbuf_t *out)
{
    strbuf_t msg;
    strbuf_init(&msg, 0);
    int severity = strcmp(row->outcome, "success") == 0 || strcmp(row->outcome, "intent") == 0
                       ? SEVERITY_NOTICE
                       : SEVERITY_WARNING;
    char t[TIME_RFC3339_MAX], hash[AUDIT_HEX_LEN], num[24];
    time_format_rfc3339(row->ts, t);
    audit_hex(row->hash, AUDIT_HASH_LEN, hash);
    strbuf_printf(&msg, "<%d>1 %s ", FACILITY_AUTHPRIV * 8 + severity, t);
    header_token(&msg, hostname, 255);
    strbuf_printf(&msg, " rampartd %d ", pid);
    header_token(&msg, row->action, 32);
    strbuf_puts(&msg, " [rampart@32473");
    snprintf(num, sizeof(num), "%lld", (long long)row->seq);
    param(&msg, "seq", num);
    param(&msg, "hash", hash);
    param(&msg, "actor", row->actor);
    param(&msg, "role", row->role);
    param(&msg, "client", row->client);
    param(&msg, "outcome", row->outcome);
    snprintf(num, sizeof(num), "%lld", (long long)row->status);
    param(&msg, "status", num);
    param(&msg, "target", row->target);
    strbuf_puts(&msg, "] \xEF\xBB\xBF");
    json_t *j = audit_row_json(row);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    strbuf_puts(&msg, text ? text : "{}");
    free(text);
    if (!msg.failed) {
        strbuf_printf(out, "%zu ", msg.len);
        strbuf_append(out, msg.data, msg.len);
    } else {
        out->failed = 1;
    }
    strbuf_free(&msg);
}
