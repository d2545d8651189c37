/*
 * arena.h — one arena per transaction: every allocation a transaction makes
 * comes from here and dies with it. No per-object free to forget.
 *
 * Blocks are chained; a request larger than the block size gets a block of
 * its own. An optional byte cap turns runaway growth into a clean failure
 * (NULL) instead of unbounded memory.
 */
#ifndef RAMPART_ARENA_H
#define RAMPART_ARENA_H

#include <stddef.h>
#include <string.h>

typedef struct rp_arena rp_arena_t;

/* block_size 0 picks the default (8 KiB). max_bytes 0 means no cap. */
rp_arena_t *rp_arena_new(size_t block_size, size_t max_bytes);
void rp_arena_free(rp_arena_t *a);
/* Release everything but the first block, for reuse. */
void rp_arena_reset(rp_arena_t *a);

/* 16-byte aligned; NULL when the cap or malloc says no. */
void *rp_arena_alloc(rp_arena_t *a, size_t size);
void *rp_arena_calloc(rp_arena_t *a, size_t size);
/* Copy len bytes and add a NUL. */
char *rp_arena_strndup(rp_arena_t *a, const char *s, size_t len);
/* Bytes handed out so far (for tests and limits). */
size_t rp_arena_used(const rp_arena_t *a);

/* A growable byte buffer whose storage lives in an arena: for values that
 * arrive split across body chunks. Growth doubles, so waste is bounded by
 * the final size. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    rp_arena_t *arena;
} rp_abuf_t;

void rp_abuf_init(rp_abuf_t *b, rp_arena_t *a);
/* The growing half of rp_abuf_append: there is no room for len more bytes
 * and the NUL. */
int rp_abuf_append_grow(rp_abuf_t *b, const char *s, size_t len);

/* 0 on success, -1 when the arena refuses. data stays NUL-terminated.
 * Inline: body processors append every token, and most fit. */
static inline int rp_abuf_append(rp_abuf_t *b, const char *s, size_t len)
{
    if (len >= b->cap - b->len) /* cap is 0 or > len: no overflow */
        return rp_abuf_append_grow(b, s, len);
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static inline int rp_abuf_putc(rp_abuf_t *b, char c)
{
    return rp_abuf_append(b, &c, 1);
}

static inline void rp_abuf_clear(rp_abuf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

#endif
