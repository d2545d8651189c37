/*
 * identity_cache.c — see identity_cache.h. A direct-mapped table per
 * thread (pthread key, so it also works in a dlopen'ed nginx module where
 * large static TLS is not available), each slot a heap copy of one token.
 * A hit compares the full token: a hash collision can never pass a token
 * whose MAC was not checked.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "identity_cache.h"

#define SLOTS 64

typedef struct {
    uint64_t serial;
    size_t len;
    char *token;
} slot_t;

typedef struct {
    slot_t slot[SLOTS];
} cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
    cache_t *c = p;
    for (size_t i = 0; i < SLOTS; i++)
        free(c->slot[i].token);
    free(c);
}

static void cache_setup(void)
{
    pthread_key_create(&cache_key, cache_free);
}

static cache_t *thread_cache(bool create)
{
    pthread_once(&cache_once, cache_setup);
    cache_t *c = pthread_getspecific(cache_key);
    if (!c && create) {
        c = calloc(1, sizeof(*c));
        if (c && pthread_setspecific(cache_key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

static size_t slot_of(const char *token, size_t len)
{
    /* the MAC is the token's last 43 characters: already uniformly random */
    uint64_t h = 0;
    memcpy(&h, token + len - sizeof(h), sizeof(h));
    return (size_t)(h % SLOTS);
}

bool rp_id_cache_hit(uint64_t key_serial, const char *token, size_t len)
{
    if (len < sizeof(uint64_t))
        return false;
    cache_t *c = thread_cache(false);
    if (!c)
        return false;
    slot_t *s = &c->slot[slot_of(token, len)];
    return s->token && s->serial == key_serial && s->len == len &&
           memcmp(s->token, token, len) == 0;
}

void rp_id_cache_put(uint64_t key_serial, const char *token, size_t len)
{
    if (len < sizeof(uint64_t))
        return;
    cache_t *c = thread_cache(true);
    if (!c)
        return;
    slot_t *s = &c->slot[slot_of(token, len)];
    char *copy = s->token && s->len >= len ? s->token : realloc(s->token, len);
    if (!copy)
        return;
    memcpy(copy, token, len);
    s->token = copy;
    s->len = len;
    s->serial = key_serial;
}
