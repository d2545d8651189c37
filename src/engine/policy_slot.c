/*
 * policy_slot.c — the current policy of a long-lived process, swappable.
 *
 * get() must copy the pointer and take a reference as one step, or a swap
 * in between could free the policy under it; a mutex makes that step atomic.
 * The critical section is a load and an increment, so contention is nil
 * next to the work a transaction does.
 */
#include <pthread.h>
#include <stdlib.h>

#include "rampart/policy.h"

struct rp_policy_slot {
    pthread_mutex_t lock;
    rp_policy_t *current;
};

rp_policy_slot_t *rp_policy_slot_new(rp_policy_t *initial)
{
    rp_policy_slot_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->current = initial;
    return s;
}

rp_policy_t *rp_policy_slot_get(rp_policy_slot_t *s)
{
    pthread_mutex_lock(&s->lock);
    rp_policy_t *p = s->current ? rp_policy_ref(s->current) : NULL;
    pthread_mutex_unlock(&s->lock);
    return p;
}

void rp_policy_slot_swap(rp_policy_slot_t *s, rp_policy_t *next)
{
    pthread_mutex_lock(&s->lock);
    rp_policy_t *old = s->current;
    s->current = next;
    pthread_mutex_unlock(&s->lock);
    rp_policy_unref(old);
}

void rp_policy_slot_free(rp_policy_slot_t *s)
{
    if (!s)
        return;
    rp_policy_unref(s->current);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
