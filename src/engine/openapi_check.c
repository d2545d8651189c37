/*
 * openapi_check.c — a request against its operation in the compiled spec:
 * route and method, path/query/header/cookie parameters (OpenAPI 3
 * "Parameter Object": style form for queries, simple for path and
 * headers), content type, required body, body size and the JSON body's
 * schema.
 *
 * Parameter values are text; each is read as the type its schema asks for
 * (integer, number, boolean, else string) and then checked by the same
 * schema code as bodies. The JSON body is checked whole, after it is
 * buffered: required, additionalProperties, oneOf and array bounds need
 * the structure that the engine's streaming field callbacks flatten away.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openapi_t.h"
#include "urldecode.h"

#define CHECK_BUDGET 200000ul

static void init_check(api_check_t *c, const rp_openapi_t *api, rp_api_report_fn fn, void *ctx,
                       bool blocks, const char *prefix)
{
    memset(c, 0, sizeof(*c));
    c->fn = fn;
    c->ctx = ctx;
    c->blocks = blocks;
    c->prefix = prefix;
    c->budget = CHECK_BUDGET;
    c->mctx = api ? api->mctx : NULL;
}

static int report(rp_api_report_fn fn, void *ctx, bool blocks, const char *target, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

static int report(rp_api_report_fn fn, void *ctx, bool blocks, const char *target, const char *fmt,
                  ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (fn)
        fn(ctx, target, reason, blocks);
    return 1;
}

/* Text to the JSON value the schema expects. */
static json_t *coerce(const api_schema_t *s, const char *v, size_t len)
{
    unsigned t = s ? s->types : 0;
    char buf[64];
    if ((t & (API_T_INT | API_T_NUM)) && len > 0 && len < sizeof(buf)) {
        memcpy(buf, v, len);
        buf[len] = '\0';
        char *end;
        errno = 0;
        if (t & API_T_INT) {
            long long i = strtoll(buf, &end, 10);
            if (*end == '\0' && errno == 0 && strspn(buf, "+-0123456789") == len)
                return json_integer(i);
        }
        errno = 0;
        double d = strtod(buf, &end);
        if ((t & API_T_NUM) && *end == '\0' && errno == 0 && isfinite(d) &&
            strspn(buf, "+-0123456789.eE") == len)
            return json_real(d);
    }
    if (t & API_T_BOOL) {
        if (len == 4 && memcmp(v, "true", 4) == 0)
            return json_true();
        if (len == 5 && memcmp(v, "false", 5) == 0)
            return json_false();
    }
    if ((t & API_T_NULL) && len == 0)
        return json_null();
    json_t *str = json_stringn(v, len);
    /* not UTF-8: check it as a string of what is there */
    return str ? str : json_string("\xef\xbf\xbd");
}

typedef struct {
    const char *v;
    size_t len;
} text_t;

#define MAX_VALUES 64

/* Check one parameter given its values (already decoded). */
static int check_param(const rp_openapi_t *api, const rp_api_op_t *op, const api_param_t *p,
                       const text_t *vals, size_t n, rp_api_report_fn fn, void *ctx)
{
    static const char *const ins[] = {"path", "query", "header", "cookie"};
    char target[200];
    snprintf(target, sizeof(target), "%s:%.*s", ins[p->in],
             (int)(p->name_len > 128 ? 128 : p->name_len), p->name);
    if (n == 0)
        return p->required ? report(fn, ctx, op->blocks, target, "required parameter missing") : 0;
    if (!p->schema)
        return 0;
    api_check_t c;
    init_check(&c, api, fn, ctx, op->blocks, target);
    json_t *v;
    if (p->schema->types == API_T_ARR) {
        v = json_array();
        for (size_t i = 0; v && i < n; i++) {
            /* explode=false (and header/path "simple"): one comma list */
            const char *s = vals[i].v, *end = s + vals[i].len;
            bool split = !p->explode || p->in != API_IN_QUERY;
            while (s <= end) {
                const char *comma = split ? memchr(s, ',', (size_t)(end - s)) : NULL;
                const char *stop = comma ? comma : end;
                json_array_append_new(v, coerce(p->schema->items, s, (size_t)(stop - s)));
                s = stop + 1;
                if (json_array_size(v) > 1024)
                    break;
            }
        }
    } else {
        if (n > 1) {
            report(fn, ctx, op->blocks, target, "parameter given %zu times", n);
            c.violations++;
        }
        v = coerce(p->schema, vals[0].v, vals[0].len);
    }
    if (!v)
        return report(fn, ctx, op->blocks, target, "out of memory");
    api_schema_check(&c, p->schema, v, 0);
    json_decref(v);
    return c.violations;
}

static char *decode(const char *s, size_t len, bool plus, size_t *out_len)
{
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    unsigned flags = 0;
    *out_len = rp_url_decode(d, s, len, plus, &flags);
    d[*out_len] = '\0';
    return d;
}

/* Values of a query parameter, decoded; returns how many (at most max). */
static size_t query_values(const char *q, size_t qlen, const api_param_t *p, text_t *vals,
                           char **owned, size_t max)
{
    size_t n = 0;
    const char *s = q, *end = q + qlen;
    while (s < end && n < max) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *name_end = eq ? eq : stop;
        size_t nlen;
        char *name = decode(s, (size_t)(name_end - s), true, &nlen);
        if (name && nlen == p->name_len && memcmp(name, p->name, nlen) == 0) {
            size_t vlen = 0;
            char *val = eq ? decode(eq + 1, (size_t)(stop - eq - 1), true, &vlen) : NULL;
            owned[n] = val;
            vals[n].v = val ? val : "";
            vals[n].len = vlen;
            n++;
        }
        free(name);
        s = stop + 1;
    }
    return n;
}

static bool name_is(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static size_t header_values(const rp_api_request_t *req, const api_param_t *p, text_t *vals,
                            size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders && n < max; i++)
        if (name_is(req->headers[i].name, req->headers[i].name_len, p->name, p->name_len)) {
            vals[n].v = req->headers[i].value;
            vals[n++].len = req->headers[i].value_len;
        }
    return n;
}

/* Cookie: a=1; b=2 (RFC 6265 section 5.4), names compared exactly. */
static size_t cookie_values(const rp_api_request_t *req, const api_param_t *p, text_t *vals,
                            size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders && n < max; i++) {
        if (!name_is(req->headers[i].name, req->headers[i].name_len, "cookie", 6))
            continue;
        const char *s = req->headers[i].value, *end = s + req->headers[i].value_len;
        while (s < end && n < max) {
            while (s < end && (*s == ' ' || *s == ';'))
                s++;
            const char *semi = memchr(s, ';', (size_t)(end - s));
            const char *stop = semi ? semi : end;
            const char *eq = memchr(s, '=', (size_t)(stop - s));
            if (eq && (size_t)(eq - s) == p->name_len && memcmp(s, p->name, p->name_len) == 0) {
                vals[n].v = eq + 1;
                vals[n++].len = (size_t)(stop - eq - 1);
            }
            s = stop;
        }
    }
    return n;
}

static const char *header(const rp_api_request_t *req, const char *name, size_t *len)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (name_is(req->headers[i].name, req->headers[i].name_len, name, strlen(name))) {
            *len = req->headers[i].value_len;
            return req->headers[i].value;
        }
    return NULL;
}

/* "application/json; charset=utf-8" to "application/json", lower case. */
static void media_type(const char *ct, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && ct[i] != ';' && n + 1 < cap; i++)
        if (ct[i] != ' ' && ct[i] != '\t')
            out[n++] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] + 32 : ct[i]);
    out[n] = '\0';
}

static const api_media_t *find_media(const rp_api_op_t *op, const char *type)
{
    const api_media_t *wild = NULL;
    for (size_t i = 0; i < op->nmedia; i++) {
        const char *t = op->media[i].type;
        if (strcmp(t, type) == 0)
            return &op->media[i];
        size_t tl = strlen(t);
        const char *slash = strchr(type, '/');
        if (!wild && ((tl >= 2 && strcmp(t + tl - 2, "/*") == 0 && slash &&
                       (size_t)(slash - type) == tl - 2 && strncmp(t, type, tl - 2) == 0) ||
                      strcmp(t, "*/*") == 0))
            wild = &op->media[i];
    }
    return wild;
}

static int check_params(const rp_openapi_t *api, const rp_api_op_t *op, const api_path_t *path,
                        const rp_api_request_t *req, const char **seg, const size_t *seg_len,
                        const char *query, size_t qlen, rp_api_report_fn fn, void *ctx)
{
    int v = 0;
    for (size_t i = 0; i < op->nparams; i++) {
        const api_param_t *p = &op->params[i];
        text_t vals[MAX_VALUES];
        char *owned[MAX_VALUES] = {0};
        size_t n = 0;
        switch (p->in) {
        case API_IN_PATH:
            for (size_t s = 0; s < path->nsegs && !n; s++)
                if (path->seg_param[s] && strcmp(path->seg_param[s], p->name) == 0) {
                    size_t dl;
                    owned[0] = decode(seg[s], seg_len[s], false, &dl);
                    vals[0].v = owned[0] ? owned[0] : "";
                    vals[0].len = owned[0] ? dl : 0;
                    n = 1;
                }
            break;
        case API_IN_QUERY:
            n = query_values(query, qlen, p, vals, owned, MAX_VALUES);
            break;
        case API_IN_HEADER:
            n = header_values(req, p, vals, MAX_VALUES);
            break;
        case API_IN_COOKIE:
            n = cookie_values(req, p, vals, MAX_VALUES);
            break;
        }
        v += check_param(api, op, p, vals, n, fn, ctx);
        for (size_t k = 0; k < n; k++)
            free(owned[k]);
    }
    return v;
}

const rp_api_op_t *rp_openapi_check_head(const rp_openapi_t *api, const rp_api_request_t *req,
                                         rp_api_report_fn fn, void *ctx, int *violations)
{
    *violations = 0;
    const char *t = req->target;
    size_t tlen = req->target_len;
    const char *q = memchr(t, '?', tlen);
    size_t plen = q ? (size_t)(q - t) : tlen;
    const char *query = q ? q + 1 : "";
    size_t qlen = q ? tlen - plen - 1 : 0;
    const char *seg[RP_OPENAPI_MAX_PATH_SEGMENT];
    size_t seg_len[RP_OPENAPI_MAX_PATH_SEGMENT];
    const api_path_t *path = api_match(api, t, plen, seg, seg_len, RP_OPENAPI_MAX_PATH_SEGMENT);
    if (!path) {
        *violations = report(fn, ctx, api->block_default, "path", "no path in the spec matches");
        return NULL;
    }
    int m = api_method_index(req->method);
    const rp_api_op_t *op = m >= 0 ? path->ops[m] : NULL;
    if (!op) {
        *violations =
            report(fn, ctx, api->block_default, "method", "method %.16s not allowed on %.200s",
                   req->method, path->template_text);
        return NULL;
    }
    int v = check_params(api, op, path, req, seg, seg_len, query, qlen, fn, ctx);
    if (req->has_body && !op->has_body_spec) {
        v += report(fn, ctx, op->blocks, "body", "operation takes no request body");
    } else if (!req->has_body && op->body_required) {
        v += report(fn, ctx, op->blocks, "body", "request body required");
    } else if (req->has_body) {
        size_t ctlen = 0;
        const char *ct = header(req, "content-type", &ctlen);
        char type[128];
        media_type(ct ? ct : "", ctlen, type, sizeof(type));
        if (!find_media(op, type))
            v += report(fn, ctx, op->blocks, "header:Content-Type",
                        "content type \"%.100s\" not accepted", type);
    }
    *violations = v;
    return op;
}

bool rp_openapi_op_blocks(const rp_api_op_t *op)
{
    return op->blocks;
}

const char *rp_openapi_op_template(const rp_api_op_t *op)
{
    return op->path_template;
}

size_t rp_openapi_max_body(const rp_api_op_t *op)
{
    return op->max_body;
}

bool rp_openapi_wants_body(const rp_api_op_t *op, const char *content_type)
{
    if (op->max_body)
        return true;
    char type[128];
    media_type(content_type ? content_type : "", content_type ? strlen(content_type) : 0, type,
               sizeof(type));
    const api_media_t *m = find_media(op, type);
    return m && m->json && m->schema;
}

int rp_openapi_check_body(const rp_api_op_t *op, const char *content_type, const char *body,
                          size_t len, rp_api_report_fn fn, void *ctx)
{
    if (op->max_body && len > op->max_body)
        return report(fn, ctx, op->blocks, "body",
                      "body of %zu bytes is over x-rampart-max-body %zu", len, op->max_body);
    char type[128];
    media_type(content_type ? content_type : "", content_type ? strlen(content_type) : 0, type,
               sizeof(type));
    const api_media_t *m = find_media(op, type);
    if (!m || !m->json || !m->schema)
        return 0;
    json_error_t je;
    json_t *doc = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return report(fn, ctx, op->blocks, "body", "not valid JSON at byte %d: %s", je.position,
                      je.text);
    api_check_t c;
    init_check(&c, op->api, fn, ctx, op->blocks, "json:");
    api_schema_check(&c, m->schema, doc, 0);
    json_decref(doc);
    return c.violations;
}
