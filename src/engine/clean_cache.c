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
 * chosen collisions, which only cost a full comparison and an eviction. */
static uint64_t mix(uint64_t h, const char *s, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    if (n > i)
        memcpy(&w, s + i, n - i);
    h = (h ^ w ^ ((uint64_t)n << 56)) * k;
    return h ^ (h >> 32);
}

static uint64_t key_hash(uint64_t serial, rp_source_t src, const char *name, size_t name_len,
                         const char *value, size_t value_len)
{
    uint64_t h = mix(serial * 0xff51afd7ed558ccdull + (uint64_t)src, name, name_len);
    return mix(h, value, value_len);
}

static slot_t *table(bool create)
{
    pthread_once(&table_once, table_init);
    if (!table_key_ok)
        return NULL;
    slot_t *t = pthread_getspecific(table_key);
    if (!t && create) {
        t = calloc(SLOTS, sizeof(*t));
        if (t && pthread_setspecific(table_key, t) != 0) {
            free(t);
            t = NULL;
        }
    }
    return t;
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
    return s->serial == policy_serial && s->hash == h && s->src == (uint8_t)src &&
           s->name_len == name_len && s->value_len == value_len &&
           memcmp(s->bytes, name, name_len) == 0 &&
           memcmp(s->bytes + name_len, value, value_len) == 0;
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
