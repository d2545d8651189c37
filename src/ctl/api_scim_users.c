/*
 * api_scim_users.c — /scim/v2/Users (RFC 7644 §3.3-3.6): list with
 * filter and paging, read, create, replace (PUT), PATCH and delete of
 * directory users. PATCH renders the stored user as SCIM, applies the
 * operations (scim_patch.h) and writes the result like a PUT.
 *
 * As in the admin API (api_directory.c), every change is audited, and a
 * change of state or a deletion ends the user's sessions with a
 * privilege.change event.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_scim.h"
#include "audit_hook.h"
#include "idevent.h"
#include "idpassword.h"
#include "idsession.h"
#include "scim_filter.h"
#include "scim_patch.h"
#include "scim_resource.h"
#include "timefmt.h"

typedef struct {
    store_t *store;
    json_t *out;
} groups_ctx_t;

static int add_group(void *ctx, const char *path)
{
    groups_ctx_t *g = ctx;
    dir_group_t grp;
    if (dir_group_get(g->store, NULL, 0, path, &grp) != STORE_OK)
        return 0;
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, grp.id);
    json_array_append_new(g->out,
                          json_pack("{s:s, s:s}", "value", id, "display", scim_group_name(&grp)));
    return 0;
}

/* The user as SCIM with its groups; NULL on a store error. */
static json_t *user_resource(store_t *s, const dir_user_t *u)
{
    groups_ctx_t g = {s, json_array()};
    if (dir_memberships(s, NULL, u->id, DIR_GROUPS, add_group, &g) != STORE_OK) {
        json_decref(g.out);
        return NULL;
    }
    return scim_user_json(u, g.out, SCIM_BASE);
}

static enum MHD_Result reply_user(http_req_t *r, unsigned status, const dir_user_t *u)
{
    json_t *res = user_resource(r->ctl->store, u);
    if (!res)
        return scim_error(r, 500, NULL, "the store failed; see the rampartd log");
    char loc[64];
    snprintf(loc, sizeof(loc), SCIM_BASE "/Users/%" PRId64, u->id);
    char version[32];
    scim_version(u->updated, version);
    http_add_header(r, "ETag", version);
    if (status == 201)
        http_add_header(r, "Location", loc);
    return scim_reply(r, status, res);
}

static enum MHD_Result store_failed(http_req_t *r, int rc)
{
    if (rc == STORE_NOT_FOUND)
        return scim_error(r, 404, NULL, "no such user");
    if (rc == STORE_CONFLICT)
        return scim_error(r, 409, "uniqueness", "a user with this userName exists");
    return scim_error(r, rc == STORE_FULL ? 503 : 500, NULL, "the store failed");
}

/* ---- list ---------------------------------------------------------------------------- */

typedef struct {
    store_t *store;
    scim_filter_t *filter;
    long start, count, total;
    json_t *page;
    int failed;
    int64_t last;
} list_t;

static int list_one(void *ctx, const dir_user_t *u)
{
    list_t *l = ctx;
    l->last = u->id;
    json_t *res = user_resource(l->store, u);
    if (!res) {
        l->failed = 1;
        return 1;
    }
    if (!l->filter || scim_filter_match(l->filter, res)) {
        l->total++;
        if (l->total >= l->start && l->total < l->start + l->count) {
            json_array_append_new(l->page, res);
            res = NULL;
        }
    }
    json_decref(res);
    return 0;
}

/* Every user is matched against the filter in turn (keyset pages of the
 * store), so totalResults is exact; directories provisioned over SCIM
 * are thousands of users, not millions. */
enum MHD_Result api_scim_users_list(http_req_t *r)
{
    enum MHD_Result rc;
    list_t l = {.store = r->ctl->store};
    if (scim_paging(r, &l.start, &l.count, &rc))
        return rc;
    const char *text = http_query(r, "filter");
    const char *why = NULL;
    if (text && !(l.filter = scim_filter_parse(text, strlen(text), &why)))
        return scim_error(r, 400, "invalidFilter", why);
    l.page = json_array();
    for (;;) {
        dir_user_query_t q = {.after = l.last, .limit = 500};
        int64_t before = l.last;
        int st = dir_user_list(l.store, &q, list_one, &l);
        if (st != STORE_OK || l.failed) {
            scim_filter_free(l.filter);
            json_decref(l.page);
            return store_failed(r, st == STORE_OK ? STORE_ERROR : st);
        }
        if (l.last == before)
            break;
    }
    scim_filter_free(l.filter);
    return scim_reply(r, 200, scim_list(l.page, l.total, l.start));
}

/* ---- one user ------------------------------------------------------------------------ */

static int load(http_req_t *r, dir_user_t *u, enum MHD_Result *rc)
{
    int64_t id = scim_path_id(r);
    int st = id ? dir_user_get_id(r->ctl->store, id, u) : STORE_NOT_FOUND;
    if (st != STORE_OK) {
        *rc = store_failed(r, st);
        return -1;
    }
    return 0;
}

enum MHD_Result api_scim_users_get(http_req_t *r)
{
    enum MHD_Result rc;
    dir_user_t u;
    if (load(r, &u, &rc))
        return rc;
    return reply_user(r, 200, &u);
}

/* The SCIM password attribute (writeOnly): the directory's policy applies. */
static const char *password_of(http_req_t *r, json_t *res, dir_user_t *u)
{
    json_t *pw = scim_attr_get(res, "password");
    if (!pw)
        return NULL;
    if (!json_is_string(pw))
        return "password: a string";
    return idpw_set(r->cfg, u, json_string_value(pw));
}

enum MHD_Result api_scim_users_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = scim_body(r, &rc);
    if (!body)
        return rc;
    dir_user_t u;
    const char *why = scim_user_apply(body, &u, 1);
    audit_note(r, "scim.user.create", u.name[0] ? u.name : NULL);
    if (!why)
        why = password_of(r, body, &u);
    json_decref(body);
    if (why)
        return scim_error(r, 400, "invalidValue", why);
    audit_detail(r, "state", json_string(u.state));
    u.created = u.updated = time_now_ms();
    int st = dir_user_create(r->ctl->store, NULL, &u);
    if (st != STORE_OK)
        return store_failed(r, st);
    return reply_user(r, 201, &u);
}

/* Writes u (changed from before); a changed state ends its sessions. */
static enum MHD_Result save(http_req_t *r, dir_user_t *u, const dir_user_t *before)
{
    if (strcmp(u->state, "active") == 0 && strcmp(before->state, "active") != 0) {
        u->failures = 0; /* re-activation lifts a lockout, as in the admin API */
        u->locked_until = 0;
    }
    u->updated = time_now_ms();
    if (u->updated <= before->updated)
        u->updated = before->updated + 1; /* a new meta.version for every change */
    int st = dir_user_update(r->ctl->store, NULL, u);
    if (st != STORE_OK)
        return store_failed(r, st);
    if (strcmp(u->state, before->state) != 0) {
        idsession_revoke_user(r->ctl, u->id, "directory change");
        idevent(r, "privilege.change", "success", 200, u->name,
                json_pack("{s:s, s:s, s:s}", "state_before", before->state, "state", u->state,
                          "via", "scim"));
    }
    audit_detail(r, "state", json_string(u->state));
    return reply_user(r, 200, u);
}

/* The start of a write to one user: audited under action, loaded, the
 * If-Match checked, the body read. 0, or -1 with the reply queued. */
static int begin_write(http_req_t *r, const char *action, dir_user_t *u, json_t **body,
                       enum MHD_Result *rc)
{
    audit_note(r, action, NULL);
    if (load(r, u, rc) || scim_if_match(r, u->updated, rc))
        return -1;
    audit_note(r, action, u->name);
    *body = scim_body(r, rc);
    return *body ? 0 : -1;
}

/* Writes u as the SCIM resource res (taken) describes it. */
static enum MHD_Result write_as(http_req_t *r, dir_user_t *u, json_t *res)
{
    dir_user_t before = *u;
    const char *why = scim_user_apply(res, u, 0);
    if (!why)
        why = password_of(r, res, u);
    json_decref(res);
    if (why)
        return scim_error(r, 400, "invalidValue", why);
    return save(r, u, &before);
}

enum MHD_Result api_scim_users_replace(http_req_t *r)
{
    enum MHD_Result rc;
    dir_user_t u;
    json_t *body;
    if (begin_write(r, "scim.user.replace", &u, &body, &rc))
        return rc;
    return write_as(r, &u, body);
}

enum MHD_Result api_scim_users_patch(http_req_t *r)
{
    enum MHD_Result rc;
    dir_user_t u;
    json_t *body;
    if (begin_write(r, "scim.user.patch", &u, &body, &rc))
        return rc;
    json_t *res = scim_user_json(&u, NULL, SCIM_BASE);
    const char *type = NULL;
    const char *why = scim_patch_apply(res, body, &type);
    json_t *ops = json_incref(scim_attr_get(body, "Operations"));
    json_decref(body);
    if (why) {
        json_decref(res);
        json_decref(ops);
        return scim_error(r, 400, type, why);
    }
    audit_detail(r, "operations", ops);
    return write_as(r, &u, res);
}

enum MHD_Result api_scim_users_delete(http_req_t *r)
{
    audit_note(r, "scim.user.delete", NULL);
    enum MHD_Result rc;
    dir_user_t u;
    if (load(r, &u, &rc) || scim_if_match(r, u.updated, &rc))
        return rc;
    audit_note(r, "scim.user.delete", u.name);
    idsession_revoke_user(r->ctl, u.id, "user deleted");
    int st = dir_user_delete(r->ctl->store, u.id);
    if (st != STORE_OK)
        return store_failed(r, st);
    idevent(r, "privilege.change", "success", 204, u.name,
            json_pack("{s:b, s:s}", "deleted", 1, "via", "scim"));
    return http_reply(r, 204, NULL, NULL, 0);
}
