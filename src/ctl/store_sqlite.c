/*
 * store_sqlite.c — the SQLite backend: connections, pragmas, migrations.
 *
 * One database file (DATA_DIR/rampart.db) in WAL mode: readers never block
 * the ingest writer and the writer never blocks readers. Each thread that
 * calls the store borrows a connection from a small pool; the ingest
 * writer has its own. Durability: a committed transaction is in the WAL
 * before COMMIT returns, so it survives a crash of rampartd (kill -9);
 * with `sqlite_synchronous full` (the default) the WAL is also fsynced at
 * every commit, so it survives a power loss too.
 *
 * Checkpoints (copying WAL pages into the database file) run in their own
 * thread every CHECKPOINT_EVERY_MS, in PASSIVE mode (never blocking the
 * writer or readers), instead of inside whichever commit crosses SQLite's
 * automatic threshold: the ingest writer then never pays for them, and on
 * a machine with two cores the copy runs beside the inserts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "store_sqlite_t.h"
#include "timefmt.h"

#define BUSY_TIMEOUT_MS     10000
#define CHECKPOINT_EVERY_MS 250

int sq_status(sqlite3 *db, int rc, const char *what)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return STORE_CONFLICT;
        break;
    case SQLITE_FULL:
        log_kv(LOG_LEVEL_ERROR, "store full", "what", what, "error",
               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), NULL);
        return STORE_FULL;
    default:
        break;
    }
    log_kv(LOG_LEVEL_ERROR, "store error", "what", what, "code", LOG_INT(rc), "error",
           db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), NULL);
    return STORE_ERROR;
}

int sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

void sq_column_copy(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

int sq_step_change(sq_conn_t *c, sqlite3_stmt *st, const char *what)
{
    int step = sqlite3_step(st);
    int rc = sq_status(c->db, step, what);
    if (rc == STORE_OK && sqlite3_changes(c->db) == 0)
        rc = STORE_NOT_FOUND;
    sq_done(st);
    return rc;
}

int sq_step_one(sq_conn_t *c, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *out,
                const char *what)
{
    int step = sqlite3_step(st);
    int rc;
    if (step == SQLITE_ROW) {
        fill(st, out);
        rc = STORE_OK;
    } else {
        rc = step == SQLITE_DONE ? STORE_NOT_FOUND : sq_status(c->db, step, what);
    }
    sq_done(st);
    return rc;
}

sqlite3_stmt *sq_stmt(sq_conn_t *c, const char *sql)
{
    for (int i = 0; i < c->n_stmt; i++)
        if (c->sql[i] == sql)
            return c->stmt[i];
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_status(c->db, rc, "prepare");
        return NULL;
    }
    if (c->n_stmt < SQ_STMT_CACHE) {
        c->sql[c->n_stmt] = sql;
        c->stmt[c->n_stmt++] = st;
    } else {
        /* The cache is sized for every static statement; reaching this is a
         * programming error, reported rather than leaked. */
        log_kv(LOG_LEVEL_ERROR, "statement cache full", NULL);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

void sq_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

static int exec(sqlite3 *db, const char *sql, char *why, size_t why_size)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(why, why_size, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
    }
    return rc;
}

int sq_open_db(const sq_store_t *s, sqlite3 **out, char *why, size_t why_size)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(why, why_size, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    char pragmas[512];
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA journal_mode=WAL;"
             "PRAGMA synchronous=%s;"
             "PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY;"
             "PRAGMA cache_size=-65536;"
             "PRAGMA wal_autocheckpoint=0;"
             "PRAGMA journal_size_limit=67108864;"
             "PRAGMA trusted_schema=OFF;",
             s->synchronous_full ? "FULL" : "NORMAL");
    if (exec(db, pragmas, why, why_size) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    if (s->max_bytes) {
        /* Reaching the cap fails writes with SQLITE_FULL, exactly like a
         * full disk: the ingest writer stops loudly, nothing is half-written. */
        sqlite3_stmt *st = NULL;
        size_t page = 4096;
        if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
            page = (size_t)sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        snprintf(pragmas, sizeof(pragmas), "PRAGMA max_page_count=%zu;",
                 s->max_bytes / page ? s->max_bytes / page : 1);
        if (exec(db, pragmas, why, why_size) != SQLITE_OK) {
            sqlite3_close(db);
            return -1;
        }
    }
    *out = db;
    return 0;
}

void sq_close_conn(sq_conn_t *c)
{
    for (int i = 0; i < c->n_stmt; i++)
        sqlite3_finalize(c->stmt[i]);
    c->n_stmt = 0;
    sqlite3_close(c->db);
    c->db = NULL;
}

sq_conn_t *sq_acquire(sq_store_t *s)
{
    pthread_mutex_lock(&s->lock);
    while (!s->free_list)
        pthread_cond_wait(&s->available, &s->lock);
    sq_conn_t *c = s->free_list;
    s->free_list = c->next_free;
    pthread_mutex_unlock(&s->lock);
    return c;
}

void sq_release(sq_store_t *s, sq_conn_t *c)
{
    pthread_mutex_lock(&s->lock);
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_cond_signal(&s->available);
    pthread_mutex_unlock(&s->lock);
}

/* Whether schema_version records the migration (-1: cannot tell). */
static int migration_applied(sqlite3 *db, int version)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_version WHERE version = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_int(st, 1, version);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Brings the schema to the newest migration, all in one transaction.
 * Version numbers may have gaps: features developed on separate branches
 * reserve their numbers, and a build may carry a later one without an
 * earlier one. So every migration that schema_version does not record is
 * applied, in the table's order, not only those above the highest
 * recorded version: a store made without migration 3 and with 4 still
 * gets 3 when a build that has it opens the store. */
static int migrate(sqlite3 *db, rp_error_t *err)
{
    char why[512];
    if (exec(db,
             "BEGIN IMMEDIATE;"
             "CREATE TABLE IF NOT EXISTS schema_version ("
             "  version INTEGER PRIMARY KEY,"
             "  applied INTEGER NOT NULL,"
             "  description TEXT NOT NULL);",
             why, sizeof(why)) != SQLITE_OK) {
        snprintf(err->reason, sizeof(err->reason), "schema_version: %s", why);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    int current = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        current = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int newest = sq_migrations[sq_migrations_count - 1].version;
    if (current > newest) {
        exec(db, "ROLLBACK", why, sizeof(why));
        snprintf(err->reason, sizeof(err->reason),
                 "the store has schema version %d, newer than this rampartd knows (%d); "
                 "run a newer rampartd",
                 current, newest);
        return -1;
    }
    for (int i = 0; i < sq_migrations_count; i++) {
        const sq_migration_t *m = &sq_migrations[i];
        int applied = migration_applied(db, m->version);
        if (applied < 0) {
            snprintf(err->reason, sizeof(err->reason), "schema_version: %s", sqlite3_errmsg(db));
            exec(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        if (applied)
            continue;
        if (exec(db, m->sql, why, sizeof(why)) != SQLITE_OK) {
            char rb[128];
            exec(db, "ROLLBACK", rb, sizeof(rb));
            snprintf(err->reason, sizeof(err->reason), "migration %d failed: %s", m->version, why);
            return -1;
        }
        st = NULL;
        if (sqlite3_prepare_v2(db,
                               "INSERT INTO schema_version(version, applied, description) "
                               "VALUES (?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK) {
            snprintf(err->reason, sizeof(err->reason), "schema_version: %s", sqlite3_errmsg(db));
            exec(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        sqlite3_bind_int(st, 1, m->version);
        sqlite3_bind_int64(st, 2, time_now_ms());
        sqlite3_bind_text(st, 3, m->description, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            snprintf(err->reason, sizeof(err->reason), "schema_version: %s", sqlite3_errmsg(db));
            exec(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        log_kv(LOG_LEVEL_INFO, "schema migrated", "version", LOG_INT(m->version), "what",
               m->description, NULL);
    }
    if (exec(db, "COMMIT", why, sizeof(why)) != SQLITE_OK) {
        snprintf(err->reason, sizeof(err->reason), "migration commit: %s", why);
        exec(db, "ROLLBACK", why, sizeof(why));
        return -1;
    }
    return 0;
}

static void *checkpoint_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-checkpoint");
    sq_store_t *s = arg;
    sqlite3 *db = NULL;
    char why[256];
    if (sq_open_db(s, &db, why, sizeof(why))) {
        log_kv(LOG_LEVEL_ERROR, "checkpointer cannot open the store", "error", why, NULL);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->stop_signal, &s->lock, &deadline);
        pthread_mutex_unlock(&s->lock);
        int frames = 0, copied = 0;
        int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
            sq_status(db, rc, "checkpoint");
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    sqlite3_close(db);
    return NULL;
}

static void sq_close(store_t *base)
{
    sq_store_t *s = (sq_store_t *)base;
    if (s->checkpointer_running) {
        pthread_mutex_lock(&s->lock);
        s->stopping = 1;
        pthread_cond_signal(&s->stop_signal);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->checkpointer, NULL);
    }
    for (int i = 0; i < s->n_conns; i++)
        sq_close_conn(&s->conns[i]);
    free(s->conns);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->available);
    pthread_cond_destroy(&s->stop_signal);
    free(s);
}

static int sq_schema_version(store_t *base, int *version)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] = "SELECT coalesce(max(version), 0) FROM schema_version";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sq_done(st);
    sq_release(s, c);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

static int sq_ping(store_t *base)
{
    int v;
    return sq_schema_version(base, &v);
}

/* Approximate statistics (ANALYZE reads at most analysis_limit rows per
 * index), so the planner knows, for example, that event_rules has few
 * distinct rules and can skip-scan it by time. */
static int sq_optimize(store_t *base)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    char why[256];
    int rc = exec(c->db, "PRAGMA analysis_limit=2000; ANALYZE;", why, sizeof(why));
    if (rc != SQLITE_OK)
        log_kv(LOG_LEVEL_WARN, "store statistics not refreshed", "error", why, NULL);
    sq_release(s, c);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

static store_ops_t sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .ping = sq_ping,
    .optimize = sq_optimize,
};
static pthread_once_t sq_ops_once = PTHREAD_ONCE_INIT;

static void fill_ops(void)
{
    sq_fill_events_ops(&sq_ops);
    sq_fill_auth_ops(&sq_ops);
    sq_fill_audit_ops(&sq_ops);
    sq_fill_apps_ops(&sq_ops);
}

store_t *store_sqlite_open(const store_options_t *opt, rp_error_t *err)
{
    if (sqlite3_threadsafe() == 0) {
        snprintf(err->reason, sizeof(err->reason), "SQLite was built without thread support");
        return NULL;
    }
    pthread_once(&sq_ops_once, fill_ops);
    sq_store_t *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    s->base.ops = &sq_ops;
    s->base.agents = &sq_agent_ops;
    s->base.sql = &sq_sql_ops;
    s->base.keys = &sq_key_ops;
    s->base.inventory = &sq_inventory_ops;
    s->synchronous_full = opt->synchronous_full;
    s->max_bytes = opt->max_bytes;
    int n = snprintf(s->path, sizeof(s->path), "%s/rampart.db", opt->data_dir);
    if (n < 0 || (size_t)n >= sizeof(s->path)) {
        snprintf(err->reason, sizeof(err->reason), "data_dir path too long");
        free(s);
        return NULL;
    }
    snprintf(err->file, sizeof(err->file), "%s", s->path);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->available, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->stop_signal, &attr);
    pthread_condattr_destroy(&attr);
    s->n_conns = opt->connections > 0 ? opt->connections : 4;
    s->conns = calloc((size_t)s->n_conns, sizeof(sq_conn_t));
    if (!s->conns) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        sq_close(&s->base);
        return NULL;
    }
    char why[256];
    for (int i = 0; i < s->n_conns; i++) {
        if (sq_open_db(s, &s->conns[i].db, why, sizeof(why))) {
            snprintf(err->reason, sizeof(err->reason), "cannot open: %s", why);
            sq_close(&s->base);
            return NULL;
        }
        if (i == 0 && migrate(s->conns[0].db, err)) {
            sq_close(&s->base);
            return NULL;
        }
        s->conns[i].next_free = s->free_list;
        s->free_list = &s->conns[i];
    }
    chmod(s->path, 0600);
    if (pthread_create(&s->checkpointer, NULL, checkpoint_main, s) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the checkpoint thread");
        sq_close(&s->base);
        return NULL;
    }
    s->checkpointer_running = 1;
    err->file[0] = '\0';
    return &s->base;
}
