/*
 * store_pg_keys.c — data keys, their wrapped versions, grants and key jobs
 * in PostgreSQL (see store_keys.h; schema: migration 6 in
 * store_pg_schema.c). The same operations, with the same results, as
 * store_sqlite_keys.c. A key and its first version, and a rotation (the
 * counter and the new version), are each one statement, so they are
 * atomic on a pooled connection; the UPDATE's row lock makes a second
 * rotation wait and take the next number.
 */
#include <string.h>

#include "store_keys.h"
#include "store_pg_t.h"

#define KEY_COLUMNS     "id, name, app, alg, current_version, created_by, created, updated"
#define VERSION_COLUMNS "key_id, version, master_version, wrapped, created"
#define GRANT_COLUMNS   "id, subject, app, keys, ops, created_by, created"
#define JOB_COLUMNS                                                                                \
    "id, kind, state, target, total, done, rate, created_by, error, created, updated"

static int fill_key(void *out, const PGresult *res, int i)
{
    store_key_t *k = out;
    memset(k, 0, sizeof(*k));
    k->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, k->name, sizeof(k->name));
    pg_get_copy(res, i, 2, k->app, sizeof(k->app));
    k->alg = (int)pg_get_int(res, i, 3);
    k->current_version = (uint32_t)pg_get_int(res, i, 4);
    pg_get_copy(res, i, 5, k->created_by, sizeof(k->created_by));
    k->created = pg_get_int(res, i, 6);
    k->updated = pg_get_int(res, i, 7);
    return 0;
}

/* bytea of unknown length up to the buffer: pg_get_bytes wants the exact
 * size, so the length comes from a separate column (octet_length). */
static int fill_version(void *out, const PGresult *res, int i)
{
    store_key_version_t *v = out;
    memset(v, 0, sizeof(*v));
    v->key_id = pg_get_int(res, i, 0);
    v->version = (uint32_t)pg_get_int(res, i, 1);
    v->master_version = (uint32_t)pg_get_int(res, i, 2);
    int64_t len = pg_get_int(res, i, 5);
    if (len > 0 && (size_t)len <= sizeof(v->wrapped) &&
        pg_get_bytes(res, i, 3, v->wrapped, (size_t)len) == 0)
        v->wrapped_len = (size_t)len;
    v->created = pg_get_int(res, i, 4);
    return 0;
}

static int fill_grant(void *out, const PGresult *res, int i)
{
    store_grant_t *g = out;
    memset(g, 0, sizeof(*g));
    g->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, g->subject, sizeof(g->subject));
    pg_get_copy(res, i, 2, g->app, sizeof(g->app));
    pg_get_copy(res, i, 3, g->keys, sizeof(g->keys));
    g->ops = (unsigned)pg_get_int(res, i, 4);
    pg_get_copy(res, i, 5, g->created_by, sizeof(g->created_by));
    g->created = pg_get_int(res, i, 6);
    return 0;
}

static int fill_job(void *out, const PGresult *res, int i)
{
    store_key_job_t *j = out;
    memset(j, 0, sizeof(*j));
    j->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, j->kind, sizeof(j->kind));
    pg_get_copy(res, i, 2, j->state, sizeof(j->state));
    j->target = (uint32_t)pg_get_int(res, i, 3);
    j->total = pg_get_int(res, i, 4);
    j->done = pg_get_int(res, i, 5);
    j->rate = (int)pg_get_int(res, i, 6);
    pg_get_copy(res, i, 7, j->created_by, sizeof(j->created_by));
    pg_get_copy(res, i, 8, j->error, sizeof(j->error));
    j->created = pg_get_int(res, i, 9);
    j->updated = pg_get_int(res, i, 10);
    return 0;
}

static int fill_id(void *out, const PGresult *res, int i)
{
    *(int64_t *)out = pg_get_int(res, i, 0);
    return 0;
}

static int key_create(store_t *s, store_key_t *k, const store_key_version_t *v1)
{
    static const char sql[] =
        "WITH k AS (INSERT INTO crypto_keys(name, app, alg, current_version, created_by, created,"
        " updated) VALUES ($1, $2, $3, 1, $4, $5, $5) RETURNING id)"
        " INSERT INTO crypto_key_versions(" VERSION_COLUMNS ")"
        " SELECT id, 1, $6, $7, $5 FROM k RETURNING key_id";
    pg_param_t p[] = {PG_TEXT(k->name),
                      PG_TEXT(k->app),
                      PG_INT(k->alg),
                      PG_TEXT(k->created_by),
                      PG_INT(k->created),
                      PG_INT(v1->master_version),
                      PG_BYTES(v1->wrapped, v1->wrapped_len)};
    int rc = pg_one(s, sql, p, 7, fill_id, &k->id, "create key");
    k->current_version = 1;
    k->updated = k->created;
    return rc;
}

static int key_get(store_t *s, const char *name, store_key_t *out)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM crypto_keys WHERE name = $1";
    pg_param_t p[] = {PG_TEXT(name)};
    return pg_one(s, sql, p, 1, fill_key, out, "get key");
}

typedef struct {
    void *cb;
    void *ctx;
    int (*fill)(void *out, const PGresult *res, int i);
    int (*deliver)(void *cb, void *ctx, const void *row);
    void *row;
} rows_t;

static int each_row(void *ctx, const PGresult *res, int i)
{
    rows_t *r = ctx;
    r->fill(r->row, res, i);
    return r->deliver(r->cb, r->ctx, r->row);
}

static int deliver_key(void *cb, void *ctx, const void *row)
{
    return ((store_key_cb)cb)(ctx, row);
}

static int deliver_version(void *cb, void *ctx, const void *row)
{
    return ((store_key_version_cb)cb)(ctx, row);
}

static int deliver_grant(void *cb, void *ctx, const void *row)
{
    return ((store_grant_cb)cb)(ctx, row);
}

static int deliver_job(void *cb, void *ctx, const void *row)
{
    return ((store_key_job_cb)cb)(ctx, row);
}

static int key_list(store_t *s, store_key_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " KEY_COLUMNS " FROM crypto_keys ORDER BY name";
    store_key_t k;
    rows_t rows = {(void *)cb, ctx, fill_key, deliver_key, &k};
    return pg_each(s, sql, 0, NULL, 0, each_row, &rows, "list keys");
}

static int add_version(store_t *s, const char *name, const store_key_version_t *v)
{
    static const char sql[] = "WITH k AS (UPDATE crypto_keys SET current_version = $2, updated = $3"
                              " WHERE name = $1 AND current_version = $2 - 1 RETURNING id)"
                              " INSERT INTO crypto_key_versions(" VERSION_COLUMNS ")"
                              " SELECT id, $2, $4, $5, $3 FROM k RETURNING key_id";
    pg_param_t p[] = {PG_TEXT(name), PG_INT(v->version), PG_INT(v->created),
                      PG_INT(v->master_version), PG_BYTES(v->wrapped, v->wrapped_len)};
    int64_t id = 0;
    int rc = pg_one(s, sql, p, 5, fill_id, &id, "rotate key");
    return rc == STORE_NOT_FOUND ? STORE_CONFLICT : rc;
}

#define VERSION_SELECT "SELECT " VERSION_COLUMNS ", octet_length(wrapped) FROM crypto_key_versions"

static int version_get(store_t *s, int64_t key_id, uint32_t version, store_key_version_t *out)
{
    static const char sql[] = VERSION_SELECT " WHERE key_id = $1 AND version = $2";
    pg_param_t p[] = {PG_INT(key_id), PG_INT(version)};
    return pg_one(s, sql, p, 2, fill_version, out, "get key version");
}

static int versions(store_t *s, int64_t key_id, store_key_version_cb cb, void *ctx)
{
    static const char sql[] = VERSION_SELECT " WHERE key_id = $1 ORDER BY version";
    pg_param_t p[] = {PG_INT(key_id)};
    store_key_version_t v;
    rows_t rows = {(void *)cb, ctx, fill_version, deliver_version, &v};
    return pg_each(s, sql, 0, p, 1, each_row, &rows, "list key versions");
}

static int versions_below(store_t *s, uint32_t master, int limit, store_key_version_cb cb,
                          void *ctx)
{
    static const char sql[] =
        VERSION_SELECT " WHERE master_version < $1 ORDER BY key_id, version LIMIT $2";
    pg_param_t p[] = {PG_INT(master), PG_INT(limit)};
    store_key_version_t v;
    rows_t rows = {(void *)cb, ctx, fill_version, deliver_version, &v};
    return pg_each(s, sql, 0, p, 2, each_row, &rows, "key versions to rewrap");
}

typedef struct {
    int64_t total, below;
} counts_t;

static int fill_counts(void *out, const PGresult *res, int i)
{
    counts_t *c = out;
    c->total = pg_get_int(res, i, 0);
    c->below = pg_get_int(res, i, 1);
    return 0;
}

static int count_below(store_t *s, uint32_t master, int64_t *total, int64_t *below)
{
    static const char sql[] = "SELECT count(*), count(*) FILTER (WHERE master_version < $1)"
                              " FROM crypto_key_versions";
    pg_param_t p[] = {PG_INT(master)};
    counts_t c = {0, 0};
    int rc = pg_one(s, sql, p, 1, fill_counts, &c, "count key versions");
    *total = c.total;
    *below = c.below;
    return rc;
}

static int rewrap(store_t *s, int64_t key_id, uint32_t version, uint32_t old_master,
                  const store_key_version_t *v)
{
    static const char sql[] =
        "UPDATE crypto_key_versions SET master_version = $4, wrapped = $5 WHERE key_id = $1 AND "
        "version = $2 AND master_version = $3";
    pg_param_t p[] = {PG_INT(key_id), PG_INT(version), PG_INT(old_master),
                      PG_INT(v->master_version), PG_BYTES(v->wrapped, v->wrapped_len)};
    return pg_change(s, sql, p, 5, "rewrap key version");
}

static int grant_create(store_t *s, store_grant_t *g)
{
    static const char sql[] = "INSERT INTO crypto_grants(subject, app, keys, ops, created_by, "
                              "created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    pg_param_t p[] = {PG_TEXT(g->subject), PG_TEXT(g->app),        PG_TEXT(g->keys),
                      PG_INT(g->ops),      PG_TEXT(g->created_by), PG_INT(g->created)};
    return pg_one(s, sql, p, 6, fill_id, &g->id, "create grant");
}

static int grant_list(store_t *s, store_grant_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " GRANT_COLUMNS " FROM crypto_grants ORDER BY id";
    store_grant_t g;
    rows_t rows = {(void *)cb, ctx, fill_grant, deliver_grant, &g};
    return pg_each(s, sql, 0, NULL, 0, each_row, &rows, "list grants");
}

static int grants_of(store_t *s, const char *subject, store_grant_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " GRANT_COLUMNS " FROM crypto_grants WHERE subject = $1 ORDER BY id";
    pg_param_t p[] = {PG_TEXT(subject)};
    store_grant_t g;
    rows_t rows = {(void *)cb, ctx, fill_grant, deliver_grant, &g};
    return pg_each(s, sql, 0, p, 1, each_row, &rows, "grants of a subject");
}

static int grant_delete(store_t *s, int64_t id)
{
    static const char sql[] = "DELETE FROM crypto_grants WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_change(s, sql, p, 1, "delete grant");
}

static int job_create(store_t *s, store_key_job_t *j)
{
    static const char sql[] = "INSERT INTO crypto_jobs(kind, state, target, total, done, rate, "
                              "created_by, error, created, updated) VALUES "
                              "($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id";
    pg_param_t p[] = {PG_TEXT(j->kind),       PG_TEXT(j->state), PG_INT(j->target),
                      PG_INT(j->total),       PG_INT(j->done),   PG_INT(j->rate),
                      PG_TEXT(j->created_by), PG_TEXT(j->error), PG_INT(j->created)};
    return pg_one(s, sql, p, 9, fill_id, &j->id, "create key job");
}

static int job_update(store_t *s, const store_key_job_t *j)
{
    static const char sql[] = "UPDATE crypto_jobs SET state = $2, total = $3, done = $4, "
                              "error = $5, updated = $6 WHERE id = $1";
    pg_param_t p[] = {PG_INT(j->id),   PG_TEXT(j->state), PG_INT(j->total),
                      PG_INT(j->done), PG_TEXT(j->error), PG_INT(j->updated)};
    return pg_change(s, sql, p, 6, "update key job");
}

static int job_list(store_t *s, store_key_job_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " JOB_COLUMNS " FROM crypto_jobs ORDER BY id DESC";
    store_key_job_t j;
    rows_t rows = {(void *)cb, ctx, fill_job, deliver_job, &j};
    return pg_each(s, sql, 0, NULL, 0, each_row, &rows, "list key jobs");
}

const store_key_ops_t pg_key_ops = {
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
