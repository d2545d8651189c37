/*
 * jose_bench.c — what an ID token costs rampartd on this machine: signing
 * a typical ID token's claims (jose_sign) and verifying it (jose_parse +
 * jose_verify, what logout does with id_token_hint), per algorithm
 * (RS256 with RSA-2048, ES256, SM2SM3), one thread.
 *
 *   jose_bench [SECONDS]     (default 1 per case)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jose.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:[s, s, s], s:s, s:s, s:s, s:s}",
                               "iss", "http://127.0.0.1:9000", "sub", "li.wei", "aud", "webapp",
                               "exp", (json_int_t)1795000600, "iat", (json_int_t)1795000000,
                               "auth_time", (json_int_t)1794999000, "amr", "pwd", "otp", "mfa",
                               "acr", "urn:rampart:acr:mfa", "sid", "AAAAAAAAAAAAAAAAAAAAAA",
                               "at_hash", "rnzUR0IbVc3KPq1JTVRhcQ", "nonce", "n-0S6_WzA2Mj");
    printf("%-8s %12s %10s %12s %10s\n", "alg", "signs/s", "µs each", "verifies/s", "µs each");
    for (int a = 0; a < JOSE_ALG_COUNT; a++) {
        EVP_PKEY *key = jose_keygen((jose_alg_t)a);
        if (!key)
            return 2;
        char *jws = NULL;
        long n = 0;
        double t0 = now(), t;
        do {
            free(jws);
            jws = jose_sign(key, (jose_alg_t)a, "kid", claims);
            if (!jws)
                return 2;
            n++;
        } while ((t = now()) - t0 < seconds);
        double sign_rate = n / (t - t0);
        long m = 0;
        t0 = now();
        do {
            jose_parsed_t p;
            if (jose_parse(jws, strlen(jws), &p) || !jose_verify(key, jws, &p))
                return 3;
            jose_parsed_free(&p);
            m++;
        } while ((t = now()) - t0 < seconds);
        double verify_rate = m / (t - t0);
        printf("%-8s %12.0f %10.1f %12.0f %10.1f\n", jose_alg_name((jose_alg_t)a), sign_rate,
               1e6 / sign_rate, verify_rate, 1e6 / verify_rate);
        free(jws);
        EVP_PKEY_free(key);
    }
    json_decref(claims);
    return 0;
}
