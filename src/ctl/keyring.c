/*
 * keyring.c — the key service (see keyring.h).
 *
 * What the master key wraps, per data key version (a "dk1" blob):
 *
 *     "rpdk1" | name length (1) | name | version (4, big-endian) |
 *     algorithm (1) | encryption key (32) | blind-index key (32) | token key (16)
 *
 * The name and version inside the wrapped blob bind it to its row: a blob
 * copied onto another key's row (by someone with write access to the
 * store) unwraps but is refused. SM4-GCM uses the first 16 bytes of the
 * encryption key, AES-256-GCM all 32.
 */
#include "keyring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define DK_MAGIC    "rpdk1"
#define DK_MATERIAL 80
#define DK_BLOB_MAX (5 + 1 + STORE_KEY_NAME_MAX + 4 + 1 + DK_MATERIAL)
#define CACHE_MAX   4096
#define JOB_BATCH   32
#define JOB_KIND    "master-rotation"

static const char *const op_names[KEY_OP_COUNT] = {"encrypt",     "decrypt",  "rewrap",
                                                   "blind_index", "tokenize", "detokenize"};

const char *key_op_name(int index)
{
    return index >= 0 && index < KEY_OP_COUNT ? op_names[index] : "unknown";
}

struct keyring {
    store_t *store;
    keyprov_t *prov;
    pthread_mutex_t lock; /* the cache and the job */
    key_handle_t *cache[CACHE_MAX];
    int n_cache;
    /* the master-key rotation job */
    pthread_t job_thread;
    int job_running; /* a thread exists (joined at close) */
    store_key_job_t job;
    int stopping;
    pthread_cond_t wake;
    /* metrics */
    _Atomic uint64_t calls[KEY_OP_COUNT], values[KEY_OP_COUNT], failed[KEY_OP_COUNT];
    _Atomic uint64_t rewrapped;
    keyring_audit_fn audit;
    void *audit_ctx;
};

static const store_key_ops_t *ops(keyring_t *kr)
{
    return kr->store->keys;
}

static keyring_status_t from_store(int rc)
{
    return rc == STORE_OK          ? KEYRING_OK
           : rc == STORE_NOT_FOUND ? KEYRING_NOT_FOUND
           : rc == STORE_CONFLICT  ? KEYRING_CONFLICT
                                   : KEYRING_ERROR;
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int keyring_valid_name(const char *name)
{
    if (!name)
        return 0;
    size_t len = strlen(name);
    const char *slash = strchr(name, '/');
    if (len == 0 || len > STORE_KEY_NAME_MAX || !slash || slash == name || !slash[1])
        return 0;
    for (const char *p = name; *p; p++)
        if (p != slash && !name_char(*p))
            return 0;
    return 1;
}

/* ---- the wrapped blob ----------------------------------------------------- */

static size_t dk_encode(const char *name, uint32_t version, rp_aead_alg_t alg,
                        const uint8_t material[DK_MATERIAL], uint8_t out[DK_BLOB_MAX])
{
    size_t n = strlen(name), at = 0;
    memcpy(out, DK_MAGIC, 5);
    at = 5;
    out[at++] = (uint8_t)n;
    memcpy(out + at, name, n);
    at += n;
    out[at++] = (uint8_t)(version >> 24);
    out[at++] = (uint8_t)(version >> 16);
    out[at++] = (uint8_t)(version >> 8);
    out[at++] = (uint8_t)version;
    out[at++] = (uint8_t)alg;
    memcpy(out + at, material, DK_MATERIAL);
    return at + DK_MATERIAL;
}

/* Checks the blob belongs to (name, version); fills the handle. */
static int dk_decode(const uint8_t *in, size_t len, const char *name, uint32_t version,
                     key_handle_t *h)
{
    size_t n = strlen(name);
    if (len != 5 + 1 + n + 4 + 1 + DK_MATERIAL || memcmp(in, DK_MAGIC, 5) != 0 || in[5] != n ||
        memcmp(in + 6, name, n) != 0)
        return -1;
    const uint8_t *p = in + 6 + n;
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    rp_aead_alg_t alg = (rp_aead_alg_t)p[4];
    const uint8_t *m = p + 5;
    if (v != version || !rp_aead_key_init(&h->aead, alg, m, alg == RP_AEAD_SM4_GCM ? 16 : 32))
        return -1;
    memcpy(h->mac, m + 32, 32);
    h->enc_len = alg == RP_AEAD_SM4_GCM ? 16 : 32;
    memcpy(h->enc, m, h->enc_len);
    rp_sm4_set_key(&h->fpe, m + 64);
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->envelope_id, sizeof(h->envelope_id), "%s", name);
    for (char *c = h->envelope_id; *c; c++)
        if (*c == '/')
            *c = ':';
    h->version = version;
    return 0;
}

/* New random material for (name, version), wrapped under the current master. */
static int wrap_new(keyring_t *kr, const char *name, uint32_t version, rp_aead_alg_t alg,
                    store_key_version_t *v)
{
    uint8_t material[DK_MATERIAL], blob[DK_BLOB_MAX];
    memset(v, 0, sizeof(*v));
    int rc = -1;
    if (secret_random(material, sizeof(material)) == 0) {
        size_t n = dk_encode(name, version, alg, material, blob);
        v->version = version;
        v->master_version = kr->prov->ops->current(kr->prov);
        v->created = time_now_ms();
        rc = kr->prov->ops->wrap(kr->prov, v->master_version, blob, n, v->wrapped,
                                 sizeof(v->wrapped), &v->wrapped_len);
    }
    secret_wipe(material, sizeof(material));
    secret_wipe(blob, sizeof(blob));
    return rc;
}

/* ---- the cache ------------------------------------------------------------ */

static key_handle_t *cache_find(keyring_t *kr, const char *name, uint32_t version)
{
    for (int i = 0; i < kr->n_cache; i++)
        if (kr->cache[i]->version == version && strcmp(kr->cache[i]->name, name) == 0)
            return kr->cache[i];
    return NULL;
}

/* Unwraps a stored version into a new handle (NULL on failure). */
static key_handle_t *unwrap_version(keyring_t *kr, const store_key_t *k,
                                    const store_key_version_t *v)
{
    uint8_t blob[DK_BLOB_MAX + KEYPROV_WRAP_OVERHEAD];
    size_t n = 0;
    key_handle_t *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (kr->prov->ops->unwrap(kr->prov, v->master_version, v->wrapped, v->wrapped_len, blob,
                              sizeof(blob), &n) != 0 ||
        dk_decode(blob, n, k->name, v->version, h) != 0) {
        log_kv(LOG_LEVEL_ERROR, "data key does not unwrap", "key", k->name, "version",
               LOG_INT(v->version), "master_version", LOG_INT(v->master_version), NULL);
        secret_wipe(h, sizeof(*h));
        free(h);
        h = NULL;
    }
    secret_wipe(blob, sizeof(blob));
    return h;
}

keyring_status_t keyring_get(keyring_t *kr, const char *name, uint32_t version,
                             const key_handle_t **out)
{
    store_key_t k;
    int rc = ops(kr)->get(kr->store, name, &k);
    if (rc != STORE_OK)
        return from_store(rc);
    if (version == 0)
        version = k.current_version;
    pthread_mutex_lock(&kr->lock);
    key_handle_t *h = cache_find(kr, name, version);
    pthread_mutex_unlock(&kr->lock);
    if (h) {
        *out = h;
        return KEYRING_OK;
    }
    store_key_version_t v;
    rc = ops(kr)->version_get(kr->store, k.id, version, &v);
    if (rc != STORE_OK)
        return from_store(rc);
    h = unwrap_version(kr, &k, &v);
    /* a master rotation may have rewrapped it and retired the old master
     * between the read and the unwrap: read it once more */
    if (!h && ops(kr)->version_get(kr->store, k.id, version, &v) == STORE_OK)
        h = unwrap_version(kr, &k, &v);
    secret_wipe(&v, sizeof(v));
    if (!h)
        return KEYRING_UNAVAILABLE;
    /* Handles stay until close (callers hold them without a lock), so the
     * cache only grows; past CACHE_MAX versions in use, refuse. */
    pthread_mutex_lock(&kr->lock);
    key_handle_t *other = cache_find(kr, name, version);
    int full = !other && kr->n_cache >= CACHE_MAX;
    if (!other && !full)
        kr->cache[kr->n_cache++] = h;
    pthread_mutex_unlock(&kr->lock);
    if (other || full) {
        rp_aead_key_wipe(&h->aead);
        secret_wipe(h, sizeof(*h));
        free(h);
        h = other;
    }
    if (!h) {
        log_kv(LOG_LEVEL_ERROR, "too many data key versions in use", "max", LOG_INT(CACHE_MAX),
               NULL);
        return KEYRING_UNAVAILABLE;
    }
    *out = h;
    return KEYRING_OK;
}

keyring_status_t keyring_create(keyring_t *kr, const char *name, rp_aead_alg_t alg, const char *who,
                                store_key_t *out)
{
    store_key_t k;
    memset(&k, 0, sizeof(k));
    snprintf(k.name, sizeof(k.name), "%s", name);
    snprintf(k.app, sizeof(k.app), "%.*s", (int)(strchr(name, '/') - name), name);
    snprintf(k.created_by, sizeof(k.created_by), "%s", who);
    k.alg = alg;
    k.created = time_now_ms();
    store_key_version_t v;
    if (wrap_new(kr, name, 1, alg, &v) != 0)
        return KEYRING_UNAVAILABLE;
    int rc = ops(kr)->create(kr->store, &k, &v);
    if (rc == STORE_OK && out)
        *out = k;
    return from_store(rc);
}

keyring_status_t keyring_rotate(keyring_t *kr, const char *name, uint32_t *version)
{
    /* The material is made for the version it will have (its blob names
     * it); the store takes it only if the key is still one version
     * behind, so two rotations at once retry rather than mislabel. */
    for (int attempt = 0; attempt < 16; attempt++) {
        store_key_t k;
        int rc = ops(kr)->get(kr->store, name, &k);
        if (rc != STORE_OK)
            return from_store(rc);
        store_key_version_t v;
        if (wrap_new(kr, name, k.current_version + 1, (rp_aead_alg_t)k.alg, &v) != 0)
            return KEYRING_UNAVAILABLE;
        rc = ops(kr)->add_version(kr->store, name, &v);
        if (rc == STORE_OK) {
            *version = v.version;
            return KEYRING_OK;
        }
        if (rc != STORE_CONFLICT)
            return from_store(rc);
    }
    return KEYRING_CONFLICT;
}

/* ---- the master-key rotation job ------------------------------------------ */

typedef struct {
    store_key_version_t v[JOB_BATCH];
    int n;
} batch_t;

static int collect(void *ctx, const store_key_version_t *v)
{
    batch_t *b = ctx;
    b->v[b->n++] = *v;
    return b->n >= JOB_BATCH;
}

/* Rewraps one version under target: unwrap with its master, wrap anew. */
static int rewrap_one(keyring_t *kr, const store_key_version_t *old, uint32_t target)
{
    uint8_t blob[DK_BLOB_MAX + KEYPROV_WRAP_OVERHEAD];
    size_t n = 0;
    store_key_version_t v = *old;
    int rc = -1;
    if (kr->prov->ops->unwrap(kr->prov, old->master_version, old->wrapped, old->wrapped_len, blob,
                              sizeof(blob), &n) == 0 &&
        kr->prov->ops->wrap(kr->prov, target, blob, n, v.wrapped, sizeof(v.wrapped),
                            &v.wrapped_len) == 0) {
        v.master_version = target;
        int st = ops(kr)->rewrap(kr->store, old->key_id, old->version, old->master_version, &v);
        rc = st == STORE_OK || st == STORE_NOT_FOUND ? 0 : -1;
    }
    secret_wipe(blob, sizeof(blob));
    secret_wipe(&v, sizeof(v));
    return rc;
}

/* Records the job's progress (the thread's own fields, read by others
 * under the lock). */
static void job_save(keyring_t *kr)
{
    pthread_mutex_lock(&kr->lock);
    kr->job.updated = time_now_ms();
    store_key_job_t copy = kr->job;
    pthread_mutex_unlock(&kr->lock);
    ops(kr)->job_update(kr->store, &copy);
}

/* Progress from the store itself (versions still below target), so it is
 * right after a crash between a rewrap and the record of it. */
static void job_progress(keyring_t *kr, uint32_t target)
{
    int64_t total = 0, below = 0;
    if (ops(kr)->count_below(kr->store, target, &total, &below) == STORE_OK) {
        pthread_mutex_lock(&kr->lock);
        kr->job.total = total;
        kr->job.done = total - below;
        pthread_mutex_unlock(&kr->lock);
    }
    job_save(kr);
}

/* A record of the job in the audit log: its outcome, id, target, counts. */
static void job_audit(keyring_t *kr, const char *outcome)
{
    if (!kr->audit)
        return;
    char detail[160];
    pthread_mutex_lock(&kr->lock);
    snprintf(
        detail, sizeof(detail), "{\"done\":%lld,\"job\":%lld,\"master_version\":%u,\"total\":%lld}",
        (long long)kr->job.done, (long long)kr->job.id, kr->job.target, (long long)kr->job.total);
    pthread_mutex_unlock(&kr->lock);
    kr->audit(kr->audit_ctx, "key.master_rotation", outcome, detail);
}

/* Sleeps ms unless stopping; returns whether stopping. Called locked. */
static int pause_locked(keyring_t *kr, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!kr->stopping)
        if (pthread_cond_timedwait(&kr->wake, &kr->lock, &until) == ETIMEDOUT)
            break;
    return kr->stopping;
}

static void *job_main(void *arg)
{
    keyring_t *kr = arg;
    uint32_t target = kr->job.target;
    int failures = 0;
    log_kv(LOG_LEVEL_INFO, "master key rotation running", "job", LOG_INT(kr->job.id),
           "target_version", LOG_INT(target), NULL);
    for (;;) {
        pthread_mutex_lock(&kr->lock);
        int stop = kr->stopping;
        pthread_mutex_unlock(&kr->lock);
        if (stop)
            return NULL;
        batch_t b = {.n = 0};
        int limit = kr->job.rate > 0 && kr->job.rate < JOB_BATCH ? kr->job.rate : JOB_BATCH;
        if (ops(kr)->versions_below(kr->store, target, limit, collect, &b) != STORE_OK) {
            failures++;
        } else if (b.n == 0) {
            break;
        } else {
            for (int i = 0; i < b.n; i++) {
                if (rewrap_one(kr, &b.v[i], target) == 0)
                    atomic_fetch_add(&kr->rewrapped, 1);
                else
                    failures++;
            }
        }
        secret_wipe(&b, sizeof(b));
        if (failures > 100) {
            pthread_mutex_lock(&kr->lock);
            snprintf(kr->job.error, sizeof(kr->job.error),
                     "data key versions failed to rewrap; see the rampartd log");
            snprintf(kr->job.state, sizeof(kr->job.state), "failed");
            pthread_mutex_unlock(&kr->lock);
            job_save(kr);
            job_audit(kr, "failure");
            log_kv(LOG_LEVEL_ERROR, "master key rotation failed", "job", LOG_INT(kr->job.id), NULL);
            return NULL;
        }
        job_progress(kr, target);
        pthread_mutex_lock(&kr->lock);
        stop = pause_locked(kr,
                            kr->job.rate > 0 ? 1000L * limit / kr->job.rate : (failures ? 200 : 0));
        pthread_mutex_unlock(&kr->lock);
        if (stop)
            return NULL;
    }
    /* every version is under target now: the old master versions go */
    if (kr->prov->ops->retire(kr->prov, target) != 0)
        log_kv(LOG_LEVEL_WARN, "old master key versions could not be removed", NULL);
    pthread_mutex_lock(&kr->lock);
    snprintf(kr->job.state, sizeof(kr->job.state), "done");
    pthread_mutex_unlock(&kr->lock);
    job_progress(kr, target);
    job_audit(kr, "success");
    log_kv(LOG_LEVEL_INFO, "master key rotation done", "job", LOG_INT(kr->job.id), "master_version",
           LOG_INT(target), "rewrapped", LOG_INT(kr->job.done), NULL);
    return NULL;
}

/* Starts the thread for kr->job. Called locked, with no thread running. */
static int job_start_locked(keyring_t *kr)
{
    if (kr->job_running) {
        pthread_mutex_unlock(&kr->lock);
        pthread_join(kr->job_thread, NULL);
        pthread_mutex_lock(&kr->lock);
        kr->job_running = 0;
    }
    if (pthread_create(&kr->job_thread, NULL, job_main, kr) != 0)
        return -1;
    kr->job_running = 1;
    return 0;
}

static int job_is_running(keyring_t *kr)
{
    return kr->job_running && strcmp(kr->job.state, "running") == 0;
}

keyring_status_t keyring_master_rotate(keyring_t *kr, rp_aead_alg_t alg, int rate, const char *who,
                                       store_key_job_t *job)
{
    pthread_mutex_lock(&kr->lock);
    if (job_is_running(kr)) {
        if (job)
            *job = kr->job;
        pthread_mutex_unlock(&kr->lock);
        return KEYRING_CONFLICT;
    }
    uint32_t target;
    if (kr->prov->ops->rotate(kr->prov, alg, &target) != 0) {
        pthread_mutex_unlock(&kr->lock);
        return KEYRING_UNAVAILABLE;
    }
    store_key_job_t j;
    memset(&j, 0, sizeof(j));
    snprintf(j.kind, sizeof(j.kind), JOB_KIND);
    snprintf(j.state, sizeof(j.state), "running");
    snprintf(j.created_by, sizeof(j.created_by), "%s", who);
    j.target = target;
    j.rate = rate;
    j.created = j.updated = time_now_ms();
    int64_t below = 0;
    int rc = ops(kr)->count_below(kr->store, target, &j.total, &below);
    if (rc == STORE_OK)
        rc = ops(kr)->job_create(kr->store, &j);
    if (rc != STORE_OK) {
        /* the new master version stays: the next start finds versions
         * below it and runs the job then */
        pthread_mutex_unlock(&kr->lock);
        return from_store(rc);
    }
    kr->job = j;
    keyring_status_t st = job_start_locked(kr) == 0 ? KEYRING_OK : KEYRING_ERROR;
    if (job)
        *job = kr->job;
    pthread_mutex_unlock(&kr->lock);
    log_kv(LOG_LEVEL_INFO, "master key rotated", "master_version", LOG_INT(target), "by", who,
           NULL);
    return st;
}

uint32_t keyring_master_version(keyring_t *kr)
{
    return kr->prov->ops->current(kr->prov);
}

const char *keyring_provider_name(keyring_t *kr)
{
    return kr->prov->ops->name;
}

/* ---- open and close ------------------------------------------------------- */

typedef struct {
    keyprov_t *prov;
    uint32_t missing;   /* a master version the provider lacks */
    uint32_t wrong;     /* a master version that does not unwrap its blobs */
    uint32_t tried[32]; /* master versions checked by a trial unwrap */
    int n_tried;
} master_check_t;

/* Each master version in use must exist in the provider and unwrap one
 * of its blobs (a trial on the first seen): another installation's master
 * key file has the same version numbers but not the same keys. */
static int check_master(void *ctx, const store_key_version_t *v)
{
    master_check_t *c = ctx;
    if (!c->prov->ops->has(c->prov, v->master_version)) {
        c->missing = v->master_version;
        return 1;
    }
    for (int i = 0; i < c->n_tried; i++)
        if (c->tried[i] == v->master_version)
            return 0;
    uint8_t blob[DK_BLOB_MAX + KEYPROV_WRAP_OVERHEAD];
    size_t n = 0;
    int ok = c->prov->ops->unwrap(c->prov, v->master_version, v->wrapped, v->wrapped_len, blob,
                                  sizeof(blob), &n) == 0;
    secret_wipe(blob, sizeof(blob));
    if (!ok) {
        c->wrong = v->master_version;
        return 1;
    }
    if (c->n_tried < 32)
        c->tried[c->n_tried++] = v->master_version;
    return 0;
}

static int newest_running(void *ctx, const store_key_job_t *j)
{
    store_key_job_t *out = ctx;
    if (strcmp(j->state, "running") == 0 && strcmp(j->kind, JOB_KIND) == 0 && !out->id)
        *out = *j;
    return 0;
}

keyring_t *keyring_open(store_t *store, keyprov_t *prov, keyring_audit_fn audit, void *audit_ctx,
                        rp_error_t *err)
{
    if (!store->keys) {
        snprintf(err->reason, sizeof(err->reason), "the store has no key tables");
        keyprov_close(prov);
        return NULL;
    }
    keyring_t *kr = calloc(1, sizeof(*kr));
    if (!kr) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        keyprov_close(prov);
        return NULL;
    }
    kr->store = store;
    kr->prov = prov;
    kr->audit = audit;
    kr->audit_ctx = audit_ctx;
    pthread_mutex_init(&kr->lock, NULL);
    pthread_cond_init(&kr->wake, NULL);
    /* Every master version the store refers to must be in the provider
     * and unwrap its data keys (check_master: all versions are read, one
     * trial unwrap per master version). */
    master_check_t check = {.prov = prov};
    uint32_t current = prov->ops->current(prov);
    int rc = store->keys->versions_below(store, UINT32_MAX, 1 << 30, check_master, &check);
    if (rc != STORE_OK || check.missing || check.wrong) {
        if (rc != STORE_OK)
            snprintf(err->reason, sizeof(err->reason), "cannot read the data keys");
        else if (check.wrong)
            snprintf(err->reason, sizeof(err->reason),
                     "master key version %u does not unwrap the data keys it wrapped: this is "
                     "not the master key file of this store",
                     check.wrong);
        else
            snprintf(err->reason, sizeof(err->reason),
                     "data keys are wrapped by master key version %u, which the master key "
                     "provider (%s) does not have: wrong or missing master key file",
                     check.missing, prov->ops->name);
        keyring_close(kr);
        return NULL;
    }
    store_key_job_t job;
    memset(&job, 0, sizeof(job));
    int64_t total = 0, below = 0;
    if (store->keys->job_list(store, newest_running, &job) != STORE_OK ||
        store->keys->count_below(store, current, &total, &below) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the key jobs");
        keyring_close(kr);
        return NULL;
    }
    pthread_mutex_lock(&kr->lock);
    if (job.id) {
        /* a rotation that a stop or a crash interrupted: go on */
        kr->job = job;
        log_kv(LOG_LEVEL_INFO, "resuming master key rotation", "job", LOG_INT(job.id), "done",
               LOG_INT(job.done), "total", LOG_INT(job.total), NULL);
        job_start_locked(kr);
    } else if (below > 0) {
        /* a master version made but its job never recorded (a crash
         * between the two): rewrap now */
        memset(&job, 0, sizeof(job));
        snprintf(job.kind, sizeof(job.kind), JOB_KIND);
        snprintf(job.state, sizeof(job.state), "running");
        snprintf(job.created_by, sizeof(job.created_by), "rampartd");
        job.target = current;
        job.total = total;
        job.created = job.updated = time_now_ms();
        if (store->keys->job_create(store, &job) == STORE_OK) {
            kr->job = job;
            job_start_locked(kr);
        }
    }
    pthread_mutex_unlock(&kr->lock);
    return kr;
}

void keyring_close(keyring_t *kr)
{
    if (!kr)
        return;
    pthread_mutex_lock(&kr->lock);
    kr->stopping = 1;
    pthread_cond_broadcast(&kr->wake);
    int running = kr->job_running;
    pthread_mutex_unlock(&kr->lock);
    if (running)
        pthread_join(kr->job_thread, NULL);
    for (int i = 0; i < kr->n_cache; i++) {
        rp_aead_key_wipe(&kr->cache[i]->aead);
        secret_wipe(kr->cache[i], sizeof(*kr->cache[i]));
        free(kr->cache[i]);
    }
    keyprov_close(kr->prov);
    pthread_cond_destroy(&kr->wake);
    pthread_mutex_destroy(&kr->lock);
    free(kr);
}

/* ---- metrics -------------------------------------------------------------- */

void keyring_count(keyring_t *kr, int op, uint64_t n, uint64_t failed)
{
    for (int i = 0; i < KEY_OP_COUNT; i++)
        if (op == 1 << i) {
            atomic_fetch_add(&kr->calls[i], 1);
            atomic_fetch_add(&kr->values[i], n);
            atomic_fetch_add(&kr->failed[i], failed);
        }
}

void keyring_metrics(keyring_t *kr, strbuf_t *out)
{
    static const char *const series[3][2] = {
        {"rampartd_crypto_calls_total", "Encryption service calls by operation."},
        {"rampartd_crypto_values_total", "Values processed by the encryption service."},
        {"rampartd_crypto_failures_total", "Values refused (authentication, format, key)."},
    };
    for (int s = 0; s < 3; s++) {
        strbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", series[s][0], series[s][1],
                      series[s][0]);
        for (int i = 0; i < KEY_OP_COUNT; i++) {
            _Atomic uint64_t *c = s == 0 ? kr->calls : s == 1 ? kr->values : kr->failed;
            strbuf_printf(out, "%s{op=\"%s\"} %llu\n", series[s][0], op_names[i],
                          (unsigned long long)atomic_load(&c[i]));
        }
    }
    pthread_mutex_lock(&kr->lock);
    int64_t done = kr->job.done, total = kr->job.total;
    pthread_mutex_unlock(&kr->lock);
    strbuf_printf(out,
                  "# HELP rampartd_master_key_version The newest master key version.\n"
                  "# TYPE rampartd_master_key_version gauge\nrampartd_master_key_version %u\n"
                  "# HELP rampartd_key_rewraps_total Data key versions rewrapped under a new "
                  "master key.\n# TYPE rampartd_key_rewraps_total counter\n"
                  "rampartd_key_rewraps_total %llu\n"
                  "# HELP rampartd_key_job_done Progress of the last master key rotation.\n"
                  "# TYPE rampartd_key_job_done gauge\nrampartd_key_job_done %lld\n"
                  "# HELP rampartd_key_job_total Versions the last master key rotation covers.\n"
                  "# TYPE rampartd_key_job_total gauge\nrampartd_key_job_total %lld\n",
                  keyring_master_version(kr), (unsigned long long)atomic_load(&kr->rewrapped),
                  (long long)done, (long long)total);
}
