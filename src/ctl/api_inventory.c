/*
 * api_inventory.c — the API inventory (see api_inventory.h).
 *
 * Kept as jansson documents: per application an object of endpoints keyed
 * "METHOD /template", each endpoint's tallies as small objects of counts.
 * Observations arrive at most once per path shape, worker and interval,
 * so the work per observation (a scan of the app's endpoints, at most
 * INVENTORY_MAX_ENDPOINTS) is far from the ingest path's budget.
 */
#include "api_inventory.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rampart/discover.h"
#include "timefmt.h"

#define MAP_MAX_KEYS 16 /* statuses, auth kinds, classes, content types per endpoint */

struct inventory {
    pthread_mutex_t lock;
    json_t *apps;  /* app -> {"endpoints":{key:ep}, "overflow":N, "updated":ms} */
    json_t *dirty; /* app -> true */
};

/* ---- parsing observations ---- */

static bool short_string(json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) <= max &&
           strlen(json_string_value(v)) == json_string_length(v);
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static bool valid_method(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    return true;
}

static int fail(char *why, size_t size, const char *what)
{
    snprintf(why, size, "%s", what);
    return -1;
}

static int check_params(json_t *params, char *why, size_t size)
{
    static const char *const ins[] = {"query", "form", "json", NULL};
    static const char *const types[] = {"string", "integer", "number", "boolean", NULL};
    if (!params)
        return 0;
    if (!json_is_array(params) || json_array_size(params) > INVENTORY_MAX_PARAMS)
        return fail(why, size, "api.params: expected an array of at most 64");
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        json_t *in = json_object_get(p, "in"), *type = json_object_get(p, "type");
        json_t *format = json_object_get(p, "format");
        if (!json_is_object(p) || !short_string(in, 8) || !one_of(json_string_value(in), ins) ||
            !short_string(json_object_get(p, "name"), 64) ||
            json_string_length(json_object_get(p, "name")) == 0 || !short_string(type, 8) ||
            !one_of(json_string_value(type), types) || (format && !short_string(format, 16)))
            return fail(why, size, "api.params: a parameter needs in, name, type (and format)");
    }
    return 0;
}

/* An optional list of short strings. */
static int check_strings(json_t *list, size_t max_items, size_t max_len)
{
    if (!list)
        return 0;
    if (!json_is_array(list) || json_array_size(list) > max_items)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(list, i,
                       v) if (!short_string(v, max_len) || json_string_length(v) == 0) return -1;
    return 0;
}

int observation_parse(const char *text, size_t n, observation_t *o, char *why, size_t why_size)
{
    memset(o, 0, sizeof(*o));
    if (n > OBSERVATION_MAX_BYTES)
        return fail(why, why_size, "observation too large");
    json_error_t err;
    json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return fail(why, why_size, "invalid JSON");
    o->doc = doc;
    json_t *api = json_object_get(doc, "api");
    json_t *app = json_object_get(doc, "app"), *method = json_object_get(doc, "method");
    json_t *time = json_object_get(doc, "time"), *status = json_object_get(doc, "status");
    json_t *path = json_object_get(api, "path"), *count = json_object_get(api, "count");
    json_t *spec = json_object_get(api, "spec"), *ct = json_object_get(api, "content_type");
    int64_t ts;
    if (!json_is_object(doc) || !json_is_object(api))
        return fail(why, why_size, "not an observation: no api object");
    if (!short_string(app, 128) || json_string_length(app) == 0)
        return fail(why, why_size, "app: expected a name");
    if (!short_string(method, 16) || !valid_method(json_string_value(method)))
        return fail(why, why_size, "method: expected an HTTP method");
    if (!short_string(time, 64) ||
        time_parse_rfc3339(json_string_value(time), json_string_length(time), &ts))
        return fail(why, why_size, "time: expected RFC 3339");
    if (!json_is_integer(status) || json_integer_value(status) < 0 ||
        json_integer_value(status) > 999)
        return fail(why, why_size, "status: expected 0 to 999");
    if (!short_string(path, 1024) || json_string_value(path)[0] != '/')
        return fail(why, why_size, "api.path: expected a path");
    if (!json_is_integer(count) || json_integer_value(count) < 0 ||
        json_integer_value(count) > 1000000000)
        return fail(why, why_size, "api.count: expected 0 to 10^9");
    if ((spec && !short_string(spec, 1024)) || (ct && !short_string(ct, 64)))
        return fail(why, why_size, "api.spec, api.content_type: expected short strings");
    if (check_strings(json_object_get(api, "auth"), 8, 16))
        return fail(why, why_size, "api.auth: expected a list of names");
    if (check_strings(json_object_get(api, "classes"), MAP_MAX_KEYS, 32))
        return fail(why, why_size, "api.classes: expected a list of names");
    if (check_params(json_object_get(api, "params"), why, why_size))
        return -1;
    if (check_strings(json_object_get(api, "spec_operations"), INVENTORY_MAX_SPEC_OPS, 1100))
        return fail(why, why_size, "api.spec_operations: expected a list of operations");
    o->app = json_string_value(app);
    o->method = json_string_value(method);
    o->path = json_string_value(path);
    o->ts = ts;
    return 0;
}

void observation_clear(observation_t *o)
{
    json_decref(o->doc);
    memset(o, 0, sizeof(*o));
}

/* ---- templating ---- */

size_t inventory_template(const char *path, char *out)
{
    return rp_path_shape(path, strlen(path), out);
}

static size_t segment_count(const char *path)
{
    size_t n = 0;
    for (const char *s = path; *s; s++)
        n += *s == '/' && s[1] != '\0';
    return n;
}

/* Segment i of a template (no leading '/'), and its length. */
static const char *segment(const char *path, size_t i, size_t *len)
{
    const char *s = path + 1;
    for (; i > 0; i--) {
        s = strchr(s, '/');
        if (!s)
            return *len = 0, "";
        s++;
    }
    *len = strcspn(s, "/");
    return s;
}

static bool is_param(const char *s, size_t n)
{
    return n >= 2 && s[0] == '{' && s[n - 1] == '}';
}

/* Whether template t (an endpoint's) covers path p: same segments, each
 * equal or a parameter in t. */
static bool covers(const char *t, const char *p)
{
    size_t n = segment_count(t);
    if (n != segment_count(p))
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t tl, pl;
        const char *ts = segment(t, i, &tl), *ps = segment(p, i, &pl);
        if (!is_param(ts, tl) && (tl != pl || memcmp(ts, ps, tl) != 0))
            return false;
    }
    return true;
}

/* The one position where literal templates a and b differ, or -1. */
static long differs_at_one(const char *a, const char *b)
{
    size_t n = segment_count(a);
    if (n != segment_count(b))
        return -1;
    long at = -1;
    for (size_t i = 0; i < n; i++) {
        size_t al, bl;
        const char *as = segment(a, i, &al), *bs = segment(b, i, &bl);
        if (al == bl && memcmp(as, bs, al) == 0)
            continue;
        if (at >= 0 || is_param(as, al) || is_param(bs, bl))
            return -1;
        at = (long)i;
    }
    return at;
}

static char *with_param_at(const char *path, size_t at)
{
    size_t n = segment_count(path);
    size_t cap = strlen(path) + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *s = segment(path, i, &l);
        if (i == at)
            s = "{value}", l = 7;
        out[o++] = '/';
        memcpy(out + o, s, l);
        o += l;
    }
    out[o] = '\0';
    return out;
}

/* ---- merging ---- */

static void tally(json_t *map, const char *key, json_int_t by)
{
    json_t *v = json_object_get(map, key);
    if (!v && json_object_size(map) >= MAP_MAX_KEYS)
        key = "other", v = json_object_get(map, key);
    json_object_set_new(map, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

static json_t *member(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_object(v)) {
        v = json_object();
        json_object_set_new(o, key, v);
    }
    return v;
}

static json_int_t int_of(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void add_param(json_t *ep, const char *key, json_t *param)
{
    json_t *params = member(ep, "params");
    if (json_object_get(params, key))
        return;
    if (json_object_size(params) >= INVENTORY_MAX_PARAMS) {
        json_object_set_new(ep, "params_dropped", json_integer(int_of(ep, "params_dropped") + 1));
        return;
    }
    json_t *p = json_pack("{s:O, s:O, s:O}", "in", json_object_get(param, "in"), "name",
                          json_object_get(param, "name"), "type", json_object_get(param, "type"));
    json_t *format = json_object_get(param, "format");
    if (p && format)
        json_object_set(p, "format", format);
    if (p)
        json_object_set_new(params, key, p);
}

static json_t *endpoint_new(const char *method, const char *path, int64_t ts)
{
    return json_pack("{s:s, s:s, s:i, s:I, s:I, s:{}, s:{}, s:{}, s:{}, s:{}, s:i}", "method",
                     method, "path", path, "count", 0, "first_seen", (json_int_t)ts, "last_seen",
                     (json_int_t)ts, "statuses", "auth", "classes", "content_types", "params",
                     "params_dropped", 0);
}

static void fold_map(json_t *into, json_t *from)
{
    const char *k;
    json_t *v;
    json_object_foreach(from, k, v) tally(into, k, json_integer_value(v));
}

/* Folds endpoint b into a. */
static void fold_endpoint(json_t *a, json_t *b)
{
    json_object_set_new(a, "count", json_integer(int_of(a, "count") + int_of(b, "count")));
    if (int_of(b, "first_seen") < int_of(a, "first_seen"))
        json_object_set(a, "first_seen", json_object_get(b, "first_seen"));
    if (int_of(b, "last_seen") > int_of(a, "last_seen"))
        json_object_set(a, "last_seen", json_object_get(b, "last_seen"));
    static const char *const maps[] = {"statuses", "auth", "classes", "content_types"};
    for (size_t i = 0; i < 4; i++)
        fold_map(member(a, maps[i]), member(b, maps[i]));
    const char *k;
    json_t *v;
    json_object_foreach(member(b, "params"), k, v) add_param(a, k, v);
    json_object_set_new(a, "params_dropped",
                        json_integer(int_of(a, "params_dropped") + int_of(b, "params_dropped")));
    if (json_object_get(b, "spec") && !json_object_get(a, "spec"))
        json_object_set(a, "spec", json_object_get(b, "spec"));
}

static void apply(json_t *ep, const observation_t *o)
{
    json_t *api = json_object_get(o->doc, "api");
    json_int_t n = json_integer_value(json_object_get(api, "count"));
    if (n < 1)
        n = 1;
    json_object_set_new(ep, "count", json_integer(int_of(ep, "count") + n));
    if (o->ts < int_of(ep, "first_seen"))
        json_object_set_new(ep, "first_seen", json_integer(o->ts));
    if (o->ts > int_of(ep, "last_seen"))
        json_object_set_new(ep, "last_seen", json_integer(o->ts));
    char status[8];
    snprintf(status, sizeof(status), "%d", (int)int_of(o->doc, "status"));
    tally(member(ep, "statuses"), status, n);
    json_t *auth = json_object_get(api, "auth"), *v;
    size_t i;
    if (json_array_size(auth) == 0)
        tally(member(ep, "auth"), "none", n);
    json_array_foreach(auth, i, v) tally(member(ep, "auth"), json_string_value(v), n);
    json_array_foreach(json_object_get(api, "classes"), i, v)
        tally(member(ep, "classes"), json_string_value(v), n);
    json_t *ct = json_object_get(api, "content_type");
    if (ct)
        tally(member(ep, "content_types"), json_string_value(ct), n);
    json_array_foreach(json_object_get(api, "params"), i, v)
    {
        char key[96];
        snprintf(key, sizeof(key), "%s:%s", json_string_value(json_object_get(v, "in")),
                 json_string_value(json_object_get(v, "name")));
        add_param(ep, key, v);
    }
    json_t *spec = json_object_get(api, "spec");
    if (spec)
        json_object_set(ep, "spec", spec);
}

static char *key_of(const char *method, const char *path)
{
    size_t n = strlen(method) + strlen(path) + 2;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s %s", method, path);
    return k;
}

/* Folds the literal siblings of path (same method, differing at one
 * position) into one {value} endpoint once they reach the bound. Returns
 * that endpoint, or NULL when no position reached it. */
static json_t *fold_siblings(json_t *eps, const char *method, const char *path, int64_t ts)
{
    size_t nseg = segment_count(path);
    for (size_t at = 0; at < nseg; at++) {
        size_t siblings = 0;
        const char *k;
        json_t *ep;
        json_object_foreach(eps, k, ep)
        {
            if (strcmp(json_string_value(json_object_get(ep, "method")), method) == 0 &&
                differs_at_one(json_string_value(json_object_get(ep, "path")), path) == (long)at)
                siblings++;
        }
        if (siblings + 1 < INVENTORY_MAX_LITERALS)
            continue;
        char *general = with_param_at(path, at);
        char *gkey = general ? key_of(method, general) : NULL;
        json_t *into = gkey ? json_object_get(eps, gkey) : NULL;
        if (gkey && !into && (into = endpoint_new(method, general, ts)))
            json_object_set_new(eps, gkey, into);
        void *tmp;
        json_object_foreach_safe(eps, tmp, k, ep)
        {
            if (into && ep != into &&
                strcmp(json_string_value(json_object_get(ep, "method")), method) == 0 &&
                covers(general, json_string_value(json_object_get(ep, "path")))) {
                fold_endpoint(into, ep);
                json_object_del(eps, k);
            }
        }
        free(general);
        free(gkey);
        return into;
    }
    return NULL;
}

static json_t *find_covering(json_t *eps, const char *method, const char *path)
{
    const char *k;
    json_t *ep;
    json_object_foreach(eps, k, ep)
    {
        if (strcmp(json_string_value(json_object_get(ep, "method")), method) == 0 &&
            covers(json_string_value(json_object_get(ep, "path")), path))
            return ep;
    }
    return NULL;
}

static json_t *app_of(inventory_t *inv, const char *app)
{
    json_t *a = json_object_get(inv->apps, app);
    if (!a && json_object_size(inv->apps) < INVENTORY_MAX_APPS) {
        a = json_pack("{s:{}, s:i, s:i}", "endpoints", "overflow", 0, "updated", 0);
        json_object_set_new(inv->apps, app, a);
    }
    return a;
}

void inventory_observe(inventory_t *inv, const observation_t *o)
{
    char path[RP_SHAPE_MAX];
    inventory_template(o->path, path);
    pthread_mutex_lock(&inv->lock);
    json_t *a = app_of(inv, o->app);
    json_t *eps = a ? member(a, "endpoints") : NULL;
    if (eps) {
        json_t *ep = find_covering(eps, o->method, path);
        if (!ep)
            ep = fold_siblings(eps, o->method, path, o->ts);
        if (!ep && json_object_size(eps) < INVENTORY_MAX_ENDPOINTS) {
            char *key = key_of(o->method, path);
            if (key && (ep = endpoint_new(o->method, path, o->ts)))
                json_object_set_new(eps, key, ep);
            free(key);
        }
        json_t *spec_ops = json_object_get(json_object_get(o->doc, "api"), "spec_operations");
        if (spec_ops)
            json_object_set(a, "spec_operations", spec_ops);
        if (ep)
            apply(ep, o);
        else
            json_object_set_new(a, "overflow", json_integer(int_of(a, "overflow") + 1));
        json_object_set_new(a, "updated", json_integer(time_now_ms()));
        json_object_set_new(inv->dirty, o->app, json_true());
    }
    pthread_mutex_unlock(&inv->lock);
}

/* ---- reading ---- */

static bool is_shadow(json_t *ep)
{
    json_t *spec = json_object_get(ep, "spec");
    return json_is_string(spec) && json_string_length(spec) == 0;
}

static bool is_risky(json_t *ep)
{
    static const char *const sensitive[] = {"resident_id", "mobile", "landline", "bank_card", NULL};
    if (int_of(member(ep, "auth"), "none") == 0)
        return false;
    for (size_t i = 0; sensitive[i]; i++)
        if (int_of(member(ep, "classes"), sensitive[i]) > 0)
            return true;
    return false;
}

/* The spec's operations ("GET /citizens/{id}") no endpoint was matched
 * to: in the spec, never seen. */
static json_t *unused_of(json_t *a)
{
    json_t *unused = json_array(), *op;
    size_t i;
    json_array_foreach(json_object_get(a, "spec_operations"), i, op)
    {
        const char *text = json_string_value(op), *sp = strchr(text, ' ');
        if (!sp)
            continue;
        bool seen = false;
        const char *k;
        json_t *ep;
        json_object_foreach(member(a, "endpoints"), k, ep)
        {
            const char *m = json_string_value(json_object_get(ep, "method"));
            const char *spec = json_string_value(json_object_get(ep, "spec"));
            if (spec && strlen(m) == (size_t)(sp - text) && memcmp(m, text, strlen(m)) == 0 &&
                strcmp(spec, sp + 1) == 0) {
                seen = true;
                break;
            }
        }
        if (!seen)
            json_array_append_new(unused, json_pack("{s:s%, s:s}", "method", text,
                                                    (size_t)(sp - text), "path", sp + 1));
    }
    return unused;
}

json_t *inventory_app_json(inventory_t *inv, const char *app, const char *filter)
{
    pthread_mutex_lock(&inv->lock);
    json_t *a = json_object_get(inv->apps, app), *out = NULL;
    if (a) {
        json_t *list = json_array();
        const char *k;
        json_t *ep;
        json_object_foreach(member(a, "endpoints"), k, ep)
        {
            bool shadow = is_shadow(ep), risky = is_risky(ep);
            if (filter && ((strcmp(filter, "shadow") == 0 && !shadow) ||
                           (strcmp(filter, "risky") == 0 && !risky)))
                continue;
            json_t *e = json_deep_copy(ep);
            json_object_set_new(e, "shadow", json_boolean(shadow));
            json_object_set_new(e, "risky", json_boolean(risky));
            /* parameters as a list, in the order first seen */
            json_t *params = json_array(), *p;
            const char *pk;
            json_object_foreach(member(ep, "params"), pk, p) json_array_append(params, p);
            json_object_set_new(e, "params", params);
            json_array_append_new(list, e);
        }
        out = json_pack("{s:s, s:o, s:O, s:O, s:o}", "app", app, "endpoints", list, "overflow",
                        json_object_get(a, "overflow"), "updated", json_object_get(a, "updated"),
                        "unused", unused_of(a));
    }
    pthread_mutex_unlock(&inv->lock);
    return out;
}

/* ---- the draft OpenAPI document ---- */

static json_t *schema_of(json_t *param)
{
    json_t *s = json_pack("{s:O}", "type", json_object_get(param, "type"));
    const char *f = json_string_value(json_object_get(param, "format"));
    /* formats OpenAPI knows keep their name; Rampart's own become patterns'
     * descriptions so a validator does not reject them */
    if (f && (strcmp(f, "date") == 0 || strcmp(f, "date-time") == 0 || strcmp(f, "email") == 0 ||
              strcmp(f, "uuid") == 0))
        json_object_set_new(s, "format", json_string(f));
    else if (f)
        json_object_set_new(s, "x-discovered-format", json_string(f));
    return s;
}

/* The template with its parameters renamed so none repeats ({id}, {id2}),
 * and their path parameter objects appended to params. */
static char *openapi_path(const char *path, json_t *params)
{
    size_t n = segment_count(path), o = 0;
    char *out = malloc(strlen(path) + 8 * n + 2);
    if (!out)
        return NULL;
    json_t *seen = json_object();
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *s = segment(path, i, &l);
        out[o++] = '/';
        if (!is_param(s, l)) {
            memcpy(out + o, s, l);
            o += l;
            continue;
        }
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(l - 2 < 40 ? l - 2 : 40), s + 1);
        json_int_t k = int_of(seen, name) + 1;
        json_object_set_new(seen, name, json_integer(k));
        if (k > 1)
            snprintf(name + strlen(name), sizeof(name) - strlen(name), "%d", (int)k);
        o += (size_t)sprintf(out + o, "{%s}", name);
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in",
                                                "path", "required", 1, "schema", "type", "string"));
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    json_decref(seen);
    return out;
}

static json_t *operation_of(json_t *ep, json_t *params)
{
    json_t *body = json_pack("{s:s, s:{}}", "type", "object", "properties");
    bool form = false;
    const char *k;
    json_t *p;
    json_object_foreach(member(ep, "params"), k, p)
    {
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *name = json_string_value(json_object_get(p, "name"));
        if (strcmp(in, "query") == 0)
            json_array_append_new(params, json_pack("{s:s, s:s, s:o}", "name", name, "in", "query",
                                                    "schema", schema_of(p)));
        else {
            form |= strcmp(in, "form") == 0;
            json_object_set_new(json_object_get(body, "properties"), name, schema_of(p));
        }
    }
    json_t *responses = json_object();
    json_object_foreach(member(ep, "statuses"), k, p)
    {
        if (strlen(k) == 3 && k[0] >= '1' && k[0] <= '5')
            json_object_set_new(responses, k, json_pack("{s:s}", "description", "seen"));
    }
    if (json_object_size(responses) == 0)
        json_object_set_new(responses, "default", json_pack("{s:s}", "description", "seen"));
    json_t *op =
        json_pack("{s:O, s:o, s:O, s:O, s:O}", "parameters", params, "responses", responses,
                  "x-discovered-count", json_object_get(ep, "count"), "x-discovered-auth",
                  member(ep, "auth"), "x-discovered-classes", member(ep, "classes"));
    if (json_object_size(json_object_get(body, "properties")))
        json_object_set_new(
            op, "requestBody",
            json_pack("{s:{s:{s:O}}}", "content",
                      form ? "application/x-www-form-urlencoded" : "application/json", "schema",
                      body));
    json_decref(body);
    return op;
}

/* The template with its parameters unnamed ("/files/{}"): templates that
 * differ only in parameter names are one path to OpenAPI, which refuses
 * both. */
static char *skeleton_of(const char *path)
{
    char *out = strdup(path);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *s = path; *s; s++) {
        out[o++] = *s;
        if (*s == '{') {
            while (s[1] && s[1] != '}')
                s++;
        }
    }
    out[o] = '\0';
    return out;
}

/* The OpenAPI operation key of an HTTP method, or NULL when OpenAPI has
 * none for it (WebDAV's, CONNECT). */
static const char *operation_key(const char *method)
{
    static const char *const keys[] = {"get",  "put",     "post",  "delete",
                                       "head", "options", "patch", "trace"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcasecmp(keys[i], method) == 0)
            return keys[i];
    return NULL;
}

json_t *inventory_openapi(inventory_t *inv, const char *app)
{
    json_t *paths = json_object(), *first = json_object();
    pthread_mutex_lock(&inv->lock);
    json_t *a = json_object_get(inv->apps, app);
    const char *k;
    json_t *ep;
    json_object_foreach(a ? member(a, "endpoints") : NULL, k, ep)
    {
        const char *key = operation_key(json_string_value(json_object_get(ep, "method")));
        const char *tmpl = json_string_value(json_object_get(ep, "path"));
        char *skeleton = key ? skeleton_of(tmpl) : NULL;
        if (!skeleton)
            continue;
        /* the first template of a skeleton names its parameters for all */
        if (json_object_get(first, skeleton))
            tmpl = json_string_value(json_object_get(first, skeleton));
        else
            json_object_set_new(first, skeleton, json_string(tmpl));
        json_t *params = json_array();
        char *p = openapi_path(tmpl, params);
        if (p && !json_object_get(member(paths, p), key))
            json_object_set_new(member(paths, p), key, operation_of(ep, params));
        json_decref(params);
        free(p);
        free(skeleton);
    }
    pthread_mutex_unlock(&inv->lock);
    json_decref(first);
    char title[200];
    snprintf(title, sizeof(title), "%s (discovered by Rampart)", app);
    return json_pack("{s:s, s:{s:s, s:s}, s:o}", "openapi", "3.1.0", "info", "title", title,
                     "version", "draft", "paths", paths);
}

/* ---- life and persistence ---- */

inventory_t *inventory_new(void)
{
    inventory_t *inv = calloc(1, sizeof(*inv));
    if (!inv)
        return NULL;
    pthread_mutex_init(&inv->lock, NULL);
    inv->apps = json_object();
    inv->dirty = json_object();
    if (!inv->apps || !inv->dirty) {
        inventory_free(inv);
        return NULL;
    }
    return inv;
}

void inventory_free(inventory_t *inv)
{
    if (!inv)
        return;
    json_decref(inv->apps);
    json_decref(inv->dirty);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}

int inventory_load_app(inventory_t *inv, const char *app, const char *doc)
{
    json_t *a = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(a) || !json_is_object(json_object_get(a, "endpoints")) ||
        json_object_size(json_object_get(a, "endpoints")) > INVENTORY_MAX_ENDPOINTS) {
        json_decref(a);
        return -1;
    }
    pthread_mutex_lock(&inv->lock);
    json_object_set_new(inv->apps, app, a);
    pthread_mutex_unlock(&inv->lock);
    return 0;
}

void inventory_take_dirty(inventory_t *inv, inventory_dirty_fn fn, void *ctx)
{
    pthread_mutex_lock(&inv->lock);
    json_t *dirty = inv->dirty, *docs = json_object();
    inv->dirty = json_object();
    const char *app;
    json_t *v;
    json_object_foreach(dirty, app, v)
    {
        json_t *a = json_object_get(inv->apps, app);
        char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
        if (text)
            json_object_set_new(
                docs, app,
                json_pack("{s:s, s:O}", "doc", text, "updated", json_object_get(a, "updated")));
        free(text);
    }
    pthread_mutex_unlock(&inv->lock);
    json_object_foreach(docs, app, v)
        fn(ctx, app, json_string_value(json_object_get(v, "doc")), int_of(v, "updated"));
    json_decref(docs);
    json_decref(dirty);
}
