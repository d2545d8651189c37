/*
 * idceremony.c — WebAuthn ceremonies in progress (idceremony.h): an open
 * addressing table under one mutex, keyed by the SHA-256 of the handle;
 * expired slots are free.
 */
#include "idceremony.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "timefmt.h"

#define SLOTS 4096
#define PROBE 64

typedef struct {
    int used;
    unsigned char hash[SECRET_SHA256_LEN];
    idceremony_t c;
} slot_t;

struct idceremonies {
    pthread_mutex_t lock;
    slot_t slots[SLOTS];
};

idceremonies_t *idceremonies_new(void)
{
    idceremonies_t *t = calloc(1, sizeof(*t));
    if (t)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

void idceremonies_free(idceremonies_t *t)
{
    if (!t)
        return;
    secret_wipe(t->slots, sizeof(t->slots));
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static size_t slot_of(const unsigned char *hash)
{
    return ((size_t)hash[0] << 8 | hash[1]) % SLOTS;
}

int idceremony_put(idceremonies_t *t, const idceremony_t *c, char handle[IDCEREMONY_HANDLE_LEN + 1])
{
    unsigned char raw[32], hash[SECRET_SHA256_LEN];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), handle);
    secret_sha256(handle, IDCEREMONY_HANDLE_LEN, hash);
    int64_t now = time_now_ms();
    int placed = -1;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0, at = slot_of(hash); i < PROBE; i++, at = (at + 1) % SLOTS) {
        slot_t *s = &t->slots[at];
        if (!s->used || s->c.expires_ms <= now) {
            memcpy(s->hash, hash, sizeof(hash));
            s->c = *c;
            s->used = 1;
            placed = 0;
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return placed;
}

int idceremony_take(idceremonies_t *t, const char *handle, idceremony_t *out)
{
    if (!handle || strlen(handle) != IDCEREMONY_HANDLE_LEN)
        return -1;
    unsigned char hash[SECRET_SHA256_LEN];
    secret_sha256(handle, IDCEREMONY_HANDLE_LEN, hash);
    int64_t now = time_now_ms();
    int found = -1;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0, at = slot_of(hash); i < PROBE; i++, at = (at + 1) % SLOTS) {
        slot_t *s = &t->slots[at];
        if (s->used && secret_equal(s->hash, hash, sizeof(hash))) {
            if (s->c.expires_ms > now) {
                *out = s->c;
                found = 0;
            }
            secret_wipe(s, sizeof(*s)); /* spent, whatever the outcome */
            break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}
