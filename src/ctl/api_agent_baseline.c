/*
 * api_agent_baseline.c — host agents' baseline results (security
 * configuration assessment, docs/AGENT.md "Baseline checks").
 *
 *   POST /api/v1/agent/baseline      signed by the agent: its latest report
 *                                    (replaces the previous one)
 *   GET  /api/v1/agents/ID/baseline  admin, secops, auditor: the host's
 *                                    latest report, scores and time
 *
 * The report is checked for its shape (counts, score, a list of policies
 * whose checks carry a known result) and kept as it came; machine traffic,
 * not audited, like heartbeats.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "log.h"
#include "store_agents.h"
#include "timefmt.h"

#define BASELINE_MAX_POLICIES 64
#define BASELINE_MAX_CHECKS   4000

static int count_of(json_t *o, const char *name, int *out)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > BASELINE_MAX_CHECKS)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

/* 0 when report has the agent's shape; fills the summary. */
static int check_report(json_t *report, store_agent_baseline_t *b)
{
    json_t *score = json_object_get(report, "score");
    json_t *policies = json_object_get(report, "policies");
    if (!json_is_object(report) || count_of(report, "passed", &b->passed) ||
        count_of(report, "failed", &b->failed) ||
        count_of(report, "not_applicable", &b->not_applicable) ||
        !(json_is_null(score) || (json_is_integer(score) && json_integer_value(score) >= 0 &&
                                  json_integer_value(score) <= 100)) ||
        !json_is_array(policies) || json_array_size(policies) > BASELINE_MAX_POLICIES)
        return -1;
    b->score = json_is_null(score) ? -1 : (int)json_integer_value(score);
    size_t i, j;
    json_t *p, *c;
    int checks = 0;
    json_array_foreach(policies, i, p)
    {
        json_t *list = json_object_get(p, "checks");
        if (!json_is_string(json_object_get(p, "id")) || !json_is_array(list))
            return -1;
        json_array_foreach(list, j, c)
        {
            const char *result = json_string_value(json_object_get(c, "result"));
            if (!json_is_string(json_object_get(c, "id")) || !result ||
                (strcmp(result, "pass") && strcmp(result, "fail") &&
                 strcmp(result, "not_applicable")) ||
                ++checks > BASELINE_MAX_CHECKS)
                return -1;
        }
    }
    return checks == b->passed + b->failed + b->not_applicable ? 0 : -1;
}

enum MHD_Result api_agent_baseline_put(http_req_t *r)
{
    const store_agent_ops_t *ops = r->ctl->store->agents;
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    store_agent_baseline_t b;
    memset(&b, 0, sizeof(b));
    if (check_report(body, &b)) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "a baseline report: score (0-100 or null), passed, failed, "
                                "not_applicable and policies with checks (docs/AGENT.md)");
    }
    b.reported = time_now_ms();
    b.report = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = b.report ? ops->baseline_put(r->ctl->store, r->who.agent_id, &b) : STORE_ERROR;
    free(b.report);
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "agent baseline reported", "agent_id", LOG_INT(r->who.agent_id), "score",
           LOG_INT(b.score), "failed", LOG_INT(b.failed), NULL);
    return http_reply_json(r, 200, json_pack("{s:b}", "stored", 1));
}

enum MHD_Result api_agents_baseline_get(http_req_t *r)
{
    const store_agent_ops_t *ops = r->ctl->store->agents;
    if (!ops)
        return http_reply_error(r, 503, "not_supported", "this store keeps no host agents");
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    if (!*r->arg || *end || id <= 0)
        return http_reply_error(r, 400, "bad_request", "the agent id must be a positive integer");
    store_agent_baseline_t b;
    int rc = ops->baseline_get(r->ctl->store, id, &b);
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no baseline results for this agent");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    json_t *report = json_loads(b.report, 0, NULL);
    free(b.report);
    if (!report)
        return http_reply_error(r, 500, "internal", "stored baseline report unreadable");
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(b.reported, t);
    json_object_set_new(report, "agent_id", json_integer(id));
    json_object_set_new(report, "reported", json_string(t));
    return http_reply_json(r, 200, report);
}
