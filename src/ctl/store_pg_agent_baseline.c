/*
 * store_pg_agent_baseline.c — each host's latest baseline results in
 * PostgreSQL (store_agents.h; migration 7 in store_pg_schema.c), the same
 * operations and results as store_sqlite_agent_baseline.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store_pg_t.h"

int pg_agent_baseline_put(store_t *s, int64_t id, const store_agent_baseline_t *b)
{
    static const char sql[] =
        "INSERT INTO agent_baselines(agent_id, reported, score, passed, failed, not_applicable, "
        "report) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (agent_id) DO UPDATE SET "
        "reported = excluded.reported, score = excluded.score, passed = excluded.passed, "
        "failed = excluded.failed, not_applicable = excluded.not_applicable, "
        "report = excluded.report";
    pg_param_t p[] = {PG_INT(id),        PG_INT(b->reported), PG_INT(b->score),
                      PG_INT(b->passed), PG_INT(b->failed),   PG_INT(b->not_applicable),
                      PG_TEXT(b->report)};
    return pg_exec(s, sql, p, 7, "put agent baseline");
}

static int fill_baseline(void *out, const PGresult *res, int i)
{
    store_agent_baseline_t *b = out;
    b->reported = pg_get_int(res, i, 0);
    b->score = (int)pg_get_int(res, i, 1);
    b->passed = (int)pg_get_int(res, i, 2);
    b->failed = (int)pg_get_int(res, i, 3);
    b->not_applicable = (int)pg_get_int(res, i, 4);
    b->report = strdup(PQgetvalue(res, i, 5));
    return b->report ? 0 : -1;
}

int pg_agent_baseline_get(store_t *s, int64_t id, store_agent_baseline_t *out)
{
    static const char sql[] = "SELECT reported, score, passed, failed, not_applicable, report "
                              "FROM agent_baselines WHERE agent_id = $1";
    memset(out, 0, sizeof(*out));
    pg_param_t p[] = {PG_INT(id)};
    int rc = pg_one(s, sql, p, 1, fill_baseline, out, "get agent baseline");
    if (rc == STORE_OK && !out->report)
        rc = STORE_ERROR;
    return rc;
}
