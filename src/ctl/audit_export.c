/*
 * audit_export.c — the syslog and webhook delivery threads (see
 * audit_export.h).
 */
#include "audit_export.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_log.h"
#include "audit_syslog.h"
#include "audit_transport.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define BATCH_MAX        200
#define CONNECT_MS       5000
#define RESPONSE_MS      10000
#define ALIVE_CHECK_MS   20
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS   5000
#define SECRET_MIN       16
#define SECRET_MAX       1024

typedef struct {
    struct audit_export *x;
    const char *name; /* "syslog", "webhook": the cursor's and the metrics' label */
    audit_dest_t dest;
    char ca_file[CONFIG_PATH_MAX];
    unsigned char secret[SECRET_MAX];
    size_t secret_len;
    pthread_t thread;
    int running;
    audit_conn_t *conn; /* syslog keeps its connection */
    strbuf_t batch;     /* the framed messages or the JSON body */
    int64_t batch_last; /* seq of the last record in batch */
    int64_t batch_count;
    _Atomic int64_t cursor;
    _Atomic uint64_t sent, failures;
    _Atomic int connected;
} dest_t;

struct audit_export {
    ctl_t *ctl;
    dest_t dests[2];
    int n_dests;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    char hostname[256];
};

/* Sleeps up to ms unless stopping; returns whether stopping. */
static int pause_ms(audit_export_t *x, int ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&x->lock);
    int rc = 0;
    while (!x->stop && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&x->wake, &x->lock, &deadline);
    int stop = x->stop;
    pthread_mutex_unlock(&x->lock);
    return stop;
}

static int stopping(audit_export_t *x)
{
    pthread_mutex_lock(&x->lock);
    int stop = x->stop;
    pthread_mutex_unlock(&x->lock);
    return stop;
}

typedef struct {
    dest_t *d;
    json_t *records; /* webhook */
} batch_ctx_t;

static int add_to_batch(void *ctx, const store_audit_row_t *row)
{
    batch_ctx_t *b = ctx;
    dest_t *d = b->d;
    if (b->records)
        json_array_append_new(b->records, audit_row_json(row));
    else
        audit_syslog_frame(row, d->x->hostname, (int)getpid(), &d->batch);
    d->batch_last = row->seq;
    d->batch_count++;
    return 0;
}

/* Reads the records after the cursor into d->batch. 0 (maybe none), -1. */
static int load_batch(dest_t *d)
{
    strbuf_free(&d->batch);
    strbuf_init(&d->batch, 0);
    d->batch_count = 0;
    batch_ctx_t b = {d, d->dest.scheme == AUDIT_DEST_HTTP || d->dest.scheme == AUDIT_DEST_HTTPS
                            ? json_array()
                            : NULL};
    store_audit_filter_t f = {
        .after_seq = atomic_load(&d->cursor), .ascending = 1, .limit = BATCH_MAX};
    store_t *s = d->x->ctl->store;
    int rc = s->ops->audit_query(s, &f, add_to_batch, &b);
    if (b.records) {
        json_t *body = json_pack("{s:o}", "records", b.records);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (text)
            strbuf_puts(&d->batch, text);
        else
            d->batch.failed = 1;
        free(text);
    }
    return rc == STORE_OK && !d->batch.failed ? 0 : -1;
}

static int deliver_syslog(dest_t *d, char *why, size_t why_size)
{
    if (d->conn && !audit_conn_alive(d->conn, 0)) {
        audit_conn_close(d->conn);
        d->conn = NULL;
    }
    if (!d->conn && !(d->conn = audit_conn_open(&d->dest, d->ca_file, CONNECT_MS, why, why_size)))
        return -1;
    atomic_store(&d->connected, 1);
    /* Taken only if the receiver is still there once the bytes are out:
     * a receiver that closed or reset in the meantime gets them again. */
    if (audit_conn_write(d->conn, d->batch.data, d->batch.len) == 0 &&
        audit_conn_alive(d->conn, ALIVE_CHECK_MS))
        return 0;
    snprintf(why, why_size, "the connection to %s:%u broke", d->dest.host, d->dest.port);
    audit_conn_close(d->conn);
    d->conn = NULL;
    atomic_store(&d->connected, 0);
    return -1;
}

static int deliver_webhook(dest_t *d, char *why, size_t why_size)
{
    audit_conn_t *c = audit_conn_open(&d->dest, d->ca_file, CONNECT_MS, why, why_size);
    if (!c)
        return -1;
    /* X-Rampart-Signature: t=UNIX,sha256=HEX(HMAC-SHA-256(key, "UNIX." body)) */
    char ts[24], hex[2 * SECRET_SHA256_LEN + 1];
    snprintf(ts, sizeof(ts), "%lld", (long long)(time_now_ms() / 1000));
    strbuf_t signed_text;
    strbuf_init(&signed_text, 0);
    strbuf_printf(&signed_text, "%s.", ts);
    strbuf_append(&signed_text, d->batch.data, d->batch.len);
    unsigned char mac[SECRET_SHA256_LEN];
    secret_hmac_sha256(d->secret, d->secret_len, signed_text.data, signed_text.len, mac);
    strbuf_free(&signed_text);
    audit_hex(mac, sizeof(mac), hex);
    strbuf_t req;
    strbuf_init(&req, 0);
    strbuf_printf(&req,
                  "POST %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: rampartd\r\n"
                  "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                  "X-Rampart-Signature: t=%s,sha256=%s\r\n"
                  "X-Rampart-Audit-Seq: %" PRId64 "-%" PRId64 "\r\nConnection: close\r\n\r\n",
                  d->dest.path, d->dest.host, d->dest.port, d->batch.len, ts, hex,
                  d->batch_last - d->batch_count + 1, d->batch_last);
    strbuf_append(&req, d->batch.data, d->batch.len);
    int rc = -1;
    if (!req.failed && audit_conn_write(c, req.data, req.len) == 0) {
        char head[256];
        size_t got = 0;
        while (got < sizeof(head) && !memchr(head, '\n', got)) {
            long n = audit_conn_read(c, head + got, sizeof(head) - got, RESPONSE_MS);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        int status = audit_http_status(head, got);
        if (status >= 200 && status < 300)
            rc = 0;
        else if (status > 0)
            snprintf(why, why_size, "the webhook answered %d", status);
        else
            snprintf(why, why_size, "no HTTP answer from the webhook");
    } else {
        snprintf(why, why_size, "cannot send to the webhook");
    }
    strbuf_free(&req);
    audit_conn_close(c);
    atomic_store(&d->connected, rc == 0);
    return rc;
}

static void *dest_main(void *arg)
{
    dest_t *d = arg;
    audit_export_t *x = d->x;
    store_t *s = x->ctl->store;
    char thread_name[16];
    snprintf(thread_name, sizeof(thread_name), "rp-audit-%.6s", d->name);
    pthread_setname_np(pthread_self(), thread_name);
    int64_t cursor = 0;
    int backoff = 0;
    while (s->ops->audit_cursor_get(s, d->name, &cursor) == STORE_ERROR)
        if (pause_ms(x, BACKOFF_MAX_MS))
            return NULL;
    atomic_store(&d->cursor, cursor);
    int last_pass = 0;
    for (;;) {
        int stop = stopping(x);
        if (stop && last_pass)
            break;
        last_pass = stop;
        int64_t newest = audit_log_wait(x->ctl->audit, atomic_load(&d->cursor), stop ? 0 : 1000);
        if (newest <= atomic_load(&d->cursor))
            continue;
        char why[300] = "";
        int rc = load_batch(d);
        if (rc == 0 && d->batch_count == 0)
            continue; /* the newest records are past retention or not yet visible */
        if (rc == 0)
            rc = d->dest.scheme == AUDIT_DEST_TCP || d->dest.scheme == AUDIT_DEST_TLS
                     ? deliver_syslog(d, why, sizeof(why))
                     : deliver_webhook(d, why, sizeof(why));
        else
            snprintf(why, sizeof(why), "cannot read the audit log");
        if (rc == 0) {
            atomic_store(&d->cursor, d->batch_last);
            atomic_fetch_add(&d->sent, (uint64_t)d->batch_count);
            if (s->ops->audit_cursor_set(s, d->name, d->batch_last) != STORE_OK)
                log_kv(LOG_LEVEL_WARN, "audit export: cursor not saved", "destination", d->name,
                       NULL);
            if (backoff)
                log_kv(LOG_LEVEL_INFO, "audit export: delivering again", "destination", d->name,
                       NULL);
            backoff = 0;
            continue;
        }
        atomic_fetch_add(&d->failures, 1);
        atomic_store(&d->connected, 0);
        backoff = backoff ? (backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2)
                          : BACKOFF_FIRST_MS;
        if (backoff == BACKOFF_FIRST_MS || backoff == BACKOFF_MAX_MS)
            log_kv(LOG_LEVEL_WARN, "audit export: delivery failed; retrying", "destination",
                   d->name, "error", why, "retry_ms", LOG_INT(backoff), NULL);
        if (!stop && pause_ms(x, backoff))
            last_pass = 1;
    }
    audit_conn_close(d->conn);
    d->conn = NULL;
    strbuf_free(&d->batch);
    return NULL;
}

static int read_secret(dest_t *d, const char *path, rp_error_t *err)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err->reason, sizeof(err->reason), "audit_webhook_secret_file %s: %s", path,
                 strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if (st.st_mode & 077) {
        fclose(f);
        snprintf(err->reason, sizeof(err->reason),
                 "audit_webhook_secret_file %s is readable by others; it must be 0600", path);
        return -1;
    }
    size_t n = fread(d->secret, 1, sizeof(d->secret), f);
    fclose(f);
    while (n && (d->secret[n - 1] == '\n' || d->secret[n - 1] == '\r' || d->secret[n - 1] == ' '))
        n--;
    if (n < SECRET_MIN || n == sizeof(d->secret)) {
        secret_wipe(d->secret, sizeof(d->secret));
        snprintf(err->reason, sizeof(err->reason),
                 "audit_webhook_secret_file %s: the key must be 16 to 1023 bytes", path);
        return -1;
    }
    d->secret_len = n;
    return 0;
}

static int add_dest(audit_export_t *x, const char *name, const char *url, int webhook,
                    const char *ca, rp_error_t *err)
{
    dest_t *d = &x->dests[x->n_dests];
    char why[300];
    if (audit_dest_parse(url, webhook, &d->dest, why, sizeof(why))) {
        snprintf(err->reason, sizeof(err->reason), "%s: %s", name, why);
        return -1;
    }
    d->x = x;
    d->name = name;
    snprintf(d->ca_file, sizeof(d->ca_file), "%s", ca);
    strbuf_init(&d->batch, 0);
    x->n_dests++;
    return 0;
}

audit_export_t *audit_export_start(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    audit_export_t *x = calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    x->ctl = ctl;
    pthread_mutex_init(&x->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&x->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (gethostname(x->hostname, sizeof(x->hostname) - 1) != 0)
        snprintf(x->hostname, sizeof(x->hostname), "-");
    if ((cfg->audit_syslog[0] &&
         add_dest(x, "syslog", cfg->audit_syslog, 0, cfg->audit_syslog_ca, err)) ||
        (cfg->audit_webhook[0] &&
         (add_dest(x, "webhook", cfg->audit_webhook, 1, cfg->audit_webhook_ca, err) ||
          read_secret(&x->dests[x->n_dests - 1], cfg->audit_webhook_secret_file, err)))) {
        audit_export_stop(x);
        return NULL;
    }
    for (int i = 0; i < x->n_dests; i++) {
        if (pthread_create(&x->dests[i].thread, NULL, dest_main, &x->dests[i]) != 0) {
            snprintf(err->reason, sizeof(err->reason), "cannot start the audit export thread");
            audit_export_stop(x);
            return NULL;
        }
        x->dests[i].running = 1;
    }
    return x;
}

void audit_export_stop(audit_export_t *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->lock);
    x->stop = 1;
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->lock);
    for (int i = 0; i < x->n_dests; i++) {
        if (x->dests[i].running)
            pthread_join(x->dests[i].thread, NULL);
        strbuf_free(&x->dests[i].batch);
        secret_wipe(x->dests[i].secret, sizeof(x->dests[i].secret));
    }
    pthread_mutex_destroy(&x->lock);
    pthread_cond_destroy(&x->wake);
    free(x);
}

void audit_export_metrics(audit_export_t *x, strbuf_t *out)
{
    if (!x->n_dests)
        return;
    static const struct {
        const char *name, *type, *help;
    } series[] = {
        {"rampartd_audit_export_sent_total", "counter", "Audit records delivered."},
        {"rampartd_audit_export_failures_total", "counter", "Failed delivery attempts."},
        {"rampartd_audit_export_cursor", "gauge", "The last audit seq the destination took."},
        {"rampartd_audit_export_lag", "gauge", "Audit records not delivered yet."},
        {"rampartd_audit_export_connected", "gauge", "1 while the last attempt succeeded."},
    };
    int64_t last = audit_log_last_seq(x->ctl->audit);
    for (size_t k = 0; k < sizeof(series) / sizeof(series[0]); k++) {
        strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", series[k].name, series[k].help,
                      series[k].name, series[k].type);
        for (int i = 0; i < x->n_dests; i++) {
            dest_t *d = &x->dests[i];
            long long v = k == 0   ? (long long)atomic_load(&d->sent)
                          : k == 1 ? (long long)atomic_load(&d->failures)
                          : k == 2 ? (long long)atomic_load(&d->cursor)
                          : k == 3 ? (long long)(last - atomic_load(&d->cursor))
                                   : (long long)atomic_load(&d->connected);
            strbuf_printf(out, "%s{destination=\"%s\"} %lld\n", series[k].name, d->name, v);
        }
    }
}
