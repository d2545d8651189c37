/*
 * baseline.h — the agent's baseline checks (security configuration
 * assessment): the configured policy files (baseline_policy.h), run at
 * start and every baseline_interval_minutes against baseline_root
 * (baseline_check.h), the report sent to rampartd (POST
 * /api/v1/agent/baseline, signed) and kept until it is stored there.
 */
#ifndef RAMPART_AGENT_BASELINE_H
#define RAMPART_AGENT_BASELINE_H

#include <jansson.h>
#include <stdint.h>

#include "agent_config.h"

struct agent;
typedef struct baseline baseline_t;

/* Loads every policy of cfg; NULL with err (file:line, reason) when one
 * does not parse. */
baseline_t *baseline_open(const agent_config_t *cfg, rp_error_t *err);
void baseline_close(baseline_t *b);

/* The report of all policies against root. */
json_t *baseline_run(const baseline_t *b, const char *root);

/* Runs when due (and the capability is on) and delivers the report. */
void baseline_tick(baseline_t *b, struct agent *ag, int64_t now_ms);
/* Runs at the next tick (capability switched on, configuration reloaded). */
void baseline_request(baseline_t *b);

#endif
