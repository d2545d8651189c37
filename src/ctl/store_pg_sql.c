/*
 * store_pg_sql.c — the backend-neutral statement interface (store_sql.h)
 * on PostgreSQL, over the statement layer of store_pg_query.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_pg_t.h"
#include "store_sql.h"

struct store_sql_tx {
    pg_conn_t *conn;
};

static int run_on(pg_store_t *s, pg_conn_t *c, const char *sql, const store_sql_val_t *p, int n,
                  store_sql_cb cb, void *ctx, int64_t *changed)
{
    pg_param_t params[PG_MAX_PARAMS];
    if (n > PG_MAX_PARAMS || n > STORE_SQL_PARAMS)
        return STORE_ERROR;
    for (int i = 0; i < n; i++)
        params[i] = p[i].is_int ? PG_INT(p[i].i) : PG_TEXT(p[i].text);
    int rc;
    PGresult *res = pg_run(s, c, sql, 0, params, n, &rc, "directory statement");
    if (!res)
        return rc;
    int rows = PQntuples(res), cols = PQnfields(res);
    if (cols > STORE_SQL_COLS)
        cols = STORE_SQL_COLS;
    for (int r = 0; cb && r < rows; r++) {
        store_sql_row_t row = {.n = cols};
        for (int i = 0; i < cols; i++)
            row.v[i] = pg_get_text(res, r, i);
        if (cb(ctx, &row))
            break;
    }
    if (changed)
        *changed = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

static int sql_run(store_t *base, store_sql_tx_t *tx, const char *sql, const store_sql_val_t *p,
                   int n, store_sql_cb cb, void *ctx, int64_t *changed)
{
    pg_store_t *s = (pg_store_t *)base;
    if (tx)
        return run_on(s, tx->conn, sql, p, n, cb, ctx, changed);
    pg_conn_t *c = pg_acquire(s);
    int rc = run_on(s, c, sql, p, n, cb, ctx, changed);
    pg_release(s, c);
    return rc;
}

/* Transaction control goes unprepared: a statement cannot be prepared in
 * an aborted transaction, and ROLLBACK must work there. */
static int control(pg_conn_t *c, const char *sql)
{
    PGresult *res = PQexec(c->db, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : pg_status(c->db, res, sql);
    PQclear(res);
    return rc;
}

static int sql_transaction(store_t *base, int (*body)(store_t *, store_sql_tx_t *, void *),
                           void *ctx)
{
    pg_store_t *s = (pg_store_t *)base;
    store_sql_tx_t tx = {.conn = pg_acquire(s)};
    if (PQstatus(tx.conn->db) != CONNECTION_OK)
        pg_reconnect(s, tx.conn);
    int rc = control(tx.conn, "BEGIN");
    if (rc == STORE_OK) {
        rc = body(base, &tx, ctx);
        if (rc == STORE_OK)
            rc = control(tx.conn, "COMMIT");
        if (rc != STORE_OK)
            control(tx.conn, "ROLLBACK");
    }
    pg_release(s, tx.conn);
    return rc;
}

const store_sql_ops_t pg_sql_ops = {
    .run = sql_run,
    .transaction = sql_transaction,
};
