/*
 * store_sql.h — a backend-neutral statement interface for the parts of the
 * store that need no backend-specific SQL (the identity directory,
 * store_dir.c): one SQL text runs on SQLite and PostgreSQL alike.
 *
 * SQL texts are static (each backend prepares a text once per connection,
 * keyed by its address) and name their parameters $1, $2, ... — both
 * backends understand that spelling; SQLite binds by name, so order does
 * not matter. Values are bound as parameters, never spliced into SQL.
 * Rows reach callbacks as text (NULL for SQL NULL); integers are parsed
 * with store_sql_int. Only the common dialect is used: INTEGER/bigint
 * columns, text, RETURNING, ON CONFLICT, lower(), LIKE on lowered text.
 */
#ifndef RAMPART_CTL_STORE_SQL_H
#define RAMPART_CTL_STORE_SQL_H

#include <stdint.h>
#include <stdlib.h>

struct store;

#define STORE_SQL_COLS   24
#define STORE_SQL_PARAMS 24

typedef struct {
    int n;
    const char *v[STORE_SQL_COLS];
} store_sql_row_t;

typedef struct {
    int is_int;
    const char *text; /* NULL (and !is_int): SQL NULL */
    int64_t i;
} store_sql_val_t;

#define SQL_T(s) ((store_sql_val_t){.is_int = 0, .text = (s)})
#define SQL_I(x) ((store_sql_val_t){.is_int = 1, .i = (int64_t)(x)})

/* Return nonzero to stop the iteration. */
typedef int (*store_sql_cb)(void *ctx, const store_sql_row_t *row);

/* A transaction's connection, opaque to the caller. */
typedef struct store_sql_tx store_sql_tx_t;

typedef struct store_sql_ops {
    /* Runs sql on tx's connection (NULL: a pooled one, autocommit); rows go
     * to cb (may be NULL); *changed (may be NULL) gets the rows an
     * INSERT/UPDATE/DELETE touched. STORE_OK, STORE_CONFLICT (unique),
     * STORE_FULL or STORE_ERROR. */
    int (*run)(struct store *s, store_sql_tx_t *tx, const char *sql, const store_sql_val_t *p,
               int n, store_sql_cb cb, void *ctx, int64_t *changed);
    /* Runs body in one transaction: committed when it returns STORE_OK,
     * rolled back otherwise (its status is returned). */
    int (*transaction)(struct store *s, int (*body)(struct store *s, store_sql_tx_t *tx, void *ctx),
                       void *ctx);
} store_sql_ops_t;

static inline int64_t store_sql_int(const store_sql_row_t *row, int col)
{
    return col < row->n && row->v[col] ? strtoll(row->v[col], NULL, 10) : 0;
}

static inline const char *store_sql_text(const store_sql_row_t *row, int col)
{
    return col < row->n && row->v[col] ? row->v[col] : "";
}

#endif
