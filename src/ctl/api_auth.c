/*
 * api_auth.c — console login, logout, the caller's session, password
 * change.
 *
 * Login answers the same 401 for an unknown account, a wrong password and
 * a disabled account, after the same argon2id work, so neither the answer
 * nor its timing tells which accounts exist. Throttling (throttle.h)
 * answers 429 before any hashing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "audit_hook.h"
#include "audit_log.h"
#include "auth.h"
#include "log.h"
#include "password.h"
#include "secret.h"
#include "throttle.h"
#include "timefmt.h"

/* A string member of the body, NULL unless present, a string and at most
 * max bytes. */
static const char *body_string(json_t *body, const char *key, size_t max)
{
    json_t *v = json_object_get(body, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return NULL;
    return json_string_value(v);
}

static enum MHD_Result throttled(http_req_t *r, int wait_s, const char *account)
{
    atomic_fetch_add(&r->ctl->metrics.logins_throttled, 1);
    log_kv(LOG_LEVEL_WARN, "login throttled", "account", account, "client", r->client,
           "retry_after_s", LOG_INT(wait_s), NULL);
    char retry[16];
    snprintf(retry, sizeof(retry), "%d", wait_s);
    http_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    return http_reply_json(r, 429,
                           json_pack("{s:s, s:s, s:i}", "error", "throttled", "message",
                                     "too many failed logins; try again later", "retry_after",
                                     wait_s));
}

static json_t *session_json(const http_req_t *r, const char *name, const char *role,
                            int must_change, const char *csrf)
{
    json_t *o = json_pack("{s:s, s:s, s:b, s:i, s:i}", "name", name, "role", role,
                          "must_change_password", must_change, "idle_timeout_s",
                          r->cfg->session_idle_s, "absolute_timeout_s", r->cfg->session_absolute_s);
    if (o && csrf)
        json_object_set_new(o, "csrf_token", json_string(csrf));
    return o;
}

enum MHD_Result api_login(http_req_t *r)
{
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = body_string(body, "username", STORE_NAME_MAX);
    const char *password = body_string(body, "password", PASSWORD_MAX_BYTES);
    if (!name || !password) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "username (1-64 bytes) and password (1-1024 bytes) are required");
    }
    int64_t now = time_now_ms();
    audit_note(r, NULL, name);
    int wait_s = throttle_check(r->ctl->throttle, r->cfg, name, r->client, now);
    if (wait_s) {
        if (audit_log_admit_noise(r->ctl->audit))
            audit_event(r, name, "", "auth.login", "throttled", 429,
                        json_pack("{s:i}", "retry_after_s", wait_s));
        rc = throttled(r, wait_s, name);
        json_decref(body);
        return rc;
    }
    store_t *s = r->ctl->store;
    store_user_t u;
    int found = s->ops->user_get_by_name(s, name, &u);
    if (found != STORE_OK && found != STORE_NOT_FOUND) {
        json_decref(body);
        return api_store_error(r, found);
    }
    int ok = 0;
    if (found == STORE_OK)
        ok = password_verify(u.pw_hash, password) == 1 && !u.disabled;
    else
        password_waste_time(r->cfg, password);
    if (!ok) {
        throttle_failure(r->ctl->throttle, r->cfg, name, r->client, now);
        /* The failure that locks the account (or the address) says so. */
        int locked_for = throttle_check(r->ctl->throttle, r->cfg, name, r->client, now);
        audit_event(r, name, found == STORE_OK ? u.role : "", "auth.login",
                    locked_for ? "locked" : "failure", 401,
                    json_pack("{s:s, s:i}", "reason",
                              found != STORE_OK ? "unknown account"
                              : u.disabled      ? "account disabled"
                                                : "wrong password",
                              "locked_for_s", locked_for));
        atomic_fetch_add(&r->ctl->metrics.logins_failed, 1);
        log_kv(LOG_LEVEL_WARN, "login failed", "account", name, "client", r->client, NULL);
        json_decref(body);
        return http_reply_error(r, 401, "invalid_credentials", "wrong account name or password");
    }
    json_decref(body);
    throttle_success(r->ctl->throttle, u.name);
    /* Fail closed: a login that cannot be audited does not happen. */
    if (audit_event(r, u.name, u.role, "auth.login", "success", 200, NULL) != STORE_OK)
        return http_reply_error(r, 503, "audit_unavailable",
                                "the login cannot be audited right now, so it was refused");
    char csrf[CSRF_TOKEN_MAX];
    if (auth_session_start(r, &u, csrf))
        return http_reply_error(r, 503, "store_error", "cannot start a session right now");
    atomic_fetch_add(&r->ctl->metrics.logins_ok, 1);
    log_kv(LOG_LEVEL_INFO, "login", "account", u.name, "role", u.role, "client", r->client, NULL);
    return http_reply_json(r, 200, session_json(r, u.name, u.role, u.must_change, csrf));
}

enum MHD_Result api_logout(http_req_t *r)
{
    if (r->who.kind != WHO_SESSION)
        return http_reply_error(r, 400, "no_session", "API tokens have no session to end");
    audit_note(r, "auth.logout", r->who.name);
    auth_session_end(r);
    log_kv(LOG_LEVEL_INFO, "logout", "account", r->who.name, NULL);
    return http_reply_json(r, 200, json_pack("{s:s}", "status", "logged out"));
}

enum MHD_Result api_session(http_req_t *r)
{
    char csrf[CSRF_TOKEN_MAX];
    const char *csrf_out = NULL;
    if (r->who.kind == WHO_SESSION) {
        auth_csrf_token(r->who.session_token, csrf);
        csrf_out = csrf;
    }
    json_t *o = session_json(r, r->who.name, role_name(r->who.role), r->who.must_change, csrf_out);
    if (o) {
        json_object_set_new(o, "kind",
                            json_string(r->who.kind == WHO_SESSION ? "session" : "token"));
        json_t *perms = json_array();
        for (int p = PERM_SELF; p < PERM_COUNT; p++)
            if (authz_allows(r->who.role, (perm_t)p))
                json_array_append_new(perms, json_string(perm_name((perm_t)p)));
        json_object_set_new(o, "permissions", perms);
    }
    return http_reply_json(r, 200, o);
}

enum MHD_Result api_password(http_req_t *r)
{
    if (r->who.kind != WHO_SESSION)
        return http_reply_error(r, 400, "no_session",
                                "API tokens have no password; log in as the account");
    audit_note(r, "auth.password_change", r->who.name);
    enum MHD_Result rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *current = body_string(body, "current_password", PASSWORD_MAX_BYTES);
    json_t *nv = json_object_get(body, "new_password");
    if (!current || !json_is_string(nv)) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "current_password and new_password are required");
    }
    const char *fresh = json_string_value(nv);
    int64_t now = time_now_ms();
    int wait_s = throttle_check(r->ctl->throttle, r->cfg, r->who.name, r->client, now);
    if (wait_s) {
        rc = throttled(r, wait_s, r->who.name);
        json_decref(body);
        return rc;
    }
    store_t *s = r->ctl->store;
    store_user_t u;
    int found = s->ops->user_get_by_id(s, r->who.user_id, &u);
    if (found != STORE_OK) {
        json_decref(body);
        return api_store_error(r, found);
    }
    if (password_verify(u.pw_hash, current) != 1) {
        throttle_failure(r->ctl->throttle, r->cfg, u.name, r->client, now);
        json_decref(body);
        log_kv(LOG_LEVEL_WARN, "password change refused: wrong current password", "account", u.name,
               "client", r->client, NULL);
        return http_reply_error(r, 403, "invalid_credentials", "the current password is wrong");
    }
    const char *weak = password_policy_check(u.name, fresh);
    if (!weak && strcmp(current, fresh) == 0)
        weak = "the new password must differ from the current one";
    if (weak) {
        json_decref(body);
        return http_reply_error(r, 400, "weak_password", weak);
    }
    char hash[STORE_PWHASH_MAX + 1];
    int hashed = password_hash(r->cfg, fresh, hash, sizeof(hash));
    json_decref(body);
    if (hashed)
        return http_reply_error(r, 500, "internal", "cannot hash the password");
    snprintf(u.pw_hash, sizeof(u.pw_hash), "%s", hash);
    u.must_change = 0;
    u.updated = u.pw_changed = now;
    int up = s->ops->user_update(s, &u);
    if (up != STORE_OK)
        return api_store_error(r, up);
    /* Other sessions of the account were opened with the old password. */
    s->ops->session_delete_user(s, u.id, r->who.session_hash);
    if (r->ctl->bootstrap_file[0] && strcmp(u.name, "admin") == 0 &&
        unlink(r->ctl->bootstrap_file) == 0) {
        log_kv(LOG_LEVEL_INFO, "first-run password file removed", "path", r->ctl->bootstrap_file,
               NULL);
    }
    log_kv(LOG_LEVEL_INFO, "password changed", "account", u.name, "client", r->client, NULL);
    return http_reply_json(r, 200, json_pack("{s:s}", "status", "password changed"));
}
