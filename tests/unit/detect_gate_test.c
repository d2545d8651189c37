/*
 * detect_gate_test.c — soundness of the detector gate (detect_gate.c): for
 * every value, a detector that matches it must have its gate bit set, so
 * skipping the call when the bit is clear never changes a verdict.
 *
 * The gate under test is compiled into this file under another name, and
 * this file defines rp_detect_gate() itself, which the engine library then
 * links to: it checks the value against every detector and the real gate,
 * and lets every detector run. Whole requests fed through rp_tx_* thus
 * check exactly the values (decoding layers, body fields, path variables,
 * argument names) the engine hands to its detectors. The values come from
 * the detector unit-test data, random strings built from the pieces the
 * detectors look for, and the labelled corpus $RP_WAF_CORPUS (JSON lines
 * of method, target, headers and a Base64 body; skipped when absent).
 */
#include "test_util.h"

#include "rampart/detect.h"
#include "rampart/rampart.h"

#define rp_detect_gate gate_under_test
#include "detect_gate.c"
#undef rp_detect_gate

#include "body.h"
#include "normalize.h"

unsigned rp_detect_gate(const char *s, size_t n);

typedef bool (*detector_fn)(const char *, size_t, rp_detect_result_t *);

static const detector_fn detectors[RP_DET_COUNT] = {
    [RP_DET_CMDI] = rp_detect_cmdi,           [RP_DET_SSTI] = rp_detect_ssti,
    [RP_DET_DESER] = rp_detect_deser,         [RP_DET_NOSQL] = rp_detect_nosql,
    [RP_DET_TRAVERSAL] = rp_detect_traversal, [RP_DET_SSRF] = rp_detect_ssrf,
    [RP_DET_LDAP] = rp_detect_ldap,           [RP_DET_CRLF] = rp_detect_crlf,
};

static const char *const names[RP_DET_COUNT] = {
    "cmdi", "ssti", "deser", "nosql", "traversal", "ssrf", "ldap", "crlf",
};

/* Per detector: values seen matching, and values the gate let through. */
static size_t matched[RP_DET_COUNT], passed[RP_DET_COUNT], checked;

static void check_value(const char *s, size_t n)
{
    unsigned gate = gate_under_test(s, n);
    checked++;
    for (int d = 0; d < RP_DET_COUNT; d++) {
        if (gate & (1u << d))
            passed[d]++;
        if (!detectors[d](s, n, NULL))
            continue;
        matched[d]++;
        if (!(gate & (1u << d)))
            fail_msg("the %s gate rejects a value %s matches: \"%.*s\"", names[d], names[d],
                     (int)(n > 300 ? 300 : n), s);
    }
}

/* The engine's call: check, then let every detector run. */
unsigned rp_detect_gate(const char *s, size_t n)
{
    check_value(s, n);
    return ~0u;
}

static void reset_counts(void)
{
    memset(matched, 0, sizeof(matched));
    memset(passed, 0, sizeof(passed));
    checked = 0;
}

static void print_counts(const char *what)
{
    print_message("%s: %zu values\n", what, checked);
    for (int d = 0; d < RP_DET_COUNT; d++)
        print_message("  %-9s matched %6zu, gate passed %6zu\n", names[d], matched[d], passed[d]);
}

static void test_command_table_sorted(void **state)
{
    (void)state;
    assert_true(rp_cmdi_table_ok());
    assert_true(rp_cmdi_command_name("cat", 3));
    assert_true(rp_cmdi_command_name("CMD", 3));
    assert_false(rp_cmdi_command_name("Cat", 3));
    assert_false(rp_cmdi_command_name("CAT", 3)); /* Unix names are exact */
    assert_false(rp_cmdi_command_name("id\0x", 4));
    assert_false(rp_cmdi_command_name("", 0));
}

/* ---- the detectors' own test data ---------------------------------------- */

static long next_case(FILE *f, char *buf, size_t cap)
{
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n"), o = 0;
        if (n == 0 || line[0] == '#')
            continue;
        for (size_t i = 0; i < n && o < cap; i++) {
            if (line[i] == '\\' && i + 3 < n + 1 && line[i + 1] == 'x' && line[i + 2] &&
                line[i + 3]) {
                char hex[3] = {line[i + 2], line[i + 3], '\0'}, *end;
                long v = strtol(hex, &end, 16);
                if (*end == '\0') {
                    buf[o++] = (char)v;
                    i += 3;
                    continue;
                }
            }
            if (line[i] == '\\' && line[i + 1] == '\\') {
                buf[o++] = '\\';
                i++;
                continue;
            }
            buf[o++] = line[i];
        }
        return (long)o;
    }
    return -1;
}

static void test_unit_data(void **state)
{
    (void)state;
    static const char *const dirs[] = {"cmdi", "ssti", "deser", "nosql", "traversal",
                                       "ssrf", "ldap", "crlf",  "sqli",  "xss"};
    static const char *const files[] = {"attacks.txt", "benign.txt"};
    const char *data = getenv("RP_TEST_DATA");
    char path[1024], buf[8192];
    assert_non_null(data);
    reset_counts();
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        for (size_t f = 0; f < 2; f++) {
            snprintf(path, sizeof(path), "%s/%s/%s", data, dirs[d], files[f]);
            FILE *fp = fopen(path, "r");
            if (!fp)
                fail_msg("cannot open %s", path);
            long n;
            while ((n = next_case(fp, buf, sizeof(buf))) >= 0) {
                check_value(buf, (size_t)n);
                /* and every suffix and prefix: constructs at the edges */
                for (long k = 1; k < n && k < 24; k++) {
                    check_value(buf + k, (size_t)(n - k));
                    check_value(buf, (size_t)(n - k));
                }
            }
            fclose(fp);
        }
    }
    print_counts("unit data");
    for (int d = 0; d < RP_DET_COUNT; d++)
        assert_true(matched[d] > 0);
}

/* ---- random values ------------------------------------------------------- */

/* What the detectors look for, broken into pieces, and what benign text is
 * made of; random concatenations hit every detector's boundaries. */
typedef struct {
    const char *s;
    size_t n;
} piece_t;

#define P(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }

static const piece_t pieces[] = {
    P(" "),
    P("  "),
    P("\t"),
    P("\n"),
    P("\r\n"),
    P(";"),
    P("&"),
    P("&&"),
    P("|"),
    P("||"),
    P("`"),
    P("$("),
    P(")"),
    P("("),
    P("{"),
    P("}"),
    P("<"),
    P(">"),
    P("'"),
    P("\""),
    P("\\"),
    P("^"),
    P("$"),
    P("%"),
    P("*"),
    P("?"),
    P("/"),
    P("."),
    P(".."),
    P("../"),
    P("..\\"),
    P(":"),
    P("="),
    P("!"),
    P("@"),
    P("#"),
    P("["),
    P("]"),
    P(","),
    P("-"),
    P("_"),
    P("~"),
    P("0"),
    P("1"),
    P("5"),
    P("7*7"),
    P("127.0.0.1"),
    P("localhost"),
    P("cat"),
    P("id"),
    P("ls"),
    P("sh"),
    P("CMD"),
    P("Cat"),
    P("wget"),
    P("ping"),
    P("sleep"),
    P("whoami"),
    P("/bin/"),
    P("/usr/bin/"),
    P("/tmp/"),
    P("/\x3f\x3f\x3f/"),
    P(".exe"),
    P("cmd.exe"),
    P("etc/passwd"),
    P("etc"),
    P("passwd"),
    P("win.ini"),
    P(".env"),
    P(".ssh/id_rsa"),
    P("web-inf/web.xml"),
    P("system32/"),
    P("windows"),
    P("proc/self/"),
    P("\xef\xbc\x8e"),
    P("\xef\xbc\x8f"),
    P("\xc0\xae"),
    P("\xc0\xaf"),
    P("\xe0\x80\xae"),
    P("\xe2\x88\x95"),
    P("\xc1\x9c"),
    P("\xef\xbc\xbc"),
    P("${"),
    P("{{"),
    P("}}"),
    P("{%"),
    P("%}"),
    P("#{"),
    P("*{"),
    P("%{"),
    P("<%"),
    P("%>"),
    P("@("),
    P("<?php"),
    P("<?="),
    P("<#assign"),
    P("[#list"),
    P("<!--#exec"),
    P("<esi:include"),
    P("?new("),
    P("#set("),
    P("$x.getClass("),
    P("jndi:"),
    P("lower:"),
    P("::-"),
    P("config"),
    P("__class__"),
    P("['os']"),
    P("system("),
    P("rO0AB"),
    P("aced0005"),
    P("ACED0005"),
    P("AAEAAAD/////"),
    P("gAJjcG9zaXgKc3lzdGVt"),
    P("BAhvO"),
    P("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    P("\xac\xed\x00\x05"),
    P("\x00\x01\x00\x00\x00\xff\xff\xff\xff"),
    P("O:8:\"stdClass\":1:{"),
    P("C:"),
    P("!!python/"),
    P("!ruby/"),
    P("!!javax.script.X"),
    P("\"@type\""),
    P("\"$type\""),
    P("com.sun.rowset.JdbcRowSetImpl"),
    P("cos\nsystem"),
    P("$ne"),
    P("$where"),
    P("[$ne]"),
    P("db."),
    P("db.users.find("),
    P("this."),
    P("this.a=="),
    P("sleep(5000)"),
    P("while(true)"),
    P("do{"),
    P("return "),
    P("return true"),
    P("var "),
    P("new Date()"),
    P("(&"),
    P("(|"),
    P("(!"),
    P(")("),
    P("uid="),
    P("cn:dn:="),
    P(":2.5.1:="),
    P("gopher://"),
    P("file:/"),
    P("jar:http"),
    P("http://"),
    P("https:/"),
    P("netdoc:/"),
    P("169.254.169.254"),
    P("0x7f000001"),
    P("x.interact.sh"),
    P("oast.fun"),
    P("metadata.google.internal"),
    P("nip.io"),
    P("Bcc: a@b"),
    P("HTTP/1.1 200"),
    P("Set-Cookie:"),
    P("RCPT TO:"),
    P("A1 LOGIN"),
    P("USER x"),
    P("\r\n\r\n<b"),
    P("社保"),
    P("查询"),
    P("，"),
    P("上海市"),
    P("\x80"),
    P("\xff"),
    P("\x00"),
    P("Mozilla/5.0"),
    P("text/html"),
    P("q=0.9"),
    P("zh-CN"),
    P("the"),
    P("a"),
    P("Windows NT 10.0"),
    P("and/or"),
    P("X.INTERACT.SH"),
    P("Requestbin.NET"),
    P("Etc/Passwd"),
    P("WIN.INI"),
    P(".ENV"),
    P("WEB-INF/web.xml"),
    P("x=1 "),
    P("Proc\\self\\"),
    P("/usr/bin/id"),
    P("C:\\Windows\\System32\\"),
    P(".Git/HEAD"),
    P("INETPUB/"),
    P("var\xef\xbc\x8flog/"),
};

static void test_random_values(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    char buf[512];
    size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
    reset_counts();
    for (int round = 0; round < 1000000; round++) {
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int count = 1 + (int)(x % 9);
        for (int k = 0; k < count; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const piece_t *p = &pieces[x % npieces];
            size_t pl = p->n;
            if (len + pl > sizeof(buf))
                break;
            memcpy(buf + len, p->s, pl);
            len += pl;
        }
        check_value(buf, len);
    }
    print_counts("random pieces");
    for (int d = 0; d < RP_DET_COUNT; d++)
        assert_true(matched[d] > 0);
    /* and random bytes, for what no list anticipates */
    for (int round = 0; round < 200000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = x % 40;
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (char)(x >> 24);
        }
        check_value(buf, len);
    }
}

/* ---- the labelled corpus, whole requests through the engine -------------- */

#define MAX_HEADERS 64

typedef struct {
    rp_arena_t *arena;
    const char *method, *target, *body_b64;
    const char *hname[MAX_HEADERS], *hvalue[MAX_HEADERS];
    size_t nheaders;
} line_t;

static rp_status_t line_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                              const char *value, size_t value_len, unsigned flags)
{
    line_t *l = ctx;
    (void)src;
    if (flags & RP_FIELD_KEY_ONLY)
        return RP_OK;
    const char *v = rp_arena_strndup(l->arena, value, value_len);
    if (name_len == 6 && memcmp(name, "method", 6) == 0)
        l->method = v;
    else if (name_len == 6 && memcmp(name, "target", 6) == 0)
        l->target = v;
    else if (name_len == 8 && memcmp(name, "body_b64", 8) == 0)
        l->body_b64 = v;
    else if (name_len > 8 && memcmp(name, "headers.", 8) == 0) {
        /* headers.<i>.0 is the name, headers.<i>.1 the value */
        unsigned long i = strtoul(name + 8, NULL, 10);
        if (i < MAX_HEADERS) {
            if (name[name_len - 1] == '0')
                l->hname[i] = v;
            else
                l->hvalue[i] = v;
            if (i + 1 > l->nheaders)
                l->nheaders = i + 1;
        }
    }
    return RP_OK;
}

static rp_policy_t *detect_all_policy(void)
{
    static const char text[] = "version gate-test\nmode detect\n"
                               "detect cmdi on\ndetect ssti on\ndetect deser on\n"
                               "detect nosql on\ndetect traversal on\ndetect ssrf on\n"
                               "detect ldap on\ndetect crlf on\n";
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(text, sizeof(text) - 1, "gate.policy", &err);
    if (!p)
        fail_msg("policy: %s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static void run_line(rp_policy_t *policy, const line_t *l)
{
    rp_tx_t *tx = rp_tx_new(policy);
    assert_non_null(tx);
    rp_tx_connection(tx, STR_AND_LEN("127.0.0.1"), 40000, STR_AND_LEN("127.0.0.1"), 8080);
    rp_tx_request_line(tx, l->method, strlen(l->method), l->target, strlen(l->target),
                       STR_AND_LEN("HTTP/1.1"));
    for (size_t i = 0; i < l->nheaders; i++)
        if (l->hname[i] && l->hvalue[i])
            rp_tx_request_header(tx, l->hname[i], strlen(l->hname[i]), l->hvalue[i],
                                 strlen(l->hvalue[i]));
    rp_tx_request_headers_done(tx);
    if (l->body_b64 && *l->body_b64) {
        size_t bl = strlen(l->body_b64);
        char *body = malloc(bl / 4 * 3 + 4);
        assert_non_null(body);
        size_t n = rp_base64_decode(body, l->body_b64, bl);
        if (n != SIZE_MAX) {
            rp_tx_request_body(tx, body, n);
            check_value(body, n); /* the raw body too */
        }
        free(body);
    }
    rp_tx_request_end(tx);
    check_value(l->target, strlen(l->target));
    rp_tx_free(tx);
}

static void test_corpus_requests(void **state)
{
    (void)state;
    const char *path = getenv("RP_WAF_CORPUS");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        print_message("RP_WAF_CORPUS not readable (%s): corpus part skipped\n",
                      path ? path : "unset");
        skip();
    }
    rp_policy_t *policy = detect_all_policy();
    rp_arena_t *arena = rp_arena_new(64 * 1024, 256u << 20);
    assert_non_null(arena);
    rp_body_limits_t lim = {
        .max_depth = 8, .max_fields = 4096, .max_field_size = 64u << 20, .max_name_size = 256};
    size_t cap = 1 << 20, lines = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    reset_counts();
    for (;;) {
        size_t len = 0;
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n') {
            if (len + 1 == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            buf[len++] = (char)c;
        }
        if (len == 0 && c == EOF)
            break;
        if (len == 0)
            continue;
        line_t l = {.arena = arena};
        rp_body_proc_t *jp = rp_body_json_new(arena, &lim, line_field, &l);
        assert_non_null(jp);
        assert_int_equal(jp->feed(jp, buf, len), RP_OK);
        assert_int_equal(jp->finish(jp), RP_OK);
        assert_non_null(l.method);
        assert_non_null(l.target);
        run_line(policy, &l);
        lines++;
        rp_arena_reset(arena);
    }
    fclose(f);
    free(buf);
    rp_arena_free(arena);
    rp_policy_unref(policy);
    print_counts("corpus requests");
    print_message("  (%zu requests)\n", lines);
    assert_true(lines > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_table_sorted),
        cmocka_unit_test(test_unit_data),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_corpus_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
