/*
 * store_sqlite_keys.c — data keys, their wrapped versions, grants and key
 * jobs in SQLite (see store_keys.h), and migration 6 that creates them.
 */
#include <string.h>

#include "store_sqlite_t.h"

/* Also lets API tokens have the role "app" (authz.h): SQLite cannot
 * change a CHECK constraint, so api_tokens is rebuilt with the same rows. */
const char sq_migration_keys[] =
    "CREATE TABLE api_tokens_v6 ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'secops', 'auditor', 'gateway', 'app')),"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  prefix TEXT NOT NULL,"
    "  created_by INTEGER,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL DEFAULT 0,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0"
    ");"
    "INSERT INTO api_tokens_v6 SELECT id, name, role, token_hash, prefix, created_by, created, "
    "last_used, expires, revoked FROM api_tokens;"
    "DROP TABLE api_tokens;"
    "ALTER TABLE api_tokens_v6 RENAME TO api_tokens;"
    "CREATE TABLE crypto_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  app TEXT NOT NULL,"
    "  alg INTEGER NOT NULL,"
    "  current_version INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE crypto_key_versions ("
    "  key_id INTEGER NOT NULL REFERENCES crypto_keys(id),"
    "  version INTEGER NOT NULL,"
    "  master_version INTEGER NOT NULL,"
    "  wrapped BLOB NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (key_id, version)"
    ") WITHOUT ROWID;"
    "CREATE INDEX crypto_key_versions_master ON crypto_key_versions(master_version);"
    "CREATE TABLE crypto_grants ("
    "  id INTEGER PRIMARY KEY,"
    "  subject TEXT NOT NULL,"
    "  app TEXT NOT NULL,"
    "  keys TEXT NOT NULL,"
    "  ops INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE INDEX crypto_grants_subject ON crypto_grants(subject);"
    "CREATE TABLE crypto_jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  target INTEGER NOT NULL,"
    "  total INTEGER NOT NULL DEFAULT 0,"
    "  done INTEGER NOT NULL DEFAULT 0,"
    "  rate INTEGER NOT NULL DEFAULT 0,"
    "  created_by TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");";

#define KEY_COLUMNS     "id, name, app, alg, current_version, created_by, created, updated"
#define VERSION_COLUMNS "key_id, version, master_version, wrapped, created"
#define GRANT_COLUMNS   "id, subject, app, keys, ops, created_by, created"
#define JOB_COLUMNS                                                                                \
    "id, kind, state, target, total, done, rate, created_by, error, created, updated"

static void fill_key(sqlite3_stmt *st, void *out)
{
    store_key_t *k = out;
    memset(k, 0, sizeof(*k));
    k->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, k->name, sizeof(k->name));
    sq_column_copy(st, 2, k->app, sizeof(k->app));
    k->alg = sqlite3_column_int(st, 3);
    k->current_version = (uint32_t)sqlite3_column_int64(st, 4);
    sq_column_copy(st, 5, k->created_by, sizeof(k->created_by));
    k->created = sqlite3_column_int64(st, 6);
    k->updated = sqlite3_column_int64(st, 7);
}

static void fill_version(sqlite3_stmt *st, void *out)
{
    store_key_version_t *v = out;
    memset(v, 0, sizeof(*v));
    v->key_id = sqlite3_column_int64(st, 0);
    v->version = (uint32_t)sqlite3_column_int64(st, 1);
    v->master_version = (uint32_t)sqlite3_column_int64(st, 2);
    int n = sqlite3_column_bytes(st, 3);
    if (n > 0 && (size_t)n <= sizeof(v->wrapped)) {
        memcpy(v->wrapped, sqlite3_column_blob(st, 3), (size_t)n);
        v->wrapped_len = (size_t)n;
    }
    v->created = sqlite3_column_int64(st, 4);
}

static void fill_grant(sqlite3_stmt *st, void *out)
{
    store_grant_t *g = out;
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, g->subject, sizeof(g->subject));
    sq_column_copy(st, 2, g->app, sizeof(g->app));
    sq_column_copy(st, 3, g->keys, sizeof(g->keys));
    g->ops = (unsigned)sqlite3_column_int64(st, 4);
    sq_column_copy(st, 5, g->created_by, sizeof(g->created_by));
    g->created = sqlite3_column_int64(st, 6);
}

static void fill_job(sqlite3_stmt *st, void *out)
{
    store_key_job_t *j = out;
    memset(j, 0, sizeof(*j));
    j->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, j->kind, sizeof(j->kind));
    sq_column_copy(st, 2, j->state, sizeof(j->state));
    j->target = (uint32_t)sqlite3_column_int64(st, 3);
    j->total = sqlite3_column_int64(st, 4);
    j->done = sqlite3_column_int64(st, 5);
    j->rate = sqlite3_column_int(st, 6);
    sq_column_copy(st, 7, j->created_by, sizeof(j->created_by));
    sq_column_copy(st, 8, j->error, sizeof(j->error));
    j->created = sqlite3_column_int64(st, 9);
    j->updated = sqlite3_column_int64(st, 10);
}

/* The caller's typed callback and its context, called through deliver_*
 * so no function is called through a pointer of another type. */
typedef struct {
    void *cb;
    void *ctx;
} rows_t;

static int deliver_key(void *rows, const void *row)
{
    rows_t *r = rows;
    return ((store_key_cb)r->cb)(r->ctx, row);
}

static int deliver_version(void *rows, const void *row)
{
    rows_t *r = rows;
    return ((store_key_version_cb)r->cb)(r->ctx, row);
}

static int deliver_grant(void *rows, const void *row)
{
    rows_t *r = rows;
    return ((store_grant_cb)r->cb)(r->ctx, row);
}

static int deliver_job(void *rows, const void *row)
{
    rows_t *r = rows;
    return ((store_key_job_cb)r->cb)(r->ctx, row);
}

static int run(sq_conn_t *c, const char *sql, const char *what)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    int rc = sq_status(c->db, sqlite3_step(st), what);
    sq_done(st);
    return rc;
}

/* Runs st (bound) to the end, each row filled into a `row_size` buffer and
 * given to cb; the caller's statement is reset. */
static int each(sq_conn_t *c, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *row,
                int (*cb)(void *, const void *), void *ctx, const char *what)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        fill(st, row);
        if (cb(ctx, row))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK : sq_status(c->db, step, what);
    sq_done(st);
    return rc;
}

/* A statement with n integer parameters (?1..?n): its one row into out
 * (rows == NULL), each row to deliver (rows given), or a change (fill ==
 * NULL: STORE_NOT_FOUND when no row changed). */
static int with_ints(store_t *base, const char *sql, const int64_t *p, int n,
                     void (*fill)(sqlite3_stmt *, void *), void *out, rows_t *rows,
                     int (*deliver)(void *, const void *), const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        for (int i = 0; i < n; i++)
            sqlite3_bind_int64(st, i + 1, p[i]);
        if (!fill)
            rc = sq_step_change(c, st, what);
        else if (rows)
            rc = each(c, st, fill, out, deliver, rows, what);
        else
            rc = sq_step_one(c, st, fill, out, what);
    }
    sq_release(s, c);
    return rc;
}

static int insert_version(sq_conn_t *c, int64_t key_id, uint32_t version,
                          const store_key_version_t *v)
{
    static const char sql[] =
        "INSERT INTO crypto_key_versions(" VERSION_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, key_id);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_int64(st, 3, v->master_version);
    sqlite3_bind_blob(st, 4, v->wrapped, (int)v->wrapped_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, v->created);
    int rc = sq_status(c->db, sqlite3_step(st), "insert key version");
    sq_done(st);
    return rc;
}

static int key_create(store_t *base, store_key_t *k, const store_key_version_t *v1)
{
    static const char begin[] = "BEGIN IMMEDIATE";
    static const char commit[] = "COMMIT";
    static const char rollback[] = "ROLLBACK";
    static const char insert[] = "INSERT INTO crypto_keys(name, app, alg, current_version, "
                                 "created_by, created, updated) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = run(c, begin, "begin key create");
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, insert);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, k->app, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3, k->alg);
            sqlite3_bind_text(st, 4, k->created_by, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, k->created);
            rc = sq_status(c->db, sqlite3_step(st), "create key");
            if (rc == STORE_OK)
                k->id = sqlite3_last_insert_rowid(c->db);
            sq_done(st);
        }
    }
    if (rc == STORE_OK)
        rc = insert_version(c, k->id, 1, v1);
    if (rc == STORE_OK)
        rc = run(c, commit, "commit key create");
    if (rc != STORE_OK)
        run(c, rollback, "roll back key create");
    sq_release(s, c);
    k->current_version = 1;
    k->updated = k->created;
    return rc;
}

static int key_get(store_t *base, const char *name, store_key_t *out)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM crypto_keys WHERE name = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sq_step_one(c, st, fill_key, out, "get key");
    }
    sq_release(s, c);
    return rc;
}

static int key_list(store_t *base, store_key_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM crypto_keys ORDER BY name";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    store_key_t k;
    rows_t rows = {(void *)cb, ctx};
    int rc = st ? each(c, st, fill_key, &k, deliver_key, &rows, "list keys") : STORE_ERROR;
    sq_release(s, c);
    return rc;
}

static int add_version(store_t *base, const char *name, const store_key_version_t *v)
{
    static const char begin[] = "BEGIN IMMEDIATE";
    static const char commit[] = "COMMIT";
    static const char rollback[] = "ROLLBACK";
    static const char bump[] = "UPDATE crypto_keys SET current_version = ?2, updated = ?3 "
                               "WHERE name = ?1 AND current_version = ?2 - 1 RETURNING id";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int64_t key_id = 0;
    int rc = run(c, begin, "begin key rotation");
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, bump);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, v->version);
            sqlite3_bind_int64(st, 3, v->created);
            int step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                key_id = sqlite3_column_int64(st, 0);
                rc = STORE_OK;
            } else {
                rc = step == SQLITE_DONE ? STORE_CONFLICT : sq_status(c->db, step, "rotate key");
            }
            sq_done(st);
        }
    }
    if (rc == STORE_OK)
        rc = insert_version(c, key_id, v->version, v);
    if (rc == STORE_OK)
        rc = run(c, commit, "commit key rotation");
    if (rc != STORE_OK)
        run(c, rollback, "roll back key rotation");
    sq_release(s, c);
    return rc;
}

static int version_get(store_t *base, int64_t key_id, uint32_t version, store_key_version_t *out)
{
    static const char sql[] =
        "SELECT " VERSION_COLUMNS " FROM crypto_key_versions WHERE key_id = ?1 AND version = ?2";
    int64_t p[] = {key_id, version};
    return with_ints(base, sql, p, 2, fill_version, out, NULL, NULL, "get key version");
}

static int versions(store_t *base, int64_t key_id, store_key_version_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " VERSION_COLUMNS " FROM crypto_key_versions WHERE key_id = ?1 ORDER BY version";
    int64_t p[] = {key_id};
    store_key_version_t v;
    rows_t rows = {(void *)cb, ctx};
    return with_ints(base, sql, p, 1, fill_version, &v, &rows, deliver_version,
                     "list key versions");
}

static int versions_below(store_t *base, uint32_t master, int limit, store_key_version_cb cb,
                          void *ctx)
{
    static const char sql[] = "SELECT " VERSION_COLUMNS " FROM crypto_key_versions WHERE "
                              "master_version < ?1 ORDER BY key_id, version LIMIT ?2";
    int64_t p[] = {master, limit};
    store_key_version_t v;
    rows_t rows = {(void *)cb, ctx};
    return with_ints(base, sql, p, 2, fill_version, &v, &rows, deliver_version,
                     "key versions to rewrap");
}

static int count_below(store_t *base, uint32_t master, int64_t *total, int64_t *below)
{
    static const char sql[] = "SELECT count(*), coalesce(sum(master_version < ?1), 0) "
                              "FROM crypto_key_versions";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, master);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *total = sqlite3_column_int64(st, 0);
            *below = sqlite3_column_int64(st, 1);
            rc = STORE_OK;
        } else {
            rc = sq_status(c->db, step, "count key versions");
        }
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int rewrap(store_t *base, int64_t key_id, uint32_t version, uint32_t old_master,
                  const store_key_version_t *v)
{
    static const char sql[] =
        "UPDATE crypto_key_versions SET master_version = ?4, wrapped = ?5 WHERE key_id = ?1 AND "
        "version = ?2 AND master_version = ?3";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, key_id);
        sqlite3_bind_int64(st, 2, version);
        sqlite3_bind_int64(st, 3, old_master);
        sqlite3_bind_int64(st, 4, v->master_version);
        sqlite3_bind_blob(st, 5, v->wrapped, (int)v->wrapped_len, SQLITE_STATIC);
        rc = sq_step_change(c, st, "rewrap key version");
    }
    sq_release(s, c);
    return rc;
}

static int grant_create(store_t *base, store_grant_t *g)
{
    static const char sql[] = "INSERT INTO crypto_grants(subject, app, keys, ops, created_by, "
                              "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, g->subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->app, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->keys, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, g->ops);
        sqlite3_bind_text(st, 5, g->created_by, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, g->created);
        rc = sq_status(c->db, sqlite3_step(st), "create grant");
        if (rc == STORE_OK)
            g->id = sqlite3_last_insert_rowid(c->db);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

/* A listing with an optional text parameter ?1. */
static int list_rows(store_t *base, const char *sql, const char *text,
                     void (*fill)(sqlite3_stmt *, void *), void *row,
                     int (*cb)(void *, const void *), void *ctx, const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        if (text)
            sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
        rc = each(c, st, fill, row, cb, ctx, what);
    }
    sq_release(s, c);
    return rc;
}

static int grant_list(store_t *base, store_grant_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " GRANT_COLUMNS " FROM crypto_grants ORDER BY id";
    store_grant_t g;
    rows_t rows = {(void *)cb, ctx};
    return list_rows(base, sql, NULL, fill_grant, &g, deliver_grant, &rows, "list grants");
}

static int grants_of(store_t *base, const char *subject, store_grant_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " GRANT_COLUMNS " FROM crypto_grants WHERE subject = ?1 ORDER BY id";
    store_grant_t g;
    rows_t rows = {(void *)cb, ctx};
    return list_rows(base, sql, subject, fill_grant, &g, deliver_grant, &rows,
                     "grants of a subject");
}

static int grant_delete(store_t *base, int64_t id)
{
    static const char sql[] = "DELETE FROM crypto_grants WHERE id = ?1";
    int64_t p[] = {id};
    return with_ints(base, sql, p, 1, NULL, NULL, NULL, NULL, "delete grant");
}

static int job_create(store_t *base, store_key_job_t *j)
{
    static const char sql[] = "INSERT INTO crypto_jobs(kind, state, target, total, done, rate, "
                              "created_by, error, created, updated) VALUES "
                              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, j->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, j->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, j->target);
        sqlite3_bind_int64(st, 4, j->total);
        sqlite3_bind_int64(st, 5, j->done);
        sqlite3_bind_int(st, 6, j->rate);
        sqlite3_bind_text(st, 7, j->created_by, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, j->error, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, j->created);
        rc = sq_status(c->db, sqlite3_step(st), "create key job");
        if (rc == STORE_OK)
            j->id = sqlite3_last_insert_rowid(c->db);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int job_update(store_t *base, const store_key_job_t *j)
{
    static const char sql[] = "UPDATE crypto_jobs SET state = ?2, total = ?3, done = ?4, "
                              "error = ?5, updated = ?6 WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, j->id);
        sqlite3_bind_text(st, 2, j->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, j->total);
        sqlite3_bind_int64(st, 4, j->done);
        sqlite3_bind_text(st, 5, j->error, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, j->updated);
        rc = sq_step_change(c, st, "update key job");
    }
    sq_release(s, c);
    return rc;
}

static int job_list(store_t *base, store_key_job_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " JOB_COLUMNS " FROM crypto_jobs ORDER BY id DESC";
    store_key_job_t j;
    rows_t rows = {(void *)cb, ctx};
    return list_rows(base, sql, NULL, fill_job, &j, deliver_job, &rows, "list key jobs");
}

const store_key_ops_t sq_key_ops = {
    .create = key_create,
    .get = key_get,
    .list = key_list,
    .add_version = add_version,
    .version_get = version_get,
    .versions = versions,
    .versions_below = versions_below,
    .count_below = count_below,
    .rewrap = rewrap,
    .grant_create = grant_create,
    .grant_list = grant_list,
    .grants_of = grants_of,
    .grant_delete = grant_delete,
    .job_create = job_create,
    .job_update = job_update,
    .job_list = job_list,
};
