/*
 * auth.c — identifying callers (see auth.h).
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define SESSION_TOKEN_BYTES 32
#define TOUCH_EVERY_MS      15000 /* session last_seen granularity: fewer writes */
#define TOKEN_TOUCH_MS      60000
#define BEARER_MAX          128

static auth_result_t identify_token(http_req_t *r, const char *value)
{
    if (strncasecmp(value, "Bearer ", 7) != 0)
        return AUTH_BAD_TOKEN;
    const char *token = value + 7;
    while (*token == ' ')
        token++;
    size_t n = strlen(token);
    if (n == 0 || n > BEARER_MAX)
        return AUTH_BAD_TOKEN;
    unsigned char hash[STORE_HASH_LEN];
    secret_sha256(token, n, hash);
    store_token_t t;
    store_t *s = r->ctl->store;
    int rc = s->ops->token_get_by_hash(s, hash, &t);
    if (rc == STORE_NOT_FOUND)
        return AUTH_BAD_TOKEN;
    if (rc != STORE_OK)
        return AUTH_STORE_ERROR;
    /* The lookup was by hash; comparing again costs nothing and keeps the
     * decision on a constant-time comparison. */
    if (!secret_equal(hash, t.hash, sizeof(hash)))
        return AUTH_BAD_TOKEN;
    int64_t now = time_now_ms();
    if (t.revoked || (t.expires && t.expires <= now))
        return AUTH_BAD_TOKEN;
    role_t role = role_parse(t.role);
    if (role == ROLE_NONE)
        return AUTH_BAD_TOKEN;
    r->who.kind = WHO_TOKEN;
    r->who.role = role;
    r->who.token_id = t.id;
    snprintf(r->who.name, sizeof(r->who.name), "token:%s", t.name);
    if (now - t.last_used > TOKEN_TOUCH_MS)
        s->ops->token_touch(s, t.id, now);
    return AUTH_OK;
}

static auth_result_t identify_session(http_req_t *r, const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n >= sizeof(r->who.session_token))
        return AUTH_ANONYMOUS;
    unsigned char hash[STORE_HASH_LEN];
    secret_sha256(token, n, hash);
    store_t *s = r->ctl->store;
    store_session_t sess;
    int rc = s->ops->session_get(s, hash, &sess);
    if (rc == STORE_NOT_FOUND)
        return AUTH_ANONYMOUS;
    if (rc != STORE_OK)
        return AUTH_STORE_ERROR;
    int64_t now = time_now_ms();
    store_user_t u;
    rc = s->ops->user_get_by_id(s, sess.user_id, &u);
    if (rc == STORE_ERROR)
        return AUTH_STORE_ERROR;
    if (rc != STORE_OK || u.disabled ||
        now - sess.last_seen > (int64_t)r->cfg->session_idle_s * 1000 || now >= sess.expires ||
        now - sess.created > (int64_t)r->cfg->session_absolute_s * 1000) {
        s->ops->session_delete(s, hash);
        return AUTH_ANONYMOUS;
    }
    role_t role = role_parse(u.role);
    if (role == ROLE_NONE)
        return AUTH_ANONYMOUS;
    r->who.kind = WHO_SESSION;
    r->who.role = role;
    r->who.user_id = u.id;
    r->who.must_change = u.must_change;
    snprintf(r->who.name, sizeof(r->who.name), "%s", u.name);
    memcpy(r->who.session_hash, hash, sizeof(hash));
    snprintf(r->who.session_token, sizeof(r->who.session_token), "%s", token);
    if (now - sess.last_seen > TOUCH_EVERY_MS)
        s->ops->session_touch(s, hash, now);
    return AUTH_OK;
}

auth_result_t auth_identify(http_req_t *r)
{
    const char *authorization = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authorization)
        return identify_token(r, authorization);
    const char *cookie = http_cookie(r, SESSION_COOKIE);
    if (cookie)
        return identify_session(r, cookie);
    return AUTH_ANONYMOUS;
}

void auth_csrf_token(const char *session_token, char out[CSRF_TOKEN_MAX])
{
    unsigned char mac[SECRET_SHA256_LEN];
    static const char label[] = "rampart-csrf";
    secret_hmac_sha256(session_token, strlen(session_token), label, sizeof(label) - 1, mac);
    secret_base64url(mac, sizeof(mac), out);
}

int auth_csrf_ok(http_req_t *r)
{
    if (r->who.kind != WHO_SESSION)
        return 1;
    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
        return 1;
    const char *sent = http_header(r, CSRF_HEADER);
    if (!sent)
        return 0;
    char expected[CSRF_TOKEN_MAX];
    auth_csrf_token(r->who.session_token, expected);
    size_t n = strlen(expected);
    return strlen(sent) == n && secret_equal(sent, expected, n);
}

static void set_session_cookie(http_req_t *r, const char *value, int clear)
{
    char line[256];
    snprintf(line, sizeof(line), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", SESSION_COOKIE,
             value, clear ? "; Max-Age=0" : "", http_cookie_secure(r) ? "; Secure" : "");
    http_add_header(r, MHD_HTTP_HEADER_SET_COOKIE, line);
    secret_wipe(line, sizeof(line));
}

int auth_session_start(http_req_t *r, const store_user_t *user, char csrf[CSRF_TOKEN_MAX])
{
    char token[64];
    if (secret_token("", SESSION_TOKEN_BYTES, token, sizeof(token)))
        return -1;
    store_session_t sess;
    memset(&sess, 0, sizeof(sess));
    secret_sha256(token, strlen(token), sess.hash);
    sess.user_id = user->id;
    sess.created = time_now_ms();
    sess.last_seen = sess.created;
    sess.expires = sess.created + (int64_t)r->cfg->session_absolute_s * 1000;
    snprintf(sess.client, sizeof(sess.client), "%s", r->client);
    store_t *s = r->ctl->store;
    if (s->ops->session_create(s, &sess) != STORE_OK) {
        secret_wipe(token, sizeof(token));
        return -1;
    }
    set_session_cookie(r, token, 0);
    auth_csrf_token(token, csrf);
    /* The new session is the caller from here on (e.g. for the reply). */
    r->who.kind = WHO_SESSION;
    memcpy(r->who.session_hash, sess.hash, sizeof(sess.hash));
    snprintf(r->who.session_token, sizeof(r->who.session_token), "%s", token);
    secret_wipe(token, sizeof(token));
    return 0;
}

void auth_session_end(http_req_t *r)
{
    if (r->who.kind == WHO_SESSION)
        r->ctl->store->ops->session_delete(r->ctl->store, r->who.session_hash);
    set_session_cookie(r, "", 1);
}
