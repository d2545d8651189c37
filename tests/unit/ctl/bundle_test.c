/*
 * bundle_test.c — the distribution bundle: field validators (hostile
 * input that would break out of an nginx configuration), switches, the
 * hash, verification on the gateway side (tampering, bad policies with
 * file:line), and the publisher building versions from a real store.
 */
#include "ctl_test_util.h"

#include "bundle.h"
#include "publisher.h"
#include "timefmt.h"

static void test_validators(void **state)
{
    (void)state;
    char why[200];
    const char *good_names[] = {"demo", "shop-1", "a.b_c", "X"};
    const char *bad_names[] = {
        "",     "-x",  ".hidden",
        "a b",  "a;b", "a/b",
        "名字", "a{",  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(good_names) / sizeof(*good_names); i++)
        assert_true(bundle_valid_name(good_names[i], why, sizeof(why)));
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(*bad_names); i++)
        if (bundle_valid_name(bad_names[i], why, sizeof(why)))
            fail_msg("name accepted: %s", bad_names[i]);

    const char *good_hosts[] = {"*", "www.example.gov.cn", "localhost", "10.0.0.1", "a-b.c"};
    const char *bad_hosts[] = {"",    "a..b",    "-a.b", "a-.b", "a b",
                               "a;b", "host:80", "*.x",  "x\n",  "a_b"};
    for (size_t i = 0; i < sizeof(good_hosts) / sizeof(*good_hosts); i++)
        assert_true(bundle_valid_host(good_hosts[i], why, sizeof(why)));
    for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(*bad_hosts); i++)
        if (bundle_valid_host(bad_hosts[i], why, sizeof(why)))
            fail_msg("host accepted: %s", bad_hosts[i]);

    const char *good_prefixes[] = {"/", "/api/", "/a-b/c_d.e~f/", "/%E4%BD%A0/", "/x"};
    const char *bad_prefixes[] = {"",    "api",     "/a b",   "/a;b",  "/a{",   "/a'", "/a\"",
                                  "/$x", "/../etc", "/a/./b", "/a//b", "/a\\b", "/#"};
    for (size_t i = 0; i < sizeof(good_prefixes) / sizeof(*good_prefixes); i++)
        if (!bundle_valid_path_prefix(good_prefixes[i], why, sizeof(why)))
            fail_msg("prefix refused: %s (%s)", good_prefixes[i], why);
    for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(*bad_prefixes); i++)
        if (bundle_valid_path_prefix(bad_prefixes[i], why, sizeof(why)))
            fail_msg("prefix accepted: %s", bad_prefixes[i]);

    const char *good_urls[] = {"http://127.0.0.1:8081", "https://app.internal", "http://[::1]:80",
                               "http://a-b.c:65535"};
    const char *bad_urls[] = {"",
                              "ftp://x",
                              "http://",
                              "http://x:0",
                              "http://x:65536",
                              "http://x/path",
                              "http://x;",
                              "http://x:80;evil",
                              "http://[::1",
                              "http://user@x",
                              "unix:/tmp/s",
                              "http://x:8o"};
    for (size_t i = 0; i < sizeof(good_urls) / sizeof(*good_urls); i++)
        if (!bundle_valid_upstream(good_urls[i], why, sizeof(why)))
            fail_msg("upstream refused: %s (%s)", good_urls[i], why);
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(*bad_urls); i++)
        if (bundle_valid_upstream(bad_urls[i], why, sizeof(why)))
            fail_msg("upstream accepted: %s", bad_urls[i]);
}

static void test_switches(void **state)
{
    (void)state;
    char why[200];
    json_t *sw = json_pack("{s:s}", "waf", "detect");
    assert_int_equal(bundle_switches_complete(sw, why, sizeof(why)), 0);
    assert_string_equal(json_string_value(json_object_get(sw, "waf")), "detect");
    for (int i = 1; i < BUNDLE_PROTECTIONS; i++)
        assert_string_equal(json_string_value(json_object_get(sw, bundle_protections[i])),
                            bundle_protection_defaults[i]);
    /* the data protections start off; the API ones leave the policy to decide */
    assert_string_equal(json_string_value(json_object_get(sw, "masking")), "off");
    assert_string_equal(json_string_value(json_object_get(sw, "openapi")), "block");
    assert_string_equal(json_string_value(json_object_get(sw, "baseline")), "block");
    json_decref(sw);
    sw = json_pack("{s:s}", "waf", "maybe");
    assert_int_equal(bundle_switches_complete(sw, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "waf"));
    json_decref(sw);
    sw = json_pack("{s:s}", "antivirus", "block");
    assert_int_equal(bundle_switches_complete(sw, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "antivirus"));
    json_decref(sw);
}

/* A well-formed bundle with one app using policy p. */
static json_t *sample(const char *policy_text)
{
    json_t *b = json_pack("{s:i, s:i, s:s, s:[{s:s, s:s, s:s, s:s, s:s, s:{s:s}}],"
                          " s:[{s:s, s:i, s:s}]}",
                          "format", 1, "version", 3, "created", "2026-11-26T10:00:00.000Z", "apps",
                          "name", "demo", "host", "*", "path_prefix", "/", "upstream",
                          "http://127.0.0.1:8081", "policy", "p", "switches", "waf", "block",
                          "policies", "name", "p", "version", 2, "text", policy_text);
    char hash[65];
    assert_int_equal(bundle_hash(b, hash), 0);
    json_object_set_new(b, "hash", json_string(hash));
    return b;
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    char why[600], h1[65], h2[65];
    json_t *b = sample("mode block\n");
    /* the hash ignores the hash member and the order of keys */
    assert_int_equal(bundle_hash(b, h1), 0);
    char *text = json_dumps(b, JSON_COMPACT);
    json_t *again = json_loads(text, 0, NULL);
    free(text);
    assert_int_equal(bundle_hash(again, h2), 0);
    assert_string_equal(h1, h2);
    assert_int_equal(bundle_verify(again, NULL, why, sizeof(why)), 0);
    /* tampering: anything changed after hashing is refused */
    json_object_set_new(json_array_get(json_object_get(again, "apps"), 0), "upstream",
                        json_string("http://evil.example"));
    assert_int_equal(bundle_verify(again, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "hash"));
    json_decref(again);
    json_decref(b);

    /* a policy the engine refuses names its line */
    b = sample("mode block\n\nlimit body 64q\n");
    assert_int_equal(bundle_verify(b, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "p.policy:3:"));
    /* ...unless it was verified before with this exact text (not compiled
     * again, so a switch change never waits for a policy compilation) */
    json_t *trusted =
        json_pack("[{s:s, s:s}]", "name", "p", "text", "mode block\n\nlimit body 64q\n");
    assert_int_equal(bundle_verify(b, trusted, why, sizeof(why)), 0);
    json_decref(trusted);
    json_decref(b);

    /* an app naming a policy the bundle lacks; a hostile field */
    b = sample("mode block\n");
    json_object_set_new(json_array_get(json_object_get(b, "apps"), 0), "policy",
                        json_string("other"));
    char hash[65];
    bundle_hash(b, hash);
    json_object_set_new(b, "hash", json_string(hash));
    assert_int_equal(bundle_verify(b, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "policy"));
    json_object_set_new(json_array_get(json_object_get(b, "apps"), 0), "policy", json_null());
    json_object_set_new(json_array_get(json_object_get(b, "apps"), 0), "path_prefix",
                        json_string("/ { return 200; } location /x"));
    bundle_hash(b, hash);
    json_object_set_new(b, "hash", json_string(hash));
    assert_int_equal(bundle_verify(b, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "path_prefix"));
    json_decref(b);
}

static void test_publisher_versions(void **state)
{
    (void)state;
    char dir[256], why[600];
    temp_dir(dir);
    store_t *s = open_store(dir);
    rp_error_t err;
    publisher_t *p = publisher_start(s, &err);
    assert_non_null(p);
    int64_t v;
    char hash[65];
    free(publisher_latest(p, &v, hash));
    assert_int_equal(v, 1); /* the empty bundle */

    store_policy_version_t pv = {.text = "version t-1\nmode detect\n", .created = 1};
    snprintf(pv.author, sizeof(pv.author), "test");
    int64_t pver;
    assert_int_equal(s->ops->policy_create(s, "site", &pv, &pver), STORE_OK);
    /* a policy no application uses is not distributed: nothing changes */
    assert_int_equal(publisher_publish(p, &v), STORE_OK);
    assert_int_equal(v, 1);

    store_app_t a = {.created = 1, .updated = 1};
    snprintf(a.name, sizeof(a.name), "demo");
    snprintf(a.host, sizeof(a.host), "*");
    snprintf(a.path_prefix, sizeof(a.path_prefix), "/");
    snprintf(a.upstream, sizeof(a.upstream), "http://127.0.0.1:9");
    snprintf(a.policy, sizeof(a.policy), "nope");
    snprintf(a.switches, sizeof(a.switches), "{\"waf\":\"detect\"}");
    assert_int_equal(s->ops->app_create(s, &a), STORE_NOT_FOUND); /* no such policy */
    snprintf(a.policy, sizeof(a.policy), "site");
    assert_int_equal(s->ops->app_create(s, &a), STORE_OK);
    assert_int_equal(s->ops->app_create(s, &a), STORE_CONFLICT);
    assert_int_equal(publisher_publish(p, &v), STORE_OK);
    assert_int_equal(v, 2);
    /* publishing again without a change keeps the version */
    assert_int_equal(publisher_publish(p, &v), STORE_OK);
    assert_int_equal(v, 2);

    char *json = publisher_latest(p, &v, hash);
    json_t *b = json_loads(json, 0, NULL);
    free(json);
    assert_int_equal(bundle_verify(b, NULL, why, sizeof(why)), 0);
    assert_string_equal(json_string_value(json_object_get(b, "hash")), hash);
    json_t *app = json_array_get(json_object_get(b, "apps"), 0);
    assert_string_equal(json_string_value(json_object_get(app, "policy")), "site");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(app, "switches"), "masking")), "off");
    json_t *pol = json_array_get(json_object_get(b, "policies"), 0);
    assert_string_equal(json_string_value(json_object_get(pol, "text")),
                        "version t-1\nmode detect\n");
    json_decref(b);

    /* a new policy version is a new bundle; the policy in use cannot go */
    pv.text = "version t-2\nmode block\n";
    assert_int_equal(s->ops->policy_add_version(s, "site", &pv, &pver), STORE_OK);
    assert_int_equal(pver, 2);
    assert_int_equal(s->ops->policy_delete(s, "site"), STORE_CONFLICT);
    assert_int_equal(publisher_publish(p, &v), STORE_OK);
    assert_int_equal(v, 3);
    publisher_free(p);

    /* a restart resumes at the stored latest version */
    p = publisher_start(s, &err);
    assert_non_null(p);
    free(publisher_latest(p, &v, hash));
    assert_int_equal(v, 3);
    publisher_free(p);
    store_close(s);
    temp_dir_remove(dir);
}

static int woken;

static void no_suspend(void *arg)
{
    (void)arg;
}

static void count_wake(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
}

static void test_long_poll(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    store_t *s = open_store(dir);
    rp_error_t err;
    publisher_t *p = publisher_start(s, &err);
    assert_non_null(p);
    /* newer than since: answered at once */
    assert_int_equal(publisher_wait(p, 0, time_now_ms() + 10000, no_suspend, count_wake, NULL), 1);
    /* waiting: woken by the deadline */
    assert_int_equal(publisher_wait(p, 1, time_now_ms() + 100, no_suspend, count_wake, NULL), 0);
    for (int i = 0; i < 100 && !__atomic_load_n(&woken, __ATOMIC_SEQ_CST); i++)
        usleep(10000);
    assert_int_equal(woken, 1);
    /* waiting: woken by a publication */
    assert_int_equal(publisher_wait(p, 1, time_now_ms() + 60000, no_suspend, count_wake, NULL), 0);
    store_app_t a = {.created = 1, .updated = 1};
    snprintf(a.name, sizeof(a.name), "x");
    snprintf(a.host, sizeof(a.host), "*");
    snprintf(a.path_prefix, sizeof(a.path_prefix), "/");
    snprintf(a.upstream, sizeof(a.upstream), "http://127.0.0.1:9");
    snprintf(a.switches, sizeof(a.switches), "{}");
    assert_int_equal(s->ops->app_create(s, &a), STORE_OK);
    assert_int_equal(publisher_publish(p, NULL), STORE_OK);
    assert_int_equal(woken, 2);
    /* stopping wakes the rest */
    assert_int_equal(publisher_wait(p, 2, time_now_ms() + 60000, no_suspend, count_wake, NULL), 0);
    publisher_free(p);
    assert_int_equal(woken, 3);
    store_close(s);
    temp_dir_remove(dir);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validators),      cmocka_unit_test(test_switches),
        cmocka_unit_test(test_hash_and_verify), cmocka_unit_test(test_publisher_versions),
        cmocka_unit_test(test_long_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
