/*
 * store_pg_inventory.c — the API inventory in PostgreSQL
 * (store_inventory.h) and migration 16, the same operations and results as
 * store_sqlite_inventory.c.
 */
#include "store_inventory.h"
#include "store_pg_t.h"

const char pg_migration_api_inventory[] = "CREATE TABLE api_inventory ("
                                          "  app text PRIMARY KEY,"
                                          "  updated bigint NOT NULL,"
                                          "  doc text NOT NULL"
                                          ");";

static int put(store_t *s, const char *app, int64_t updated, const char *doc)
{
    static const char sql[] =
        "INSERT INTO api_inventory(app, updated, doc) VALUES ($1, $2, $3) ON CONFLICT (app) DO "
        "UPDATE SET updated = excluded.updated, doc = excluded.doc";
    pg_param_t p[] = {PG_TEXT(app), PG_INT(updated), PG_TEXT(doc)};
    return pg_exec(s, sql, p, 3, "put API inventory");
}

typedef struct {
    store_inventory_cb cb;
    void *ctx;
} each_t;

static int row(void *ctx, const PGresult *res, int i)
{
    each_t *e = ctx;
    return e->cb(e->ctx, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
}

static int list(store_t *s, store_inventory_cb cb, void *ctx)
{
    static const char sql[] = "SELECT app, doc FROM api_inventory ORDER BY app";
    each_t e = {cb, ctx};
    return pg_each(s, sql, 0, NULL, 0, row, &e, "list API inventory");
}

const store_inventory_ops_t pg_inventory_ops = {.put = put, .list = list};
