/*
 * policy.c — load a policy file into an immutable, reference-counted policy.
 *
 * The format (docs/POLICY.md) is one directive per line, words separated by
 * blanks, '#' starting a comment. Every error names file:line and says why;
 * nothing half-loaded ever escapes: on error the partial policy is freed and
 * the caller keeps whatever policy it was running.
 *
 * The version defaults to a short hash of the file's text, so two different
 * files never report the same version by accident.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "abuse_policy.h"
#include "bot_policy.h"
#include "fieldenc_t.h"
#include "geo_policy.h"
#include "ip_ranges.h"
#include "mask_policy.h"
#include "policy_t.h"
#include "rampart/baseline.h"
#include "rampart/collections.h"
#include "rampart/identity.h"
#include "rampart/openapi.h"
#include "ratelimit_policy.h"
#include "rules.h"
#include "seclang.h"

#define MAX_RULE_FILES 64

const char *const rp_anomaly_names[RP_ANOM_COUNT] = {
    [RP_ANOM_BAD_ENCODING] = "bad_encoding",
    [RP_ANOM_DOUBLE_ENCODING] = "double_encoding",
    [RP_ANOM_UNICODE_ENCODING] = "unicode_encoding",
    [RP_ANOM_INVALID_UTF8] = "invalid_utf8",
    [RP_ANOM_OVERLONG_UTF8] = "overlong_utf8",
    [RP_ANOM_NUL] = "nul_byte",
    [RP_ANOM_PATH_TRAVERSAL] = "path_traversal",
    [RP_ANOM_BODY_MALFORMED] = "body_malformed",
    [RP_ANOM_XML_ENTITY] = "xml_entity",
};

/* Headers whose values are structural (negotiation, caching, framing) or
 * credentials that must never reach an event: not inspected by default. */
static const char *const default_skip_headers[] = {
    "host",
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "connection",
    "content-length",
    "content-type",
    "cache-control",
    "pragma",
    "upgrade-insecure-requests",
    "if-modified-since",
    "if-none-match",
    "if-match",
    "if-unmodified-since",
    "if-range",
    "range",
    "te",
    "dnt",
    "authorization",
    "proxy-authorization",
    "cookie",
    "priority",
    "keep-alive",
    "upgrade",
    "x-request-id",
    "transfer-encoding",
    "expect",
    "content-encoding",
};

#define MAX_WORDS 16
#define MAX_LINE  4096

typedef struct {
    const char *file;
    unsigned line;
    rp_error_t *err;
    /* "rules" directives: SecLang files, compiled once the policy is read */
    char *rule_files[MAX_RULE_FILES];
    unsigned rule_lines[MAX_RULE_FILES];
    size_t nrule_files;
} parse_ctx_t;

static void set_error(rp_error_t *err, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(rp_error_t *err, const char *file, unsigned line, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
}

#define FAIL(ctx, ...)                                                                             \
    do {                                                                                           \
        set_error((ctx)->err, (ctx)->file, (ctx)->line, __VA_ARGS__);                              \
        return -1;                                                                                 \
    } while (0)

static void policy_defaults(rp_policy_t *p)
{
    atomic_init(&p->refs, 1);
    p->mode = RP_MODE_BLOCK;
    p->block_status = 403;
    p->detect_sqli = true;
    p->detect_xss = true;
    p->detectors = (1u << RP_DET_COUNT) - 1;
    p->events = RP_EVENTS_MATCHED;
    p->body_limit_action = RP_BODY_LIMIT_REJECT;
    p->limits = (rp_limits_t){
        .headers = 100,
        .header_size = 16384,
        .uri_size = 16384,
        .args = 1024,
        .body = 64u * 1024 * 1024,
        .json_depth = 64,
        .xml_depth = 64,
        .multipart_parts = 256,
        .field_size = 1024 * 1024,
    };
    p->anomaly[RP_ANOM_BAD_ENCODING] = RP_ANOMALY_LOG;
    p->anomaly[RP_ANOM_DOUBLE_ENCODING] = RP_ANOMALY_LOG;
    p->anomaly[RP_ANOM_UNICODE_ENCODING] = RP_ANOMALY_LOG;
    p->anomaly[RP_ANOM_INVALID_UTF8] = RP_ANOMALY_LOG;
    p->anomaly[RP_ANOM_OVERLONG_UTF8] = RP_ANOMALY_BLOCK;
    p->anomaly[RP_ANOM_NUL] = RP_ANOMALY_BLOCK;
    p->anomaly[RP_ANOM_PATH_TRAVERSAL] = RP_ANOMALY_BLOCK;
    p->anomaly[RP_ANOM_BODY_MALFORMED] = RP_ANOMALY_BLOCK;
    p->anomaly[RP_ANOM_XML_ENTITY] = RP_ANOMALY_BLOCK;
    p->nskip_headers = sizeof(default_skip_headers) / sizeof(default_skip_headers[0]);
    for (size_t i = 0; i < p->nskip_headers; i++) {
        snprintf(p->skip_headers[i], sizeof(p->skip_headers[i]), "%s", default_skip_headers[i]);
        p->skip_header_len[i] = (unsigned char)strlen(p->skip_headers[i]);
    }
}

/* "16k", "64m", "1g" or plain bytes. */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end != '\0' || v > SIZE_MAX / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int rp_policy_parse_size(const char *s, size_t *out)
{
    return parse_size(s, out);
}

static int parse_on_off(parse_ctx_t *c, const char *w, bool *out)
{
    if (strcmp(w, "on") == 0)
        *out = true;
    else if (strcmp(w, "off") == 0)
        *out = false;
    else
        FAIL(c, "expected \"on\" or \"off\", got \"%s\"", w);
    return 0;
}

static int need_args(parse_ctx_t *c, int nw, int want, const char *usage)
{
    if (nw != want)
        FAIL(c, "wrong number of arguments; usage: %s", usage);
    return 0;
}

static int directive_limit(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    static const struct {
        const char *name;
        size_t off;
        size_t min;
    } limits[] = {
        {"headers", offsetof(rp_limits_t, headers), 1},
        {"header_size", offsetof(rp_limits_t, header_size), 64},
        {"uri_size", offsetof(rp_limits_t, uri_size), 64},
        {"args", offsetof(rp_limits_t, args), 1},
        {"body", offsetof(rp_limits_t, body), 0},
        {"json_depth", offsetof(rp_limits_t, json_depth), 1},
        {"xml_depth", offsetof(rp_limits_t, xml_depth), 1},
        {"multipart_parts", offsetof(rp_limits_t, multipart_parts), 1},
        {"field_size", offsetof(rp_limits_t, field_size), 64},
    };
    if (need_args(c, nw, 3, "limit NAME SIZE") != 0)
        return -1;
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        if (strcmp(w[1], limits[i].name) != 0)
            continue;
        size_t v;
        if (parse_size(w[2], &v) != 0)
            FAIL(c, "limit %s: \"%s\" is not a size (e.g. 100, 16k, 64m)", w[1], w[2]);
        if (v < limits[i].min)
            FAIL(c, "limit %s: %zu is below the minimum %zu", w[1], v, limits[i].min);
        *(size_t *)((char *)&p->limits + limits[i].off) = v;
        return 0;
    }
    FAIL(c,
         "unknown limit \"%s\" (headers, header_size, uri_size, args, body, json_depth, "
         "xml_depth, multipart_parts, field_size)",
         w[1]);
}

static int directive_anomaly(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    if (need_args(c, nw, 3, "anomaly NAME block|log|ignore") != 0)
        return -1;
    rp_anomaly_action_t action;
    if (strcmp(w[2], "block") == 0)
        action = RP_ANOMALY_BLOCK;
    else if (strcmp(w[2], "log") == 0)
        action = RP_ANOMALY_LOG;
    else if (strcmp(w[2], "ignore") == 0)
        action = RP_ANOMALY_IGNORE;
    else
        FAIL(c, "anomaly action must be block, log or ignore, got \"%s\"", w[2]);
    for (int i = 0; i < RP_ANOM_COUNT; i++) {
        if (strcmp(w[1], rp_anomaly_names[i]) == 0) {
            p->anomaly[i] = action;
            return 0;
        }
    }
    FAIL(c, "unknown anomaly \"%s\"", w[1]);
}

static int directive_skip_header(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    if (nw < 2)
        FAIL(c, "usage: skip_header NAME...");
    for (int i = 1; i < nw; i++) {
        if (p->nskip_headers >= RP_MAX_SKIP_HEADERS)
            FAIL(c, "too many skipped headers (at most %d)", RP_MAX_SKIP_HEADERS);
        if (strlen(w[i]) >= sizeof(p->skip_headers[0]))
            FAIL(c, "header name too long: \"%s\"", w[i]);
        size_t len = strlen(w[i]);
        p->skip_header_len[p->nskip_headers] = (unsigned char)len;
        char *dst = p->skip_headers[p->nskip_headers++];
        for (size_t k = 0; k < len; k++)
            dst[k] = (char)((w[i][k] >= 'A' && w[i][k] <= 'Z') ? w[i][k] + 32 : w[i][k]);
        dst[len] = '\0';
    }
    return 0;
}

/* collections memory [SIZE] | collections redis://HOST:PORT[/DB] [timeout=MS] */
static int directive_collections(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    const char *usage = "collections memory [SIZE] | collections redis://HOST:PORT[/DB] "
                        "[timeout=MS]";
    if (nw < 2 || nw > 3)
        FAIL(c, "usage: %s", usage);
    if (p->collections_explicit)
        FAIL(c, "collections: given twice");
    if (strcmp(w[1], "memory") == 0) {
        size_t size = 0;
        if (nw == 3 && (parse_size(w[2], &size) != 0 || size < 4096))
            FAIL(c, "collections memory: \"%s\" is not a size of at least 4k", w[2]);
        p->collections = rp_collections_memory_new(size);
    } else if (strncmp(w[1], "redis://", 8) == 0) {
        unsigned long ms = 0;
        if (nw == 3) {
            char *end;
            if (strncmp(w[2], "timeout=", 8) != 0)
                FAIL(c, "usage: %s", usage);
            ms = strtoul(w[2] + 8, &end, 10);
            if (end == w[2] + 8 || (*end && strcmp(end, "ms") != 0) || ms == 0 || ms > 10000)
                FAIL(c, "collections: timeout must be 1 to 10000 milliseconds, got \"%s\"",
                     w[2] + 8);
        }
        rp_error_t e = {0};
        p->collections = rp_collections_redis_new(w[1], (unsigned)ms, &e);
        if (!p->collections)
            FAIL(c, "%s", e.reason[0] ? e.reason : "collections: out of memory");
    } else {
        FAIL(c, "usage: %s", usage);
    }
    if (!p->collections)
        FAIL(c, "collections: out of memory");
    p->collections_explicit = true;
    return 0;
}

static int directive_ratelimit(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    if (p->nratelimits == RP_MAX_RATELIMITS)
        FAIL(c, "more than %d ratelimit directives", RP_MAX_RATELIMITS);
    rl_policy_rule_t r;
    char why[256];
    if (rl_policy_parse(&r, w, nw, why, sizeof(why)) != 0)
        FAIL(c, "%s", why);
    for (size_t i = 0; i < p->nratelimits; i++)
        if (strcmp(p->ratelimits[i].name, r.name) == 0)
            FAIL(c, "ratelimit %s: defined twice", r.name);
    rl_policy_rule_t *n = realloc(p->ratelimits, (p->nratelimits + 1) * sizeof(*n));
    if (!n)
        FAIL(c, "out of memory");
    n[p->nratelimits++] = r;
    p->ratelimits = n;
    return 0;
}

/* openapi FILE [block|detect]: positive security from an OpenAPI 3.0/3.1
 * spec, a relative FILE read from the policy file's directory. */
static int directive_openapi(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    if (nw < 2 || nw > 3)
        FAIL(c, "usage: openapi FILE [block|detect]");
    if (p->openapi)
        FAIL(c, "openapi: one spec per policy");
    bool block = true;
    if (nw == 3) {
        if (strcmp(w[2], "detect") == 0)
            block = false;
        else if (strcmp(w[2], "block") != 0)
            FAIL(c, "openapi: mode must be block or detect");
    }
    char path[PATH_MAX];
    const char *slash = strrchr(c->file, '/');
    if (w[1][0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", w[1]);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - c->file), c->file, w[1]);
    rp_error_t e = {0};
    p->openapi = rp_openapi_load(path, block, &e);
    if (!p->openapi)
        FAIL(c, "openapi %s%s%.0u: %s", e.file, e.line ? ":" : "", e.line, e.reason);
    return 0;
}

/* reputation deny|allow FILE: prefix lists (ip_ranges.c), relative to the
 * policy file's directory. */
static int directive_reputation(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    if (nw != 3 || (strcmp(w[1], "deny") != 0 && strcmp(w[1], "allow") != 0))
        FAIL(c, "usage: reputation deny|allow FILE");
    struct ip_ranges **slot = w[1][0] == 'd' ? &p->reputation_deny : &p->reputation_allow;
    if (*slot)
        FAIL(c, "reputation %s: one file per policy (merge the lists)", w[1]);
    char path[PATH_MAX], why[256];
    const char *slash = strrchr(c->file, '/');
    if (w[2][0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", w[2]);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - c->file), c->file, w[2]);
    if (!(*slot = ip_ranges_load(path, why, sizeof(why))))
        FAIL(c, "reputation %s %s: %s", w[1], w[2], why);
    return 0;
}

/* geo FILE, geo deny|allow|challenge ...: country and region rules
 * (geo_policy.c), a relative FILE read from the policy file's directory. */
static int directive_geo(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    char dir[PATH_MAX], why[512];
    const char *slash = strrchr(c->file, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - c->file) : 1, slash ? c->file : ".");
    if (geo_policy_directive(&p->geo, w, nw, dir, why, sizeof(why)) != 0)
        FAIL(c, "%s", why);
    return 0;
}

/* bot, bot_key, bot_good: bot protection (bot_policy.c). */
static int directive_bot(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    char dir[PATH_MAX], why[512];
    const char *slash = strrchr(c->file, '/');
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - c->file) : 1, slash ? c->file : ".");
    if (bot_policy_directive(&p->bot, w, nw, dir, why, sizeof(why)) != 0)
        FAIL(c, "%s", why);
    return 0;
}

static int directive(parse_ctx_t *c, rp_policy_t *p, char **w, int nw)
{
    const char *d = w[0];
    if (strcmp(d, "version") == 0) {
        if (need_args(c, nw, 2, "version STRING") != 0)
            return -1;
        if (strlen(w[1]) >= sizeof(p->version))
            FAIL(c, "version longer than %zu characters", sizeof(p->version) - 1);
        snprintf(p->version, sizeof(p->version), "%s", w[1]);
    } else if (strcmp(d, "mode") == 0) {
        if (need_args(c, nw, 2, "mode block|detect|off") != 0)
            return -1;
        if (strcmp(w[1], "block") == 0)
            p->mode = RP_MODE_BLOCK;
        else if (strcmp(w[1], "detect") == 0)
            p->mode = RP_MODE_DETECT;
        else if (strcmp(w[1], "off") == 0)
            p->mode = RP_MODE_OFF;
        else
            FAIL(c, "mode must be block, detect or off, got \"%s\"", w[1]);
    } else if (strcmp(d, "block_status") == 0) {
        if (need_args(c, nw, 2, "block_status CODE") != 0)
            return -1;
        char *end;
        long v = strtol(w[1], &end, 10);
        if (*end || v < 400 || v > 599)
            FAIL(c, "block_status must be an HTTP status from 400 to 599, got \"%s\"", w[1]);
        p->block_status = (int)v;
    } else if (strcmp(d, "detect") == 0) {
        if (need_args(c, nw, 3, "detect NAME on|off") != 0)
            return -1;
        if (strcmp(w[1], "sqli") == 0)
            return parse_on_off(c, w[2], &p->detect_sqli);
        if (strcmp(w[1], "xss") == 0)
            return parse_on_off(c, w[2], &p->detect_xss);
        for (int det = 0; det < RP_DET_COUNT; det++) {
            if (strcmp(w[1], rp_detector_names[det]) == 0) {
                bool on;
                if (parse_on_off(c, w[2], &on) != 0)
                    return -1;
                if (on)
                    p->detectors |= 1u << det;
                else
                    p->detectors &= ~(1u << det);
                return 0;
            }
        }
        FAIL(c,
             "unknown detector \"%s\" (sqli, xss, cmdi, ssti, deser, nosql, traversal, ssrf, ldap, "
             "crlf)",
             w[1]);
    } else if (strcmp(d, "events") == 0) {
        if (need_args(c, nw, 2, "events all|matched|off") != 0)
            return -1;
        if (strcmp(w[1], "all") == 0)
            p->events = RP_EVENTS_ALL;
        else if (strcmp(w[1], "matched") == 0)
            p->events = RP_EVENTS_MATCHED;
        else if (strcmp(w[1], "off") == 0)
            p->events = RP_EVENTS_OFF;
        else
            FAIL(c, "events must be all, matched or off, got \"%s\"", w[1]);
    } else if (strcmp(d, "limit") == 0) {
        return directive_limit(c, p, w, nw);
    } else if (strcmp(d, "body_limit_action") == 0) {
        if (need_args(c, nw, 2, "body_limit_action reject|pass") != 0)
            return -1;
        if (strcmp(w[1], "reject") == 0)
            p->body_limit_action = RP_BODY_LIMIT_REJECT;
        else if (strcmp(w[1], "pass") == 0)
            p->body_limit_action = RP_BODY_LIMIT_PASS;
        else
            FAIL(c, "body_limit_action must be reject or pass, got \"%s\"", w[1]);
    } else if (strcmp(d, "anomaly") == 0) {
        return directive_anomaly(c, p, w, nw);
    } else if (strcmp(d, "skip_header") == 0) {
        return directive_skip_header(c, p, w, nw);
    } else if (strcmp(d, "collections") == 0) {
        return directive_collections(c, p, w, nw);
    } else if (strcmp(d, "ratelimit") == 0) {
        return directive_ratelimit(c, p, w, nw);
    } else if (strcmp(d, "openapi") == 0) {
        return directive_openapi(c, p, w, nw);
    } else if (strcmp(d, "reputation") == 0) {
        return directive_reputation(c, p, w, nw);
    } else if (strcmp(d, "geo") == 0) {
        return directive_geo(c, p, w, nw);
    } else if (strcmp(d, "baseline") == 0) {
        if (need_args(c, nw, 2, "baseline detect|fix|off") != 0)
            return -1;
        if (strcmp(w[1], "detect") == 0)
            p->baseline = RP_BASELINE_DETECT;
        else if (strcmp(w[1], "fix") == 0)
            p->baseline = RP_BASELINE_FIX;
        else if (strcmp(w[1], "off") == 0)
            p->baseline = RP_BASELINE_OFF;
        else
            FAIL(c, "baseline must be detect, fix or off, got \"%s\"", w[1]);
    } else if (strcmp(d, "discover") == 0) {
        char why[128];
        if (rp_discover_directive(p, w, nw, why, sizeof(why)) != 0)
            FAIL(c, "%s", why);
    } else if (strcmp(d, "enumerate") == 0 || strcmp(d, "login") == 0) {
        char why[512];
        if (abuse_policy_directive(&p->abuse, w, nw, why, sizeof(why)) != 0)
            FAIL(c, "%s", why);
    } else if (strcmp(d, "bot") == 0 || strcmp(d, "bot_key") == 0 || strcmp(d, "bot_good") == 0) {
        return directive_bot(c, p, w, nw);
    } else if (strcmp(d, "access") == 0) {
        char why[256];
        if (rp_access_rules_add(&p->access, w, nw, why, sizeof(why)) != 0)
            FAIL(c, "%s", why);
    } else if (strncmp(d, "mask", 4) == 0 && (d[4] == '\0' || d[4] == '_')) {
        char why[256], dir[PATH_MAX];
        const char *slash = strrchr(c->file, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - c->file) : 1,
                 slash ? c->file : ".");
        if (rp_mask_directive(&p->masks, w, nw, dir, why, sizeof(why)) != 0)
            FAIL(c, "%s", why);
    } else if (strcmp(d, "encrypt") == 0) {
        char why[256];
        if (rp_fe_directive(&p->fieldenc, w, nw, why, sizeof(why)) != 0)
            FAIL(c, "%s", why);
    } else if (strcmp(d, "rules") == 0) {
        if (need_args(c, nw, 2, "rules SECLANG_FILE_OR_GLOB") != 0)
            return -1;
        if (c->nrule_files == MAX_RULE_FILES)
            FAIL(c, "more than %d rules directives (use a SecLang Include)", MAX_RULE_FILES);
        if (strpbrk(w[1], "\"\n"))
            FAIL(c, "rules: a path cannot contain a double quote");
        if (!(c->rule_files[c->nrule_files] = strdup(w[1])))
            FAIL(c, "out of memory");
        c->rule_lines[c->nrule_files++] = c->line;
    } else {
        FAIL(c, "unknown directive \"%s\"", d);
    }
    return 0;
}

/* Split a line into words in place. Double quotes group words; a '#'
 * outside quotes starts a comment. Returns the count or -1. */
static int split_words(parse_ctx_t *c, char *s, char **w)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s || *s == '#')
            break;
        if (n == MAX_WORDS)
            FAIL(c, "too many words on one line (at most %d)", MAX_WORDS);
        if (*s == '"') {
            char *start = ++s;
            while (*s && *s != '"')
                s++;
            if (*s != '"')
                FAIL(c, "unterminated quoted string");
            *s++ = '\0';
            w[n++] = start;
            if (*s && *s != ' ' && *s != '\t' && *s != '\r')
                FAIL(c, "a quoted string must be followed by a blank");
            continue;
        }
        w[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        if (*s)
            *s++ = '\0';
    }
    return n;
}

/* FNV-1a, 64 bits: a stable default version, not a security property. */
static unsigned long long text_hash(const char *s, size_t len)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Compile the "rules" files as one SecLang configuration, Included in
 * order relative to the policy file's directory. Errors inside a SecLang
 * file name that file; an Include that matches nothing names the policy
 * line of its "rules" directive. */
static int compile_rules(parse_ctx_t *c, rp_policy_t *p)
{
    size_t cap = 64;
    for (size_t i = 0; i < c->nrule_files; i++)
        cap += strlen(c->rule_files[i]) + 16;
    char *text = malloc(cap);
    if (!text) {
        set_error(c->err, c->file, 0, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nrule_files; i++)
        n += (size_t)snprintf(text + n, cap - n, "Include \"%s\"\n", c->rule_files[i]);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", c->file);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    rp_error_t e = {0};
    sl_config_t *cfg = sl_parse_string(text, n, c->file, dir, &e);
    free(text);
    if (cfg) {
        p->rules = rl_compile(cfg, &e);
        sl_config_free(cfg);
    }
    if (p->rules)
        return 0;
    if (strcmp(e.file, c->file) == 0 && e.line >= 1 && e.line <= c->nrule_files)
        e.line = c->rule_lines[e.line - 1];
    if (!e.reason[0])
        snprintf(e.reason, sizeof(e.reason), "rules: out of memory");
    if (c->err)
        *c->err = e;
    return -1;
}

static void free_rule_files(parse_ctx_t *c)
{
    for (size_t i = 0; i < c->nrule_files; i++)
        free(c->rule_files[i]);
    c->nrule_files = 0;
}

rp_policy_t *rp_policy_load_string(const char *text, size_t len, const char *name, rp_error_t *err)
{
    static atomic_uint_fast64_t serials;
    rp_policy_t *p = calloc(1, sizeof(*p));
    if (!p) {
        set_error(err, name, 0, "out of memory");
        return NULL;
    }
    p->serial = atomic_fetch_add(&serials, 1) + 1;
    policy_defaults(p);
    parse_ctx_t c = {.file = name, .line = 0, .err = err};
    size_t pos = 0;
    char line[MAX_LINE + 1];
    while (pos < len) {
        c.line++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t n = end - pos;
        if (n > MAX_LINE) {
            set_error(err, name, c.line, "line longer than %d bytes", MAX_LINE);
            goto fail;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (memchr(line, '\0', n)) {
            set_error(err, name, c.line, "NUL byte in policy file");
            goto fail;
        }
        char *w[MAX_WORDS];
        int nw = split_words(&c, line, w);
        if (nw < 0)
            goto fail;
        if (nw == 0)
            continue;
        if (directive(&c, p, w, nw) != 0)
            goto fail;
    }
    if (c.nrule_files && compile_rules(&c, p) != 0)
        goto fail;
    char mask_why[256];
    if (rp_mask_rules_check(p->masks, mask_why, sizeof(mask_why)) != 0 ||
        rp_fe_rules_check(p->fieldenc, p->masks, mask_why, sizeof(mask_why)) != 0) {
        set_error(err, name, 0, "%s", mask_why);
        goto fail;
    }
    char bot_why[256];
    if (bot_policy_check(p->bot, bot_why, sizeof(bot_why)) != 0 ||
        abuse_policy_finish(p->abuse, p->bot ? p->bot->key : NULL, p->bot ? p->bot->key_len : 0,
                            bot_why, sizeof(bot_why)) != 0) {
        set_error(err, name, 0, "%s", bot_why);
        goto fail;
    }
    if (geo_policy_finish(p->geo, p->bot && p->bot->key_len, bot_why, sizeof(bot_why)) != 0) {
        set_error(err, name, 0, "%s", bot_why);
        goto fail;
    }
    if (p->rules && p->rules->uses_collections && !p->collections &&
        !(p->collections = rp_collections_memory_new(0))) {
        set_error(err, name, 0, "collections: out of memory");
        goto fail;
    }
    /* rate limits (and solved bot challenges) without a configured store
     * count in the policy's own */
    if ((p->nratelimits || p->bot || p->abuse || p->baseline) && !p->collections &&
        !(p->collections = rp_collections_memory_new(0))) {
        set_error(err, name, 0, "collections: out of memory");
        goto fail;
    }
    free_rule_files(&c);
    if (p->version[0] == '\0')
        snprintf(p->version, sizeof(p->version), "sha-%016llx", text_hash(text, len));
    return p;
fail:
    free_rule_files(&c);
    rl_ruleset_free(p->rules);
    rp_collections_free(p->collections);
    rp_openapi_free(p->openapi);
    free(p->ratelimits);
    bot_policy_free(p->bot);
    abuse_policy_free(p->abuse);
    ip_ranges_free(p->reputation_deny);
    ip_ranges_free(p->reputation_allow);
    geo_policy_free(p->geo);
    rp_access_rules_free(p->access);
    rp_mask_rules_free(p->masks);
    rp_fe_rules_free(p->fieldenc);
    rp_discover_free(p->discover);
    free(p);
    return NULL;
}

rp_policy_t *rp_policy_load(const char *path, rp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_error(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            if (cap >= 16u * 1024 * 1024) {
                free(buf);
                fclose(f);
                set_error(err, path, 0, "policy file larger than 16 MiB");
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int read_error = ferror(f);
    fclose(f);
    if (!buf) {
        set_error(err, path, 0, "out of memory");
        return NULL;
    }
    if (read_error) {
        free(buf);
        set_error(err, path, 0, "read error");
        return NULL;
    }
    rp_policy_t *p = rp_policy_load_string(buf, len, path, err);
    free(buf);
    return p;
}

rp_policy_t *rp_policy_default(void)
{
    return rp_policy_load_string("", 0, "(built-in)", NULL);
}

rp_policy_t *rp_policy_ref(rp_policy_t *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void rp_policy_unref(rp_policy_t *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) {
        rl_ruleset_free(p->rules);
        rp_collections_free(p->collections);
        rp_openapi_free(p->openapi);
        free(p->ratelimits);
        bot_policy_free(p->bot);
        abuse_policy_free(p->abuse);
        ip_ranges_free(p->reputation_deny);
        ip_ranges_free(p->reputation_allow);
        geo_policy_free(p->geo);
        rp_access_rules_free(p->access);
        rp_mask_rules_free(p->masks);
        rp_fe_rules_free(p->fieldenc);
        rp_discover_free(p->discover);
        free(p);
    }
}

const char *rp_policy_version(const rp_policy_t *p)
{
    return p->version;
}

rp_mode_t rp_policy_mode(const rp_policy_t *p)
{
    return p->mode;
}
