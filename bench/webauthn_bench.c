/*
 * webauthn_bench.c — what a WebAuthn ceremony costs rampartd on this
 * machine: parsing the browser's JSON and verifying it, for registrations
 * (ES256 none, ES256 packed self, RS256 packed self) and assertions (ES256,
 * RS256). The answers come from the tests' software authenticator
 * (tests/support), made once; each is verified over and over.
 *
 *   webauthn_bench [SECONDS]     (default 1 per case)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soft_authenticator_core.h"
#include "webauthn.h"
#include "webauthn_assertion.h"
#include "webauthn_cose.h"
#include "webauthn_options.h"
#include "webauthn_register.h"

#define RP_ID  "login.example.test"
#define ORIGIN "https://login.example.test"

static const char *const origins[] = {ORIGIN};
static unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *options_text(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        exit(2);
    return text;
}

static char *creation_options(void)
{
    static const unsigned char user[] = "user-1";
    webauthn_creation_request_t req = {.rp_id = RP_ID,
                                       .rp_name = "Rampart",
                                       .user_handle = user,
                                       .user_handle_len = 6,
                                       .user_name = "alice",
                                       .user_display_name = "Alice",
                                       .challenge = challenge,
                                       .challenge_len = sizeof(challenge)};
    return options_text(webauthn_creation_options(&req));
}

static char *request_options(void)
{
    webauthn_request_request_t req = {
        .rp_id = RP_ID, .challenge = challenge, .challenge_len = sizeof(challenge)};
    return options_text(webauthn_request_options(&req));
}

static void report(const char *what, long n, double secs)
{
    printf("| %-34s | %9.0f | %8.1f |\n", what, n / secs, secs / n * 1e6);
}

static webauthn_ceremony_t ceremony(void)
{
    return (webauthn_ceremony_t){.rp_id = RP_ID,
                                 .origins = origins,
                                 .n_origins = 1,
                                 .challenge = challenge,
                                 .challenge_len = sizeof(challenge)};
}

/* Registers one credential of `alg` with `fmt`, timing the verification of
 * the answer; then times assertions of it when `assertions`. */
static void bench(int64_t alg, const char *fmt, int assertions, double seconds)
{
    soft_authn_t *a = soft_authn_new();
    soft_params_t p = {.origin = ORIGIN, .alg = alg, .fmt = fmt};
    char err[256], *options = creation_options();
    char *answer = soft_authn_create(a, options, &p, err, sizeof(err));
    if (!answer) {
        fprintf(stderr, "soft authenticator: %s\n", err);
        exit(2);
    }
    webauthn_registration_policy_t reg = {.ceremony = ceremony()};
    webauthn_credential_t cred = {0};
    long n = 0;
    double t0 = now(), t;
    do {
        webauthn_response_t resp;
        webauthn_credential_clear(&cred);
        if (webauthn_response_parse(answer, strlen(answer), WEBAUTHN_REGISTRATION, &resp, err,
                                    sizeof(err)) != WEBAUTHN_OK ||
            webauthn_registration_verify(&reg, &resp, &cred, err, sizeof(err)) != WEBAUTHN_OK) {
            fprintf(stderr, "registration: %s\n", err);
            exit(1);
        }
        webauthn_response_clear(&resp);
        n++;
    } while ((t = now() - t0) < seconds);
    char label[64];
    snprintf(label, sizeof(label), "registration %s %s", alg == COSE_ALG_ES256 ? "ES256" : "RS256",
             fmt);
    report(label, n, t);
    free(answer);
    free(options);
    if (assertions) {
        options = request_options();
        answer = soft_authn_get(a, options, &p, err, sizeof(err));
        if (!answer)
            exit(2);
        webauthn_assertion_policy_t pol = {.ceremony = ceremony()};
        webauthn_stored_credential_t stored = {.credential_id = cred.credential_id,
                                               .credential_id_len = cred.credential_id_len,
                                               .public_key = cred.public_key,
                                               .public_key_len = cred.public_key_len};
        n = 0;
        t0 = now();
        do {
            webauthn_response_t resp;
            webauthn_assertion_result_t res;
            if (webauthn_response_parse(answer, strlen(answer), WEBAUTHN_AUTHENTICATION, &resp, err,
                                        sizeof(err)) != WEBAUTHN_OK ||
                webauthn_assertion_verify(&pol, &stored, &resp, &res, err, sizeof(err)) !=
                    WEBAUTHN_OK) {
                fprintf(stderr, "assertion: %s\n", err);
                exit(1);
            }
            webauthn_response_clear(&resp);
            n++;
        } while ((t = now() - t0) < seconds);
        snprintf(label, sizeof(label), "assertion %s", alg == COSE_ALG_ES256 ? "ES256" : "RS256");
        report(label, n, t);
        free(answer);
        free(options);
    }
    webauthn_credential_clear(&cred);
    soft_authn_free(a);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0 || webauthn_challenge(challenge) < 0)
        return 2;
    printf("| ceremony (parse JSON + verify) | per second | µs each |\n|---|---:|---:|\n");
    bench(COSE_ALG_ES256, "none", 1, seconds);
    bench(COSE_ALG_ES256, "packed", 0, seconds);
    bench(COSE_ALG_RS256, "packed", 1, seconds);
    return 0;
}
