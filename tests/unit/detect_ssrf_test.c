/*
 * detect_ssrf_test.c — black-box tests of rp_detect_ssrf(): URLs to internal
 * hosts, raw-protocol and local-file schemes, out-of-band callback hosts.
 *
 * Cases are data (tests/unit/data/ssrf/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_ssrf, "ssrf", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_ssrf, "ssrf", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_ssrf, "http://127.0.0.1/", "ssrf:loopback");
    dh_expect(rp_detect_ssrf, "http://169.254.169.254/", "ssrf:metadata");
    dh_expect(rp_detect_ssrf, "gopher://x/", "ssrf:gopher");
    dh_expect(rp_detect_ssrf, "http://0x7f.1/", "ssrf:loopback");
    dh_expect(rp_detect_ssrf, "http://1.2.3.0x4/", "ssrf:ip-enc");
    dh_expect(rp_detect_ssrf, "http://a.127.0.0.1.nip.io/", "ssrf:dns");
    dh_expect(rp_detect_ssrf, "u@x.interact.sh", "ssrf:oast");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "http://",  ":",         "a.",      "http://a@", "file:/",
        "http://[", "http://0x", "x.oast.", "gopher:",   NULL,
    };
    (void)state;
    dh_hostile(rp_detect_ssrf, patterns);
}

/* inet_aton spellings of 127.0.0.1 */
static void test_ip_spellings(void **state)
{
    static const char *const loop[] = {
        "http://127.0.0.1/",    "http://127.1/",      "http://2130706433/",
        "http://0x7f000001/",   "http://0x7f.0.0.1/", "http://0177.0.0.1/",
        "http://017700000001/", "http://127.0.0.1./", NULL,
    };
    (void)state;
    for (const char *const *s = loop; *s; s++) {
        dh_expect(rp_detect_ssrf, *s, "ssrf:loopback");
    }
    assert_false(rp_detect_ssrf("http://8.8.8.8/", 15, NULL));
    assert_false(rp_detect_ssrf("http://300.1.1.1/", 17, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),      cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_ip_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
