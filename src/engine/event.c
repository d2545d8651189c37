/*
 * event.c — the compact JSON event of a transaction.
 *
 * One line of JSON per decision, small enough for a datagram: the request's
 * identity, the verdict and the evidence. Everything that came from the
 * client is escaped (invalid UTF-8 becomes U+FFFD so the line is always
 * valid JSON) and passed through the citizen-data mask; values of
 * credential-like query arguments are blanked out of the URI.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "normalize.h"
#include "tx_t.h"
#include "urldecode.h"

#define URI_MAX 512

static void put(rp_abuf_t *b, const char *s)
{
    rp_abuf_append(b, s, strlen(s));
}

static void put_json_string(rp_abuf_t *b, const char *s, size_t n)
{
    rp_abuf_putc(b, '"');
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            rp_abuf_append(b, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(b, esc);
            i++;
        } else if (c < 0x80) {
            rp_abuf_putc(b, (char)c);
            i++;
        } else {
            unsigned bad = 0;
            size_t l = rp_utf8_step(s + i, n - i, &bad);
            if (bad) {
                put(b, "\\ufffd");
                i++;
            } else {
                rp_abuf_append(b, s + i, l);
                i += l;
            }
        }
    }
    rp_abuf_putc(b, '"');
}

static void put_field(rp_abuf_t *b, const char *key, const char *value, int first)
{
    if (!first)
        rp_abuf_putc(b, ',');
    put_json_string(b, key, strlen(key));
    rp_abuf_putc(b, ':');
    if (value)
        put_json_string(b, value, strlen(value));
    else
        put(b, "null");
}

static void put_int(rp_abuf_t *b, const char *key, long long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", v);
    rp_abuf_putc(b, ',');
    put_json_string(b, key, strlen(key));
    rp_abuf_putc(b, ':');
    put(b, num);
}

/* Client data quoted by a rule (msg, logdata): cut to RULE_TEXT_MAX on a
 * character boundary, citizen identifiers masked. */
#define RULE_TEXT_MAX 512

static void put_rule_text(rp_tx_t *tx, rp_abuf_t *b, const char *key, const char *s)
{
    size_t n = strlen(s);
    if (n > RULE_TEXT_MAX) {
        n = RULE_TEXT_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *c = rp_arena_strndup(tx->arena, s, n);
    if (!c)
        return;
    rp_mask_sensitive(c, n);
    put_field(b, key, c, 0);
}

static void put_rule_fields(rp_tx_t *tx, rp_abuf_t *b, const rp_match_t *m)
{
    char id[24];
    snprintf(id, sizeof(id), "%lu", m->rule_id);
    put_field(b, "rule_id", id, 0);
    if (m->msg)
        put_rule_text(tx, b, "msg", m->msg);
    if (m->data)
        put_rule_text(tx, b, "data", m->data);
    if (m->severity >= 0)
        put_int(b, "severity", m->severity);
    if (m->ntags) {
        put(b, ",\"tags\":[");
        for (size_t i = 0; i < m->ntags; i++) {
            if (i)
                rp_abuf_putc(b, ',');
            put_json_string(b, m->tags[i], strlen(m->tags[i]));
        }
        rp_abuf_putc(b, ']');
    }
}

/* The URI for the event: cut to URI_MAX, credential values starred,
 * citizen identifiers masked. */
static char *event_uri(rp_tx_t *tx)
{
    const char *uri = tx->uri ? tx->uri : "";
    size_t n = strlen(uri);
    if (n > URI_MAX)
        n = URI_MAX;
    char *u = rp_arena_strndup(tx->arena, uri, n);
    if (!u)
        return NULL;
    char *q = memchr(u, '?', n);
    while (q && (size_t)(q - u) < n) {
        char *name = q + 1;
        char *end = name;
        while ((size_t)(end - u) < n && *end != '&')
            end++;
        char *eq = memchr(name, '=', (size_t)(end - name));
        if (eq && rp_secret_name(name, (size_t)(eq - name)))
            memset(eq + 1, '*', (size_t)(end - eq - 1));
        q = (size_t)(end - u) < n ? end : NULL;
    }
    rp_mask_sensitive(u, n);
    return u;
}

static const char *action_name(const rp_tx_t *tx)
{
    const rp_verdict_t *v = &tx->verdict;
    switch (v->action) {
    case RP_ACTION_BLOCK:
        return "block";
    case RP_ACTION_REDIRECT:
        return "redirect";
    case RP_ACTION_CHALLENGE:
        return "challenge";
    case RP_ACTION_ALLOW:
        break;
    }
    if (v->detect_only)
        return "detect";
    return tx->nmatches ? "log" : "allow";
}

void rp_event_put_string(rp_abuf_t *b, const char *s, size_t n)
{
    put_json_string(b, s, n);
}

void rp_event_put_common(rp_tx_t *tx, rp_abuf_t *b)
{
    char when[40];
    struct tm tm;
    gmtime_r(&tx->started.tv_sec, &tm);
    size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof(when) - w, ".%03ldZ", tx->started.tv_nsec / 1000000);
    put_field(b, "time", when, 1);
    put_field(b, "request_id", rp_tx_request_id(tx), 0);
    put_field(b, "client", tx->client_addr, 0);
    put_field(b, "host", tx->host, 0);
    put_field(b, "method", tx->method, 0);
    put_field(b, "uri", event_uri(tx), 0);
    put_field(b, "app", tx->app, 0);
}

const char *rp_event_build(rp_tx_t *tx, size_t *len)
{
    rp_abuf_t b;
    rp_abuf_init(&b, tx->arena);
    rp_abuf_putc(&b, '{');
    rp_event_put_common(tx, &b);
    put_field(&b, "action", action_name(tx), 0);
    put_int(&b, "status",
            tx->verdict.action == RP_ACTION_BLOCK ? tx->verdict.status : tx->response_status);
    put_field(&b, "category", tx->verdict.category, 0);
    put_int(&b, "score", tx->verdict.score);
    put(&b, ",\"matches\":[");
    for (size_t i = 0; i < tx->nmatches; i++) {
        const rp_match_t *m = &tx->matches[i];
        if (i)
            rp_abuf_putc(&b, ',');
        rp_abuf_putc(&b, '{');
        put_field(&b, "detector", m->detector, 1);
        put_field(&b, "category", m->category, 0);
        put_field(&b, "target", m->target, 0);
        put_field(&b, "detail", m->detail, 0);
        put_field(&b, "excerpt", m->excerpt, 0);
        put_int(&b, "score", m->score);
        if (m->rule_id)
            put_rule_fields(tx, &b, m);
        rp_abuf_putc(&b, '}');
    }
    rp_abuf_putc(&b, ']');
    if (tx->nmatches_dropped)
        put_int(&b, "matches_dropped", (long long)tx->nmatches_dropped);
    put_field(&b, "policy_version", tx->policy->version, 0);
    put_field(&b, "mode",
              tx->mode == RP_MODE_BLOCK    ? "block"
              : tx->mode == RP_MODE_DETECT ? "detect"
                                           : "off",
              0);
    rp_abuf_putc(&b, '}');
    if (!b.data)
        return NULL;
    *len = b.len;
    return b.data;
}
