/*
 * sync_revredis.h — `rampart sync --redis URL`: a thread that reads the
 * revocation stream rampartd writes to Redis (src/ctl/idrev_stream.h) with
 * XREAD BLOCK, from the seq the revocations file holds, and merges what it
 * reads into that file (sync_identity_merge). A gateway that reaches Redis
 * but not rampartd still gets every revocation within a second; when both
 * answer, whichever brings an entry first writes it. Redis down: failures
 * are counted and logged at most every 10 s, the long-poll carries on
 * alone, and the reader resumes from the file's seq when Redis is back.
 */
#ifndef RAMPART_CLI_SYNC_REVREDIS_H
#define RAMPART_CLI_SYNC_REVREDIS_H

#include "sync_identity.h"

typedef struct sync_revredis sync_revredis_t;

/* url: redis://HOST[:PORT][/DB]. NULL (logged) on a bad URL or no thread. */
sync_revredis_t *sync_revredis_start(const char *url, sync_identity_t *identity);
void sync_revredis_stop(sync_revredis_t *r);

#endif
