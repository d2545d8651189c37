/*
 * dataclass_test.c — the sensitive-data scanner on a generated corpus and on
 * hand-picked cases, and the masking styles.
 *
 * Corpus: thousands of valid values of every class (right checksums, real
 * dates and prefixes) in varied surroundings (plain text, JSON strings and
 * numbers, Chinese text, URIs), and thousands of look-alikes: 18-digit
 * numbers of ID shape with each wrong check character, bad dates, unknown
 * provinces, millisecond timestamps, order numbers, Luhn-failing cards,
 * decimals. Every valid value must be found with its exact class, offset
 * and length (zero misses); look-alikes must produce no match at all (zero
 * false matches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "crypto_test_util.h"
#include "rampart/dataclass.h"

static const char *const provinces[] = {"11", "12", "13", "14", "15", "21", "22", "23", "31",
                                        "32", "33", "34", "35", "36", "37", "41", "42", "43",
                                        "44", "45", "46", "50", "51", "52", "53", "54", "61",
                                        "62", "63", "64", "65", "71", "81", "82"};

static int rnd(int n)
{
    return (int)(test_rand() % (uint64_t)n);
}

static void id_body(char *id)
{
    memcpy(id, provinces[rnd(34)], 2);
    snprintf(id + 2, 16, "%04d%04d%02d%02d%03d", rnd(10000), 1900 + rnd(200), 1 + rnd(12),
             1 + rnd(28), rnd(1000));
}

static void valid_id(char id[19])
{
    id_body(id);
    id[17] = rp_resident_id_check_char(id);
    if (id[17] == 'X' && rnd(2))
        id[17] = 'x';
    id[18] = 0;
}

static void luhn_complete(char *d, size_t n)
{
    /* choose the last digit so that the whole passes Luhn */
    for (char c = '0'; c <= '9'; c++) {
        d[n - 1] = c;
        if (rp_luhn_valid(d, n))
            return;
    }
}

static void valid_card(char *out)
{
    static const char *const prefixes[] = {"622202", "621700", "628288", "4",    "51",   "55",
                                           "2221",   "34",     "37",     "3530", "6011", "81"};
    static const int lengths[] = {19, 16, 19, 16, 16, 16, 16, 15, 15, 16, 16, 17};
    int k = rnd(12);
    size_t n = (size_t)lengths[k], p = strlen(prefixes[k]);
    memcpy(out, prefixes[k], p);
    for (size_t i = p; i < n; i++)
        out[i] = (char)('0' + rnd(10));
    luhn_complete(out, n);
    out[n] = 0;
}

static void valid_mobile(char *out)
{
    static const char *const prefixes[] = {"130", "138", "139", "147", "150", "159", "166",
                                           "177", "180", "186", "189", "199", "191"};
    snprintf(out, 12, "%s%08d", prefixes[rnd(13)], rnd(100000000));
}

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static void valid_uscc(char *out)
{
    static const char *const heads[] = {"91", "92", "93", "11", "12", "51", "52", "Y1"};
    memcpy(out, heads[rnd(8)], 2);
    memcpy(out + 2, provinces[rnd(34)], 2);
    snprintf(out + 4, 5, "%04d", rnd(10000));
    out[8] = 'M';
    out[9] = 'A';
    for (int i = 10; i < 17; i++)
        out[i] = uscc_alphabet[rnd(31)];
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) {
        sum += (int)(strchr(uscc_alphabet, out[i]) - uscc_alphabet) * w;
        w = w * 3 % 31;
    }
    out[17] = uscc_alphabet[(31 - sum % 31) % 31];
    out[18] = 0;
}

typedef struct {
    rp_data_class_t cls;
    char value[64];
} sample_t;

static void make_valid(sample_t *s)
{
    s->cls = (rp_data_class_t)(1 + rnd(RP_DC_COUNT - 1));
    switch (s->cls) {
    case RP_DC_RESIDENT_ID:
        valid_id(s->value);
        break;
    case RP_DC_MOBILE: {
        char m[12];
        valid_mobile(m);
        static const char *const forms[] = {"%s", "+86%s", "+86 %s", "0086-%s", "%.3s-%.4s-%s"};
        int f = rnd(5);
        if (f == 4)
            snprintf(s->value, sizeof(s->value), forms[4], m, m + 3, m + 7);
        else
            snprintf(s->value, sizeof(s->value), forms[f], m);
        break;
    }
    case RP_DC_LANDLINE: {
        static const char *const areas[] = {"010", "021", "020", "0755", "0571", "0931"};
        const char *a = areas[rnd(6)];
        int sub = strlen(a) == 3 ? 20000000 + rnd(79999999) : 2000000 + rnd(7999999);
        static const char *const forms[] = {"%s-%d", "(%s)%d", "%s %d", "%s-%d-12"};
        snprintf(s->value, sizeof(s->value), forms[rnd(4)], a, sub);
        break;
    }
    case RP_DC_BANK_CARD: {
        char c[20];
        valid_card(c);
        size_t n = strlen(c);
        if (rnd(3) == 0 && n % 4 != 3) { /* grouped by four */
            size_t o = 0;
            for (size_t i = 0; i < n; i += 4) {
                if (i)
                    s->value[o++] = ' ';
                size_t g = n - i < 4 ? n - i : 4;
                memcpy(s->value + o, c + i, g);
                o += g;
            }
            s->value[o] = 0;
        } else {
            memcpy(s->value, c, n + 1);
        }
        break;
    }
    case RP_DC_USCC:
        valid_uscc(s->value);
        break;
    case RP_DC_PASSPORT: {
        static const char *const forms[] = {"E%08d", "EA%07d", "G%08d", "DE%07d", "SE%07d"};
        snprintf(s->value, sizeof(s->value), forms[rnd(5)], rnd(10000000));
        break;
    }
    case RP_DC_EMAIL: {
        static const char *const users[] = {"zhang.san", "li_si+news", "wang-wu", "a", "x9"};
        static const char *const domains[] = {"example.com", "mail.gov.cn", "qq.com",
                                              "sub.example.org"};
        snprintf(s->value, sizeof(s->value), "%s%d@%s", users[rnd(5)], rnd(100), domains[rnd(4)]);
        break;
    }
    case RP_DC_PLATE: {
        static const char *const forms[] = {"京A%05d", "沪B·%05d", "粤BD%05d", "川A%04d学",
                                            "浙A%05dF"};
        snprintf(s->value, sizeof(s->value), forms[rnd(5)], rnd(10000));
        break;
    }
    default:
        break;
    }
}

/* Values that look like identifiers and are not. */
static void make_lookalike(char *out, size_t cap)
{
    char id[19];
    switch (rnd(9)) {
    case 0: /* ID shape, every wrong check character */
    case 1:
        id_body(id);
        do
            id[17] = "0123456789X"[rnd(11)];
        while (id[17] == rp_resident_id_check_char(id));
        id[18] = 0;
        snprintf(out, cap, "%s", id);
        break;
    case 2: /* right check digit, impossible date (Feb 30, month 13) */
        id_body(id);
        memcpy(id + 10, rnd(2) ? "0230" : "1301", 4);
        id[17] = rp_resident_id_check_char(id);
        id[18] = 0;
        snprintf(out, cap, "%s", id);
        break;
    case 3: /* right check digit, province that does not exist */
        id_body(id);
        memcpy(id, rnd(2) ? "99" : "00", 2);
        id[17] = rp_resident_id_check_char(id);
        id[18] = 0;
        snprintf(out, cap, "%s", id);
        break;
    case 4: /* millisecond and second timestamps */
        snprintf(out, cap, rnd(2) ? "%lld" : "%lld000",
                 1600000000000LL / (rnd(2) ? 1 : 1000) + rnd(100000000));
        break;
    case 5: /* order numbers: a date and a counter */
        snprintf(out, cap, "%04d%02d%02d%010d", 2020 + rnd(6), 1 + rnd(12), 1 + rnd(28),
                 rnd(1000000000));
        break;
    case 6: { /* card-shaped, failing Luhn */
        char c[20];
        valid_card(c);
        size_t n = strlen(c);
        c[n - 1] = (char)('0' + (c[n - 1] - '0' + 1 + rnd(9)) % 10);
        snprintf(out, cap, "%s", c);
        break;
    }
    case 7: /* 11 digits that are not a mobile prefix, decimals, glued */
        snprintf(out, cap, rnd(2) ? "1%d%09d" : "0.138%08d", rnd(3), rnd(1000000000));
        break;
    default: { /* a valid ID glued to letters or inside a longer number */
        char v[19];
        valid_id(v);
        snprintf(out, cap, rnd(2) ? "ID%s" : "9%s", v);
        break;
    }
    }
}

static void test_generated_corpus(void **state)
{
    enum { ROUNDS = 6000 };
    static const char *const frames[] = {
        "%s",         "{\"v\":\"%s\"}", "用户%s已登记", "a=%s&b=1",   "<td>%s</td>", "(%s)",
        "value: %s.", "[\"%s\",\"x\"]", "\t%s\n",       "电话：%s，", "%%20%s%%20ok"};
    static const char *const number_frames[] = {"{\"n\":%s}", "%s,", "x=%s"};
    size_t found = 0, lookalikes = 0;
    for (int round = 0; round < ROUNDS; round++) {
        sample_t s;
        make_valid(&s);
        char text[256], fake[64];
        const char *frame = frames[rnd(11)];
        if (s.cls == RP_DC_RESIDENT_ID && rnd(4) == 0)
            frame = number_frames[rnd(3)];
        snprintf(text, sizeof(text), frame, s.value);
        const char *at = strstr(text, s.value);
        size_t pos = 0;
        rp_data_match_t m;
        if (!rp_data_scan_next(text, strlen(text), &pos, RP_DC_ALL, &m))
            fail_msg("missed %s \"%s\" in %s", rp_data_class_name(s.cls), s.value, text);
        if (m.cls != s.cls || m.offset != (size_t)(at - text) || m.length != strlen(s.value))
            fail_msg("%s \"%s\" in %s: got %s at %zu+%zu", rp_data_class_name(s.cls), s.value, text,
                     rp_data_class_name(m.cls), m.offset, m.length);
        if (rp_data_scan_next(text, strlen(text), &pos, RP_DC_ALL, &m))
            fail_msg("extra %s match in %s", rp_data_class_name(m.cls), text);
        found++;

        make_lookalike(fake, sizeof(fake));
        snprintf(text, sizeof(text), frames[rnd(11)], fake);
        pos = 0;
        if (rp_data_scan_next(text, strlen(text), &pos, RP_DC_ALL, &m))
            fail_msg("false %s match \"%.*s\" in %s", rp_data_class_name(m.cls), (int)m.length,
                     text + m.offset, text);
        lookalikes++;
    }
    printf("corpus: %zu valid values found, %zu look-alikes ignored\n", found, lookalikes);
}

/* Every wrong check character of many ID bodies: none matches anything. */
static void test_wrong_check_digits_exhaustive(void **state)
{
    for (int i = 0; i < 3000; i++) {
        char id[19];
        id_body(id);
        id[18] = 0;
        char right = rp_resident_id_check_char(id);
        for (const char *c = "0123456789Xx"; *c; c++) {
            id[17] = *c;
            size_t pos = 0;
            rp_data_match_t m;
            bool hit = rp_data_scan_next(id, 18, &pos, RP_DC_ALL, &m);
            assert_int_equal(hit, (*c | 0) == right || (*c == 'x' && right == 'X'));
        }
    }
}

static void test_known_values(void **state)
{
    assert_true(rp_uscc_valid("91350100M000100Y43", 18));
    assert_false(rp_uscc_valid("91350100M000100Y44", 18));
    assert_false(rp_uscc_valid("91350100M000100I43", 18));
    assert_true(rp_resident_id_valid("11010519491231002X", 18));
    assert_true(rp_resident_id_valid("11010519491231002x", 18));
    assert_false(rp_resident_id_valid("110105194912310021", 18));
    assert_false(rp_resident_id_valid("11010519490229002X", 18)); /* 1949 not a leap year */
    assert_true(rp_luhn_valid("4111111111111111", 16));
    assert_false(rp_luhn_valid("4111111111111112", 16));
    assert_true(rp_birth_date_valid("20000229"));
    assert_false(rp_birth_date_valid("19000229"));
    assert_int_equal(rp_data_class_from_name("bank_card", 9), RP_DC_BANK_CARD);
    assert_int_equal(rp_data_class_from_name("nope", 4), RP_DC_NONE);

    static const struct {
        const char *text;
        rp_data_class_t cls;
        const char *value;
    } cases[] = {
        {"身份证11010519491231002X。", RP_DC_RESIDENT_ID, "11010519491231002X"},
        {"{\"phone\":13812345678}", RP_DC_MOBILE, "13812345678"},
        {"call +86 138 1234 5678 now", RP_DC_MOBILE, "+86 138 1234 5678"},
        {"tel (0755) 8888 ", RP_DC_NONE, NULL},
        {"tel (0755)88881234", RP_DC_LANDLINE, "(0755)88881234"},
        {"tel 010-62345678-123.", RP_DC_LANDLINE, "010-62345678-123"},
        {"card 6222 0212 3456 7890 126", RP_DC_NONE, NULL},
        {"card 4111-1111-1111-1111", RP_DC_BANK_CARD, "4111-1111-1111-1111"},
        {"code 91350100M000100Y43", RP_DC_USCC, "91350100M000100Y43"},
        {"护照E12345678", RP_DC_PASSPORT, "E12345678"},
        {"mail: Zhang.San@Example.gov.cn.", RP_DC_EMAIL, "Zhang.San@Example.gov.cn"},
        {"not@an-email", RP_DC_NONE, NULL},
        {"a@b.c", RP_DC_NONE, NULL},
        {"车牌京A12345停", RP_DC_PLATE, "京A12345"},
        {"车牌京A·D12345", RP_DC_PLATE, "京A·D12345"},
        {"京I12345", RP_DC_NONE, NULL},
        {"price 13812345678.50", RP_DC_NONE, NULL},
        {"v1.13812345678", RP_DC_NONE, NULL},
        {"id=11010519491231002Xa", RP_DC_NONE, NULL},
        {"12345678901", RP_DC_NONE, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t pos = 0;
        rp_data_match_t m;
        bool hit = rp_data_scan_next(cases[i].text, strlen(cases[i].text), &pos, RP_DC_ALL, &m);
        if (cases[i].cls == RP_DC_NONE) {
            if (hit)
                fail_msg("case %zu \"%s\": unexpected %s", i, cases[i].text,
                         rp_data_class_name(m.cls));
            continue;
        }
        if (!hit || m.cls != cases[i].cls || m.length != strlen(cases[i].value) ||
            memcmp(cases[i].text + m.offset, cases[i].value, m.length) != 0)
            fail_msg("case %zu \"%s\": got %s \"%.*s\"", i, cases[i].text,
                     hit ? rp_data_class_name(m.cls) : "nothing", hit ? (int)m.length : 0,
                     hit ? cases[i].text + m.offset : "");
    }
    /* the class mask is honoured */
    size_t pos = 0;
    rp_data_match_t m;
    assert_false(rp_data_scan_next("13812345678", 11, &pos, RP_DC_BIT(RP_DC_RESIDENT_ID), &m));
}

static void test_mask_styles(void **state)
{
    static const struct {
        rp_data_class_t cls;
        const char *in, *partial;
    } cases[] = {
        {RP_DC_RESIDENT_ID, "11010519491231002X", "110105********002X"},
        {RP_DC_MOBILE, "13812345678", "138****5678"},
        {RP_DC_MOBILE, "+86 138-1234-5678", "+86 138-****-5678"},
        {RP_DC_LANDLINE, "010-62345678", "010-****5678"},
        {RP_DC_LANDLINE, "(0755)88881234", "(0755)****1234"},
        {RP_DC_BANK_CARD, "6222021234567890126", "622202*********0126"},
        {RP_DC_BANK_CARD, "4111 1111 1111 1111", "4111 11** **** 1111"},
        {RP_DC_USCC, "91350100M000100Y43", "91350100********43"},
        {RP_DC_PASSPORT, "E12345678", "E*****678"},
        {RP_DC_EMAIL, "zhang.san@example.com", "z********@example.com"},
        {RP_DC_PLATE, "京A12345", "京A****5"},
    };
    uint8_t key[32];
    memset(key, 7, sizeof(key));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        size_t n = rp_data_mask(cases[i].cls, RP_MASK_PARTIAL, cases[i].in, strlen(cases[i].in),
                                NULL, 0, out, sizeof(out));
        out[n] = 0;
        if (strcmp(out, cases[i].partial) != 0)
            fail_msg("partial %zu: \"%s\" -> \"%s\", want \"%s\"", i, cases[i].in, out,
                     cases[i].partial);
        n = rp_data_mask(cases[i].cls, RP_MASK_REDACT, cases[i].in, strlen(cases[i].in), NULL, 0,
                         out, sizeof(out));
        out[n] = 0;
        assert_true(out[0] == '[' && strstr(out, rp_data_class_name(cases[i].cls)));
        n = rp_data_mask(cases[i].cls, RP_MASK_HASH, cases[i].in, strlen(cases[i].in), key,
                         sizeof(key), out, sizeof(out));
        assert_int_equal(n, strlen(rp_data_class_name(cases[i].cls)) + 17);
    }
    /* the hash is a stable pseudonym: spellings of one mobile agree */
    char a[64], b[64];
    size_t na = rp_data_mask(RP_DC_MOBILE, RP_MASK_HASH, "13812345678", 11, key, 32, a, sizeof(a));
    size_t nb =
        rp_data_mask(RP_DC_MOBILE, RP_MASK_HASH, "+86 138-1234-5678", 17, key, 32, b, sizeof(b));
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal(rp_data_mask(RP_DC_MOBILE, RP_MASK_HASH, "13812345678", 11, NULL, 0, a, 64),
                     0);
    assert_int_equal(rp_data_mask(RP_DC_MOBILE, RP_MASK_PARTIAL, "13812345678", 11, NULL, 0, a, 5),
                     0);
    /* in place over a JSON document: valid JSON, same length */
    char doc[] = "{\"id\":\"11010519491231002X\",\"tel\":13812345678,\"n\":20240101123456}";
    size_t len = strlen(doc);
    assert_int_equal(rp_data_mask_partial_inplace(doc, len, RP_DC_ALL), 2);
    assert_string_equal(doc,
                        "{\"id\":\"110105********002X\",\"tel\":138****5678,\"n\":20240101123456}");
}

/* Long runs of separators and near-misses: linear, no crash. */
static void test_hostile_inputs(void **state)
{
    static char buf[200000];
    const char *patterns[] = {"a.", "1-", "@", "a@", "京A", "1 ", "%20", "+86 ", "0"};
    for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
        size_t pl = strlen(patterns[p]), n = 0;
        while (n + pl < sizeof(buf)) {
            memcpy(buf + n, patterns[p], pl);
            n += pl;
        }
        size_t pos = 0, hits = 0;
        rp_data_match_t m;
        while (rp_data_scan_next(buf, n, &pos, RP_DC_ALL, &m))
            hits++;
        assert_true(pos == n);
    }
}

int main(void)
{
    test_seed_from_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_corpus),
        cmocka_unit_test(test_wrong_check_digits_exhaustive),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_mask_styles),
        cmocka_unit_test(test_hostile_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
