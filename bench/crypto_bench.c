/*
 * crypto_bench.c — one core's throughput of librampart's AEADs next to
 * OpenSSL's (`make bench-crypto`, and a step of `make bench`).
 *
 * Each figure: 16 KB messages sealed (encrypt + tag) back to back on this
 * thread for --seconds of its CPU time, repeated --runs times; MB/s (10^6
 * bytes) of plaintext per CPU-second. CPU time, not wall time, so other
 * processes on a busy machine do not count against us; the best run is the
 * figure, min and median show the spread.
 *   sm4_gcm          rp_aead_seal, SM4-GCM (RFC 8998), implementation chosen by cpuid
 *   openssl_sm4_ctr  EVP "SM4-CTR" (OpenSSL has no SM4-GCM): encryption only, no tag
 *   aes_gcm          rp_aead_seal, AES-256-GCM (EVP underneath, per-thread context)
 *   openssl_aes_gcm  EVP "AES-256-GCM" called directly with one context
 *   sm4_ctr          our SM4 CTR alone (no GHASH), for comparison with OpenSSL's
 *   data/mask_json   partial masking in place (scanner, every class) of a 64 KB JSON
 *                    array of citizen records, each with an ID and a mobile number
 * Prints a JSON object on stdout; --sm4-only measures just sm4_gcm (used to
 * time the fallbacks with RP_CPU_DISABLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "rampart/crypto.h"
#include "rampart/dataclass.h"

#define MSG (16 * 1024)

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef void (*work_fn)(void *ctx, uint8_t *buf, uint8_t *out);

typedef struct {
    double best, median, worst;
} figure_t;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static figure_t measure(work_fn fn, void *ctx, double seconds, int runs)
{
    static uint8_t buf[MSG], out[MSG + 16];
    for (size_t i = 0; i < MSG; i++)
        buf[i] = (uint8_t)(i * 131);
    double mbps[64];
    fn(ctx, buf, out); /* warm up: first-call set-up, caches */
    for (int r = 0; r < runs; r++) {
        long n = 0;
        double t0 = cpu_now(), t;
        do {
            for (int i = 0; i < 16; i++)
                fn(ctx, buf, out);
            n += 16;
            t = cpu_now() - t0;
        } while (t < seconds);
        mbps[r] = (double)n * MSG / t / 1e6;
    }
    qsort(mbps, (size_t)runs, sizeof(double), cmp_double);
    return (figure_t){mbps[runs - 1], mbps[runs / 2], mbps[0]};
}

static const uint8_t nonce[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t aad[16] = "rampart-bench-ad";

static void seal_ours(void *ctx, uint8_t *buf, uint8_t *out)
{
    rp_aead_seal(ctx, nonce, aad, sizeof(aad), buf, MSG, out, out + MSG);
}

static void sm4_ctr_ours(void *ctx, uint8_t *buf, uint8_t *out)
{
    uint8_t ctr[16] = {0};
    rp_sm4_ctr32(ctx, ctr, buf, out, MSG);
}

typedef struct {
    EVP_CIPHER_CTX *ctx;
    EVP_CIPHER *cipher;
    uint8_t key[32];
    int aead;
} evp_bench_t;

static void evp_run(void *p, uint8_t *buf, uint8_t *out)
{
    evp_bench_t *b = p;
    int n = 0, m = 0;
    if (EVP_EncryptInit_ex2(b->ctx, b->cipher, b->key, b->aead ? nonce : (const uint8_t *)aad,
                            NULL) != 1 ||
        (b->aead && EVP_EncryptUpdate(b->ctx, NULL, &n, aad, sizeof(aad)) != 1) ||
        EVP_EncryptUpdate(b->ctx, out, &n, buf, MSG) != 1 ||
        EVP_EncryptFinal_ex(b->ctx, out + n, &m) != 1 ||
        (b->aead && EVP_CIPHER_CTX_ctrl(b->ctx, EVP_CTRL_GCM_GET_TAG, 16, out + MSG) != 1)) {
        fprintf(stderr, "crypto_bench: OpenSSL failed\n");
        exit(1);
    }
}

/* A 64 KB JSON array of records, each with an ID and a mobile number (the
 * body of the masking workload), and a copy to mask per iteration. */
#define JSON_BYTES (64 * 1024)
static char json_doc[JSON_BYTES], json_work[JSON_BYTES];
static size_t json_len;

static void make_json(void)
{
    size_t n = 0;
    json_doc[n++] = '[';
    for (unsigned i = 0; n + 160 < JSON_BYTES; i++) {
        char id[19];
        snprintf(id, sizeof(id), "1101051990%02u%02u%03u", 1 + i % 12, 1 + i % 28, i % 1000);
        id[17] = rp_resident_id_check_char(id);
        id[18] = 0;
        n += (size_t)snprintf(json_doc + n, JSON_BYTES - n,
                              "%s{\"name\":\"张三%u\",\"id\":\"%s\",\"phone\":\"138%08u\","
                              "\"city\":\"北京\"}",
                              i ? "," : "", i, id, i * 7919 % 100000000);
    }
    json_doc[n++] = ']';
    json_len = n;
}

static void mask_json(void *ctx, uint8_t *buf, uint8_t *out)
{
    memcpy(json_work, json_doc, json_len);
    size_t masked = rp_data_mask_partial_inplace(json_work, json_len, RP_DC_ALL);
    *(size_t *)ctx += masked;
}

static void print_figure(const char *name, figure_t f, const char *sep)
{
    printf("  \"crypto/%s_mbps\": %.0f,\n  \"crypto/%s_mbps_median\": %.0f,\n"
           "  \"crypto/%s_mbps_min\": %.0f%s\n",
           name, f.best, name, f.median, name, f.worst, sep);
}

int main(int argc, char **argv)
{
    double seconds = 0.5;
    int runs = 7, sm4_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--sm4-only") == 0)
            sm4_only = 1;
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--runs N] [--sm4-only]\n", argv[0]);
            return 2;
        }
    }
    if (runs < 1 || runs > 64 || seconds <= 0) {
        fprintf(stderr, "crypto_bench: --runs 1..64, --seconds > 0\n");
        return 2;
    }
    uint8_t raw[32];
    for (int i = 0; i < 32; i++)
        raw[i] = (uint8_t)(i * 7 + 1);
    static rp_aead_key_t sm4, aes;
    rp_aead_key_init(&sm4, RP_AEAD_SM4_GCM, raw, 16);
    rp_aead_key_init(&aes, RP_AEAD_AES_256_GCM, raw, 32);

    figure_t sm4_gcm = measure(seal_ours, &sm4, seconds, runs);
    printf("{\n  \"crypto/sm4_impl\": \"%s\",\n", rp_sm4_impl_name());
    if (sm4_only) {
        print_figure("sm4_gcm", sm4_gcm, "\n}");
        return 0;
    }
    print_figure("sm4_gcm", sm4_gcm, ",");
    print_figure("sm4_ctr", measure(sm4_ctr_ours, &sm4.k.sm4, seconds, runs), ",");

    evp_bench_t ossl_sm4 = {EVP_CIPHER_CTX_new(), EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL), {0}, 0};
    evp_bench_t ossl_aes = {
        EVP_CIPHER_CTX_new(), EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL), {0}, 1};
    if (!ossl_sm4.ctx || !ossl_sm4.cipher || !ossl_aes.ctx || !ossl_aes.cipher) {
        fprintf(stderr, "crypto_bench: OpenSSL lacks SM4-CTR or AES-256-GCM\n");
        return 1;
    }
    memcpy(ossl_sm4.key, raw, 32);
    memcpy(ossl_aes.key, raw, 32);
    figure_t o_sm4 = measure(evp_run, &ossl_sm4, seconds, runs);
    print_figure("openssl_sm4_ctr", o_sm4, ",");
    figure_t aes_gcm = measure(seal_ours, &aes, seconds, runs);
    print_figure("aes_gcm", aes_gcm, ",");
    figure_t o_aes = measure(evp_run, &ossl_aes, seconds, runs);
    print_figure("openssl_aes_gcm", o_aes, ",");
    /* masking: MB/s of JSON, so the figure scales from 16 KB to 64 KB */
    make_json();
    size_t masked = 0;
    figure_t mask = measure(mask_json, &masked, seconds, runs);
    double scale = (double)json_len / MSG;
    mask.best *= scale;
    mask.median *= scale;
    mask.worst *= scale;
    printf("  \"data/mask_json_mbps\": %.0f,\n  \"data/mask_json_mbps_median\": %.0f,\n"
           "  \"data/mask_json_mbps_min\": %.0f,\n",
           mask.best, mask.median, mask.worst);
    printf("  \"crypto/sm4_gcm_vs_openssl_sm4_ctr\": %.2f,\n", sm4_gcm.best / o_sm4.best);
    printf("  \"crypto/aes_gcm_vs_openssl\": %.3f,\n", aes_gcm.best / o_aes.best);
    printf("  \"crypto/message_bytes\": %d,\n  \"crypto/runs\": %d\n}\n", MSG, runs);
    EVP_CIPHER_CTX_free(ossl_sm4.ctx);
    EVP_CIPHER_CTX_free(ossl_aes.ctx);
    EVP_CIPHER_free(ossl_sm4.cipher);
    EVP_CIPHER_free(ossl_aes.cipher);
    return 0;
}
