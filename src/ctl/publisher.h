/*
 * publisher.h — builds, stores and hands out the distribution bundle
 * (bundle.h), and wakes the gateways waiting for a newer one.
 *
 * Every change to applications, switches or policies ends with
 * publisher_publish(), which reads the whole state from the store, builds
 * the bundle JSON and — only when its content differs from the latest —
 * stores it as the next version and wakes every long-poll waiting in
 * GET /api/v1/bundle. One lock orders publications, so versions follow
 * the order of the changes they contain.
 */
#ifndef RAMPART_CTL_PUBLISHER_H
#define RAMPART_CTL_PUBLISHER_H

#include <stdint.h>

#include "rampart/status.h"
#include "store.h"

typedef struct publisher publisher_t;

/* Loads the latest bundle, publishing the first one when the store has
 * none or it no longer matches the state (e.g. after an upgrade). */
publisher_t *publisher_start(store_t *store, rp_error_t *err);
/* Wakes every waiter (they answer "nothing newer") and takes no more;
 * publisher_free (after the HTTP server stopped) releases it. */
void publisher_stop(publisher_t *p);
void publisher_free(publisher_t *p);

/* Rebuilds from the store and publishes when something changed; *version
 * (may be NULL) gets the version now current. A store status. */
int publisher_publish(publisher_t *p, int64_t *version);

/* The latest bundle: its JSON (malloc'd, the caller frees), version and
 * hash. NULL when out of memory. */
char *publisher_latest(publisher_t *p, int64_t *version, char hash[65]);

/* Long-poll: when the latest version is newer than since, returns 1 at
 * once. Otherwise registers wake(arg) to be called once, when a newer
 * bundle is published, at deadline_ms (ms since the epoch, checked every
 * 250 ms), or at stop; returns 0. Registration and the caller's suspend
 * must not race with wake: the caller suspends inside `before_wait`,
 * called under the publisher's lock just before registering. -1: out of
 * memory or stopping. */
int publisher_wait(publisher_t *p, int64_t since, int64_t deadline_ms, void (*before_wait)(void *),
                   void (*wake)(void *), void *arg);

#endif
