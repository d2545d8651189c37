/*
 * scim_test.c — the SCIM filter parser and evaluator (RFC 7644
 * §3.4.2.2, including the RFC's own examples), its bounds, PATCH
 * operations (§3.5.2) and the User mapping to and from the directory.
 */
#include "test_util.h"

#include "scim_filter.h"
#include "scim_patch.h"
#include "scim_resource.h"

static json_t *user(void)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:[{s:s, s:s, s:b}, {s:s, s:s}],"
                     " s:{s:s}, s:{s:s}}",
                     "id", "42", "userName", "Bjensen", "externalId", "AbC", "active", 1, "name",
                     "givenName", "Barbara", "familyName", "Jensen", "emails", "value",
                     "bjensen@example.com", "type", "work", "primary", 1, "value",
                     "babs@jensen.org", "type", "home", "meta", "lastModified",
                     "2011-05-13T04:42:34Z", SCIM_ENTERPRISE_SCHEMA, "department", "Tour");
}

static int matches(const char *filter)
{
    const char *why = NULL;
    scim_filter_t *f = scim_filter_parse(filter, strlen(filter), &why);
    if (!f)
        fail_msg("%s: %s", filter, why);
    json_t *u = user();
    int m = scim_filter_match(f, u);
    json_decref(u);
    scim_filter_free(f);
    return m;
}

static void refused(const char *filter)
{
    const char *why = NULL;
    scim_filter_t *f = scim_filter_parse(filter, strlen(filter), &why);
    if (f)
        fail_msg("accepted: %s", filter);
    assert_non_null(why);
}

static void test_filter_operators(void **state)
{
    (void)state;
    assert_true(matches("userName eq \"bjensen\"")); /* userName is case-insensitive */
    assert_false(matches("userName eq \"bjensen2\""));
    assert_true(matches("userName ne \"x\""));
    assert_true(matches("name.familyName co \"ens\""));
    assert_true(matches("userName sw \"bj\""));
    assert_true(matches("userName ew \"SEN\""));
    assert_true(matches("emails.value co \"jensen.org\""));
    assert_true(matches("emails co \"example.com\"")); /* a complex value compares its value */
    assert_true(matches("title pr") == 0);
    assert_true(matches("name pr"));
    assert_true(matches("active eq true"));
    assert_false(matches("active eq false"));
    assert_true(matches("externalId eq \"AbC\""));
    assert_false(matches("externalId eq \"abc\"")); /* case-exact */
    assert_true(matches("meta.lastModified gt \"2011-05-13T04:42:35Z\"") == 0);
    assert_true(matches("meta.lastModified ge \"2011-05-13T04:42:34Z\""));
    assert_true(matches("meta.lastModified lt \"2012\""));
    assert_true(matches("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"B\""));
    assert_true(matches("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department "
                        "eq \"tour\""));
}

static void test_filter_logic(void **state)
{
    (void)state;
    assert_true(matches("userName eq \"x\" or userName eq \"bjensen\""));
    assert_false(matches("userName eq \"bjensen\" and active eq false"));
    /* and binds tighter than or */
    assert_true(matches("userName eq \"x\" and active eq false or name pr"));
    assert_false(matches("userName eq \"x\" and (active eq false or name pr)"));
    assert_true(matches("not (userName eq \"x\")"));
    assert_true(matches("emails[type eq \"work\" and value co \"@example.com\"]"));
    assert_false(matches("emails[type eq \"work\" and value co \"jensen.org\"]"));
    assert_true(matches("USERNAME EQ \"BJENSEN\" AND ACTIVE PR"));
    assert_true(matches("userName eq \"Bj\\u0065nsen\""));
}

static void test_filter_refusals(void **state)
{
    (void)state;
    refused("");
    refused("userName");
    refused("userName eq");
    refused("userName eq bjensen");
    refused("userName zz \"x\"");
    refused("userName eq \"x");
    refused("(userName eq \"x\"");
    refused("userName eq \"x\" and");
    refused("emails[type eq \"work\"");
    refused("userName eq \"x\" extra");
    refused("userName eq \"\\u0000\"");
    refused("userName eq \"\x01\"");
    char deep[256] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "(");
    strcat(deep, "name pr");
    for (int i = 0; i < 20; i++)
        strcat(deep, ")");
    refused(deep);
    char wide[SCIM_FILTER_MAX] = "name pr";
    for (int i = 0; i < 70; i++)
        strcat(wide, " or name pr");
    refused(wide);
    char *big = calloc(1, SCIM_FILTER_MAX + 2);
    memset(big, 'a', SCIM_FILTER_MAX + 1);
    refused(big);
    free(big);
}

static json_t *patched(const char *ops_json)
{
    json_t *u = user();
    json_t *body = json_loads(ops_json, 0, NULL);
    assert_non_null(body);
    const char *type = NULL;
    const char *why = scim_patch_apply(u, body, &type);
    if (why)
        fail_msg("%s: %s (%s)", ops_json, why, type);
    json_decref(body);
    return u;
}

static void test_patch(void **state)
{
    (void)state;
    /* Okta: replace without a path */
    json_t *u = patched("{\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":false}}]}");
    assert_true(json_is_false(json_object_get(u, "active")));
    json_decref(u);
    /* Azure AD: capitalised op, a path, a string boolean */
    u = patched("{\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}");
    assert_string_equal(json_string_value(json_object_get(u, "active")), "False");
    json_decref(u);
    u = patched("{\"Operations\":[{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"]."
                "value\",\"value\":\"new@example.com\"},{\"op\":\"replace\",\"path\":\"name."
                "givenName\",\"value\":\"Babs\"},{\"op\":\"remove\",\"path\":\"externalId\"}]}");
    json_t *work = json_array_get(json_object_get(u, "emails"), 0);
    assert_string_equal(json_string_value(json_object_get(work, "value")), "new@example.com");
    assert_string_equal(json_string_value(json_object_get(json_object_get(u, "name"), "givenName")),
                        "Babs");
    assert_null(json_object_get(u, "externalId"));
    json_decref(u);
    u = patched("{\"Operations\":[{\"op\":\"add\",\"path\":\"urn:ietf:params:scim:schemas:"
                "extension:enterprise:2.0:User:department\",\"value\":\"Finance\"},"
                "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"home\\\"]\"}]}");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(u, SCIM_ENTERPRISE_SCHEMA), "department")),
                        "Finance");
    assert_int_equal(json_array_size(json_object_get(u, "emails")), 1);
    json_decref(u);
    /* group members: add appends without duplicates, remove by value */
    json_t *g = json_pack("{s:s, s:[{s:s}]}", "displayName", "x", "members", "value", "1");
    json_t *body = json_loads("{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":"
                              "[{\"value\":\"1\"},{\"value\":\"2\"},{\"value\":\"3\"}]},"
                              "{\"op\":\"remove\",\"path\":\"members[value eq \\\"2\\\"]\"},"
                              "{\"op\":\"remove\",\"path\":\"members\",\"value\":[{\"value\":"
                              "\"1\"}]}]}",
                              0, NULL);
    const char *type = NULL;
    assert_null(scim_patch_apply(g, body, &type));
    json_t *members = json_object_get(g, "members");
    assert_int_equal(json_array_size(members), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(members, 0), "value")),
                        "3");
    json_decref(body);
    json_decref(g);
}

static void test_patch_refusals(void **state)
{
    (void)state;
    const char *bad[] = {
        "{}",
        "{\"Operations\":[]}",
        "{\"Operations\":[{\"op\":\"move\",\"path\":\"x\"}]}",
        "{\"Operations\":[{\"op\":\"remove\"}]}",
        "{\"Operations\":[{\"op\":\"add\",\"path\":\"emails[type eq\",\"value\":1}]}",
        ("{\"Operations\":[{\"op\":\"replace\",\"path\":\"emails[type eq \\\"x\\\"]\","
         "\"value\":{}}]}"),
        "{\"Operations\":[{\"op\":\"add\",\"value\":\"x\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *u = user(), *body = json_loads(bad[i], 0, NULL);
        const char *type = NULL;
        if (!scim_patch_apply(u, body, &type))
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(type);
        json_decref(u);
        json_decref(body);
    }
}

static void test_user_mapping(void **state)
{
    (void)state;
    json_t *in = user();
    json_object_set_new(in, "userName", json_string("bjensen@example.com"));
    dir_user_t u;
    assert_null(scim_user_apply(in, &u, 1));
    assert_string_equal(u.name, "bjensen@example.com");
    assert_string_equal(u.email, "bjensen@example.com"); /* the primary one */
    assert_string_equal(u.ou, "/Tour");
    assert_string_equal(u.state, "active");
    /* active false disables an active user; back to true re-activates */
    json_object_set_new(in, "active", json_string("False"));
    assert_null(scim_user_apply(in, &u, 0));
    assert_string_equal(u.state, "disabled");
    json_object_set_new(in, "active", json_true());
    assert_null(scim_user_apply(in, &u, 0));
    assert_string_equal(u.state, "active");
    u.id = 7;
    json_t *out = scim_user_json(&u, NULL, "/scim/v2");
    assert_string_equal(json_string_value(json_object_get(out, "id")), "7");
    assert_string_equal(json_string_value(json_object_get(out, "externalId")), "AbC");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "name"), "familyName")), "Jensen");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(out, SCIM_ENTERPRISE_SCHEMA), "department")),
                        "Tour");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "meta"), "location")),
        "/scim/v2/Users/7");
    json_decref(out);
    /* the directory's checks hold */
    json_object_set_new(in, "userName", json_string("bad name"));
    assert_non_null(scim_user_apply(in, &u, 1));
    json_object_set_new(in, "userName", json_string("ok"));
    json_object_set_new(in, "emails", json_pack("[{s:s}]", "value", "not-an-address"));
    assert_non_null(scim_user_apply(in, &u, 1));
    json_object_set_new(in, "emails", json_array());
    json_object_set_new(in, "active", json_string("maybe"));
    assert_non_null(scim_user_apply(in, &u, 1));
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_operators), cmocka_unit_test(test_filter_logic),
        cmocka_unit_test(test_filter_refusals),  cmocka_unit_test(test_patch),
        cmocka_unit_test(test_patch_refusals),   cmocka_unit_test(test_user_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
