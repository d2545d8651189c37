/*
 * rules_pf_cache.c — see rules_pf_cache.h.
 *
 * Direct-mapped: 512 entries per thread, each holding one (variable, name,
 * value) of at most RL_PF_CACHE_MAX_BYTES and the prefilter's hit bits for
 * it, tagged with the serial of the prefilter that produced them. A new
 * entry replaces whatever shared its slot. Prefilter serials come from
 * op_hs_serial(), a process-wide counter, and are never reused: a reloaded
 * policy (other rules, other slots) never reads the old policy's bits. The
 * table is allocated on a thread's first insertion and freed when the
 * thread ends.
 */
#include "rules_pf_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

typedef struct {
    uint64_t hash;
    uint64_t serial; /* 0: empty */
    uint16_t name_len, value_len;
    uint8_t var;
    uint64_t bits[RL_PF_CACHE_MAX_WORDS];
    char bytes[RL_PF_CACHE_MAX_BYTES]; /* name, then value */
} entry_t;

static pthread_key_t table_key;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static bool table_key_ok;
static _Thread_local entry_t *thread_table;

static void table_init(void)
{
    table_key_ok = pthread_key_create(&table_key, free) == 0;
}

/* FNV-1a, 64-bit: a header value is scanned by several literal databases
 * after transformations, so one multiply per byte is noise next to a miss.
 * Not a defence against chosen collisions, which only cost a comparison
 * and an eviction. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t key_hash(uint64_t serial, unsigned var, const char *name, size_t name_len,
                         const char *value, size_t value_len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (serial * 0x9E3779B97F4A7C15ull) ^ var;
    h = fnv(h, name, name_len);
    h = fnv(h ^ 0xff, value, value_len); /* the separator keeps ("ab","c") apart from ("a","bc") */
    return h ^ (h >> 29);
}

static bool fits(size_t nwords, size_t name_len, size_t value_len)
{
    return nwords <= RL_PF_CACHE_MAX_WORDS && name_len + value_len <= RL_PF_CACHE_MAX_BYTES;
}

const uint64_t *rl_pf_cache_find(uint64_t serial, unsigned var, const char *name, size_t name_len,
                                 const char *value, size_t value_len, size_t nwords)
{
    if (!thread_table || !fits(nwords, name_len, value_len))
        return NULL;
    uint64_t h = key_hash(serial, var, name, name_len, value, value_len);
    const entry_t *e = &thread_table[h % SLOTS];
    if (e->serial != serial || e->hash != h || e->var != var || e->name_len != name_len ||
        e->value_len != value_len || memcmp(e->bytes, name, name_len) != 0 ||
        memcmp(e->bytes + name_len, value, value_len) != 0)
        return NULL;
    return e->bits;
}

void rl_pf_cache_put(uint64_t serial, unsigned var, const char *name, size_t name_len,
                     const char *value, size_t value_len, const uint64_t *bits, size_t nwords)
{
    if (!serial || !fits(nwords, name_len, value_len))
        return;
    if (!thread_table) {
        pthread_once(&table_once, table_init);
        if (!table_key_ok || !(thread_table = calloc(SLOTS, sizeof(entry_t))))
            return;
        if (pthread_setspecific(table_key, thread_table) != 0) {
            free(thread_table);
            thread_table = NULL;
            return;
        }
    }
    uint64_t h = key_hash(serial, var, name, name_len, value, value_len);
    entry_t *e = &thread_table[h % SLOTS];
    e->hash = h;
    e->serial = serial;
    e->var = (uint8_t)var;
    e->name_len = (uint16_t)name_len;
    e->value_len = (uint16_t)value_len;
    memcpy(e->bits, bits, nwords * sizeof(uint64_t));
    if (name_len)
        memcpy(e->bytes, name, name_len);
    if (value_len)
        memcpy(e->bytes + name_len, value, value_len);
}
