/*
 * ingest_bench.c — rampartd's event ingestion throughput into the store.
 *
 *   ingest_bench [--events N] [--dir DIR] [--sync full|normal] [--batch N]
 *
 * Writes N realistic gateway events (the shape src/engine/event.c emits:
 * 5 applications, 20,000 client addresses, attacks with 1-3 matches of
 * Rampart detectors and CRS rules) to DIR/events.jsonl, then runs the
 * pipeline rampartd runs — the file tailer, the bounded queue, the writer
 * committing batches with their file checkpoint — against a fresh store in
 * DIR, and reports events per second from the first event read to the last
 * one committed. Then times the queries the console makes over the stored
 * events. One JSON object on stdout; progress on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ingest_writer.h"
#include "log.h"
#include "source_file.h"
#include "timefmt.h"

static const char *const apps[] = {"portal", "tax", "social-security", "housing", "health"};
static const char *const paths[] = {"/search",       "/login",          "/api/v1/apply",
                                    "/upload",       "/news/list",      "/user/profile",
                                    "/api/v1/query", "/static/app.js",  "/admin/config",
                                    "/download",     "/api/v2/records", "/index.php"};
static const struct {
    const char *category, *detector, *rule, *excerpt;
} attacks[] = {
    {"sqli", "sqli", NULL, "1' or '1'='1"},
    {"sqli", "seclang", "942100", "union select password from users"},
    {"xss", "xss", NULL, "<script>alert(1)</script>"},
    {"xss", "seclang", "941100", "<img src=x onerror=alert(1)>"},
    {"cmdi", "cmdi", NULL, ";cat /etc/passwd"},
    {"traversal", "traversal", NULL, "../../../../etc/shadow"},
    {"ssrf", "ssrf", NULL, "http://169.254.169.254/latest/meta-data"},
    {"protocol", "seclang", "920350", "Host header is a numeric IP"},
    {"scanner", "seclang", "913100", "sqlmap/1.7"},
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int write_events(const char *path, long n, int64_t start_ms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (long i = 0; i < n; i++) {
        char when[TIME_RFC3339_MAX];
        time_format_rfc3339(start_ms + i * 3, when);
        uint64_t r = next_random();
        const char *app = apps[r % 5];
        const char *path_s = paths[(r >> 8) % 12];
        unsigned client = (unsigned)((r >> 16) % 20000);
        int nm = 1 + (int)((r >> 32) % 3);
        int a0 = (int)((r >> 40) % 9);
        const char *action = (r >> 48) % 10 < 7 ? "block" : ((r >> 48) % 10 < 9 ? "detect" : "log");
        fprintf(f,
                "{\"time\":\"%s\",\"request_id\":\"%016" PRIx64 "%016" PRIx64 "\",\"client\":"
                "\"10.%u.%u.%u\",\"host\":\"%s.gov.example\",\"method\":\"%s\",\"uri\":"
                "\"%s?id=%ld&q=test%%27%%20or%%201%%3D1\",\"app\":\"%s\",\"action\":\"%s\","
                "\"status\":%d,\"category\":\"%s\",\"score\":%d,\"matches\":[",
                when, next_random(), next_random(), client / 256 % 256, client % 256,
                (unsigned)(r % 250) + 1, app, (r >> 56) % 4 ? "GET" : "POST", path_s, i, app,
                action, strcmp(action, "block") == 0 ? 403 : 200, attacks[a0].category, 5 * nm);
        for (int m = 0; m < nm; m++) {
            int a = (a0 + m * 4) % 9;
            fprintf(f,
                    "%s{\"detector\":\"%s\",\"category\":\"%s\",\"target\":\"query:q\","
                    "\"detail\":\"s&sos\",\"excerpt\":\"%s\",\"score\":5",
                    m ? "," : "", attacks[a].detector, attacks[a].category, attacks[a].excerpt);
            if (attacks[a].rule)
                fprintf(f, ",\"rule_id\":\"%s\",\"msg\":\"OWASP CRS rule\",\"severity\":2",
                        attacks[a].rule);
            fputc('}', f);
        }
        fprintf(f, "],\"policy_version\":\"default-2\",\"mode\":\"block\"}\n");
    }
    return fclose(f);
}

/* CPU seconds used so far by this process's threads named `name`
 * (/proc/self/task/TID/stat, utime + stime). */
static double thread_cpu(const char *name)
{
    double total = 0;
    long hz = sysconf(_SC_CLK_TCK);
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], comm[64] = "", stat[1024];
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof(comm), f))
            comm[0] = '\0';
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name) != 0)
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(stat, 1, sizeof(stat) - 1, f);
        fclose(f);
        stat[n] = '\0';
        /* fields after the ")" of comm: state is 3rd, utime 14th, stime 15th */
        char *p = strrchr(stat, ')');
        unsigned long long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &ut, &st) == 2)
            total += (double)(ut + st) / (double)hz;
    }
    if (d)
        closedir(d);
    return total;
}

static double seconds_since(int64_t t0)
{
    return (double)(time_mono_ns() - t0) / 1e9;
}

static int count_cb(void *ctx, const char *key, int64_t n)
{
    (void)key;
    (void)n;
    (*(int *)ctx)++;
    return 0;
}

static int row_cb(void *ctx, const store_event_row_t *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    long n = 500000;
    const char *dir = "/tmp/rampart-ingest-bench";
    const char *sync = "full";
    int batch = 10000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--events") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--sync") == 0)
            sync = argv[i + 1];
        else if (strcmp(argv[i], "--batch") == 0)
            batch = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: ingest_bench [--events N] [--dir DIR] [--sync full|normal] "
                            "[--batch N]\n");
            return 2;
        }
    }
    log_set_level(LOG_LEVEL_WARN);
    char path[1024], db[1024];
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/events.jsonl", dir);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(db, sizeof(db), "%s/rampart.db%s", dir, suffixes[i]);
        unlink(db);
    }
    fprintf(stderr, "ingest_bench: writing %ld events to %s\n", n, path);
    int64_t now = time_now_ms();
    if (write_events(path, n, now - n * 3)) {
        fprintf(stderr, "ingest_bench: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct stat st;
    stat(path, &st);

    static ctl_t ctl;
    ctl_config_t *cfg = config_defaults();
    cfg->ingest_batch = batch;
    cfg->sqlite_synchronous_full = strcmp(sync, "full") == 0;
    metrics_init(&ctl.metrics);
    config_slot_init(&ctl.config, cfg);
    rp_error_t err;
    store_options_t opt = {.backend = "sqlite",
                           .data_dir = dir,
                           .synchronous_full = cfg->sqlite_synchronous_full,
                           .connections = 4};
    if (ingest_queue_init(&ctl.queue, cfg->ingest_queue) || !(ctl.store = store_open(&opt, &err))) {
        fprintf(stderr, "ingest_bench: store: %s\n", err.reason);
        return 1;
    }
    atomic_store(&ctl.ready, 1);
    struct timespec cpu0, cpu1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
    int64_t t0 = time_mono_ns();
    ctl.writer = ingest_writer_start(&ctl, &err);
    file_source_t *fs = ctl.writer ? file_source_start(&ctl, path, &err) : NULL;
    if (!fs) {
        fprintf(stderr, "ingest_bench: %s\n", err.reason);
        return 1;
    }
    uint64_t last = 0;
    int64_t tick = time_mono_ns();
    while (atomic_load(&ctl.metrics.stored) < (uint64_t)n) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        if (time_mono_ns() - tick > 2000000000LL) {
            uint64_t s = atomic_load(&ctl.metrics.stored);
            fprintf(stderr, "ingest_bench: %" PRIu64 " stored (%.0f/s)\n", s,
                    (double)(s - last) / ((double)(time_mono_ns() - tick) / 1e9));
            last = s;
            tick = time_mono_ns();
        }
        if (atomic_load(&ctl.metrics.store_errors)) {
            fprintf(stderr, "ingest_bench: store errors\n");
            return 1;
        }
    }
    double took = seconds_since(t0);
    double eps = (double)n / took;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
    double cpu = (double)(cpu1.tv_sec - cpu0.tv_sec) + (double)(cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;

    double writer_cpu = thread_cpu("rp-writer");
    double tail_cpu = thread_cpu("rp-tail");
    double checkpoint_cpu = thread_cpu("rp-checkpoint");
    file_source_stop(fs);
    atomic_store(&ctl.ready, 0);
    ingest_queue_close(&ctl.queue);
    ingest_writer_join(ctl.writer);

    /* The console's queries over what was stored. */
    store_filter_t f = {.from = 0, .to = INT64_MAX, .limit = 100};
    int rows = 0;
    int64_t q0 = time_mono_ns();
    ctl.store->ops->events_query(ctl.store, &f, row_cb, &rows);
    double list_s = seconds_since(q0);
    int tops = 0;
    q0 = time_mono_ns();
    ctl.store->ops->events_top(ctl.store, &f, STORE_TOP_CLIENT, 10, count_cb, &tops);
    double top_clients_s = seconds_since(q0);
    q0 = time_mono_ns();
    ctl.store->ops->events_top(ctl.store, &f, STORE_TOP_RULE, 10, count_cb, &tops);
    double top_rules_s = seconds_since(q0);
    store_filter_t fr = {.from = 0, .to = INT64_MAX, .limit = 100, .rule = "942100"};
    rows = 0;
    q0 = time_mono_ns();
    ctl.store->ops->events_query(ctl.store, &fr, row_cb, &rows);
    double rule_page_s = seconds_since(q0);

    printf("{\"events\":%ld,\"bytes\":%lld,\"seconds\":%.3f,\"events_per_second\":%.0f,"
           "\"cpu_seconds\":%.3f,\"events_per_cpu_second\":%.0f,\"writer_cpu_us_per_event\":%.2f,"
           "\"tail_cpu_us_per_event\":%.2f,\"checkpoint_cpu_us_per_event\":%.2f,\"synchronous\":\"%"
           "s\",\"batch\":%"
           "d,\"batches\":%" PRIu64 ","
           "\"query_page_s\":%.4f,\"query_top_clients_s\":%.4f,\"query_top_rules_s\":%.4f,"
           "\"query_rule_page_s\":%.4f}\n",
           n, (long long)st.st_size, took, eps, cpu, (double)n / cpu, writer_cpu * 1e6 / (double)n,
           tail_cpu * 1e6 / (double)n, checkpoint_cpu * 1e6 / (double)n, sync, batch,
           (uint64_t)atomic_load(&ctl.metrics.batches), list_s, top_clients_s, top_rules_s,
           rule_page_s);
    file_source_free(fs);
    store_close(ctl.store);
    ingest_queue_destroy(&ctl.queue);
    config_slot_clear(&ctl.config);
    return 0;
}
