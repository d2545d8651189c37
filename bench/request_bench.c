/*
 * request_bench.c — the bench's GET and POST requests (bench/get.lua,
 * bench/post.lua + bench/post.json, the same bytes wrk sends) through the
 * engine's whole transaction, N times each, for instruction counts.
 *
 *   request_bench POLICY POST_JSON [N]     (N defaults to 200)
 *
 * Each transaction is what the nginx module does for one request: new →
 * connection → request line, headers, body → request end → the upstream's
 * 200 response → event → free. Under callgrind started with
 * --instr-atstart=no --collect-atstart=no (loading CRS instrumented would
 * take many minutes), the harness switches instrumentation on after the
 * load and writes one dump per workload: OUT.1 the N GETs, OUT.2 the N
 * POSTs (valgrind's client requests; a no-op outside valgrind).
 * bench/crs-instructions.sh runs it and divides by N. Every transaction
 * must pass (the bench's requests are benign): a block or an error stops
 * the run, since counting the work of a rejected request measures nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(x)
#endif

#include "rampart/http.h"
#include "rampart/rampart.h"

static const char GET_REQUEST[] =
    "GET /search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2&sort=date&lang=zh-CN HTTP/1.1\r\n"
    "Host: zwfw.example.gov.cn\r\n"
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/"
    "*;q=0.8\r\n"
    "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN; "
    "_ga=GA1.3.1849203751.1714521600\r\n"
    "Referer: https://zwfw.example.gov.cn/index.html\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "\r\n";

static const char POST_HEAD[] =
    "POST /api/applications HTTP/1.1\r\n"
    "Host: zwfw.example.gov.cn\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Accept: application/json, text/plain, */*\r\n"
    "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n"
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36\r\n"
    "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN\r\n"
    "Referer: https://zwfw.example.gov.cn/apply\r\n"
    "Origin: https://zwfw.example.gov.cn\r\n";

#define RHDR(tx, n, v) rp_tx_response_header((tx), (n), sizeof(n) - 1, (v), strlen(v))

/* One transaction; returns 0 when it passed. */
static int run_one(rp_policy_t *policy, const rp_http_request_t *req)
{
    rp_tx_t *tx = rp_tx_new(policy);
    if (tx == NULL)
        return -1;
    rp_tx_set_mode(tx, RP_MODE_BLOCK);
    rp_status_t rc = rp_tx_connection(tx, "192.0.2.44", 10, 40000, "127.0.0.1", 9, 8080);
    if (rc == RP_OK)
        rc = rp_tx_run_request(tx, req);
    rp_tx_response_status(tx, 200);
    RHDR(tx, "Content-Type", "text/html; charset=utf-8");
    RHDR(tx, "Content-Length", "4222");
    rp_tx_response_headers_done(tx);
    const void *out = NULL;
    size_t out_len = 0;
    rp_tx_response_end(tx, &out, &out_len);
    size_t ev_len = 0;
    (void)rp_tx_event(tx, &ev_len);
    rp_tx_free(tx);
    return rc == RP_OK ? 0 : -1;
}

/* n transactions of r, counted by callgrind into their own dump. */
static int run_counted(rp_policy_t *p, const rp_http_request_t *r, long n, const char *label)
{
    int bad = 0;
    CALLGRIND_TOGGLE_COLLECT;
    for (long i = 0; i < n; i++)
        bad |= run_one(p, r);
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT(label);
    return bad;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    *len = n;
    return buf;
}

static int parse(const char *data, size_t len, rp_http_request_t *req, const char *what)
{
    rp_error_t err;
    memset(&err, 0, sizeof err);
    if (rp_http_parse_request(data, len, req, NULL, 0, &err) != RP_OK) {
        fprintf(stderr, "request_bench: the %s request does not parse: %s\n", what, err.reason);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: request_bench POLICY POST_JSON [N]\n");
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
    if (n <= 0)
        n = 200;
    size_t body_len = 0;
    char *body = read_file(argv[2], &body_len);
    if (body == NULL) {
        fprintf(stderr, "request_bench: cannot read %s\n", argv[2]);
        return 1;
    }
    size_t post_cap = sizeof POST_HEAD + 64 + body_len;
    char *post = malloc(post_cap);
    if (post == NULL)
        return 1;
    int head = snprintf(post, post_cap, "%sContent-Length: %zu\r\n\r\n", POST_HEAD, body_len);
    memcpy(post + head, body, body_len);
    size_t post_len = (size_t)head + body_len;

    rp_http_request_t get_req, post_req;
    if (parse(GET_REQUEST, sizeof GET_REQUEST - 1, &get_req, "GET") ||
        parse(post, post_len, &post_req, "POST"))
        return 1;

    rp_error_t err;
    memset(&err, 0, sizeof err);
    rp_policy_t *policy = rp_policy_load(argv[1], &err);
    if (policy == NULL) {
        fprintf(stderr, "request_bench: cannot load %s: %s:%u: %s\n", argv[1], err.file, err.line,
                err.reason);
        return 1;
    }
    CALLGRIND_START_INSTRUMENTATION;
    /* one of each first: lazily built per-thread state is not counted */
    int bad = run_one(policy, &get_req) | run_one(policy, &post_req);
    bad |= run_counted(policy, &get_req, n, "get");
    bad |= run_counted(policy, &post_req, n, "post");
    printf("request_bench: %ld GET and %ld POST transactions%s\n", n, n,
           bad ? ", SOME BLOCKED OR FAILED" : ", all passed");
    rp_policy_unref(policy);
    free(post);
    free(body);
    return bad ? 1 : 0;
}
