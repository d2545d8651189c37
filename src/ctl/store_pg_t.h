/*
 * store_pg_t.h — the PostgreSQL backend's types and its statement layer,
 * shared by its files: store_pg.c (connections, reconnection, migrations,
 * the ops table), store_pg_query.c (the statement helpers below),
 * store_pg_schema.c (the migrations), store_pg_events.c (ingestion,
 * queries, aggregations, day partitions, retention), store_pg_counts.c
 * (per-day counts for top-N), store_pg_auth.c (accounts, sessions,
 * tokens), store_pg_audit.c (the audit log, its seals and export
 * cursors), store_pg_apps.c (applications, policies, bundles,
 * gateways) and store_pg_agents.c (host agents: store_agents.h, a table
 * of operations of its own, set as store->agents in store_pg_open).
 *
 * Adding an operation: write one function in the file of its area (a new
 * area gets a new store_pg_<area>.c with a pg_fill_<area>_ops, called
 * from store_pg.c's fill_ops) using the helpers below with a static SQL
 * text and pg_param_t values, and a migration at the end of
 * store_pg_schema.c for any table it needs. For example:
 *
 *     static int token_touch(store_t *s, int64_t id, int64_t now)
 *     {
 *         static const char sql[] = "UPDATE api_tokens SET last_used = $2 WHERE id = $1";
 *         pg_param_t p[] = {PG_INT(id), PG_INT(now)};
 *         return pg_change(s, sql, p, 2, "touch token");
 *     }
 *
 * The helpers borrow a pooled connection, prepare the statement once per
 * connection (keyed by the SQL text's address, so it must be static),
 * bind every value as a parameter, map SQLSTATEs to store_status_t, and
 * reconnect and retry once when the server went away (a restart).
 */
#ifndef RAMPART_CTL_STORE_PG_T_H
#define RAMPART_CTL_STORE_PG_T_H

#include <libpq-fe.h>
#include <pthread.h>

#include "store.h"
#include "store_agents.h"
#include "store_keys.h"
#include "strbuf.h"

#define PG_STMT_CACHE 224

/* One connection and the statements prepared on it (named "s<index>"),
 * used by one thread at a time. */
typedef struct pg_conn {
    PGconn *db;
    const char *sql[PG_STMT_CACHE]; /* cache key: the static SQL text's address */
    int n_stmt;
    struct pg_conn *next_free;
} pg_conn_t;

typedef struct {
    store_t base;
    char conninfo[1024];
    char target[256]; /* host, port, database and user, for logs; never the password */
    pthread_mutex_t lock;
    pthread_cond_t available;
    pg_conn_t *conns;
    int n_conns;
    pg_conn_t *free_list;
} pg_store_t;

/* The batch's counts per (top-N dimension, day, key): store_pg_counts.c. */
typedef struct {
    uint32_t hash, key_len;
    size_t key_at; /* in keys */
    int dim;
    int64_t day, n;
} pg_count_t;

typedef struct {
    pg_count_t *slots; /* open addressing; n == 0: empty */
    size_t cap, used;
    strbuf_t keys;
} pg_counts_t;

void pg_counts_reset(pg_counts_t *c);
void pg_counts_free(pg_counts_t *c);
/* Counts the event's client, path, app, category, action and rule keys in
 * its day; -1 when out of memory. */
int pg_counts_add(pg_counts_t *c, const event_t *ev, int64_t day);
/* Adds the batch's counts to event_day_counts (in the writer's transaction). */
int pg_counts_flush(pg_counts_t *c, const pg_store_t *s, pg_conn_t *conn);
struct store_writer {
    pg_store_t *store;
    pg_conn_t conn; /* the writer's own connection, outside the pool */
    int in_batch;
    strbuf_t copy; /* the batch's events in COPY text format */
    size_t n_events;
    store_checkpoint_t *checkpoints; /* the batch's file positions */
    size_t n_checkpoints, cap_checkpoints;
    int64_t *batch_days; /* days (since the epoch) the batch touches */
    size_t n_batch_days, cap_batch_days;
    int64_t *known_days; /* days whose partition is known to exist */
    size_t n_known_days, cap_known_days;
    pg_counts_t counts;
};

typedef struct {
    int version;
    const char *description;
    const char *sql;
} pg_migration_t;

extern const pg_migration_t pg_migrations[];
extern const int pg_migrations_count;

/* ---- values ------------------------------------------------------------ */

typedef enum { PG_V_NULL, PG_V_TEXT, PG_V_INT, PG_V_BYTES } pg_value_kind_t;

typedef struct {
    pg_value_kind_t kind;
    const char *text; /* PG_V_TEXT, PG_V_BYTES */
    size_t len;       /* PG_V_BYTES */
    int64_t i;        /* PG_V_INT */
} pg_param_t;

#define PG_NULL        ((pg_param_t){.kind = PG_V_NULL})
#define PG_INT(v)      ((pg_param_t){.kind = PG_V_INT, .i = (int64_t)(v)})
#define PG_TEXT(s)     ((pg_param_t){.kind = (s) ? PG_V_TEXT : PG_V_NULL, .text = (s)})
#define PG_BYTES(p, n) ((pg_param_t){.kind = PG_V_BYTES, .text = (const char *)(p), .len = (n)})
#define PG_MAX_PARAMS  32

/* Rows handed to callbacks: the result and the row number. */
typedef int (*pg_row_cb)(void *ctx, const PGresult *res, int row);

/* ---- connections -------------------------------------------------------- */

pg_conn_t *pg_acquire(pg_store_t *s);
void pg_release(pg_store_t *s, pg_conn_t *c);

/* Opens a connection with rampartd's session settings (UTF-8, UTC);
 * NULL with why on failure. */
PGconn *pg_connect(const pg_store_t *s, char *why, size_t why_size);

/* Reconnects a connection the server dropped; 0 when usable again. */
int pg_reconnect(const pg_store_t *s, pg_conn_t *c);
void pg_close_conn(pg_conn_t *c);

/* ---- statements --------------------------------------------------------- */

/* Runs a static statement (prepared once per connection) or, with
 * dynamic set, a one-off text (built from fixed fragments; values only
 * as parameters). Returns the result (PQclear it) or NULL after logging;
 * *rc gets the store status. A connection the server dropped is
 * reconnected and the statement retried once. */
PGresult *pg_run(const pg_store_t *s, pg_conn_t *c, const char *sql, int dynamic,
                 const pg_param_t *params, int n, int *rc, const char *what);

/* Maps a failed result (or connection) to the store's vocabulary, logging. */
int pg_status(PGconn *db, const PGresult *res, const char *what);

/* Whole operations on a pooled connection: */
int pg_change(store_t *s, const char *sql, const pg_param_t *p, int n, const char *what);
int pg_exec(store_t *s, const char *sql, const pg_param_t *p, int n, const char *what);
int pg_one(store_t *s, const char *sql, const pg_param_t *p, int n, pg_row_cb fill, void *out,
           const char *what);
int pg_each(store_t *s, const char *sql, int dynamic, const pg_param_t *p, int n, pg_row_cb cb,
            void *ctx, const char *what);
int pg_int(store_t *s, const char *sql, int dynamic, const pg_param_t *p, int n, int64_t *out,
           const char *what);

/* Column readers ("" and 0 for NULL). */
int64_t pg_get_int(const PGresult *res, int row, int col);
void pg_get_copy(const PGresult *res, int row, int col, char *out, size_t size);
const char *pg_get_text(const PGresult *res, int row, int col); /* NULL for NULL */
/* A bytea column (hex output) into out; 0 when it held exactly size bytes. */
int pg_get_bytes(const PGresult *res, int row, int col, unsigned char *out, size_t size);

/* ---- partitions --------------------------------------------------------- */

/* Creates the day partition holding ts if it is missing (on c, outside
 * any transaction). */
int pg_ensure_day(const pg_store_t *s, pg_conn_t *c, int64_t day);
/* Today's and the next days' partitions, ahead of need. */
int pg_ensure_days_ahead(store_t *s);

/* Top-N over a time range with no other filter: whole days from
 * event_day_counts, the partial days at either end from the events. */
int pg_counts_top(store_t *s, const store_filter_t *f, store_top_t what, int n, pg_row_cb cb,
                  void *ctx);

/* The events column of each top-N dimension (rules: r.rule, from the join). */
extern const char *const pg_top_columns[STORE_TOP_COUNT];
extern const char pg_top_rule_join[];

void pg_fill_events_ops(store_ops_t *ops);
void pg_fill_auth_ops(store_ops_t *ops);
void pg_fill_audit_ops(store_ops_t *ops);
void pg_fill_apps_ops(store_ops_t *ops);

/* host agents (store_pg_agents.c; schema: migration 4) */
extern const store_agent_ops_t pg_agent_ops;
/* neutral statements (store_sql.h, store_pg_sql.c) */
extern const struct store_sql_ops pg_sql_ops;
/* key management (store_pg_keys.c; schema: migration 6) */
extern const store_key_ops_t pg_key_ops;
int pg_agent_baseline_put(store_t *s, int64_t id, const store_agent_baseline_t *b);
int pg_agent_baseline_get(store_t *s, int64_t id, store_agent_baseline_t *out);
/* host groups (store_pg_agent_groups.c, migration 11) */
extern const char pg_migration_agent_groups[];
/* the API inventory (store_pg_inventory.c): operations and migration 16 */
extern const struct store_inventory_ops pg_inventory_ops;
extern const char pg_migration_api_inventory[];
int pg_agent_group_create(store_t *s, store_agent_group_t *g);
int pg_agent_group_update(store_t *s, const store_agent_group_t *g);
int pg_agent_group_get(store_t *s, int64_t id, store_agent_group_t *out);
int pg_agent_group_list(store_t *s, store_agent_group_cb cb, void *ctx);
int pg_agent_group_remove(store_t *s, int64_t id);
int pg_agent_group_assign(store_t *s, int64_t agent_id, int64_t group_id);
int pg_agent_group_of(store_t *s, int64_t agent_id, store_agent_group_t *out);
int pg_agent_group_members(store_t *s, store_agent_member_cb cb, void *ctx);

#endif
