/*
 * policy_errors.h — for unit tests of policy directives: each text must
 * fail to load, at the given line, with a reason containing the given
 * words.
 */
#ifndef RAMPART_TEST_POLICY_ERRORS_H
#define RAMPART_TEST_POLICY_ERRORS_H

#include "test_util.h"

#include "rampart/policy.h"

typedef struct {
    const char *text;
    unsigned line;
    const char *reason;
} policy_error_case_t;

static inline void expect_policy_errors(const policy_error_case_t *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rp_error_t err = {0};
        assert_null(rp_policy_load_string(STR_AND_LEN(bad[i].text), "t.policy", &err));
        if (err.line != bad[i].line || !strstr(err.reason, bad[i].reason))
            fail_msg("%s: line %u: %s", bad[i].text, err.line, err.reason);
    }
}

#endif
