/*
 * store_sqlite_agents.c — enrolment tokens and host agents in SQLite (see
 * store_agents.h), and the migration that creates their tables.
 */
#include <string.h>

#include "store_sqlite_t.h"

const char sq_migration_agents[] =
    "CREATE TABLE agent_enrolments ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  created_by INTEGER,"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  used INTEGER NOT NULL DEFAULT 0,"
    "  agent_id INTEGER"
    ");"
    "CREATE TABLE agents ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  version TEXT NOT NULL DEFAULT '',"
    "  secret BLOB NOT NULL,"
    "  capabilities TEXT NOT NULL DEFAULT '{\"bruteforce\":true,\"fim\":true,\"webshell\":true}',"
    "  enrolled INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL DEFAULT 0,"
    "  last_ts INTEGER NOT NULL DEFAULT 0,"
    "  heartbeat_s INTEGER NOT NULL DEFAULT 0,"
    "  spool_pending INTEGER NOT NULL DEFAULT 0,"
    "  spool_dropped INTEGER NOT NULL DEFAULT 0,"
    "  events_sent INTEGER NOT NULL DEFAULT 0"
    ");";

#define AGENT_COLUMNS                                                                              \
    "id, name, version, secret, capabilities, enrolled, last_seen, last_ts, heartbeat_s, "         \
    "spool_pending, spool_dropped, events_sent"

static void fill_agent(sqlite3_stmt *st, void *out)
{
    store_agent_t *a = out;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, a->name, sizeof(a->name));
    sq_column_copy(st, 2, a->version, sizeof(a->version));
    if (sqlite3_column_bytes(st, 3) == AGENT_SECRET_LEN)
        memcpy(a->secret, sqlite3_column_blob(st, 3), AGENT_SECRET_LEN);
    sq_column_copy(st, 4, a->capabilities, sizeof(a->capabilities));
    a->enrolled = sqlite3_column_int64(st, 5);
    a->last_seen = sqlite3_column_int64(st, 6);
    a->last_ts = sqlite3_column_int64(st, 7);
    a->heartbeat_s = sqlite3_column_int(st, 8);
    a->spool_pending = sqlite3_column_int64(st, 9);
    a->spool_dropped = sqlite3_column_int64(st, 10);
    a->events_sent = sqlite3_column_int64(st, 11);
}

static int enrolment_create(store_t *base, const unsigned char hash[32], int64_t created_by,
                            int64_t created, int64_t expires)
{
    static const char sql[] = "INSERT INTO agent_enrolments(token_hash, created_by, created, "
                              "expires) VALUES (?1, ?2, ?3, ?4)";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
        if (created_by)
            sqlite3_bind_int64(st, 2, created_by);
        sqlite3_bind_int64(st, 3, created);
        sqlite3_bind_int64(st, 4, expires);
        rc = sq_status(c->db, sqlite3_step(st), "create enrolment");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int run(sq_conn_t *c, const char *sql, const char *what)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    int rc = sq_status(c->db, sqlite3_step(st), what);
    sq_done(st);
    return rc;
}

static int enrol(store_t *base, const unsigned char hash[32], int64_t now, store_agent_t *a)
{
    static const char begin[] = "BEGIN IMMEDIATE";
    static const char commit[] = "COMMIT";
    static const char rollback[] = "ROLLBACK";
    static const char use[] = "UPDATE agent_enrolments SET used = ?2 WHERE token_hash = ?1 AND "
                              "used = 0 AND expires > ?2";
    /* no capability overrides: the host's group (or the defaults) decide */
    static const char insert[] = "INSERT INTO agents(name, version, secret, enrolled, "
                                 "capabilities) VALUES (?1, ?2, ?3, ?4, '{}')";
    static const char link[] = "UPDATE agent_enrolments SET agent_id = ?2 WHERE token_hash = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    int rc = run(c, begin, "begin enrolment");
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, use);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, now);
            rc = sq_step_change(c, st, "use enrolment token");
        }
    }
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, insert);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, a->version, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 3, a->secret, AGENT_SECRET_LEN, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, now);
            rc = sq_status(c->db, sqlite3_step(st), "create agent");
            if (rc == STORE_OK)
                a->id = sqlite3_last_insert_rowid(c->db);
            sq_done(st);
        }
    }
    if (rc == STORE_OK) {
        sqlite3_stmt *st = sq_stmt(c, link);
        rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, a->id);
            rc = sq_step_change(c, st, "link enrolment");
        }
    }
    if (rc == STORE_OK)
        rc = run(c, commit, "commit enrolment");
    if (rc != STORE_OK)
        run(c, rollback, "roll back enrolment");
    sq_release(s, c);
    a->enrolled = now;
    return rc;
}

static int get(store_t *base, int64_t id, store_agent_t *out)
{
    static const char sql[] = "SELECT " AGENT_COLUMNS " FROM agents WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sq_step_one(c, st, fill_agent, out, "get agent");
    }
    sq_release(s, c);
    return rc;
}

/* Runs an UPDATE or DELETE of one agent: ?1 is the id, ?2 (when the SQL
 * has it) the text or, without text, the number. */
static int change_agent(store_t *base, const char *sql, int64_t id, const char *text, int64_t num,
                        const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_bind_parameter_count(st) >= 2) {
            if (text)
                sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
            else
                sqlite3_bind_int64(st, 2, num);
        }
        rc = sq_step_change(c, st, what);
    }
    sq_release(s, c);
    return rc;
}

static int accept_ts(store_t *base, int64_t id, int64_t ts)
{
    static const char sql[] = "UPDATE agents SET last_ts = ?2 WHERE id = ?1 AND last_ts < ?2";
    return change_agent(base, sql, id, NULL, ts, "accept agent request");
}

static int heartbeat(store_t *base, const store_agent_t *a)
{
    static const char sql[] =
        "UPDATE agents SET version = ?2, last_seen = ?3, heartbeat_s = ?4, spool_pending = ?5, "
        "spool_dropped = ?6, events_sent = ?7 WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_text(st, 2, a->version, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, a->last_seen);
        sqlite3_bind_int(st, 4, a->heartbeat_s);
        sqlite3_bind_int64(st, 5, a->spool_pending);
        sqlite3_bind_int64(st, 6, a->spool_dropped);
        sqlite3_bind_int64(st, 7, a->events_sent);
        rc = sq_step_change(c, st, "agent heartbeat");
    }
    sq_release(s, c);
    return rc;
}

static int list(store_t *base, store_agent_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " AGENT_COLUMNS " FROM agents ORDER BY name";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        store_agent_t a;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            fill_agent(st, &a);
            int stop = cb(ctx, &a);
            memset(a.secret, 0, sizeof(a.secret));
            if (stop)
                break;
        }
        rc = step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK
                                                       : sq_status(c->db, step, "list agents");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static int set_capabilities(store_t *base, int64_t id, const char *json)
{
    static const char sql[] = "UPDATE agents SET capabilities = ?2 WHERE id = ?1";
    return change_agent(base, sql, id, json, 0, "set agent capabilities");
}

static int remove_agent(store_t *base, int64_t id)
{
    static const char sql[] = "DELETE FROM agents WHERE id = ?1";
    return change_agent(base, sql, id, NULL, 0, "remove agent");
}

const store_agent_ops_t sq_agent_ops = {
    .enrolment_create = enrolment_create,
    .enrol = enrol,
    .get = get,
    .accept = accept_ts,
    .heartbeat = heartbeat,
    .list = list,
    .set_capabilities = set_capabilities,
    .remove = remove_agent,
    .baseline_put = sq_agent_baseline_put,
    .baseline_get = sq_agent_baseline_get,
    .group_create = sq_agent_group_create,
    .group_update = sq_agent_group_update,
    .group_get = sq_agent_group_get,
    .group_list = sq_agent_group_list,
    .group_remove = sq_agent_group_remove,
    .group_assign = sq_agent_group_assign,
    .group_of = sq_agent_group_of,
    .group_members = sq_agent_group_members,
};
