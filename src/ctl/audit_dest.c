/*
 * audit_dest.c — parsing export destinations (see audit_dest.h). The
 * input is an operator's configuration value; it is still parsed
 * strictly, byte by byte, and fuzzed (tests/fuzz/ctl/fuzz_audit_dest.c).
 */
#include "audit_dest.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *prefix;
    audit_scheme_t scheme;
    int webhook;
} schemes[] = {
    {"tcp://", AUDIT_DEST_TCP, 0},
    {"tls://", AUDIT_DEST_TLS, 0},
    {"http://", AUDIT_DEST_HTTP, 1},
    {"https://", AUDIT_DEST_HTTPS, 1},
};

static int dns_name(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return 0;
    }
    return s[0] != '-' && s[0] != '.';
}

int audit_dest_is_loopback(const char *host)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        return memcmp(a, one, 16) == 0;
    }
    return strcmp(host, "localhost") == 0;
}

int audit_dest_parse(const char *text, int webhook, audit_dest_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));
    const char *p = NULL;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].webhook == webhook &&
            strncmp(text, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
            out->scheme = schemes[i].scheme;
            p = text + strlen(schemes[i].prefix);
        }
    if (!p) {
        snprintf(why, why_size, "expected %s, got \"%.200s\"",
                 webhook ? "http://HOST:PORT/PATH or https://HOST:PORT/PATH"
                         : "tcp://HOST:PORT or tls://HOST:PORT",
                 text);
        return -1;
    }
    const char *host = p, *host_end;
    if (*p == '[') {
        host = p + 1;
        host_end = strchr(host, ']');
        if (!host_end) {
            snprintf(why, why_size, "unterminated [IPv6] address");
            return -1;
        }
        p = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/");
        p = host_end;
    }
    size_t hn = (size_t)(host_end - host);
    if (hn == 0 || hn >= sizeof(out->host)) {
        snprintf(why, why_size, "missing or too long host");
        return -1;
    }
    memcpy(out->host, host, hn);
    out->host[hn] = '\0';
    unsigned char addr[16];
    if (host[-1] == '[' ? inet_pton(AF_INET6, out->host, addr) != 1 : !dns_name(out->host, hn)) {
        snprintf(why, why_size, "bad host \"%.200s\"", out->host);
        return -1;
    }
    if (*p != ':') {
        snprintf(why, why_size, "a port is required (HOST:PORT)");
        return -1;
    }
    p++;
    unsigned long port = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 6) {
        port = port * 10 + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (digits == 0 || port == 0 || port > 65535) {
        snprintf(why, why_size, "bad port");
        return -1;
    }
    out->port = (uint16_t)port;
    if (!webhook) {
        if (*p) {
            snprintf(why, why_size, "unexpected \"%.100s\" after the port", p);
            return -1;
        }
        return 0;
    }
    if (!*p) {
        snprintf(out->path, sizeof(out->path), "/");
    } else {
        if (*p != '/' || strlen(p) >= sizeof(out->path)) {
            snprintf(why, why_size, "the path must start with / and be shorter than %zu bytes",
                     sizeof(out->path));
            return -1;
        }
        for (const char *c = p; *c; c++)
            if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '#') {
                snprintf(why, why_size, "the path has a space, control or non-ASCII byte");
                return -1;
            }
        snprintf(out->path, sizeof(out->path), "%s", p);
    }
    if (out->scheme == AUDIT_DEST_HTTP && !audit_dest_is_loopback(out->host)) {
        snprintf(why, why_size, "plain http only to loopback; use https for \"%.200s\"", out->host);
        return -1;
    }
    return 0;
}
