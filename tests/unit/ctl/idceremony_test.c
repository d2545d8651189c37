/*
 * idceremony_test.c — WebAuthn ceremonies in progress (idceremony.h): a
 * ceremony comes back once under its handle, never twice, not after its
 * expiry, not under another handle; a full table refuses rather than
 * overwriting a live one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idceremony.h"
#include "timefmt.h"

static idceremony_t sample(int64_t uid, int64_t ttl_ms)
{
    idceremony_t c = {.kind = IDCEREMONY_SECOND, .uid = uid, .expires_ms = time_now_ms() + ttl_ms};
    snprintf(c.bound, sizeof(c.bound), "step-%lld", (long long)uid);
    memset(c.challenge, (int)uid, sizeof(c.challenge));
    return c;
}

static void test_taken_once(void **state)
{
    (void)state;
    idceremonies_t *t = idceremonies_new();
    assert_non_null(t);
    char h1[IDCEREMONY_HANDLE_LEN + 1], h2[IDCEREMONY_HANDLE_LEN + 1];
    idceremony_t a = sample(7, 60000), b = sample(8, 60000), out;
    assert_int_equal(idceremony_put(t, &a, h1), 0);
    assert_int_equal(idceremony_put(t, &b, h2), 0);
    assert_int_equal((int)strlen(h1), IDCEREMONY_HANDLE_LEN);
    assert_string_not_equal(h1, h2);
    assert_int_equal(idceremony_take(t, h1, &out), 0);
    assert_int_equal(out.uid, 7);
    assert_string_equal(out.bound, "step-7");
    assert_memory_equal(out.challenge, a.challenge, sizeof(a.challenge));
    assert_int_equal(idceremony_take(t, h1, &out), -1); /* spent */
    h2[0] = h2[0] == 'A' ? 'B' : 'A';                   /* another handle */
    assert_int_equal(idceremony_take(t, h2, &out), -1);
    assert_int_equal(idceremony_take(t, "short", &out), -1);
    assert_int_equal(idceremony_take(t, NULL, &out), -1);
    idceremonies_free(t);
}

static void test_expired(void **state)
{
    (void)state;
    idceremonies_t *t = idceremonies_new();
    char h[IDCEREMONY_HANDLE_LEN + 1];
    idceremony_t old = sample(9, -1), out;
    assert_int_equal(idceremony_put(t, &old, h), 0);
    assert_int_equal(idceremony_take(t, h, &out), -1);
    idceremonies_free(t);
}

static void test_full(void **state)
{
    (void)state;
    idceremonies_t *t = idceremonies_new();
    char h[IDCEREMONY_HANDLE_LEN + 1];
    idceremony_t c = sample(1, 60000);
    int placed = 0, refused = 0;
    for (int i = 0; i < 20000; i++) {
        if (idceremony_put(t, &c, h) == 0)
            placed++;
        else
            refused++;
    }
    assert_true(placed >= 4000 && placed <= 4096);
    assert_true(refused > 0);
    idceremonies_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken_once),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
