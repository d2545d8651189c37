/*
 * audit_log.c — appending to the audit chain and sealing it (see
 * audit_log.h).
 *
 * One mutex orders appends: it assigns seq and prev_hash, computes the
 * SM3 hash and commits the row before the next append starts, so the
 * chain in the store is exactly the order of commits. Seals are made
 * under the same mutex (an SM2 signature costs well under a millisecond)
 * by the appender when audit_seal_records records are unsealed, by the
 * timer thread after audit_seal_seconds, and at close.
 */
#include "audit_log.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "timefmt.h"

struct audit_log {
    ctl_t *ctl;
    audit_key_t *key;
    unsigned char key_id[AUDIT_HASH_LEN];
    pthread_mutex_t lock;
    pthread_cond_t appended; /* CLOCK_MONOTONIC */
    pthread_cond_t wake;     /* the seal timer */
    int64_t last_seq, last_sealed;
    unsigned char last_hash[AUDIT_HASH_LEN];
    strbuf_t canonical;
    int stop;
    pthread_t timer;
    int timer_running;
    _Atomic uint64_t records, seals, errors, suppressed_total;
    /* the token bucket of audit_log_admit_noise */
    pthread_mutex_t noise_lock;
    double noise_tokens;
    int64_t noise_refilled_ns;
    int64_t suppressed;
};

static int seal_locked(audit_log_t *a)
{
    if (a->last_seq == 0 || a->last_seq == a->last_sealed)
        return 0;
    store_audit_seal_t seal;
    memset(&seal, 0, sizeof(seal));
    seal.seq = a->last_seq;
    seal.ts = time_now_ms();
    memcpy(seal.hash, a->last_hash, AUDIT_HASH_LEN);
    memcpy(seal.key_id, a->key_id, AUDIT_HASH_LEN);
    char msg[256];
    size_t len = audit_seal_message(seal.seq, seal.hash, seal.ts, msg, sizeof(msg));
    seal.sig_len = sizeof(seal.sig);
    if (audit_sign(a->key, msg, len, seal.sig, &seal.sig_len)) {
        log_kv(LOG_LEVEL_ERROR, "audit: cannot sign a seal", NULL);
        atomic_fetch_add(&a->errors, 1);
        return -1;
    }
    int rc = a->ctl->store->ops->audit_seal_append(a->ctl->store, &seal);
    if (rc != STORE_OK) {
        atomic_fetch_add(&a->errors, 1);
        return -1;
    }
    a->last_sealed = seal.seq;
    atomic_fetch_add(&a->seals, 1);
    return 0;
}

int audit_log_seal(audit_log_t *a)
{
    pthread_mutex_lock(&a->lock);
    int rc = seal_locked(a);
    pthread_mutex_unlock(&a->lock);
    return rc;
}

int audit_log_append(audit_log_t *a, const audit_entry_t *e, int64_t *seq)
{
    store_audit_row_t row = {
        .ts = time_now_ms(),
        .status = e->status,
        .actor = e->actor ? e->actor : "",
        .role = e->role ? e->role : "",
        .client = e->client ? e->client : "",
        .action = e->action ? e->action : "",
        .method = e->method ? e->method : "",
        .path = e->path ? e->path : "",
        .target = e->target ? e->target : "",
        .outcome = e->outcome ? e->outcome : "",
        .detail = e->detail ? e->detail : "",
    };
    pthread_mutex_lock(&a->lock);
    row.seq = a->last_seq + 1;
    memcpy(row.prev_hash, a->last_hash, AUDIT_HASH_LEN);
    audit_canonical(&row, &a->canonical);
    int rc = STORE_ERROR;
    if (!a->canonical.failed &&
        audit_chain_hash(row.prev_hash, a->canonical.data, a->canonical.len, row.hash) == 0) {
        row.canonical = (const unsigned char *)a->canonical.data;
        row.canonical_len = a->canonical.len;
        rc = a->ctl->store->ops->audit_append(a->ctl->store, &row);
    }
    if (rc == STORE_OK) {
        a->last_seq = row.seq;
        memcpy(a->last_hash, row.hash, AUDIT_HASH_LEN);
        atomic_fetch_add(&a->records, 1);
        ctl_config_t *cfg = config_acquire(&a->ctl->config);
        int every = cfg->audit_seal_records;
        config_release(cfg);
        if (a->last_seq - a->last_sealed >= every)
            seal_locked(a);
        pthread_cond_broadcast(&a->appended);
    } else {
        atomic_fetch_add(&a->errors, 1);
        /* The canonical buffer grows again on the next append; a failed
         * one (out of memory) must not stay failed. */
        strbuf_free(&a->canonical);
        log_kv(LOG_LEVEL_ERROR, "audit record not written: the action is refused", "action",
               row.action, "actor", row.actor, NULL);
    }
    pthread_mutex_unlock(&a->lock);
    if (rc == STORE_OK && seq)
        *seq = row.seq;
    return rc;
}

int audit_log_admit_noise(audit_log_t *a)
{
    int64_t now = time_mono_ns(), suppressed = 0;
    pthread_mutex_lock(&a->noise_lock);
    a->noise_tokens += (double)(now - a->noise_refilled_ns) / 1e9 * AUDIT_NOISE_PER_S;
    if (a->noise_tokens > AUDIT_NOISE_BURST)
        a->noise_tokens = AUDIT_NOISE_BURST;
    a->noise_refilled_ns = now;
    int admit = a->noise_tokens >= 1;
    if (admit) {
        a->noise_tokens -= 1;
        suppressed = a->suppressed;
        a->suppressed = 0;
    } else {
        a->suppressed++;
        atomic_fetch_add(&a->suppressed_total, 1);
    }
    pthread_mutex_unlock(&a->noise_lock);
    if (suppressed) {
        char detail[64];
        snprintf(detail, sizeof(detail), "{\"records\":%" PRId64 "}", suppressed);
        audit_log_system(a, "audit.suppressed", "success", detail);
    }
    return admit;
}

int audit_log_system(audit_log_t *a, const char *action, const char *outcome, const char *detail)
{
    audit_entry_t e = {.actor = "rampartd",
                       .role = "system",
                       .action = action,
                       .outcome = outcome,
                       .detail = detail};
    return audit_log_append(a, &e, NULL);
}

typedef struct {
    int64_t seq;
    unsigned char hash[AUDIT_HASH_LEN];
} newest_t;

static int take_newest(void *ctx, const store_audit_row_t *row)
{
    newest_t *n = ctx;
    n->seq = row->seq;
    memcpy(n->hash, row->hash, AUDIT_HASH_LEN);
    return 1;
}

long long audit_log_retention(audit_log_t *a)
{
    ctl_config_t *cfg = config_acquire(&a->ctl->config);
    int64_t before = time_now_ms() - (int64_t)cfg->audit_retention_days * 86400 * 1000;
    config_release(cfg);
    store_t *s = a->ctl->store;
    /* The newest sealed record older than the period: deleting only
     * sealed records keeps every remaining one provable. */
    store_audit_filter_t f = {.to = before, .before_seq = audit_log_last_sealed(a) + 1, .limit = 1};
    newest_t newest = {0, {0}};
    if (s->ops->audit_query(s, &f, take_newest, &newest) != STORE_OK)
        return -1;
    if (!newest.seq)
        return 0;
    /* First the record the verifier anchors the remaining chain on, then
     * the deletion: a failure in between leaves more records, never an
     * unexplained gap. */
    char hex[AUDIT_HEX_LEN], detail[160];
    audit_hex(newest.hash, AUDIT_HASH_LEN, hex);
    snprintf(detail, sizeof(detail), "{\"deleted_through\":%" PRId64 ",\"hash\":\"%s\"}",
             newest.seq, hex);
    if (audit_log_system(a, "audit.retention", "success", detail) != STORE_OK)
        return -1;
    int64_t deleted = 0;
    if (s->ops->audit_retention_delete(s, newest.seq, before, &deleted) != STORE_OK)
        return -1;
    log_kv(LOG_LEVEL_INFO, "audit retention: old records deleted", "records", LOG_INT(deleted),
           "through_seq", LOG_INT(newest.seq), NULL);
    return deleted;
}

int64_t audit_log_wait(audit_log_t *a, int64_t after_seq, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&a->lock);
    int rc = 0;
    while (a->last_seq <= after_seq && !a->stop && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&a->appended, &a->lock, &deadline);
    int64_t last = a->last_seq;
    pthread_mutex_unlock(&a->lock);
    return last;
}

const audit_key_t *audit_log_key(const audit_log_t *a)
{
    return a->key;
}

int64_t audit_log_last_seq(audit_log_t *a)
{
    pthread_mutex_lock(&a->lock);
    int64_t v = a->last_seq;
    pthread_mutex_unlock(&a->lock);
    return v;
}

int64_t audit_log_last_sealed(audit_log_t *a)
{
    pthread_mutex_lock(&a->lock);
    int64_t v = a->last_sealed;
    pthread_mutex_unlock(&a->lock);
    return v;
}

void audit_log_metrics(audit_log_t *a, strbuf_t *out)
{
    strbuf_printf(out,
                  "# HELP rampartd_audit_records_total Audit records written.\n"
                  "# TYPE rampartd_audit_records_total counter\n"
                  "rampartd_audit_records_total %llu\n"
                  "# HELP rampartd_audit_seals_total SM2 seals written.\n"
                  "# TYPE rampartd_audit_seals_total counter\n"
                  "rampartd_audit_seals_total %llu\n"
                  "# HELP rampartd_audit_errors_total Audit records or seals the store refused.\n"
                  "# TYPE rampartd_audit_errors_total counter\n"
                  "rampartd_audit_errors_total %llu\n"
                  "# HELP rampartd_audit_suppressed_total Records of unauthenticated floods "
                  "counted instead of written.\n"
                  "# TYPE rampartd_audit_suppressed_total counter\n"
                  "rampartd_audit_suppressed_total %llu\n"
                  "# HELP rampartd_audit_last_seq The newest audit record.\n"
                  "# TYPE rampartd_audit_last_seq gauge\n"
                  "rampartd_audit_last_seq %lld\n"
                  "# HELP rampartd_audit_last_sealed_seq The newest sealed audit record.\n"
                  "# TYPE rampartd_audit_last_sealed_seq gauge\n"
                  "rampartd_audit_last_sealed_seq %lld\n",
                  (unsigned long long)atomic_load(&a->records),
                  (unsigned long long)atomic_load(&a->seals),
                  (unsigned long long)atomic_load(&a->errors),
                  (unsigned long long)atomic_load(&a->suppressed_total),
                  (long long)audit_log_last_seq(a), (long long)audit_log_last_sealed(a));
}

static void *timer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-audit-seal");
    audit_log_t *a = arg;
    pthread_mutex_lock(&a->lock);
    while (!a->stop) {
        ctl_config_t *cfg = config_acquire(&a->ctl->config);
        int every_s = cfg->audit_seal_seconds;
        config_release(cfg);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += every_s;
        int rc = 0;
        while (!a->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&a->wake, &a->lock, &deadline);
        if (!a->stop)
            seal_locked(a);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static int note_seal(void *ctx, const store_audit_seal_t *seal)
{
    int64_t *last = ctx;
    if (seal->seq > *last)
        *last = seal->seq;
    return 0;
}

audit_log_t *audit_log_open(ctl_t *ctl, const char *data_dir, rp_error_t *err)
{
    audit_log_t *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    a->ctl = ctl;
    strbuf_init(&a->canonical, 0);
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->noise_lock, NULL);
    a->noise_tokens = AUDIT_NOISE_BURST;
    a->noise_refilled_ns = time_mono_ns();
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&a->appended, &attr);
    pthread_cond_init(&a->wake, &attr);
    pthread_condattr_destroy(&attr);
    store_t *s = ctl->store;
    if (!s->ops->audit_append || !s->ops->audit_query || !s->ops->audit_seals) {
        snprintf(err->reason, sizeof(err->reason),
                 "the %s store has no audit log operations (store.h)", s->ops->name);
        audit_log_close(a);
        return NULL;
    }
    unsigned char probe[AUDIT_HASH_LEN];
    if (audit_sm3("", 0, probe)) {
        snprintf(err->reason, sizeof(err->reason), "OpenSSL has no SM3: the audit log needs it");
        audit_log_close(a);
        return NULL;
    }
    if (!(a->key = audit_key_load_or_create(data_dir, err))) {
        audit_log_close(a);
        return NULL;
    }
    audit_key_id(a->key, a->key_id);
    if (s->ops->audit_last(s, &a->last_seq, a->last_hash) != STORE_OK ||
        s->ops->audit_seals(s, note_seal, &a->last_sealed) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the audit log");
        audit_log_close(a);
        return NULL;
    }
    /* A tail a crash left unsealed is sealed now, so at any time only the
     * records of the last audit_seal_seconds are unsealed — which lets the
     * verifier tell removed seals from a tail not sealed yet. */
    if (a->last_seq > a->last_sealed && seal_locked(a)) {
        snprintf(err->reason, sizeof(err->reason), "cannot seal the audit log");
        audit_log_close(a);
        return NULL;
    }
    if (pthread_create(&a->timer, NULL, timer_main, a) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the audit seal thread");
        audit_log_close(a);
        return NULL;
    }
    a->timer_running = 1;
    return a;
}

void audit_log_close(audit_log_t *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->stop = 1;
    pthread_cond_broadcast(&a->wake);
    pthread_cond_broadcast(&a->appended);
    pthread_mutex_unlock(&a->lock);
    if (a->timer_running)
        pthread_join(a->timer, NULL);
    if (a->key) {
        pthread_mutex_lock(&a->lock);
        if (seal_locked(a))
            log_kv(LOG_LEVEL_ERROR, "audit: the closing seal was not written", NULL);
        pthread_mutex_unlock(&a->lock);
    }
    audit_key_free(a->key);
    strbuf_free(&a->canonical);
    pthread_mutex_destroy(&a->lock);
    pthread_mutex_destroy(&a->noise_lock);
    pthread_cond_destroy(&a->appended);
    pthread_cond_destroy(&a->wake);
    free(a);
}
