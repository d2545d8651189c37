/*
 * fieldenc_bench.c — the cost of the gateway's field encryption in the
 * engine (docs/CRYPTO.md, "Field encryption at the gateway";
 * docs/BENCHMARKS.md).
 *
 * One JSON record of about 300 bytes with F configured fields (an ID
 * number, a mobile as a number, a note) goes through a transaction:
 *   seal   the request body is rewritten (F envelopes made)
 *   open   the sealed record as a response, for a clear viewer (F opened)
 *   mask   the same for an anonymous viewer (F opened and masked)
 *   plain  the same record through a transaction whose policy has no
 *          encrypt rule (the baseline the others are compared with)
 * CPU time per record (best of 5 runs of N records), and the cost per
 * field = (mode - plain) / F. Run: fieldenc_bench [N] [sm4-gcm|aes-256-gcm].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rampart/rampart.h"

#define FIELDS 3

static const char record[] =
    "{\"applicant\":{\"idNumber\":\"11010519491231002X\",\"name\":\"\\u5f20\\u4e09\","
    "\"address\":\"Beijing, Chaoyang, Jianguo Road 88\"},\"phone\":13812345678,"
    "\"note\":\"urgent: call back before Friday\",\"status\":\"open\",\"tags\":[\"a\",\"b\"],"
    "\"created\":\"2026-11-26T10:00:00Z\",\"amount\":1234.5}";

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef enum { SEAL, OPEN, MASK, PLAIN_REQ, PLAIN_RESP } mode_t_;

static size_t one(rp_policy_t *p, rp_data_keys_t *k, mode_t_ m, const char *body, size_t len,
                  char *out)
{
    static const rp_viewer_t aud = {"alice", 5, "auditor", 7, "", 0};
    rp_tx_t *tx = rp_tx_new(p);
    bool request = m == SEAL || m == PLAIN_REQ;
    rp_tx_request_line(tx, request ? "POST" : "GET", request ? 4 : 3, "/api/citizens", 13,
                       "HTTP/1.1", 8);
    rp_tx_request_header(tx, "Content-Type", 12, "application/json", 16);
    rp_tx_request_headers_done(tx);
    rp_tx_set_fieldenc(tx, "/api/citizens", 13, RP_MODE_BLOCK, k, "application/json", 16,
                       m == OPEN ? &aud : NULL);
    size_t n = 0;
    const void *o;
    if (request) {
        rp_tx_request_body(tx, body, len);
        rp_tx_request_end(tx);
        if (rp_tx_fieldenc_request_body(tx, &o, &n) == RP_OK && out)
            memcpy(out, o, n);
    } else {
        rp_tx_request_end(tx);
        rp_tx_response_status(tx, 200);
        rp_tx_response_header(tx, "Content-Type", 12, "application/json", 16);
        rp_tx_response_headers_done(tx);
        rp_tx_response_body(tx, body, len, &o, &n);
        const void *t;
        size_t tl;
        rp_tx_response_end(tx, &t, &tl);
    }
    rp_tx_free(tx);
    return n;
}

static double run(rp_policy_t *p, rp_data_keys_t *k, mode_t_ m, const char *body, size_t len, int n)
{
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = cpu_now();
        for (int i = 0; i < n; i++)
            one(p, k, m, body, len, NULL);
        double us = (cpu_now() - t0) * 1e6 / n;
        if (us < best)
            best = us;
    }
    return best;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    const char *alg = argc > 2 ? argv[2] : "sm4-gcm";
    char keys_text[256];
    snprintf(keys_text, sizeof(keys_text), "rpgk1 gov/citizens 1 %s %s\n", alg,
             strcmp(alg, "sm4-gcm") == 0
                 ? "000102030405060708090a0b0c0d0e0f"
                 : "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f");
    rp_error_t e = {0};
    rp_data_keys_t *k = rp_data_keys_parse(keys_text, strlen(keys_text), "bench", &e);
    const char *pol = "mode detect\nencrypt /api/citizens key=gov/citizens "
                      "fields=applicant.idNumber:id,phone:mobile,note roles-clear=auditor\n";
    rp_policy_t *p = rp_policy_load_string(pol, strlen(pol), "bench", &e);
    rp_policy_t *plain = rp_policy_load_string("mode detect\n", 12, "bench", &e);
    if (!k || !p || !plain) {
        fprintf(stderr, "set-up: %s\n", e.reason);
        return 1;
    }
    char sealed[4096];
    size_t sl = one(p, k, SEAL, record, sizeof(record) - 1, sealed);
    double seal = run(p, k, SEAL, record, sizeof(record) - 1, n);
    double base_req = run(plain, k, PLAIN_REQ, record, sizeof(record) - 1, n);
    double open = run(p, k, OPEN, sealed, sl, n);
    double mask = run(p, k, MASK, sealed, sl, n);
    double base_resp = run(plain, k, PLAIN_RESP, sealed, sl, n);
    printf("fieldenc_bench: %s, %d fields per record, %zu -> %zu bytes, best of 5 x %d\n", alg,
           FIELDS, sizeof(record) - 1, sl, n);
    printf("  request  plain %.2f us, sealed %.2f us: %.2f us per field\n", base_req, seal,
           (seal - base_req) / FIELDS);
    printf("  response plain %.2f us, opened (clear) %.2f us: %.2f us per field\n", base_resp, open,
           (open - base_resp) / FIELDS);
    printf("  response plain %.2f us, opened+masked %.2f us: %.2f us per field\n", base_resp, mask,
           (mask - base_resp) / FIELDS);
    rp_policy_unref(p);
    rp_policy_unref(plain);
    rp_data_keys_unref(k);
    return 0;
}
