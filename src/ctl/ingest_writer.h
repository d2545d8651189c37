/*
 * ingest_writer.h — the one thread that commits events to the store.
 *
 * Each batch (up to ingest_batch events, or whatever arrived within
 * ingest_flush_ms of the first) is one transaction holding the events,
 * their rule index rows and the new position of every file source the
 * batch read from. Either all of it is durable or none of it is, which is
 * what makes a restart after kill -9 resume exactly where the last commit
 * ended: no event lost, none stored twice.
 */
#ifndef RAMPART_CTL_INGEST_WRITER_H
#define RAMPART_CTL_INGEST_WRITER_H

#include <stdint.h>

#include "ctl.h"

typedef struct ingest_writer ingest_writer_t;

ingest_writer_t *ingest_writer_start(ctl_t *ctl, rp_error_t *err);

/* Returns once the queue is closed and everything in it was committed (or,
 * with the store failing, given up after retries). Frees the writer. */
void ingest_writer_join(ingest_writer_t *w);

/* The last committed position of a file source (0s when none yet). */
void ingest_writer_committed(ingest_writer_t *w, const char *key, uint64_t *ino, uint64_t *offset);

#endif
