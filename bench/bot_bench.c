/*
 * bot_bench.c — the per-request cost of bot protection for a client that
 * holds a clearance: the binding (SHA-256 of address prefix and
 * User-Agent) plus the clearance's HMAC-SHA-256 check, alone and inside a
 * whole transaction (request line, five headers, verdict) compared with
 * the same transaction on a policy without bot rules.
 *
 *   bot_bench [REQUESTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rampart/rampart.h"

static const uint8_t KEY[] = "bench-key-bench-key-bench-key-bench-key!";
static const char *UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/120.0.0.0 Safari/537.36";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run_tx(rp_policy_t *p, const char *cookie, int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        rp_tx_t *tx = rp_tx_new(p);
        rp_tx_connection(tx, "198.51.100.7", 12, 4000, "127.0.0.1", 9, 80);
        rp_tx_request_line(tx, "GET", 3, "/portal/home?tab=1", 18, "HTTP/1.1", 8);
        rp_tx_request_header(tx, "Host", 4, "portal.example", 14);
        rp_tx_request_header(tx, "User-Agent", 10, UA, strlen(UA));
        rp_tx_request_header(tx, "Accept-Language", 15, "zh-CN,en", 8);
        rp_tx_request_header(tx, "Accept", 6, "text/html", 9);
        rp_tx_request_header(tx, "Cookie", 6, cookie, strlen(cookie));
        rp_tx_request_headers_done(tx);
        rp_tx_request_end(tx);
        if (rp_tx_verdict(tx)->action != RP_ACTION_ALLOW) {
            fprintf(stderr, "bot_bench: the clearance was refused\n");
            exit(1);
        }
        rp_tx_free(tx);
    }
    return (now_s() - t0) / n * 1e9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000000;
    rp_bot_binding_t b;
    char value[RP_BOT_TOKEN_MAX];
    rp_bot_binding("198.51.100.7", UA, &b);
    rp_bot_clearance_mint(KEY, sizeof(KEY) - 1, &b, (uint64_t)time(NULL) + 3600, 0, value);
    size_t vl = strlen(value);

    double t0 = now_s();
    unsigned ok = 0;
    for (int i = 0; i < n; i++) {
        rp_bot_binding("198.51.100.7", UA, &b);
        ok += rp_bot_clearance_verify(KEY, sizeof(KEY) - 1, &b, value, vl, 1, NULL) == RP_BOT_OK;
    }
    double check_ns = (now_s() - t0) / n * 1e9;
    if (ok != (unsigned)n)
        return 1;

    char key_path[64], text[256], cookie[256];
    snprintf(key_path, sizeof(key_path), "/tmp/rampart-bot-bench-%d.key", (int)getpid());
    FILE *f = fopen(key_path, "wb");
    if (!f)
        return 1;
    fwrite(KEY, 1, sizeof(KEY) - 1, f);
    fclose(f);
    chmod(key_path, 0600);
    snprintf(text, sizeof(text), "bot_key %s\nbot / challenge\n", key_path);
    rp_error_t err;
    rp_policy_t *bot = rp_policy_load_string(text, strlen(text), "bench.policy", &err);
    rp_policy_t *plain = rp_policy_load_string("", 0, "plain.policy", &err);
    unlink(key_path);
    if (!bot || !plain)
        return 1;
    snprintf(cookie, sizeof(cookie), "lang=zh; %s=%s", RP_BOT_COOKIE_NAME, value);
    int m = n / 5 ? n / 5 : 1;
    double plain_ns = run_tx(plain, cookie, m);
    double bot_ns = run_tx(bot, cookie, m);
    printf("clearance check (binding + HMAC verify): %.0f ns\n", check_ns);
    printf("transaction, no bot rules:               %.0f ns\n", plain_ns);
    printf("transaction, bot / challenge + clearance: %.0f ns (+%.0f ns)\n", bot_ns,
           bot_ns - plain_ns);
    rp_policy_unref(bot);
    rp_policy_unref(plain);
    return 0;
}
