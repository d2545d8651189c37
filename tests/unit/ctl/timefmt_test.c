/*
 * timefmt_test.c — RFC 3339 parsing and formatting.
 */
#include "test_util.h"

#include "timefmt.h"

static int64_t parse(const char *s)
{
    int64_t ms = -1;
    assert_int_equal(time_parse_rfc3339(s, strlen(s), &ms), 0);
    return ms;
}

static void refused(const char *s)
{
    int64_t ms;
    if (time_parse_rfc3339(s, strlen(s), &ms) == 0)
        fail_msg("accepted \"%s\"", s);
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse("1970-01-01T00:00:01.5Z"), 1500);
    assert_int_equal(parse("2026-11-26T10:23:57.307Z"), 1795688637307LL);
    assert_int_equal(parse("2026-11-26t10:23:57.307z"), 1795688637307LL);
    assert_int_equal(parse("2026-11-26 10:23:57.307Z"), 1795688637307LL);
    assert_int_equal(parse("2026-11-26T18:23:57.307+08:00"), 1795688637307LL);
    assert_int_equal(parse("2026-11-26T05:23:57.307123456-05:00"), 1795688637307LL);
    assert_int_equal(parse("2024-02-29T00:00:00Z"), 1709164800000LL);
    assert_int_equal(parse("2016-12-31T23:59:60Z"), parse("2016-12-31T23:59:59Z"));
    assert_int_equal(parse("1969-12-31T23:59:59Z"), -1000);
}

static void test_refused(void **state)
{
    (void)state;
    refused("");
    refused("2026-11-26");
    refused("2026-11-26T10:23:57");       /* no offset */
    refused("2026-13-01T00:00:00Z");      /* month */
    refused("2025-02-29T00:00:00Z");      /* not a leap year */
    refused("2026-04-31T00:00:00Z");      /* day */
    refused("2026-11-26T24:00:00Z");      /* hour */
    refused("2026-11-26T10:60:00Z");      /* minute */
    refused("2026-11-26T10:23:57.Z");     /* empty fraction */
    refused("2026-11-26T10:23:57Zjunk");  /* trailing */
    refused("2026-11-26T10:23:57+0800");  /* offset needs a colon */
    refused("2026-11-26T10:23:57+24:00"); /* offset hour */
    refused("２026-11-26T10:23:57Z");     /* not ASCII digits */
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char out[TIME_RFC3339_MAX];
    time_format_rfc3339(1795688637307LL, out);
    assert_string_equal(out, "2026-11-26T10:23:57.307Z");
    time_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    time_format_rfc3339(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    for (int64_t ms = -5000; ms < 400000000000LL; ms += 7777777777LL) {
        time_format_rfc3339(ms, out);
        assert_int_equal(parse(out), ms);
    }
}

static void test_param(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(time_parse_param("1795688637307", &ms), 0);
    assert_int_equal(ms, 1795688637307LL);
    assert_int_equal(time_parse_param("2026-11-26T10:23:57.307Z", &ms), 0);
    assert_int_equal(ms, 1795688637307LL);
    assert_int_equal(time_parse_param("", &ms), -1);
    assert_int_equal(time_parse_param("-5", &ms), -1);
    assert_int_equal(time_parse_param("yesterday", &ms), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_param),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
