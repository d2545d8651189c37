/*
 * idrev_redis.h — rampartd's writer of the revocation stream in Redis
 * (idrev_stream.h), on when rampartd.conf has `identity_redis`.
 *
 * A thread appends every revocation of the store's list that the stream
 * does not hold yet, in seq order: woken by each new revocation, and once a
 * second anyway. What the stream holds is read from Redis at each connect
 * (its newest id), so a Redis that was down, restarted or emptied is caught
 * up from the store. Redis being down never delays a revocation: the
 * long-poll feed is answered from the store as before; failures are counted
 * (GET /metrics) and logged at most every 10 s.
 */
#ifndef RAMPART_CTL_IDREV_REDIS_H
#define RAMPART_CTL_IDREV_REDIS_H

#include "ctl.h"
#include "strbuf.h"

typedef struct idrev_redis idrev_redis_t;

/* NULL with err->reason when the thread cannot start (url is checked by
 * the configuration already). */
idrev_redis_t *idrev_redis_start(ctl_t *ctl, const char *url, rp_error_t *err);
/* A revocation was appended: publish it now. */
void idrev_redis_notify(idrev_redis_t *p);
/* Ends the thread; notify stays harmless until free. */
void idrev_redis_stop(idrev_redis_t *p);
void idrev_redis_free(idrev_redis_t *p);
/* Prometheus series: published entries, failures, whether Redis answers. */
void idrev_redis_metrics(idrev_redis_t *p, strbuf_t *out);

#endif
