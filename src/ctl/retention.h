/*
 * retention.h — the housekeeping thread: deletes events older than
 * retention_days (default 180, the minimum MLPS 2.0 level 3 asks for audit
 * records) in small batches so ingestion never waits long behind it, and
 * purges expired console sessions, and refreshes the store's query
 * statistics.
 */
#ifndef RAMPART_CTL_RETENTION_H
#define RAMPART_CTL_RETENTION_H

#include "ctl.h"

typedef struct retention retention_t;

retention_t *retention_start(ctl_t *ctl, rp_error_t *err);
void retention_stop(retention_t *rt);

/* One full pass now (what the thread does periodically); returns the
 * number of events deleted, or -1 on a store error. */
long long retention_run_once(ctl_t *ctl);

#endif
