/*
 * detect_gate_skip_test.c — the gate's shortcut over inert 16-byte blocks
 * (detect_gate.c, block_live: only the live bytes of a block of high bytes
 * are looked at) changes no answer.
 *
 * detect_gate.c is compiled into this file byte by byte (RP_GATE_BYTEWISE,
 * under another name) and the library's rp_detect_gate, with the shortcut,
 * must agree with it on values of Chinese text, full-width punctuation,
 * overlong and full-width dots and the ASCII pairs the gate looks for, at
 * every alignment. The table itself must hold the shortcut's premise: no
 * byte >= 0x80 but the nine it names carries a bit.
 */
#include "test_util.h"

#define RP_GATE_BYTEWISE 1
#define rp_detect_gate   gate_bytewise
#include "detect_gate.c"
#undef rp_detect_gate

unsigned rp_detect_gate(const char *s, size_t n);

static void test_only_nine_high_bytes_live(void **state)
{
    (void)state;
    static const unsigned char live[] = {0x8E, 0xAC, 0xAE, 0xC0, 0xC1, 0xE0, 0xE2, 0xED, 0xEF};
    for (int c = 0x80; c < 0x100; c++) {
        if (memchr(live, c, sizeof(live)))
            continue;
        assert_true(bytes[c].first == 0 && bytes[c].second == 0);
    }
}

static void test_agrees_with_bytewise(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "\xe4\xb8\x8a\xe6\xb5\xb7\xe5\xb8\x82", /* 上海市 */
        "\xe6\xb5\xa6\xe4\xb8\x9c\xe6\x96\xb0\xe5\x8c\xba",
        "\xe4\xb8\xad\xe6\x96\x87",
        "\xef\xbc\x8c",                         /* ， */
        "\xef\xbc\x8e\xef\xbc\x8e\xef\xbc\x8f", /* ．．／ */
        "\xc0\xae\xc0\xae/",
        "\xe0\x80\xae",
        "\xac\xed\x00\x05",
        "\xe2\x80\xa8",
        "rO0AB",
        "../",
        ".ssh",
        "etc/passwd",
        "${x}",
        "; ls",
        "http://",
        "(|(a=*))",
        "\r\n",
        "100",
        "abc",
        "\xe5\x8f\xb7",
    };
    unsigned seed = 2026;
    char buf[200];
    for (int round = 0; round < 200000; round++) {
        /* mostly Chinese text, so whole blocks of it occur */
        size_t n = test_random_pieces(buf, sizeof(buf), pieces, sizeof(pieces) / sizeof(pieces[0]),
                                      3, 67, 1 + (int)(seed % 12), &seed);
        size_t skip = (size_t)(seed >> 24) % 16;
        if (skip > n)
            skip = n;
        unsigned want = gate_bytewise(buf + skip, n - skip);
        unsigned got = rp_detect_gate(buf + skip, n - skip);
        if (got != want)
            print_error("round %d: %#x, byte by byte %#x\n", round, got, want);
        assert_int_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_nine_high_bytes_live),
        cmocka_unit_test(test_agrees_with_bytewise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
