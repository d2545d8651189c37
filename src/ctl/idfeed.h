/*
 * idfeed.h — the revocation feed's notifier: the newest revocation seq in
 * memory, and the gateways' long-polls (GET /api/v1/gateway/revocations)
 * waiting for a newer one. idsession.c appends to the store, then calls
 * idfeed_advance, which wakes every waiter at once: a revocation reaches
 * `rampart sync` in one round trip.
 */
#ifndef RAMPART_CTL_IDFEED_H
#define RAMPART_CTL_IDFEED_H

#include <stdint.h>

typedef struct idfeed idfeed_t;

idfeed_t *idfeed_new(int64_t seq);
/* Wakes every waiter and refuses new ones (shutdown). */
void idfeed_stop(idfeed_t *f);
void idfeed_free(idfeed_t *f);

/* Records seq as the newest (if it is newer) and wakes the waiters. */
void idfeed_advance(idfeed_t *f, int64_t seq);
int64_t idfeed_seq(idfeed_t *f);

/* 1 at once when the newest seq is past since; else registers wake(arg),
 * called once when it is, at deadline_ms, or at stop, after calling
 * before_wait(arg) under the lock (the caller suspends there), and
 * returns 0. -1: out of memory or stopping. */
int idfeed_wait(idfeed_t *f, int64_t since, int64_t deadline_ms, void (*before_wait)(void *),
                void (*wake)(void *), void *arg);

#endif
