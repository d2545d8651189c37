/*
 * api_directory.c — the identity directory's users through the admin API
 * (docs/IDENTITY.md "Directory API"): list with search and keyset pages,
 * read one with its groups and roles, create, change, delete. A create or
 * change with groups/roles sets the memberships in the same transaction
 * as the user, so a bad group name changes nothing.
 *
 * Every change is audited (audit_hook.h); a change that removes a user's
 * rights (state other than active, roles or groups changed, deletion)
 * revokes the user's sessions (idsession.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_directory.h"
#include "audit_hook.h"
#include "dir_record.h"
#include "idevent.h"
#include "idlogin.h"
#include "idpassword.h"
#include "idsession.h"
#include "timefmt.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

static int add_name(void *ctx, const char *name)
{
    json_array_append_new(ctx, json_string(name));
    return 0;
}

json_t *api_dir_names(store_t *s, int64_t user_id, dir_kind_t kind)
{
    json_t *a = json_array();
    if (dir_memberships(s, NULL, user_id, kind, add_name, a) != STORE_OK) {
        json_decref(a);
        return NULL;
    }
    return a;
}

enum MHD_Result api_dir_not_found(http_req_t *r, int rc, const char *what)
{
    return rc == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", what)
                                 : api_store_error(r, rc);
}

typedef struct {
    json_t *list;
    int64_t last;
} page_t;

static int add_user(void *ctx, const dir_user_t *u)
{
    page_t *p = ctx;
    json_array_append_new(p->list, dir_user_to_json(u, NULL, NULL));
    p->last = u->id;
    return 0;
}

int api_dir_limit(http_req_t *r, int *limit)
{
    const char *v = http_query(r, "limit");
    *limit = PAGE_DEFAULT;
    if (!v)
        return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < 1 || n > PAGE_MAX)
        return -1;
    *limit = (int)n;
    return 0;
}

enum MHD_Result api_dir_users_list(http_req_t *r)
{
    dir_user_query_t q = {.text = http_query(r, "q"),
                          .state = http_query(r, "state"),
                          .group = http_query(r, "group"),
                          .role = http_query(r, "role")};
    const char *after = http_query(r, "after");
    char *end = NULL;
    if (after)
        q.after = strtoll(after, &end, 10);
    if (api_dir_limit(r, &q.limit) || (after && (*end || q.after < 0)))
        return http_reply_error(r, 400, "bad_request",
                                "limit: 1-1000; after: the next_after of the previous page");
    if (q.text && strlen(q.text) > 256)
        return http_reply_error(r, 400, "bad_request", "q: at most 256 bytes");
    page_t p = {json_array(), 0};
    int rc = dir_user_list(r->ctl->store, &q, add_user, &p);
    if (rc != STORE_OK) {
        json_decref(p.list);
        return api_store_error(r, rc);
    }
    json_t *next = (int)json_array_size(p.list) == q.limit ? json_integer(p.last) : json_null();
    return http_reply_json(r, 200, json_pack("{s:o, s:o}", "users", p.list, "next_after", next));
}

static enum MHD_Result reply_user(http_req_t *r, unsigned status, const dir_user_t *u)
{
    store_t *s = r->ctl->store;
    json_t *groups = api_dir_names(s, u->id, DIR_GROUPS);
    json_t *roles = api_dir_names(s, u->id, DIR_ROLES);
    if (!groups || !roles) {
        json_decref(groups);
        json_decref(roles);
        return api_store_error(r, STORE_ERROR);
    }
    return http_reply_json(r, status,
                           json_pack("{s:o}", "user", dir_user_to_json(u, groups, roles)));
}

enum MHD_Result api_dir_users_get(http_req_t *r)
{
    dir_user_t u;
    int rc = dir_user_get(r->ctl->store, NULL, r->arg, &u);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such directory user");
    return reply_user(r, 200, &u);
}

/* A user written with its memberships in one transaction. */
typedef struct {
    dir_user_t *user;
    int creating;
    const char **groups, **roles;
    size_t n_groups, n_roles;
    int set_groups, set_roles;
} user_write_t;

static int write_user(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    user_write_t *w = ctx;
    int rc = w->creating ? dir_user_create(s, tx, w->user) : dir_user_update(s, tx, w->user);
    if (rc == STORE_OK && w->set_groups)
        rc = dir_set_memberships(s, tx, w->user->id, DIR_GROUPS, w->groups, w->n_groups);
    if (rc == STORE_OK && w->set_roles)
        rc = dir_set_memberships(s, tx, w->user->id, DIR_ROLES, w->roles, w->n_roles);
    return rc;
}

/* Reads groups/roles of the body into w; NULL or the reason. */
static const char *memberships_from(json_t *body, user_write_t *w)
{
    json_t *g = json_object_get(body, "groups"), *ro = json_object_get(body, "roles");
    const char *why = NULL;
    if (g) {
        w->set_groups = 1;
        why = dir_names_from_json(g, DIR_GROUPS, &w->groups, &w->n_groups);
    }
    if (!why && ro) {
        w->set_roles = 1;
        why = dir_names_from_json(ro, DIR_ROLES, &w->roles, &w->n_roles);
    }
    return why;
}

static enum MHD_Result write_reply(http_req_t *r, user_write_t *w, json_t *body, unsigned status)
{
    store_t *s = r->ctl->store;
    int rc = s->sql->transaction(s, write_user, w);
    free(w->groups);
    free(w->roles);
    json_decref(body);
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "a directory user with this name exists");
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 400, "unknown_group_or_role",
                                "a named group or role does not exist (create it first)");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return reply_user(r, status, w->user);
}

/* A password an operator sets: temporary unless the body says
 * "temporary": false — the user must change it at the first login
 * (pw_changed 0 reads as expired, idpassword.h). NULL or the reason. */
static const char *operator_password(http_req_t *r, json_t *body, dir_user_t *u)
{
    json_t *temporary = json_object_get(body, "temporary");
    if (temporary && !json_is_boolean(temporary))
        return "temporary: true or false";
    const char *why = idpw_set(r->cfg, u, json_string_value(json_object_get(body, "password")));
    if (!why && !json_is_false(temporary))
        u->pw_changed = 0;
    return why;
}

enum MHD_Result api_dir_users_create(http_req_t *r)
{
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_user_t u;
    user_write_t w = {.user = &u, .creating = 1};
    const char *why = dir_user_from_json(body, &u, 1);
    if (!why)
        why = memberships_from(body, &w);
    audit_note(r, "directory.user.create", u.name[0] ? u.name : NULL);
    if (!why && json_object_get(body, "password"))
        why = operator_password(r, body, &u);
    if (why) {
        free(w.groups);
        free(w.roles);
        json_decref(body);
        return http_reply_error(r, 400, "bad_request", why);
    }
    audit_detail(r, "state", json_string(u.state));
    if (w.set_roles)
        audit_detail(r, "roles", json_incref(json_object_get(body, "roles")));
    if (w.set_groups)
        audit_detail(r, "groups", json_incref(json_object_get(body, "groups")));
    u.created = u.updated = time_now_ms();
    return write_reply(r, &w, body, 201);
}

enum MHD_Result api_dir_users_update(http_req_t *r)
{
    audit_note(r, "directory.user.update", NULL);
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_user_t u;
    int rc = dir_user_get(r->ctl->store, NULL, r->arg, &u);
    if (rc != STORE_OK) {
        json_decref(body);
        return api_dir_not_found(r, rc, "no such directory user");
    }
    dir_user_t before = u;
    user_write_t w = {.user = &u};
    const char *why = json_object_get(body, "password")
                          ? "password: use POST /api/v1/directory/users/{name}/password"
                          : dir_user_from_json(body, &u, 0);
    if (!why)
        why = memberships_from(body, &w);
    if (why) {
        free(w.groups);
        free(w.roles);
        json_decref(body);
        return http_reply_error(r, 400, "bad_request", why);
    }
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value) audit_detail(r, key, json_incref(value));
    if (strcmp(u.state, "active") == 0 && strcmp(before.state, "active") != 0) {
        u.failures = 0; /* an admin re-activating also lifts the lockout */
        u.locked_until = 0;
    }
    u.updated = time_now_ms();
    /* Rights shrink or change: every session issued before now ends. */
    int revoke = strcmp(u.state, before.state) != 0 || w.set_groups || w.set_roles;
    json_t *change =
        revoke ? json_pack("{s:s, s:s}", "state_before", before.state, "state", u.state) : NULL;
    if (change && w.set_roles)
        json_object_set(change, "roles", json_object_get(body, "roles"));
    if (change && w.set_groups)
        json_object_set(change, "groups", json_object_get(body, "groups"));
    hrc = write_reply(r, &w, body, 200);
    if (revoke && r->status == 200) {
        /* a privilege change: the user's sessions end, the event says why */
        idsession_revoke_user(r->ctl, u.id, "directory change");
        idevent(r, "privilege.change", "success", 200, u.name, change);
        change = NULL;
    }
    json_decref(change);
    return hrc;
}

enum MHD_Result api_dir_users_delete(http_req_t *r)
{
    audit_note(r, "directory.user.delete", NULL);
    store_t *s = r->ctl->store;
    dir_user_t u;
    int rc = dir_user_get(s, NULL, r->arg, &u);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such directory user");
    idsession_revoke_user(r->ctl, u.id, "user deleted");
    rc = dir_user_delete(s, u.id);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such directory user");
    idevent(r, "privilege.change", "success", 204, u.name, json_pack("{s:b}", "deleted", 1));
    return http_reply(r, 204, NULL, NULL, 0);
}

/* ---- an operator's account actions ------------------------------------------------- */

/* Loads the user named by the path, or replies 404. */
static int user_of_path(http_req_t *r, dir_user_t *u, enum MHD_Result *rc)
{
    int st = dir_user_get(r->ctl->store, NULL, r->arg, u);
    if (st != STORE_OK)
        *rc = api_dir_not_found(r, st, "no such directory user");
    return st == STORE_OK ? 0 : -1;
}

static enum MHD_Result save_and_revoke(http_req_t *r, dir_user_t *u, const char *what)
{
    u->updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, u);
    if (st != STORE_OK)
        return api_store_error(r, st);
    idsession_revoke_user(r->ctl, u->id, what);
    idevent(r, what, "success", 200, u->name, NULL);
    return reply_user(r, 200, u);
}

/* POST .../users/{name}/password {password}: an operator sets a password. */
enum MHD_Result api_dir_users_password(http_req_t *r)
{
    audit_note(r, "directory.user.password", NULL);
    enum MHD_Result rc;
    dir_user_t u;
    if (user_of_path(r, &u, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *why = operator_password(r, body, &u);
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "weak_password", why);
    return save_and_revoke(r, &u, "password.reset");
}

/* POST .../users/{name}/unlock: ends a lockout (timed, or state locked). */
enum MHD_Result api_dir_users_unlock(http_req_t *r)
{
    audit_note(r, "directory.user.unlock", NULL);
    enum MHD_Result rc;
    dir_user_t u;
    if (user_of_path(r, &u, &rc))
        return rc;
    u.failures = 0;
    u.locked_until = 0;
    if (strcmp(u.state, "locked") == 0)
        snprintf(u.state, sizeof(u.state), "active");
    u.updated = time_now_ms();
    int st = dir_user_update(r->ctl->store, NULL, &u);
    if (st != STORE_OK)
        return api_store_error(r, st);
    idlogin_unlock(r->ctl->identity->login, u.name);
    idevent(r, "unlock", "success", 200, u.name, NULL);
    return reply_user(r, 200, &u);
}

/* DELETE .../users/{name}/mfa: removes TOTP and recovery codes (a lost phone). */
enum MHD_Result api_dir_users_mfa_reset(http_req_t *r)
{
    audit_note(r, "directory.user.mfa_reset", NULL);
    enum MHD_Result rc;
    dir_user_t u;
    if (user_of_path(r, &u, &rc))
        return rc;
    u.totp_state = DIR_TOTP_NONE;
    u.totp_secret[0] = '\0';
    int st = dir_recovery_set(r->ctl->store, u.id, NULL, 0);
    if (st != STORE_OK)
        return api_store_error(r, st);
    return save_and_revoke(r, &u, "mfa.reset");
}
