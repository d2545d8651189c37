/*
 * csv_test.c — RFC 4180 quoting and spreadsheet formula neutralisation.
 */
#include "test_util.h"

#include "csv.h"

static void expect_text(const char *in, const char *out)
{
    strbuf_t sb;
    strbuf_init(&sb, 0);
    csv_text(&sb, in);
    strbuf_append(&sb, "", 0);
    assert_string_equal(sb.data, out);
    strbuf_free(&sb);
}

static void test_fields(void **state)
{
    (void)state;
    expect_text("plain", "plain");
    expect_text(NULL, "");
    expect_text("", "");
    expect_text("a,b", "\"a,b\"");
    expect_text("say \"hi\"", "\"say \"\"hi\"\"\"");
    expect_text("two\nlines", "\"two\nlines\"");
    expect_text("/search?q=1'%20or", "/search?q=1'%20or");
    expect_text("中文", "中文");
}

static void test_formulas_are_neutralised(void **state)
{
    (void)state;
    expect_text("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect_text("+1", "\"'+1\"");
    expect_text("-2+3", "\"'-2+3\"");
    expect_text("@SUM(A1)", "\"'@SUM(A1)\"");
    expect_text("\tx", "\"'\tx\"");
    expect_text("a=b", "a=b"); /* only a leading sign starts a formula */
}

static void test_row(void **state)
{
    (void)state;
    strbuf_t sb;
    strbuf_init(&sb, 0);
    csv_int(&sb, -42);
    csv_sep(&sb);
    csv_text(&sb, "x,y");
    csv_end_row(&sb);
    assert_string_equal(sb.data, "-42,\"x,y\"\r\n");
    strbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_formulas_are_neutralised),
        cmocka_unit_test(test_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
