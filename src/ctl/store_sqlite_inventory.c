/*
 * store_sqlite_inventory.c — the API inventory in SQLite
 * (store_inventory.h) and migration 16 that creates its table.
 */
#include "store_inventory.h"
#include "store_sqlite_t.h"

const char sq_migration_api_inventory[] = "CREATE TABLE api_inventory ("
                                          "  app TEXT PRIMARY KEY,"
                                          "  updated INTEGER NOT NULL,"
                                          "  doc TEXT NOT NULL"
                                          ");";

static int put(store_t *base, const char *app, int64_t updated, const char *doc)
{
    static const char sql[] =
        "INSERT INTO api_inventory(app, updated, doc) VALUES (?1, ?2, ?3) ON CONFLICT(app) DO "
        "UPDATE SET updated = excluded.updated, doc = excluded.doc";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, app, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, updated);
        sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "put API inventory");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int list(store_t *base, store_inventory_cb cb, void *ctx)
{
    static const char sql[] = "SELECT app, doc FROM api_inventory ORDER BY app";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW)
            if (cb(ctx, (const char *)sqlite3_column_text(st, 0),
                   (const char *)sqlite3_column_text(st, 1)))
                break;
        rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, "list API inventory");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

const store_inventory_ops_t sq_inventory_ops = {.put = put, .list = list};
