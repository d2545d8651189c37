/*
 * api_users.c — console accounts (admin manages, auditor may list).
 *
 * A new or reset account gets a one-time password shown once in the
 * answer unless the admin supplies one; either way it must be changed at
 * first login. Guards: nobody removes, disables or demotes the last
 * active admin, and an admin cannot delete or disable their own account.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_names.h"
#include "audit_hook.h"
#include "log.h"
#include "password.h"
#include "secret.h"
#include "timefmt.h"

#define ONE_TIME_PASSWORD_LEN 20

static json_t *user_json(const store_user_t *u)
{
    char created[TIME_RFC3339_MAX], updated[TIME_RFC3339_MAX], changed[TIME_RFC3339_MAX];
    time_format_rfc3339(u->created, created);
    time_format_rfc3339(u->updated, updated);
    time_format_rfc3339(u->pw_changed, changed);
    return json_pack("{s:I, s:s, s:s, s:b, s:b, s:s, s:s, s:s}", "id", (json_int_t)u->id, "name",
                     u->name, "role", u->role, "must_change_password", u->must_change, "disabled",
                     u->disabled, "created", created, "updated", updated, "password_changed",
                     changed);
}

static int add_user(void *ctx, const store_user_t *u)
{
    json_array_append_new(ctx, user_json(u));
    return 0;
}

enum MHD_Result api_users_list(http_req_t *r)
{
    json_t *list = json_array();
    int rc = r->ctl->store->ops->user_list(r->ctl->store, add_user, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "users", list));
}

/* Sets u->pw_hash from the body's password, or from a fresh one-time
 * password written to otp. NULL, or the reason it failed. */
static const char *choose_password(http_req_t *r, json_t *body, store_user_t *u,
                                   char otp[ONE_TIME_PASSWORD_LEN + 1])
{
    otp[0] = '\0';
    json_t *pw = json_object_get(body, "password");
    const char *chosen;
    if (pw && !json_is_null(pw)) {
        if (!json_is_string(pw))
            return "password must be a string";
        chosen = json_string_value(pw);
        const char *weak = password_policy_check(u->name, chosen);
        if (weak)
            return weak;
    } else {
        if (secret_password(otp, ONE_TIME_PASSWORD_LEN))
            return "cannot generate a password";
        chosen = otp;
    }
    if (password_hash(r->cfg, chosen, u->pw_hash, sizeof(u->pw_hash)))
        return "cannot hash the password";
    u->must_change = 1;
    return NULL;
}

static enum MHD_Result reply_user(http_req_t *r, unsigned status, const store_user_t *u, char *otp)
{
    json_t *o = json_pack("{s:o}", "user", user_json(u));
    if (o && otp[0])
        json_object_set_new(o, "one_time_password", json_string(otp));
    enum MHD_Result rc = http_reply_json(r, status, o);
    secret_wipe(otp, ONE_TIME_PASSWORD_LEN + 1);
    return rc;
}

enum MHD_Result api_users_create(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *role = json_string_value(json_object_get(body, "role"));
    if (!api_valid_name(name) || !role_is_human(role_parse(role))) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "name (1-64 of A-Z a-z 0-9 . _ - @) and role (admin, secops or "
                                "auditor) are required");
    }
    audit_note(r, "user.create", name);
    audit_detail(r, "role", json_string(role));
    store_user_t u;
    memset(&u, 0, sizeof(u));
    snprintf(u.name, sizeof(u.name), "%s", name);
    snprintf(u.role, sizeof(u.role), "%s", role);
    u.created = u.updated = u.pw_changed = time_now_ms();
    char otp[ONE_TIME_PASSWORD_LEN + 1];
    const char *why = choose_password(r, body, &u, otp);
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "weak_password", why);
    int st = r->ctl->store->ops->user_create(r->ctl->store, &u);
    if (st == STORE_CONFLICT) {
        secret_wipe(otp, sizeof(otp));
        return http_reply_error(r, 409, "conflict", "an account with this name exists");
    }
    if (st != STORE_OK) {
        secret_wipe(otp, sizeof(otp));
        return api_store_error(r, st);
    }
    log_kv(LOG_LEVEL_INFO, "account created", "account", u.name, "role", u.role, "by", r->who.name,
           NULL);
    return reply_user(r, 201, &u, otp);
}

/* Would this change leave no enabled admin? */
static int removes_last_admin(http_req_t *r, const store_user_t *before, int still_admin)
{
    if (strcmp(before->role, "admin") != 0 || before->disabled || still_admin)
        return 0;
    int64_t admins = 0;
    if (r->ctl->store->ops->user_count_active_admins(r->ctl->store, &admins) != STORE_OK)
        return 1;
    return admins <= 1;
}

enum MHD_Result api_users_update(http_req_t *r)
{
    audit_note(r, "user.update", NULL);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    store_t *s = r->ctl->store;
    store_user_t u;
    int st = s->ops->user_get_by_name(s, r->arg, &u);
    if (st != STORE_OK) {
        json_decref(body);
        return st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such account")
                                     : api_store_error(r, st);
    }
    json_t *role = json_object_get(body, "role");
    json_t *disabled = json_object_get(body, "disabled");
    json_t *reset = json_object_get(body, "reset_password");
    if ((role && !role_is_human(role_parse(json_string_value(role)))) ||
        (disabled && !json_is_boolean(disabled)) || (reset && !json_is_boolean(reset)) ||
        (!role && !disabled && !reset)) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "expected role (admin, secops, auditor), disabled (bool) and/or "
                                "reset_password (bool)");
    }
    static const char *const changes[] = {"role", "disabled", "reset_password"};
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
        if (json_object_get(body, changes[i]))
            audit_detail(r, changes[i], json_incref(json_object_get(body, changes[i])));
    store_user_t before = u;
    if (role)
        snprintf(u.role, sizeof(u.role), "%s", json_string_value(role));
    if (disabled)
        u.disabled = json_is_true(disabled);
    if (u.id == r->who.user_id && (u.disabled || strcmp(u.role, before.role) != 0)) {
        json_decref(body);
        return http_reply_error(r, 409, "conflict",
                                "you cannot disable your own account or change your own role");
    }
    if (removes_last_admin(r, &before, strcmp(u.role, "admin") == 0 && !u.disabled)) {
        json_decref(body);
        return http_reply_error(r, 409, "conflict", "this would leave no enabled admin");
    }
    char otp[ONE_TIME_PASSWORD_LEN + 1] = "";
    if (reset && json_is_true(reset)) {
        json_t *empty = json_object();
        const char *why = choose_password(r, empty, &u, otp);
        json_decref(empty);
        if (why) {
            json_decref(body);
            return http_reply_error(r, 500, "internal", why);
        }
        u.pw_changed = time_now_ms();
    }
    json_decref(body);
    u.updated = time_now_ms();
    st = s->ops->user_update(s, &u);
    if (st != STORE_OK) {
        secret_wipe(otp, sizeof(otp));
        return api_store_error(r, st);
    }
    if (u.disabled || otp[0] || strcmp(u.role, before.role) != 0)
        s->ops->session_delete_user(s, u.id, NULL);
    log_kv(LOG_LEVEL_INFO, "account changed", "account", u.name, "role", u.role, "disabled",
           u.disabled ? "yes" : "no", "password_reset", otp[0] ? "yes" : "no", "by", r->who.name,
           NULL);
    return reply_user(r, 200, &u, otp);
}

enum MHD_Result api_users_delete(http_req_t *r)
{
    audit_note(r, "user.delete", NULL);
    store_t *s = r->ctl->store;
    store_user_t u;
    int st = s->ops->user_get_by_name(s, r->arg, &u);
    if (st != STORE_OK)
        return st == STORE_NOT_FOUND ? http_reply_error(r, 404, "not_found", "no such account")
                                     : api_store_error(r, st);
    if (u.id == r->who.user_id)
        return http_reply_error(r, 409, "conflict", "you cannot delete your own account");
    if (removes_last_admin(r, &u, 0))
        return http_reply_error(r, 409, "conflict", "this would leave no enabled admin");
    st = s->ops->user_delete(s, u.id);
    if (st != STORE_OK)
        return api_store_error(r, st);
    log_kv(LOG_LEVEL_INFO, "account deleted", "account", u.name, "by", r->who.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}
