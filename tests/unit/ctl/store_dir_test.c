/*
 * store_dir_test.c — the identity directory's store contract (store_dir.h)
 * on both backends: SQLite in a temporary directory, PostgreSQL on a
 * private server (pg_test_server.h). Users (case-insensitive names, every
 * column round-tripped, search and keyset pages), groups as paths (no
 * deletion under sub-groups), roles, memberships (replacing, unknown
 * names refused), atomic counters (failures, TOTP steps refused on
 * replay), recovery codes used once, and a rolled-back transaction
 * leaving nothing behind.
 */
#include "ctl_test_util.h"

#include "pg_test_server.h"

#include "log.h"
#include "store_dir.h"

static const char *backend = "sqlite";
static pg_test_server_t pg;

static store_t *fresh_store(char dir[256])
{
    temp_dir(dir);
    if (strcmp(backend, "postgres") == 0)
        assert_int_equal(pg_test_sql(&pg, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), 0);
    store_options_t opt = {
        .backend = backend, .data_dir = dir, .conninfo = pg.dsn, .connections = 2};
    rp_error_t err;
    store_t *s = store_open(&opt, &err);
    if (!s)
        fail_msg("store_open(%s): %s", backend, err.reason);
    return s;
}

static dir_user_t user(const char *name, const char *email)
{
    dir_user_t u;
    memset(&u, 0, sizeof(u));
    snprintf(u.name, sizeof(u.name), "%s", name);
    snprintf(u.display_name, sizeof(u.display_name), "显示 %s", name);
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.state, sizeof(u.state), "active");
    snprintf(u.attributes, sizeof(u.attributes), "{\"employee\":\"%s\"}", name);
    snprintf(u.pw_history, sizeof(u.pw_history), "[]");
    u.created = u.updated = 1795000000000LL;
    return u;
}

typedef struct {
    char names[8][DIR_PATH_MAX + 1];
    int n;
} names_t;

static int collect_user(void *ctx, const dir_user_t *u)
{
    names_t *n = ctx;
    snprintf(n->names[n->n++], sizeof(n->names[0]), "%s", u->name);
    return n->n == 8;
}

static int collect_name(void *ctx, const char *name)
{
    names_t *n = ctx;
    snprintf(n->names[n->n++], sizeof(n->names[0]), "%s", name);
    return n->n == 8;
}

static int collect_group(void *ctx, const dir_group_t *g)
{
    return collect_name(ctx, g->path);
}

static void test_users(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    dir_user_t a = user("alice", "alice@gov.example"), b = user("bob", "bob@gov.example");
    snprintf(a.phone, sizeof(a.phone), "+86 10 1234");
    snprintf(a.ou, sizeof(a.ou), "/gov/city");
    snprintf(a.pw_hash, sizeof(a.pw_hash), "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA");
    assert_int_equal(dir_user_create(s, NULL, &a), STORE_OK);
    assert_int_equal(dir_user_create(s, NULL, &b), STORE_OK);
    assert_true(a.id > 0 && b.id > a.id);
    dir_user_t dup = user("ALICE", "x@y");
    assert_int_equal(dir_user_create(s, NULL, &dup), STORE_CONFLICT);

    dir_user_t got;
    assert_int_equal(dir_user_get(s, NULL, "Alice", &got), STORE_OK);
    assert_int_equal(got.id, a.id);
    assert_string_equal(got.display_name, "显示 alice");
    assert_string_equal(got.phone, "+86 10 1234");
    assert_string_equal(got.ou, "/gov/city");
    assert_string_equal(got.attributes, "{\"employee\":\"alice\"}");
    assert_string_equal(got.pw_hash, a.pw_hash);
    assert_int_equal(dir_user_get(s, NULL, "nobody", &got), STORE_NOT_FOUND);

    got.totp_state = DIR_TOTP_ACTIVE;
    snprintf(got.state, sizeof(got.state), "locked");
    snprintf(got.totp_secret, sizeof(got.totp_secret), "sealed-secret");
    got.updated = 1795000000001LL;
    assert_int_equal(dir_user_update(s, NULL, &got), STORE_OK);
    dir_user_t again;
    assert_int_equal(dir_user_get_id(s, a.id, &again), STORE_OK);
    assert_string_equal(again.state, "locked");
    assert_string_equal(again.totp_secret, "sealed-secret");
    assert_int_equal(again.totp_state, DIR_TOTP_ACTIVE);

    /* counters: one statement each, replayed TOTP steps refused */
    int64_t failures = 0;
    assert_int_equal(dir_user_failed(s, a.id, 5, &failures), STORE_OK);
    assert_int_equal(dir_user_failed(s, a.id, 6, &failures), STORE_OK);
    assert_int_equal(failures, 2);
    assert_int_equal(dir_user_logged_in(s, a.id, 7), STORE_OK);
    assert_int_equal(dir_user_get_id(s, a.id, &again), STORE_OK);
    assert_int_equal(again.failures, 0);
    assert_int_equal(again.last_login, 7);
    assert_int_equal(dir_user_totp_step(s, a.id, 100), STORE_OK);
    assert_int_equal(dir_user_totp_step(s, a.id, 100), STORE_NOT_FOUND);
    assert_int_equal(dir_user_totp_step(s, a.id, 99), STORE_NOT_FOUND);
    assert_int_equal(dir_user_totp_step(s, a.id, 101), STORE_OK);

    /* search (any case, wildcards literal) and keyset pages */
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "clerk%d", i);
        dir_user_t c = user(name, "clerks@gov.example");
        assert_int_equal(dir_user_create(s, NULL, &c), STORE_OK);
    }
    names_t n = {0};
    dir_user_query_t q = {.text = "CLERKS@", .limit = 3};
    assert_int_equal(dir_user_list(s, &q, collect_user, &n), STORE_OK);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.names[2], "clerk2");
    dir_user_t last;
    assert_int_equal(dir_user_get(s, NULL, "clerk2", &last), STORE_OK);
    q.after = last.id;
    n.n = 0;
    assert_int_equal(dir_user_list(s, &q, collect_user, &n), STORE_OK);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.names[0], "clerk3");
    n.n = 0;
    dir_user_query_t wild = {.text = "%", .limit = 10};
    assert_int_equal(dir_user_list(s, &wild, collect_user, &n), STORE_OK);
    assert_int_equal(n.n, 0);
    n.n = 0;
    dir_user_query_t locked = {.state = "locked", .limit = 10};
    assert_int_equal(dir_user_list(s, &locked, collect_user, &n), STORE_OK);
    assert_int_equal(n.n, 1);
    int64_t count = 0;
    assert_int_equal(dir_user_count(s, &count), STORE_OK);
    assert_int_equal(count, 7);

    assert_int_equal(dir_user_delete(s, b.id), STORE_OK);
    assert_int_equal(dir_user_delete(s, b.id), STORE_NOT_FOUND);
    store_close(s);
    temp_dir_remove(dir);
}

static int add_two_then_fail(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    (void)ctx;
    dir_user_t u = user("ghost", "g@x");
    assert_int_equal(dir_user_create(s, tx, &u), STORE_OK);
    assert_int_equal(dir_user_get(s, tx, "ghost", &u), STORE_OK);
    dir_user_t v = user("GHOST", "g@x");
    return dir_user_create(s, tx, &v); /* conflict: the whole transaction goes */
}

static void test_groups_roles_memberships(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    const char *paths[] = {"/gov", "/gov/city", "/gov/city/tax", "/gov/province"};
    dir_group_t g[4];
    for (int i = 0; i < 4; i++) {
        memset(&g[i], 0, sizeof(g[i]));
        snprintf(g[i].path, sizeof(g[i].path), "%s", paths[i]);
        g[i].created = 1;
        assert_int_equal(dir_group_create(s, NULL, &g[i]), STORE_OK);
    }
    dir_group_t dup = g[1];
    snprintf(dup.path, sizeof(dup.path), "/GOV/City");
    assert_int_equal(dir_group_create(s, NULL, &dup), STORE_CONFLICT);
    dir_group_t got;
    assert_int_equal(dir_group_get(s, NULL, 0, "/gov/CITY", &got), STORE_OK);
    assert_int_equal(got.id, g[1].id);
    assert_int_equal(dir_group_get(s, NULL, g[2].id, NULL, &got), STORE_OK);
    assert_string_equal(got.path, "/gov/city/tax");
    snprintf(got.description, sizeof(got.description), "税务");
    assert_int_equal(dir_group_update(s, &got), STORE_OK);
    names_t n = {0};
    assert_int_equal(dir_group_list(s, collect_group, &n), STORE_OK);
    assert_int_equal(n.n, 4);
    assert_string_equal(n.names[2], "/gov/city/tax");
    /* a unit with sub-units stays */
    assert_int_equal(dir_group_delete(s, g[1].id), STORE_CONFLICT);

    dir_role_t r = {.created = 1};
    snprintf(r.name, sizeof(r.name), "clerk");
    assert_int_equal(dir_role_create(s, NULL, &r), STORE_OK);
    dir_role_t r2 = {.created = 1};
    snprintf(r2.name, sizeof(r2.name), "auditor");
    assert_int_equal(dir_role_create(s, NULL, &r2), STORE_OK);
    snprintf(r2.name, sizeof(r2.name), "CLERK");
    assert_int_equal(dir_role_create(s, NULL, &r2), STORE_CONFLICT);

    dir_user_t u = user("carol", "c@x");
    assert_int_equal(dir_user_create(s, NULL, &u), STORE_OK);
    const char *groups[] = {"/gov/city/tax", "/gov/province", "/gov/city/tax"};
    assert_int_equal(dir_set_memberships(s, NULL, u.id, DIR_GROUPS, groups, 3), STORE_OK);
    const char *roles[] = {"Clerk", "auditor"};
    assert_int_equal(dir_set_memberships(s, NULL, u.id, DIR_ROLES, roles, 2), STORE_OK);
    const char *missing[] = {"nosuch"};
    assert_int_equal(dir_set_memberships(s, NULL, u.id, DIR_ROLES, missing, 1), STORE_NOT_FOUND);
    assert_int_equal(dir_set_memberships(s, NULL, u.id, DIR_ROLES, roles, 2), STORE_OK);
    n.n = 0;
    assert_int_equal(dir_memberships(s, NULL, u.id, DIR_GROUPS, collect_name, &n), STORE_OK);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.names[0], "/gov/city/tax");
    n.n = 0;
    assert_int_equal(dir_memberships(s, NULL, u.id, DIR_ROLES, collect_name, &n), STORE_OK);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.names[0], "auditor");
    n.n = 0;
    assert_int_equal(dir_members(s, DIR_GROUPS, g[3].id, collect_name, &n), STORE_OK);
    assert_int_equal(n.n, 1);
    assert_string_equal(n.names[0], "carol");
    n.n = 0;
    dir_user_query_t q = {.group = "/GOV/province", .role = "clerk", .limit = 10};
    assert_int_equal(dir_user_list(s, &q, collect_user, &n), STORE_OK);
    assert_int_equal(n.n, 1);

    /* deleting a role or group ends its memberships */
    assert_int_equal(dir_role_delete(s, "clerk"), STORE_OK);
    assert_int_equal(dir_role_delete(s, "clerk"), STORE_NOT_FOUND);
    assert_int_equal(dir_group_delete(s, g[3].id), STORE_OK);
    n.n = 0;
    assert_int_equal(dir_memberships(s, NULL, u.id, DIR_ROLES, collect_name, &n), STORE_OK);
    assert_int_equal(n.n, 1);
    n.n = 0;
    assert_int_equal(dir_memberships(s, NULL, u.id, DIR_GROUPS, collect_name, &n), STORE_OK);
    assert_int_equal(n.n, 1);

    /* recovery codes: each once */
    const char *codes[] = {"h1", "h2"};
    assert_int_equal(dir_recovery_set(s, u.id, codes, 2), STORE_OK);
    assert_int_equal(dir_recovery_use(s, u.id, "h1"), STORE_OK);
    assert_int_equal(dir_recovery_use(s, u.id, "h1"), STORE_NOT_FOUND);
    int64_t left = 0;
    assert_int_equal(dir_recovery_count(s, u.id, &left), STORE_OK);
    assert_int_equal(left, 1);

    /* a failed transaction leaves nothing */
    assert_int_equal(s->sql->transaction(s, add_two_then_fail, NULL), STORE_CONFLICT);
    assert_int_equal(dir_user_get(s, NULL, "ghost", &u), STORE_NOT_FOUND);
    store_close(s);
    temp_dir_remove(dir);
}

static int postgres_setup(void **state)
{
    (void)state;
    backend = "postgres";
    if (pg_test_start(&pg)) {
        fprintf(stderr, "cannot start the test PostgreSQL (scripts/pg-test-server.sh)\n");
        return -1;
    }
    return 0;
}

static int postgres_teardown(void **state)
{
    (void)state;
    pg_test_stop(&pg);
    return 0;
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR); /* expected conflicts log errors */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_groups_roles_memberships),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("postgres", tests, postgres_setup, postgres_teardown);
    return failed;
}
