/*
 * store_sqlite_t.h — the SQLite backend's types, shared by its files:
 * store_sqlite.c (connections, migrations), store_sqlite_events.c
 * (ingestion, queries, retention), store_sqlite_auth.c (accounts,
 * sessions, tokens), store_sqlite_schema.c (the migrations).
 */
#ifndef RAMPART_CTL_STORE_SQLITE_T_H
#define RAMPART_CTL_STORE_SQLITE_T_H

#include <pthread.h>
#include <sqlite3.h>

#include "store.h"
#include "store_agents.h"
#include "store_keys.h"

#define SQ_STMT_CACHE 288

/* One connection and its prepared statements, used by one thread at a time. */
typedef struct sq_conn {
    sqlite3 *db;
    const char *sql[SQ_STMT_CACHE]; /* cache key: the static SQL text's address */
    sqlite3_stmt *stmt[SQ_STMT_CACHE];
    int n_stmt;
    struct sq_conn *next_free;
} sq_conn_t;

typedef struct {
    store_t base;
    char path[4096];
    int synchronous_full;
    size_t max_bytes;
    pthread_mutex_t lock;
    pthread_cond_t available;
    sq_conn_t *conns;
    int n_conns;
    sq_conn_t *free_list;
    /* the checkpointer: copies the WAL into the database off the writer's
     * thread (every connection runs with wal_autocheckpoint=0) */
    pthread_t checkpointer;
    int checkpointer_running;
    int stopping;
    pthread_cond_t stop_signal;
} sq_store_t;

struct store_writer {
    sq_store_t *store;
    sq_conn_t conn; /* the writer's own connection, outside the pool */
    int in_tx;
};

typedef struct {
    int version;
    const char *description;
    const char *sql;
} sq_migration_t;

extern const sq_migration_t sq_migrations[];
extern const int sq_migrations_count;

/* A pooled connection (waits while all are busy); give it back with
 * sq_release. */
sq_conn_t *sq_acquire(sq_store_t *s);
void sq_release(sq_store_t *s, sq_conn_t *c);

/* The prepared statement for a static SQL text (prepared once per
 * connection); NULL after logging on failure. Reset it with sq_done. */
sqlite3_stmt *sq_stmt(sq_conn_t *c, const char *sql);
void sq_done(sqlite3_stmt *st);

/* Opens a connection with rampartd's pragmas (WAL, synchronous, foreign
 * keys, no automatic checkpoints, the size cap of the store). */
int sq_open_db(const sq_store_t *s, sqlite3 **out, char *why, size_t why_size);
void sq_close_conn(sq_conn_t *c);

/* Maps a SQLite result code to the store's vocabulary, logging errors. */
int sq_status(sqlite3 *db, int rc, const char *what);

/* Binds a C string or NULL as text. */
int sq_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Copies a text column into a fixed buffer ("" for NULL). */
void sq_column_copy(sqlite3_stmt *st, int col, char *out, size_t size);

/* Runs an UPDATE/DELETE: STORE_NOT_FOUND when it changed no row. */
int sq_step_change(sq_conn_t *c, sqlite3_stmt *st, const char *what);
/* Runs a statement expected to return at most one row into fill(). */
int sq_step_one(sq_conn_t *c, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *out,
                const char *what);

void sq_fill_events_ops(store_ops_t *ops);

/* host agents (store_sqlite_agents.c): the operations and their migration */
extern const store_agent_ops_t sq_agent_ops;
extern const char sq_migration_agents[];
/* neutral statements (store_sql.h, store_sqlite_sql.c) */
extern const struct store_sql_ops sq_sql_ops;
/* key management (store_sqlite_keys.c): the operations and migration 6 */
extern const store_key_ops_t sq_key_ops;
extern const char sq_migration_keys[];
/* the API inventory (store_sqlite_inventory.c): operations and migration 16 */
extern const struct store_inventory_ops sq_inventory_ops;
extern const char sq_migration_api_inventory[];
extern const char sq_migration_agent_baselines[];
int sq_agent_baseline_put(store_t *s, int64_t id, const store_agent_baseline_t *b);
int sq_agent_baseline_get(store_t *s, int64_t id, store_agent_baseline_t *out);
/* host groups (store_sqlite_agent_groups.c, migration 11) */
extern const char sq_migration_agent_groups[];
int sq_agent_group_create(store_t *s, store_agent_group_t *g);
int sq_agent_group_update(store_t *s, const store_agent_group_t *g);
int sq_agent_group_get(store_t *s, int64_t id, store_agent_group_t *out);
int sq_agent_group_list(store_t *s, store_agent_group_cb cb, void *ctx);
int sq_agent_group_remove(store_t *s, int64_t id);
int sq_agent_group_assign(store_t *s, int64_t agent_id, int64_t group_id);
int sq_agent_group_of(store_t *s, int64_t agent_id, store_agent_group_t *out);
int sq_agent_group_members(store_t *s, store_agent_member_cb cb, void *ctx);
void sq_fill_auth_ops(store_ops_t *ops);
void sq_fill_audit_ops(store_ops_t *ops);

/* The audit tables' reading, shared with `rampart audit verify`, which
 * opens the file read-only without the store. */
#define SQ_AUDIT_COLUMNS                                                                           \
    "seq, ts, actor, role, client, action, method, path, target, outcome, status, detail, "        \
    "canonical, prev_hash, hash"
#define SQ_AUDIT_SEALS_SELECT                                                                      \
    "SELECT id, seq, ts, hash, key_id, signature FROM audit_seals ORDER BY seq, id"
void sq_audit_row_from(sqlite3_stmt *st, store_audit_row_t *r); /* SQ_AUDIT_COLUMNS */
void sq_audit_seal_from(sqlite3_stmt *st, store_audit_seal_t *seal);
void sq_fill_apps_ops(store_ops_t *ops);

#endif
