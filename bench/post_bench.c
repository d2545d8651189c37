/*
 * post_bench.c — the engine alone on make bench's POST: N transactions of
 * one JSON document through the same calls the nginx module makes for a
 * POST (connection → request line → headers → body → end → response → event
 * → free), with the headers of bench/post.lua.
 *
 *   post_bench POLICY BODY_FILE [N]          (N defaults to 1000)
 *
 * Meant for callgrind: instructions per request are
 *   (Ir of N transactions − Ir of 0 transactions) ÷ N
 * (`valgrind --tool=callgrind build/post_bench policies/detectors.policy
 * bench/post.json 1000`, and once more with 0), and callgrind_annotate shows
 * where they go. Prints how many transactions were blocked: a benign body
 * must give 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/rampart.h"

#define HDR(tx, n, v) rp_tx_request_header((tx), (n), sizeof(n) - 1, (v), strlen(v))

static const char UA[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s POLICY BODY_FILE [N]\n", argv[0]);
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;
    static char body[1 << 20];
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t blen = fread(body, 1, sizeof(body), f);
    fclose(f);
    rp_error_t err;
    rp_policy_t *p = rp_policy_load(argv[1], &err);
    if (!p) {
        fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.reason);
        return 1;
    }
    char cl[32];
    snprintf(cl, sizeof(cl), "%zu", blen);
    long blocked = 0;
    for (long i = 0; i < n; i++) {
        rp_tx_t *tx = rp_tx_new(p);
        if (!tx)
            return 1;
        rp_tx_set_mode(tx, RP_MODE_BLOCK);
        rp_tx_connection(tx, "127.0.0.1", 9, 40000, "127.0.0.1", 9, 8080);
        rp_tx_request_line(tx, "POST", 4, "/api/applications", 17, "HTTP/1.1", 8);
        HDR(tx, "Content-Type", "application/json; charset=utf-8");
        HDR(tx, "Accept", "application/json, text/plain, */*");
        HDR(tx, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8");
        HDR(tx, "Host", "zwfw.example.gov.cn");
        HDR(tx, "User-Agent", UA);
        HDR(tx, "Cookie", "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN");
        HDR(tx, "Referer", "https://zwfw.example.gov.cn/apply");
        HDR(tx, "Origin", "https://zwfw.example.gov.cn");
        HDR(tx, "Content-Length", cl);
        rp_status_t st = rp_tx_request_headers_done(tx);
        if (st == RP_OK)
            st = rp_tx_request_body(tx, body, blen);
        if (st == RP_OK)
            st = rp_tx_request_end(tx);
        blocked += st == RP_BLOCK;
        rp_tx_response_status(tx, st == RP_BLOCK ? 403 : 200);
        rp_tx_response_headers_done(tx);
        const void *out;
        size_t out_len, ev_len;
        rp_tx_response_end(tx, &out, &out_len);
        rp_tx_event(tx, &ev_len);
        rp_tx_free(tx);
    }
    printf("post_bench: %ld transactions, %ld blocked\n", n, blocked);
    rp_policy_unref(p);
    return 0;
}
