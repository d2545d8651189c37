/*
 * urldecode_test.c — rp_url_decode() and rp_utf8_check() against a table of
 * ordinary and hostile inputs; every row asserts the exact bytes and the
 * exact flag set, decoded both into a separate buffer and in place.
 */
#include "test_util.h"

#include "rampart/transaction.h"
#include "urldecode.h"

#define BAD RP_ARG_BAD_ENCODING
#define DBL RP_ARG_DOUBLE_ENCODED
#define UNI RP_ARG_UNICODE_ENCODED
#define INV RP_ARG_INVALID_UTF8
#define OVL RP_ARG_OVERLONG_UTF8
#define NUL RP_ARG_NUL

typedef struct {
    const char *in;
    size_t in_len; /* 0: strlen(in) */
    int plus;
    const char *out;
    size_t out_len; /* 0: strlen(out) unless out is "" */
    unsigned flags;
} decode_case_t;

static const decode_case_t decode_cases[] = {
    {"", 0, 1, "", 0, 0},
    {"abc", 0, 1, "abc", 0, 0},
    {"a+b", 0, 1, "a b", 0, 0},
    {"a+b", 0, 0, "a+b", 0, 0},
    {"%2B", 0, 1, "+", 0, 0},
    {"%41%42%43", 0, 1, "ABC", 0, 0},
    {"%6a%6A", 0, 1, "jj", 0, 0},
    {"%", 0, 1, "%", 0, BAD},
    {"%4", 0, 1, "%4", 0, BAD},
    {"%4g", 0, 1, "%4g", 0, BAD},
    {"%%41", 0, 1, "%A", 0, BAD},
    {"100%", 0, 1, "100%", 0, BAD},
    {"%zz%41", 0, 1, "%zzA", 0, BAD},
    {"%2541", 0, 1, "%41", 0, DBL},
    {"%252e%252e%252f", 0, 1, "%2e%2e%2f", 0, DBL},
    {"%25u0041", 0, 1, "%u0041", 0, DBL},
    {"%25", 0, 1, "%", 0, 0},
    {"%00", 0, 1, "\0", 1, NUL},
    {"a%00b", 0, 1, "a\0b", 3, NUL},
    {"%u0041", 0, 1, "A", 0, UNI},
    {"%U003c", 0, 1, "<", 0, UNI},
    {"%u00e9", 0, 1, "\xc3\xa9", 0, UNI},
    {"%u20AC", 0, 1, "\xe2\x82\xac", 0, UNI},
    {"%uD83D%uDE00", 0, 1, "\xf0\x9f\x98\x80", 0, UNI},
    {"%uD83D", 0, 1, "%uD83D", 0, BAD},
    {"%uDE00%uD83D", 0, 1, "%uDE00%uD83D", 0, BAD},
    {"%uD83Dx", 0, 1, "%uD83Dx", 0, BAD},
    {"%25uD83D%25uDE00", 0, 1, "%uD83D%uDE00", 0, DBL},
    {"%u0000", 0, 1, "\0", 1, UNI | NUL},
    {"%u00", 0, 1, "%u00", 0, BAD},
    {"%u00zz", 0, 1, "%u00zz", 0, BAD},
    {"%c0%af", 0, 1, "\xc0\xaf", 0, OVL},
    {"%e0%80%af", 0, 1, "\xe0\x80\xaf", 0, OVL},
    {"%f0%80%80%af", 0, 1, "\xf0\x80\x80\xaf", 0, OVL},
    {"%ff", 0, 1, "\xff", 0, INV},
    {"%ed%a0%80", 0, 1, "\xed\xa0\x80", 0, INV},
    {"%f4%90%80%80", 0, 1, "\xf4\x90\x80\x80", 0, INV},
    {"%c3", 0, 1, "\xc3", 0, INV},
    {"%c3%a9", 0, 1, "\xc3\xa9", 0, 0},
    {"\xc3\xa9", 0, 1, "\xc3\xa9", 0, 0},
    {"%27%20OR%201%3D1--", 0, 1, "' OR 1=1--", 0, 0},
    {"%3Cscript%3E", 0, 1, "<script>", 0, 0},
    {"%%%", 0, 1, "%%%", 0, BAD},
    {"%c0%af%2541%00%", 0, 1, "\xc0\xaf%41\0%", 7, OVL | DBL | NUL | BAD},
};

static void test_decode_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const decode_case_t *c = &decode_cases[i];
        size_t in_len = c->in_len ? c->in_len : strlen(c->in);
        size_t out_len = c->out_len ? c->out_len : strlen(c->out);
        char *dst = malloc(in_len + 1);
        assert_non_null(dst);
        unsigned flags = 0;
        size_t n = rp_url_decode(dst, c->in, in_len, c->plus, &flags);
        if (n != out_len || memcmp(dst, c->out, n) != 0 || flags != c->flags) {
            print_error("row %zu: \"%s\" -> len %zu flags %#x\n", i, c->in, n, flags);
            free(dst);
            fail();
        }
        assert_int_equal(n, out_len);
        assert_memory_equal(dst, c->out, n);
        assert_int_equal(dst[n], '\0');
        assert_int_equal(flags, c->flags);

        /* In place gives the same result. */
        memcpy(dst, c->in, in_len);
        unsigned flags2 = 0;
        size_t n2 = rp_url_decode(dst, dst, in_len, c->plus, &flags2);
        assert_int_equal(n2, out_len);
        assert_memory_equal(dst, c->out, n2);
        assert_int_equal(flags2, c->flags);
        free(dst);
    }
}

static void test_flags_are_ored(void **state)
{
    (void)state;
    char dst[8];
    unsigned flags = RP_ARG_NUL;
    rp_url_decode(dst, "%zz", 3, 1, &flags);
    assert_int_equal(flags, RP_ARG_NUL | RP_ARG_BAD_ENCODING);
}

typedef struct {
    const char *s;
    size_t len; /* 0: strlen */
    unsigned flags;
} utf8_case_t;

static const utf8_case_t utf8_cases[] = {
    {"", 0, 0},
    {"plain ascii", 0, 0},
    {"\x7f", 0, 0},
    {"\xc2\x80", 0, 0},
    {"\xdf\xbf", 0, 0},
    {"\xe0\xa0\x80", 0, 0},
    {"\xef\xbf\xbf", 0, 0},
    {"\xf0\x90\x80\x80", 0, 0},
    {"\xf4\x8f\xbf\xbf", 0, 0},
    {"\xc0\x80", 0, OVL},
    {"\xc1\xbf", 0, OVL},
    {"\xe0\x9f\xbf", 0, OVL},
    {"\xf0\x8f\xbf\xbf", 0, OVL},
    {"\x80", 0, INV},
    {"\xbf", 0, INV},
    {"\xc2", 0, INV},
    {"\xc2\x41", 0, INV},
    {"\xe2\x82", 0, INV},
    {"\xed\xa0\x80", 0, INV},
    {"\xed\xbf\xbf", 0, INV},
    {"\xed\x9f\xbf", 0, 0},
    {"\xf4\x90\x80\x80", 0, INV},
    {"\xf5\x80\x80\x80", 0, INV},
    {"\xf8\x88\x80\x80\x80", 0, INV},
    {"\xfe\xff", 0, INV},
    {"a\xc0\xaf"
     "b\xff",
     0, OVL | INV},
    {"\0", 1, 0},
    /* A broken sequence must not swallow the valid one that follows. */
    {"\xe2\xc3\xa9", 0, INV},
};

static void test_utf8_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        const utf8_case_t *c = &utf8_cases[i];
        size_t len = c->len ? c->len : strlen(c->s);
        unsigned f = rp_utf8_check(c->s, len);
        if (f != c->flags)
            print_error("utf8 row %zu: flags %#x\n", i, f);
        assert_int_equal(f, c->flags);
    }
}

/* rp_utf8_check's shortcuts (ASCII words, well-formed three-byte
 * sequences) agree with decoding every sequence through rp_utf8_step:
 * every three-byte lead and continuation pair, behind ASCII runs of each
 * alignment and before a truncated tail. */
static unsigned utf8_check_by_steps(const char *s, size_t len)
{
    unsigned f = 0;
    for (size_t i = 0; i < len;)
        i += (unsigned char)s[i] < 0x80 ? 1 : rp_utf8_step(s + i, len - i, &f);
    return f;
}

static void test_utf8_check_shortcuts(void **state)
{
    (void)state;
    char buf[32];
    for (int c = 0xC0; c < 0x100; c++)
        for (int b1 = 0; b1 < 256; b1++)
            for (int b2 = 0; b2 < 256; b2 += (b1 & 0x40) ? 37 : 1) {
                size_t pre = (size_t)(c + b1 + b2) % 11, n = 0;
                memset(buf, 'a', pre);
                n = pre;
                buf[n++] = (char)c;
                buf[n++] = (char)b1;
                buf[n++] = (char)b2;
                memcpy(buf + n, "xyz\xe4\xb8", 5);
                n += (size_t)(b2 % 6);
                unsigned want = utf8_check_by_steps(buf, n);
                unsigned got = rp_utf8_check(buf, n);
                if (got != want)
                    print_error("%02x %02x %02x (+%zu): %#x, by steps %#x\n", c, b1, b2, pre, got,
                                want);
                assert_int_equal(got, want);
            }
}

/* Runs of three-byte sequences (the word-at-a-time loop) mixed with every
 * way one can go wrong, against deciding step by step. */
static void test_utf8_three_byte_runs(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "\xe4\xb8\xad",     "\xe6\x96\x87", "\xef\xbc\x8c", "\xe0\xa0\x80", "\xe0\x9f\xbf",
        "\xed\x9f\xbf",     "\xed\xa0\x80", "\xe4\xb8",     "\xe4",         "a",
        "\xf0\x9f\x98\x80", "\xc3\xa9",     "\x80",         "\xee\x80\x80", "\xe4\x38\xad",
        "\xe4\xb8\x2d",     "\xef\xbf\xbf", "\xe1\xc0\x80", "0123456789",
    };
    unsigned seed = 7;
    char buf[160];
    for (int round = 0; round < 100000; round++) {
        /* every other round mostly valid Chinese, so long runs occur */
        size_t n = test_random_pieces(buf, sizeof(buf), pieces, sizeof(pieces) / sizeof(pieces[0]),
                                      3, round & 1 ? 88 : 0, (int)(seed % 30), &seed);
        unsigned want = utf8_check_by_steps(buf, n), got = rp_utf8_check(buf, n);
        if (got != want)
            print_error("round %d: %#x, by steps %#x\n", round, got, want);
        assert_int_equal(got, want);
    }
}

static void test_all_escapes(void **state)
{
    (void)state;
    /* Every %XX decodes to its byte, whatever the case of the digits. */
    for (int b = 0; b < 256; b++) {
        char in[4], out[4];
        snprintf(in, sizeof(in), "%%%02x", b);
        unsigned f = 0;
        assert_int_equal(rp_url_decode(out, in, 3, 1, &f), 1);
        assert_int_equal((unsigned char)out[0], b);
        snprintf(in, sizeof(in), "%%%02X", b);
        assert_int_equal(rp_url_decode(out, in, 3, 1, &f), 1);
        assert_int_equal((unsigned char)out[0], b);
    }
}

/* rp_url_decode's shortcut over leading literal bytes agrees with decoding
 * byte by byte: random strings over an alphabet of literals, escapes,
 * '+', NUL and UTF-8 bytes, at every length and alignment up to 40. */
static int ref_hex(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static size_t ref_decode(char *out, const char *in, size_t len, int plus, unsigned *flags)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '+' && plus) {
            out[o++] = ' ';
        } else if (c == '%' && i + 2 < len && ref_hex((unsigned char)in[i + 1]) >= 0 &&
                   ref_hex((unsigned char)in[i + 2]) >= 0) {
            out[o++] =
                (char)(ref_hex((unsigned char)in[i + 1]) * 16 + ref_hex((unsigned char)in[i + 2]));
            i += 2;
        } else {
            if (c == '%')
                *flags |= BAD;
            out[o++] = (char)c;
        }
    }
    *flags |= rp_utf8_check(out, o) | (memchr(out, 0, o) ? NUL : 0) |
              (rp_url_has_escape(out, o) ? DBL : 0);
    return o;
}

static void test_literal_run_shortcut(void **state)
{
    (void)state;
    static const char alphabet[] = "aZ09-._~%4e2+\0\xe4\xb8\xad\x7f ";
    unsigned seed = 12345;
    char in[48], want[48], got[48];
    for (int round = 0; round < 200000; round++) {
        size_t len = (size_t)(round % 41);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly literals, so runs of every length occur */
            in[i] = (seed >> 16) % 4 ? 'a' + (char)((seed >> 8) % 20) /* no %u escapes */
                                     : alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
        }
        int plus = round & 1;
        unsigned fw = 0, fg = 0;
        size_t nw = ref_decode(want, in, len, plus, &fw);
        size_t ng = rp_url_decode(got, in, len, plus, &fg);
        if (ng != nw || memcmp(got, want, nw) != 0 || fg != fw)
            print_error("round %d: len %zu -> %zu/%zu flags %#x/%#x\n", round, len, ng, nw, fg, fw);
        assert_int_equal(ng, nw);
        assert_memory_equal(got, want, nw);
        assert_int_equal(fg, fw);
        assert_int_equal(got[ng], '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),         cmocka_unit_test(test_flags_are_ored),
        cmocka_unit_test(test_utf8_table),           cmocka_unit_test(test_utf8_check_shortcuts),
        cmocka_unit_test(test_all_escapes),          cmocka_unit_test(test_literal_run_shortcut),
        cmocka_unit_test(test_utf8_three_byte_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
