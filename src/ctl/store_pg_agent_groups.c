/*
 * store_pg_agent_groups.c — host groups and their members in PostgreSQL
 * (store_agents.h; migration 11 in store_pg_schema.c), the same
 * operations and results as store_sqlite_agent_groups.c.
 */
#include <string.h>

#include "store_pg_t.h"

const char pg_migration_agent_groups[] =
    "CREATE TABLE agent_groups ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  capabilities text NOT NULL DEFAULT '{}',"
    "  response_rules text NOT NULL DEFAULT '[]',"
    "  created bigint NOT NULL"
    ");"
    "CREATE UNIQUE INDEX agent_groups_name ON agent_groups (lower(name));"
    "CREATE TABLE agent_group_members ("
    "  agent_id bigint PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,"
    "  group_id bigint NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE"
    ");"
    "CREATE INDEX agent_group_members_group ON agent_group_members(group_id);"
    "ALTER TABLE agents ALTER COLUMN capabilities SET DEFAULT '{}';"
    "UPDATE agents SET capabilities = '{}'"
    "  WHERE capabilities = '{\"bruteforce\":true,\"fim\":true,\"webshell\":true}';";

#define GROUP_COLUMNS "g.id, g.name, g.capabilities, g.response_rules, g.created"

static int fill_group(void *out, const PGresult *res, int i)
{
    store_agent_group_t *g = out;
    memset(g, 0, sizeof(*g));
    g->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, g->name, sizeof(g->name));
    pg_get_copy(res, i, 2, g->capabilities, sizeof(g->capabilities));
    pg_get_copy(res, i, 3, g->response_rules, sizeof(g->response_rules));
    g->created = pg_get_int(res, i, 4);
    return 0;
}

static int fill_new_id(void *out, const PGresult *res, int i)
{
    *(int64_t *)out = pg_get_int(res, i, 0);
    return 0;
}

int pg_agent_group_create(store_t *s, store_agent_group_t *g)
{
    static const char sql[] = "INSERT INTO agent_groups(name, capabilities, response_rules, "
                              "created) VALUES ($1, $2, $3, $4) RETURNING id";
    pg_param_t p[] = {PG_TEXT(g->name), PG_TEXT(g->capabilities), PG_TEXT(g->response_rules),
                      PG_INT(g->created)};
    return pg_one(s, sql, p, 4, fill_new_id, &g->id, "create agent group");
}

int pg_agent_group_update(store_t *s, const store_agent_group_t *g)
{
    static const char sql[] = "UPDATE agent_groups SET name = $1, capabilities = $2, "
                              "response_rules = $3 WHERE id = $4";
    pg_param_t p[] = {PG_TEXT(g->name), PG_TEXT(g->capabilities), PG_TEXT(g->response_rules),
                      PG_INT(g->id)};
    return pg_change(s, sql, p, 4, "update agent group");
}

int pg_agent_group_get(store_t *s, int64_t id, store_agent_group_t *out)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM agent_groups g WHERE g.id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_one(s, sql, p, 1, fill_group, out, "get agent group");
}

int pg_agent_group_of(store_t *s, int64_t agent_id, store_agent_group_t *out)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM agent_groups g JOIN "
                              "agent_group_members m ON m.group_id = g.id WHERE m.agent_id = $1";
    pg_param_t p[] = {PG_INT(agent_id)};
    return pg_one(s, sql, p, 1, fill_group, out, "get an agent's group");
}

typedef struct {
    store_agent_group_cb cb;
    store_agent_member_cb member_cb;
    void *ctx;
} group_rows_t;

static int group_row(void *ctx, const PGresult *res, int i)
{
    group_rows_t *rows = ctx;
    store_agent_group_t g;
    fill_group(&g, res, i);
    return rows->cb(rows->ctx, &g);
}

int pg_agent_group_list(store_t *s, store_agent_group_cb cb, void *ctx)
{
    /* SQLite's order: names without regard to ASCII case */
    static const char sql[] =
        "SELECT " GROUP_COLUMNS " FROM agent_groups g ORDER BY lower(g.name), g.name";
    group_rows_t rows = {.cb = cb, .ctx = ctx};
    return pg_each(s, sql, 0, NULL, 0, group_row, &rows, "list agent groups");
}

static int member_row(void *ctx, const PGresult *res, int i)
{
    group_rows_t *rows = ctx;
    return rows->member_cb(rows->ctx, pg_get_int(res, i, 0), pg_get_int(res, i, 1));
}

int pg_agent_group_members(store_t *s, store_agent_member_cb cb, void *ctx)
{
    static const char sql[] = "SELECT agent_id, group_id FROM agent_group_members ORDER BY "
                              "agent_id";
    group_rows_t rows = {.member_cb = cb, .ctx = ctx};
    return pg_each(s, sql, 0, NULL, 0, member_row, &rows, "list agent group members");
}

int pg_agent_group_remove(store_t *s, int64_t id)
{
    static const char sql[] = "DELETE FROM agent_groups WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_change(s, sql, p, 1, "remove agent group");
}

int pg_agent_group_assign(store_t *s, int64_t agent_id, int64_t group_id)
{
    static const char leave[] = "DELETE FROM agent_group_members WHERE agent_id = $1";
    static const char join[] = "INSERT INTO agent_group_members(agent_id, group_id) VALUES "
                               "($1, $2) ON CONFLICT (agent_id) DO UPDATE SET group_id = "
                               "excluded.group_id";
    pg_param_t p[] = {PG_INT(agent_id), PG_INT(group_id)};
    return group_id ? pg_exec(s, join, p, 2, "assign agent group")
                    : pg_exec(s, leave, p, 1, "leave agent group");
}
