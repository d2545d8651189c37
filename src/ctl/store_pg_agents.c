/*
 * store_pg_agents.c — enrolment tokens and host agents in PostgreSQL (see
 * store_agents.h; schema: migration 4 in store_pg_schema.c). The same
 * operations, with the same results, as store_sqlite_agents.c.
 *
 * Enrolment is one statement, so it is atomic without a transaction on
 * the pooled connection: it locks the unused, unexpired token row, creates
 * the agent and marks the token used. A taken name fails the whole
 * statement (unique violation: STORE_CONFLICT) and leaves the token
 * unused; a second enrolment with the same token waits for the row lock
 * and then finds it used.
 */
#include <string.h>

#include "store_agents.h"
#include "store_pg_t.h"

#define AGENT_COLUMNS                                                                              \
    "id, name, version, secret, capabilities, enrolled, last_seen, last_ts, heartbeat_s, "         \
    "spool_pending, spool_dropped, events_sent"

static int fill_agent(void *out, const PGresult *res, int i)
{
    store_agent_t *a = out;
    memset(a, 0, sizeof(*a));
    a->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, a->name, sizeof(a->name));
    pg_get_copy(res, i, 2, a->version, sizeof(a->version));
    if (pg_get_bytes(res, i, 3, a->secret, sizeof(a->secret)))
        memset(a->secret, 0, sizeof(a->secret));
    pg_get_copy(res, i, 4, a->capabilities, sizeof(a->capabilities));
    a->enrolled = pg_get_int(res, i, 5);
    a->last_seen = pg_get_int(res, i, 6);
    a->last_ts = pg_get_int(res, i, 7);
    a->heartbeat_s = (int)pg_get_int(res, i, 8);
    a->spool_pending = pg_get_int(res, i, 9);
    a->spool_dropped = pg_get_int(res, i, 10);
    a->events_sent = pg_get_int(res, i, 11);
    return 0;
}

static int enrolment_create(store_t *s, const unsigned char hash[32], int64_t created_by,
                            int64_t created, int64_t expires)
{
    static const char sql[] = "INSERT INTO agent_enrolments(token_hash, created_by, created, "
                              "expires) VALUES ($1, $2, $3, $4)";
    pg_param_t p[] = {PG_BYTES(hash, 32), created_by ? PG_INT(created_by) : PG_NULL,
                      PG_INT(created), PG_INT(expires)};
    return pg_exec(s, sql, p, 4, "create enrolment");
}

static int fill_id(void *out, const PGresult *res, int i)
{
    *(int64_t *)out = pg_get_int(res, i, 0);
    return 0;
}

static int enrol(store_t *s, const unsigned char hash[32], int64_t now, store_agent_t *a)
{
    static const char sql[] = "WITH token AS ("
                              "  SELECT id FROM agent_enrolments"
                              "  WHERE token_hash = $1 AND used = 0 AND expires > $2 FOR UPDATE),"
                              " agent AS ("
                              "  INSERT INTO agents(name, version, secret, enrolled, capabilities)"
                              "  SELECT $3, $4, $5, $2, '{}' FROM token RETURNING id)"
                              " UPDATE agent_enrolments e SET used = $2, agent_id = agent.id"
                              " FROM token, agent WHERE e.id = token.id RETURNING agent.id";
    pg_param_t p[] = {PG_BYTES(hash, 32), PG_INT(now), PG_TEXT(a->name), PG_TEXT(a->version),
                      PG_BYTES(a->secret, AGENT_SECRET_LEN)};
    int rc = pg_one(s, sql, p, 5, fill_id, &a->id, "enrol agent");
    a->enrolled = now;
    return rc;
}

static int get(store_t *s, int64_t id, store_agent_t *out)
{
    static const char sql[] = "SELECT " AGENT_COLUMNS " FROM agents WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_one(s, sql, p, 1, fill_agent, out, "get agent");
}

static int accept_ts(store_t *s, int64_t id, int64_t ts)
{
    static const char sql[] = "UPDATE agents SET last_ts = $2 WHERE id = $1 AND last_ts < $2";
    pg_param_t p[] = {PG_INT(id), PG_INT(ts)};
    return pg_change(s, sql, p, 2, "accept agent request");
}

static int heartbeat(store_t *s, const store_agent_t *a)
{
    static const char sql[] =
        "UPDATE agents SET version = $2, last_seen = $3, heartbeat_s = $4, spool_pending = $5, "
        "spool_dropped = $6, events_sent = $7 WHERE id = $1";
    pg_param_t p[] = {PG_INT(a->id),          PG_TEXT(a->version),      PG_INT(a->last_seen),
                      PG_INT(a->heartbeat_s), PG_INT(a->spool_pending), PG_INT(a->spool_dropped),
                      PG_INT(a->events_sent)};
    return pg_change(s, sql, p, 7, "agent heartbeat");
}

typedef struct {
    store_agent_cb cb;
    void *ctx;
} agent_rows_t;

static int agent_row(void *ctx, const PGresult *res, int i)
{
    agent_rows_t *rows = ctx;
    store_agent_t a;
    fill_agent(&a, res, i);
    int stop = rows->cb(rows->ctx, &a);
    memset(a.secret, 0, sizeof(a.secret));
    return stop;
}

static int list(store_t *s, store_agent_cb cb, void *ctx)
{
    /* SQLite's order: names without regard to ASCII case */
    static const char sql[] = "SELECT " AGENT_COLUMNS " FROM agents ORDER BY lower(name), name";
    agent_rows_t rows = {cb, ctx};
    return pg_each(s, sql, 0, NULL, 0, agent_row, &rows, "list agents");
}

static int set_capabilities(store_t *s, int64_t id, const char *json)
{
    static const char sql[] = "UPDATE agents SET capabilities = $2 WHERE id = $1";
    pg_param_t p[] = {PG_INT(id), PG_TEXT(json)};
    return pg_change(s, sql, p, 2, "set agent capabilities");
}

static int remove_agent(store_t *s, int64_t id)
{
    static const char sql[] = "DELETE FROM agents WHERE id = $1";
    pg_param_t p[] = {PG_INT(id)};
    return pg_change(s, sql, p, 1, "remove agent");
}

const store_agent_ops_t pg_agent_ops = {
    .enrolment_create = enrolment_create,
    .enrol = enrol,
    .get = get,
    .accept = accept_ts,
    .heartbeat = heartbeat,
    .list = list,
    .set_capabilities = set_capabilities,
    .remove = remove_agent,
    .baseline_put = pg_agent_baseline_put,
    .baseline_get = pg_agent_baseline_get,
    .group_create = pg_agent_group_create,
    .group_update = pg_agent_group_update,
    .group_get = pg_agent_group_get,
    .group_list = pg_agent_group_list,
    .group_remove = pg_agent_group_remove,
    .group_assign = pg_agent_group_assign,
    .group_of = pg_agent_group_of,
    .group_members = pg_agent_group_members,
};
