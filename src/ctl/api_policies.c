/*
 * api_policies.c — policies with versions, diff and rollback (admin and
 * secops change; auditor reads).
 *
 * A policy's text is the engine's policy format (docs/POLICY.md, which
 * may pull in SecLang rules with `rules FILE`). Every text is compiled by
 * the engine's own loader before it is stored; a text that does not
 * compile is refused with FILE:LINE: reason, so an invalid policy never
 * reaches a bundle or a gateway. Versions are never edited: a change is a
 * new version, a rollback a new version equal to an old one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_change.h"
#include "bundle.h"
#include "diff.h"
#include "rampart/policy.h"
#include "timefmt.h"

#define POLICY_TEXT_MAX (1024 * 1024)

/* Segment i (0-based, after the leading '/') of the request path. */
static int path_segment(const char *path, int i, char *out, size_t size)
{
    const char *s = path + 1;
    for (; i > 0; i--) {
        s = strchr(s, '/');
        if (!s)
            return -1;
        s++;
    }
    size_t n = strcspn(s, "/");
    if (n == 0 || n >= size)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

static int parse_version(const char *s, int64_t *out)
{
    char *end;
    long long v = s && *s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || v < 1)
        return -1;
    *out = v;
    return 0;
}

/* Compiles text with the engine. NULL when it compiles (the engine's
 * version string in engine_version), else the error as a JSON object
 * {"file","line","reason"}. */
static json_t *compile_error(const char *name, const char *text, size_t len,
                             char engine_version[128])
{
    char file[96];
    snprintf(file, sizeof(file), "%s.policy", name);
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, len, file, &err);
    if (p) {
        snprintf(engine_version, 128, "%s", rp_policy_version(p));
        rp_policy_unref(p);
        return NULL;
    }
    return json_pack("{s:s, s:i, s:s}", "file", err.file[0] ? err.file : file, "line",
                     (int)err.line, "reason", err.reason);
}

static enum MHD_Result reply_invalid(http_req_t *r, json_t *error)
{
    char msg[700];
    snprintf(msg, sizeof(msg), "%s:%d: %s", json_string_value(json_object_get(error, "file")),
             (int)json_integer_value(json_object_get(error, "line")),
             json_string_value(json_object_get(error, "reason")));
    return http_reply_json(
        r, 400,
        json_pack("{s:s, s:s, s:[o]}", "error", "invalid_policy", "message", msg, "errors", error));
}

/* The body's "text" (and optional "comment"); 0, or replies 400. */
static int read_text(http_req_t *r, json_t *body, const char **text, size_t *len,
                     const char **comment, enum MHD_Result *rc)
{
    json_t *t = json_object_get(body, "text");
    json_t *c = json_object_get(body, "comment");
    if (!json_is_string(t) || json_string_length(t) > POLICY_TEXT_MAX ||
        (c && !json_is_null(c) && (!json_is_string(c) || json_string_length(c) > 256))) {
        *rc = http_reply_error(r, 400, "bad_request",
                               "text (the policy, at most 1 MiB) and optional comment (at most "
                               "256 bytes)");
        return 1;
    }
    *text = json_string_value(t);
    *len = json_string_length(t);
    *comment = json_is_string(c) ? json_string_value(c) : "";
    return 0;
}

static json_t *version_json(const store_policy_version_t *v)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:o}", "version", (json_int_t)v->version, "author",
                          v->author, "comment", v->comment, "rollback_of",
                          v->rollback_of ? json_integer(v->rollback_of) : json_null(), "created",
                          api_time_json(v->created));
    if (v->text)
        json_object_set_new(o, "text", json_string(v->text));
    return o;
}

static json_t *policy_json(const store_policy_t *p, json_t *used_by)
{
    return json_pack("{s:I, s:s, s:I, s:o, s:o, s:o}", "id", (json_int_t)p->id, "name", p->name,
                     "current_version", (json_int_t)p->current_version, "created",
                     api_time_json(p->created), "updated", api_time_json(p->updated), "used_by",
                     used_by ? used_by : json_array());
}

/* ---- list, get, validate --------------------------------------------- */

static int collect_app(void *ctx, const store_app_t *a)
{
    if (a->policy[0]) {
        json_t *by_policy = ctx;
        json_t *list = json_object_get(by_policy, a->policy);
        if (!list)
            json_object_set_new(by_policy, a->policy, list = json_array());
        json_array_append_new(list, json_string(a->name));
    }
    return 0;
}

typedef struct {
    json_t *list, *used;
} policy_list_t;

static int add_policy(void *ctx, const store_policy_t *p)
{
    policy_list_t *pl = ctx;
    json_array_append_new(pl->list,
                          policy_json(p, json_incref(json_object_get(pl->used, p->name))));
    return 0;
}

enum MHD_Result api_policies_list(http_req_t *r)
{
    store_t *s = r->ctl->store;
    policy_list_t pl = {json_array(), json_object()};
    int rc = s->ops->app_list(s, collect_app, pl.used);
    if (rc == STORE_OK)
        rc = s->ops->policy_list(s, add_policy, &pl);
    json_decref(pl.used);
    if (rc != STORE_OK) {
        json_decref(pl.list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "policies", pl.list));
}

static int keep_version(void *ctx, const store_policy_version_t *v)
{
    *(json_t **)ctx = version_json(v);
    return 0;
}

/* The policy named in the path and one version of it (0: current). */
static enum MHD_Result reply_policy(http_req_t *r, const char *name, int64_t version)
{
    store_t *s = r->ctl->store;
    store_policy_t p;
    json_t *v = NULL;
    int rc = s->ops->policy_get(s, name, &p);
    if (rc == STORE_OK)
        rc = s->ops->policy_version_get(s, name, version, keep_version, &v);
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such policy or version");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    json_t *used = json_object();
    s->ops->app_list(s, collect_app, used);
    json_t *o =
        json_pack("{s:o, s:o}", "policy",
                  policy_json(&p, json_incref(json_object_get(used, p.name))), "version", v);
    json_decref(used);
    return http_reply_json(r, 200, o);
}

enum MHD_Result api_policies_get(http_req_t *r)
{
    return reply_policy(r, r->arg, 0);
}

enum MHD_Result api_policies_version_get(http_req_t *r)
{
    char name[STORE_NAME_MAX + 1], num[24];
    int64_t version;
    if (path_segment(r->path, 3, name, sizeof(name)) ||
        path_segment(r->path, 5, num, sizeof(num)) || parse_version(num, &version))
        return http_reply_error(r, 400, "bad_request", "the version must be a positive integer");
    return reply_policy(r, name, version);
}

enum MHD_Result api_policies_validate(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *text, *comment;
    size_t len;
    const char *name = json_string_value(json_object_get(body, "name"));
    char why[160];
    if (read_text(r, body, &text, &len, &comment, &rc)) {
        json_decref(body);
        return rc;
    }
    if (!name || !bundle_valid_name(name, why, sizeof(why)))
        name = "policy";
    char engine_version[128];
    json_t *error = compile_error(name, text, len, engine_version);
    json_decref(body);
    if (error)
        return http_reply_json(r, 200, json_pack("{s:b, s:[o]}", "valid", 0, "errors", error));
    return http_reply_json(
        r, 200,
        json_pack("{s:b, s:[], s:s}", "valid", 1, "errors", "engine_version", engine_version));
}

/* ---- create, new version, rollback, delete --------------------------- */

static enum MHD_Result reply_saved(http_req_t *r, const char *action, const char *name,
                                   int64_t version, unsigned status)
{
    char detail[48];
    snprintf(detail, sizeof(detail), "version %lld", (long long)version);
    int64_t bundle = api_changed(r, action, name, detail);
    store_t *s = r->ctl->store;
    store_policy_t p;
    json_t *v = NULL;
    if (s->ops->policy_get(s, name, &p) != STORE_OK ||
        s->ops->policy_version_get(s, name, version, keep_version, &v) != STORE_OK)
        return api_store_error(r, STORE_ERROR);
    json_object_del(v, "text");
    return http_reply_json(r, status,
                           json_pack("{s:o, s:o, s:I}", "policy", policy_json(&p, NULL), "version",
                                     v, "bundle_version", (json_int_t)bundle));
}

/* Validates and stores text as a new policy (create) or as its next
 * version, rollback_of naming the version it restores. */
static enum MHD_Result save(http_req_t *r, const char *name, const char *text, size_t len,
                            const char *comment, int create, int64_t rollback_of)
{
    char engine_version[128];
    json_t *error = compile_error(name, text, len, engine_version);
    if (error)
        return reply_invalid(r, error);
    store_policy_version_t v = {.text = text, .rollback_of = rollback_of, .created = time_now_ms()};
    snprintf(v.author, sizeof(v.author), "%s", r->who.name);
    snprintf(v.comment, sizeof(v.comment), "%s", comment);
    int64_t version = 0;
    store_t *s = r->ctl->store;
    int rc = create ? s->ops->policy_create(s, name, &v, &version)
                    : s->ops->policy_add_version(s, name, &v, &version);
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "a policy with this name exists");
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such policy");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return reply_saved(r,
                       create        ? "policy.create"
                       : rollback_of ? "policy.rollback"
                                     : "policy.version",
                       name, version, 201);
}

enum MHD_Result api_policies_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *text, *comment;
    size_t len;
    char why[160];
    if (!name || !bundle_valid_name(name, why, sizeof(why))) {
        char msg[200];
        snprintf(msg, sizeof(msg), "name: %s", name ? why : "is required");
        json_decref(body);
        return http_reply_error(r, 400, "bad_request", msg);
    }
    if (read_text(r, body, &text, &len, &comment, &rc)) {
        json_decref(body);
        return rc;
    }
    rc = save(r, name, text, len, comment, 1, 0);
    json_decref(body);
    return rc;
}

enum MHD_Result api_policies_add_version(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *text, *comment;
    size_t len;
    if (read_text(r, body, &text, &len, &comment, &rc)) {
        json_decref(body);
        return rc;
    }
    rc = save(r, r->arg, text, len, comment, 0, 0);
    json_decref(body);
    return rc;
}

typedef struct {
    char *text;
    size_t len;
} text_copy_t;

static int copy_text(void *ctx, const store_policy_version_t *v)
{
    text_copy_t *t = ctx;
    t->len = v->text ? strlen(v->text) : 0;
    t->text = strndup(v->text ? v->text : "", t->len);
    return 0;
}

/* The text of one version (malloc'd), or replies. */
static int load_text(http_req_t *r, const char *name, int64_t version, text_copy_t *out,
                     enum MHD_Result *rc)
{
    out->text = NULL;
    int st = r->ctl->store->ops->policy_version_get(r->ctl->store, name, version, copy_text, out);
    if (st == STORE_OK && out->text)
        return 0;
    free(out->text);
    *rc = st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such policy or version")
                                : api_store_error(r, st == STORE_OK ? STORE_ERROR : st);
    return 1;
}

enum MHD_Result api_policies_rollback(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    json_t *jv = json_object_get(body, "version");
    json_t *jc = json_object_get(body, "comment");
    int64_t version = json_is_integer(jv) ? json_integer_value(jv) : 0;
    char comment[STORE_COMMENT_MAX + 1];
    snprintf(comment, sizeof(comment), "%s",
             json_is_string(jc) ? json_string_value(jc) : "rollback");
    json_decref(body);
    if (version < 1)
        return http_reply_error(r, 400, "bad_request",
                                "version: the version to restore, a positive integer");
    text_copy_t t;
    if (load_text(r, r->arg, version, &t, &rc))
        return rc;
    rc = save(r, r->arg, t.text, t.len, comment, 0, version);
    free(t.text);
    return rc;
}

enum MHD_Result api_policies_delete(http_req_t *r)
{
    int st = r->ctl->store->ops->policy_delete(r->ctl->store, r->arg);
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such policy");
    if (st == STORE_CONFLICT)
        return http_reply_error(r, 409, "in_use",
                                "applications use this policy; point them elsewhere first");
    if (st != STORE_OK)
        return api_store_error(r, st);
    api_changed(r, "policy.delete", r->arg, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}

/* ---- history and diff ------------------------------------------------- */

static int add_version(void *ctx, const store_policy_version_t *v)
{
    json_array_append_new(ctx, version_json(v));
    return 0;
}

enum MHD_Result api_policies_versions(http_req_t *r)
{
    json_t *list = json_array();
    int st = r->ctl->store->ops->policy_versions(r->ctl->store, r->arg, add_version, list);
    if (st != STORE_OK) {
        json_decref(list);
        return st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such policy")
                                     : api_store_error(r, st);
    }
    return http_reply_json(r, 200, json_pack("{s:s, s:o}", "policy", r->arg, "versions", list));
}

/* GET /api/v1/policies/NAME/diff?from=A&to=B: to defaults to the current
 * version, from to the one before to. */
enum MHD_Result api_policies_diff(http_req_t *r)
{
    store_policy_t p;
    int st = r->ctl->store->ops->policy_get(r->ctl->store, r->arg, &p);
    if (st != STORE_OK)
        return st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such policy")
                                     : api_store_error(r, st);
    int64_t from, to = p.current_version;
    const char *qto = http_query(r, "to"), *qfrom = http_query(r, "from");
    if ((qto && parse_version(qto, &to)) || (qfrom && parse_version(qfrom, &from)))
        return http_reply_error(r, 400, "bad_request", "from and to must be positive integers");
    if (!qfrom)
        from = to > 1 ? to - 1 : 1;
    enum MHD_Result rc;
    text_copy_t a, b;
    if (load_text(r, r->arg, from, &a, &rc))
        return rc;
    if (load_text(r, r->arg, to, &b, &rc)) {
        free(a.text);
        return rc;
    }
    char la[96], lb[96];
    snprintf(la, sizeof(la), "%s.policy@%lld", p.name, (long long)from);
    snprintf(lb, sizeof(lb), "%s.policy@%lld", p.name, (long long)to);
    strbuf_t out;
    strbuf_init(&out, 16 * 1024 * 1024);
    diff_unified(a.text, a.len, b.text, b.len, la, lb, &out);
    free(a.text);
    free(b.text);
    if (out.failed) {
        strbuf_free(&out);
        return http_reply_error(r, 500, "internal", "the diff is too large");
    }
    json_t *o = json_pack("{s:s, s:I, s:I, s:s}", "policy", p.name, "from", (json_int_t)from, "to",
                          (json_int_t)to, "diff", out.data ? out.data : "");
    strbuf_free(&out);
    return http_reply_json(r, 200, o);
}
