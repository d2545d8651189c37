/*
 * store_keys.h — the store's part for key management (keyring.h): named
 * data keys and their versions (the material wrapped by the master key,
 * never in clear), grants of key use, and key jobs (master-key rotation
 * with its progress). Its own table of operations, set as store->keys by
 * each backend (migration 6), so it adds nothing to store_ops_t.
 */
#ifndef RAMPART_CTL_STORE_KEYS_H
#define RAMPART_CTL_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_NAME_MAX    32  /* "app/field": the envelope's key id limit */
#define STORE_KEY_WRAPPED_MAX 256 /* a wrapped data key */
#define STORE_GRANT_KEYS_MAX  512 /* a grant's key names, a JSON array */
#define STORE_JOB_ERROR_MAX   200

struct store;

typedef struct {
    int64_t id;
    char name[STORE_KEY_NAME_MAX + 1]; /* "app/field" */
    char app[STORE_KEY_NAME_MAX + 1];  /* the part before '/' */
    int alg;                           /* rp_aead_alg_t of its encryption subkey */
    uint32_t current_version;          /* new writes use it */
    char created_by[65];
    int64_t created, updated;
} store_key_t;

typedef struct {
    int64_t key_id;
    uint32_t version;
    uint32_t master_version; /* the master version that wraps it */
    unsigned char wrapped[STORE_KEY_WRAPPED_MAX];
    size_t wrapped_len;
    int64_t created;
} store_key_version_t;

/* Who (an account name or "token:NAME") may do which operations (a bit
 * set, keyring.h) with which keys of an application (JSON array of field
 * names, or ["*"]). */
typedef struct {
    int64_t id;
    char subject[65];
    char app[STORE_KEY_NAME_MAX + 1];
    char keys[STORE_GRANT_KEYS_MAX + 1];
    unsigned ops;
    char created_by[65];
    int64_t created;
} store_grant_t;

/* A background key job: kind "master-rotation" rewraps every data key
 * version under master version `target`. state: running, done, failed. */
typedef struct {
    int64_t id;
    char kind[24];
    char state[12];
    uint32_t target;
    int64_t total, done;
    int rate; /* versions per second at most; 0: as fast as it goes */
    char created_by[65];
    char error[STORE_JOB_ERROR_MAX + 1];
    int64_t created, updated;
} store_key_job_t;

typedef int (*store_key_cb)(void *ctx, const store_key_t *key);
typedef int (*store_key_version_cb)(void *ctx, const store_key_version_t *v);
typedef int (*store_grant_cb)(void *ctx, const store_grant_t *g);
typedef int (*store_key_job_cb)(void *ctx, const store_key_job_t *job);

/* Keys gathered from a list call, so that each one's versions can be read
 * after it (one pooled connection at a time); free(keys) when done. */
typedef struct {
    store_key_t *keys;
    size_t n, cap;
} store_key_array_t;

/* A store_key_cb appending to the store_key_array_t ctx; 1 when out of memory. */
int store_key_array_add(void *ctx, const store_key_t *key);

typedef struct store_key_ops {
    /* A key and its version 1 together (sets k->id); STORE_CONFLICT when
     * the name is taken. */
    int (*create)(struct store *s, store_key_t *k, const store_key_version_t *v1);
    int (*get)(struct store *s, const char *name, store_key_t *out);
    int (*list)(struct store *s, store_key_cb cb, void *ctx);
    /* Appends v (v->version must be current + 1) and makes it current,
     * atomically; STORE_CONFLICT when the key is no longer at
     * v->version - 1 (another rotation won) or is gone. */
    int (*add_version)(struct store *s, const char *name, const store_key_version_t *v);
    int (*version_get)(struct store *s, int64_t key_id, uint32_t version, store_key_version_t *out);
    /* Every version of a key, oldest first. */
    int (*versions)(struct store *s, int64_t key_id, store_key_version_cb cb, void *ctx);
    /* Up to limit versions wrapped by a master version below `master`. */
    int (*versions_below)(struct store *s, uint32_t master, int limit, store_key_version_cb cb,
                          void *ctx);
    /* How many versions there are, and how many are below `master`. */
    int (*count_below)(struct store *s, uint32_t master, int64_t *total, int64_t *below);
    /* Replaces a version's wrapping, only if it is still wrapped by
     * old_master (STORE_NOT_FOUND otherwise: someone else did it). */
    int (*rewrap)(struct store *s, int64_t key_id, uint32_t version, uint32_t old_master,
                  const store_key_version_t *v);

    int (*grant_create)(struct store *s, store_grant_t *g); /* sets g->id */
    int (*grant_list)(struct store *s, store_grant_cb cb, void *ctx);
    int (*grants_of)(struct store *s, const char *subject, store_grant_cb cb, void *ctx);
    int (*grant_delete)(struct store *s, int64_t id);

    int (*job_create)(struct store *s, store_key_job_t *j);           /* sets j->id */
    int (*job_update)(struct store *s, const store_key_job_t *j);     /* state, counts, error */
    int (*job_list)(struct store *s, store_key_job_cb cb, void *ctx); /* newest first */
} store_key_ops_t;

#endif
