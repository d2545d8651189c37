/*
 * ingest_queue.c — bounded MPSC queue of parsed events (see
 * ingest_queue.h). A mutex and two condition variables: simple, and far
 * from the bottleneck (the store's transaction is).
 */
#include "ingest_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ingest_ack_init(ingest_ack_t *ack, size_t pending, void (*done)(void *), void *ctx)
{
    pthread_mutex_init(&ack->lock, NULL);
    ack->pending = pending;
    ack->failed = 0;
    ack->done = done;
    ack->ctx = ctx;
}

void ingest_ack_complete(ingest_ack_t *ack, int failed)
{
    pthread_mutex_lock(&ack->lock);
    if (failed)
        ack->failed = 1;
    int last = --ack->pending == 0;
    void (*done)(void *) = ack->done;
    void *ctx = ack->ctx;
    pthread_mutex_unlock(&ack->lock);
    if (last)
        done(ctx);
}

ingest_item_t *ingest_item_new(void)
{
    return calloc(1, sizeof(ingest_item_t));
}

void ingest_item_free(ingest_item_t *item)
{
    if (!item)
        return;
    event_clear(&item->ev);
    free(item);
}

int ingest_queue_init(ingest_queue_t *q, size_t capacity)
{
    memset(q, 0, sizeof(*q));
    q->ring = calloc(capacity, sizeof(*q->ring));
    if (!q->ring)
        return -1;
    q->capacity = capacity;
    pthread_mutex_init(&q->lock, NULL);
    /* pop_batch's flush deadline is on the monotonic clock: a wall-clock
     * step must not stall or rush a batch. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->not_empty, &attr);
    pthread_condattr_destroy(&attr);
    pthread_cond_init(&q->not_full, NULL);
    return 0;
}

void ingest_queue_destroy(ingest_queue_t *q)
{
    if (!q->ring)
        return;
    while (q->count) {
        ingest_item_free(q->ring[q->head]);
        q->head = (q->head + 1) % q->capacity;
        q->count--;
    }
    free(q->ring);
    q->ring = NULL;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

static void put_locked(ingest_queue_t *q, ingest_item_t *item)
{
    q->ring[(q->head + q->count) % q->capacity] = item;
    q->count++;
}

int ingest_queue_push_wait(ingest_queue_t *q, ingest_item_t *item, const atomic_int *stop)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity && !q->closed && !atomic_load(stop))
        pthread_cond_wait(&q->not_full, &q->lock);
    int ok = !q->closed && !atomic_load(stop);
    if (ok) {
        put_locked(q, item);
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}

int ingest_queue_try_push(ingest_queue_t *q, ingest_item_t *item)
{
    return ingest_queue_try_push_all(q, &item, 1);
}

int ingest_queue_try_push_all(ingest_queue_t *q, ingest_item_t **items, size_t n)
{
    pthread_mutex_lock(&q->lock);
    int ok = !q->closed && q->capacity - q->count >= n;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            put_locked(q, items[i]);
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}

static void deadline_after(struct timespec *ts, int64_t ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ns += ts->tv_nsec;
    ts->tv_sec += ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

/* The items pushed together for one HTTP request share their ack and sit
 * next to each other in the ring (try_push_all puts them under one lock
 * hold): how many there are from the head on. */
static size_t group_at_head(const ingest_queue_t *q)
{
    const ingest_ack_t *ack = q->ring[q->head]->ack;
    size_t k = 1;
    while (ack && k < q->count && q->ring[(q->head + k) % q->capacity]->ack == ack)
        k++;
    return k;
}

/* Moves items from the head to out[n..] until max, never splitting a
 * group: one that does not fit ends the batch before it, unless it is the
 * batch's first (then it is taken whole, past max). Returns the new count;
 * *full is set when the batch cannot take more. */
static size_t take_locked(ingest_queue_t *q, ingest_item_t **out, size_t n, size_t max, int *full)
{
    while (q->count && n < max) {
        size_t k = group_at_head(q);
        if (n > 0 && n + k > max)
            break;
        for (size_t i = 0; i < k; i++) {
            out[n++] = q->ring[q->head];
            q->head = (q->head + 1) % q->capacity;
            q->count--;
        }
    }
    *full = n >= max || q->count > 0;
    pthread_cond_broadcast(&q->not_full);
    return n;
}

size_t ingest_queue_pop_batch(ingest_queue_t *q, ingest_item_t **out, size_t max, int64_t flush_ns)
{
    size_t n = 0;
    int full = 0;
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->lock);
    struct timespec deadline;
    deadline_after(&deadline, flush_ns);
    for (;;) {
        n = take_locked(q, out, n, max, &full);
        if (full || q->closed || n == 0)
            break;
        /* Fill the batch for up to flush_ns: fewer, larger transactions. */
        int rc = pthread_cond_timedwait(&q->not_empty, &q->lock, &deadline);
        if (rc == ETIMEDOUT) {
            n = take_locked(q, out, n, max, &full);
            break;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return n;
}

void ingest_queue_close(ingest_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
}

void ingest_queue_wake_producers(ingest_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
}

size_t ingest_queue_depth(ingest_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}
