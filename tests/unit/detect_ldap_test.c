/*
 * detect_ldap_test.c — black-box tests of rp_detect_ldap(): LDAP filter
 * injection.
 *
 * Cases are data (tests/unit/data/ldap/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_ldap, "ldap", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_ldap, "ldap", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_ldap, "(|(cn=*))", "ldap:compose");
    dh_expect(rp_detect_ldap, "x)(uid=*", "ldap:breakout");
    dh_expect(rp_detect_ldap, "cn:dn:=x", "ldap:extensible");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "(", "(|", ")(", "a:", "a:1.2:", "(&(a", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_ldap, patterns);
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
