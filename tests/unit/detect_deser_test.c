/*
 * detect_deser_test.c — black-box tests of rp_detect_deser(): serialized
 * objects (Java, .NET, pickle, Ruby Marshal, PHP, YAML tags, JSON type tags).
 *
 * Cases are data (tests/unit/data/deser/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_deser, "deser", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_deser, "deser", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_deser, "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDR", "deser:java");
    dh_expect(rp_detect_deser, "AAEAAAD/////AQAAAAAAAAAMAgAAAF5NaWNyb3NvZnQu", "deser:dotnet");
    dh_expect(rp_detect_deser, "O:8:\"stdClass\":0:{}", "deser:php");
    dh_expect(rp_detect_deser, "!!python/object/apply:os.system [id]", "deser:yaml");
    dh_expect(rp_detect_deser, "{\"@type\":\"com.sun.rowset.JdbcRowSetImpl\"}", "deser:type");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "rO0AB", "O:1:\"",       "!!", "\"@type\":\"a.b.", "gA", "aced0005",
        "cos\n", "AAEAAAD/////", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_deser, patterns);
}

/* A JSON member split by the body parser: key and value apart. */
static void test_type_key(void **state)
{
    (void)state;
    assert_true(rp_detect_deser_type_key("@type", 5, "com.sun.rowset.JdbcRowSetImpl", 29));
    assert_true(rp_detect_deser_type_key("$type", 5, "System.Data.DataSet, System.Data", 32));
    assert_false(rp_detect_deser_type_key("@type", 5, "Person", 6));
    assert_false(rp_detect_deser_type_key("type", 4, "com.sun.rowset.JdbcRowSetImpl", 29));
    assert_false(rp_detect_deser_type_key("@type", 5, "https://schema.org/Person", 25));
}

/* A signature counts at the start of a token only, with a payload after. */
static void test_token_start(void **state)
{
    static const char p[] = "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcAUH2sHDFmDR";
    char buf[128];
    (void)state;
    assert_true(rp_detect_deser(p, sizeof(p) - 1, NULL));
    assert_false(rp_detect_deser(p, 10, NULL));
    snprintf(buf, sizeof(buf), "x%s", p);
    assert_false(rp_detect_deser(buf, strlen(buf), NULL));
    snprintf(buf, sizeof(buf), "lang=%s", p);
    assert_true(rp_detect_deser(buf, strlen(buf), NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),      cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_type_key),     cmocka_unit_test(test_token_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
