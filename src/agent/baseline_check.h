/*
 * baseline_check.h — evaluating baseline policies (baseline_policy.h)
 * against a host's files below a root ("/" on a host; a prepared tree in
 * tests): each check passes, fails or does not apply, with the evidence
 * in a sentence; per policy and overall a score (passed checks in percent
 * of those that apply).
 *
 * Only files are read (sshd_config with its Includes, pam.d with its
 * @include lines, login.defs, /proc/sys, systemd unit links, /proc/PID/comm,
 * any file a policy names); nothing is executed.
 */
#ifndef RAMPART_AGENT_BASELINE_CHECK_H
#define RAMPART_AGENT_BASELINE_CHECK_H

#include <jansson.h>

#include "baseline_policy.h"

typedef enum { CHECK_PASS, CHECK_FAIL, CHECK_NOT_APPLICABLE } check_result_t;

#define CHECK_REASON_MAX 512

typedef struct {
    check_result_t result;
    char reason[CHECK_REASON_MAX];
} check_outcome_t;

void baseline_evaluate(const check_t *k, const char *root, check_outcome_t *out);

const char *check_result_name(check_result_t r); /* pass, fail, not_applicable */

/* The report of every policy: {"score", "passed", "failed",
 * "not_applicable", "policies": [{"id", "title", "file", "score", ...,
 * "checks": [{"id", "title", "control", "result", "reason", "rationale",
 * "remediation"}]}]}; score is null when no check applies. */
json_t *baseline_report(policy_t *const *policies, size_t n, const char *root);

#endif
