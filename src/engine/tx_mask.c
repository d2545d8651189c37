/*
 * tx_mask.c — response masking in a transaction (docs/DATA-CLASSES.md,
 * "Masking responses"; policy directives in docs/POLICY.md).
 *
 * When the response headers are done the route's mask rule, the switch,
 * the viewer's roles and the response's type and encoding decide what
 * happens to the body:
 *   rewrite   values masked as the rule says (anonymous callers, roles
 *             without clear access)
 *   clear     the viewer's roles see clear values: the body passes, the
 *             classes it held are counted and become a data-access event
 *   detect    the switch says detect: the body passes, the classes are
 *             counted and reported (discovery)
 * gzip bodies are inflated (zlib, RFC 1952), masked and deflated again; any
 * other content coding cannot be read and is refused or passed as
 * mask_body_limit says. Bodies beyond mask_body_limit (decoded bytes) are
 * refused (the response is cut) or pass unmasked from there, and the event
 * says so.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "mask_stream.h"
#include "rampart/masking.h"
#include "tx_t.h"

typedef enum { VIEW_NONE = 0, VIEW_REWRITE, VIEW_CLEAR, VIEW_DETECT } view_t;

struct tx_mask {
    const char *route; /* the host's normalised path */
    rp_mode_t mode;
    bool have_viewer;
    const char *user, *roles, *groups;
    size_t user_len, roles_len, groups_len;
    const char *content_type, *content_encoding;

    const rp_mask_rule_t *rule;
    view_t view;
    bool json, gzip, over, unreadable;
    size_t decoded;
    z_stream inz, outz;
    bool inz_on, outz_on, inz_done;
    rp_mask_stream_t stream;
    bool stream_on;
    rp_abuf_t plain; /* gzip: masked plain text before deflate, reused */
};

static tx_mask_t *mask_state(rp_tx_t *tx)
{
    if (!tx->mask && tx->policy->masks)
        tx->mask = rp_arena_calloc(tx->arena, sizeof(*tx->mask));
    return tx->mask;
}

void rp_tx_set_masking(rp_tx_t *tx, const char *path, size_t path_len, rp_mode_t mode,
                       const rp_viewer_t *viewer)
{
    tx_mask_t *m = mask_state(tx);
    if (!m)
        return;
    m->route = rp_arena_strndup(tx->arena, path, path_len > 4096 ? 4096 : path_len);
    m->mode = mode;
    if (viewer) {
        m->have_viewer = true;
        m->user = rp_arena_strndup(tx->arena, viewer->user, viewer->user_len);
        m->roles = rp_arena_strndup(tx->arena, viewer->roles, viewer->roles_len);
        m->groups = rp_arena_strndup(tx->arena, viewer->groups, viewer->groups_len);
        m->user_len = viewer->user_len;
        m->roles_len = viewer->roles_len;
        m->groups_len = viewer->groups_len;
    }
}

bool rp_policy_mask_route(const rp_policy_t *p, const char *path, size_t len, bool *identity_only)
{
    const rp_mask_rule_t *r = rp_mask_rule_for(p->masks, path, len);
    if (identity_only)
        *identity_only = r && p->masks->gzip == RP_MASK_GZIP_IDENTITY;
    return r != NULL;
}

bool rp_policy_mask_needs_viewer(const rp_policy_t *p)
{
    for (size_t i = 0; p->masks && i < p->masks->n; i++)
        if (p->masks->rules[i].nroles || p->masks->rules[i].ngroups)
            return true;
    return false;
}

static bool header_is(const char *name, size_t len, const char *lower)
{
    return strlen(lower) == len && strncasecmp(name, lower, len) == 0;
}

void rp_tx_mask_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    tx_mask_t *m = tx->mask;
    if (!m)
        return;
    if (header_is(name, name_len, "content-type"))
        m->content_type = rp_arena_strndup(tx->arena, value, value_len > 256 ? 256 : value_len);
    else if (header_is(name, name_len, "content-encoding"))
        m->content_encoding = rp_arena_strndup(tx->arena, value, value_len > 64 ? 64 : value_len);
}

/* JSON, text, or not maskable (images, archives...): by media type. */
static int body_format(const rp_mask_rule_t *rule, const tx_mask_t *m)
{
    const char *ct = m->content_type;
    if (!ct)
        return 0;
    size_t n = strcspn(ct, "; \t");
    bool json = (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
                (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
    bool text = strncasecmp(ct, "text/", 5) == 0 ||
                (n == 15 && strncasecmp(ct, "application/xml", 15) == 0) ||
                (n == 22 && strncasecmp(ct, "application/javascript", 22) == 0);
    if (!json && !text)
        return 0;
    if (rule->format == RP_MASK_FORMAT_JSON)
        return 1;
    if (rule->format == RP_MASK_FORMAT_TEXT)
        return 2;
    return json ? 1 : 2;
}

static void mask_refuse(rp_tx_t *tx, const char *why)
{
    rp_tx_add_match(tx, "mask", "data-access", "response", why, "", 5, true, 502);
    tx->host_refused = true;
    tx->block_status = 502;
}

bool rp_tx_mask_start(rp_tx_t *tx)
{
    tx_mask_t *m = tx->mask;
    if (!m || !m->route || m->mode == RP_MODE_OFF || tx->response_status == 204 ||
        tx->response_status == 304 || (tx->method && strcmp(tx->method, "HEAD") == 0))
        return false;
    const rp_mask_rule_t *rule = rp_mask_rule_for(tx->policy->masks, m->route, strlen(m->route));
    if (!rule)
        return false;
    int fmt = body_format(rule, m);
    if (!fmt)
        return false;
    m->rule = rule;
    m->json = fmt == 1;
    if (m->content_encoding && strcasecmp(m->content_encoding, "identity") != 0) {
        if (strcasecmp(m->content_encoding, "gzip") == 0 ||
            strcasecmp(m->content_encoding, "x-gzip") == 0) {
            m->gzip = true;
        } else {
            /* br, zstd, deflate...: unreadable here */
            m->unreadable = true;
        }
    }
    if (m->mode == RP_MODE_DETECT)
        m->view = VIEW_DETECT;
    else if (m->have_viewer &&
             rp_mask_viewer_clear(m->rule, m->roles, m->roles_len, m->groups, m->groups_len))
        m->view = VIEW_CLEAR;
    else
        m->view = VIEW_REWRITE;
    if (m->unreadable) {
        if (m->view == VIEW_REWRITE && tx->policy->masks->over == RP_MASK_OVER_REFUSE)
            mask_refuse(tx, "content-encoding");
        m->over = true;
        return true;
    }
    const rp_mask_rules_t *rules = tx->policy->masks;
    rp_mask_stream_init(&m->stream, m->rule, m->json, rules->hash_key, rules->hash_key_len);
    m->stream_on = true;
    rp_abuf_init(&m->plain, tx->arena);
    if (m->gzip) {
        if (inflateInit2(&m->inz, 15 + 32) != Z_OK)
            return false;
        m->inz_on = true;
        if (m->view == VIEW_REWRITE) {
            if (deflateInit2(&m->outz, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return false;
            m->outz_on = true;
        }
    }
    return true;
}

void rp_tx_mask_free(rp_tx_t *tx)
{
    tx_mask_t *m = tx->mask;
    if (!m)
        return;
    if (m->inz_on)
        inflateEnd(&m->inz);
    if (m->outz_on)
        deflateEnd(&m->outz);
    m->inz_on = m->outz_on = false;
    if (m->stream_on)
        rp_mask_stream_free(&m->stream);
    m->stream_on = false;
}

/* Decoded bytes through the masker (or past it beyond the limit). */
static int mask_plain(rp_tx_t *tx, const char *p, size_t n, bool last, rp_abuf_t *out)
{
    tx_mask_t *m = tx->mask;
    const rp_mask_rules_t *rules = tx->policy->masks;
    rp_abuf_t *o = m->view == VIEW_REWRITE ? out : NULL;
    if (!m->over && m->decoded + n > rules->body_limit) {
        size_t room = rules->body_limit - m->decoded;
        if (m->view == VIEW_REWRITE && rules->over == RP_MASK_OVER_REFUSE) {
            mask_refuse(tx, "body-limit");
            return 0;
        }
        if (rp_mask_stream_feed(&m->stream, p, room, true, o) != 0)
            return -1;
        m->over = true;
        m->decoded += room;
        p += room;
        n -= room;
    }
    if (m->over)
        return o && n ? rp_abuf_append(o, p, n) : 0;
    m->decoded += n;
    return rp_mask_stream_feed(&m->stream, p, n, last, o);
}

static int deflate_to(z_stream *z, const char *p, size_t n, int flush, rp_abuf_t *out)
{
    unsigned char buf[16384];
    z->next_in = (unsigned char *)p;
    z->avail_in = (uInt)n;
    do {
        z->next_out = buf;
        z->avail_out = sizeof(buf);
        int rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR)
            return -1;
        size_t got = sizeof(buf) - z->avail_out;
        if (got && rp_abuf_append(out, (const char *)buf, got) < 0)
            return -1;
    } while (z->avail_out == 0 || z->avail_in > 0);
    return 0;
}

/* gzip: inflate, mask, deflate. A body that does not inflate is cut. */
static int mask_gzip(rp_tx_t *tx, const char *in, size_t len, bool last, rp_abuf_t *out)
{
    tx_mask_t *m = tx->mask;
    unsigned char buf[16384];
    m->inz.next_in = (unsigned char *)in;
    m->inz.avail_in = (uInt)len;
    while (!m->inz_done && (m->inz.avail_in > 0 || last)) {
        m->inz.next_out = buf;
        m->inz.avail_out = sizeof(buf);
        int rc = inflate(&m->inz, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            mask_refuse(tx, "gzip");
            return 0;
        }
        size_t got = sizeof(buf) - m->inz.avail_out;
        m->inz_done = rc == Z_STREAM_END;
        rp_abuf_clear(&m->plain);
        if (mask_plain(tx, (const char *)buf, got, m->inz_done, &m->plain) != 0)
            return -1;
        if (tx->host_refused)
            return 0;
        if (m->outz_on && m->plain.len &&
            deflate_to(&m->outz, m->plain.data, m->plain.len, Z_NO_FLUSH, out) != 0)
            return -1;
        if (got == 0 && rc == Z_BUF_ERROR)
            break;
    }
    if (last && !m->inz_done) {
        mask_refuse(tx, "gzip"); /* truncated: the client could not read it either */
        return 0;
    }
    if (last && m->outz_on && deflate_to(&m->outz, "", 0, Z_FINISH, out) != 0)
        return -1;
    return 0;
}

rp_status_t rp_tx_mask_body(rp_tx_t *tx, const void *in, size_t len, bool last, const void **out,
                            size_t *out_len)
{
    tx_mask_t *m = tx->mask;
    if (!m->rule || m->unreadable || tx->host_refused)
        return RP_OK;
    rp_abuf_t o;
    rp_abuf_init(&o, tx->arena);
    int rc = m->gzip ? mask_gzip(tx, in, len, last, &o)
                     : mask_plain(tx, in, len, last, m->view == VIEW_REWRITE ? &o : NULL);
    if (rc != 0)
        return RP_NOMEM;
    if (tx->host_refused)
        return RP_BLOCK;
    if (m->view == VIEW_REWRITE) {
        *out = o.data ? o.data : "";
        *out_len = o.len;
    }
    return RP_OK;
}

/* ---- the data event ---- */

static void put_lit(rp_abuf_t *b, const char *s)
{
    rp_abuf_append(b, s, strlen(s));
}

static void put_counts(rp_abuf_t *b, const rp_mask_report_t *r, bool detail)
{
    bool first = true;
    for (int c = 1; c < RP_MASK_CLASS_COUNT; c++) {
        if (!r->counts[c])
            continue;
        char item[64];
        snprintf(item, sizeof(item), detail ? "%s%s=%zu" : "%s\"%s\":%zu", first ? "" : ",",
                 rp_mask_class_name(c), r->counts[c]);
        rp_abuf_append(b, item, strlen(item));
        first = false;
    }
}

const char *rp_tx_data_event(rp_tx_t *tx, size_t *len)
{
    tx_mask_t *m = tx->mask;
    if (!m || !m->rule || m->view == VIEW_NONE)
        return NULL;
    const rp_mask_report_t *r = &m->stream.report;
    size_t total = 0;
    for (int c = 1; c < RP_MASK_CLASS_COUNT; c++)
        total += r->counts[c];
    if (total == 0 && !m->unreadable && !m->over)
        return NULL;
    bool access = m->view == VIEW_CLEAR || (m->view == VIEW_REWRITE && m->over && total);
    if (!access) {
        /* discovery: at most one event per rule and interval in a process */
        rp_mask_rules_t *rules = tx->policy->masks;
        if (!rules->discovery_interval)
            return NULL;
        size_t idx = (size_t)(m->rule - rules->rules);
        long long now = (long long)tx->started.tv_sec;
        long long last = atomic_load(&rules->discovered_at[idx]);
        if (last && now - last < (long long)rules->discovery_interval)
            return NULL;
        if (!atomic_compare_exchange_strong(&rules->discovered_at[idx], &last, now))
            return NULL;
    }
    rp_abuf_t b;
    rp_abuf_init(&b, tx->arena);
    rp_abuf_putc(&b, '{');
    rp_event_put_common(tx, &b);
    char num[96];
    snprintf(num, sizeof(num), ",\"action\":\"%s\",\"status\":%d,\"category\":\"%s\",\"score\":0",
             access ? "allow" : "log", tx->response_status,
             access ? "data-access" : "data-discovery");
    put_lit(&b, num);
    put_lit(&b, ",\"matches\":[{\"detector\":\"mask\",\"category\":");
    rp_event_put_string(&b, access ? "data-access" : "data-discovery", access ? 11 : 14);
    put_lit(&b, ",\"target\":\"response\",\"detail\":\"");
    put_counts(&b, r, true);
    put_lit(&b, "\",\"excerpt\":\"\",\"score\":0}],\"data\":{\"route\":");
    rp_event_put_string(&b, m->rule->prefix, m->rule->prefix_len);
    static const char *const views[] = {"", "masked", "clear", "detect"};
    snprintf(num, sizeof(num), ",\"view\":\"%s\",\"format\":\"%s\",\"gzip\":%s,\"limited\":%s",
             views[m->view], m->json ? "json" : "text", m->gzip ? "true" : "false",
             m->over || m->unreadable ? "true" : "false");
    put_lit(&b, num);
    if (m->have_viewer) {
        put_lit(&b, ",\"user\":");
        rp_event_put_string(&b, m->user, m->user_len);
        put_lit(&b, ",\"roles\":");
        rp_event_put_string(&b, m->roles, m->roles_len);
        put_lit(&b, ",\"groups\":");
        rp_event_put_string(&b, m->groups, m->groups_len);
    }
    put_lit(&b, ",\"classes\":{");
    put_counts(&b, r, false);
    put_lit(&b, "},\"keys\":[");
    for (size_t i = 0; i < r->nkeys; i++) {
        if (i)
            rp_abuf_putc(&b, ',');
        rp_event_put_string(&b, r->keys[i], strlen(r->keys[i]));
    }
    snprintf(num, sizeof(num), "],\"keys_dropped\":%zu},\"policy_version\":", r->keys_dropped);
    put_lit(&b, num);
    rp_event_put_string(&b, tx->policy->version, strlen(tx->policy->version));
    rp_abuf_putc(&b, '}');
    if (!b.data)
        return NULL;
    if (len)
        *len = b.len;
    return b.data;
}

const rp_mask_report_t *rp_tx_mask_report(const rp_tx_t *tx)
{
    const tx_mask_t *m = tx->mask;
    return m && m->rule && m->view != VIEW_NONE ? &m->stream.report : NULL;
}
