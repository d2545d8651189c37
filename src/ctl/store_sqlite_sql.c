/*
 * store_sqlite_sql.c — the backend-neutral statement interface
 * (store_sql.h) on SQLite: pooled connections, statements cached per
 * connection, parameters bound by their $N names.
 */
#include <inttypes.h>
#include <stdio.h>

#include "log.h"
#include "store_sql.h"
#include "store_sqlite_t.h"

struct store_sql_tx {
    sq_conn_t *conn;
};

static int bind_all(sqlite3_stmt *st, const store_sql_val_t *p, int n)
{
    for (int i = 0; i < n; i++) {
        char name[8];
        snprintf(name, sizeof(name), "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* a value this statement does not use */
        int rc =
            p[i].is_int ? sqlite3_bind_int64(st, idx, p[i].i) : sq_bind_text(st, idx, p[i].text);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int run_on(sq_conn_t *c, const char *sql, const store_sql_val_t *p, int n, store_sql_cb cb,
                  void *ctx, int64_t *changed)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st || n > STORE_SQL_PARAMS)
        return STORE_ERROR;
    int rc = bind_all(st, p, n);
    if (rc != SQLITE_OK) {
        sq_done(st);
        return sq_status(c->db, rc, "bind");
    }
    int stop = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (stop || !cb)
            continue; /* run the statement to its end (RETURNING, writes) */
        store_sql_row_t row = {.n = sqlite3_column_count(st)};
        if (row.n > STORE_SQL_COLS)
            row.n = STORE_SQL_COLS;
        for (int i = 0; i < row.n; i++)
            row.v[i] = (const char *)sqlite3_column_text(st, i);
        stop = cb(ctx, &row);
    }
    int status = sq_status(c->db, rc, "directory statement");
    if (changed)
        *changed = sqlite3_changes64(c->db);
    sq_done(st);
    return status;
}

static int sql_run(store_t *base, store_sql_tx_t *tx, const char *sql, const store_sql_val_t *p,
                   int n, store_sql_cb cb, void *ctx, int64_t *changed)
{
    if (tx)
        return run_on(tx->conn, sql, p, n, cb, ctx, changed);
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = run_on(c, sql, p, n, cb, ctx, changed);
    sq_release(s, c);
    return rc;
}

static int sql_transaction(store_t *base, int (*body)(store_t *, store_sql_tx_t *, void *),
                           void *ctx)
{
    sq_store_t *s = (sq_store_t *)base;
    store_sql_tx_t tx = {.conn = sq_acquire(s)};
    int rc = sq_status(tx.conn->db, sqlite3_exec(tx.conn->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                       "begin");
    if (rc == STORE_OK) {
        rc = body(base, &tx, ctx);
        if (rc == STORE_OK)
            rc = sq_status(tx.conn->db, sqlite3_exec(tx.conn->db, "COMMIT", NULL, NULL, NULL),
                           "commit");
        if (rc != STORE_OK)
            sqlite3_exec(tx.conn->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sq_release(s, tx.conn);
    return rc;
}

const store_sql_ops_t sq_sql_ops = {
    .run = sql_run,
    .transaction = sql_transaction,
};
