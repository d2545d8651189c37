/*
 * idrev_stream.h — the revocation feed as a Redis Stream, shared by its
 * writer (rampartd, idrev_redis.h) and its reader (`rampart sync
 * --redis`, src/cli/sync_revredis.c). docs/IDENTITY.md "Revocations
 * through Redis".
 *
 * One stream, IDREV_STREAM_KEY; an entry's id is "<seq>-0", the feed's
 * sequence number, so a reader that knows its last seq resumes with
 * XREAD from "<seq>-0" and the writer learns what is published from the
 * newest id. Each entry has one field, "line", holding the feed's line
 * ("sid <sid> <exp>" or "user <uid> <before>"). The stream is capped
 * (XADD MAXLEN ~ IDREV_STREAM_MAXLEN).
 */
#ifndef RAMPART_CTL_IDREV_STREAM_H
#define RAMPART_CTL_IDREV_STREAM_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "store_idsess.h"

#define IDREV_STREAM_KEY    "rampart:revocations"
#define IDREV_STREAM_MAXLEN 100000

typedef struct {
    char host[256];
    int port, db;
} idrev_redis_addr_t;

/* redis://HOST[:PORT][/DB]; 0, or -1 with why. */
int idrev_redis_parse_url(const char *url, idrev_redis_addr_t *out, char *why, size_t why_size);

/* Connects (and SELECTs the database) with timeout_ms for the connect and
 * every command; NULL with why. */
redisContext *idrev_redis_connect(const idrev_redis_addr_t *a, int timeout_ms, char *why,
                                  size_t why_size);

/* The entry's "line" ("sid <sid> <exp>"); its length, or -1 when it does
 * not fit or the entry is not one a gateway accepts. */
int idrev_line_format(const idrev_t *r, char *out, size_t size);

/* Parses a stream entry: its id ("<seq>-0") and its line, strictly (sid:
 * 22 base64url characters; user: a decimal id; t: a decimal of at most 18
 * digits). 0, or -1 for anything else. */
int idrev_entry_parse(const char *id, const char *line, size_t line_len, idrev_t *out);

#endif
