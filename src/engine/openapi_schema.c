/*
 * openapi_schema.c — JSON Schema as OpenAPI 3.0 (its schema object) and
 * 3.1 (JSON Schema 2020-12) use it: compiled once, then checked against
 * values with a JSON pointer to each failure.
 *
 * Supported keywords: type (a name or, 3.1, a list), nullable (3.0),
 * format, enum, const, minimum/maximum, exclusiveMinimum/exclusiveMaximum
 * (3.0 booleans and 3.1 numbers), minLength/maxLength (code points),
 * pattern (PCRE2, unanchored as JSON Schema says), properties, required,
 * additionalProperties, items, minItems/maxItems, allOf/anyOf/oneOf/not and
 * local $ref. Other keywords are annotations and ignored.
 *
 * Bounded: $ref targets compile once and are shared, a $ref back onto the
 * resolution stack is refused (a cycle), and each node carries the number
 * of nodes a check may visit (shared nodes counted per use), refused above
 * RP_OPENAPI_MAX_COST. A check also carries a budget of steps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "openapi_t.h"

static unsigned long cost_add(unsigned long a, unsigned long b)
{
    unsigned long s = a + b;
    return s > RP_OPENAPI_MAX_COST + 1ul ? RP_OPENAPI_MAX_COST + 1ul : s;
}

static unsigned type_bit(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } types[] = {{"null", API_T_NULL},  {"boolean", API_T_BOOL}, {"integer", API_T_INT},
                 {"number", API_T_NUM}, {"string", API_T_STR},   {"array", API_T_ARR},
                 {"object", API_T_OBJ}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(name, types[i].name) == 0)
            return types[i].bit;
    return 0;
}

static bool compile_types(api_build_t *b, api_schema_t *s, json_t *t)
{
    size_t saved = api_ptr_push(b, "type");
    if (json_is_string(t)) {
        if (!(s->types = type_bit(json_string_value(t))))
            api_fail(b, "unknown type \"%s\"", json_string_value(t));
    } else if (json_is_array(t) && json_array_size(t) > 0) {
        size_t i;
        json_t *e;
        json_array_foreach(t, i, e)
        {
            unsigned bit = json_is_string(e) ? type_bit(json_string_value(e)) : 0;
            if (!bit) {
                api_fail(b, "type list holds an unknown type");
                break;
            }
            s->types |= bit;
        }
    } else {
        api_fail(b, "type must be a string or a non-empty list of strings");
    }
    api_ptr_pop(b, saved);
    return !b->failed;
}

static bool get_count(api_build_t *b, json_t *node, const char *key, long long *out)
{
    json_t *v = json_object_get(node, key);
    *out = -1;
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        size_t saved = api_ptr_push(b, key);
        api_fail(b, "%s must be a non-negative integer", key);
        api_ptr_pop(b, saved);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

static bool compile_bounds(api_build_t *b, api_schema_t *s, json_t *node)
{
    static const char *const keys[] = {"minimum", "maximum", "exclusiveMinimum",
                                       "exclusiveMaximum"};
    for (int k = 0; k < 4; k++) {
        json_t *v = json_object_get(node, keys[k]);
        if (!v)
            continue;
        bool is_min = k % 2 == 0;
        if (k >= 2 && json_is_boolean(v)) { /* 3.0: modifies minimum/maximum */
            if (is_min)
                s->excl_min = json_is_true(v);
            else
                s->excl_max = json_is_true(v);
            continue;
        }
        if (!json_is_number(v)) {
            size_t saved = api_ptr_push(b, keys[k]);
            api_fail(b, "%s must be a number", keys[k]);
            api_ptr_pop(b, saved);
            return false;
        }
        double d = json_number_value(v);
        if (is_min) {
            s->has_min = true;
            s->min = d;
            if (k >= 2)
                s->excl_min = true;
        } else {
            s->has_max = true;
            s->max = d;
            if (k >= 2)
                s->excl_max = true;
        }
    }
    return true;
}

static bool compile_pattern(api_build_t *b, api_schema_t *s, json_t *p)
{
    size_t saved = api_ptr_push(b, "pattern");
    if (!json_is_string(p)) {
        api_fail(b, "pattern must be a string");
    } else {
        int code;
        PCRE2_SIZE off;
        s->pattern_src = json_string_value(p);
        s->pattern = pcre2_compile((PCRE2_SPTR)s->pattern_src, json_string_length(p),
                                   PCRE2_UTF | PCRE2_NO_UTF_CHECK, &code, &off, NULL);
        if (!s->pattern) {
            PCRE2_UCHAR msg[120];
            pcre2_get_error_message(code, msg, sizeof(msg));
            api_fail(b, "pattern does not compile at offset %zu: %s", (size_t)off, (char *)msg);
        } else {
            api_patterns_t *ps = &b->api->patterns;
            if (ps->n == ps->cap) {
                size_t cap = ps->cap ? ps->cap * 2 : 16;
                pcre2_code **n = realloc(ps->codes, cap * sizeof(*n));
                if (!n) {
                    pcre2_code_free(s->pattern);
                    s->pattern = NULL;
                    api_fail(b, "out of memory");
                    api_ptr_pop(b, saved);
                    return false;
                }
                ps->codes = n;
                ps->cap = cap;
            }
            ps->codes[ps->n++] = s->pattern;
        }
    }
    api_ptr_pop(b, saved);
    return !b->failed;
}

static bool compile_enum(api_build_t *b, api_schema_t *s, json_t *node)
{
    json_t *e = json_object_get(node, "enum");
    json_t *c = json_object_get(node, "const");
    if (c) {
        json_t **one = rp_arena_alloc(b->api->arena, sizeof(*one));
        if (!one) {
            api_fail(b, "out of memory");
            return false;
        }
        one[0] = c;
        s->enum_values = one;
        s->nenum = 1;
        return true;
    }
    if (!e)
        return true;
    size_t saved = api_ptr_push(b, "enum");
    if (!json_is_array(e) || json_array_size(e) == 0)
        api_fail(b, "enum must be a non-empty list");
    else if (json_array_size(e) > RP_OPENAPI_MAX_ENUM)
        api_fail(b, "enum of %zu values (at most %d)", json_array_size(e), RP_OPENAPI_MAX_ENUM);
    else {
        json_t **vals = rp_arena_alloc(b->api->arena, json_array_size(e) * sizeof(*vals));
        if (!vals) {
            api_fail(b, "out of memory");
        } else {
            for (size_t i = 0; i < json_array_size(e); i++)
                vals[i] = json_array_get(e, i);
            s->enum_values = vals;
            s->nenum = json_array_size(e);
        }
    }
    api_ptr_pop(b, saved);
    return !b->failed;
}

static api_schema_t *child(api_build_t *b, json_t *node, const char *key, int depth)
{
    size_t saved = api_ptr_push(b, key);
    api_schema_t *c = api_schema_compile(b, json_object_get(node, key), depth + 1);
    api_ptr_pop(b, saved);
    return c;
}

static bool compile_list(api_build_t *b, json_t *node, const char *key, int depth,
                         api_schema_t ***out, size_t *n)
{
    json_t *l = json_object_get(node, key);
    if (!l)
        return true;
    size_t saved = api_ptr_push(b, key);
    if (!json_is_array(l) || json_array_size(l) == 0 || json_array_size(l) > 256) {
        api_fail(b, "%s must be a list of 1 to 256 schemas", key);
        api_ptr_pop(b, saved);
        return false;
    }
    *n = json_array_size(l);
    *out = rp_arena_calloc(b->api->arena, *n * sizeof(**out));
    if (!*out)
        api_fail(b, "out of memory");
    for (size_t i = 0; i < *n && !b->failed; i++) {
        size_t s2;
        api_ptr_pushi(b, i, &s2);
        (*out)[i] = api_schema_compile(b, json_array_get(l, i), depth + 1);
        api_ptr_pop(b, s2);
    }
    api_ptr_pop(b, saved);
    return !b->failed;
}

static bool compile_object(api_build_t *b, api_schema_t *s, json_t *node, int depth)
{
    json_t *props = json_object_get(node, "properties");
    if (props) {
        size_t saved = api_ptr_push(b, "properties");
        if (!json_is_object(props)) {
            api_fail(b, "properties must be an object");
        } else if (json_object_size(props)) {
            s->props = rp_arena_calloc(b->api->arena, json_object_size(props) * sizeof(*s->props));
            if (!s->props)
                api_fail(b, "out of memory");
            const char *k;
            json_t *v;
            json_object_foreach(props, k, v)
            {
                if (b->failed)
                    break;
                size_t s2 = api_ptr_push(b, k);
                s->props[s->nprops].name = k;
                s->props[s->nprops].schema = api_schema_compile(b, v, depth + 1);
                s->nprops++;
                api_ptr_pop(b, s2);
            }
        }
        api_ptr_pop(b, saved);
    }
    json_t *req = json_object_get(node, "required");
    if (req && !b->failed) {
        size_t saved = api_ptr_push(b, "required");
        if (json_is_boolean(req)) {
            /* a 3.0 parameter-style mistake; nothing to check */
        } else if (!json_is_array(req)) {
            api_fail(b, "required must be a list of property names");
        } else if (json_array_size(req)) {
            s->required = rp_arena_calloc(b->api->arena, json_array_size(req) * sizeof(char *));
            if (!s->required)
                api_fail(b, "out of memory");
            for (size_t i = 0; i < json_array_size(req) && !b->failed; i++) {
                json_t *e = json_array_get(req, i);
                if (!json_is_string(e))
                    api_fail(b, "required must be a list of property names");
                else
                    s->required[s->nrequired++] = json_string_value(e);
            }
        }
        api_ptr_pop(b, saved);
    }
    json_t *addl = json_object_get(node, "additionalProperties");
    if (addl && !b->failed) {
        if (json_is_false(addl))
            s->addl_forbidden = true;
        else if (!json_is_true(addl))
            s->addl = child(b, node, "additionalProperties", depth);
    }
    return !b->failed;
}

static api_schema_t *compile_ref(api_build_t *b, json_t *ref, int depth)
{
    size_t saved = api_ptr_push(b, "$ref");
    api_schema_t *s = NULL;
    json_t *target = json_is_string(ref) ? api_resolve_ref(b, json_string_value(ref)) : NULL;
    if (!json_is_string(ref))
        api_fail(b, "$ref must be a string");
    if (target) {
        for (size_t i = 0; i < b->nrefs; i++) {
            if (b->refs[i].target != target)
                continue;
            s = b->refs[i].schema;
            if (!s || s->compiling) /* still being compiled: we are inside it */
                api_fail(b, "reference cycle through %s", json_string_value(ref));
            api_ptr_pop(b, saved);
            return b->failed ? NULL : s;
        }
        if (b->nrefs == b->refs_cap) {
            size_t cap = b->refs_cap ? b->refs_cap * 2 : 32;
            void *n = realloc(b->refs, cap * sizeof(*b->refs));
            if (!n) {
                api_fail(b, "out of memory");
                api_ptr_pop(b, saved);
                return NULL;
            }
            b->refs = n;
            b->refs_cap = cap;
        }
        /* compile with the target's own pointer, so errors point into it */
        char outer[sizeof(b->ptr)];
        size_t outer_len = b->ptr_len;
        memcpy(outer, b->ptr, outer_len + 1);
        const char *r = json_string_value(ref);
        b->ptr_len = (size_t)snprintf(b->ptr, sizeof(b->ptr), "%s", r + 1);
        if (b->ptr_len >= sizeof(b->ptr))
            b->ptr_len = sizeof(b->ptr) - 1;
        size_t slot = b->nrefs++;
        b->refs[slot].target = target;
        b->refs[slot].schema = NULL;
        s = api_schema_compile(b, target, depth + 1);
        b->refs[slot].schema = s;
        if (!b->failed) {
            memcpy(b->ptr, outer, outer_len + 1);
            b->ptr_len = outer_len;
        }
        return b->failed ? NULL : s;
    }
    api_ptr_pop(b, saved);
    return NULL;
}

api_schema_t *api_schema_compile(api_build_t *b, json_t *node, int depth)
{
    if (b->failed)
        return NULL;
    if (json_is_true(node) || (json_is_object(node) && json_object_size(node) == 0))
        goto any;
    if (!json_is_object(node)) {
        api_fail(b, "a schema must be an object");
        return NULL;
    }
    if (depth > RP_OPENAPI_MAX_DEPTH) {
        api_fail(b, "schema nested deeper than %d levels", RP_OPENAPI_MAX_DEPTH);
        return NULL;
    }
    if (++b->api->nschemas > RP_OPENAPI_MAX_SCHEMAS) {
        api_fail(b, "more than %d schema nodes", RP_OPENAPI_MAX_SCHEMAS);
        return NULL;
    }
    json_t *ref = json_object_get(node, "$ref");
    if (ref)
        return compile_ref(b, ref, depth);
    api_schema_t *s = rp_arena_calloc(b->api->arena, sizeof(*s));
    if (!s) {
        api_fail(b, "out of memory");
        return NULL;
    }
    /* a $ref found later must see this node as compiling (cycle check) */
    for (size_t i = 0; i < b->nrefs; i++)
        if (b->refs[i].target == node && !b->refs[i].schema)
            b->refs[i].schema = s;
    s->compiling = true;
    json_t *t = json_object_get(node, "type");
    if (t && !compile_types(b, s, t))
        return NULL;
    if (s->types && json_is_true(json_object_get(node, "nullable")))
        s->types |= API_T_NULL;
    json_t *f = json_object_get(node, "format");
    if (json_is_string(f))
        s->format = api_format_named(json_string_value(f));
    json_t *p = json_object_get(node, "pattern");
    if (!compile_bounds(b, s, node) || !get_count(b, node, "minLength", &s->min_len) ||
        !get_count(b, node, "maxLength", &s->max_len) ||
        !get_count(b, node, "minItems", &s->min_items) ||
        !get_count(b, node, "maxItems", &s->max_items) || !compile_enum(b, s, node) ||
        (p && !compile_pattern(b, s, p)) || !compile_object(b, s, node, depth))
        return NULL;
    if (json_object_get(node, "items") && json_is_object(json_object_get(node, "items")))
        s->items = child(b, node, "items", depth);
    if (json_object_get(node, "not"))
        s->not_schema = child(b, node, "not", depth);
    if (b->failed || !compile_list(b, node, "allOf", depth, &s->all_of, &s->nall_of) ||
        !compile_list(b, node, "anyOf", depth, &s->any_of, &s->nany_of) ||
        !compile_list(b, node, "oneOf", depth, &s->one_of, &s->none_of))
        return NULL;
    unsigned long cost = 1;
    for (size_t i = 0; i < s->nprops; i++)
        cost = cost_add(cost, s->props[i].schema ? s->props[i].schema->cost : 1);
    api_schema_t *singles[] = {s->addl, s->items, s->not_schema};
    for (size_t i = 0; i < 3; i++)
        cost = cost_add(cost, singles[i] ? singles[i]->cost : 0);
    for (size_t i = 0; i < s->nall_of; i++)
        cost = cost_add(cost, s->all_of[i] ? s->all_of[i]->cost : 1);
    for (size_t i = 0; i < s->nany_of; i++)
        cost = cost_add(cost, s->any_of[i] ? s->any_of[i]->cost : 1);
    for (size_t i = 0; i < s->none_of; i++)
        cost = cost_add(cost, s->one_of[i] ? s->one_of[i]->cost : 1);
    s->cost = cost;
    if (cost > RP_OPENAPI_MAX_COST) {
        api_fail(b, "schema expands to more than %d nodes through its references",
                 RP_OPENAPI_MAX_COST);
        return NULL;
    }
    s->compiling = false;
    return s;
any:;
    api_schema_t *a = rp_arena_calloc(b->api->arena, sizeof(*a));
    if (!a) {
        api_fail(b, "out of memory");
        return NULL;
    }
    a->min_len = a->max_len = a->min_items = a->max_items = -1;
    a->cost = 1;
    return a;
}

/* --- checking --- */

static void check_ptr_push(api_check_t *c, const char *token, size_t len, size_t *saved)
{
    *saved = c->ptr_len;
    if (c->ptr_len + 2 + len * 2 >= sizeof(c->ptr))
        return; /* too long to show: the failure names the parent */
    c->ptr[c->ptr_len++] = '/';
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '~' || token[i] == '/') {
            c->ptr[c->ptr_len++] = '~';
            c->ptr[c->ptr_len++] = token[i] == '~' ? '0' : '1';
        } else {
            c->ptr[c->ptr_len++] = token[i];
        }
    }
    c->ptr[c->ptr_len] = '\0';
}

static void check_ptr_pop(api_check_t *c, size_t saved)
{
    c->ptr_len = saved;
    c->ptr[saved] = '\0';
}

static bool fail(api_check_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(api_check_t *c, const char *fmt, ...)
{
    c->violations++;
    if (c->quiet || !c->fn)
        return false;
    char target[1100], reason[256];
    snprintf(target, sizeof(target), "%s%s", c->prefix, c->ptr_len ? c->ptr : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    c->fn(c->ctx, target, reason, c->blocks);
    return false;
}

static unsigned value_type(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return API_T_NULL;
    case JSON_TRUE:
    case JSON_FALSE:
        return API_T_BOOL;
    case JSON_INTEGER:
        return API_T_INT;
    case JSON_REAL:
        return API_T_NUM;
    case JSON_STRING:
        return API_T_STR;
    case JSON_ARRAY:
        return API_T_ARR;
    default:
        return API_T_OBJ;
    }
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case API_T_NULL:
        return "null";
    case API_T_BOOL:
        return "boolean";
    case API_T_INT:
        return "integer";
    case API_T_NUM:
        return "number";
    case API_T_STR:
        return "string";
    case API_T_ARR:
        return "array";
    default:
        return "object";
    }
}

static bool type_ok(unsigned want, unsigned have, json_t *v)
{
    if (!want || (want & have))
        return true;
    if (have == API_T_INT && (want & API_T_NUM))
        return true;
    /* 1.0 is an integer in JSON Schema */
    return have == API_T_NUM && (want & API_T_INT) &&
           floor(json_real_value(v)) == json_real_value(v);
}

static size_t code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool check_string(api_check_t *c, const api_schema_t *s, json_t *v)
{
    const char *str = json_string_value(v);
    size_t len = json_string_length(v);
    bool ok = true;
    if (s->min_len >= 0 || s->max_len >= 0) {
        size_t cp = code_points(str, len);
        if (s->max_len >= 0 && cp > (size_t)s->max_len)
            ok = fail(c, "string longer than maxLength %lld", s->max_len);
        if (s->min_len >= 0 && cp < (size_t)s->min_len)
            ok = fail(c, "string shorter than minLength %lld", s->min_len);
    }
    if (s->format && !api_format_ok(s->format, str, len))
        ok = fail(c, "string is not a valid %s",
                  (const char *[]){"", "date", "date-time", "email", "uuid", "ipv4", "ipv6",
                                   "int32", "int64"}[s->format]);
    if (s->pattern) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(s->pattern, NULL);
        int rc = md ? pcre2_match(s->pattern, (PCRE2_SPTR)str, len, 0, 0, md, c->mctx)
                    : PCRE2_ERROR_NOMEMORY;
        pcre2_match_data_free(md);
        if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_BADUTFOFFSET || rc < -1)
            ok = fail(c,
                      rc == PCRE2_ERROR_NOMATCH ? "string does not match pattern %s"
                                                : "string cannot be matched against pattern %s",
                      s->pattern_src);
    }
    return ok;
}

static bool check_number(api_check_t *c, const api_schema_t *s, json_t *v)
{
    double d = json_number_value(v);
    bool ok = true;
    if (s->has_min && (s->excl_min ? d <= s->min : d < s->min))
        ok = fail(c, "%g is below %s %g", d, s->excl_min ? "exclusiveMinimum" : "minimum", s->min);
    if (s->has_max && (s->excl_max ? d >= s->max : d > s->max))
        ok = fail(c, "%g is above %s %g", d, s->excl_max ? "exclusiveMaximum" : "maximum", s->max);
    if (json_is_integer(v) && s->format == API_FMT_INT32) {
        json_int_t i = json_integer_value(v);
        if (i < -2147483648LL || i > 2147483647LL)
            ok = fail(c, "integer out of int32 range");
    }
    return ok;
}

static bool check_object(api_check_t *c, const api_schema_t *s, json_t *v, int depth)
{
    bool ok = true;
    for (size_t i = 0; i < s->nrequired; i++)
        if (!json_object_get(v, s->required[i])) {
            size_t saved;
            check_ptr_push(c, s->required[i], strlen(s->required[i]), &saved);
            ok = fail(c, "required property missing");
            check_ptr_pop(c, saved);
        }
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        const api_schema_t *ps = NULL;
        bool known = false;
        for (size_t i = 0; i < s->nprops; i++)
            if (strcmp(s->props[i].name, k) == 0) {
                ps = s->props[i].schema;
                known = true;
                break;
            }
        size_t saved;
        check_ptr_push(c, k, strlen(k), &saved);
        if (known) {
            if (ps && !api_schema_check(c, ps, m, depth + 1))
                ok = false;
        } else if (s->addl_forbidden) {
            ok = fail(c, "property not allowed (additionalProperties is false)");
        } else if (s->addl && !api_schema_check(c, s->addl, m, depth + 1)) {
            ok = false;
        }
        check_ptr_pop(c, saved);
        if (!c->budget)
            return false;
    }
    return ok;
}

static bool check_array(api_check_t *c, const api_schema_t *s, json_t *v, int depth)
{
    bool ok = true;
    size_t n = json_array_size(v);
    if (s->max_items >= 0 && n > (size_t)s->max_items)
        ok = fail(c, "array longer than maxItems %lld", s->max_items);
    if (s->min_items >= 0 && n < (size_t)s->min_items)
        ok = fail(c, "array shorter than minItems %lld", s->min_items);
    if (s->items)
        for (size_t i = 0; i < n && c->budget; i++) {
            char idx[24];
            size_t saved;
            int len = snprintf(idx, sizeof(idx), "%zu", i);
            check_ptr_push(c, idx, (size_t)len, &saved);
            if (!api_schema_check(c, s->items, json_array_get(v, i), depth + 1))
                ok = false;
            check_ptr_pop(c, saved);
        }
    return ok;
}

/* A quiet trial: does v satisfy s? */
static bool passes(api_check_t *c, const api_schema_t *s, json_t *v, int depth)
{
    int before = c->violations;
    c->quiet++;
    bool ok = api_schema_check(c, s, v, depth + 1);
    c->quiet--;
    c->violations = before;
    return ok;
}

static bool check_combinators(api_check_t *c, const api_schema_t *s, json_t *v, int depth)
{
    bool ok = true;
    for (size_t i = 0; i < s->nall_of; i++)
        if (s->all_of[i] && !api_schema_check(c, s->all_of[i], v, depth + 1))
            ok = false;
    if (s->nany_of) {
        bool any = false;
        for (size_t i = 0; i < s->nany_of && !any; i++)
            any = !s->any_of[i] || passes(c, s->any_of[i], v, depth);
        if (!any)
            ok = fail(c, "value matches none of anyOf");
    }
    if (s->none_of) {
        size_t n = 0;
        for (size_t i = 0; i < s->none_of; i++)
            n += !s->one_of[i] || passes(c, s->one_of[i], v, depth);
        if (n != 1)
            ok = fail(c, "value matches %zu of oneOf, not exactly one", n);
    }
    if (s->not_schema && passes(c, s->not_schema, v, depth))
        ok = fail(c, "value matches a schema under not");
    return ok;
}

bool api_schema_check(api_check_t *c, const api_schema_t *s, json_t *v, int depth)
{
    if (!c->budget) {
        return false;
    }
    if (--c->budget == 0)
        return fail(c, "schema check budget exhausted");
    if (depth > RP_OPENAPI_MAX_DEPTH * 2)
        return fail(c, "value nested deeper than %d levels", RP_OPENAPI_MAX_DEPTH * 2);
    unsigned have = value_type(v);
    if (!type_ok(s->types, have, v)) {
        char want[96] = "";
        size_t n = 0;
        for (unsigned bit = 1; bit <= API_T_OBJ; bit <<= 1)
            if (s->types & bit)
                n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s", n ? " or " : "",
                                      type_name(bit));
        return fail(c, "%s where %s is expected", type_name(have), want);
    }
    bool ok = true;
    if (s->nenum) {
        bool found = false;
        for (size_t i = 0; i < s->nenum && !found; i++)
            found = json_equal(s->enum_values[i], v) ||
                    (json_is_number(v) && json_is_number(s->enum_values[i]) &&
                     json_number_value(v) == json_number_value(s->enum_values[i]));
        if (!found)
            ok = fail(c, "value not in enum");
    }
    switch (have) {
    case API_T_STR:
        ok = check_string(c, s, v) && ok;
        break;
    case API_T_INT:
    case API_T_NUM:
        ok = check_number(c, s, v) && ok;
        break;
    case API_T_OBJ:
        ok = check_object(c, s, v, depth) && ok;
        break;
    case API_T_ARR:
        ok = check_array(c, s, v, depth) && ok;
        break;
    default:
        break;
    }
    return check_combinators(c, s, v, depth) && ok;
}
