/*
 * ingest_queue.h — the bounded queue between the event sources and the
 * store writer, and the items that travel through it.
 *
 * Sources push parsed events; one writer thread pops them in batches and
 * commits each batch in one store transaction. The bound is what makes
 * back-pressure explicit: the file tailer waits (the file is its buffer),
 * a datagram is dropped and counted (the socket cannot wait), an HTTP
 * batch is refused whole with 503 so the sender retries.
 */
#ifndef RAMPART_CTL_INGEST_QUEUE_H
#define RAMPART_CTL_INGEST_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "event_parse.h"
#include "metrics.h"

/* Completion of a group of items pushed together (one HTTP request): the
 * writer calls done(ctx) once, after the last item's transaction
 * committed (failed = 0) or was abandoned (failed = 1). done() must be the
 * last thing that touches the ack. */
typedef struct ingest_ack {
    pthread_mutex_t lock;
    size_t pending;
    int failed;
    void (*done)(void *ctx);
    void *ctx;
} ingest_ack_t;

void ingest_ack_init(ingest_ack_t *ack, size_t pending, void (*done)(void *), void *ctx);
void ingest_ack_complete(ingest_ack_t *ack, int failed);

/* Where a file source stands after this item: the item is committed
 * together with this checkpoint. key NULL: not from a file. */
typedef struct {
    const char *key; /* the file source's path; outlives the writer */
    uint64_t dev, ino, offset;
    unsigned char fp[32];
    uint32_t fp_len;
} ingest_position_t;

typedef struct {
    event_t ev; /* ev.raw NULL: no event, only a file position to record */
    ingest_source_t kind;
    const char *source; /* stored in events.source; outlives the writer, or in ack_ctx */
    int64_t received;
    ingest_position_t pos;
    ingest_ack_t *ack;
} ingest_item_t;

ingest_item_t *ingest_item_new(void);
void ingest_item_free(ingest_item_t *item);

/* The most items one group (one HTTP request) holds: a batch buffer of
 * this size takes any group whole. */
#define INGEST_GROUP_MAX 100000

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    ingest_item_t **ring;
    size_t capacity, head, count;
    int closed;
} ingest_queue_t;

int ingest_queue_init(ingest_queue_t *q, size_t capacity);
void ingest_queue_destroy(ingest_queue_t *q); /* frees items still queued */

/* Waits while the queue is full. -1 when the queue is closed or *stop is
 * set (the item stays the caller's). */
int ingest_queue_push_wait(ingest_queue_t *q, ingest_item_t *item, const atomic_int *stop);

/* -1 when full or closed (the item stays the caller's). */
int ingest_queue_try_push(ingest_queue_t *q, ingest_item_t *item);

/* All n items or none: -1 when fewer than n slots are free or closed. */
int ingest_queue_try_push_all(ingest_queue_t *q, ingest_item_t **items, size_t n);

/* Waits for a first item, then gathers up to max items or until
 * flush_ns after the first one arrived. Returns the count; 0 once the
 * queue is closed and empty. The items pushed together by one
 * try_push_all with a shared ack (one HTTP request) always land in the
 * same batch, so that request is committed or refused whole: a group
 * that does not fit ends the batch before it, and a group larger than max
 * that starts a batch is taken whole, so out must have room for the
 * larger of max and the largest group. */
size_t ingest_queue_pop_batch(ingest_queue_t *q, ingest_item_t **out, size_t max, int64_t flush_ns);

/* No pushes succeed after this; pop_batch drains what is left. */
void ingest_queue_close(ingest_queue_t *q);

/* Wakes producers waiting in push_wait (to see their stop flag). */
void ingest_queue_wake_producers(ingest_queue_t *q);

size_t ingest_queue_depth(ingest_queue_t *q);

#endif
