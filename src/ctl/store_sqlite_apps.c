/*
 * store_sqlite_apps.c — applications, policies and their versions,
 * distribution bundles and gateway check-ins in SQLite (store.h).
 *
 * Applications refer to their policy by id (policy_id); the API speaks
 * names, so each statement joins or looks the name up in SQL. A new
 * policy version is written together with the policy's current_version
 * in one IMMEDIATE transaction, so two editors saving at once get
 * versions n+1 and n+2, never the same number twice.
 */
#include <string.h>

#include "store_sqlite_t.h"

#define APP_COLUMNS                                                                                \
    "a.id, a.name, a.host, a.path_prefix, a.upstream, COALESCE(p.name, ''), a.switches, "          \
    "a.created, a.updated"
#define APP_FROM " FROM apps a LEFT JOIN policies p ON p.id = a.policy_id"

static void fill_app(sqlite3_stmt *st, void *out)
{
    store_app_t *a = out;
    a->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, a->name, sizeof(a->name));
    sq_column_copy(st, 2, a->host, sizeof(a->host));
    sq_column_copy(st, 3, a->path_prefix, sizeof(a->path_prefix));
    sq_column_copy(st, 4, a->upstream, sizeof(a->upstream));
    sq_column_copy(st, 5, a->policy, sizeof(a->policy));
    sq_column_copy(st, 6, a->switches, sizeof(a->switches));
    a->created = sqlite3_column_int64(st, 7);
    a->updated = sqlite3_column_int64(st, 8);
}

/* Binds a policy name as its id: NULL for "", the id otherwise; returns
 * STORE_NOT_FOUND when no policy has that name. */
static int bind_policy(sq_conn_t *c, sqlite3_stmt *st, int i, const char *name)
{
    static const char sql[] = "SELECT id FROM policies WHERE name = ?1";
    if (!name[0])
        return sqlite3_bind_null(st, i) == SQLITE_OK ? STORE_OK : STORE_ERROR;
    sqlite3_stmt *q = sq_stmt(c, sql);
    if (!q)
        return STORE_ERROR;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    int rc = STORE_NOT_FOUND;
    if (step == SQLITE_ROW)
        rc = sqlite3_bind_int64(st, i, sqlite3_column_int64(q, 0)) == SQLITE_OK ? STORE_OK
                                                                                : STORE_ERROR;
    else if (step != SQLITE_DONE)
        rc = sq_status(c->db, step, "find policy");
    sq_done(q);
    return rc;
}

/* Runs statements that iterate rows into a callback. */
static int each_row(sq_conn_t *c, sqlite3_stmt *st, int (*emit)(sqlite3_stmt *, void *, void *),
                    void *cb, void *ctx, const char *what)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (emit(st, cb, ctx))
            break;
    int rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, what);
    sq_done(st);
    return rc;
}

static int app_create(store_t *base, store_app_t *a)
{
    static const char sql[] =
        "INSERT INTO apps(name, host, path_prefix, upstream, policy_id,"
        " switches, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->path_prefix, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, a->upstream, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, a->switches, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, a->created);
        rc = bind_policy(c, st, 5, a->policy);
        if (rc == STORE_OK) {
            rc = sq_status(c->db, sqlite3_step(st), "create app");
            if (rc == STORE_OK)
                a->id = sqlite3_last_insert_rowid(c->db);
        }
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int app_get(store_t *base, const char *name, store_app_t *out)
{
    static const char sql[] = "SELECT " APP_COLUMNS APP_FROM " WHERE a.name = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sq_step_one(c, st, fill_app, out, "get app");
    }
    sq_release(s, c);
    return rc;
}

static int emit_app(sqlite3_stmt *st, void *cb, void *ctx)
{
    store_app_t a;
    fill_app(st, &a);
    return ((store_app_cb)cb)(ctx, &a);
}

static int app_list(store_t *base, store_app_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " APP_COLUMNS APP_FROM " ORDER BY a.name";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = st ? each_row(c, st, emit_app, (void *)cb, ctx, "list apps") : STORE_ERROR;
    sq_release(s, c);
    return rc;
}

static int app_update(store_t *base, const store_app_t *a)
{
    static const char sql[] = "UPDATE apps SET name = ?2, host = ?3, path_prefix = ?4,"
                              " upstream = ?5, policy_id = ?6, switches = ?7, updated = ?8"
                              " WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, a->path_prefix, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, a->upstream, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, a->switches, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, a->updated);
        rc = bind_policy(c, st, 6, a->policy);
        if (rc == STORE_OK)
            rc = sq_step_change(c, st, "update app");
        else
            sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int app_delete(store_t *base, const char *name)
{
    static const char sql[] = "DELETE FROM apps WHERE name = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sq_step_change(c, st, "delete app");
    }
    sq_release(s, c);
    return rc;
}

/* ---- policies --------------------------------------------------------- */

static int exec_simple(sq_conn_t *c, const char *sql, const char *what)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    int rc = sq_status(c->db, sqlite3_step(st), what);
    sq_done(st);
    return rc;
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static int insert_version(sq_conn_t *c, int64_t policy_id, int64_t version,
                          const store_policy_version_t *v)
{
    static const char sql[] = "INSERT INTO policy_versions(policy_id, version, text, author,"
                              " comment, rollback_of, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, policy_id);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_text(st, 3, v->text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, v->author, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, v->comment, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, v->rollback_of);
    sqlite3_bind_int64(st, 7, v->created);
    int rc = sq_status(c->db, sqlite3_step(st), "insert policy version");
    sq_done(st);
    return rc;
}

static int policy_create(store_t *base, const char *name, const store_policy_version_t *v,
                         int64_t *version)
{
    static const char sql[] = "INSERT INTO policies(name, current_version, created, updated)"
                              " VALUES (?1, 1, ?2, ?2)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = exec_simple(c, sql_begin, "begin");
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, sql);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, v->created);
            rc = sq_status(c->db, sqlite3_step(st), "create policy");
            sq_done(st);
        }
        if (rc == STORE_OK)
            rc = insert_version(c, sqlite3_last_insert_rowid(c->db), 1, v);
        if (rc == STORE_OK)
            rc = exec_simple(c, sql_commit, "commit");
        if (rc != STORE_OK)
            exec_simple(c, sql_rollback, "rollback");
    }
    sq_release(s, c);
    if (rc == STORE_OK)
        *version = 1;
    return rc;
}

static void fill_policy(sqlite3_stmt *st, void *out)
{
    store_policy_t *p = out;
    p->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, p->name, sizeof(p->name));
    p->current_version = sqlite3_column_int64(st, 2);
    p->created = sqlite3_column_int64(st, 3);
    p->updated = sqlite3_column_int64(st, 4);
}

#define POLICY_COLUMNS "id, name, current_version, created, updated"

static int policy_lookup(sq_conn_t *c, const char *name, store_policy_t *out)
{
    static const char sql[] = "SELECT " POLICY_COLUMNS " FROM policies WHERE name = ?1";
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return sq_step_one(c, st, fill_policy, out, "get policy");
}

static int policy_add_version(store_t *base, const char *name, const store_policy_version_t *v,
                              int64_t *version)
{
    static const char sql[] =
        "UPDATE policies SET current_version = ?2, updated = ?3 WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = exec_simple(c, sql_begin, "begin");
    if (rc == STORE_OK) {
        store_policy_t p;
        rc = policy_lookup(c, name, &p);
        int64_t next = p.current_version + 1;
        if (rc == STORE_OK)
            rc = insert_version(c, p.id, next, v);
        if (rc == STORE_OK) {
            sqlite3_stmt *st = sq_stmt(c, sql);
            rc = STORE_ERROR;
            if (st) {
                sqlite3_bind_int64(st, 1, p.id);
                sqlite3_bind_int64(st, 2, next);
                sqlite3_bind_int64(st, 3, v->created);
                rc = sq_step_change(c, st, "set policy version");
            }
        }
        if (rc == STORE_OK)
            rc = exec_simple(c, sql_commit, "commit");
        if (rc != STORE_OK)
            exec_simple(c, sql_rollback, "rollback");
        else
            *version = next;
    }
    sq_release(s, c);
    return rc;
}

static int policy_get(store_t *base, const char *name, store_policy_t *out)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = policy_lookup(c, name, out);
    sq_release(s, c);
    return rc;
}

static int emit_policy(sqlite3_stmt *st, void *cb, void *ctx)
{
    store_policy_t p;
    fill_policy(st, &p);
    return ((store_policy_cb)cb)(ctx, &p);
}

static int policy_list(store_t *base, store_policy_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " POLICY_COLUMNS " FROM policies ORDER BY name";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = st ? each_row(c, st, emit_policy, (void *)cb, ctx, "list policies") : STORE_ERROR;
    sq_release(s, c);
    return rc;
}

/* Columns: version, text (or NULL), author, comment, rollback_of, created. */
static int emit_version(sqlite3_stmt *st, void *cb, void *ctx)
{
    store_policy_version_t v;
    v.version = sqlite3_column_int64(st, 0);
    v.text = (const char *)sqlite3_column_text(st, 1);
    sq_column_copy(st, 2, v.author, sizeof(v.author));
    sq_column_copy(st, 3, v.comment, sizeof(v.comment));
    v.rollback_of = sqlite3_column_int64(st, 4);
    v.created = sqlite3_column_int64(st, 5);
    return ((store_policy_version_cb)cb)(ctx, &v);
}

/* A row callback and its context, for sq_step_one. */
typedef struct {
    void *cb;
    void *ctx;
} callback_t;

static void emit_one_version(sqlite3_stmt *st, void *out)
{
    callback_t *call = out;
    emit_version(st, call->cb, call->ctx);
}

static int policy_versions(store_t *base, const char *name, store_policy_version_cb cb, void *ctx)
{
    static const char sql[] = "SELECT version, NULL, author, comment, rollback_of, created"
                              " FROM policy_versions WHERE policy_id = ?1 ORDER BY version DESC";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    store_policy_t p;
    int rc = policy_lookup(c, name, &p);
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, sql);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_int64(st, 1, p.id);
            rc = each_row(c, st, emit_version, (void *)cb, ctx, "list policy versions");
        }
    }
    sq_release(s, c);
    return rc;
}

static int policy_version_get(store_t *base, const char *name, int64_t version,
                              store_policy_version_cb cb, void *ctx)
{
    static const char sql[] = "SELECT version, text, author, comment, rollback_of, created"
                              " FROM policy_versions WHERE policy_id = ?1 AND version = ?2";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    store_policy_t p;
    int rc = policy_lookup(c, name, &p);
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, sql);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_int64(st, 1, p.id);
            sqlite3_bind_int64(st, 2, version ? version : p.current_version);
            callback_t call = {(void *)cb, ctx};
            rc = sq_step_one(c, st, emit_one_version, &call, "get version");
        }
    }
    sq_release(s, c);
    return rc;
}

static int policy_delete(store_t *base, const char *name)
{
    static const char used[] =
        "SELECT 1 FROM apps a JOIN policies p ON p.id = a.policy_id WHERE p.name = ?1 LIMIT 1";
    static const char sql[] = "DELETE FROM policies WHERE name = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = exec_simple(c, sql_begin, "begin");
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, used);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            int step = sqlite3_step(st);
            rc = step == SQLITE_ROW    ? STORE_CONFLICT
                 : step == SQLITE_DONE ? STORE_OK
                                       : sq_status(c->db, step, "policy in use");
            sq_done(st);
        }
        if (rc == STORE_OK && (st = sq_stmt(c, sql)) != NULL) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            rc = sq_step_change(c, st, "delete policy");
        }
        if (rc == STORE_OK)
            rc = exec_simple(c, sql_commit, "commit");
        if (rc != STORE_OK)
            exec_simple(c, sql_rollback, "rollback");
    }
    sq_release(s, c);
    return rc;
}

/* ---- bundles and gateways -------------------------------------------- */

static int bundle_next_version(store_t *base, int64_t *version)
{
    static const char sql[] = "SELECT COALESCE(MAX(version), 0) + 1 FROM bundles";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *version = sqlite3_column_int64(st, 0);
            rc = STORE_OK;
        } else {
            rc = sq_status(c->db, step, "next bundle version");
        }
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int bundle_publish(store_t *base, const store_bundle_t *b)
{
    static const char sql[] =
        "INSERT INTO bundles(version, hash, json, created) VALUES (?1, ?2, ?3, ?4)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, b->version);
        sqlite3_bind_text(st, 2, b->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, b->json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, b->created);
        rc = sq_status(c->db, sqlite3_step(st), "publish bundle");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static void emit_one_bundle(sqlite3_stmt *st, void *out)
{
    callback_t *call = out;
    store_bundle_t b;
    b.version = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, b.hash, sizeof(b.hash));
    b.json = (const char *)sqlite3_column_text(st, 2);
    b.created = sqlite3_column_int64(st, 3);
    ((store_bundle_cb)call->cb)(call->ctx, &b);
}

static int bundle_latest(store_t *base, store_bundle_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT version, hash, json, created FROM bundles ORDER BY version DESC LIMIT 1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        callback_t call = {(void *)cb, ctx};
        rc = sq_step_one(c, st, emit_one_bundle, &call, "latest bundle");
    }
    sq_release(s, c);
    return rc;
}

static int gateway_checkin(store_t *base, const store_gateway_t *g)
{
    static const char sql[] =
        "INSERT INTO gateways(id, name, running_version, running_hash, address, token,"
        " first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " running_version = excluded.running_version, running_hash = excluded.running_hash,"
        " address = excluded.address, token = excluded.token, last_seen = excluded.last_seen";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, g->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, g->running_version);
        sqlite3_bind_text(st, 4, g->running_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, g->address, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, g->token, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, g->last_seen);
        rc = sq_status(c->db, sqlite3_step(st), "gateway check-in");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int emit_gateway(sqlite3_stmt *st, void *cb, void *ctx)
{
    store_gateway_t g;
    sq_column_copy(st, 0, g.id, sizeof(g.id));
    sq_column_copy(st, 1, g.name, sizeof(g.name));
    g.running_version = sqlite3_column_int64(st, 2);
    sq_column_copy(st, 3, g.running_hash, sizeof(g.running_hash));
    sq_column_copy(st, 4, g.address, sizeof(g.address));
    sq_column_copy(st, 5, g.token, sizeof(g.token));
    g.first_seen = sqlite3_column_int64(st, 6);
    g.last_seen = sqlite3_column_int64(st, 7);
    return ((store_gateway_cb)cb)(ctx, &g);
}

static int gateway_list(store_t *base, store_gateway_cb cb, void *ctx)
{
    static const char sql[] = "SELECT id, name, running_version, running_hash, address, token,"
                              " first_seen, last_seen FROM gateways ORDER BY id";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = st ? each_row(c, st, emit_gateway, (void *)cb, ctx, "list gateways") : STORE_ERROR;
    sq_release(s, c);
    return rc;
}

void sq_fill_apps_ops(store_ops_t *ops)
{
    ops->app_create = app_create;
    ops->app_get = app_get;
    ops->app_list = app_list;
    ops->app_update = app_update;
    ops->app_delete = app_delete;
    ops->policy_create = policy_create;
    ops->policy_add_version = policy_add_version;
    ops->policy_get = policy_get;
    ops->policy_list = policy_list;
    ops->policy_versions = policy_versions;
    ops->policy_version_get = policy_version_get;
    ops->policy_delete = policy_delete;
    ops->bundle_next_version = bundle_next_version;
    ops->bundle_publish = bundle_publish;
    ops->bundle_latest = bundle_latest;
    ops->gateway_checkin = gateway_checkin;
    ops->gateway_list = gateway_list;
}
