/*
 * identity_test.c — session tokens, hand-offs, key and revocation files,
 * access rules and upstream signatures (docs/IDENTITY.md). Tokens are
 * minted here with OpenSSL's HMAC directly, independently of the engine's
 * signer; one vector was minted by Python's hmac module (interoperability
 * with rampartd's side, which is not this code).
 */
#include "test_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rampart/identity.h"
#include "rampart/policy.h"

/* key 00 01 02 ... 1f */
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define SM3_B64 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
#define KEYS                                                                                       \
    "# rampart session keys\n"                                                                     \
    "old hmac-sha256 " SM3_B64 " 500\n"                                                            \
    "k1 hmac-sha256 " KEY_B64 " 0\n"                                                               \
    "g1 hmac-sm3 " SM3_B64 " 0\n"

#define CLAIMS                                                                                     \
    "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice&ro=staff%2Cadmin&gr=%2Forg%2Fhr&amr=pwd%2Cotp%"   \
    "2Cmfa&iat=1000&act=1000&exp=100000&idl=1800"

/* minted by: hmac.new(bytes(range(32)), signed, sha256) in Python */
static const char python_token[] =
    "rpt1.k1."
    "c2lkPUFBQUFBQUFBQUFBQUFBQUFBQUFBQUEmdWlkPTQyJnN1Yj1hbGljZSZybz1zdGFmZiUyQ2FkbWluJmdyPSUyRm9yZy"
    "UyRmhyJmFtcj1wd2QlMkNvdHAlMkNtZmEmaWF0PTEwMDAmYWN0PTEwMDAmZXhwPTEwMDAwMCZpZGw9MTgwMA."
    "72pofZt4x_Se9uPdZcqRKR0YKgpXsOO047VbR76PayE";

static rp_id_keys_t *keys(void)
{
    rp_error_t err = {0};
    rp_id_keys_t *k = rp_id_keys_parse(KEYS, strlen(KEYS), "identity-keys", &err);
    assert_non_null(k);
    return k;
}

static size_t b64(char *out, const uint8_t *in, size_t len)
{
    size_t n = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n && out[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    out[n] = '\0';
    return n;
}

/* prefix kid "." b64(claims) "." b64(HMAC) */
static char *mint(const char *prefix, const char *kid, const EVP_MD *md, uint8_t key0,
                  const char *claims)
{
    static char tok[4096];
    uint8_t key[32], mac[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(key0 + i);
    size_t o = (size_t)sprintf(tok, "%s%s.", prefix, kid);
    o += b64(tok + o, (const uint8_t *)claims, strlen(claims));
    unsigned ml = 0;
    HMAC(md, key, 32, (uint8_t *)tok, o, mac, &ml);
    tok[o++] = '.';
    b64(tok + o, mac, ml);
    return tok;
}

static char *mint_k1(const char *claims)
{
    return mint("rpt1.", "k1", EVP_sha256(), 0, claims);
}

static rp_id_status_t check(const rp_id_keys_t *k, const rp_id_revocations_t *r, const char *tok,
                            int64_t now, rp_id_claims_t *c)
{
    return rp_id_session_check(k, r, tok, strlen(tok), now, c);
}

static void test_valid_python_vector(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    for (int round = 0; round < 2; round++) { /* the second from the cache */
        assert_int_equal(check(k, NULL, python_token, 1500, &c), RP_ID_OK);
        assert_int_equal(c.uid, 42);
        assert_int_equal(c.sub.len, 5);
        assert_memory_equal(c.sub.p, "alice", 5);
        assert_int_equal(c.exp, 100000);
        assert_int_equal(c.idl, 1800);
    }
    assert_string_equal(mint_k1(CLAIMS), python_token);
    rp_id_keys_free(k);
}

static void test_sm3_key(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    char *tok = mint("rpt1.", "g1", EVP_sm3(), 0x20, CLAIMS);
    assert_int_equal(check(k, NULL, tok, 1500, &c), RP_ID_OK);
    /* the same claims under SHA-256 with g1's name: forged */
    tok = mint("rpt1.", "g1", EVP_sha256(), 0x20, CLAIMS);
    assert_int_equal(check(k, NULL, tok, 1500, &c), RP_ID_FORGED);
    rp_id_keys_free(k);
}

static void test_forged_and_malformed(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    char tok[4096];
    strcpy(tok, python_token);
    /* one MAC character changed */
    tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(check(k, NULL, tok, 1500, &c), RP_ID_FORGED);
    /* wrong key */
    assert_int_equal(check(k, NULL, mint("rpt1.", "k1", EVP_sha256(), 1, CLAIMS), 1500, &c),
                     RP_ID_FORGED);
    /* truncated anywhere */
    for (size_t cut = 0; cut < strlen(python_token); cut += 7) {
        memcpy(tok, python_token, cut);
        tok[cut] = '\0';
        rp_id_status_t s = check(k, NULL, tok, 1500, &c);
        assert_true(s == RP_ID_MALFORMED || s == RP_ID_NO_SESSION);
    }
    assert_int_equal(check(k, NULL, "rpt2.k1.x.y", 1500, &c), RP_ID_MALFORMED);
    assert_int_equal(check(k, NULL, "", 1500, &c), RP_ID_NO_SESSION);
    assert_int_equal(check(k, NULL, mint("rpt1.", "nokey", EVP_sha256(), 0, CLAIMS), 1500, &c),
                     RP_ID_UNKNOWN_KEY);
    /* "old" is past its not_after */
    assert_int_equal(check(k, NULL, mint("rpt1.", "old", EVP_sha256(), 0x20, CLAIMS), 1500, &c),
                     RP_ID_UNKNOWN_KEY);
    /* a hand-off is not a session */
    assert_int_equal(check(k, NULL, mint("rph1.", "k1", EVP_sha256(), 0, CLAIMS), 1500, &c),
                     RP_ID_MALFORMED);
    rp_id_keys_free(k);
}

static void test_claims_strict(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    static const char *const bad[] = {
        /* duplicate claim */
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&uid=43&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp="
        "100000&idl=1800",
        /* unknown claim */
        CLAIMS "&adm=1",
        /* order */
        "uid=42&sid=AAAAAAAAAAAAAAAAAAAAAA&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=100000&"
        "idl=1800",
        /* a literal comma, a space, a bad escape, a leading zero, a short sid */
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice&ro=a,b&gr=&amr=pwd&iat=1000&act=1000&exp="
        "100000&idl=1800",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=al ice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=100000&"
        "idl=1800",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice%2&ro=&gr=&amr=pwd&iat=1000&act=1000&exp="
        "100000&idl=1800",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=042&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp="
        "100000&idl=1800",
        "sid=AAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=100000&"
        "idl=1800",
        /* header injection attempt: CR LF in sub */
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=a\r\nX-Rampart-User: root&ro=&gr=&amr=pwd&iat=1000&"
        "act=1000&exp=100000&idl=1800",
        /* empty sub, missing idl, exp before iat */
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=100000&idl="
        "1800",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=100000",
        "sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=alice&ro=&gr=&amr=pwd&iat=1000&act=1000&exp=900&idl="
        "1800",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("bad claims %zu\n", i);
        assert_int_equal(check(k, NULL, mint_k1(bad[i]), 1500, &c), RP_ID_MALFORMED);
    }
    /* empty roles and groups are fine */
    assert_int_equal(
        check(k, NULL,
              mint_k1("sid=AAAAAAAAAAAAAAAAAAAAAA&uid=0&sub=a&ro=&gr=&amr=pwd&iat=1000&"
                      "act=1000&exp=100000&idl=1800"),
              1500, &c),
        RP_ID_OK);
    rp_id_keys_free(k);
}

static void test_times(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    /* idle: act=1000, idl=1800 */
    assert_int_equal(check(k, NULL, python_token, 2800, &c), RP_ID_OK);
    assert_int_equal(check(k, NULL, python_token, 2801, &c), RP_ID_IDLE);
    /* expired, from the cache too */
    const char *late = mint_k1("sid=AAAAAAAAAAAAAAAAAAAAAA&uid=42&sub=a&ro=&gr=&amr=pwd&iat=1000&"
                               "act=99990&exp=100000&idl=1800");
    assert_int_equal(check(k, NULL, late, 99999, &c), RP_ID_OK);
    assert_int_equal(check(k, NULL, late, 100000, &c), RP_ID_EXPIRED);
    /* issued in the future beyond the allowed skew */
    assert_int_equal(check(k, NULL, python_token, 1000 - RP_ID_SKEW, &c), RP_ID_OK);
    assert_int_equal(check(k, NULL, python_token, 1000 - RP_ID_SKEW - 1, &c), RP_ID_FORGED);
    rp_id_keys_free(k);
}

static void test_resign(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c, d;
    assert_int_equal(check(k, NULL, python_token, 1050, &c), RP_ID_OK);
    assert_false(rp_id_session_refresh_due(&c, 1060));
    assert_true(rp_id_session_refresh_due(&c, 1061));
    char tok[RP_ID_TOKEN_MAX];
    size_t n = rp_id_session_sign(k, &c, 2000, 2000, tok, sizeof(tok));
    assert_true(n > 0);
    assert_int_equal(strlen(tok), n);
    /* signed with the newest key (g1, SM3), same claims, act moved */
    assert_memory_equal(tok, "rpt1.g1.", 8);
    assert_int_equal(check(k, NULL, tok, 3700, &d), RP_ID_OK);
    assert_int_equal(d.act, 2000);
    assert_int_equal(d.iat, 1000);
    assert_int_equal(d.exp, 100000);
    assert_int_equal(d.ro.len, c.ro.len);
    assert_memory_equal(d.sid.p, c.sid.p, RP_ID_SID_LEN);
    /* the old token is idle by then */
    assert_int_equal(check(k, NULL, python_token, 3700, &d), RP_ID_IDLE);
    /* too small a buffer */
    assert_int_equal(rp_id_session_sign(k, &c, 2000, 2000, tok, 20), 0);
    rp_id_keys_free(k);
}

static void test_key_rotation_invalidates_cache(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    assert_int_equal(check(k, NULL, python_token, 1500, &c), RP_ID_OK);
    /* k1 removed: the cached verification must not survive */
    const char *only_g1 = "g1 hmac-sm3 " SM3_B64 " 0\n";
    rp_id_keys_t *k2 = rp_id_keys_parse(only_g1, strlen(only_g1), "k", NULL);
    assert_non_null(k2);
    assert_int_equal(check(k2, NULL, python_token, 1500, &c), RP_ID_UNKNOWN_KEY);
    /* k1 present again but with another secret */
    const char *other = "k1 hmac-sha256 " SM3_B64 " 0\n";
    rp_id_keys_t *k3 = rp_id_keys_parse(other, strlen(other), "k", NULL);
    assert_int_equal(check(k3, NULL, python_token, 1500, &c), RP_ID_FORGED);
    rp_id_keys_free(k);
    rp_id_keys_free(k2);
    rp_id_keys_free(k3);
}

static void test_revocations(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    rp_error_t err = {0};
    const char *list = "# rampart revocations seq=7\n"
                       "sid  BBBBBBBBBBBBBBBBBBBBBB  200000\n"
                       "user 43  5000\n";
    rp_id_revocations_t *r = rp_id_revocations_parse(list, strlen(list), "revocations", &err);
    assert_non_null(r);
    assert_int_equal(rp_id_revocations_seq(r), 7);
    assert_int_equal(rp_id_revocations_count(r), 2);
    assert_int_equal(check(k, r, python_token, 1500, &c), RP_ID_OK);
    const char *by_sid = "# rampart revocations seq=8\nsid AAAAAAAAAAAAAAAAAAAAAA 100000\n";
    rp_id_revocations_t *r2 = rp_id_revocations_parse(by_sid, strlen(by_sid), "r", &err);
    assert_int_equal(check(k, r2, python_token, 1500, &c), RP_ID_REVOKED);
    /* every session of user 42 issued before 1001 */
    const char *by_user = "# rampart revocations seq=9\nuser 42 1001\n";
    rp_id_revocations_t *r3 = rp_id_revocations_parse(by_user, strlen(by_user), "r", &err);
    assert_int_equal(check(k, r3, python_token, 1500, &c), RP_ID_REVOKED);
    const char *earlier = "# rampart revocations seq=9\nuser 42 1000\n";
    rp_id_revocations_t *r4 = rp_id_revocations_parse(earlier, strlen(earlier), "r", &err);
    assert_int_equal(check(k, r4, python_token, 1500, &c), RP_ID_OK);
    /* broken files name the line */
    const char *broken = "# rampart revocations seq=9\nuser 42 1000\nsession x 1\n";
    assert_null(rp_id_revocations_parse(broken, strlen(broken), "revocations", &err));
    assert_int_equal(err.line, 3);
    assert_null(rp_id_revocations_parse("sid x 1\n", 8, "revocations", &err));
    assert_int_equal(err.line, 1);
    rp_id_revocations_free(r);
    rp_id_revocations_free(r2);
    rp_id_revocations_free(r3);
    rp_id_revocations_free(r4);
    rp_id_keys_free(k);
}

static void test_key_file_errors(void **state)
{
    (void)state;
    rp_error_t err;
    static const struct {
        const char *text;
        unsigned line;
    } bad[] = {
        {"k1 hmac-sha256 " KEY_B64 "\n", 1},
        {"# c\nk1 hmac-md5 " KEY_B64 " 0\n", 2},
        {"k1 hmac-sha256 AAEC 0\n", 1},
        {"k.1 hmac-sha256 " KEY_B64 " 0\n", 1},
        {"k1 hmac-sha256 " KEY_B64 " 0\nk1 hmac-sm3 " SM3_B64 " 0\n", 2},
        {"# only a comment\n", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_null(rp_id_keys_parse(bad[i].text, strlen(bad[i].text), "identity-keys", &err));
        assert_int_equal(err.line, bad[i].line);
        /* a key never appears in an error */
        assert_null(strstr(err.reason, KEY_B64));
    }
}

#define NONCE "NNNNNNNNNNNNNNNNNNNNNN"

static void test_handoff(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    const char *h = mint("rph1.", "k1", EVP_sha256(), 0, CLAIMS "&n=" NONCE "&hx=1060");
    size_t hl = strlen(h);
    char copy[4096];
    strcpy(copy, h);
    assert_int_equal(rp_id_handoff_check(k, NULL, copy, hl, NONCE, 22, 1010, &c), RP_ID_OK);
    assert_int_equal(c.uid, 42);
    assert_int_equal(c.hx, 1060);
    /* wrong nonce, missing nonce, expired, a session token as hand-off */
    assert_int_equal(rp_id_handoff_check(k, NULL, copy, hl, "MMMMMMMMMMMMMMMMMMMMMM", 22, 1010, &c),
                     RP_ID_NONCE);
    assert_int_equal(rp_id_handoff_check(k, NULL, copy, hl, NULL, 0, 1010, &c), RP_ID_NONCE);
    assert_int_equal(rp_id_handoff_check(k, NULL, copy, hl, NONCE, 22, 1061, &c), RP_ID_EXPIRED);
    assert_int_equal(
        rp_id_handoff_check(k, NULL, python_token, strlen(python_token), NONCE, 22, 1010, &c),
        RP_ID_MALFORMED);
    /* a hand-off without its nonce claims */
    const char *bare = mint("rph1.", "k1", EVP_sha256(), 0, CLAIMS);
    assert_int_equal(rp_id_handoff_check(k, NULL, bare, strlen(bare), NONCE, 22, 1010, &c),
                     RP_ID_MALFORMED);

    /* replay: the table remembers it until hx */
    size_t size = rp_id_replay_table_size(64);
    void *table = calloc(1, size);
    assert_true(rp_id_replay_first_use(table, size, copy, hl, 1060, 1010));
    assert_false(rp_id_replay_first_use(table, size, copy, hl, 1060, 1011));
    assert_true(
        rp_id_replay_first_use(table, size, python_token, strlen(python_token), 1060, 1011));
    /* after hx the slot is free for others (the hand-off itself is expired) */
    assert_true(rp_id_replay_first_use(table, size, "other", 5, 2000, 1061));
    free(table);
    rp_id_keys_free(k);
}

static void test_upstream_signature(void **state)
{
    (void)state;
    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    assert_int_equal(check(k, NULL, python_token, 1500, &c), RP_ID_OK);
    uint8_t key[64];
    const char *file = "# upstream key\n" KEY_B64 "\n";
    rp_error_t err;
    assert_int_equal(rp_id_upstream_key_parse(file, strlen(file), key, sizeof(key), &err), 32);
    assert_int_equal(rp_id_upstream_key_parse("AAEC\n", 5, key, sizeof(key), &err), 0);
    rp_id_upstream_key_parse(file, strlen(file), key, sizeof(key), &err);
    char sig[44];
    assert_true(
        rp_id_upstream_sign(key, 32, 1500, "GET", 3, "app.example", 11, "/x?y=1", 6, &c, sig));
    /* the same message through OpenSSL directly */
    const char *msg = "rampart-identity-v1\n1500\nGET\napp.example\n/x?y=1\nalice\n42\n"
                      "staff%2Cadmin\n%2Forg%2Fhr\npwd%2Cotp%2Cmfa";
    uint8_t mac[32];
    unsigned ml;
    HMAC(EVP_sha256(), key, 32, (const uint8_t *)msg, strlen(msg), mac, &ml);
    char want[64];
    b64(want, mac, 32);
    assert_string_equal(sig, want);
    assert_false(rp_id_upstream_sign(key, 8, 1500, "GET", 3, "h", 1, "/", 1, &c, sig));
    rp_id_keys_free(k);
}

static rp_policy_t *policy(const char *text, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    return rp_policy_load_string(text, strlen(text), "t.policy", err);
}

static void test_access_rules(void **state)
{
    (void)state;
    rp_error_t err;
    rp_policy_t *p = policy("access / authenticated\n"
                            "access /public/ public\n"
                            "access /login public\n"
                            "access /admin authenticated roles=admin mfa\n"
                            "access /hr authenticated groups=/org/hr\n"
                            "access /ops authenticated roles=ops addr=10.0.0.0/8,::1\n"
                            "access /night authenticated time=Mon-Sun/00:00-00:01\n",
                            &err);
    assert_non_null(p);
    const rp_access_rules_t *a = rp_policy_access_rules(p);
    assert_int_equal(rp_access_rules_count(a), 7);
    assert_false(rp_access_needs_session(a, STR_AND_LEN("/public/x")));
    assert_false(rp_access_needs_session(a, STR_AND_LEN("/login")));
    assert_true(rp_access_needs_session(a, STR_AND_LEN("/loginx")));
    assert_true(rp_access_needs_session(a, STR_AND_LEN("/public")));

    rp_id_keys_t *k = keys();
    rp_id_claims_t c;
    assert_int_equal(check(k, NULL, python_token, 1500, &c), RP_ID_OK);
    const char *ip = "127.0.0.1";
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/x"), NULL, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_LOGIN);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/public/a"), NULL, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/x"), &c, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);
    /* alice: roles staff,admin; group /org/hr; amr has mfa */
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/admin/users"), &c, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/hr/pay"), &c, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/ops"), &c, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_DENY_ROLE);
    /* "/administrator" is not under "/admin" */
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/administrator"), &c, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);

    rp_id_claims_t bob;
    assert_int_equal(
        check(k, NULL,
              mint_k1("sid=AAAAAAAAAAAAAAAAAAAAAB&uid=7&sub=bob&ro=ops&gr=%2Forg%2Fhrx%"
                      "2C%2Forg%2Fhr%2Fteam&amr=pwd&iat=1000&act=1000&exp=100000&idl="
                      "1800"),
              1500, &bob),
        RP_ID_OK);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/admin"), &bob, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_DENY_ROLE);
    /* /org/hr/team is inside /org/hr; /org/hrx alone would not be */
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/hr"), &bob, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/ops"), &bob, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_DENY_ADDR);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/ops"), &bob, STR_AND_LEN("10.1.2.3"), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/ops"), &bob, STR_AND_LEN("::1"), 1500),
                     RP_ACCESS_ALLOW);
    assert_int_equal(
        rp_access_check(a, STR_AND_LEN("/ops"), &bob, STR_AND_LEN("::ffff:10.0.0.9"), 1500),
        RP_ACCESS_ALLOW);
    rp_id_claims_t carol;
    assert_int_equal(
        check(k, NULL,
              mint_k1("sid=AAAAAAAAAAAAAAAAAAAAAC&uid=8&sub=carol&ro=admin&gr=&amr=pwd&"
                      "iat=1000&act=1000&exp=100000&idl=1800"),
              1500, &carol),
        RP_ID_OK);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/admin"), &carol, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_DENY_MFA);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/hr"), &carol, STR_AND_LEN(ip), 1500),
                     RP_ACCESS_DENY_GROUP);
    /* a minute-long window at local midnight: noon is outside */
    setenv("TZ", "UTC", 1);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/night"), &carol, STR_AND_LEN(ip), 43200),
                     RP_ACCESS_DENY_TIME);
    assert_int_equal(rp_access_check(a, STR_AND_LEN("/night"), &carol, STR_AND_LEN(ip), 86400 + 30),
                     RP_ACCESS_ALLOW);
    rp_policy_unref(p);
    rp_id_keys_free(k);
}

static void test_access_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "access admin authenticated\n",
        "access /a private\n",
        "access /a public roles=x\n",
        "access /a authenticated roles=\n",
        "access /a authenticated roles=a,,b\n",
        "access /a authenticated addr=10.0.0.0/33\n",
        "access /a authenticated addr=example.com\n",
        "access /a authenticated time=Mon-Fri/18:00-08:00\n",
        "access /a authenticated time=Someday/08:00-18:00\n",
        "access /a authenticated time=Mon/8:00-18:00\n",
        "access /a authenticated colour=blue\n",
        "access /a\n",
        "access /a public\naccess /a authenticated\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_error_t err;
        char text[256];
        snprintf(text, sizeof(text), "mode block\n%s", bad[i]);
        print_message("bad access %zu\n", i);
        assert_null(policy(text, &err));
        assert_string_equal(err.file, "t.policy");
        assert_true(err.line >= 2);
        assert_non_null(strstr(err.reason, "access"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_python_vector),
        cmocka_unit_test(test_sm3_key),
        cmocka_unit_test(test_forged_and_malformed),
        cmocka_unit_test(test_claims_strict),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_resign),
        cmocka_unit_test(test_key_rotation_invalidates_cache),
        cmocka_unit_test(test_revocations),
        cmocka_unit_test(test_key_file_errors),
        cmocka_unit_test(test_handoff),
        cmocka_unit_test(test_upstream_signature),
        cmocka_unit_test(test_access_rules),
        cmocka_unit_test(test_access_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
