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
    rp_id_claims_t *claims;
} slot_t;

typedef struct {
    slot_t slot[SLOTS];
} cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
    cache_t *c = p;
    for (size_t i = 0; i < SLOTS; i++) {
        free(c->slot[i].token);
        free(c->slot[i].claims);
    }
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

static void repoint(rp_id_str_t *d, const rp_id_str_t *s, const char *from, char *to)
{
    d->p = s->p ? to + (s->p - from) : NULL;
    d->len = s->len;
}

void rp_id_claims_copy(rp_id_claims_t *dst, const rp_id_claims_t *src)
{
    memcpy(dst->text, src->text, src->text_len + 1);
    dst->text_len = src->text_len;
    repoint(&dst->sid, &src->sid, src->text, dst->text);
    repoint(&dst->uid_text, &src->uid_text, src->text, dst->text);
    repoint(&dst->sub, &src->sub, src->text, dst->text);
    repoint(&dst->ro, &src->ro, src->text, dst->text);
    repoint(&dst->gr, &src->gr, src->text, dst->text);
    repoint(&dst->amr, &src->amr, src->text, dst->text);
    repoint(&dst->n, &src->n, src->text, dst->text);
    dst->uid = src->uid;
    dst->iat = src->iat;
    dst->act = src->act;
    dst->exp = src->exp;
    dst->idl = src->idl;
    dst->hx = src->hx;
}

bool rp_id_cache_hit(uint64_t key_serial, const char *token, size_t len, rp_id_claims_t *claims)
{
    if (len < sizeof(uint64_t))
        return false;
    cache_t *c = thread_cache(false);
    if (!c)
        return false;
    slot_t *s = &c->slot[slot_of(token, len)];
    if (!s->token || s->serial != key_serial || s->len != len || memcmp(s->token, token, len) != 0)
        return false;
    rp_id_claims_copy(claims, s->claims);
    return true;
}

void rp_id_cache_put(uint64_t key_serial, const char *token, size_t len,
                     const rp_id_claims_t *claims)
{
    if (len < sizeof(uint64_t))
        return;
    cache_t *c = thread_cache(true);
    if (!c)
        return;
    slot_t *s = &c->slot[slot_of(token, len)];
    if (!s->claims && !(s->claims = malloc(sizeof(*s->claims))))
        return;
    char *copy = s->token && s->len >= len ? s->token : realloc(s->token, len);
    if (!copy)
        return;
    memcpy(copy, token, len);
    s->token = copy;
    s->len = len;
    s->serial = key_serial;
    rp_id_claims_copy(s->claims, claims);
}
