/*
 * api_id.c — the login portal's API: login, the portal session, logout,
 * the hand-off to an application and single sign-on (see api_id.h).
 *
 * POST /api/v1/id/login {username, password, app?, rd?, n?} answers one of
 *   200 {"status": "ok", ...}                  logged in (no second factor)
 *   200 {"status": "mfa_required", "step_token", "methods"}
 *   200 {"status": "password_change_required", "step_token"}
 *   401 invalid_credentials, 429 throttled (Retry-After)
 * and writes an identity event and audit record either way.
 */
#include "api_id.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_id_webauthn.h"
#include "api_names.h"
#include "auth.h"
#include "idanomaly.h"
#include "idevent.h"
#include "idpassword.h"
#include "idsession.h"
#include "secret.h"
#include "store_idsess.h"
#include "timefmt.h"

/* ---- the portal session ------------------------------------------------------ */

static void portal_csrf(http_req_t *r, const char *sid, char out[CSRF_TOKEN_MAX])
{
    unsigned char mac[SECRET_SHA256_LEN];
    idservice_t *svc = r->ctl->identity;
    secret_hmac_sha256(svc->csrf_secret, sizeof(svc->csrf_secret), sid, strlen(sid), mac);
    secret_base64url(mac, sizeof(mac), out);
}

static void set_portal_cookie(http_req_t *r, const char *token)
{
    char line[IDTOKEN_MAX + 160];
    snprintf(line, sizeof(line), "%s=%s; Path=/api/v1/id; HttpOnly; SameSite=Strict%s%s",
             PORTAL_COOKIE, token ? token : "", token ? "" : "; Max-Age=0",
             http_cookie_secure(r) ? "; Secure" : "");
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, line);
    secret_wipe(line, sizeof(line));
}

void api_id_clear_cookie(http_req_t *r)
{
    set_portal_cookie(r, NULL);
}

int api_id_same_origin(http_req_t *r, enum MHD_Result *rc)
{
    const char *origin = http_header(r, "Origin"), *host = http_header(r, "Host");
    const char *site = http_header(r, "Sec-Fetch-Site");
    int ok = 1;
    if (origin) {
        const char *o = strstr(origin, "://");
        ok = o && host && strcasecmp(o + 3, host) == 0;
    }
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
        ok = 0;
    if (!ok)
        *rc =
            http_reply_error(r, 403, "cross_origin", "the portal API answers its own origin only");
    return ok ? 0 : -1;
}

int api_id_caller(http_req_t *r, int state_changing, idclaims_t *c, dir_user_t *u,
                  enum MHD_Result *rc)
{
    idservice_t *svc = r->ctl->identity;
    const char *token = http_cookie(r, PORTAL_COOKIE);
    int64_t now = time_now_ms() / 1000;
    idsess_t sess;
    if (!token || idtoken_verify(svc->keys, token, now, c) ||
        idsess_get(r->ctl->store, c->sid, &sess) != STORE_OK ||
        dir_user_get_id(r->ctl->store, c->uid, u) != STORE_OK || strcmp(u->state, "active")) {
        *rc = http_reply_error(r, 401, "unauthenticated", "log in at the portal");
        return -1;
    }
    if (state_changing) {
        char want[CSRF_TOKEN_MAX];
        portal_csrf(r, c->sid, want);
        const char *sent = http_header(r, CSRF_HEADER);
        if (!sent || strlen(sent) != strlen(want) || !secret_equal(sent, want, strlen(want))) {
            *rc = http_reply_error(r, 403, "csrf", "missing or wrong X-CSRF-Token");
            return -1;
        }
    }
    /* slide the idle timeout as the gateways do: at least every quarter of it */
    if (now - c->act > (c->idl / 4 < 60 ? c->idl / 4 : 60)) {
        idkey_mem_t key;
        char fresh[IDTOKEN_MAX + 1];
        c->act = now;
        if (idkeys_newest(svc->keys, &key) == 0 && idtoken_sign(&key, c, fresh, sizeof(fresh)))
            set_portal_cookie(r, fresh);
        secret_wipe(&key, sizeof(key));
    }
    return 0;
}

/* ---- hand-off ------------------------------------------------------------------ */

static int b64url_text(const char *s, size_t want)
{
    return strlen(s) == want &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == want;
}

const char *api_id_target(json_t *body, idtarget_t *t)
{
    memset(t, 0, sizeof(*t));
    const char *app = json_string_value(json_object_get(body, "app"));
    const char *rd = json_string_value(json_object_get(body, "rd"));
    const char *n = json_string_value(json_object_get(body, "n"));
    if (!app && !rd && !n)
        return NULL;
    if (!api_valid_name(app) || !rd || strlen(rd) >= sizeof(t->rd) || !n || !b64url_text(n, 22))
        return "app, rd and n: as the gateway's redirect gave them";
    snprintf(t->app, sizeof(t->app), "%s", app);
    snprintf(t->rd, sizeof(t->rd), "%s", rd);
    snprintf(t->n, sizeof(t->n), "%s", n);
    return NULL;
}

typedef struct {
    const char *rd;
    int found;
} rd_match_t;

/* Is rd on the host and under the path prefix of this application? */
static int rd_on_app(void *ctx, const store_app_t *app)
{
    rd_match_t *m = ctx;
    const char *rd = m->rd;
    size_t scheme = strncmp(rd, "https://", 8) == 0 ? 8 : strncmp(rd, "http://", 7) == 0 ? 7 : 0;
    if (!scheme || strcmp(app->host, "*") == 0)
        return 0;
    const char *authority = rd + scheme;
    size_t alen = strcspn(authority, "/?#"), hlen = strcspn(authority, ":/?#");
    if (memchr(authority, '@', alen) || hlen != strlen(app->host) ||
        strncasecmp(authority, app->host, hlen) != 0 ||
        (authority[hlen] == ':' && strspn(authority + hlen + 1, "0123456789") != alen - hlen - 1))
        return 0;
    const char *path = authority + alen;
    m->found = *path == '/' && strncmp(path, app->path_prefix, strlen(app->path_prefix)) == 0;
    return m->found;
}

/* The hand-off URL for c to target, or -1 when rd is not on the
 * application's registered host and path (no open redirect). */
static int handoff_url(http_req_t *r, const idclaims_t *c, const idtarget_t *t, char *out,
                       size_t cap)
{
    store_app_t app;
    if (r->ctl->store->ops->app_get(r->ctl->store, t->app, &app) != STORE_OK ||
        strcmp(app.host, "*") == 0)
        return -1;
    const char *rd = t->rd;
    rd_match_t m = {rd, 0};
    for (const unsigned char *p = (const unsigned char *)rd; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
            return -1;
    if (!rd_on_app(&m, &app))
        return -1;
    size_t scheme = strncmp(rd, "https://", 8) == 0 ? 8 : 7;
    size_t alen = strcspn(rd + scheme, "/?#");
    idkey_mem_t key;
    char handoff[IDTOKEN_MAX + 1], rd_enc[3 * sizeof(t->rd)];
    if (idkeys_newest(r->ctl->identity->keys, &key))
        return -1;
    idclaims_t fresh = *c; /* the gateway's idle clock starts at the hand-off */
    int64_t now = time_now_ms() / 1000;
    if (fresh.act < now)
        fresh.act = now;
    size_t len = idtoken_handoff(&key, &fresh, t->n, now + 60, handoff, sizeof(handoff));
    secret_wipe(&key, sizeof(key));
    if (!len || !idtoken_pct(rd, rd_enc, sizeof(rd_enc)))
        return -1;
    int n = snprintf(out, cap, "%.*s/.rampart/session?h=%s&rd=%s", (int)(scheme + alen), rd,
                     handoff, rd_enc);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* ---- completing a login -------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap;
    int overflow;
} join_t;

static int join_name(void *ctx, const char *name)
{
    join_t *j = ctx;
    size_t used = strlen(j->out);
    if (used + strlen(name) + 2 > j->cap) {
        j->overflow = 1;
        return 1;
    }
    snprintf(j->out + used, j->cap - used, "%s%s", used ? "," : "", name);
    return 0;
}

static int new_sid(char out[IDTOKEN_SID_LEN + 1])
{
    unsigned char raw[16];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), out);
    return 0;
}

enum MHD_Result api_id_complete(http_req_t *r, dir_user_t *u, const char *amr,
                                const idtarget_t *target)
{
    idservice_t *svc = r->ctl->identity;
    store_t *s = r->ctl->store;
    idclaims_t c;
    memset(&c, 0, sizeof(c));
    join_t ro = {c.ro, sizeof(c.ro), 0}, gr = {c.gr, sizeof(c.gr), 0};
    int rc = dir_memberships(s, NULL, u->id, DIR_ROLES, join_name, &ro);
    if (rc == STORE_OK)
        rc = dir_memberships(s, NULL, u->id, DIR_GROUPS, join_name, &gr);
    int64_t before = 0;
    if (rc == STORE_OK)
        rc = idrev_user_before(s, u->id, &before);
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    int64_t now = time_now_ms() / 1000;
    if (new_sid(c.sid))
        return http_reply_error(r, 500, "internal", "no randomness");
    c.uid = u->id;
    snprintf(c.sub, sizeof(c.sub), "%s", u->name);
    snprintf(c.amr, sizeof(c.amr), "%s", amr);
    /* a token issued in the second of a revocation would be revoked too */
    c.iat = c.act = now > before ? now : before;
    c.exp = c.iat + r->cfg->id.session_absolute_s;
    c.idl = r->cfg->id.session_idle_s;
    idkey_mem_t key;
    char token[IDTOKEN_MAX + 1];
    if (idkeys_refresh(r->ctl, svc->keys) != STORE_OK || idkeys_newest(svc->keys, &key))
        return http_reply_error(r, 503, "no_key", "no session key; see the rampartd log");
    size_t len = ro.overflow || gr.overflow ? 0 : idtoken_sign(&key, &c, token, sizeof(token));
    secret_wipe(&key, sizeof(key));
    if (!len)
        return http_reply_error(r, 422, "too_many_memberships",
                                "the user's roles and groups do not fit a session token");
    char url[IDTOKEN_MAX * 3 + 4200] = "";
    if (target && target->app[0] && handoff_url(r, &c, target, url, sizeof(url))) {
        idevent(r, "handoff.refused", "denied", 400, u->name,
                json_pack("{s:s}", "app", target->app));
        return http_reply_error(r, 400, "bad_redirect",
                                "rd is not on the application's registered host and path");
    }
    idsess_t sess;
    memset(&sess, 0, sizeof(sess));
    snprintf(sess.sid, sizeof(sess.sid), "%s", c.sid);
    sess.user_id = u->id;
    snprintf(sess.amr, sizeof(sess.amr), "%s", amr);
    snprintf(sess.app, sizeof(sess.app), "%s", target ? target->app : "");
    snprintf(sess.client, sizeof(sess.client), "%s", r->client);
    sess.created = time_now_ms();
    sess.expires = c.exp * 1000;
    idsession_housekeeping(r->ctl); /* sessions that ended by time leave the list */
    if ((rc = idsess_create(s, &sess)) != STORE_OK)
        return api_store_error(r, rc);
    idlogin_succeeded(r, svc->login, u);
    set_portal_cookie(r, token);
    secret_wipe(token, sizeof(token));
    char csrf[CSRF_TOKEN_MAX];
    portal_csrf(r, c.sid, csrf);
    idevent(r, "login.success", "success", 200, u->name,
            json_pack("{s:s, s:s, s:s?}", "amr", amr, "sid", c.sid, "app",
                      target && target->app[0] ? target->app : NULL));
    idanomaly_login(r, svc->anomaly, u->name);
    return http_reply_json(r, 200,
                           json_pack("{s:s, s:{s:s, s:s}, s:s, s:I, s:s, s:s?}", "status", "ok",
                                     "user", "name", u->name, "display_name", u->display_name,
                                     "amr", amr, "expires", (json_int_t)c.exp, "csrf_token", csrf,
                                     "redirect", url[0] ? url : NULL));
}

/* ---- login --------------------------------------------------------------------------- */

static enum MHD_Result step_reply(http_req_t *r, dir_user_t *u, idstep_kind_t kind,
                                  const idtarget_t *t)
{
    idstep_t step = {.kind = kind,
                     .uid = u->id,
                     .expires_ms = time_now_ms() + IDSTEP_TTL_S * 1000LL,
                     .target = *t};
    snprintf(step.amr, sizeof(step.amr), "pwd");
    char token[IDSTEP_TOKEN_LEN + 1];
    if (idstep_create(r->ctl->identity->login, &step, token))
        return http_reply_error(r, 503, "busy", "too many logins in progress; try again");
    int mfa = kind == IDSTEP_MFA;
    idevent(r, mfa ? "login.mfa_required" : "login.password_expired", "success", 200, u->name,
            NULL);
    json_t *o =
        json_pack("{s:s, s:s, s:i}", "status", mfa ? "mfa_required" : "password_change_required",
                  "step_token", token, "expires_in", IDSTEP_TTL_S);
    /* the rules a new password must meet: the portal states them */
    json_object_set_new(o, "password_policy", idpw_policy_json(&r->cfg->id));
    if (mfa) {
        json_t *methods = json_array();
        if (u->totp_state == DIR_TOTP_ACTIVE) {
            json_array_append_new(methods, json_string("totp"));
            json_array_append_new(methods, json_string("recovery_code"));
        }
        if (api_id_webauthn_count(r->ctl->store, u->id) > 0)
            json_array_append_new(methods, json_string("webauthn"));
        json_object_set_new(o, "methods", methods);
    }
    secret_wipe(token, sizeof(token));
    return http_reply_json(r, 200, o);
}

enum MHD_Result api_id_throttled(http_req_t *r, const char *user, int retry_after, const char *why)
{
    char after[16];
    snprintf(after, sizeof(after), "%d", retry_after);
    http_add_header(r, "Retry-After", after);
    idevent(r, "login.throttled", "throttled", 429, user,
            json_pack("{s:s, s:i}", "reason", why, "retry_after", retry_after));
    return http_reply_error(r, 429, "throttled", "too many attempts; wait and try again");
}

enum MHD_Result api_id_login(http_req_t *r)
{
    enum MHD_Result rc;
    if (api_id_same_origin(r, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    const char *name = json_string_value(json_object_get(body, "username"));
    const char *password = json_string_value(json_object_get(body, "password"));
    idtarget_t target;
    const char *bad = api_id_target(body, &target);
    if (!bad && (!api_valid_name(name) || !password || strlen(password) > 1024))
        bad = "username and password are required";
    if (bad) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request", bad);
    }
    idservice_t *svc = r->ctl->identity;
    dir_user_t u;
    int retry = 0;
    const char *why = NULL;
    char user[65];
    snprintf(user, sizeof(user), "%s", name);
    idlogin_result_t res = idlogin_password(r, svc->login, user, password, &u, &retry, &why);
    json_decref(body); /* the password lives in it until here */
    name = user;
    if (res == IDLOGIN_ERROR)
        return api_store_error(r, STORE_ERROR);
    if (res == IDLOGIN_UNAVAILABLE) {
        idevent(r, "login.failure", "error", 503, name,
                json_pack("{s:s, s:s}", "reason", "directory_unavailable", "detail", why));
        return http_reply_error(r, 503, "directory_unavailable",
                                "the user directory cannot be reached; try again later");
    }
    if (res == IDLOGIN_THROTTLED)
        return api_id_throttled(r, name, retry, why);
    if (res == IDLOGIN_FAILED) {
        idevent(r, "login.failure", "denied", 401, name, json_pack("{s:s}", "reason", why));
        const idconf_t *id = &r->cfg->id;
        if (strcmp(why, "bad_password") == 0 && u.failures + 1 == id->login_lock_after)
            idevent(r, "lockout", "denied", 401, name,
                    json_pack("{s:i, s:i}", "failures", id->login_lock_after, "seconds",
                              id->login_lock_s));
        return http_reply_error(r, 401, "invalid_credentials",
                                "wrong user name or password, or the account cannot log in now");
    }
    if (u.totp_state == DIR_TOTP_ACTIVE || api_id_webauthn_count(r->ctl->store, u.id) > 0)
        return step_reply(r, &u, IDSTEP_MFA, &target);
    if (idpw_expired(&r->cfg->id, &u, time_now_ms()))
        return step_reply(r, &u, IDSTEP_PASSWORD, &target);
    return api_id_complete(r, &u, "pwd", &target);
}

/* ---- the portal session ------------------------------------------------------------- */

enum MHD_Result api_id_session(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 0, &c, &u, &rc))
        return rc;
    char csrf[CSRF_TOKEN_MAX];
    portal_csrf(r, c.sid, csrf);
    json_t *ro = json_array(), *gr = json_array();
    for (char *list = c.ro, *tok; (tok = strtok_r(list, ",", &list));)
        json_array_append_new(ro, json_string(tok));
    for (char *list = c.gr, *tok; (tok = strtok_r(list, ",", &list));)
        json_array_append_new(gr, json_string(tok));
    return http_reply_json(
        r, 200,
        json_pack("{s:{s:s, s:s, s:s, s:b}, s:o, s:o, s:s, s:s, s:I, s:I, s:s, "
                  "s:o}",
                  "user", "name", u.name, "display_name", u.display_name, "email", u.email,
                  "mfa_totp", u.totp_state == DIR_TOTP_ACTIVE, "roles", ro, "groups", gr, "amr",
                  c.amr, "sid", c.sid, "issued", (json_int_t)c.iat, "expires", (json_int_t)c.exp,
                  "csrf_token", csrf, "password_policy", idpw_policy_json(&r->cfg->id)));
}

/* 1 when rd may be redirected to: a registered application's host and path. */
static int registered_rd(http_req_t *r, const char *rd)
{
    for (const unsigned char *p = (const unsigned char *)rd; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
            return 0;
    rd_match_t m = {rd, 0};
    return strlen(rd) < 2048 &&
           r->ctl->store->ops->app_list(r->ctl->store, rd_on_app, &m) == STORE_OK && m.found;
}

/* POST /api/v1/id/logout [{"rd"}]: 204, or 200 {"redirect"} when rd is on
 * a registered application (where the gateway's /.rampart/logout came
 * from); any other rd is dropped (no open redirect). */
enum MHD_Result api_id_logout(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    char rd[2048] = "";
    if (r->body.len) {
        json_t *body = http_json_body(r, &rc);
        if (!body)
            return rc;
        const char *v = json_string_value(json_object_get(body, "rd"));
        if (v && registered_rd(r, v))
            snprintf(rd, sizeof(rd), "%s", v);
        json_decref(body);
    }
    idsession_revoke_sid(r->ctl, c.sid, c.exp, "logout");
    set_portal_cookie(r, NULL);
    idevent(r, "logout", "success", rd[0] ? 200 : 204, u.name, json_pack("{s:s}", "sid", c.sid));
    if (rd[0])
        return http_reply_json(r, 200, json_pack("{s:s}", "redirect", rd));
    return http_reply(r, 204, NULL, NULL, 0);
}

enum MHD_Result api_id_logout_everywhere(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    idsession_revoke_user(r->ctl, u.id, "logout everywhere");
    set_portal_cookie(r, NULL);
    idevent(r, "logout.everywhere", "success", 204, u.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}

/* Single sign-on: a logged-in user reaching another application. */
enum MHD_Result api_id_handoff(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    json_t *body = http_json_body(r, &rc);
    if (!body)
        return rc;
    idtarget_t t;
    const char *bad = api_id_target(body, &t);
    json_decref(body);
    char url[IDTOKEN_MAX * 3 + 4200];
    if (bad || !t.app[0] || handoff_url(r, &c, &t, url, sizeof(url))) {
        idevent(r, "handoff.refused", "denied", 400, u.name, NULL);
        return http_reply_error(r, 400, "bad_redirect",
                                bad ? bad : "rd is not on the application's registered host");
    }
    idevent(r, "handoff", "success", 200, u.name, json_pack("{s:s}", "app", t.app));
    return http_reply_json(r, 200, json_pack("{s:s}", "redirect", url));
}
