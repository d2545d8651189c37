/*
 * store_sqlite_agent_baseline.c — each host's latest baseline results in
 * SQLite (store_agents.h), and migration 7 that creates their table. The
 * row goes with its host (foreign key, ON DELETE CASCADE).
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite_t.h"

const char sq_migration_agent_baselines[] =
    "CREATE TABLE agent_baselines ("
    "  agent_id INTEGER PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,"
    "  reported INTEGER NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  passed INTEGER NOT NULL,"
    "  failed INTEGER NOT NULL,"
    "  not_applicable INTEGER NOT NULL,"
    "  report TEXT NOT NULL"
    ");";

int sq_agent_baseline_put(store_t *base, int64_t id, const store_agent_baseline_t *b)
{
    static const char sql[] =
        "INSERT INTO agent_baselines(agent_id, reported, score, passed, failed, not_applicable, "
        "report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(agent_id) DO UPDATE SET "
        "reported = excluded.reported, score = excluded.score, passed = excluded.passed, "
        "failed = excluded.failed, not_applicable = excluded.not_applicable, "
        "report = excluded.report";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, b->reported);
        sqlite3_bind_int(st, 3, b->score);
        sqlite3_bind_int(st, 4, b->passed);
        sqlite3_bind_int(st, 5, b->failed);
        sqlite3_bind_int(st, 6, b->not_applicable);
        sqlite3_bind_text(st, 7, b->report, -1, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "put agent baseline");
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

static void fill_baseline(sqlite3_stmt *st, void *out)
{
    store_agent_baseline_t *b = out;
    b->reported = sqlite3_column_int64(st, 0);
    b->score = sqlite3_column_int(st, 1);
    b->passed = sqlite3_column_int(st, 2);
    b->failed = sqlite3_column_int(st, 3);
    b->not_applicable = sqlite3_column_int(st, 4);
    const char *text = (const char *)sqlite3_column_text(st, 5);
    b->report = strdup(text ? text : "{}");
}

int sq_agent_baseline_get(store_t *base, int64_t id, store_agent_baseline_t *out)
{
    static const char sql[] = "SELECT reported, score, passed, failed, not_applicable, report "
                              "FROM agent_baselines WHERE agent_id = ?1";
    memset(out, 0, sizeof(*out));
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sq_step_one(c, st, fill_baseline, out, "get agent baseline");
    }
    sq_release(s, c);
    if (rc == STORE_OK && !out->report)
        rc = STORE_ERROR;
    return rc;
}
