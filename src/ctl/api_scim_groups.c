/*
 * api_scim_groups.c — /scim/v2/Groups (RFC 7644 §3.3-3.6): directory
 * groups and their members. A new group's path is "/" + displayName
 * (displayName stays its display name); members are users by id. Member
 * changes (POST, PUT, PATCH add/replace/remove) run in one transaction,
 * so an unknown member changes nothing, and end the changed users'
 * sessions (their rights changed), as the admin API does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_scim.h"
#include "audit_hook.h"
#include "dir_record.h"
#include "idevent.h"
#include "idsession.h"
#include "scim_filter.h"
#include "scim_patch.h"
#include "scim_resource.h"
#include "timefmt.h"

typedef struct {
    store_t *store;
    json_t *out;
} members_ctx_t;

static int add_member(void *ctx, const char *name)
{
    members_ctx_t *m = ctx;
    dir_user_t u;
    if (dir_user_get(m->store, NULL, name, &u) != STORE_OK)
        return 0;
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, u.id);
    json_array_append_new(m->out, json_pack("{s:s, s:s}", "value", id, "display", u.name));
    return 0;
}

static json_t *group_resource(store_t *s, const dir_group_t *g, int with_members)
{
    members_ctx_t m = {s, json_array()};
    if (with_members && dir_members(s, DIR_GROUPS, g->id, add_member, &m) != STORE_OK) {
        json_decref(m.out);
        return NULL;
    }
    return scim_group_json(g, m.out, SCIM_BASE);
}

static enum MHD_Result store_failed(http_req_t *r, int rc)
{
    if (rc == STORE_NOT_FOUND)
        return scim_error(r, 404, NULL, "no such group");
    if (rc == STORE_CONFLICT)
        return scim_error(r, 409, "uniqueness", "a group with this displayName exists");
    return scim_error(r, rc == STORE_FULL ? 503 : 500, NULL, "the store failed");
}

static enum MHD_Result reply_group(http_req_t *r, unsigned status, const dir_group_t *g)
{
    json_t *res = group_resource(r->ctl->store, g, 1);
    if (!res)
        return store_failed(r, STORE_ERROR);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof(loc), SCIM_BASE "/Groups/%" PRId64, g->id);
        http_add_header(r, "Location", loc);
    }
    return scim_reply(r, status, res);
}

/* ---- list ---------------------------------------------------------------------------- */

typedef struct {
    store_t *store;
    scim_filter_t *filter;
    long start, count, total;
    int with_members, failed;
    json_t *page;
} list_t;

static int list_one(void *ctx, const dir_group_t *g)
{
    list_t *l = ctx;
    json_t *res = group_resource(l->store, g, l->with_members || l->filter);
    if (!res) {
        l->failed = 1;
        return 1;
    }
    if (!l->filter || scim_filter_match(l->filter, res)) {
        l->total++;
        if (l->total >= l->start && l->total < l->start + l->count) {
            if (!l->with_members)
                json_object_del(res, "members");
            json_array_append_new(l->page, res);
            res = NULL;
        }
    }
    json_decref(res);
    return 0;
}

/* Whether a comma-separated attribute list names members. */
static int names_members(const char *list)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        while (n && *p == ' ')
            p++, n--;
        if (n == 7 && strncasecmp(p, "members", 7) == 0)
            return 1;
        p += n;
        p += *p == ',';
    }
    return 0;
}

enum MHD_Result api_scim_groups_list(http_req_t *r)
{
    enum MHD_Result rc;
    list_t l = {.store = r->ctl->store};
    if (scim_paging(r, &l.start, &l.count, &rc))
        return rc;
    /* Azure AD asks excludedAttributes=members: big groups stay cheap */
    const char *excluded = http_query(r, "excludedAttributes");
    l.with_members = !(excluded && names_members(excluded));
    const char *text = http_query(r, "filter");
    const char *why = NULL;
    if (text && !(l.filter = scim_filter_parse(text, strlen(text), &why)))
        return scim_error(r, 400, "invalidFilter", why);
    l.page = json_array();
    int st = dir_group_list(l.store, list_one, &l);
    scim_filter_free(l.filter);
    if (st != STORE_OK || l.failed) {
        json_decref(l.page);
        return store_failed(r, st == STORE_OK ? STORE_ERROR : st);
    }
    return scim_reply(r, 200, scim_list(l.page, l.total, l.start));
}

/* ---- writes -------------------------------------------------------------------------- */

/* The user ids of a members array; NULL when one is malformed. */
static int64_t *member_ids(json_t *members, size_t *n)
{
    *n = 0;
    if (members && !json_is_array(members) && !json_is_null(members))
        return NULL;
    int64_t *ids = calloc(json_array_size(members) + 1, sizeof(*ids));
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        const char *v = json_string_value(scim_attr_get(m, "value"));
        char *end;
        long long id = v ? strtoll(v, &end, 10) : 0;
        if (!v || *end || end == v || id < 1) {
            free(ids);
            return NULL;
        }
        ids[(*n)++] = (int64_t)id;
    }
    return ids;
}

static int holds(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

typedef struct {
    json_t *names;
    const char *path;
    int add;
} membership_t;

static int collect(void *ctx, const char *name)
{
    membership_t *m = ctx;
    if (strcasecmp(name, m->path) != 0)
        json_array_append_new(m->names, json_string(name));
    return 0;
}

/* Adds or removes one user's membership of path, inside tx. */
static int change_membership(store_t *s, store_sql_tx_t *tx, int64_t user_id, const char *path,
                             int add)
{
    membership_t m = {json_array(), path, add};
    int rc = dir_memberships(s, tx, user_id, DIR_GROUPS, collect, &m);
    if (rc == STORE_OK && add)
        json_array_append_new(m.names, json_string(path));
    size_t n = json_array_size(m.names);
    const char **names = calloc(n + 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = json_string_value(json_array_get(m.names, i));
    if (rc == STORE_OK)
        rc = dir_set_memberships(s, tx, user_id, DIR_GROUPS, names, n);
    free(names);
    json_decref(m.names);
    return rc;
}

typedef struct {
    dir_group_t *group;
    int creating, rename;
    const int64_t *before, *after;
    size_t n_before, n_after;
} group_write_t;

static int write_group(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    group_write_t *w = ctx;
    int rc = w->creating ? dir_group_create(s, tx, w->group) : STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < w->n_after; i++)
        if (!holds(w->before, w->n_before, w->after[i]))
            rc = change_membership(s, tx, w->after[i], w->group->path, 1);
    for (size_t i = 0; rc == STORE_OK && i < w->n_before; i++)
        if (!holds(w->after, w->n_after, w->before[i]))
            rc = change_membership(s, tx, w->before[i], w->group->path, 0);
    return rc;
}

/* Ends the sessions of users whose membership changed. */
static void revoke_changed(http_req_t *r, const group_write_t *w)
{
    for (int pass = 0; pass < 2; pass++) {
        const int64_t *ids = pass ? w->before : w->after;
        const int64_t *other = pass ? w->after : w->before;
        size_t n = pass ? w->n_before : w->n_after, n_other = pass ? w->n_after : w->n_before;
        for (size_t i = 0; i < n; i++) {
            dir_user_t u;
            if (holds(other, n_other, ids[i]) ||
                dir_user_get_id(r->ctl->store, ids[i], &u) != STORE_OK)
                continue;
            idsession_revoke_user(r->ctl, u.id, "directory change");
            idevent(r, "privilege.change", "success", 200, u.name,
                    json_pack("{s:s, s:s, s:s}", pass ? "group_removed" : "group_added",
                              w->group->path, "via", "scim", "group", scim_group_name(w->group)));
        }
    }
}

/* Runs w and replies with the group (status) or the error. */
static enum MHD_Result commit(http_req_t *r, group_write_t *w, unsigned status)
{
    store_t *s = r->ctl->store;
    int rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < w->n_after; i++) {
        dir_user_t u; /* every new member must exist: a store's foreign key is no answer */
        if (!holds(w->before, w->n_before, w->after[i]))
            rc = dir_user_get_id(s, w->after[i], &u);
    }
    if (rc == STORE_OK)
        rc = s->sql->transaction(s, write_group, w);
    if (rc == STORE_NOT_FOUND)
        return scim_error(r, 400, "invalidValue", "members: a user id does not exist");
    if (rc == STORE_OK && w->rename)
        rc = dir_group_update(s, w->group);
    if (rc != STORE_OK)
        return store_failed(r, rc);
    revoke_changed(r, w);
    return reply_group(r, status, w->group);
}

/* The displayName of a body: 1-255 bytes of text. */
static const char *display_name_of(json_t *res)
{
    const char *name = json_string_value(scim_attr_get(res, "displayName"));
    return name && name[0] && dir_valid_text(name, DIR_PATH_MAX - 1) ? name : NULL;
}

enum MHD_Result api_scim_groups_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = scim_body(r, &rc);
    if (!body)
        return rc;
    const char *name = display_name_of(body);
    dir_group_t g = {0};
    if (name) {
        snprintf(g.path, sizeof(g.path), "%s%s", name[0] == '/' ? "" : "/", name);
        snprintf(g.display_name, sizeof(g.display_name), "%s", name);
    }
    audit_note(r, "scim.group.create", name ? g.path : NULL);
    size_t n = 0;
    int64_t *ids = member_ids(scim_attr_get(body, "members"), &n);
    json_decref(body);
    if (!name || !dir_valid_path(g.path) || !ids) {
        free(ids);
        return scim_error(r, 400, "invalidValue",
                          "displayName: a name usable as a group path (no ; , . .. or control "
                          "characters); members: [{value: a user id}]");
    }
    g.created = time_now_ms();
    group_write_t w = {.group = &g, .creating = 1, .after = ids, .n_after = n};
    rc = commit(r, &w, 201);
    free(ids);
    return rc;
}

static int load(http_req_t *r, dir_group_t *g, enum MHD_Result *rc)
{
    int64_t id = scim_path_id(r);
    int st = id ? dir_group_get(r->ctl->store, NULL, id, NULL, g) : STORE_NOT_FOUND;
    if (st != STORE_OK) {
        *rc = store_failed(r, st);
        return -1;
    }
    return 0;
}

enum MHD_Result api_scim_groups_get(http_req_t *r)
{
    enum MHD_Result rc;
    dir_group_t g;
    if (load(r, &g, &rc))
        return rc;
    return reply_group(r, 200, &g);
}

/* Writes the group as res now describes it (PUT and PATCH). */
static enum MHD_Result write_resource(http_req_t *r, dir_group_t *g, json_t *res)
{
    json_t *now = group_resource(r->ctl->store, g, 1);
    if (!now)
        return store_failed(r, STORE_ERROR);
    size_t n_before = 0, n_after = 0;
    int64_t *before = member_ids(json_object_get(now, "members"), &n_before);
    int64_t *after = member_ids(scim_attr_get(res, "members"), &n_after);
    json_decref(now);
    const char *name = display_name_of(res);
    enum MHD_Result rc;
    if (!after || !before || !name) {
        rc = scim_error(r, 400, "invalidValue",
                        "displayName: required text; members: [{value: a user id}]");
    } else {
        group_write_t w = {.group = g,
                           .before = before,
                           .n_before = n_before,
                           .after = after,
                           .n_after = n_after,
                           .rename = strcmp(name, scim_group_name(g)) != 0};
        if (w.rename)
            snprintf(g->display_name, sizeof(g->display_name), "%s", name);
        audit_detail(r, "members", json_integer((json_int_t)n_after));
        rc = commit(r, &w, 200);
    }
    free(before);
    free(after);
    return rc;
}

/* The start of a write to one group (see api_scim_users.c). */
static int begin_write(http_req_t *r, const char *action, dir_group_t *g, json_t **body,
                       enum MHD_Result *rc)
{
    audit_note(r, action, NULL);
    if (load(r, g, rc))
        return -1;
    audit_note(r, action, g->path);
    *body = scim_body(r, rc);
    return *body ? 0 : -1;
}

enum MHD_Result api_scim_groups_replace(http_req_t *r)
{
    enum MHD_Result rc;
    dir_group_t g;
    json_t *body;
    if (begin_write(r, "scim.group.replace", &g, &body, &rc))
        return rc;
    rc = write_resource(r, &g, body);
    json_decref(body);
    return rc;
}

enum MHD_Result api_scim_groups_patch(http_req_t *r)
{
    enum MHD_Result rc;
    dir_group_t g;
    json_t *body;
    if (begin_write(r, "scim.group.patch", &g, &body, &rc))
        return rc;
    json_t *res = group_resource(r->ctl->store, &g, 1);
    const char *type = NULL;
    const char *why = res ? scim_patch_apply(res, body, &type) : "the store failed";
    if (!why)
        audit_detail(r, "operations", json_incref(scim_attr_get(body, "Operations")));
    json_decref(body);
    if (why)
        rc = scim_error(r, res ? 400 : 500, type, why);
    else
        rc = write_resource(r, &g, res);
    json_decref(res);
    return rc;
}

static int revoke_member(void *ctx, const char *name)
{
    http_req_t *r = ctx;
    dir_user_t u;
    if (dir_user_get(r->ctl->store, NULL, name, &u) == STORE_OK)
        idsession_revoke_user(r->ctl, u.id, "group deleted");
    return 0;
}

enum MHD_Result api_scim_groups_delete(http_req_t *r)
{
    audit_note(r, "scim.group.delete", NULL);
    enum MHD_Result rc;
    dir_group_t g;
    if (load(r, &g, &rc))
        return rc;
    audit_note(r, "scim.group.delete", g.path);
    dir_members(r->ctl->store, DIR_GROUPS, g.id, revoke_member, r);
    int st = dir_group_delete(r->ctl->store, g.id);
    if (st == STORE_CONFLICT)
        return scim_error(r, 409, NULL, "the group has sub-groups; delete them first");
    if (st != STORE_OK)
        return store_failed(r, st);
    return http_reply(r, 204, NULL, NULL, 0);
}
