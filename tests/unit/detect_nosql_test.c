/*
 * detect_nosql_test.c — black-box tests of rp_detect_nosql(): MongoDB
 * operator injection and server-side JavaScript.
 *
 * Cases are data (tests/unit/data/nosql/attacks.txt must all be flagged,
 * benign.txt, look-alikes included, never); see detect_harness.h. The rest
 * pins fingerprints and checks hostile input for crashes and linear time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect_harness.h"

static void test_attacks(void **state)
{
    (void)state;
    dh_run_file(rp_detect_nosql, "nosql", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_nosql, "nosql", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_nosql, "{\"$ne\": 1}", "nosql:operator");
    dh_expect(rp_detect_nosql, "a[$gt]", "nosql:operator");
    dh_expect(rp_detect_nosql, "db.users.find()", "nosql:db");
    dh_expect(rp_detect_nosql, "this.pw.match(/x/)", "nosql:where");
    dh_expect(rp_detect_nosql, "'; sleep(5000); '", "nosql:sleep");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "$", "$ne", "db.", "db.a.", "this.", "do{", "do{}", "'; return ", ";var x=", "[$", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_nosql, patterns);
}

/* JSON keys arrive alone from the body parser. */
static void test_keys(void **state)
{
    (void)state;
    assert_true(rp_detect_nosql_key("$ne", 3));
    assert_true(rp_detect_nosql_key("$where", 6));
    assert_true(rp_detect_nosql_key("$elemMatch", 10));
    assert_false(rp_detect_nosql_key("$", 1));
    assert_false(rp_detect_nosql_key("$name", 5));
    assert_false(rp_detect_nosql_key("ne", 2));
    assert_false(rp_detect_nosql_key("$nex", 4));
    assert_false(rp_detect_nosql_key("price$", 6));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),      cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
