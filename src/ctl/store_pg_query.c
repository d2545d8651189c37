/*
 * store_pg_query.c — the PostgreSQL backend's statement layer (see
 * store_pg_t.h): prepared statements per connection, parameters, error
 * mapping, retry after a lost connection, column readers.
 *
 * Parameters go as text (integers formatted here) or binary (bytea), so
 * values never become SQL text. Results come back as text. Errors are
 * logged with their SQLSTATE and primary message only: PostgreSQL's DETAIL
 * of a constraint failure repeats the row, which can hold a password hash.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_pg_t.h"

int pg_status(PGconn *db, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        return STORE_CONFLICT; /* unique_violation: a name is taken */
    if (!state || PQstatus(db) == CONNECTION_BAD || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0) {
        /* No answer, or the server is shutting down or restarting. */
        const char *msg = PQerrorMessage(db);
        char line[256];
        snprintf(line, sizeof(line), "%s", msg && *msg ? msg : "no connection");
        line[strcspn(line, "\n")] = '\0';
        log_kv(LOG_LEVEL_ERROR, "PostgreSQL unreachable", "what", what, "error", line, NULL);
        return STORE_ERROR;
    }
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (strcmp(state, "53100") == 0 || strcmp(state, "53400") == 0) {
        /* disk_full, configuration_limit_exceeded (e.g. a tablespace quota) */
        log_kv(LOG_LEVEL_ERROR, "store full", "what", what, "sqlstate", state, "error",
               primary ? primary : "", NULL);
        return STORE_FULL;
    }
    log_kv(LOG_LEVEL_ERROR, "store error", "what", what, "sqlstate", state, "error",
           primary ? primary : "", NULL);
    return STORE_ERROR;
}

/* The index of sql's prepared statement on c, preparing it on first use;
 * -1 after logging. */
static int prepared(pg_conn_t *c, const char *sql, int n, const char *what)
{
    for (int i = 0; i < c->n_stmt; i++)
        if (c->sql[i] == sql)
            return i;
    if (c->n_stmt == PG_STMT_CACHE) {
        /* Sized for every static statement; reaching it is a programming error. */
        log_kv(LOG_LEVEL_ERROR, "statement cache full", "what", what, NULL);
        return -1;
    }
    char name[16];
    snprintf(name, sizeof(name), "s%d", c->n_stmt);
    PGresult *res = PQprepare(c->db, name, sql, n, NULL);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        pg_status(c->db, res, what);
    PQclear(res);
    if (!ok)
        return -1;
    c->sql[c->n_stmt] = sql;
    return c->n_stmt++;
}

PGresult *pg_run(const pg_store_t *s, pg_conn_t *c, const char *sql, int dynamic,
                 const pg_param_t *params, int n, int *rc, const char *what)
{
    char ints[PG_MAX_PARAMS][24];
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
    *rc = STORE_ERROR;
    if (n > PG_MAX_PARAMS)
        return NULL;
    for (int i = 0; i < n; i++) {
        lengths[i] = 0;
        formats[i] = 0;
        switch (params[i].kind) {
        case PG_V_NULL:
            values[i] = NULL;
            break;
        case PG_V_TEXT:
            values[i] = params[i].text;
            break;
        case PG_V_INT:
            snprintf(ints[i], sizeof(ints[i]), "%" PRId64, params[i].i);
            values[i] = ints[i];
            break;
        case PG_V_BYTES:
            values[i] = params[i].text;
            lengths[i] = (int)params[i].len;
            formats[i] = 1;
            break;
        }
    }
    for (int attempt = 0;; attempt++) {
        if (PQstatus(c->db) != CONNECTION_OK && pg_reconnect(s, c)) {
            pg_status(c->db, NULL, what);
            return NULL;
        }
        /* Only a statement outside a transaction may be sent again: inside
         * one, the transaction is gone with the connection. */
        int idle = PQtransactionStatus(c->db) == PQTRANS_IDLE;
        PGresult *res = NULL;
        if (dynamic) {
            res = PQexecParams(c->db, sql, n, NULL, values, lengths, formats, 0);
        } else {
            int idx = prepared(c, sql, n, what);
            if (idx >= 0) {
                char name[16];
                snprintf(name, sizeof(name), "s%d", idx);
                res = PQexecPrepared(c->db, name, n, values, lengths, formats, 0);
            }
        }
        ExecStatusType st = PQresultStatus(res);
        if (res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
            *rc = STORE_OK;
            return res;
        }
        if (PQstatus(c->db) == CONNECTION_BAD && idle && attempt == 0) {
            PQclear(res);
            continue;
        }
        if (res || PQstatus(c->db) == CONNECTION_BAD)
            *rc = pg_status(c->db, res, what);
        PQclear(res);
        return NULL;
    }
}

/* ---- whole operations on a pooled connection ---------------------------- */

static PGresult *run_pooled(store_t *base, pg_conn_t **c, const char *sql, int dynamic,
                            const pg_param_t *p, int n, int *rc, const char *what)
{
    pg_store_t *s = (pg_store_t *)base;
    *c = pg_acquire(s);
    return pg_run(s, *c, sql, dynamic, p, n, rc, what);
}

int pg_change(store_t *base, const char *sql, const pg_param_t *p, int n, const char *what)
{
    pg_conn_t *c;
    int rc;
    PGresult *res = run_pooled(base, &c, sql, 0, p, n, &rc, what);
    if (res && strcmp(PQcmdTuples(res), "0") == 0)
        rc = STORE_NOT_FOUND;
    PQclear(res);
    pg_release((pg_store_t *)base, c);
    return rc;
}

int pg_exec(store_t *base, const char *sql, const pg_param_t *p, int n, const char *what)
{
    pg_conn_t *c;
    int rc;
    PQclear(run_pooled(base, &c, sql, 0, p, n, &rc, what));
    pg_release((pg_store_t *)base, c);
    return rc;
}

int pg_one(store_t *base, const char *sql, const pg_param_t *p, int n, pg_row_cb fill, void *out,
           const char *what)
{
    pg_conn_t *c;
    int rc;
    PGresult *res = run_pooled(base, &c, sql, 0, p, n, &rc, what);
    if (res) {
        if (PQntuples(res) == 0)
            rc = STORE_NOT_FOUND;
        else
            fill(out, res, 0);
    }
    PQclear(res);
    pg_release((pg_store_t *)base, c);
    return rc;
}

int pg_each(store_t *base, const char *sql, int dynamic, const pg_param_t *p, int n, pg_row_cb cb,
            void *ctx, const char *what)
{
    pg_conn_t *c;
    int rc;
    PGresult *res = run_pooled(base, &c, sql, dynamic, p, n, &rc, what);
    for (int i = 0; res && i < PQntuples(res); i++)
        if (cb(ctx, res, i))
            break;
    PQclear(res);
    pg_release((pg_store_t *)base, c);
    return rc;
}

int pg_int(store_t *base, const char *sql, int dynamic, const pg_param_t *p, int n, int64_t *out,
           const char *what)
{
    pg_conn_t *c;
    int rc;
    PGresult *res = run_pooled(base, &c, sql, dynamic, p, n, &rc, what);
    if (res) {
        if (PQntuples(res) > 0)
            *out = pg_get_int(res, 0, 0);
        else
            rc = STORE_NOT_FOUND;
    }
    PQclear(res);
    pg_release((pg_store_t *)base, c);
    return rc;
}

/* ---- column readers ----------------------------------------------------- */

int64_t pg_get_int(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

const char *pg_get_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

void pg_get_copy(const PGresult *res, int row, int col, char *out, size_t size)
{
    const char *t = pg_get_text(res, row, col);
    snprintf(out, size, "%s", t ? t : "");
}

static int hex_value(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

int pg_get_bytes(const PGresult *res, int row, int col, unsigned char *out, size_t size)
{
    const char *t = pg_get_text(res, row, col);
    /* bytea_output = hex (the default since PostgreSQL 9.0): "\x" then two
     * digits per byte */
    if (!t || t[0] != '\\' || t[1] != 'x' || strlen(t + 2) != size * 2)
        return -1;
    for (size_t i = 0; i < size; i++) {
        int hi = hex_value(t[2 + 2 * i]), lo = hex_value(t[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
