/*
 * retention.c — periodic deletion of old events and sessions (see
 * retention.h).
 *
 * A pass deletes DELETE_BATCH events per transaction and yields between
 * transactions, so the ingest writer (which needs the same write lock)
 * waits at most one short transaction. The first pass runs shortly after
 * start, then every PASS_INTERVAL.
 */
#include "retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "audit_log.h"
#include "log.h"
#include "timefmt.h"

#define DELETE_BATCH    5000
#define FIRST_PASS_S    10
#define PASS_INTERVAL_S 300
#define YIELD_MS        5

struct retention {
    ctl_t *ctl;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
};

long long retention_run_once(ctl_t *ctl)
{
    ctl_config_t *cfg = config_acquire(&ctl->config);
    int64_t now = time_now_ms();
    int64_t before = now - (int64_t)cfg->retention_days * 86400 * 1000;
    int64_t idle_before = now - (int64_t)cfg->session_idle_s * 1000;
    config_release(cfg);
    store_t *s = ctl->store;
    long long total = 0;
    for (;;) {
        int64_t deleted = 0;
        int rc = s->ops->retention_delete(s, before, DELETE_BATCH, &deleted);
        if (rc != STORE_OK)
            return -1;
        total += deleted;
        atomic_fetch_add(&ctl->metrics.retention_deleted, (uint64_t)deleted);
        if (deleted < DELETE_BATCH || !atomic_load(&ctl->ready))
            break;
        struct timespec ts = {0, YIELD_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (ctl->audit && audit_log_retention(ctl->audit) < 0)
        log_kv(LOG_LEVEL_ERROR, "audit retention pass failed; retrying later", NULL);
    int64_t sessions = 0;
    s->ops->session_purge(s, idle_before, now, &sessions);
    s->ops->optimize(s);
    if (total)
        log_kv(LOG_LEVEL_INFO, "retention: old events deleted", "events", LOG_INT(total), NULL);
    return total;
}

static void *retention_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-retention");
    retention_t *rt = arg;
    int wait_s = FIRST_PASS_S;
    pthread_mutex_lock(&rt->lock);
    while (!rt->stop) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += wait_s;
        int rc = 0;
        while (!rt->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&rt->wake, &rt->lock, &deadline);
        if (rt->stop)
            break;
        pthread_mutex_unlock(&rt->lock);
        if (retention_run_once(rt->ctl) < 0)
            log_kv(LOG_LEVEL_ERROR, "retention pass failed; retrying later", NULL);
        pthread_mutex_lock(&rt->lock);
        wait_s = PASS_INTERVAL_S;
    }
    pthread_mutex_unlock(&rt->lock);
    return NULL;
}

retention_t *retention_start(ctl_t *ctl, rp_error_t *err)
{
    retention_t *rt = calloc(1, sizeof(*rt));
    if (!rt) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    rt->ctl = ctl;
    pthread_mutex_init(&rt->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rt->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&rt->thread, NULL, retention_main, rt) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the retention thread");
        free(rt);
        return NULL;
    }
    return rt;
}

void retention_stop(retention_t *rt)
{
    if (!rt)
        return;
    pthread_mutex_lock(&rt->lock);
    rt->stop = 1;
    pthread_cond_signal(&rt->wake);
    pthread_mutex_unlock(&rt->lock);
    pthread_join(rt->thread, NULL);
    pthread_mutex_destroy(&rt->lock);
    pthread_cond_destroy(&rt->wake);
    free(rt);
}
