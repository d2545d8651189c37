/*
 * detect_traversal_test.c — black-box tests of rp_detect_traversal(): path traversal,
 * filter-evasion shapes, sensitive files and UNC paths.
 *
 * Cases are data (tests/unit/data/traversal/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_traversal, "traversal", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_traversal, "traversal", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_traversal, "../../x", "path:dotdot");
    dh_expect(rp_detect_traversal, "....//etc", "path:evasion");
    dh_expect(rp_detect_traversal, "/proc/self/environ", "path:file");
    dh_expect(rp_detect_traversal, "../etc/passwd", "path:dotdot");
    dh_expect(rp_detect_traversal, "\\\\::1\\c$\\x", "path:unc");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "../",  "..",         ".",   "/",        "....//", "\xef\xbc\x8e",
        "etc/", "/etc/passw", ".\\", "\xc0\xae", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_traversal, patterns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),
        cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
