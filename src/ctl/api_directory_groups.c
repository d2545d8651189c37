/*
 * api_directory_groups.c — the directory's groups (organisation units as
 * paths: /gov/city/tax) and roles through the admin API. Groups are
 * addressed by id (a path holds slashes), roles by name. Deleting either
 * ends its memberships and revokes its members' sessions, whose tokens
 * still name it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_directory.h"
#include "api_names.h"
#include "audit_hook.h"
#include "dir_record.h"
#include "idevent.h"
#include "idsession.h"
#include "timefmt.h"

static json_t *group_json(const dir_group_t *g)
{
    char created[TIME_RFC3339_MAX];
    time_format_rfc3339(g->created, created);
    return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)g->id, "path", g->path,
                     "display_name", g->display_name, "description", g->description, "created",
                     created);
}

static json_t *role_json(const dir_role_t *ro)
{
    char created[TIME_RFC3339_MAX];
    time_format_rfc3339(ro->created, created);
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)ro->id, "name", ro->name,
                     "description", ro->description, "created", created);
}

static int add_group(void *ctx, const dir_group_t *g)
{
    json_array_append_new(ctx, group_json(g));
    return 0;
}

static int add_role(void *ctx, const dir_role_t *ro)
{
    json_array_append_new(ctx, role_json(ro));
    return 0;
}

static int add_name(void *ctx, const char *name)
{
    json_array_append_new(ctx, json_string(name));
    return 0;
}

/* The optional text fields of a group or role body; NULL or the reason. */
static const char *text_fields(json_t *body, char *display, char *description)
{
    static const char *const keys[] = {"display_name", "description"};
    char *outs[] = {display, description};
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (!v || !outs[i])
            continue;
        if (!dir_valid_text(json_string_value(v), DIR_TEXT_MAX))
            return "display_name, description: up to 256 bytes of text";
        snprintf(outs[i], DIR_TEXT_MAX + 1, "%s", json_string_value(v));
    }
    return NULL;
}

enum MHD_Result api_dir_groups_list(http_req_t *r)
{
    json_t *list = json_array();
    int rc = dir_group_list(r->ctl->store, add_group, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "groups", list));
}

static int group_by_arg(http_req_t *r, dir_group_t *g)
{
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    if (*end || id <= 0)
        return STORE_NOT_FOUND;
    return dir_group_get(r->ctl->store, NULL, id, NULL, g);
}

/* The object with its members' names under "members". */
static enum MHD_Result reply_with_members(http_req_t *r, const char *key, json_t *obj,
                                          dir_kind_t kind, int64_t id)
{
    json_t *members = json_array();
    int rc = dir_members(r->ctl->store, kind, id, add_name, members);
    if (rc != STORE_OK) {
        json_decref(members);
        json_decref(obj);
        return api_store_error(r, rc);
    }
    json_object_set_new(obj, "members", members);
    return http_reply_json(r, 200, json_pack("{s:o}", key, obj));
}

enum MHD_Result api_dir_groups_get(http_req_t *r)
{
    dir_group_t g;
    int rc = group_by_arg(r, &g);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such group");
    return reply_with_members(r, "group", group_json(&g), DIR_GROUPS, g.id);
}

enum MHD_Result api_dir_groups_create(http_req_t *r)
{
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_group_t g;
    memset(&g, 0, sizeof(g));
    const char *path = json_string_value(json_object_get(body, "path"));
    const char *why = dir_valid_path(path) ? text_fields(body, g.display_name, g.description)
                                           : "path: like /gov/city/tax (segments of 1-64 bytes, "
                                             "without / . ..)";
    audit_note(r, "directory.group.create", path && strlen(path) < 200 ? path : NULL);
    if (!why)
        snprintf(g.path, sizeof(g.path), "%s", path);
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    g.created = time_now_ms();
    int rc = dir_group_create(r->ctl->store, NULL, &g);
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "a group with this path exists");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return http_reply_json(r, 201, json_pack("{s:o}", "group", group_json(&g)));
}

enum MHD_Result api_dir_groups_update(http_req_t *r)
{
    audit_note(r, "directory.group.update", NULL);
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_group_t g;
    int rc = group_by_arg(r, &g);
    if (rc != STORE_OK) {
        json_decref(body);
        return api_dir_not_found(r, rc, "no such group");
    }
    const char *why = json_object_get(body, "path")
                          ? "path: cannot change (create a new group)"
                          : text_fields(body, g.display_name, g.description);
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    audit_detail(r, "path", json_string(g.path));
    rc = dir_group_update(r->ctl->store, &g);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such group");
    return http_reply_json(r, 200, json_pack("{s:o}", "group", group_json(&g)));
}

/* Revokes the sessions of every member of a group or role about to go. */
static int revoke_member(void *ctx, const char *name)
{
    http_req_t *r = ctx;
    dir_user_t u;
    if (dir_user_get(r->ctl->store, NULL, name, &u) == STORE_OK) {
        idsession_revoke_user(r->ctl, u.id, "group or role deleted");
        idevent(r, "privilege.change", "success", 200, u.name,
                json_pack("{s:s}", "reason", "group or role deleted"));
    }
    return 0;
}

enum MHD_Result api_dir_groups_delete(http_req_t *r)
{
    audit_note(r, "directory.group.delete", NULL);
    dir_group_t g;
    int rc = group_by_arg(r, &g);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such group");
    audit_detail(r, "path", json_string(g.path));
    dir_members(r->ctl->store, DIR_GROUPS, g.id, revoke_member, r);
    rc = dir_group_delete(r->ctl->store, g.id);
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "the group has sub-groups; delete them first");
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such group");
    return http_reply(r, 204, NULL, NULL, 0);
}

enum MHD_Result api_dir_roles_list(http_req_t *r)
{
    json_t *list = json_array();
    int rc = dir_role_list(r->ctl->store, add_role, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "roles", list));
}

enum MHD_Result api_dir_roles_get(http_req_t *r)
{
    dir_role_t ro;
    int rc = dir_role_get(r->ctl->store, NULL, r->arg, &ro);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such role");
    return reply_with_members(r, "role", role_json(&ro), DIR_ROLES, ro.id);
}

enum MHD_Result api_dir_roles_create(http_req_t *r)
{
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_role_t ro;
    memset(&ro, 0, sizeof(ro));
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *why = api_valid_name(name) ? text_fields(body, NULL, ro.description)
                                           : "name: 1-64 of A-Z a-z 0-9 . _ - @";
    audit_note(r, "directory.role.create", why ? NULL : name);
    if (!why)
        snprintf(ro.name, sizeof(ro.name), "%s", name);
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    ro.created = time_now_ms();
    int rc = dir_role_create(r->ctl->store, NULL, &ro);
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "a role with this name exists");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return http_reply_json(r, 201, json_pack("{s:o}", "role", role_json(&ro)));
}

enum MHD_Result api_dir_roles_update(http_req_t *r)
{
    audit_note(r, "directory.role.update", NULL);
    enum MHD_Result hrc;
    json_t *body = http_json_body(r, &hrc);
    if (!body)
        return hrc;
    dir_role_t ro;
    int rc = dir_role_get(r->ctl->store, NULL, r->arg, &ro);
    const char *why = json_object_get(body, "name") ? "name: cannot change (create a new role)"
                                                    : text_fields(body, NULL, ro.description);
    json_decref(body);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such role");
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    rc = dir_role_update(r->ctl->store, &ro);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such role");
    return http_reply_json(r, 200, json_pack("{s:o}", "role", role_json(&ro)));
}

enum MHD_Result api_dir_roles_delete(http_req_t *r)
{
    audit_note(r, "directory.role.delete", NULL);
    dir_role_t ro;
    int rc = dir_role_get(r->ctl->store, NULL, r->arg, &ro);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such role");
    dir_members(r->ctl->store, DIR_ROLES, ro.id, revoke_member, r);
    rc = dir_role_delete(r->ctl->store, ro.name);
    if (rc != STORE_OK)
        return api_dir_not_found(r, rc, "no such role");
    return http_reply(r, 204, NULL, NULL, 0);
}
