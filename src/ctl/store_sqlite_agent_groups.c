/*
 * store_sqlite_agent_groups.c — host groups and their members in SQLite
 * (store_agents.h), and migration 11 that creates their tables. A
 * membership goes with its host or its group (foreign keys, ON DELETE
 * CASCADE). The migration also turns the capabilities a host got by
 * default at enrolment into no overrides, so its group decides them.
 */
#include <string.h>

#include "store_sqlite_t.h"

const char sq_migration_agent_groups[] =
    "CREATE TABLE agent_groups ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  capabilities TEXT NOT NULL DEFAULT '{}',"
    "  response_rules TEXT NOT NULL DEFAULT '[]',"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE TABLE agent_group_members ("
    "  agent_id INTEGER PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,"
    "  group_id INTEGER NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX agent_group_members_group ON agent_group_members(group_id);"
    "UPDATE agents SET capabilities = '{}'"
    "  WHERE capabilities = '{\"bruteforce\":true,\"fim\":true,\"webshell\":true}';";

#define GROUP_COLUMNS "g.id, g.name, g.capabilities, g.response_rules, g.created"

static void fill_group(sqlite3_stmt *st, void *out)
{
    store_agent_group_t *g = out;
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(st, 0);
    sq_column_copy(st, 1, g->name, sizeof(g->name));
    sq_column_copy(st, 2, g->capabilities, sizeof(g->capabilities));
    sq_column_copy(st, 3, g->response_rules, sizeof(g->response_rules));
    g->created = sqlite3_column_int64(st, 4);
}

/* ?1..?4: name, capabilities, rules, and created (insert) or id (update). */
static int write_group(store_t *base, const char *sql, const store_agent_group_t *g, int64_t last,
                       int64_t *new_id, const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, g->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->capabilities, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, g->response_rules, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, last);
        if (new_id) {
            rc = sq_status(c->db, sqlite3_step(st), what);
            if (rc == STORE_OK)
                *new_id = sqlite3_last_insert_rowid(c->db);
            sq_done(st);
        } else {
            rc = sq_step_change(c, st, what);
        }
    }
    sq_release(s, c);
    return rc;
}

int sq_agent_group_create(store_t *base, store_agent_group_t *g)
{
    static const char sql[] = "INSERT INTO agent_groups(name, capabilities, response_rules, "
                              "created) VALUES (?1, ?2, ?3, ?4)";
    return write_group(base, sql, g, g->created, &g->id, "create agent group");
}

int sq_agent_group_update(store_t *base, const store_agent_group_t *g)
{
    static const char sql[] = "UPDATE agent_groups SET name = ?1, capabilities = ?2, "
                              "response_rules = ?3 WHERE id = ?4";
    return write_group(base, sql, g, g->id, NULL, "update agent group");
}

/* A statement with ?1 = id returning at most one group. */
static int one_group(store_t *base, const char *sql, int64_t id, store_agent_group_t *out,
                     const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sq_step_one(c, st, fill_group, out, what);
    }
    sq_release(s, c);
    return rc;
}

int sq_agent_group_get(store_t *base, int64_t id, store_agent_group_t *out)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM agent_groups g WHERE g.id = ?1";
    return one_group(base, sql, id, out, "get agent group");
}

int sq_agent_group_of(store_t *base, int64_t agent_id, store_agent_group_t *out)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM agent_groups g JOIN "
                              "agent_group_members m ON m.group_id = g.id WHERE m.agent_id = ?1";
    return one_group(base, sql, agent_id, out, "get an agent's group");
}

/* Runs sql (no parameters) and hands each row to row(); non-zero stops. */
static int each_row(store_t *base, const char *sql, int (*row)(sqlite3_stmt *, void *), void *ctx,
                    const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW && !row(st, ctx))
            ;
        rc = step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK : sq_status(c->db, step, what);
        sq_done(st);
    }
    sq_release(s, c);
    return rc;
}

typedef struct {
    store_agent_group_cb group_cb;
    store_agent_member_cb member_cb;
    void *ctx;
} rows_t;

static int group_row(sqlite3_stmt *st, void *ctx)
{
    rows_t *rows = ctx;
    store_agent_group_t g;
    fill_group(st, &g);
    return rows->group_cb(rows->ctx, &g);
}

static int member_row(sqlite3_stmt *st, void *ctx)
{
    rows_t *rows = ctx;
    return rows->member_cb(rows->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
}

int sq_agent_group_list(store_t *base, store_agent_group_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM agent_groups g ORDER BY g.name";
    rows_t rows = {.group_cb = cb, .ctx = ctx};
    return each_row(base, sql, group_row, &rows, "list agent groups");
}

int sq_agent_group_members(store_t *base, store_agent_member_cb cb, void *ctx)
{
    static const char sql[] = "SELECT agent_id, group_id FROM agent_group_members ORDER BY "
                              "agent_id";
    rows_t rows = {.member_cb = cb, .ctx = ctx};
    return each_row(base, sql, member_row, &rows, "list agent group members");
}

/* ?1 = a, ?2 (when the SQL has it) = b. */
static int change_ids(store_t *base, const char *sql, int64_t a, int64_t b, int want_change,
                      const char *what)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, a);
        if (sqlite3_bind_parameter_count(st) >= 2)
            sqlite3_bind_int64(st, 2, b);
        if (want_change) {
            rc = sq_step_change(c, st, what);
        } else {
            rc = sq_status(c->db, sqlite3_step(st), what);
            sq_done(st);
        }
    }
    sq_release(s, c);
    return rc;
}

int sq_agent_group_remove(store_t *base, int64_t id)
{
    static const char sql[] = "DELETE FROM agent_groups WHERE id = ?1";
    return change_ids(base, sql, id, 0, 1, "remove agent group");
}

int sq_agent_group_assign(store_t *base, int64_t agent_id, int64_t group_id)
{
    static const char leave[] = "DELETE FROM agent_group_members WHERE agent_id = ?1";
    static const char join[] = "INSERT INTO agent_group_members(agent_id, group_id) VALUES "
                               "(?1, ?2) ON CONFLICT(agent_id) DO UPDATE SET group_id = "
                               "excluded.group_id";
    return group_id ? change_ids(base, join, agent_id, group_id, 0, "assign agent group")
                    : change_ids(base, leave, agent_id, 0, 0, "leave agent group");
}
