/*
 * detect_crlf_test.c — black-box tests of rp_detect_crlf(): line breaks that
 * inject mail headers, SMTP/IMAP/POP3 commands or HTTP headers.
 *
 * Cases are data (tests/unit/data/crlf/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_crlf, "crlf", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_crlf, "crlf", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_crlf, "x\r\nBcc: a@b.c", "crlf:mail");
    dh_expect(rp_detect_crlf, "x\nSet-Cookie: a", "crlf:http");
    dh_expect(rp_detect_crlf, "x\r\nA1 LOGIN u p", "crlf:imap");
    dh_expect(rp_detect_crlf, "x\nRCPT TO:<a@b>", "crlf:smtp");
    dh_expect(rp_detect_crlf, "x\r\nHTTP/1.1 200", "crlf:status");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        "\r\n", "\n", "\r", "\nA ", "\r\nBcc:", "\n\n", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_crlf, patterns);
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
