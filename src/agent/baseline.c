/*
 * baseline.c — running the baseline policies and reporting the results
 * (see baseline.h). A report that rampartd did not store is kept and sent
 * again a minute later; a newer run replaces it.
 */
#include "baseline.h"

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "baseline_check.h"
#include "log.h"

#define RETRY_MS 60000

struct baseline {
    policy_t *policies[AGENT_MAX_POLICIES];
    size_t n;
    int64_t next_run_ms;
    int64_t next_try_ms;
    char *pending; /* the report not yet stored by rampartd */
};

baseline_t *baseline_open(const agent_config_t *cfg, rp_error_t *err)
{
    baseline_t *b = calloc(1, sizeof(*b));
    if (!b) {
        memset(err, 0, sizeof(*err));
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < cfg->n_baseline_policies; i++) {
        b->policies[i] = policy_load(cfg->baseline_policies[i], err);
        if (!b->policies[i]) {
            baseline_close(b);
            return NULL;
        }
        b->n++;
    }
    return b;
}

void baseline_close(baseline_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        policy_free(b->policies[i]);
    free(b->pending);
    free(b);
}

json_t *baseline_run(const baseline_t *b, const char *root)
{
    return baseline_report(b->policies, b->n, root);
}

void baseline_request(baseline_t *b)
{
    if (b)
        b->next_run_ms = 0;
}

static void deliver(baseline_t *b, agent_t *ag, int64_t now)
{
    strbuf_t resp;
    strbuf_init(&resp, CLIENT_RESPONSE_MAX);
    long status = client_post(ag->client, "/api/v1/agent/baseline", b->pending, strlen(b->pending),
                              &ag->identity, &resp);
    strbuf_free(&resp);
    if (status == 200 || status == 400) {
        if (status == 400) /* it would be refused forever */
            log_kv(LOG_LEVEL_ERROR, "rampartd refused the baseline report", NULL);
        free(b->pending);
        b->pending = NULL;
        return;
    }
    log_kv(LOG_LEVEL_WARN, "baseline report not delivered; retried", "status", LOG_INT(status),
           NULL);
    b->next_try_ms = now + RETRY_MS;
}

void baseline_tick(baseline_t *b, agent_t *ag, int64_t now)
{
    if (!b || !ag->enrolled || !ag->caps.baseline)
        return;
    if (now >= b->next_run_ms) {
        b->next_run_ms = now + ag->cfg.baseline_interval_s * 1000LL;
        json_t *report = baseline_run(b, ag->cfg.baseline_root);
        log_kv(LOG_LEVEL_INFO, "baseline: checks done", "score",
               LOG_INT(json_integer_value(json_object_get(report, "score"))), "passed",
               LOG_INT(json_integer_value(json_object_get(report, "passed"))), "failed",
               LOG_INT(json_integer_value(json_object_get(report, "failed"))), NULL);
        char *text = json_dumps(report, JSON_COMPACT);
        json_decref(report);
        if (text) {
            free(b->pending);
            b->pending = text;
            b->next_try_ms = 0;
        }
    }
    if (b->pending && now >= b->next_try_ms)
        deliver(b, ag, now);
}
