/*
 * throttle.c — login throttling tables (see throttle.h).
 *
 * Two fixed arrays searched linearly: a login already costs an argon2id
 * hash, next to which scanning a few thousand entries is free. When a table
 * is full, the entry that changed longest ago is reused.
 */
#include "throttle.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SIZE 4096
#define KEY_MAX    72

typedef struct {
    char key[KEY_MAX];
    int failures;
    int lockouts;
    int64_t since; /* account: last change; address: window start */
    int64_t until; /* account: locked until */
    int used;
} entry_t;

struct throttle {
    pthread_mutex_t lock;
    entry_t accounts[TABLE_SIZE];
    entry_t addresses[TABLE_SIZE];
};

throttle_t *throttle_new(void)
{
    throttle_t *t = calloc(1, sizeof(*t));
    if (t)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

void throttle_free(throttle_t *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static void make_key(const char *in, char out[KEY_MAX])
{
    size_t i = 0;
    for (; in && in[i] && i < KEY_MAX - 1; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static entry_t *find(entry_t *table, const char *key, int create, int64_t now)
{
    entry_t *oldest = &table[0];
    for (int i = 0; i < TABLE_SIZE; i++) {
        if (table[i].used && strcmp(table[i].key, key) == 0)
            return &table[i];
        if (!table[i].used || (oldest->used && table[i].since < oldest->since))
            oldest = &table[i];
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    snprintf(oldest->key, sizeof(oldest->key), "%s", key);
    oldest->used = 1;
    oldest->since = now;
    return oldest;
}

int throttle_check(throttle_t *t, const ctl_config_t *cfg, const char *account, const char *addr,
                   int64_t now)
{
    char ak[KEY_MAX], ik[KEY_MAX];
    make_key(account, ak);
    make_key(addr, ik);
    int64_t wait_ms = 0;
    pthread_mutex_lock(&t->lock);
    entry_t *a = find(t->accounts, ak, 0, now);
    if (a && a->until > now)
        wait_ms = a->until - now;
    entry_t *i = find(t->addresses, ik, 0, now);
    int64_t window = (int64_t)cfg->login_address_window_s * 1000;
    if (i && now - i->since < window && i->failures >= cfg->login_address_failures) {
        int64_t w = i->since + window - now;
        if (w > wait_ms)
            wait_ms = w;
    }
    pthread_mutex_unlock(&t->lock);
    return wait_ms ? (int)((wait_ms + 999) / 1000) : 0;
}

void throttle_failure(throttle_t *t, const ctl_config_t *cfg, const char *account, const char *addr,
                      int64_t now)
{
    char ak[KEY_MAX], ik[KEY_MAX];
    make_key(account, ak);
    make_key(addr, ik);
    pthread_mutex_lock(&t->lock);
    entry_t *a = find(t->accounts, ak, 1, now);
    a->since = now;
    if (++a->failures >= cfg->login_account_failures) {
        int64_t lock_ms = (int64_t)cfg->login_lockout_s * 1000;
        int64_t max_ms = (int64_t)cfg->login_lockout_max_s * 1000;
        for (int k = 0; k < a->lockouts && lock_ms < max_ms; k++)
            lock_ms *= 2;
        if (lock_ms > max_ms && (int64_t)cfg->login_lockout_s * 1000 <= max_ms)
            lock_ms = max_ms;
        a->until = now + lock_ms;
        a->lockouts++;
        a->failures = 0;
    }
    entry_t *i = find(t->addresses, ik, 1, now);
    if (now - i->since >= (int64_t)cfg->login_address_window_s * 1000) {
        i->since = now;
        i->failures = 0;
    }
    i->failures++;
    pthread_mutex_unlock(&t->lock);
}

void throttle_success(throttle_t *t, const char *account)
{
    char ak[KEY_MAX];
    make_key(account, ak);
    pthread_mutex_lock(&t->lock);
    entry_t *a = find(t->accounts, ak, 0, 0);
    if (a)
        memset(a, 0, sizeof(*a));
    pthread_mutex_unlock(&t->lock);
}
