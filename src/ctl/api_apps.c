/*
 * api_apps.c — protected applications and their protection switches
 * (admin and secops change; auditor reads).
 *
 * An application maps a host ("*": any) and a path prefix to an upstream
 * URL, names the policy that inspects its requests (null: the engine's
 * built-in defaults), and has one switch per protection (bundle.h):
 * block, detect or off. Every change is published to the gateways at once
 * (api_change.h); a switch change needs no policy compilation on them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_change.h"
#include "bundle.h"
#include "timefmt.h"

static json_t *app_json(const store_app_t *a)
{
    json_t *switches = json_loads(a->switches, 0, NULL);
    char why[160];
    if (!json_is_object(switches)) {
        json_decref(switches);
        switches = json_object();
    }
    bundle_switches_complete(switches, why, sizeof(why));
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->id,
                     "name", a->name, "host", a->host, "path_prefix", a->path_prefix, "upstream",
                     a->upstream, "policy", a->policy[0] ? json_string(a->policy) : json_null(),
                     "switches", switches, "created", api_time_json(a->created), "updated",
                     api_time_json(a->updated));
}

static json_t *protections_json(void)
{
    json_t *list = json_array();
    for (int i = 0; i < BUNDLE_PROTECTIONS; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", bundle_protections[i],
                                              "default", bundle_protection_defaults[i]));
    return list;
}

static int add_app(void *ctx, const store_app_t *a)
{
    json_array_append_new(ctx, app_json(a));
    return 0;
}

enum MHD_Result api_apps_list(http_req_t *r)
{
    json_t *list = json_array();
    int rc = r->ctl->store->ops->app_list(r->ctl->store, add_app, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(
        r, 200, json_pack("{s:o, s:o}", "apps", list, "protections", protections_json()));
}

/* 400 naming the field and why. */
static enum MHD_Result bad_field(http_req_t *r, const char *field, const char *why)
{
    char msg[320];
    snprintf(msg, sizeof(msg), "%s: %s", field, why);
    return http_reply_error(r, 400, "bad_request", msg);
}

/* Applies the fields present in body to a (create: all but policy and
 * switches are required). Returns 0, or replies 400 and returns 1 with
 * *rc set. */
static int apply_fields(http_req_t *r, json_t *body, store_app_t *a, int create,
                        enum MHD_Result *rc)
{
    static const struct {
        const char *key;
        int (*valid)(const char *, char *, size_t);
        size_t offset, size;
    } fields[] = {
        {"host", bundle_valid_host, offsetof(store_app_t, host), STORE_HOST_MAX + 1},
        {"path_prefix", bundle_valid_path_prefix, offsetof(store_app_t, path_prefix),
         STORE_PREFIX_MAX + 1},
        {"upstream", bundle_valid_upstream, offsetof(store_app_t, upstream),
         STORE_UPSTREAM_MAX + 1},
    };
    char why[240];
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        if (strcmp(key, "host") && strcmp(key, "path_prefix") && strcmp(key, "upstream") &&
            strcmp(key, "policy") && strcmp(key, "switches") && strcmp(key, "name")) {
            *rc = bad_field(r, key,
                            "unknown field (known: name, host, path_prefix, upstream, "
                            "policy, switches)");
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        json_t *v = json_object_get(body, fields[i].key);
        if (!v && !create)
            continue;
        const char *s = json_string_value(v);
        if (!s) {
            *rc = bad_field(r, fields[i].key, v ? "must be a string" : "is required");
            return 1;
        }
        if (!fields[i].valid(s, why, sizeof(why))) {
            *rc = bad_field(r, fields[i].key, why);
            return 1;
        }
        snprintf((char *)a + fields[i].offset, fields[i].size, "%s", s);
    }
    json_t *policy = json_object_get(body, "policy");
    if (policy && !json_is_null(policy)) {
        if (!json_is_string(policy) ||
            !bundle_valid_name(json_string_value(policy), why, sizeof(why))) {
            *rc = bad_field(r, "policy", json_is_string(policy) ? why : "must be a name or null");
            return 1;
        }
        snprintf(a->policy, sizeof(a->policy), "%s", json_string_value(policy));
    } else if (policy) {
        a->policy[0] = '\0';
    }
    json_t *switches = json_object_get(body, "switches");
    if (switches) {
        json_t *merged = json_loads(a->switches[0] ? a->switches : "{}", 0, NULL);
        if (!json_is_object(switches) || !merged || json_object_update(merged, switches) != 0 ||
            bundle_switches_complete(merged, why, sizeof(why)) != 0) {
            json_decref(merged);
            *rc = bad_field(r, "switches", json_is_object(switches) ? why : "must be an object");
            return 1;
        }
        char *text = json_dumps(merged, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(merged);
        if (!text || strlen(text) > STORE_SWITCHES_MAX) {
            free(text);
            *rc = bad_field(r, "switches", "too large");
            return 1;
        }
        snprintf(a->switches, sizeof(a->switches), "%s", text);
        free(text);
    }
    return 0;
}

static enum MHD_Result app_store_error(http_req_t *r, int st, const store_app_t *a)
{
    char msg[200];
    if (st == STORE_CONFLICT) {
        snprintf(msg, sizeof(msg), "an application named %s exists", a->name);
        return http_reply_error(r, 409, "conflict", msg);
    }
    if (st == STORE_NOT_FOUND) {
        snprintf(msg, sizeof(msg), "policy: no policy named %s", a->policy);
        return http_reply_error(r, 400, "bad_request", msg);
    }
    return api_store_error(r, st);
}

static enum MHD_Result reply_app(http_req_t *r, unsigned status, const store_app_t *a,
                                 int64_t bundle_version)
{
    return http_reply_json(
        r, status,
        json_pack("{s:o, s:I}", "app", app_json(a), "bundle_version", (json_int_t)bundle_version));
}

enum MHD_Result api_apps_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    store_app_t a;
    memset(&a, 0, sizeof(a));
    char why[200];
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!name || !bundle_valid_name(name, why, sizeof(why))) {
        json_decref(body);
        return bad_field(r, "name", name ? why : "is required");
    }
    snprintf(a.name, sizeof(a.name), "%s", name);
    if (apply_fields(r, body, &a, 1, &rc)) {
        json_decref(body);
        return rc;
    }
    json_decref(body);
    if (!a.switches[0]) {
        json_t *defaults = json_object();
        bundle_switches_complete(defaults, why, sizeof(why));
        char *text = json_dumps(defaults, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(defaults);
        snprintf(a.switches, sizeof(a.switches), "%s", text ? text : "{}");
        free(text);
    }
    a.created = a.updated = time_now_ms();
    int st = r->ctl->store->ops->app_create(r->ctl->store, &a);
    if (st != STORE_OK)
        return app_store_error(r, st, &a);
    int64_t v = api_changed(r, "app.create", a.name, a.upstream);
    return reply_app(r, 201, &a, v);
}

/* The application named by the route's argument, or a 404/5xx reply. */
static int load_app(http_req_t *r, const char *name, store_app_t *a, enum MHD_Result *rc)
{
    int st = r->ctl->store->ops->app_get(r->ctl->store, name, a);
    if (st == STORE_OK)
        return 0;
    *rc = st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such application")
                                : api_store_error(r, st);
    return 1;
}

enum MHD_Result api_apps_get(http_req_t *r)
{
    enum MHD_Result rc;
    store_app_t a;
    if (load_app(r, r->arg, &a, &rc))
        return rc;
    return http_reply_json(r, 200, json_pack("{s:o}", "app", app_json(&a)));
}

/* PATCH: the fields given change; switches merge into the current ones. */
static enum MHD_Result update(http_req_t *r, const char *name, int switches_only)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    store_app_t a;
    if (load_app(r, name, &a, &rc)) {
        json_decref(body);
        return rc;
    }
    const char *new_name = json_string_value(json_object_get(body, "name"));
    if (json_object_get(body, "name") && (!new_name || strcmp(new_name, a.name) != 0)) {
        json_decref(body);
        return bad_field(r, "name", "cannot change; register a new application instead");
    }
    int failed;
    if (switches_only) {
        json_t *wrapped = json_pack("{s:O}", "switches", body);
        failed = apply_fields(r, wrapped, &a, 0, &rc);
        json_decref(wrapped);
    } else {
        failed = apply_fields(r, body, &a, 0, &rc);
    }
    char *summary = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(body);
    if (failed) {
        free(summary);
        return rc;
    }
    a.updated = time_now_ms();
    int st = r->ctl->store->ops->app_update(r->ctl->store, &a);
    if (st != STORE_OK) {
        free(summary);
        return app_store_error(r, st, &a);
    }
    int64_t v = api_changed(r, switches_only ? "app.switches" : "app.update", a.name, summary);
    free(summary);
    return reply_app(r, 200, &a, v);
}

enum MHD_Result api_apps_update(http_req_t *r)
{
    return update(r, r->arg, 0);
}

enum MHD_Result api_apps_switches(http_req_t *r)
{
    return update(r, r->arg, 1);
}

enum MHD_Result api_apps_delete(http_req_t *r)
{
    int st = r->ctl->store->ops->app_delete(r->ctl->store, r->arg);
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such application");
    if (st != STORE_OK)
        return api_store_error(r, st);
    api_changed(r, "app.delete", r->arg, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}
