/*
 * store_sqlite_auth.c — accounts, sessions and API tokens in SQLite.
 *
 * Sessions and tokens are looked up by the SHA-256 of the secret the
 * client holds: the database never contains a usable credential, and a
 * leaked copy of it lets nobody in.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite_t.h"

#define USER_COLUMNS "id, name, role, pw_hash, must_change, disabled, created, updated, pw_changed"

static void user_from(sqlite3_stmt *st, store_user_t *u)
{
    memset(u, 0, sizeof(*u));
    u->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, u->name, sizeof(u->name));
    sq_column_copy(st, 2, u->role, sizeof(u->role));
    sq_column_copy(st, 3, u->pw_hash, sizeof(u->pw_hash));
    u->must_change = sqlite3_column_int(st, 4);
    u->disabled = sqlite3_column_int(st, 5);
    u->created = sqlite3_column_int64(st, 6);
    u->updated = sqlite3_column_int64(st, 7);
    u->pw_changed = sqlite3_column_int64(st, 8);
}

/* Runs a statement expected to change rows: OK, NOT_FOUND when none
 * changed, or the mapped error. */
int sq_step_change(sq_conn_t *c, sqlite3_stmt *st, const char *what)
{
    int step = sqlite3_step(st);
    int rc = sq_status(c->db, step, what);
    if (rc == STORE_OK && sqlite3_changes(c->db) == 0)
        rc = STORE_NOT_FOUND;
    sq_done(st);
    return rc;
}

/* Runs a statement expected to return at most one row into fill(). */
int sq_step_one(sq_conn_t *c, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *out,
                const char *what)
{
    int step = sqlite3_step(st);
    int rc;
    if (step == SQLITE_ROW) {
        fill(st, out);
        rc = STORE_OK;
    } else {
        rc = step == SQLITE_DONE ? STORE_NOT_FOUND : sq_status(c->db, step, what);
    }
    sq_done(st);
    return rc;
}

static int count_query(store_t *base, const char *sql, int64_t *count, const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *count = sqlite3_column_int64(st, 0);
            rc = STORE_OK;
        } else {
            rc = sq_status(c->db, step, what);
        }
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

/* ---- users ------------------------------------------------------------ */

static int user_count(store_t *base, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM users";
    return count_query(base, sql, count, "count users");
}

static int user_count_active_admins(store_t *base, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0";
    return count_query(base, sql, count, "count admins");
}

static int user_create(store_t *base, store_user_t *u)
{
    static const char sql[] =
        "INSERT INTO users(name, role, pw_hash, must_change, disabled, created, updated,"
        " pw_changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, u->pw_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, u->must_change);
        sqlite3_bind_int(st, 5, u->disabled);
        sqlite3_bind_int64(st, 6, u->created);
        int step = sqlite3_step(st);
        rc = sq_status(c->db, step, "create user");
        if (rc == STORE_OK)
            u->id = sqlite3_last_insert_rowid(c->db);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static void fill_user(sqlite3_stmt *st, void *out)
{
    user_from(st, out);
}

static int user_get_by_name(store_t *base, const char *name, store_user_t *out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users WHERE name = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sq_step_one(c, st, fill_user, out, "get user");
    }
    sq_release(s, c);
    return rc;
}

static int user_get_by_id(store_t *base, int64_t id, store_user_t *out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sq_step_one(c, st, fill_user, out, "get user");
    }
    sq_release(s, c);
    return rc;
}

static int user_list(store_t *base, store_user_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM users ORDER BY name";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_user_t u;
            user_from(st, &u);
            if (cb(ctx, &u))
                break;
        }
        rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, "list users");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int user_update(store_t *base, const store_user_t *u)
{
    static const char sql[] = "UPDATE users SET role = ?2, pw_hash = ?3, must_change = ?4,"
                              " disabled = ?5, updated = ?6, pw_changed = ?7 WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, u->id);
        sqlite3_bind_text(st, 2, u->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, u->pw_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, u->must_change);
        sqlite3_bind_int(st, 5, u->disabled);
        sqlite3_bind_int64(st, 6, u->updated);
        sqlite3_bind_int64(st, 7, u->pw_changed);
        rc = sq_step_change(c, st, "update user");
    }
    sq_release(s, c);
    return rc;
}

static int user_delete(store_t *base, int64_t id)
{
    static const char sql[] = "DELETE FROM users WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sq_step_change(c, st, "delete user");
    }
    sq_release(s, c);
    return rc;
}

/* ---- sessions ------------------------------------------------------------ */

static int session_create(store_t *base, const store_session_t *x)
{
    static const char sql[] = "INSERT INTO sessions(token_hash, user_id, created, last_seen,"
                              " expires, client) VALUES (?1, ?2, ?3, ?3, ?4, ?5)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, x->hash, STORE_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, x->user_id);
        sqlite3_bind_int64(st, 3, x->created);
        sqlite3_bind_int64(st, 4, x->expires);
        sqlite3_bind_text(st, 5, x->client, -1, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "create session");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static void fill_session(sqlite3_stmt *st, void *out)
{
    store_session_t *x = out;
    memset(x, 0, sizeof(*x));
    if (sqlite3_column_bytes(st, 0) == STORE_HASH_LEN)
        memcpy(x->hash, sqlite3_column_blob(st, 0), STORE_HASH_LEN);
    x->user_id = sqlite3_column_int64(st, 1);
    x->created = sqlite3_column_int64(st, 2);
    x->last_seen = sqlite3_column_int64(st, 3);
    x->expires = sqlite3_column_int64(st, 4);
    sq_column_copy(st, 5, x->client, sizeof(x->client));
}

static int session_get(store_t *base, const unsigned char hash[STORE_HASH_LEN],
                       store_session_t *out)
{
    static const char sql[] = "SELECT token_hash, user_id, created, last_seen, expires, client"
                              " FROM sessions WHERE token_hash = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
        rc = sq_step_one(c, st, fill_session, out, "get session");
    }
    sq_release(s, c);
    return rc;
}

static int session_touch(store_t *base, const unsigned char hash[STORE_HASH_LEN], int64_t now)
{
    static const char sql[] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        rc = sq_step_change(c, st, "touch session");
    }
    sq_release(s, c);
    return rc;
}

static int session_delete(store_t *base, const unsigned char hash[STORE_HASH_LEN])
{
    static const char sql[] = "DELETE FROM sessions WHERE token_hash = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
        rc = sq_step_change(c, st, "delete session");
    }
    sq_release(s, c);
    return rc;
}

static int session_delete_user(store_t *base, int64_t user_id, const unsigned char *keep)
{
    static const char sql[] =
        "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, user_id);
        if (keep)
            sqlite3_bind_blob(st, 2, keep, STORE_HASH_LEN, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "end sessions");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int session_purge(store_t *base, int64_t idle_before, int64_t now, int64_t *deleted)
{
    static const char sql[] = "DELETE FROM sessions WHERE last_seen < ?1 OR expires <= ?2";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    *deleted = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, idle_before);
        sqlite3_bind_int64(st, 2, now);
        rc = sq_status(c->db, sqlite3_step(st), "purge sessions");
        if (rc == STORE_OK)
            *deleted = sqlite3_changes(c->db);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

/* ---- API tokens ----------------------------------------------------------- */

#define TOKEN_COLUMNS                                                                              \
    "id, name, role, token_hash, prefix, created_by, created, last_used, expires, revoked"

static void fill_token(sqlite3_stmt *st, void *out)
{
    store_token_t *t = out;
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, t->name, sizeof(t->name));
    sq_column_copy(st, 2, t->role, sizeof(t->role));
    if (sqlite3_column_bytes(st, 3) == STORE_HASH_LEN)
        memcpy(t->hash, sqlite3_column_blob(st, 3), STORE_HASH_LEN);
    sq_column_copy(st, 4, t->prefix, sizeof(t->prefix));
    t->created_by = sqlite3_column_int64(st, 5);
    t->created = sqlite3_column_int64(st, 6);
    t->last_used = sqlite3_column_int64(st, 7);
    t->expires = sqlite3_column_int64(st, 8);
    t->revoked = sqlite3_column_int64(st, 9);
}

static int token_create(store_t *base, store_token_t *t)
{
    static const char sql[] =
        "INSERT INTO api_tokens(name, role, token_hash, prefix, created_by, created, expires)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->role, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, t->hash, STORE_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, t->prefix, -1, SQLITE_STATIC);
        if (t->created_by)
            sqlite3_bind_int64(st, 5, t->created_by);
        sqlite3_bind_int64(st, 6, t->created);
        sqlite3_bind_int64(st, 7, t->expires);
        rc = sq_status(c->db, sqlite3_step(st), "create token");
        if (rc == STORE_OK)
            t->id = sqlite3_last_insert_rowid(c->db);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int token_get_by_hash(store_t *base, const unsigned char hash[STORE_HASH_LEN],
                             store_token_t *out)
{
    static const char sql[] = "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE token_hash = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
        rc = sq_step_one(c, st, fill_token, out, "get token");
    }
    sq_release(s, c);
    return rc;
}

static int token_list(store_t *base, store_token_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " TOKEN_COLUMNS " FROM api_tokens ORDER BY id";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            store_token_t t;
            fill_token(st, &t);
            if (cb(ctx, &t))
                break;
        }
        rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, "list tokens");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int token_revoke(store_t *base, int64_t id, int64_t now)
{
    static const char sql[] = "UPDATE api_tokens SET revoked = ?2 WHERE id = ?1 AND revoked = 0";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        rc = sq_step_change(c, st, "revoke token");
    }
    sq_release(s, c);
    return rc;
}

static int token_touch(store_t *base, int64_t id, int64_t now)
{
    static const char sql[] = "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        rc = sq_step_change(c, st, "touch token");
    }
    sq_release(s, c);
    return rc;
}

void sq_fill_auth_ops(store_ops_t *ops)
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
