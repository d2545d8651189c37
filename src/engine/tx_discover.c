/*
 * tx_discover.c — API discovery observations (rampart/discover.h;
 * docs/API-SECURITY.md, "API discovery and inventory").
 *
 * Every request of a discovering policy costs its path shape, a hash and
 * two atomic operations on the policy's slot table: the slot of the shape
 * counts requests, and the first request after the slot's interval is
 * sampled — it collects its parameters, authentication and response and
 * becomes one observation carrying the count since the slot's previous
 * report. The table is per process (an nginx worker's copy of the
 * policy), fixed in size: shapes that share a slot share its count and
 * interval, so a flood of distinct shapes costs no memory and at most one
 * observation per slot and interval.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mask_policy.h"
#include "openapi_t.h"
#include "rampart/discover.h"
#include "tx_t.h"

#define DISCOVER_SLOTS      1024
#define DISCOVER_MAX_PARAMS 32
#define DISCOVER_NAME_MAX   64
/* The spec's operations ride along at most this often per worker, so
 * rampartd can tell which are never called; bounded in count and bytes. */
#define SPEC_EVERY_S   60
#define SPEC_MAX_OPS   500
#define SPEC_MAX_BYTES (32 * 1024)

struct rp_discover {
    unsigned interval; /* seconds between observations of a slot */
    _Atomic long long last[DISCOVER_SLOTS];
    atomic_uint count[DISCOVER_SLOTS];
    _Atomic long long spec_sent_at;
};

typedef struct {
    const char *in, *name, *type, *format;
} observed_param_t;

struct tx_discover {
    char shape[RP_SHAPE_MAX];
    unsigned count;
    observed_param_t params[DISCOVER_MAX_PARAMS];
    size_t nparams, params_dropped;
    const char *content_type;
};

int rp_discover_directive(rp_policy_t *p, char **w, int nw, char *why, size_t why_len)
{
    static const char usage[] = "usage: discover on|off [interval=SECONDS] (1 to 3600)";
    if (nw < 2 || nw > 3)
        return snprintf(why, why_len, "%s", usage), -1;
    unsigned interval = 10;
    if (nw == 3) {
        char *end;
        long v = strncmp(w[2], "interval=", 9) == 0 ? strtol(w[2] + 9, &end, 10) : 0;
        if (v < 1 || v > 3600 || *end)
            return snprintf(why, why_len, "%s", usage), -1;
        interval = (unsigned)v;
    }
    if (strcmp(w[1], "off") == 0) {
        free(p->discover);
        p->discover = NULL;
        return 0;
    }
    if (strcmp(w[1], "on") != 0)
        return snprintf(why, why_len, "%s", usage), -1;
    if (!p->discover && !(p->discover = calloc(1, sizeof(*p->discover))))
        return snprintf(why, why_len, "out of memory"), -1;
    p->discover->interval = interval;
    return 0;
}

void rp_discover_free(struct rp_discover *d)
{
    free(d);
}

/* FNV-1a over method and shape: spreads shapes over the slots. */
static size_t slot_of(const char *method, const char *shape)
{
    uint32_t h = 2166136261u;
    for (const char *s = method; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    for (const char *s = shape; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % DISCOVER_SLOTS;
}

void rp_tx_discover_start(rp_tx_t *tx)
{
    struct rp_discover *d = tx->policy->discover;
    char shape[RP_SHAPE_MAX];
    rp_path_shape(tx->path, strlen(tx->path), shape);
    size_t i = slot_of(tx->method, shape);
    atomic_fetch_add_explicit(&d->count[i], 1, memory_order_relaxed);
    long long now = (long long)tx->started.tv_sec;
    long long last = atomic_load_explicit(&d->last[i], memory_order_relaxed);
    if (last && now - last < (long long)d->interval)
        return;
    if (!atomic_compare_exchange_strong(&d->last[i], &last, now))
        return; /* another request of this worker took the sample */
    tx_discover_t *o = rp_arena_calloc(tx->arena, sizeof(*o));
    if (!o)
        return;
    memcpy(o->shape, shape, sizeof(shape));
    o->count = atomic_exchange_explicit(&d->count[i], 0, memory_order_relaxed);
    tx->discover = o;
}

void rp_tx_discover_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len)
{
    /* most headers are none of the three: the first letter rules them out */
    unsigned char c = name_len ? (unsigned char)(name[0] | 0x20) : 0;
    if (c != 'a' && c != 'x' && c != 'c')
        return;
    if (name_len == 13 && strncasecmp(name, "authorization", 13) == 0) {
        if (value_len > 7 && strncasecmp(value, "bearer ", 7) == 0)
            tx->discover_auth |= RP_AUTH_BEARER;
        else if (value_len > 6 && strncasecmp(value, "basic ", 6) == 0)
            tx->discover_auth |= RP_AUTH_BASIC;
        else
            tx->discover_auth |= RP_AUTH_OTHER;
    } else if (name_len == 9 && strncasecmp(name, "x-api-key", 9) == 0) {
        tx->discover_auth |= RP_AUTH_APIKEY;
    } else if (name_len == 6 && strncasecmp(name, "cookie", 6) == 0) {
        /* the identity session (docs/IDENTITY.md); other cookies prove nothing */
        for (size_t i = 0; i + 11 <= value_len; i++)
            if (memcmp(value + i, "rampart_id=", 11) == 0 &&
                (i == 0 || value[i - 1] == ' ' || value[i - 1] == ';')) {
                tx->discover_auth |= RP_AUTH_SESSION;
                break;
            }
    }
}

static const char *param_in(rp_source_t src)
{
    switch (src) {
    case RP_SRC_QUERY:
        return "query";
    case RP_SRC_FORM:
    case RP_SRC_MULTIPART:
        return "form";
    case RP_SRC_JSON:
        return "json";
    default:
        return NULL;
    }
}

void rp_tx_discover_field(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                          const char *value, size_t value_len)
{
    tx_discover_t *o = tx->discover;
    const char *in = param_in(src);
    if (!in || name_len == 0)
        return;
    if (name_len > DISCOVER_NAME_MAX)
        name_len = DISCOVER_NAME_MAX;
    for (size_t i = 0; i < o->nparams; i++)
        if (o->params[i].in == in && strncmp(o->params[i].name, name, name_len) == 0 &&
            o->params[i].name[name_len] == '\0')
            return;
    if (o->nparams == DISCOVER_MAX_PARAMS) {
        o->params_dropped++;
        return;
    }
    observed_param_t *p = &o->params[o->nparams];
    p->name = rp_arena_strndup(tx->arena, name, name_len);
    if (!p->name)
        return;
    p->in = in;
    rp_value_type(value, value_len, &p->type, &p->format);
    o->nparams++;
}

void rp_tx_discover_response_header(rp_tx_t *tx, const char *name, size_t name_len,
                                    const char *value, size_t value_len)
{
    if (name_len == 12 && strncasecmp(name, "content-type", 12) == 0) {
        size_t n = 0;
        while (n < value_len && n < 64 && value[n] != ';' && value[n] != ' ')
            n++;
        tx->discover->content_type = rp_arena_strndup(tx->arena, value, n);
    }
}

static void put_lit(rp_abuf_t *b, const char *s)
{
    rp_abuf_append(b, s, strlen(s));
}

static void put_str(rp_abuf_t *b, const char *key, const char *s)
{
    put_lit(b, key);
    rp_event_put_string(b, s, strlen(s));
}

static void put_auth(rp_abuf_t *b, unsigned auth)
{
    static const struct {
        unsigned bit;
        const char *name;
    } kinds[] = {{RP_AUTH_SESSION, "session"},
                 {RP_AUTH_BEARER, "bearer"},
                 {RP_AUTH_BASIC, "basic"},
                 {RP_AUTH_APIKEY, "apikey"},
                 {RP_AUTH_OTHER, "other"}};
    put_lit(b, ",\"auth\":[");
    bool first = true;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (auth & kinds[i].bit) {
            put_lit(b, first ? "\"" : ",\"");
            put_lit(b, kinds[i].name);
            put_lit(b, "\"");
            first = false;
        }
    put_lit(b, "]");
}

/* "spec_operations":["GET /citizens/{id}",...] from the spec's paths,
 * when this worker has not sent them for SPEC_EVERY_S. */
static void put_spec_operations(rp_tx_t *tx, rp_abuf_t *b)
{
    static const char *const methods[] = {"get",   "put",  "post",    "delete",
                                          "patch", "head", "options", "trace"};
    struct rp_discover *d = tx->policy->discover;
    long long now = (long long)tx->started.tv_sec;
    long long last = atomic_load(&d->spec_sent_at);
    if ((last && now - last < SPEC_EVERY_S) ||
        !atomic_compare_exchange_strong(&d->spec_sent_at, &last, now))
        return;
    put_lit(b, ",\"spec_operations\":[");
    size_t n = 0, start = b->len;
    bool cut = false;
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(tx->policy->openapi->doc, "paths"), path, item)
    {
        for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            if (!json_is_object(json_object_get(item, methods[m])))
                continue;
            if (n == SPEC_MAX_OPS || b->len - start > SPEC_MAX_BYTES) {
                cut = true;
                break;
            }
            char op[1100];
            int w = snprintf(op, sizeof(op), "%s %s", methods[m], path);
            for (int i = 0; i < w && op[i] != ' '; i++)
                op[i] = (char)(op[i] - 'a' + 'A');
            if (n++)
                rp_abuf_putc(b, ',');
            rp_event_put_string(b, op, w < (int)sizeof(op) ? (size_t)w : sizeof(op) - 1);
        }
    }
    put_lit(b, cut ? "],\"spec_operations_cut\":true" : "]");
}

const char *rp_tx_api_event(rp_tx_t *tx, size_t *len)
{
    tx_discover_t *o = tx->discover;
    if (!o)
        return NULL;
    rp_abuf_t b;
    rp_abuf_init(&b, tx->arena);
    rp_abuf_putc(&b, '{');
    rp_event_put_common(tx, &b);
    char num[160];
    int status = tx->verdict.action == RP_ACTION_BLOCK ? tx->verdict.status : tx->response_status;
    snprintf(num, sizeof(num),
             ",\"action\":\"log\",\"status\":%d,\"category\":\"api-discovery\",\"score\":0,"
             "\"matches\":[],\"api\":{\"count\":%u,\"blocked\":%s",
             status, o->count, tx->verdict.action == RP_ACTION_BLOCK ? "true" : "false");
    put_lit(&b, num);
    put_str(&b, ",\"path\":", o->shape);
    if (tx->policy->openapi) {
        put_str(&b, ",\"spec\":", tx->api_op ? rp_openapi_op_template(tx->api_op) : "");
        put_spec_operations(tx, &b);
    }
    if (o->content_type)
        put_str(&b, ",\"content_type\":", o->content_type);
    put_auth(&b, tx->discover_auth);
    put_lit(&b, ",\"params\":[");
    for (size_t i = 0; i < o->nparams; i++) {
        const observed_param_t *p = &o->params[i];
        put_str(&b, i ? ",{\"in\":" : "{\"in\":", p->in);
        put_str(&b, ",\"name\":", p->name);
        put_str(&b, ",\"type\":", p->type);
        if (p->format)
            put_str(&b, ",\"format\":", p->format);
        rp_abuf_putc(&b, '}');
    }
    snprintf(num, sizeof(num), "],\"params_dropped\":%zu,\"classes\":[", o->params_dropped);
    put_lit(&b, num);
    const rp_mask_report_t *r = rp_tx_mask_report(tx);
    bool first = true;
    for (int c = 1; r && c < RP_MASK_CLASS_COUNT; c++)
        if (r->counts[c]) {
            if (!first)
                rp_abuf_putc(&b, ',');
            const char *cn = rp_mask_class_name(c);
            rp_event_put_string(&b, cn, strlen(cn));
            first = false;
        }
    put_lit(&b, "]},\"policy_version\":");
    rp_event_put_string(&b, tx->policy->version, strlen(tx->policy->version));
    rp_abuf_putc(&b, '}');
    if (!b.data)
        return NULL;
    if (len)
        *len = b.len;
    return b.data;
}
