/*
 * idrev_stream_test.c — the revocation stream's format (idrev_stream.h):
 * Redis URLs, an entry's line written and read back, and strict refusal of
 * ids and lines a gateway must never take.
 */
#include "test_util.h"

#include <string.h>

#include "idrev_stream.h"

static int parse(const char *id, const char *line, idrev_t *out)
{
    return idrev_entry_parse(id, line, strlen(line), out);
}

static void test_url(void **state)
{
    (void)state;
    idrev_redis_addr_t a;
    char why[160];
    assert_int_equal(idrev_redis_parse_url("redis://127.0.0.1:6380/2", &a, why, sizeof(why)), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 6380);
    assert_int_equal(a.db, 2);
    assert_int_equal(idrev_redis_parse_url("redis://cache.local", &a, why, sizeof(why)), 0);
    assert_int_equal(a.port, 6379);
    assert_int_equal(a.db, 0);
    const char *bad[] = {"http://h:1",      "redis://",      "redis://h:0",
                         "redis://h:70000", "redis://h:1/x", "redis://h:1/2/3",
                         "redis://h;rm:1",  "redis://h:1 x", "redis://h:1/2000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (idrev_redis_parse_url(bad[i], &a, why, sizeof(why)) == 0)
            fail_msg("accepted %s", bad[i]);
}

static void test_round_trip(void **state)
{
    (void)state;
    idrev_t in = {.seq = 7, .kind = "sid", .ident = "AbCdEfGhIjKlMnOpQrSt-_", .t = 1795043200};
    char line[96];
    assert_int_equal(idrev_line_format(&in, line, sizeof(line)), 37);
    assert_string_equal(line, "sid AbCdEfGhIjKlMnOpQrSt-_ 1795043200");
    idrev_t out;
    assert_int_equal(parse("7-0", line, &out), 0);
    assert_int_equal(out.seq, 7);
    assert_string_equal(out.kind, "sid");
    assert_string_equal(out.ident, in.ident);
    assert_int_equal(out.t, in.t);
    idrev_t user = {.seq = 8, .kind = "user", .ident = "42", .t = 1795000001};
    assert_true(idrev_line_format(&user, line, sizeof(line)) > 0);
    assert_int_equal(parse("8-0", line, &out), 0);
    assert_string_equal(out.kind, "user");
    assert_string_equal(out.ident, "42");
    /* what a gateway would refuse is never written */
    idrev_t odd = {.seq = 9, .kind = "sid", .ident = "short", .t = 1};
    assert_int_equal(idrev_line_format(&odd, line, sizeof(line)), -1);
    idrev_t other = {.seq = 9, .kind = "app", .ident = "1", .t = 1};
    assert_int_equal(idrev_line_format(&other, line, sizeof(line)), -1);
}

static void test_refused(void **state)
{
    (void)state;
    idrev_t out;
    const char *ok = "sid AAAAAAAAAAAAAAAAAAAAAA 5";
    assert_int_equal(parse("1-0", ok, &out), 0);
    const char *ids[] = {
        "", "0-0", "1-1", "1", "-0", "x-0", "1-0x", "01-0", "1234567890123456789-0"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (parse(ids[i], ok, &out) == 0)
            fail_msg("accepted id %s", ids[i]);
    assert_int_equal(idrev_entry_parse(NULL, ok, strlen(ok), &out), -1);
    const char *lines[] = {"",
                           "sid",
                           "sid AAAAAAAAAAAAAAAAAAAAAA",
                           "sid AAAAAAAAAAAAAAAAAAAAAA ",
                           "sid AAAAAAAAAAAAAAAAAAAAA 5",
                           "sid AAAAAAAAAAAAAAAAAAAAAA= 5",
                           "sid AAAAAAAAAAAAAAAAAAAA.A 5",
                           "sid AAAAAAAAAAAAAAAAAAAAAA -5",
                           "sid AAAAAAAAAAAAAAAAAAAAAA 5 6",
                           "sid AAAAAAAAAAAAAAAAAAAAAA 5\n",
                           "sid AAAAAAAAAAAAAAAAAAAAAA 05",
                           "user 042 5",
                           "user x 5",
                           "user  5",
                           "user 1234567890123456789 5",
                           "app 1 5",
                           "SID AAAAAAAAAAAAAAAAAAAAAA 5"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        if (parse("1-0", lines[i], &out) == 0)
            fail_msg("accepted line \"%s\"", lines[i]);
    /* a NUL inside the value is not the end of it */
    assert_int_equal(idrev_entry_parse("1-0", "sid AAAAAAAAAAAAAAAAAAAAAA 5\0", 29, &out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
