/*
 * arena.c — per-transaction bump allocator.
 *
 * A chain of blocks; allocation bumps a pointer in the newest block and
 * starts a new block when it does not fit. Oversized requests get a block
 * of their own sized to fit, linked behind the current one so the current
 * block keeps serving small allocations. Freeing the arena frees the chain.
 */
#include "arena.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_DEFAULT_BLOCK 8192
#define ARENA_ALIGN         16

typedef struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
} block_t;

struct rp_arena {
    block_t *head; /* current block: allocations bump here */
    size_t block_size;
    size_t max_bytes;
    size_t total;   /* bytes of block storage held */
    size_t used;    /* bytes handed out */
    block_t *first; /* kept across resets */
};

#define BLOCK_HDR (((sizeof(block_t) + ARENA_ALIGN - 1) / ARENA_ALIGN) * ARENA_ALIGN)

static char *block_data(block_t *b)
{
    return (char *)b + BLOCK_HDR;
}

static block_t *block_new(rp_arena_t *a, size_t size)
{
    if (a->max_bytes && a->total + size > a->max_bytes)
        return NULL;
    block_t *b = malloc(BLOCK_HDR + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    a->total += size;
    return b;
}

/*
 * One arena is kept per thread after it is freed: a transaction's arena is
 * an 8 KB block and its header, and malloc serves blocks that size from its
 * bins, not its fast per-thread cache (about a thousand instructions per
 * transaction for the pair). The next transaction of the thread takes the
 * kept one. Sanitizer builds always free, so use-after-free stays visible.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_KEEP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_KEEP 0
#endif
#endif
#ifndef ARENA_KEEP
#define ARENA_KEEP 1
#endif

static void arena_release(rp_arena_t *a)
{
    block_t *b = a->head;
    while (b) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

#if ARENA_KEEP
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static int kept_ok;

static void kept_destroy(void *a)
{
    arena_release(a);
}

static void kept_init(void)
{
    kept_ok = pthread_key_create(&kept_key, kept_destroy) == 0;
}

static rp_arena_t *kept_take(size_t block_size)
{
    pthread_once(&kept_once, kept_init);
    if (!kept_ok)
        return NULL;
    rp_arena_t *a = pthread_getspecific(kept_key);
    if (!a || a->block_size != block_size)
        return NULL;
    pthread_setspecific(kept_key, NULL);
    return a;
}

/* Keeps a (reset to its first block) unless one is kept already. */
static bool kept_put(rp_arena_t *a)
{
    if (!kept_ok || pthread_getspecific(kept_key) != NULL)
        return false;
    rp_arena_reset(a);
    return pthread_setspecific(kept_key, a) == 0;
}
#else
static rp_arena_t *kept_take(size_t block_size)
{
    (void)block_size;
    return NULL;
}

static bool kept_put(rp_arena_t *a)
{
    (void)a;
    return false;
}
#endif

rp_arena_t *rp_arena_new(size_t block_size, size_t max_bytes)
{
    if (!block_size)
        block_size = ARENA_DEFAULT_BLOCK;
    rp_arena_t *a = kept_take(block_size);
    if (a) {
        if (max_bytes && a->total > max_bytes) {
            arena_release(a);
            return NULL;
        }
        a->max_bytes = max_bytes;
        return a;
    }
    a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->block_size = block_size;
    a->max_bytes = max_bytes;
    a->head = block_new(a, a->block_size);
    if (!a->head) {
        free(a);
        return NULL;
    }
    a->first = a->head;
    return a;
}

void rp_arena_free(rp_arena_t *a)
{
    if (!a)
        return;
    if (!kept_put(a))
        arena_release(a);
}

void rp_arena_reset(rp_arena_t *a)
{
    block_t *b = a->head, *keep = a->first;
    while (b) {
        block_t *next = b->next;
        if (b != keep)
            free(b);
        b = next;
    }
    keep->used = 0;
    keep->next = NULL;
    a->head = keep;
    a->total = keep->size;
    a->used = 0;
}

void *rp_arena_alloc(rp_arena_t *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size)
        return NULL; /* overflow */
    if (need == 0)
        need = ARENA_ALIGN;
    block_t *h = a->head;
    if (h->size - h->used >= need) {
        void *p = block_data(h) + h->used;
        h->used += need;
        a->used += need;
        return p;
    }
    if (need > a->block_size / 4) {
        /* Big: its own block, placed behind the head so the head's free
         * space keeps serving small requests. */
        block_t *b = block_new(a, need);
        if (!b)
            return NULL;
        b->used = need;
        b->next = h->next;
        h->next = b;
        a->used += need;
        return block_data(b);
    }
    block_t *b = block_new(a, a->block_size);
    if (!b)
        return NULL;
    b->next = h;
    a->head = b;
    b->used = need;
    a->used += need;
    return block_data(b);
}

void *rp_arena_calloc(rp_arena_t *a, size_t size)
{
    void *p = rp_arena_alloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *rp_arena_strndup(rp_arena_t *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = rp_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t rp_arena_used(const rp_arena_t *a)
{
    return a->used;
}

void rp_abuf_init(rp_abuf_t *b, rp_arena_t *a)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->arena = a;
}

static int abuf_reserve(rp_abuf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = rp_arena_alloc(b->arena, cap);
    if (!p)
        return -1;
    if (b->len)
        memcpy(p, b->data, b->len);
    b->data = p;
    b->cap = cap;
    return 0;
}

int rp_abuf_append_grow(rp_abuf_t *b, const char *s, size_t len)
{
    if (abuf_reserve(b, len) != 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}
