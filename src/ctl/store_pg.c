/*
 * store_pg.c — the PostgreSQL backend (libpq): connections, reconnection,
 * migrations, the table of operations.
 *
 * `store postgres` with `postgres DSN` (a libpq connection string). Each
 * thread that calls the store borrows a connection from a pool; the
 * ingest writer has its own. When the server goes away (a restart, a
 * failover), a pooled call fails with STORE_ERROR after one reconnection
 * attempt; the next call reconnects again, so rampartd recovers by itself
 * as soon as the server answers. The writer retries its batch (see
 * ingest_writer.c) and the sources wait meanwhile, so nothing is lost.
 *
 * Durability is PostgreSQL's: a COMMIT returns once the WAL is flushed
 * (synchronous_commit on, the server's default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_pg_t.h"
#include "timefmt.h"

/* Notices ("already exists, skipping") are not for rampartd's log. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Every session: UTF-8 (events are validated UTF-8), a name in
 * pg_stat_activity, and bounded waits on a server that vanished without
 * closing the connection: 5 s to connect, TCP keepalives after 30 s idle
 * (the defaults wait minutes to hours, and an API thread with them). The
 * connection string comes after these defaults and overrides them; the
 * encoding comes last and is always UTF-8. */
PGconn *pg_connect(const pg_store_t *s, char *why, size_t why_size)
{
    const char *keys[] = {
        "connect_timeout", "keepalives_idle",           "keepalives_interval", "keepalives_count",
        "dbname",          "fallback_application_name", "client_encoding",     NULL};
    const char *values[] = {"5", "30", "10", "3", s->conninfo, "rampartd", "UTF8", NULL};
    PGconn *db = PQconnectdbParams(keys, values, 1);
    if (!db || PQstatus(db) != CONNECTION_OK) {
        snprintf(why, why_size, "%s", db ? PQerrorMessage(db) : "out of memory");
        why[strcspn(why, "\n")] = '\0';
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeProcessor(db, ignore_notice, NULL);
    return db;
}

int pg_reconnect(const pg_store_t *s, pg_conn_t *c)
{
    (void)s;
    c->n_stmt = 0; /* prepared statements die with the session */
    PQreset(c->db);
    if (PQstatus(c->db) != CONNECTION_OK)
        return -1;
    log_kv(LOG_LEVEL_INFO, "PostgreSQL connection re-established", "server", s->target, NULL);
    return 0;
}

void pg_close_conn(pg_conn_t *c)
{
    PQfinish(c->db);
    c->db = NULL;
    c->n_stmt = 0;
}

pg_conn_t *pg_acquire(pg_store_t *s)
{
    pthread_mutex_lock(&s->lock);
    while (!s->free_list)
        pthread_cond_wait(&s->available, &s->lock);
    pg_conn_t *c = s->free_list;
    s->free_list = c->next_free;
    pthread_mutex_unlock(&s->lock);
    return c;
}

void pg_release(pg_store_t *s, pg_conn_t *c)
{
    pthread_mutex_lock(&s->lock);
    c->next_free = s->free_list;
    s->free_list = c;
    pthread_cond_signal(&s->available);
    pthread_mutex_unlock(&s->lock);
}

/* "host=H port=P dbname=D user=U" from the connection string, for logs
 * and errors: the password (and every other option) stays out. */
static void describe_target(const char *conninfo, char *out, size_t size)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    const char *host = NULL, *port = NULL, *dbname = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && !host))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    snprintf(out, size, "host=%s port=%s dbname=%s user=%s", host ? host : "(default)",
             port ? port : "(default)", dbname ? dbname : "(default)", user ? user : "(default)");
    PQconninfoFree(opts);
}

static int exec_simple(PGconn *db, const char *sql, char *why, size_t why_size)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        snprintf(why, why_size, "%s", PQerrorMessage(db));
        why[strcspn(why, "\n")] = '\0';
    }
    PQclear(res);
    return ok ? 0 : -1;
}

/* Whether schema_version records the migration (-1: cannot tell). */
static int migration_applied(PGconn *db, int version)
{
    char text[16];
    snprintf(text, sizeof(text), "%d", version);
    const char *params[] = {text};
    PGresult *res = PQexecParams(db, "SELECT 1 FROM schema_version WHERE version = $1", 1, NULL,
                                 params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) > 0 : -1;
    PQclear(res);
    return rc;
}

/* Brings the schema to the newest migration, all in one transaction. An
 * advisory lock serialises two rampartds starting on one database.
 * Version numbers may have gaps (features on separate branches reserve
 * their numbers), so every migration schema_version does not record is
 * applied in the table's order, not only those above the highest one:
 * a store made with 4 but without 3 still gets 3 later. */
static int migrate(PGconn *db, rp_error_t *err)
{
    char why[200];
    if (exec_simple(db,
                    "BEGIN;"
                    "SELECT pg_advisory_xact_lock(7215001);"
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    "  version integer PRIMARY KEY,"
                    "  applied bigint NOT NULL,"
                    "  description text NOT NULL);",
                    why, sizeof(why))) {
        snprintf(err->reason, sizeof(err->reason), "schema_version: %s", why);
        exec_simple(db, "ROLLBACK", why, sizeof(why));
        return -1;
    }
    PGresult *res = PQexec(db, "SELECT coalesce(max(version), 0) FROM schema_version");
    int current = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    int newest = pg_migrations[pg_migrations_count - 1].version;
    if (current < 0 || current > newest) {
        exec_simple(db, "ROLLBACK", why, sizeof(why));
        if (current < 0)
            snprintf(err->reason, sizeof(err->reason), "cannot read schema_version");
        else
            snprintf(err->reason, sizeof(err->reason),
                     "the store has schema version %d, newer than this rampartd knows (%d); "
                     "run a newer rampartd",
                     current, newest);
        return -1;
    }
    for (int i = 0; i < pg_migrations_count; i++) {
        const pg_migration_t *m = &pg_migrations[i];
        int done = migration_applied(db, m->version);
        if (done < 0) {
            snprintf(err->reason, sizeof(err->reason), "schema_version: %s", PQerrorMessage(db));
            exec_simple(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        if (done)
            continue;
        if (exec_simple(db, m->sql, why, sizeof(why))) {
            snprintf(err->reason, sizeof(err->reason), "migration %d failed: %s", m->version, why);
            exec_simple(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        char version[16], applied[24];
        snprintf(version, sizeof(version), "%d", m->version);
        snprintf(applied, sizeof(applied), "%lld", (long long)time_now_ms());
        const char *params[] = {version, applied, m->description};
        res = PQexecParams(db,
                           "INSERT INTO schema_version(version, applied, description)"
                           " VALUES ($1, $2, $3)",
                           3, NULL, params, NULL, NULL, 0);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!ok) {
            snprintf(err->reason, sizeof(err->reason), "schema_version: %s", PQerrorMessage(db));
            exec_simple(db, "ROLLBACK", why, sizeof(why));
            return -1;
        }
        log_kv(LOG_LEVEL_INFO, "schema migrated", "version", LOG_INT(m->version), "what",
               m->description, NULL);
    }
    if (exec_simple(db, "COMMIT", why, sizeof(why))) {
        snprintf(err->reason, sizeof(err->reason), "migration commit: %s", why);
        return -1;
    }
    return 0;
}

static void pg_close(store_t *base)
{
    pg_store_t *s = (pg_store_t *)base;
    for (int i = 0; i < s->n_conns; i++)
        pg_close_conn(&s->conns[i]);
    free(s->conns);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->available);
    free(s);
}

static int pg_schema_version(store_t *base, int *version)
{
    static const char sql[] = "SELECT coalesce(max(version), 0) FROM schema_version";
    int64_t v = 0;
    int rc = pg_int(base, sql, 0, NULL, 0, &v, "schema version");
    *version = (int)v;
    return rc;
}

static int pg_ping(store_t *base)
{
    int v;
    return pg_schema_version(base, &v);
}

/* Housekeeping: the coming days' partitions; fresh planner statistics;
 * and the visibility maps of the day tables, which index-only scans need
 * (top clients reads only the (client, ts) index when the pages are
 * all-visible). INDEX_CLEANUP OFF: the events are insert-only, so there
 * is nothing to remove from the indexes, and a pass over old days then
 * costs only their visibility maps; autovacuum still does full passes by
 * its own thresholds. */
static int pg_optimize(store_t *base)
{
    static const char sql_events[] = "VACUUM (ANALYZE, INDEX_CLEANUP OFF) events";
    /* every batch updates its days' counts: their old row versions go */
    static const char sql_counts[] = "VACUUM (ANALYZE) event_day_counts";
    int rc = pg_ensure_days_ahead(base);
    int counts = pg_exec(base, sql_counts, NULL, 0, "vacuum event counts");
    int events = pg_exec(base, sql_events, NULL, 0, "vacuum events");
    return rc != STORE_OK ? rc : counts != STORE_OK ? counts : events;
}

static store_ops_t pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .schema_version = pg_schema_version,
    .ping = pg_ping,
    .optimize = pg_optimize,
};
static pthread_once_t pg_ops_once = PTHREAD_ONCE_INIT;

static void fill_ops(void)
{
    pg_fill_events_ops(&pg_ops);
    pg_fill_auth_ops(&pg_ops);
    pg_fill_audit_ops(&pg_ops);
    pg_fill_apps_ops(&pg_ops);
}

int store_pg_schema_newest(void)
{
    return pg_migrations[pg_migrations_count - 1].version;
}

store_t *store_pg_open(const store_options_t *opt, rp_error_t *err)
{
    pthread_once(&pg_ops_once, fill_ops);
    if (!opt->conninfo || !*opt->conninfo) {
        snprintf(err->reason, sizeof(err->reason), "store postgres needs a postgres directive");
        return NULL;
    }
    pg_store_t *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    s->base.ops = &pg_ops;
    s->base.agents = &pg_agent_ops;
    s->base.sql = &pg_sql_ops;
    s->base.keys = &pg_key_ops;
    s->base.inventory = &pg_inventory_ops;
    if (strlen(opt->conninfo) >= sizeof(s->conninfo)) {
        snprintf(err->reason, sizeof(err->reason), "postgres connection string too long");
        free(s);
        return NULL;
    }
    snprintf(s->conninfo, sizeof(s->conninfo), "%s", opt->conninfo);
    describe_target(s->conninfo, s->target, sizeof(s->target));
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->available, NULL);
    s->n_conns = opt->connections > 0 ? opt->connections : 4;
    s->conns = calloc((size_t)s->n_conns, sizeof(pg_conn_t));
    if (!s->conns) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        pg_close(&s->base);
        return NULL;
    }
    char why[200];
    for (int i = 0; i < s->n_conns; i++) {
        if (!(s->conns[i].db = pg_connect(s, why, sizeof(why)))) {
            snprintf(err->reason, sizeof(err->reason), "cannot connect to PostgreSQL (%s): %s",
                     s->target, why);
            pg_close(&s->base);
            return NULL;
        }
        if (i == 0 && migrate(s->conns[0].db, err)) {
            pg_close(&s->base);
            return NULL;
        }
        s->conns[i].next_free = s->free_list;
        s->free_list = &s->conns[i];
    }
    if (pg_ensure_days_ahead(&s->base) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot create the event partitions");
        pg_close(&s->base);
        return NULL;
    }
    log_kv(LOG_LEVEL_INFO, "PostgreSQL store open", "server", s->target, "connections",
           LOG_INT(s->n_conns), NULL);
    return &s->base;
}
