/*
 * idkeys.c — session and upstream keys (see idkeys.h).
 */
#include "idkeys.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idcrypt.h"
#include "idsession.h"
#include "log.h"
#include "secret.h"
#include "store_idsess.h"
#include "timefmt.h"

struct idkeys {
    pthread_mutex_t lock;
    idkey_mem_t session[IDKEY_MAX];
    int n;
};

idkeys_t *idkeys_new(void)
{
    idkeys_t *k = calloc(1, sizeof(*k));
    if (k)
        pthread_mutex_init(&k->lock, NULL);
    return k;
}

void idkeys_free(idkeys_t *k)
{
    if (!k)
        return;
    secret_wipe(k->session, sizeof(k->session));
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static void purpose_of(const char *kind, const char *name, char out[96])
{
    snprintf(out, 96, "%s:%s", kind, name);
}

typedef struct {
    idkey_mem_t keys[IDKEY_MAX + 1];
    int n, broken;
} loaded_t;

static int load_key(void *ctx, const idkey_t *row)
{
    loaded_t *l = ctx;
    if (l->n == IDKEY_MAX + 1)
        return 1;
    idkey_mem_t *m = &l->keys[l->n];
    char purpose[96];
    purpose_of("session-key", row->kid, purpose);
    unsigned char raw[IDCRYPT_MAX_PLAIN];
    if (idcrypt_open(purpose, row->sealed, raw) != IDKEY_LEN) {
        l->broken = 1; /* another identity.key sealed it: never sign with it */
        return 0;
    }
    snprintf(m->kid, sizeof(m->kid), "%s", row->kid);
    snprintf(m->alg, sizeof(m->alg), "%s", row->alg);
    memcpy(m->key, raw, IDKEY_LEN);
    secret_wipe(raw, sizeof(raw));
    m->created = row->created;
    l->n++;
    return 0;
}

static int add_session_key(ctl_t *ctl, int64_t now)
{
    idkey_t row;
    memset(&row, 0, sizeof(row));
    unsigned char kid_raw[9], key[IDKEY_LEN];
    if (secret_random(kid_raw, sizeof(kid_raw)) || secret_random(key, sizeof(key)))
        return STORE_ERROR;
    secret_base64url(kid_raw, sizeof(kid_raw), row.kid); /* 12 characters */
    snprintf(row.purpose, sizeof(row.purpose), "session");
    ctl_config_t *cfg = config_acquire(&ctl->config); /* session_key_algorithm */
    snprintf(row.alg, sizeof(row.alg), "%s", cfg->session_key_alg);
    config_release(cfg);
    char purpose[96];
    purpose_of("session-key", row.kid, purpose);
    int sealed = idcrypt_seal(purpose, key, sizeof(key), row.sealed);
    secret_wipe(key, sizeof(key));
    if (sealed)
        return STORE_ERROR;
    row.created = now;
    int rc = idkey_add(ctl->store, &row);
    if (rc == STORE_OK)
        log_kv(LOG_LEVEL_INFO, "identity session key created", "kid", row.kid, "alg", row.alg,
               NULL);
    return rc;
}

int idkeys_refresh(ctl_t *ctl, idkeys_t *k)
{
    int64_t now = time_now_ms() / 1000;
    loaded_t *l = calloc(1, sizeof(*l));
    if (!l)
        return STORE_ERROR;
    int rc = idkey_list(ctl->store, "session", "", load_key, l);
    if (rc == STORE_OK && (l->n == 0 || now - l->keys[l->n - 1].created >= IDKEY_ROTATE_S)) {
        rc = add_session_key(ctl, now);
        if (rc == STORE_OK) {
            secret_wipe(l, sizeof(*l));
            memset(l, 0, sizeof(*l));
            rc = idkey_list(ctl->store, "session", "", load_key, l);
        }
    }
    if (rc == STORE_OK) {
        /* each key is valid until the next one's creation + the longest session */
        int first = 0, absolute_s = idconf_session_absolute_s(ctl);
        for (int i = 0; i < l->n; i++) {
            l->keys[i].not_after = i + 1 < l->n ? l->keys[i + 1].created + absolute_s + 60 : 0;
            if (l->keys[i].not_after && l->keys[i].not_after < now) {
                idkey_delete(ctl->store, l->keys[i].kid);
                first = i + 1;
            }
        }
        if (l->n > IDKEY_MAX && first == 0)
            first = l->n - IDKEY_MAX;
        idkeys_install(k, l->keys + first, l->n - first);
    }
    secret_wipe(l, sizeof(*l));
    free(l);
    return rc;
}

void idkeys_install(idkeys_t *k, const idkey_mem_t *keys, int n)
{
    pthread_mutex_lock(&k->lock);
    secret_wipe(k->session, sizeof(k->session));
    k->n = 0;
    for (int i = 0; i < n && k->n < IDKEY_MAX; i++)
        k->session[k->n++] = keys[i];
    pthread_mutex_unlock(&k->lock);
}

int idkeys_newest(idkeys_t *k, idkey_mem_t *out)
{
    pthread_mutex_lock(&k->lock);
    int ok = k->n > 0;
    if (ok)
        *out = k->session[k->n - 1];
    pthread_mutex_unlock(&k->lock);
    return ok ? 0 : -1;
}

int idkeys_find(idkeys_t *k, const char *kid, int64_t now, idkey_mem_t *out)
{
    int found = -1;
    pthread_mutex_lock(&k->lock);
    for (int i = 0; i < k->n; i++)
        if (strcmp(k->session[i].kid, kid) == 0 &&
            (k->session[i].not_after == 0 || now < k->session[i].not_after)) {
            *out = k->session[i];
            found = 0;
        }
    pthread_mutex_unlock(&k->lock);
    return found;
}

void idkeys_version(idkeys_t *k, char out[17])
{
    char kids[IDKEY_MAX * 18 + 1] = "";
    pthread_mutex_lock(&k->lock);
    for (int i = 0; i < k->n; i++) {
        strcat(kids, k->session[i].kid);
        strcat(kids, ",");
    }
    pthread_mutex_unlock(&k->lock);
    unsigned char digest[SECRET_SHA256_LEN];
    secret_sha256(kids, strlen(kids), digest);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* ---- upstream keys and the gateways' view ------------------------------------- */

typedef struct {
    json_t *upstream;
    int failed;
} upstream_t;

static int add_upstream(void *ctx, const idkey_t *row)
{
    upstream_t *u = ctx;
    char purpose[96];
    purpose_of("upstream-key", row->app, purpose);
    unsigned char raw[IDCRYPT_MAX_PLAIN];
    char b64[64];
    if (idcrypt_open(purpose, row->sealed, raw) != IDKEY_LEN)
        return 0;
    secret_base64url(raw, IDKEY_LEN, b64);
    secret_wipe(raw, sizeof(raw));
    json_object_set_new(u->upstream, row->app, json_string(b64));
    secret_wipe(b64, sizeof(b64));
    return 0;
}

static int ensure_upstream(void *ctx, const store_app_t *app)
{
    void **args = ctx;
    ctl_t *ctl = args[0];
    json_t *have = args[1];
    if (json_object_get(have, app->name))
        return 0;
    idkey_t row;
    memset(&row, 0, sizeof(row));
    unsigned char kid_raw[9], key[IDKEY_LEN];
    if (secret_random(kid_raw, sizeof(kid_raw)) || secret_random(key, sizeof(key)))
        return 1;
    secret_base64url(kid_raw, sizeof(kid_raw), row.kid);
    snprintf(row.purpose, sizeof(row.purpose), "upstream");
    snprintf(row.app, sizeof(row.app), "%s", app->name);
    snprintf(row.alg, sizeof(row.alg), "hmac-sha256");
    char purpose[96];
    purpose_of("upstream-key", app->name, purpose);
    int sealed = idcrypt_seal(purpose, key, sizeof(key), row.sealed);
    secret_wipe(key, sizeof(key));
    row.created = time_now_ms() / 1000;
    if (!sealed)
        idkey_add(ctl->store, &row);
    return 0;
}

json_t *idkeys_gateway_json(ctl_t *ctl, idkeys_t *k)
{
    if (idkeys_refresh(ctl, k) != STORE_OK)
        return NULL;
    upstream_t u = {json_object(), 0};
    void *args[2] = {ctl, u.upstream};
    int rc = idkey_list(ctl->store, "upstream", "", add_upstream, &u);
    if (rc == STORE_OK)
        rc = ctl->store->ops->app_list(ctl->store, ensure_upstream, args);
    json_object_clear(u.upstream);
    if (rc == STORE_OK)
        rc = idkey_list(ctl->store, "upstream", "", add_upstream, &u);
    json_t *session = json_array();
    pthread_mutex_lock(&k->lock);
    for (int i = 0; i < k->n; i++) {
        char b64[64];
        secret_base64url(k->session[i].key, IDKEY_LEN, b64);
        json_array_append_new(session, json_pack("{s:s, s:s, s:s, s:I}", "kid", k->session[i].kid,
                                                 "alg", k->session[i].alg, "key", b64, "not_after",
                                                 (json_int_t)k->session[i].not_after));
        secret_wipe(b64, sizeof(b64));
    }
    pthread_mutex_unlock(&k->lock);
    char version[17];
    idkeys_version(k, version);
    json_t *o = json_pack("{s:s, s:o, s:o}", "version", version, "session", session, "upstream",
                          u.upstream);
    if (rc != STORE_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}
