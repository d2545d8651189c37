/*
 * idfeed.c — the revocation feed's waiters (see idfeed.h). A thread
 * sleeps until the earliest deadline (or a change) and answers the
 * long-polls whose time is up.
 */
#include "idfeed.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "timefmt.h"

typedef struct feed_waiter {
    void (*wake)(void *);
    void *arg;
    int64_t deadline_ms;
    struct feed_waiter *next;
} feed_waiter_t;

struct idfeed {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t timer;
    int64_t seq;
    int stopping;
    feed_waiter_t *waiting;
};

/* Answers waiters whose deadline passed, or all; returns the earliest
 * deadline left (INT64_MAX: none). Lock held. */
static int64_t answer(idfeed_t *f, int all)
{
    int64_t now = time_now_ms(), next = INT64_MAX;
    for (feed_waiter_t **at = &f->waiting; *at;) {
        feed_waiter_t *w = *at;
        if (all || w->deadline_ms <= now) {
            *at = w->next;
            w->wake(w->arg);
            free(w);
            continue;
        }
        if (w->deadline_ms < next)
            next = w->deadline_ms;
        at = &w->next;
    }
    return next;
}

static void *timer_main(void *arg)
{
    idfeed_t *f = arg;
    pthread_mutex_lock(&f->lock);
    while (!f->stopping) {
        int64_t next = answer(f, 0);
        if (next == INT64_MAX) {
            pthread_cond_wait(&f->changed, &f->lock);
            continue;
        }
        struct timespec until = {.tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000L};
        pthread_cond_timedwait(&f->changed, &f->lock, &until);
    }
    answer(f, 1);
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

idfeed_t *idfeed_new(int64_t seq)
{
    idfeed_t *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->changed, NULL); /* CLOCK_REALTIME, like time_now_ms */
    f->seq = seq;
    if (pthread_create(&f->timer, NULL, timer_main, f)) {
        pthread_cond_destroy(&f->changed);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
    }
    return f;
}

void idfeed_stop(idfeed_t *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    int was = f->stopping;
    f->stopping = 1;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
    if (!was)
        pthread_join(f->timer, NULL);
}

void idfeed_free(idfeed_t *f)
{
    if (!f)
        return;
    idfeed_stop(f);
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void idfeed_advance(idfeed_t *f, int64_t seq)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    if (seq > f->seq) {
        f->seq = seq;
        answer(f, 1);
    }
    pthread_mutex_unlock(&f->lock);
}

int64_t idfeed_seq(idfeed_t *f)
{
    pthread_mutex_lock(&f->lock);
    int64_t seq = f->seq;
    pthread_mutex_unlock(&f->lock);
    return seq;
}

int idfeed_wait(idfeed_t *f, int64_t since, int64_t deadline_ms, void (*before_wait)(void *),
                void (*wake)(void *), void *arg)
{
    pthread_mutex_lock(&f->lock);
    if (f->seq > since) {
        pthread_mutex_unlock(&f->lock);
        return 1;
    }
    feed_waiter_t *w = f->stopping ? NULL : malloc(sizeof(*w));
    if (!w) {
        pthread_mutex_unlock(&f->lock);
        return -1;
    }
    *w = (feed_waiter_t){wake, arg, deadline_ms, f->waiting};
    before_wait(arg);
    f->waiting = w;
    pthread_cond_signal(&f->changed); /* the timer recomputes its deadline */
    pthread_mutex_unlock(&f->lock);
    return 0;
}
