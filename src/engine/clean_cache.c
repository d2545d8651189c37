/*
 * clean_cache.c — see clean_cache.h.
 *
 * Direct-mapped: 512 slots per thread, each holding one name and value
 * (at most RP_CLEAN_CACHE_MAX_BYTES) with the serial of the policy that
 * judged them; a new entry replaces whatever shared its slot. A policy
 * serial is never reused, so a reloaded policy (other detectors, other
 * limits) never sees the old policy's verdicts. The table is allocated on
 * a thread's first insertion and freed when the thread ends.
 */
#include "clean_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

typedef struct {
    uint64_t hash;
    uint64_t serial; /* 0: empty */
    uint16_t name_len, value_len;
    uint8_t src;
    char bytes[RP_CLEAN_CACHE_MAX_BYTES]; /* name, then value */
} slot_t;

static pthread_key_t table_key;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static bool table_key_ok;

static void table_init(void)
{
    table_key_ok = pthread_key_create(&table_key, free) == 0;
}

/* 64-bit multiply-xorshift over 8-byte words: not a defence against
 * chosen collisions, which only cost a full comparison and an eviction.
 * The last word is read overlapping the one before (or, under 8 bytes, as
 * two overlapping halves), so no byte-count dependent copy is needed; the
 * length is mixed in, so "ab" and "abab" still differ. */
static inline uint64_t mix(uint64_t h, const char *s, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t w;
    if (n >= 8) {
        size_t i = 0;
        for (; n - i > 8; i += 8) {
            memcpy(&w, s + i, 8);
            h = (h ^ w) * k;
            h ^= h >> 29;
        }
        memcpy(&w, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else {
        w = n ? (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[n / 2] << 8 |
                    (unsigned char)s[n - 1]
              : 0;
    }
    h = (h ^ w ^ ((uint64_t)n << 56)) * k;
    return h ^ (h >> 32);
}

static inline uint64_t key_hash(uint64_t serial, rp_source_t src, const char *name, size_t name_len,
                                const char *value, size_t value_len)
{
    uint64_t h = serial * 0xff51afd7ed558ccdull + (uint64_t)src;
    if (name_len)
        h = mix(h, name, name_len);
    return mix(h, value, value_len);
}

/* The thread's table: found through a thread-local pointer (the pthread
 * key is there to free it when the thread ends). */
static _Thread_local slot_t *thread_table;

static slot_t *table(bool create)
{
    if (thread_table || !create)
        return thread_table;
    pthread_once(&table_once, table_init);
    if (!table_key_ok)
        return NULL;
    slot_t *t = calloc(SLOTS, sizeof(*t));
    if (t && pthread_setspecific(table_key, t) != 0) {
        free(t);
        t = NULL;
    }
    thread_table = t;
    return t;
}

static inline uint64_t word8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint32_t word4(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* a and b hold n equal bytes: memcmp, without the call for short values
 * (two overlapping words cover 4 to 16 bytes) */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    if (n > 16)
        return memcmp(a, b, n) == 0;
    if (n >= 8)
        return word8(a) == word8(b) && word8(a + n - 8) == word8(b + n - 8);
    if (n >= 4)
        return word4(a) == word4(b) && word4(a + n - 4) == word4(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static bool fits(size_t name_len, size_t value_len)
{
    return name_len <= RP_CLEAN_CACHE_MAX_BYTES && value_len <= RP_CLEAN_CACHE_MAX_BYTES - name_len;
}

bool rp_clean_cache_hit(uint64_t policy_serial, rp_source_t src, const char *name, size_t name_len,
                        const char *value, size_t value_len)
{
    if (!fits(name_len, value_len))
        return false;
    slot_t *t = table(false);
    if (!t)
        return false;
    uint64_t h = key_hash(policy_serial, src, name, name_len, value, value_len);
    const slot_t *s = &t[h % SLOTS];
    return s->hash == h && s->serial == policy_serial && s->src == (uint8_t)src &&
           s->name_len == name_len && s->value_len == value_len &&
           same_bytes(s->bytes, name, name_len) &&
           same_bytes(s->bytes + name_len, value, value_len);
}

void rp_clean_cache_put(uint64_t policy_serial, rp_source_t src, const char *name, size_t name_len,
                        const char *value, size_t value_len)
{
    if (!fits(name_len, value_len))
        return;
    slot_t *t = table(true);
    if (!t)
        return;
    uint64_t h = key_hash(policy_serial, src, name, name_len, value, value_len);
    slot_t *s = &t[h % SLOTS];
    s->hash = h;
    s->serial = policy_serial;
    s->src = (uint8_t)src;
    s->name_len = (uint16_t)name_len;
    s->value_len = (uint16_t)value_len;
    memcpy(s->bytes, name, name_len);
    memcpy(s->bytes + name_len, value, value_len);
}
