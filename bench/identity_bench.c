/*
 * identity_bench.c — the gateway's per-request identity cost
 * (docs/IDENTITY.md, target: session check ≤ 2 µs):
 *
 *   identity_bench [SECONDS]      (default 2 per case)
 *
 * Cases, one thread each:
 *   check/hit     rp_id_session_check on a returning session (the verified-
 *                 token cache hits; claims parsed, expiry, idle, revocation
 *                 checked against a list of 10,000 entries)
 *   check/miss    the same on 1,000 distinct sessions in turn (HMAC-SHA-256
 *                 every time: the cache holds 64)
 *   check/miss-sm3  the same with an HMAC-SM3 key
 *   access        rp_access_check, 8 rules, roles and groups
 *   sign/upstream rp_id_upstream_sign, the X-Rampart-Identity signature
 *   gateway       check/hit + access + sign/upstream: what a request with a
 *                 valid session costs the gateway in the engine
 * Prints "identity/NAME_us X" per case, then one JSON line.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rampart/identity.h"
#include "rampart/policy.h"

#define SESSIONS 1000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t b64(char *out, const unsigned char *in, size_t len)
{
    size_t n = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n && out[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    out[n] = '\0';
    return n;
}

static void mint(char *tok, const char *kid, const EVP_MD *md, const unsigned char *key, int i,
                 long now)
{
    char claims[512];
    snprintf(claims, sizeof(claims),
             "sid=AAAAAAAAAAAAAAAAAA%04d&uid=%d&sub=user%d&ro=staff%%2Ceditor&gr=%%2Forg%%2Fhr%%"
             "2Fteam-a&amr=pwd%%2Cotp%%2Cmfa&iat=%ld&act=%ld&exp=%ld&idl=1800",
             i, 1000 + i, i, now, now, now + 3600);
    size_t o = (size_t)sprintf(tok, "rpt1.%s.", kid);
    o += b64(tok + o, (const unsigned char *)claims, strlen(claims));
    unsigned char mac[32];
    unsigned ml;
    HMAC(md, key, 32, (unsigned char *)tok, o, mac, &ml);
    tok[o++] = '.';
    b64(tok + o, mac, 32);
}

typedef struct {
    const char *name;
    double us;
} result_t;

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    unsigned char key[32], sm3key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
        sm3key[i] = (unsigned char)(32 + i);
    }
    char kb[64], sb[64];
    b64(kb, key, 32);
    b64(sb, sm3key, 32);
    char keys_text[256];
    snprintf(keys_text, sizeof(keys_text), "g1 hmac-sm3 %s 0\nk1 hmac-sha256 %s 0\n", sb, kb);
    rp_error_t err;
    rp_id_keys_t *keys = rp_id_keys_parse(keys_text, strlen(keys_text), "keys", &err);
    /* a revocation list of 10,000 entries that do not match */
    size_t cap = 64 + 10000 * 48, len = 0;
    char *rtext = malloc(cap);
    long now = (long)time(NULL);
    len += (size_t)sprintf(rtext, "# rampart revocations seq=1\n");
    for (int i = 0; i < 5000; i++) {
        len += (size_t)sprintf(rtext + len, "sid ZZZZZZZZZZZZZZZZZZ%04d %ld\n", i, now + 3600);
        len += (size_t)sprintf(rtext + len, "user %d %ld\n", 900000 + i, now);
    }
    rp_id_revocations_t *rev = rp_id_revocations_parse(rtext, len, "revocations", &err);
    const char *ptext = "access / authenticated\naccess /public/ public\naccess /static/ public\n"
                        "access /admin authenticated roles=admin mfa\n"
                        "access /hr authenticated groups=/org/hr\n"
                        "access /ops authenticated roles=ops addr=10.0.0.0/8\n"
                        "access /api/ authenticated roles=staff,api\n"
                        "access /reports authenticated groups=/org/finance,/org/hr\n";
    rp_policy_t *pol = rp_policy_load_string(ptext, strlen(ptext), "bench.policy", &err);
    if (!keys || !rev || !pol) {
        fprintf(stderr, "identity_bench: setup failed: %s:%u: %s\n", err.file, err.line,
                err.reason);
        return 1;
    }
    const rp_access_rules_t *rules = rp_policy_access_rules(pol);
    static char toks[SESSIONS][1024], sm3toks[SESSIONS][1024];
    for (int i = 0; i < SESSIONS; i++) {
        mint(toks[i], "k1", EVP_sha256(), key, i, now);
        mint(sm3toks[i], "g1", EVP_sm3(), sm3key, i, now);
    }
    size_t tlen = strlen(toks[0]);
    rp_id_claims_t c;
    result_t res[6];
    int nres = 0;
    unsigned long bad = 0;
    char sig[44];

    for (int k = 0; k < 6; k++) {
        unsigned long n = 0;
        double t0 = now_s(), t;
        do {
            for (int j = 0; j < 1000; j++, n++) {
                const char *tok;
                switch (k) {
                case 0:
                    bad += rp_id_session_check(keys, rev, toks[0], tlen, now, &c) != RP_ID_OK;
                    break;
                case 1:
                    tok = toks[n % SESSIONS];
                    bad += rp_id_session_check(keys, rev, tok, strlen(tok), now, &c) != RP_ID_OK;
                    break;
                case 2:
                    tok = sm3toks[n % SESSIONS];
                    bad += rp_id_session_check(keys, rev, tok, strlen(tok), now, &c) != RP_ID_OK;
                    break;
                case 3:
                    bad += rp_access_check(rules, "/hr/payroll/2026", 16, &c, "127.0.0.1", 9,
                                           now) != RP_ACCESS_ALLOW;
                    break;
                case 4:
                    bad += !rp_id_upstream_sign(key, 32, now, "GET", 3, "zwfw.example.gov.cn", 19,
                                                "/search?q=1", 11, &c, sig);
                    break;
                default:
                    bad += rp_id_session_check(keys, rev, toks[0], tlen, now, &c) != RP_ID_OK;
                    bad += rp_access_check(rules, "/hr/payroll/2026", 16, &c, "127.0.0.1", 9,
                                           now) != RP_ACCESS_ALLOW;
                    bad += !rp_id_upstream_sign(key, 32, now, "GET", 3, "zwfw.example.gov.cn", 19,
                                                "/search?q=1", 11, &c, sig);
                    break;
                }
            }
            t = now_s();
        } while (t - t0 < secs);
        static const char *const names[] = {"check_hit", "check_miss",    "check_miss_sm3",
                                            "access",    "sign_upstream", "gateway"};
        res[nres].name = names[k];
        res[nres].us = (t - t0) * 1e6 / (double)n;
        printf("identity/%s_us %.3f\n", res[nres].name, res[nres].us);
        nres++;
    }
    printf("{");
    for (int i = 0; i < nres; i++)
        printf("%s\"identity/%s_us\": %.3f", i ? ", " : "", res[i].name, res[i].us);
    printf(", \"errors\": %lu}\n", bad);
    rp_policy_unref(pol);
    rp_id_revocations_free(rev);
    rp_id_keys_free(keys);
    free(rtext);
    return bad ? 1 : 0;
}
