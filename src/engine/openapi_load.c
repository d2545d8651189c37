/*
 * openapi_load.c — an OpenAPI 3.0/3.1 document (OpenAPI Specification
 * 3.0.3 and 3.1.0) compiled into routes: path items, their operations, the
 * operations' parameters and request bodies.
 *
 * Rampart's extensions, on an operation or at the document's top level:
 *   x-rampart-mode: block | detect     what a violation of it does
 *   x-rampart-max-body: BYTES          largest request body accepted
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openapi_t.h"

size_t api_ptr_push(api_build_t *b, const char *token)
{
    size_t saved = b->ptr_len;
    size_t n = b->ptr_len;
    if (n + 2 >= sizeof(b->ptr))
        return saved;
    b->ptr[n++] = '/';
    for (const char *t = token; *t && n + 3 < sizeof(b->ptr); t++) {
        if (*t == '~' || *t == '/') {
            b->ptr[n++] = '~';
            b->ptr[n++] = *t == '~' ? '0' : '1';
        } else {
            b->ptr[n++] = *t;
        }
    }
    b->ptr[n] = '\0';
    b->ptr_len = n;
    return saved;
}

void api_ptr_pushi(api_build_t *b, size_t index, size_t *saved)
{
    char t[24];
    snprintf(t, sizeof(t), "%zu", index);
    *saved = api_ptr_push(b, t);
}

void api_ptr_pop(api_build_t *b, size_t saved)
{
    if (b->failed)
        return; /* keep the failing node's pointer for the error */
    b->ptr_len = saved;
    b->ptr[saved] = '\0';
}

void api_fail(api_build_t *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    b->failed = true;
    if (!b->err)
        return;
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    snprintf(b->err->file, sizeof(b->err->file), "%s", b->file);
    b->err->line = 0;
    /* a long pointer keeps its end, where the offending node is */
    const char *ptr = b->ptr_len ? b->ptr : "/";
    bool cut = b->ptr_len > 120;
    snprintf(b->err->reason, sizeof(b->err->reason), "%s%s: %s", cut ? "..." : "",
             cut ? ptr + b->ptr_len - 117 : ptr, reason);
}

/* RFC 6901 token: ~1 is '/', ~0 is '~'; $refs may also percent-encode. */
static size_t unescape_token(char *dst, const char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '~' && i + 1 < len && (src[i + 1] == '0' || src[i + 1] == '1')) {
            dst[n++] = src[++i] == '0' ? '~' : '/';
        } else if (src[i] == '%' && i + 2 < len) {
            char hex[3] = {src[i + 1], src[i + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end == '\0' && v > 0) {
                dst[n++] = (char)v;
                i += 2;
            } else {
                dst[n++] = src[i];
            }
        } else {
            dst[n++] = src[i];
        }
    }
    dst[n] = '\0';
    return n;
}

json_t *api_resolve_ref(api_build_t *b, const char *ref)
{
    if (ref[0] != '#') {
        api_fail(b, "remote reference \"%.100s\" refused: only local #/ references are resolved",
                 ref);
        return NULL;
    }
    if (ref[1] != '/' && ref[1] != '\0') {
        api_fail(b, "reference \"%.100s\" is not a JSON pointer", ref);
        return NULL;
    }
    json_t *node = b->api->doc;
    const char *p = ref + 1;
    char token[512];
    while (*p == '/') {
        const char *start = ++p;
        while (*p && *p != '/')
            p++;
        if ((size_t)(p - start) >= sizeof(token)) {
            api_fail(b, "reference token too long");
            return NULL;
        }
        unescape_token(token, start, (size_t)(p - start));
        if (json_is_object(node)) {
            node = json_object_get(node, token);
        } else if (json_is_array(node)) {
            char *end;
            errno = 0;
            unsigned long i = strtoul(token, &end, 10);
            node = (*end || errno || !token[0]) ? NULL : json_array_get(node, i);
        } else {
            node = NULL;
        }
        if (!node) {
            api_fail(b, "reference \"%.100s\" does not resolve", ref);
            return NULL;
        }
    }
    return node;
}

/* An object that may be a $ref (parameters, request bodies): follow it. */
static json_t *deref(api_build_t *b, json_t *node)
{
    for (int hops = 0; json_is_object(node) && json_object_get(node, "$ref"); hops++) {
        json_t *r = json_object_get(node, "$ref");
        if (hops == 16 || !json_is_string(r)) {
            api_fail(b,
                     hops == 16 ? "reference chain too long or cyclic" : "$ref must be a string");
            return NULL;
        }
        node = api_resolve_ref(b, json_string_value(r));
    }
    return node;
}

static bool mode_blocks(api_build_t *b, json_t *node, bool dflt)
{
    json_t *m = json_object_get(node, "x-rampart-mode");
    if (!m)
        return dflt;
    if (json_is_string(m) && strcmp(json_string_value(m), "block") == 0)
        return true;
    if (json_is_string(m) && strcmp(json_string_value(m), "detect") == 0)
        return false;
    size_t saved = api_ptr_push(b, "x-rampart-mode");
    api_fail(b, "x-rampart-mode must be block or detect");
    api_ptr_pop(b, saved);
    return dflt;
}

static bool compile_param(api_build_t *b, json_t *raw, api_param_t *out)
{
    json_t *p = deref(b, raw);
    if (b->failed)
        return false;
    static const char *const ins[] = {"path", "query", "header", "cookie"};
    json_t *name = json_object_get(p, "name"), *in = json_object_get(p, "in");
    if (!json_is_object(p) || !json_is_string(name) || !json_is_string(in)) {
        api_fail(b, "a parameter needs a name and an in");
        return false;
    }
    int where = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(json_string_value(in), ins[i]) == 0)
            where = i;
    if (where < 0) {
        api_fail(b, "parameter in \"%.40s\" is not path, query, header or cookie",
                 json_string_value(in));
        return false;
    }
    out->name = json_string_value(name);
    out->name_len = json_string_length(name);
    out->in = (api_in_t)where;
    out->required = json_is_true(json_object_get(p, "required")) || where == API_IN_PATH;
    json_t *explode = json_object_get(p, "explode");
    json_t *style = json_object_get(p, "style");
    out->explode =
        explode ? json_is_true(explode)
                : (!style || strcmp(json_string_value(style) ? json_string_value(style) : "form",
                                    "form") == 0);
    if (json_object_get(p, "schema")) {
        size_t saved = api_ptr_push(b, "schema");
        out->schema = api_schema_compile(b, json_object_get(p, "schema"), 0);
        api_ptr_pop(b, saved);
    } else if (json_object_get(p, "content")) {
        /* a parameter serialised as a media type: checked for presence only */
        out->schema = NULL;
    }
    return !b->failed;
}

/* Operation parameters override path-item ones with the same name and in. */
static bool compile_params(api_build_t *b, json_t *item, json_t *op, rp_api_op_t *o)
{
    json_t *lists[2] = {json_object_get(item, "parameters"), json_object_get(op, "parameters")};
    size_t cap = json_array_size(lists[0]) + json_array_size(lists[1]);
    if (!cap)
        return true;
    o->params = rp_arena_calloc(b->api->arena, cap * sizeof(*o->params));
    if (!o->params) {
        api_fail(b, "out of memory");
        return false;
    }
    for (int l = 1; l >= 0; l--) {
        if (!lists[l])
            continue;
        if (!json_is_array(lists[l])) {
            api_fail(b, "parameters must be a list");
            return false;
        }
        char outer[sizeof(b->ptr)];
        size_t outer_len = b->ptr_len;
        memcpy(outer, b->ptr, outer_len + 1);
        if (l == 0) { /* path-item parameters: point at the path item */
            char *slash = strrchr(b->ptr, '/');
            if (slash)
                b->ptr_len = (size_t)(slash - b->ptr);
            b->ptr[b->ptr_len] = '\0';
        }
        size_t s1 = api_ptr_push(b, "parameters");
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            size_t s2;
            api_ptr_pushi(b, i, &s2);
            api_param_t p = {0};
            if (!compile_param(b, json_array_get(lists[l], i), &p))
                return false;
            bool shadowed = false;
            for (size_t k = 0; k < o->nparams; k++)
                shadowed |= o->params[k].in == p.in && o->params[k].name_len == p.name_len &&
                            strcmp(o->params[k].name, p.name) == 0;
            if (!shadowed)
                o->params[o->nparams++] = p;
            api_ptr_pop(b, s2);
        }
        api_ptr_pop(b, s1);
        memcpy(b->ptr, outer, outer_len + 1);
        b->ptr_len = outer_len;
    }
    return true;
}

static bool media_is_json(const char *t)
{
    size_t n = strlen(t);
    return strcmp(t, "application/json") == 0 || (n > 5 && strcmp(t + n - 5, "+json") == 0);
}

static bool compile_body(api_build_t *b, json_t *op, rp_api_op_t *o)
{
    json_t *raw = json_object_get(op, "requestBody");
    if (!raw)
        return true;
    size_t s1 = api_ptr_push(b, "requestBody");
    json_t *rb = deref(b, raw);
    json_t *content = json_object_get(rb, "content");
    if (b->failed || !json_is_object(content)) {
        api_fail(b, "requestBody needs a content object");
        return false;
    }
    o->has_body_spec = true;
    o->body_required = json_is_true(json_object_get(rb, "required"));
    o->media = rp_arena_calloc(b->api->arena, (json_object_size(content) + 1) * sizeof(*o->media));
    if (!o->media) {
        api_fail(b, "out of memory");
        return false;
    }
    size_t s2 = api_ptr_push(b, "content");
    const char *type;
    json_t *mt;
    json_object_foreach(content, type, mt)
    {
        size_t s3 = api_ptr_push(b, type);
        api_media_t *m = &o->media[o->nmedia++];
        char *lower = rp_arena_strndup(b->api->arena, type, strlen(type));
        if (!lower) {
            api_fail(b, "out of memory");
            return false;
        }
        for (char *c = lower; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        char *semi = strchr(lower, ';');
        if (semi)
            *semi = '\0';
        m->type = lower;
        m->json = media_is_json(lower);
        json_t *schema = json_object_get(mt, "schema");
        if (schema) {
            size_t s4 = api_ptr_push(b, "schema");
            m->schema = api_schema_compile(b, schema, 0);
            api_ptr_pop(b, s4);
        }
        api_ptr_pop(b, s3);
        if (b->failed)
            return false;
    }
    api_ptr_pop(b, s2);
    api_ptr_pop(b, s1);
    return true;
}

static bool max_body(api_build_t *b, json_t *node, size_t dflt, size_t *out)
{
    json_t *v = json_object_get(node, "x-rampart-max-body");
    *out = dflt;
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        size_t saved = api_ptr_push(b, "x-rampart-max-body");
        api_fail(b, "x-rampart-max-body must be a positive integer (bytes)");
        api_ptr_pop(b, saved);
        return false;
    }
    *out = (size_t)json_integer_value(v);
    return true;
}

static bool compile_path(api_build_t *b, const char *tmpl, json_t *item, bool block_dflt,
                         size_t body_dflt)
{
    size_t s1 = api_ptr_push(b, tmpl);
    item = deref(b, item);
    if (b->failed || !json_is_object(item)) {
        api_fail(b, "a path item must be an object");
        return false;
    }
    api_path_t *path;
    if (api_match_add(b, tmpl, &path) != 0)
        return false;
    for (int m = 0; m < 8; m++) {
        json_t *op = json_object_get(item, api_method_names[m]);
        if (!op)
            continue;
        size_t s2 = api_ptr_push(b, api_method_names[m]);
        if (!json_is_object(op)) {
            api_fail(b, "an operation must be an object");
            return false;
        }
        rp_api_op_t *o = rp_arena_calloc(b->api->arena, sizeof(*o));
        if (!o) {
            api_fail(b, "out of memory");
            return false;
        }
        o->method = api_method_names[m];
        o->api = b->api;
        o->path_template = path->template_text;
        o->blocks = mode_blocks(b, op, block_dflt);
        if (!max_body(b, op, body_dflt, &o->max_body) || !compile_params(b, item, op, o) ||
            !compile_body(b, op, o))
            return false;
        /* every template parameter must be declared, or the route cannot be checked */
        for (size_t s = 0; s < path->nsegs; s++) {
            if (!path->seg_param[s])
                continue;
            bool declared = false;
            for (size_t k = 0; k < o->nparams; k++)
                declared |= o->params[k].in == API_IN_PATH &&
                            strcmp(o->params[k].name, path->seg_param[s]) == 0;
            if (!declared) {
                api_fail(b, "path parameter \"%s\" is not declared", path->seg_param[s]);
                return false;
            }
        }
        path->ops[m] = o;
        b->api->nops++;
        api_ptr_pop(b, s2);
    }
    api_ptr_pop(b, s1);
    return true;
}

/* servers[0].url's path ("https://x/api/v1" or "/api/v1") prefixes every route. */
static bool base_path(api_build_t *b, json_t *doc)
{
    json_t *url = json_object_get(json_array_get(json_object_get(doc, "servers"), 0), "url");
    b->api->base_path = "";
    if (!json_is_string(url))
        return true;
    const char *u = json_string_value(url);
    const char *scheme = strstr(u, "://");
    const char *p = scheme ? strchr(scheme + 3, '/') : (u[0] == '/' ? u : NULL);
    if (!p)
        return true;
    if (strchr(p, '{')) /* server variables: the prefix is not fixed */
        return true;
    size_t n = strlen(p);
    while (n && p[n - 1] == '/')
        n--;
    b->api->base_path = rp_arena_strndup(b->api->arena, p, n);
    b->api->base_path_len = n;
    if (!b->api->base_path)
        api_fail(b, "out of memory");
    return !b->failed;
}

static bool compile_doc(api_build_t *b, json_t *doc, bool block_default)
{
    if (!json_is_object(doc)) {
        api_fail(b, "an OpenAPI document must be an object");
        return false;
    }
    json_t *v = json_object_get(doc, "openapi");
    if (!json_is_string(v)) {
        if (json_object_get(doc, "swagger"))
            api_fail(b, "Swagger 2.0 is not supported: convert to OpenAPI 3.0 or 3.1");
        else
            api_fail(b, "missing \"openapi\" version");
        return false;
    }
    const char *ver = json_string_value(v);
    if (strncmp(ver, "3.0.", 4) != 0 && strncmp(ver, "3.1.", 4) != 0) {
        size_t saved = api_ptr_push(b, "openapi");
        api_fail(b, "unsupported OpenAPI version \"%.20s\" (3.0.x and 3.1.x are)", ver);
        api_ptr_pop(b, saved);
        return false;
    }
    json_t *paths = json_object_get(doc, "paths");
    if (paths && !json_is_object(paths)) {
        size_t saved = api_ptr_push(b, "paths");
        api_fail(b, "paths must be an object");
        api_ptr_pop(b, saved);
        return false;
    }
    if (json_object_size(paths) > RP_OPENAPI_MAX_PATHS) {
        api_fail(b, "more than %d paths", RP_OPENAPI_MAX_PATHS);
        return false;
    }
    bool block_dflt = mode_blocks(b, doc, block_default);
    size_t body_dflt;
    if (b->failed || !max_body(b, doc, 0, &body_dflt) || !base_path(b, doc))
        return false;
    size_t saved = api_ptr_push(b, "paths");
    const char *tmpl;
    json_t *item;
    json_object_foreach(paths, tmpl, item)
    {
        if (tmpl[0] == 'x' && tmpl[1] == '-')
            continue; /* extensions */
        if (!compile_path(b, tmpl, item, block_dflt, body_dflt))
            return false;
    }
    api_ptr_pop(b, saved);
    return true;
}

rp_openapi_t *rp_openapi_load_string(const char *text, size_t len, const char *name,
                                     bool block_default, rp_error_t *err)
{
    json_t *doc = api_doc_parse(text, len, name, err);
    if (!doc)
        return NULL;
    rp_openapi_t *api = calloc(1, sizeof(*api));
    if (api)
        api->arena = rp_arena_new(64 * 1024, 0);
    if (api && api->arena)
        api->mctx = pcre2_match_context_create(NULL);
    if (!api || !api->arena || !api->mctx) {
        if (err)
            snprintf(err->reason, sizeof(err->reason), "out of memory");
        json_decref(doc);
        rp_openapi_free(api);
        return NULL;
    }
    /* a pattern's backtracking is bounded per value checked */
    pcre2_set_match_limit(api->mctx, 100000);
    pcre2_set_depth_limit(api->mctx, 1000);
    api->doc = doc;
    api->block_default = block_default;
    api_build_t b = {.api = api, .err = err, .file = name};
    bool ok = compile_doc(&b, doc, block_default);
    free(b.refs);
    if (!ok) {
        rp_openapi_free(api);
        return NULL;
    }
    return api;
}

rp_openapi_t *rp_openapi_load(const char *path, bool block_default, rp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) {
            snprintf(err->file, sizeof(err->file), "%s", path);
            err->line = 0;
            snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
        }
        return NULL;
    }
    char *buf = malloc(RP_OPENAPI_MAX_BYTES + 1);
    size_t len = buf ? fread(buf, 1, RP_OPENAPI_MAX_BYTES + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        if (err) {
            snprintf(err->file, sizeof(err->file), "%s", path);
            snprintf(err->reason, sizeof(err->reason), "cannot read");
        }
        return NULL;
    }
    rp_openapi_t *api = rp_openapi_load_string(buf, len, path, block_default, err);
    free(buf);
    return api;
}

void rp_openapi_free(rp_openapi_t *api)
{
    if (!api)
        return;
    for (size_t i = 0; i < api->patterns.n; i++)
        pcre2_code_free(api->patterns.codes[i]);
    free(api->patterns.codes);
    pcre2_match_context_free(api->mctx);
    json_decref(api->doc);
    rp_arena_free(api->arena);
    free(api);
}

size_t rp_openapi_operation_count(const rp_openapi_t *api)
{
    return api->nops;
}
