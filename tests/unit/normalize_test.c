/*
 * normalize_test.c — path normalisation, cookie splitting, masking and the
 * arena, table-driven with hostile input.
 */
#include "test_util.h"

#include <stdlib.h>

#include "arena.h"
#include "normalize.h"

static void test_path(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
        int above_root;
    } cases[] = {
        {"/", "/", 0},
        {"/a/b/c", "/a/b/c", 0},
        {"/a//b///c", "/a/b/c", 0},
        {"/a/./b/../c", "/a/c", 0},
        {"/a/b/", "/a/b/", 0},
        {"/a\\b\\..\\c", "/a/c", 0},
        {"/static/..%2f..%2fadmin", "/admin", 1},
        {"/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", 1},
        {"/../x", "/x", 1},
        {"/a/..", "/", 0},
        {"/a/.", "/a/", 0},
        {"/%E6%94%BF%E5%8A%A1/%E6%9C%8D%E5%8A%A1", "/政务/服务", 0},
        {"/a/b%20c", "/a/b c", 0},
        {"", "", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256];
        unsigned flags = 0;
        bool above = false;
        size_t n = rp_path_normalize(out, cases[i].in, strlen(cases[i].in), &flags, &above);
        if (n != strlen(cases[i].out) || memcmp(out, cases[i].out, n) != 0)
            fail_msg("path %zu: \"%s\" -> \"%.*s\", want \"%s\"", i, cases[i].in, (int)n, out,
                     cases[i].out);
        assert_int_equal(above, cases[i].above_root);
    }
}

static void test_path_hostile(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    char *in = malloc(len), *out = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        in[i] = "/.%\\"[i % 4];
    unsigned flags = 0;
    bool above = false;
    size_t n = rp_path_normalize(out, in, len, &flags, &above);
    assert_true(n <= len);
    for (size_t i = 0; i < len; i++)
        in[i] = (char)(i * 7);
    n = rp_path_normalize(out, in, len, &flags, &above);
    assert_true(n <= len);
    free(in);
    free(out);
}

typedef struct {
    int n;
    char names[8][32];
    char values[8][64];
    unsigned flags[8];
} fields_t;

static rp_status_t collect(void *ctx, rp_source_t src, const char *name, size_t nl,
                           const char *value, size_t vl, unsigned flags)
{
    fields_t *f = ctx;
    assert_int_equal(src, RP_SRC_COOKIE);
    if (f->n < 8) {
        snprintf(f->names[f->n], 32, "%.*s", (int)nl, name);
        snprintf(f->values[f->n], 64, "%.*s", (int)vl, value);
        f->flags[f->n] = flags;
    }
    f->n++;
    return RP_OK;
}

static void test_cookies(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    fields_t f = {0};
    const char *c = "sid=abc; theme=dark ;  q=%27%20or%201%3D1;flag; quoted=\"x y\";;";
    assert_int_equal(rp_cookies_split(a, c, strlen(c), collect, &f), RP_OK);
    assert_int_equal(f.n, 5);
    assert_string_equal(f.names[0], "sid");
    assert_string_equal(f.values[0], "abc");
    assert_string_equal(f.names[1], "theme");
    assert_string_equal(f.values[1], "dark");
    assert_string_equal(f.values[2], "' or 1=1");
    assert_string_equal(f.names[3], "flag");
    assert_true(f.flags[3] & RP_FIELD_KEY_ONLY);
    assert_string_equal(f.values[4], "x y");
    rp_arena_free(a);
}

static void test_mask(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"id=11010519491231002X", "id=110105********002X"},
        {"tel 13812345678.", "tel 138****5678."},
        {"card 4111111111111111", "card ************1111"},
        {"order 20240101123456", "order 20240101123456"},   /* not Luhn, 14 digits */
        {"id 110105194912310021", "id 110105194912310021"}, /* bad check digit */
        {"abc13812345678", "abc13812345678"},               /* glued to letters */
        {"电话13812345678号", "电话138****5678号"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", cases[i].in);
        rp_mask_sensitive(buf, strlen(buf));
        if (strcmp(buf, cases[i].out) != 0)
            fail_msg("mask %zu: \"%s\" -> \"%s\", want \"%s\"", i, cases[i].in, buf, cases[i].out);
    }
}

static void test_secret_names(void **state)
{
    (void)state;
    assert_true(rp_secret_name(STR_AND_LEN("password")));
    assert_true(rp_secret_name(STR_AND_LEN("user_PWD")));
    assert_true(rp_secret_name(STR_AND_LEN("JSESSIONID")));
    assert_true(rp_secret_name(STR_AND_LEN("access_token")));
    assert_true(rp_secret_name(STR_AND_LEN("code")));
    assert_false(rp_secret_name(STR_AND_LEN("zipcode")));
    assert_false(rp_secret_name(STR_AND_LEN("q")));
    assert_false(rp_secret_name(STR_AND_LEN("keyword")));
}

static void test_arena(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(256, 4096);
    void *p1 = rp_arena_alloc(a, 10);
    void *p2 = rp_arena_alloc(a, 10);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_int_equal((uintptr_t)p1 % 16, 0);
    assert_int_equal((uintptr_t)p2 % 16, 0);
    assert_non_null(rp_arena_alloc(a, 1000)); /* own block */
    assert_null(rp_arena_alloc(a, 5000));     /* over the cap */
    assert_null(rp_arena_alloc(a, SIZE_MAX)); /* overflow */
    rp_abuf_t b;
    rp_abuf_init(&b, a);
    for (int i = 0; i < 100; i++)
        assert_int_equal(rp_abuf_append(&b, "abc", 3), 0);
    assert_int_equal(b.len, 300);
    assert_int_equal(b.data[300], '\0');
    rp_arena_reset(a);
    assert_int_equal(rp_arena_used(a), 0);
    assert_non_null(rp_arena_alloc(a, 100));
    rp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),         cmocka_unit_test(test_path_hostile),
        cmocka_unit_test(test_cookies),      cmocka_unit_test(test_mask),
        cmocka_unit_test(test_secret_names), cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
