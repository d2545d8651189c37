/*
 * oidc_requests.c — pending authorization requests (see oidc_requests.h).
 */
#include "oidc_requests.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "timefmt.h"

#define SLOTS 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static oidc_request_t slots[SLOTS];

int oidc_request_put(oidc_request_t *r)
{
    unsigned char raw[16];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), r->id);
    int64_t now = time_now_ms() / 1000;
    r->created_s = now;
    pthread_mutex_lock(&lock);
    int pick = 0;
    for (int i = 0; i < SLOTS; i++) {
        if (!slots[i].id[0] || now - slots[i].created_s > OIDC_REQUEST_TTL_S) {
            pick = i;
            break;
        }
        if (slots[i].created_s < slots[pick].created_s)
            pick = i;
    }
    slots[pick] = *r;
    pthread_mutex_unlock(&lock);
    return 0;
}

static int find(const char *id)
{
    if (!id || strlen(id) != OIDC_REQUEST_ID - 1)
        return -1;
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].id[0] && secret_equal(slots[i].id, id, OIDC_REQUEST_ID - 1))
            return i;
    return -1;
}

int oidc_request_get(const char *id, oidc_request_t *out)
{
    pthread_mutex_lock(&lock);
    int i = find(id);
    int ok = i >= 0 && time_now_ms() / 1000 - slots[i].created_s <= OIDC_REQUEST_TTL_S;
    if (ok)
        *out = slots[i];
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -1;
}

void oidc_request_drop(const char *id)
{
    pthread_mutex_lock(&lock);
    int i = find(id);
    if (i >= 0)
        memset(&slots[i], 0, sizeof(slots[i]));
    pthread_mutex_unlock(&lock);
}
