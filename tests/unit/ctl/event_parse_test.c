/*
 * event_parse_test.c — gateway events: what is accepted, what each field
 * becomes, and every reason for refusing one.
 */
#include "test_util.h"

#include "event_parse.h"

/* An event exactly as src/engine/event.c writes it (rampart inspect). */
static const char gateway_event[] =
    "{\"time\":\"2026-11-26T10:24:08.372Z\",\"request_id\":\"6eedb304293a541999d33423ec863df8\","
    "\"client\":\"127.0.0.1\",\"host\":\"x\",\"method\":\"GET\",\"uri\":\"/search?q=1'%20or%20'1'="
    "'1\",\"app\":null,\"action\":\"block\",\"status\":403,\"category\":\"sqli\",\"score\":5,"
    "\"matches\":[{\"detector\":\"sqli\",\"category\":\"sqli\",\"target\":\"query:q\",\"detail\":"
    "\"s&sos\",\"excerpt\":\"1' or '1'='1\",\"score\":5},{\"detector\":\"seclang\",\"category\":"
    "\"sqli\",\"target\":\"args\",\"detail\":\"\",\"excerpt\":\"\",\"score\":5,\"rule_id\":"
    "\"942100\",\"msg\":\"SQL Injection\",\"severity\":2,\"tags\":[\"attack-sqli\"]},"
    "{\"detector\":\"sqli\",\"score\":1}],\"policy_version\":\"default-2\",\"mode\":\"block\"}\n";

static void ok(const char *text, event_t *ev)
{
    reject_reason_t why;
    char detail[200] = "";
    if (event_parse(text, strlen(text), ev, &why, detail, sizeof(detail)) != 0)
        fail_msg("refused (%s: %s): %s", reject_reason_name(why), detail, text);
}

static void refused(const char *text, reject_reason_t expected, const char *detail_part)
{
    event_t ev;
    reject_reason_t why;
    char detail[200] = "";
    if (event_parse(text, strlen(text), &ev, &why, detail, sizeof(detail)) == 0) {
        event_clear(&ev);
        fail_msg("accepted: %s", text);
    }
    if (why != expected)
        fail_msg("%s: reason %s (%s), expected %s", text, reject_reason_name(why), detail,
                 reject_reason_name(expected));
    if (detail_part && !strstr(detail, detail_part))
        fail_msg("%s: detail \"%s\" lacks \"%s\"", text, detail, detail_part);
    assert_null(ev.raw);
}

static void test_gateway_event(void **state)
{
    (void)state;
    event_t ev;
    ok(gateway_event, &ev);
    assert_int_equal(ev.ts, 1795688648372LL);
    assert_string_equal(ev.request_id, "6eedb304293a541999d33423ec863df8");
    assert_string_equal(ev.client, "127.0.0.1");
    assert_null(ev.app);
    assert_string_equal(ev.action, "block");
    assert_true(ev.has_status);
    assert_int_equal(ev.status, 403);
    assert_int_equal(ev.score, 5);
    assert_string_equal(ev.category, "sqli");
    assert_int_equal(ev.path_len, strlen("/search"));
    /* rule keys: detector, else the rule id; duplicates once, in order */
    assert_int_equal(ev.n_rules, 2);
    assert_string_equal(ev.rules[0], "sqli");
    assert_string_equal(ev.rules[1], "942100");
    /* raw is the event without the line's newline */
    assert_int_equal(ev.raw_len, strlen(gateway_event) - 1);
    assert_memory_equal(ev.raw, gateway_event, ev.raw_len);
    event_clear(&ev);
}

static void test_escapes_are_decoded(void **state)
{
    (void)state;
    event_t ev;
    ok("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"bl\\u006fck\",\"uri\":\"/a\\\"b?\\u4e2d"
       "\\ud83d\\ude00\",\"app\":\"\\u653f\\u52a1\",\"matches\":[{\"rule_id\":\"\\u0039\"}]}",
       &ev);
    assert_string_equal(ev.action, "block");
    assert_string_equal(ev.uri, "/a\"b?中\xF0\x9F\x98\x80");
    assert_int_equal(ev.path_len, 4);
    assert_string_equal(ev.app, "政务");
    assert_string_equal(ev.rules[0], "9");
    event_clear(&ev);
    /* raw UTF-8 passes through; keys may be escaped too */
    ok("{\"\\u0074ime\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"host\":\"例子.中国\"}", &ev);
    assert_string_equal(ev.host, "例子.中国");
    event_clear(&ev);
}

static void test_optional_and_unknown_fields(void **state)
{
    (void)state;
    event_t ev;
    ok("  {\"time\":\"2026-01-01T00:00:00+08:00\",\"action\":\"allow\"}\r\n", &ev);
    assert_null(ev.client);
    assert_false(ev.has_status);
    assert_int_equal(ev.n_rules, 0);
    assert_int_equal(ev.ts, 1767196800000LL);
    event_clear(&ev);
    ok("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"detect\",\"future\":{\"a\":[1,2.5e3,"
       "true,false,null,\"x\"]},\"status\":null,\"matches\":null,\"score\":-3}",
       &ev);
    assert_false(ev.has_status);
    assert_int_equal(ev.score, -3);
    event_clear(&ev);
    /* matches without a key name nothing; an empty rule_id falls back */
    ok("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"matches\":[{},{\"score\":1},"
       "{\"rule_id\":\"\",\"detector\":\"xss\"}]}",
       &ev);
    assert_int_equal(ev.n_rules, 1);
    assert_string_equal(ev.rules[0], "xss");
    event_clear(&ev);
}

static void test_rule_keys_are_capped(void **state)
{
    (void)state;
    char text[8192] = "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"matches\":[";
    for (int i = 0; i < 40; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s{\"rule_id\":\"%d\"}",
                 i ? "," : "", 900000 + i);
    strcat(text, "]}");
    event_t ev;
    ok(text, &ev);
    assert_int_equal(ev.n_rules, EVENT_MAX_RULES);
    assert_string_equal(ev.rules[31], "900031");
    event_clear(&ev);
}

static void test_invalid_json(void **state)
{
    (void)state;
    refused("", REJECT_INVALID_JSON, "unexpected end");
    refused("{", REJECT_INVALID_JSON, NULL);
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\"", REJECT_INVALID_JSON, NULL);
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\"} x", REJECT_INVALID_JSON,
            "data after");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",}", REJECT_INVALID_JSON, NULL);
    refused("{'time':1}", REJECT_INVALID_JSON, NULL);
    refused("{\"a\":01}", REJECT_INVALID_JSON, NULL);
    refused("{\"a\":1.}", REJECT_INVALID_JSON, "bad number");
    refused("{\"a\":tru}", REJECT_INVALID_JSON, NULL);
    refused("{\"a\":\"\x01\"}", REJECT_INVALID_JSON, "control character");
    refused("{\"a\":\"\\x\"}", REJECT_INVALID_JSON, "bad escape");
    refused("{\"a\":\"\\u12\"}", REJECT_INVALID_JSON, "bad \\u escape");
    refused("{\"a\":\"\\u0000\"}", REJECT_INVALID_JSON, "\\u0000");
    refused("{\"a\":\"\\ud800\"}", REJECT_INVALID_JSON, "lone high surrogate");
    refused("{\"a\":\"\\udc00\"}", REJECT_INVALID_JSON, "lone low surrogate");
    refused("{\"a\":\"\xC0\xAF\"}", REJECT_INVALID_JSON, "invalid UTF-8");     /* overlong */
    refused("{\"a\":\"\xED\xA0\x80\"}", REJECT_INVALID_JSON, "invalid UTF-8"); /* surrogate */
    refused("{\"a\":\"\xF4\x90\x80\x80\"}", REJECT_INVALID_JSON, "invalid UTF-8");
    refused("{\"a\":\"\xE4\xB8\"}", REJECT_INVALID_JSON, "invalid UTF-8"); /* cut */
    refused("{\"a\":\"x\"} \xff", REJECT_INVALID_JSON, NULL);
    /* a grammar error wins over an earlier field error */
    refused("{\"client\":5,\"x\":}", REJECT_INVALID_JSON, NULL);
    char deep[200] = "{\"a\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    refused(deep, REJECT_INVALID_JSON, "nested too deeply");
    const char nul[] = "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\"}\0";
    event_t ev;
    reject_reason_t why;
    assert_int_equal(event_parse(nul, sizeof(nul) - 1, &ev, &why, NULL, 0), -1);
    assert_int_equal(why, REJECT_INVALID_JSON);
}

static void test_field_errors(void **state)
{
    (void)state;
    refused("[1,2]", REJECT_NOT_OBJECT, "not a JSON object");
    refused("\"event\"", REJECT_NOT_OBJECT, NULL);
    refused("{\"action\":\"log\"}", REJECT_BAD_TIME, "time: missing");
    refused("{\"time\":17,\"action\":\"log\"}", REJECT_BAD_TIME, "expected a string");
    refused("{\"time\":\"yesterday\",\"action\":\"log\"}", REJECT_BAD_TIME, "RFC 3339");
    refused("{\"time\":\"2026-01-01T00:00:00Z\"}", REJECT_BAD_ACTION, "action: missing");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"drop\"}", REJECT_BAD_ACTION,
            "not one of");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"client\":7}", REJECT_BAD_FIELD,
            "client: expected a string");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"status\":\"403\"}",
            REJECT_BAD_FIELD, "status: expected an integer");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"status\":4.5}",
            REJECT_BAD_FIELD, "status: expected an integer");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"status\":1000}",
            REJECT_BAD_FIELD, "0 to 999");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"score\":"
            "99999999999999999999}",
            REJECT_BAD_FIELD, "score: expected an integer");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"matches\":{}}",
            REJECT_BAD_FIELD, "matches: expected an array");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"matches\":[1]}",
            REJECT_BAD_FIELD, "every element must be an object");
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"matches\":[{\"rule_id\":"
            "942100}]}",
            REJECT_BAD_FIELD, "must be strings");
    /* the same field twice is ambiguous: "allow" or "block"? */
    refused("{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"allow\",\"action\":\"block\"}",
            REJECT_BAD_FIELD, "appears twice");
    char long_client[200] = "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"client\":\"";
    memset(long_client + strlen(long_client), '1', 65);
    strcat(long_client, "\"}");
    refused(long_client, REJECT_BAD_FIELD, "longer than 64 bytes");
}

static void test_too_large(void **state)
{
    (void)state;
    size_t n = EVENT_MAX_BYTES + 100;
    char *big = malloc(n + 1);
    int w = snprintf(big, n + 1, "{\"time\":\"2026-01-01T00:00:00Z\",\"action\":\"log\",\"x\":\"");
    memset(big + w, 'a', n - (size_t)w - 2);
    memcpy(big + n - 2, "\"}", 3);
    refused(big, REJECT_TOO_LARGE, "64 KiB");
    free(big);
}

static void test_reason_names(void **state)
{
    (void)state;
    assert_string_equal(reject_reason_name(REJECT_INVALID_JSON), "invalid_json");
    assert_string_equal(reject_reason_name(REJECT_TOO_LARGE), "too_large");
    assert_string_equal(reject_reason_name(REJECT_REASON_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gateway_event),
        cmocka_unit_test(test_escapes_are_decoded),
        cmocka_unit_test(test_optional_and_unknown_fields),
        cmocka_unit_test(test_rule_keys_are_capped),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_field_errors),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
