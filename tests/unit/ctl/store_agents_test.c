/*
 * store_agents_test.c — host agents in the SQLite store: an enrolment
 * token enrols one host and only before it expires, a taken name leaves
 * the token usable, signature timestamps only move forward (replay), the
 * heartbeat's counters, capabilities, listing and removal.
 */
#include "ctl_test_util.h"

#include "store_agents.h"

static const unsigned char token_a[32] = {1}, token_b[32] = {2}, token_old[32] = {3};

static store_agent_t agent_named(const char *name)
{
    store_agent_t a;
    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "%s", name);
    snprintf(a.version, sizeof(a.version), "0.1.0");
    memset(a.secret, 0x5a, sizeof(a.secret));
    return a;
}

static int count_agents(void *ctx, const store_agent_t *a)
{
    (*(int *)ctx)++;
    assert_true(a->id > 0);
    return 0;
}

static void test_enrolment_and_agents(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    store_t *s = open_store(dir);
    const store_agent_ops_t *ops = s->agents;
    assert_non_null(ops);
    int64_t now = 1795000000000LL;
    assert_int_equal(ops->enrolment_create(s, token_a, 0, now, now + 60000), STORE_OK);
    assert_int_equal(ops->enrolment_create(s, token_b, 0, now, now + 60000), STORE_OK);
    assert_int_equal(ops->enrolment_create(s, token_old, 0, now - 120000, now - 60000), STORE_OK);

    store_agent_t a = agent_named("web-1");
    assert_int_equal(ops->enrol(s, token_a, now, &a), STORE_OK);
    assert_true(a.id > 0);
    /* one token, one host */
    store_agent_t again = agent_named("web-2");
    assert_int_equal(ops->enrol(s, token_a, now, &again), STORE_NOT_FOUND);
    /* expired */
    assert_int_equal(ops->enrol(s, token_old, now, &again), STORE_NOT_FOUND);
    /* a taken name (any case) fails and leaves token_b usable */
    store_agent_t dup = agent_named("WEB-1");
    assert_int_equal(ops->enrol(s, token_b, now, &dup), STORE_CONFLICT);
    assert_int_equal(ops->enrol(s, token_b, now, &again), STORE_OK);

    store_agent_t got;
    assert_int_equal(ops->get(s, a.id, &got), STORE_OK);
    assert_string_equal(got.name, "web-1");
    assert_memory_equal(got.secret, a.secret, AGENT_SECRET_LEN);
    assert_string_equal(got.capabilities, "{\"bruteforce\":true,\"fim\":true,\"webshell\":true}");

    /* timestamps only move forward */
    assert_int_equal(ops->accept(s, a.id, now), STORE_OK);
    assert_int_equal(ops->accept(s, a.id, now), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now - 1), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now + 1), STORE_OK);

    got.last_seen = now;
    got.heartbeat_s = 30;
    got.spool_pending = 7;
    got.spool_dropped = 2;
    assert_int_equal(ops->heartbeat(s, &got), STORE_OK);
    assert_int_equal(ops->set_capabilities(s, a.id, "{\"fim\":false}"), STORE_OK);
    assert_int_equal(ops->get(s, a.id, &got), STORE_OK);
    assert_int_equal(got.spool_dropped, 2);
    assert_int_equal(got.last_ts, now + 1);
    assert_string_equal(got.capabilities, "{\"fim\":false}");

    int n = 0;
    assert_int_equal(ops->list(s, count_agents, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ops->remove(s, a.id), STORE_OK);
    assert_int_equal(ops->remove(s, a.id), STORE_NOT_FOUND);
    assert_int_equal(ops->get(s, a.id, &got), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now + 5), STORE_NOT_FOUND);
    store_close(s);
    temp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrolment_and_agents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
