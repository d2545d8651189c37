/*
 * spool.h — the agent's disk queue of events bound for rampartd.
 *
 * Every event goes to the spool first and leaves it only when rampartd has
 * acknowledged it (a 200 means stored), so events survive a rampartd
 * outage and an agent restart. Two files in the spool directory:
 *
 *   events.spool  records: u32 length, u32 CRC-32 (ISO-HDLC, as zlib) of
 *                 the payload, the payload (one event's JSON); little-endian
 *   events.pos    "OFFSET DROPPED\n": where the first unacknowledged record
 *                 starts and how many events were ever dropped; replaced
 *                 atomically (write, fsync, rename, fsync the directory)
 *
 * The size is bounded: an append that would take the pending bytes over
 * max_bytes is refused and counted in `dropped` (drop-newest: the oldest
 * evidence is kept, and the count is reported in each heartbeat). When
 * everything is acknowledged the file is truncated; when acknowledged
 * records waste room an append first compacts the file.
 *
 * At open, records after the cursor are checked; a torn or corrupt tail (a
 * crash in the middle of an append) is cut off, so the spool always holds
 * whole records. spool_sync makes the appends so far durable (fdatasync);
 * the agent calls it after each burst of events, before sending them.
 */
#ifndef RAMPART_AGENT_SPOOL_H
#define RAMPART_AGENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "rampart/status.h"

#define SPOOL_RECORD_MAX (1024 * 1024) /* one event's JSON, at most */

typedef struct spool spool_t;

typedef enum { SPOOL_OK = 0, SPOOL_DROPPED = 1, SPOOL_ERROR = -1 } spool_status_t;

/* Opens (creating, mode 0700) the spool directory. NULL with err. */
spool_t *spool_open(const char *dir, size_t max_bytes, rp_error_t *err);
void spool_close(spool_t *sp);

/* Appends one record. SPOOL_DROPPED when it does not fit (counted);
 * SPOOL_ERROR on an I/O error (also counted as a drop). */
spool_status_t spool_append(spool_t *sp, const void *data, size_t len);

/* fdatasync of the records appended so far; 0 or -1. */
int spool_sync(spool_t *sp);

/* Calls cb for up to max_records pending records, oldest first, whose
 * payloads total at most max_bytes (at least one record is given even if
 * larger). *next is the cursor after the last one given; pass it to
 * spool_ack once they are delivered. Returns the count, -1 on error. */
typedef int (*spool_record_cb)(void *ctx, const char *data, size_t len);
int spool_peek(spool_t *sp, size_t max_records, size_t max_bytes, spool_record_cb cb, void *ctx,
               uint64_t *next);

/* Marks the `count` records before `next` (spool_peek's answers)
 * delivered, durably. 0 or -1. */
int spool_ack(spool_t *sp, uint64_t next, size_t count);

typedef struct {
    uint64_t pending;       /* records not yet acknowledged */
    uint64_t pending_bytes; /* their size on disk */
    uint64_t dropped;       /* ever refused for lack of room or I/O errors */
    uint64_t file_bytes;    /* events.spool's size */
} spool_stats_t;

void spool_stats(const spool_t *sp, spool_stats_t *out);

#endif
