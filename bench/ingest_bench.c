/*
 * ingest_bench.c — rampartd's event ingestion throughput into the store.
 *
 *   ingest_bench [--events N] [--dir DIR] [--sync full|normal] [--batch N]
 *                [--store sqlite|postgres --dsn CONNINFO] [--bulk N]
 *
 * Writes N realistic gateway events (the shape src/engine/event.c emits:
 * 5 applications, 20,000 client addresses (10.0.0.1 to 10.0.79.250), attacks with 1-3 matches of
 * Rampart detectors and CRS rules) to DIR/events.jsonl, then runs the
 * pipeline rampartd runs — the file tailer, the bounded queue, the writer
 * committing batches with their file checkpoint — against a fresh store in
 * DIR, and reports events per second from the first event read to the last
 * one committed. Then times the queries the console makes over the stored
 * events. One JSON object on stdout; progress on stderr.
 *
 * --store postgres stores into the PostgreSQL named by --dsn (a libpq
 * connection string) instead of DIR/rampart.db. --bulk N skips the file
 * and the pipeline: it loads N events of the same shape, spread over the
 * last 7 days, straight through the store's writer in batches of 50,000
 * (the fast bulk load), then times the top-10 client addresses over all
 * of them through the store interface, as the console asks for it.
 * --pg-pid (the postmaster's pid) adds the server's CPU time per event.
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

/* One event line (with its newline) for event number i at time ts_ms. */
static int format_event(char *out, size_t size, long i, int64_t ts_ms)
{
    char when[TIME_RFC3339_MAX];
    time_format_rfc3339(ts_ms, when);
    uint64_t r = next_random();
    const char *app = apps[r % 5];
    const char *path_s = paths[(r >> 8) % 12];
    unsigned client = (unsigned)((r >> 16) % 20000);
    int nm = 1 + (int)((r >> 32) % 3);
    int a0 = (int)((r >> 40) % 9);
    const char *action = (r >> 48) % 10 < 7 ? "block" : ((r >> 48) % 10 < 9 ? "detect" : "log");
    size_t o = (size_t)snprintf(
        out, size,
        "{\"time\":\"%s\",\"request_id\":\"%016" PRIx64 "%016" PRIx64 "\",\"client\":"
        "\"10.%u.%u.%u\",\"host\":\"%s.gov.example\",\"method\":\"%s\",\"uri\":"
        "\"%s?id=%ld&q=test%%27%%20or%%201%%3D1\",\"app\":\"%s\",\"action\":\"%s\","
        "\"status\":%d,\"category\":\"%s\",\"score\":%d,\"matches\":[",
        when, next_random(), next_random(), client / 62500, client / 250 % 250, client % 250 + 1,
        app, (r >> 56) % 4 ? "GET" : "POST", path_s, i, app, action,
        strcmp(action, "block") == 0 ? 403 : 200, attacks[a0].category, 5 * nm);
    for (int m = 0; m < nm && o < size; m++) {
        int a = (a0 + m * 4) % 9;
        o += (size_t)snprintf(out + o, size - o,
                              "%s{\"detector\":\"%s\",\"category\":\"%s\",\"target\":\"query:q\","
                              "\"detail\":\"s&sos\",\"excerpt\":\"%s\",\"score\":5",
                              m ? "," : "", attacks[a].detector, attacks[a].category,
                              attacks[a].excerpt);
        if (attacks[a].rule && o < size)
            o += (size_t)snprintf(out + o, size - o,
                                  ",\"rule_id\":\"%s\",\"msg\":\"OWASP CRS rule\",\"severity\":2",
                                  attacks[a].rule);
        if (o < size)
            out[o++] = '}';
    }
    if (o < size)
        o += (size_t)snprintf(out + o, size - o,
                              "],\"policy_version\":\"default-2\",\"mode\":\"block\"}\n");
    return o < size ? (int)o : -1;
}

static int write_events(const char *path, long n, int64_t start_ms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char line[4096];
    for (long i = 0; i < n; i++) {
        int len = format_event(line, sizeof(line), i, start_ms + i * 3);
        if (len < 0 || fwrite(line, 1, (size_t)len, f) != (size_t)len) {
            fclose(f);
            return -1;
        }
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

/* utime, stime, cutime, cstime and the parent of a process, in seconds. */
static int proc_times(const char *pid, double t[4], long *ppid)
{
    char path[300], stat[1024];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    char *p = strrchr(stat, ')');
    unsigned long long ut, st;
    long long cut, cst;
    if (!p || sscanf(p + 2, "%*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu %lld %lld", ppid,
                     &ut, &st, &cut, &cst) != 5)
        return -1;
    double hz = (double)sysconf(_SC_CLK_TCK);
    t[0] = (double)ut / hz;
    t[1] = (double)st / hz;
    t[2] = (double)cut / hz;
    t[3] = (double)cst / hz;
    return 0;
}

/* CPU seconds used so far by the PostgreSQL server whose postmaster is
 * pid: its processes alive now, and those that ended (the postmaster's
 * children totals). 0 without a pid. */
static double server_cpu(long pid)
{
    if (pid <= 0)
        return 0;
    char self[24];
    snprintf(self, sizeof(self), "%ld", pid);
    double t[4];
    long ppid;
    if (proc_times(self, t, &ppid))
        return 0;
    double total = t[0] + t[1] + t[2] + t[3];
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (proc_times(e->d_name, t, &ppid) == 0 && ppid == pid)
            total += t[0] + t[1];
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* --bulk: n events through the store's writer, then the top-10 clients
 * over all of them, timed RUNS times. */
#define BULK_BATCH 50000
#define TOP_RUNS   5

static int bulk(store_t *s, long n)
{
    store_writer_t *w = s->ops->writer_open(s);
    if (!w)
        return 1;
    int64_t now = time_now_ms(), span = 7 * 86400000LL, start = now - span;
    char line[4096];
    int64_t t0 = time_mono_ns();
    for (long i = 0; i < n;) {
        long end = i + BULK_BATCH < n ? i + BULK_BATCH : n;
        if (s->ops->writer_begin(w) != STORE_OK)
            return 1;
        for (; i < end; i++) {
            int len = format_event(line, sizeof(line), i,
                                   start + (int64_t)((double)span * (double)i / (double)n));
            event_t ev;
            reject_reason_t why;
            char detail[128];
            if (len < 0 || event_parse(line, (size_t)len - 1, &ev, &why, detail, sizeof(detail))) {
                fprintf(stderr, "ingest_bench: generated event refused\n");
                return 1;
            }
            int rc = s->ops->writer_insert(w, &ev, "bench", now);
            event_clear(&ev);
            if (rc != STORE_OK)
                return 1;
        }
        if (s->ops->writer_commit(w) != STORE_OK)
            return 1;
        if (i % 1000000 == 0)
            fprintf(stderr, "ingest_bench: %ld loaded (%.0f/s)\n", i,
                    (double)i / seconds_since(t0));
    }
    double load_s = seconds_since(t0);
    s->ops->writer_close(w);
    int64_t a0 = time_mono_ns();
    s->ops->optimize(s); /* the housekeeping pass: fresh planner statistics */
    double optimize_s = seconds_since(a0);
    store_filter_t f = {.from = 0, .to = INT64_MAX, .limit = 100};
    int64_t total = 0;
    s->ops->events_count(s, &f, &total);
    double runs[TOP_RUNS];
    for (int r = 0; r < TOP_RUNS; r++) {
        int tops = 0;
        int64_t q0 = time_mono_ns();
        if (s->ops->events_top(s, &f, STORE_TOP_CLIENT, 10, count_cb, &tops) != STORE_OK ||
            tops != 10)
            return 1;
        runs[r] = seconds_since(q0);
    }
    double first = runs[0];
    qsort(runs, TOP_RUNS, sizeof(runs[0]), cmp_double);
    /* the last 7 days up to now, as the console asks: whole days from the
     * per-day counts where the store keeps them, the partial first and
     * last days from the events */
    store_filter_t week = {.from = time_now_ms() - span, .to = time_now_ms(), .limit = 100};
    double week_runs[TOP_RUNS];
    for (int r = 0; r < TOP_RUNS; r++) {
        int tops = 0;
        int64_t q0 = time_mono_ns();
        if (s->ops->events_top(s, &week, STORE_TOP_CLIENT, 10, count_cb, &tops) != STORE_OK ||
            tops != 10)
            return 1;
        week_runs[r] = seconds_since(q0);
    }
    qsort(week_runs, TOP_RUNS, sizeof(week_runs[0]), cmp_double);
    printf("{\"bulk_events\":%ld,\"stored\":%lld,\"load_seconds\":%.1f,\"load_eps\":%.0f,"
           "\"optimize_seconds\":%.1f,\"top10_clients_first_ms\":%.0f,"
           "\"top10_clients_median_ms\":%.0f,\"top10_clients_best_ms\":%.0f,"
           "\"top10_clients_7d_median_ms\":%.0f}\n",
           n, (long long)total, load_s, (double)n / load_s, optimize_s, first * 1e3,
           runs[TOP_RUNS / 2] * 1e3, runs[0] * 1e3, week_runs[TOP_RUNS / 2] * 1e3);
    return 0;
}

int main(int argc, char **argv)
{
    long n = 500000, bulk_n = 0;
    const char *dir = "/tmp/rampart-ingest-bench";
    const char *sync = "full";
    const char *backend = "sqlite", *dsn = NULL;
    long pg_pid = 0;
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
        else if (strcmp(argv[i], "--store") == 0)
            backend = argv[i + 1];
        else if (strcmp(argv[i], "--dsn") == 0)
            dsn = argv[i + 1];
        else if (strcmp(argv[i], "--bulk") == 0)
            bulk_n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--pg-pid") == 0)
            pg_pid = atol(argv[i + 1]);
        else {
            fprintf(stderr, "usage: ingest_bench [--events N] [--dir DIR] [--sync full|normal] "
                            "[--batch N] [--store sqlite|postgres --dsn CONNINFO [--pg-pid PID]] "
                            "[--bulk N]\n");
            return 2;
        }
    }
    if (bulk_n > 0) {
        log_set_level(LOG_LEVEL_WARN);
        mkdir(dir, 0700);
        store_options_t bopt = {
            .backend = backend, .data_dir = dir, .conninfo = dsn, .connections = 2};
        rp_error_t berr;
        store_t *s = store_open(&bopt, &berr);
        if (!s) {
            fprintf(stderr, "ingest_bench: store: %s\n", berr.reason);
            return 1;
        }
        int rc = bulk(s, bulk_n);
        store_close(s);
        return rc;
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
    store_options_t opt = {.backend = backend,
                           .data_dir = dir,
                           .conninfo = dsn,
                           .synchronous_full = cfg->sqlite_synchronous_full,
                           .connections = 4};
    if (ingest_queue_init(&ctl.queue, cfg->ingest_queue) || !(ctl.store = store_open(&opt, &err))) {
        fprintf(stderr, "ingest_bench: store: %s\n", err.reason);
        return 1;
    }
    atomic_store(&ctl.ready, 1);
    struct timespec cpu0, cpu1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
    double server0 = server_cpu(pg_pid);
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

    double server_s = server_cpu(pg_pid) - server0;
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
           "\"query_rule_page_s\":%.4f,\"store\":\"%s\",\"server_cpu_us_per_event\":%.2f}\n",
           n, (long long)st.st_size, took, eps, cpu, (double)n / cpu, writer_cpu * 1e6 / (double)n,
           tail_cpu * 1e6 / (double)n, checkpoint_cpu * 1e6 / (double)n, sync, batch,
           (uint64_t)atomic_load(&ctl.metrics.batches), list_s, top_clients_s, top_rules_s,
           rule_page_s, backend, server_s * 1e6 / (double)n);
    file_source_free(fs);
    store_close(ctl.store);
    ingest_queue_destroy(&ctl.queue);
    config_slot_clear(&ctl.config);
    return 0;
}
