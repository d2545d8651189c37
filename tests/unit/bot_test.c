/*
 * bot_test.c — bot protection: clearance cookies (valid, forged, expired,
 * rebound to another client, malformed), the proof of work, the policy
 * directives' errors, the whole challenge round trip through transactions
 * (page, answer, clearance, replay, automation, return-path checks), and
 * verified good bots through an injected resolver.
 */
#include "test_util.h"

#include "policy_errors.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rampart/rampart.h"

static const uint8_t KEY[] = "0123456789abcdef0123456789abcdef-test-key";
#define KL (sizeof(KEY) - 1)

static void test_clearance(void **state)
{
    (void)state;
    rp_bot_binding_t b, same_net, other_net, other_ua;
    rp_bot_binding("198.51.100.7", "Mozilla/5.0 A", &b);
    rp_bot_binding("198.51.100.200", "Mozilla/5.0 A", &same_net);
    rp_bot_binding("198.51.101.7", "Mozilla/5.0 A", &other_net);
    rp_bot_binding("198.51.100.7", "Mozilla/5.0 B", &other_ua);
    char c[RP_BOT_TOKEN_MAX];
    rp_bot_clearance_mint(KEY, KL, &b, 2000, RP_BOT_SIG_WEBDRIVER, c);
    unsigned sig = 0;
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &b, c, strlen(c), 1999, &sig), RP_BOT_OK);
    assert_int_equal(sig, RP_BOT_SIG_WEBDRIVER);
    /* the /24 is the binding: a neighbour behind the same NAT range passes */
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &same_net, c, strlen(c), 1999, NULL),
                     RP_BOT_OK);
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &other_net, c, strlen(c), 1999, NULL),
                     RP_BOT_BAD_MAC);
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &other_ua, c, strlen(c), 1999, NULL),
                     RP_BOT_BAD_MAC);
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &b, c, strlen(c), 2000, NULL),
                     RP_BOT_EXPIRED);
    /* a longer life or fewer signals written in by hand breaks the MAC */
    char forged[RP_BOT_TOKEN_MAX];
    snprintf(forged, sizeof(forged), "k1.9999.0%s", strchr(strchr(c + 3, '.') + 1, '.'));
    assert_int_equal(rp_bot_clearance_verify(KEY, KL, &b, forged, strlen(forged), 1999, NULL),
                     RP_BOT_BAD_MAC);
    snprintf(forged, sizeof(forged), "%s", c);
    forged[strlen(forged) - 1] ^= 1;
    assert_int_not_equal(rp_bot_clearance_verify(KEY, KL, &b, forged, strlen(forged), 1999, NULL),
                         RP_BOT_OK);
    static const uint8_t other_key[] = "another-key-another-key-another-key!";
    assert_int_equal(
        rp_bot_clearance_verify(other_key, sizeof(other_key) - 1, &b, c, strlen(c), 1999, NULL),
        RP_BOT_BAD_MAC);
    static const char *const malformed[] = {
        "", "k1.", "k1.1.1", "k2.2000.0.00", "k1.02000.1.", "k1.2000.999.", "c1.1.1.1"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
        assert_int_equal(rp_bot_clearance_verify(KEY, KL, &b, STR_AND_LEN(malformed[i]), 1, NULL),
                         RP_BOT_MALFORMED);
}

/* The MAC is RFC 2104's HMAC-SHA-256 over the text and the binding:
 * checked against OpenSSL's own HMAC, with a short and a long key. */
static void test_mac_is_hmac_sha256(void **state)
{
    (void)state;
    rp_bot_binding_t b;
    rp_bot_binding("10.1.2.3", "UA", &b);
    uint8_t long_key[100];
    for (size_t i = 0; i < sizeof(long_key); i++)
        long_key[i] = (uint8_t)(i * 7 + 1);
    const struct {
        const uint8_t *k;
        size_t len;
    } keys[] = {{KEY, KL}, {long_key, sizeof(long_key)}};
    for (size_t i = 0; i < 2; i++) {
        char c[RP_BOT_TOKEN_MAX];
        rp_bot_clearance_mint(keys[i].k, keys[i].len, &b, 123456, 5, c);
        const char *mac = strrchr(c, '.');
        uint8_t msg[256], want[32];
        size_t tl = (size_t)(mac - c);
        memcpy(msg, c, tl);
        memcpy(msg + tl, b.digest, 32);
        unsigned int n = 0;
        HMAC(EVP_sha256(), keys[i].k, (int)keys[i].len, msg, tl + 32, want, &n);
        char hex[65];
        for (int j = 0; j < 32; j++)
            snprintf(hex + 2 * j, 3, "%02x", want[j]);
        assert_string_equal(mac + 1, hex);
    }
}

/* The counter a browser would find. */
static unsigned long solve(const char *token, unsigned difficulty)
{
    for (unsigned long w = 0;; w++) {
        char ws[24];
        snprintf(ws, sizeof(ws), "%lu", w);
        uint8_t buf[256], d[32];
        size_t tl = strlen(token);
        memcpy(buf, token, tl);
        buf[tl] = '.';
        memcpy(buf + tl + 1, ws, strlen(ws));
        SHA256(buf, tl + 1 + strlen(ws), d);
        unsigned zeros = 0;
        for (int i = 0; i < 32 && zeros < difficulty; i++) {
            if (d[i] == 0) {
                zeros += 8;
                continue;
            }
            zeros += (unsigned)__builtin_clz(d[i]) - 24;
            break;
        }
        if (zeros >= difficulty)
            return w;
    }
}

static void test_challenge_work(void **state)
{
    (void)state;
    rp_bot_binding_t b;
    rp_bot_binding("2001:db8:1:2::5", "UA", &b);
    uint8_t nonce[16] = {1, 2, 3};
    char t[RP_BOT_TOKEN_MAX];
    rp_bot_challenge_mint(KEY, KL, &b, 5000, 12, nonce, t);
    unsigned long w = solve(t, 12);
    char ws[24];
    snprintf(ws, sizeof(ws), "%lu", w);
    unsigned diff = 0;
    assert_int_equal(
        rp_bot_challenge_verify(KEY, KL, &b, t, strlen(t), STR_AND_LEN(ws), 100, &diff), RP_BOT_OK);
    assert_int_equal(diff, 12);
    assert_int_equal(
        rp_bot_challenge_verify(KEY, KL, &b, t, strlen(t), STR_AND_LEN("x1"), 100, NULL),
        RP_BOT_BAD_WORK);
    assert_int_equal(
        rp_bot_challenge_verify(KEY, KL, &b, t, strlen(t), STR_AND_LEN("007"), 100, NULL),
        RP_BOT_BAD_WORK);
    assert_int_equal(
        rp_bot_challenge_verify(KEY, KL, &b, t, strlen(t), STR_AND_LEN("1"), 6000, NULL),
        RP_BOT_EXPIRED);
    rp_bot_binding_t other;
    rp_bot_binding("2001:db8:1:3::5", "UA", &other);
    assert_int_equal(
        rp_bot_challenge_verify(KEY, KL, &other, t, strlen(t), STR_AND_LEN("1"), 100, NULL),
        RP_BOT_BAD_MAC);
}

static char key_path[256];

static void write_key(void)
{
    snprintf(key_path, sizeof(key_path), "/tmp/rampart-bot-test-%d.key", (int)getpid());
    FILE *f = fopen(key_path, "wb");
    assert_non_null(f);
    fwrite(KEY, 1, KL, f);
    fclose(f);
    chmod(key_path, 0600);
}

static rp_policy_t *policy(const char *rules)
{
    char text[2048];
    snprintf(text, sizeof(text), "bot_key %s\n%s", key_path, rules);
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load_string(text, strlen(text), "bot.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static void test_directive_errors(void **state)
{
    (void)state;
    static const policy_error_case_t bad[] = {
        {"bot / challenge\n", 0, "need a key"},
        {"bot_key /nonexistent/k\n", 1, "cannot open"},
        {"\nbot /x maybe\n", 2, "challenge, block or off"},
        {"bot x challenge\n", 1, "must start with /"},
        {"bot / challenge difficulty=40\n", 1, "0 to 24"},
        {"bot / challenge ttl=5\n", 1, "60 to"},
        {"bot / challenge colour=red\n", 1, "unknown option"},
        {"bot_good google Googlebot googlebot.com\n", 1, "starts with a dot"},
    };
    expect_policy_errors(bad, sizeof(bad) / sizeof(bad[0]));
    /* a key others can read is refused */
    chmod(key_path, 0644);
    rp_error_t err = {0};
    char text[512];
    snprintf(text, sizeof(text), "bot_key %s\n", key_path);
    assert_null(rp_policy_load_string(STR_AND_LEN(text), "b.policy", &err));
    assert_non_null(strstr(err.reason, "group or others"));
    chmod(key_path, 0600);
}

typedef struct {
    const char *addr, *method, *uri, *ua, *cookie;
    bool no_lang;
} req_t;

static rp_tx_t *run(rp_policy_t *p, const char *addr, const char *method, const char *uri,
                    const char *ua, const char *cookie, bool no_lang)
{
    req_t r = {addr, method, uri, ua, cookie, no_lang};
    rp_tx_t *tx = rp_tx_new(p);
    rp_tx_connection(tx, STR_AND_LEN(r.addr), 4000, STR_AND_LEN("127.0.0.1"), 80);
    rp_tx_request_line(tx, STR_AND_LEN(r.method), STR_AND_LEN(r.uri), STR_AND_LEN("HTTP/1.1"));
    rp_tx_request_header(tx, STR_AND_LEN("Host"), STR_AND_LEN("portal.example"));
    rp_tx_request_header(tx, STR_AND_LEN("User-Agent"), STR_AND_LEN(r.ua));
    if (!r.no_lang)
        rp_tx_request_header(tx, STR_AND_LEN("Accept-Language"), STR_AND_LEN("zh-CN,en"));
    if (r.cookie)
        rp_tx_request_header(tx, STR_AND_LEN("Cookie"), STR_AND_LEN(r.cookie));
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    return tx;
}

/* Solve the page's challenge like its script and return the answer URL. */
static void answer_url(rp_tx_t *tx, char *url, size_t len, int webdriver)
{
    const char *page;
    size_t pl;
    assert_true(rp_tx_bot_page(tx, &page, &pl));
    assert_int_equal(strlen(page), pl);
    assert_non_null(strstr(page, "role=\"status\""));
    assert_non_null(strstr(page, "<noscript>"));
    const char *t = strstr(page, "var T='");
    assert_non_null(t);
    t += 7;
    char token[RP_BOT_TOKEN_MAX];
    size_t tl = strcspn(t, "'");
    memcpy(token, t, tl);
    token[tl] = '\0';
    unsigned d = (unsigned)atoi(strstr(page, ",D=") + 3);
    const char *r = strstr(page, ",R='") + 4;
    snprintf(url, len, "/.rampart/challenge?t=%s&n=%lu&w=%d&r=%.*s", token, solve(token, d),
             webdriver, (int)strcspn(r, "'"), r);
}

/* Some match of the verdict says why. */
static bool has_detail(const rp_verdict_t *v, const char *why)
{
    for (size_t i = 0; i < v->nmatches; i++)
        if (strstr(v->matches[i].detail, why))
            return true;
    return false;
}

static const char *UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0";

static void test_round_trip(void **state)
{
    (void)state;
    rp_policy_t *p = policy("bot / challenge difficulty=6 ttl=600\n"
                            "bot /api/ block\n"
                            "bot /static/ off\n"
                            "bot /strict/ challenge difficulty=4 automation=deny\n");
    rp_tx_t *tx = run(p, "203.0.113.9", "GET", "/page?a=1&b=%3Cx", UA, NULL, false);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_CHALLENGE);
    assert_int_equal(v->status, 403);
    char url[512];
    answer_url(tx, url, sizeof(url), 0);
    rp_tx_free(tx);
    assert_non_null(strstr(url, "&r=%2Fpage%3Fa%3D1%26b%3D%253Cx"));

    tx = run(p, "203.0.113.9", "GET", url, UA, NULL, false);
    v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_REDIRECT);
    assert_string_equal(v->location, "/page?a=1&b=%3Cx");
    const char *set = rp_tx_bot_set_cookie(tx);
    assert_non_null(set);
    assert_non_null(strstr(set, "; HttpOnly; SameSite=Lax"));
    assert_non_null(strstr(set, "Max-Age=600"));
    char cookie[256];
    snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(set, ";"), set);
    rp_tx_free(tx);

    /* the same answer again: refused, one clearance per solved challenge */
    tx = run(p, "203.0.113.9", "GET", url, UA, NULL, false);
    v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_true(has_detail(v, "answered before"));
    rp_tx_free(tx);

    /* the clearance opens the site, the API and POSTs */
    tx = run(p, "203.0.113.9", "GET", "/page", UA, cookie, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "POST", "/api/v1/x", UA, cookie, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    /* copied to another network or another browser: refused */
    tx = run(p, "192.0.2.9", "GET", "/page", UA, cookie, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_CHALLENGE);
    assert_true(has_detail(rp_tx_verdict(tx), "other client"));
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "GET", "/api/v1/x", "curl/8.0", cookie, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    rp_tx_free(tx);
    /* no clearance: the API refuses, a POST is refused, static is open */
    tx = run(p, "203.0.113.9", "GET", "/api/v1/x", "curl/8.0", NULL, true);
    v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_true(has_detail(v, "no-accept-language"));
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "POST", "/form", UA, NULL, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "GET", "/static/app.js", "curl/8.0", NULL, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);

    /* a forged cookie is refused */
    tx = run(p, "203.0.113.9", "GET", "/page", UA,
             "rampart_clearance=k1.99999999999.0."
             "0000000000000000000000000000000000000000000000000000000000000000",
             false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_CHALLENGE);
    assert_true(has_detail(rp_tx_verdict(tx), "bad signature"));
    rp_tx_free(tx);

    /* automation=deny: navigator.webdriver reported, or a headless UA */
    tx = run(p, "203.0.113.9", "GET", "/strict/x", UA, NULL, false);
    answer_url(tx, url, sizeof(url), 1);
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "GET", url, UA, NULL, false);
    v = rp_tx_verdict(tx);
    assert_int_equal(v->action, RP_ACTION_BLOCK);
    assert_true(has_detail(v, "navigator.webdriver"));
    assert_null(rp_tx_bot_set_cookie(tx));
    rp_tx_free(tx);
    /* ...but the same browser's clearance from the lenient part is kept
     * out of the strict part when it carried the signal */
    tx = run(p, "203.0.113.9", "GET", "/page2", UA, NULL, false);
    answer_url(tx, url, sizeof(url), 1);
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "GET", url, UA, NULL, false);
    set = rp_tx_bot_set_cookie(tx);
    assert_non_null(set);
    snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(set, ";"), set);
    rp_tx_free(tx);
    tx = run(p, "203.0.113.9", "GET", "/strict/x", UA, cookie, false);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    rp_tx_free(tx);

    /* return paths to other sites are refused */
    static const char *const bad_returns[] = {"%2F%2Fevil.example%2F", "https%3A%2F%2Fevil",
                                              "%2F%5Cevil.example", "%2Fa%0D%0ASet-Cookie:x"};
    for (size_t i = 0; i < sizeof(bad_returns) / sizeof(bad_returns[0]); i++) {
        tx = run(p, "203.0.113.9", "GET", "/x", UA, NULL, false);
        answer_url(tx, url, sizeof(url), 0);
        rp_tx_free(tx);
        char *r = strstr(url, "&r=");
        snprintf(r, sizeof(url) - (size_t)(r - url), "&r=%s", bad_returns[i]);
        tx = run(p, "203.0.113.9", "GET", url, UA, NULL, false);
        assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
        assert_null(rp_tx_bot_set_cookie(tx));
        rp_tx_free(tx);
    }
    rp_policy_unref(p);
}

static int fake_reverse(void *ctx, const char *addr, char *host, size_t len)
{
    (void)ctx;
    const char *name = strcmp(addr, "66.249.66.1") == 0   ? "crawl-66-249-66-1.googlebot.com."
                       : strcmp(addr, "66.249.66.2") == 0 ? "crawl.googlebot.com.evil.example"
                       : strcmp(addr, "66.249.66.3") == 0 ? "crawl-3.googlebot.com"
                                                          : NULL;
    if (!name)
        return -1;
    snprintf(host, len, "%s", name);
    return 0;
}

static int fake_forward(void *ctx, const char *host, char (*addrs)[64], int max)
{
    (void)ctx;
    (void)max;
    /* crawl-3 claims the name, but the name points elsewhere */
    snprintf(addrs[0], 64, "%s",
             strcmp(host, "crawl-66-249-66-1.googlebot.com.") == 0 ? "66.249.66.1" : "10.0.0.1");
    return 1;
}

static void test_good_bots(void **state)
{
    (void)state;
    rp_bot_resolver_t r = {fake_reverse, fake_forward, NULL};
    rp_bot_set_resolver(&r);
    assert_true(rp_bot_verify_good("66.249.66.1", ".googlebot.com,.google.com"));
    assert_false(rp_bot_verify_good("66.249.66.2", ".googlebot.com"));
    assert_false(rp_bot_verify_good("66.249.66.3", ".googlebot.com"));
    assert_false(rp_bot_verify_good("66.249.66.4", ".googlebot.com"));
    assert_false(rp_bot_verify_good("66.249.66.1", ".search.msn.com"));

    rp_policy_t *p = policy("bot / challenge\nbot_good google Googlebot .googlebot.com\n");
    const char *gua = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    rp_tx_t *tx = run(p, "66.249.66.1", "GET", "/page", gua, NULL, true);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_ALLOW);
    rp_tx_free(tx);
    tx = run(p, "66.249.66.3", "GET", "/page", gua, NULL, true);
    assert_int_equal(rp_tx_verdict(tx)->action, RP_ACTION_BLOCK);
    assert_true(has_detail(rp_tx_verdict(tx), "DNS disagrees"));
    rp_tx_free(tx);
    rp_policy_unref(p);
    rp_bot_set_resolver(NULL);
}

int main(void)
{
    write_key();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clearance),      cmocka_unit_test(test_mac_is_hmac_sha256),
        cmocka_unit_test(test_challenge_work), cmocka_unit_test(test_directive_errors),
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_good_bots),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(key_path);
    return rc;
}
