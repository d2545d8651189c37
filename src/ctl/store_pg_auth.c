/*
 * store_pg_auth.c — accounts, sessions and API tokens in PostgreSQL.
 *
 * Sessions and tokens are looked up by the SHA-256 of the secret the
 * client holds (bytea, bound in binary): the database never contains a
 * usable credential. Names are unique ignoring case (unique indexes on
 * lower(name)), as SQLite's NOCASE columns are.
 */
#include <stdio.h>
#include <string.h>

#include "store_pg_t.h"

/* ---- users ------------------------------------------------------------ */

#define USER_COLUMNS "id, name, role, pw_hash, must_change, disabled, created, updated, pw_changed"

static int fill_user(void *out, const PGresult *res, int i)
{
    store_user_t *u = out;
    memset(u, 0, sizeof(*u));
    u->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, u->name, sizeof(u->name));
    pg_get_copy(res, i, 2, u->role, sizeof(u->role));
    pg_get_copy(res, i, 3, u->pw_hash, sizeof(u->pw_hash));
    u->must_change = (int)pg_get_int(res, i, 4);
    u->disabled = (int)pg_get_int(res, i, 5);
    u->created = pg_get_int(res, i, 6);
    u->updated = pg_get_int(res, i, 7);
    u->pw_changed = pg_get_int(res, i, 8);
    return 0;
}

static int user_count(store_t *s, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM users";
    return pg_int(s, sql, 0, NULL, 0, count, "count users");
}

static int user_count_active_admins(store_t *s, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0";
    return pg_int(s, sql, 0, NULL, 0, count, "count admins");
}

static int user_create(store_t *s, store_user_t *u)
{
    static const char sql[] =
        "INSERT INTO users(name, role, pw_hash, must_change, disabled, created, updated,"
        " pw_changed) VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING id";
    pg_param_t p[] = {PG_TEXT(u->name),       PG_TEXT(u->role),    PG_TEXT(u->pw_hash),
                      PG_INT(u->must_change), PG_INT(u->disabled), PG_INT(u->created)};
    return pg_int(s, sql, 0, p, 6, &u->id, "create user");
}

static int user_get_by_name(store_t *s, const char *name, store_user_t *out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users WHERE lower(name) = lower($1)";
    pg_param_t p[] = {PG_TEXT(name)};
    return pg_one(s, sql, p, 1, fill_user, out, "get user");
}

static int user_get_by_id(store_t *s, int64_t id, store_user_t *out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_one(s, sql, p, 1, fill_user, out, "get user");
}

typedef struct {
    store_user_cb user_cb;
    store_token_cb token_cb;
    void *ctx;
} list_t;

static int user_row(void *ctx, const PGresult *res, int i)
{
    list_t *l = ctx;
    store_user_t u;
    fill_user(&u, res, i);
    return l->user_cb(l->ctx, &u);
}

static int user_list(store_t *s, store_user_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users ORDER BY lower(name), name";
    list_t l = {.user_cb = cb, .ctx = ctx};
    return pg_each(s, sql, 0, NULL, 0, user_row, &l, "list users");
}

static int user_update(store_t *s, const store_user_t *u)
{
    static const char sql[] = "UPDATE users SET role = $2, pw_hash = $3, must_change = $4,"
                              " disabled = $5, updated = $6, pw_changed = $7 WHERE id = $1";
    pg_param_t p[] = {PG_INT(u->id),          PG_TEXT(u->role),    PG_TEXT(u->pw_hash),
                      PG_INT(u->must_change), PG_INT(u->disabled), PG_INT(u->updated),
                      PG_INT(u->pw_changed)};
    return pg_change(s, sql, p, 7, "update user");
}

static int user_delete(store_t *s, int64_t id)
{
    static const char sql[] = "DELETE FROM users WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_change(s, sql, p, 1, "delete user");
}

/* ---- sessions ------------------------------------------------------------ */

static int session_create(store_t *s, const store_session_t *x)
{
    static const char sql[] = "INSERT INTO sessions(token_hash, user_id, created, last_seen,"
                              " expires, client) VALUES ($1, $2, $3, $3, $4, $5)";
    pg_param_t p[] = {PG_BYTES(x->hash, STORE_HASH_LEN), PG_INT(x->user_id), PG_INT(x->created),
                      PG_INT(x->expires), PG_TEXT(x->client)};
    return pg_exec(s, sql, p, 5, "create session");
}

static int fill_session(void *out, const PGresult *res, int i)
{
    store_session_t *x = out;
    memset(x, 0, sizeof(*x));
    pg_get_bytes(res, i, 0, x->hash, STORE_HASH_LEN);
    x->user_id = pg_get_int(res, i, 1);
    x->created = pg_get_int(res, i, 2);
    x->last_seen = pg_get_int(res, i, 3);
    x->expires = pg_get_int(res, i, 4);
    pg_get_copy(res, i, 5, x->client, sizeof(x->client));
    return 0;
}

static int session_get(store_t *s, const unsigned char hash[STORE_HASH_LEN], store_session_t *out)
{
    static const char sql[] = "SELECT token_hash, user_id, created, last_seen, expires, client"
                              " FROM sessions WHERE token_hash = $1";
    pg_param_t p[] = {PG_BYTES(hash, STORE_HASH_LEN)};
    return pg_one(s, sql, p, 1, fill_session, out, "get session");
}

static int session_touch(store_t *s, const unsigned char hash[STORE_HASH_LEN], int64_t now)
{
    static const char sql[] = "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1";
    pg_param_t p[] = {PG_BYTES(hash, STORE_HASH_LEN), PG_INT(now)};
    return pg_change(s, sql, p, 2, "touch session");
}

static int session_delete(store_t *s, const unsigned char hash[STORE_HASH_LEN])
{
    static const char sql[] = "DELETE FROM sessions WHERE token_hash = $1";
    pg_param_t p[] = {PG_BYTES(hash, STORE_HASH_LEN)};
    return pg_change(s, sql, p, 1, "delete session");
}

static int session_delete_user(store_t *s, int64_t user_id, const unsigned char *keep)
{
    static const char sql[] = "DELETE FROM sessions WHERE user_id = $1"
                              " AND ($2::bytea IS NULL OR token_hash <> $2::bytea)";
    pg_param_t p[] = {PG_INT(user_id), keep ? PG_BYTES(keep, STORE_HASH_LEN) : PG_NULL};
    return pg_exec(s, sql, p, 2, "end sessions");
}

static int session_purge(store_t *s, int64_t idle_before, int64_t now, int64_t *deleted)
{
    static const char sql[] = "WITH gone AS (DELETE FROM sessions"
                              " WHERE last_seen < $1 OR expires <= $2 RETURNING 1)"
                              " SELECT count(*) FROM gone";
    pg_param_t p[] = {PG_INT(idle_before), PG_INT(now)};
    *deleted = 0;
    return pg_int(s, sql, 0, p, 2, deleted, "purge sessions");
}

/* ---- API tokens ----------------------------------------------------------- */

#define TOKEN_COLUMNS                                                                              \
    "id, name, role, token_hash, prefix, created_by, created, last_used, expires, revoked"

static int fill_token(void *out, const PGresult *res, int i)
{
    store_token_t *t = out;
    memset(t, 0, sizeof(*t));
    t->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, t->name, sizeof(t->name));
    pg_get_copy(res, i, 2, t->role, sizeof(t->role));
    pg_get_bytes(res, i, 3, t->hash, STORE_HASH_LEN);
    pg_get_copy(res, i, 4, t->prefix, sizeof(t->prefix));
    t->created_by = pg_get_int(res, i, 5);
    t->created = pg_get_int(res, i, 6);
    t->last_used = pg_get_int(res, i, 7);
    t->expires = pg_get_int(res, i, 8);
    t->revoked = pg_get_int(res, i, 9);
    return 0;
}

static int token_create(store_t *s, store_token_t *t)
{
    static const char sql[] =
        "INSERT INTO api_tokens(name, role, token_hash, prefix, created_by, created, expires)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    pg_param_t p[] = {PG_TEXT(t->name),
                      PG_TEXT(t->role),
                      PG_BYTES(t->hash, STORE_HASH_LEN),
                      PG_TEXT(t->prefix),
                      t->created_by ? PG_INT(t->created_by) : PG_NULL,
                      PG_INT(t->created),
                      PG_INT(t->expires)};
    return pg_int(s, sql, 0, p, 7, &t->id, "create token");
}

static int token_get_by_hash(store_t *s, const unsigned char hash[STORE_HASH_LEN],
                             store_token_t *out)
{
    static const char sql[] = "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE token_hash = $1";
    pg_param_t p[] = {PG_BYTES(hash, STORE_HASH_LEN)};
    return pg_one(s, sql, p, 1, fill_token, out, "get token");
}

static int token_row(void *ctx, const PGresult *res, int i)
{
    list_t *l = ctx;
    store_token_t t;
    fill_token(&t, res, i);
    return l->token_cb(l->ctx, &t);
}

static int token_list(store_t *s, store_token_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " TOKEN_COLUMNS " FROM api_tokens ORDER BY id";
    list_t l = {.token_cb = cb, .ctx = ctx};
    return pg_each(s, sql, 0, NULL, 0, token_row, &l, "list tokens");
}

static int token_revoke(store_t *s, int64_t id, int64_t now)
{
    static const char sql[] = "UPDATE api_tokens SET revoked = $2 WHERE id = $1 AND revoked = 0";
    pg_param_t p[] = {PG_INT(id), PG_INT(now)};
    return pg_change(s, sql, p, 2, "revoke token");
}

static int token_touch(store_t *s, int64_t id, int64_t now)
{
    static const char sql[] = "UPDATE api_tokens SET last_used = $2 WHERE id = $1";
    pg_param_t p[] = {PG_INT(id), PG_INT(now)};
    return pg_change(s, sql, p, 2, "touch token");
}

void pg_fill_auth_ops(store_ops_t *ops)
{
    ops->user_count = user_count;
    ops->user_create = user_create;
    ops->user_get_by_name = user_get_by_name;
    ops->user_get_by_id = user_get_by_id;
    ops->user_list = user_list;
    ops->user_update = user_update;
    ops->user_delete = user_delete;
    ops->user_count_active_admins = user_count_active_admins;
    ops->session_create = session_create;
    ops->session_get = session_get;
    ops->session_touch = session_touch;
    ops->session_delete = session_delete;
    ops->session_delete_user = session_delete_user;
    ops->session_purge = session_purge;
    ops->token_create = token_create;
    ops->token_get_by_hash = token_get_by_hash;
    ops->token_list = token_list;
    ops->token_revoke = token_revoke;
    ops->token_touch = token_touch;
}
