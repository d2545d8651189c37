/*
 * keyring.h — rampartd's key service: named data keys ("app/field") with
 * versions, each version's material wrapped by the master key (keyprov.h)
 * in the store (store_keys.h), unwrapped on first use and kept in memory;
 * rotation of data keys and of the master key (a background job that
 * rewraps every data key version, resumable after a crash).
 *
 * A data key version's material is three independent random subkeys: the
 * encryption key (SM4-GCM or AES-256-GCM envelopes), the blind-index key
 * (HMAC-SM3) and the token key (FF1 over SM4 for ID numbers), so one named
 * key serves every operation of the encryption service without one
 * operation's key ever being used by another.
 *
 * Material never leaves this module other than wrapped; callers get an
 * opaque, read-only handle valid until keyring_close.
 */
#ifndef RAMPART_CTL_KEYRING_H
#define RAMPART_CTL_KEYRING_H

#include <stdint.h>

#include "keyprov.h"
#include "rampart/crypto.h"
#include "store.h"
#include "store_keys.h"
#include "strbuf.h"

/* Operations a grant allows (store_grant_t.ops). */
enum {
    KEY_OP_ENCRYPT = 1,
    KEY_OP_DECRYPT = 2,
    KEY_OP_REWRAP = 4,
    KEY_OP_BLIND_INDEX = 8,
    KEY_OP_TOKENIZE = 16,
    KEY_OP_DETOKENIZE = 32,
    KEY_OP_ALL = 63,
    KEY_OP_COUNT = 6
};

const char *key_op_name(int index); /* "encrypt", ... for bit 1 << index */

typedef struct keyring keyring_t;

/* One unwrapped data key version. */
typedef struct {
    char name[STORE_KEY_NAME_MAX + 1];
    char envelope_id[STORE_KEY_NAME_MAX + 1]; /* the name with '/' as ':' (envelope alphabet) */
    uint32_t version;
    rp_aead_key_t aead;
    uint8_t mac[32];
    rp_sm4_key_t fpe;
    /* the encryption subkey as bytes (16 for SM4, 32 for AES), for the
     * gateways' field encryption (api_gateway_keys.c) */
    uint8_t enc[32];
    size_t enc_len;
} key_handle_t;

typedef enum {
    KEYRING_OK = 0,
    KEYRING_NOT_FOUND,   /* no such key or version */
    KEYRING_CONFLICT,    /* the key exists / a job runs already */
    KEYRING_UNAVAILABLE, /* the master key cannot unwrap it (provider lacks the version) */
    KEYRING_ERROR,       /* the store failed */
} keyring_status_t;

/* Where the service's own records go (the job's end, a resumed job): an
 * action ("key.master_rotation"), an outcome and a JSON detail. */
typedef void (*keyring_audit_fn)(void *ctx, const char *action, const char *outcome,
                                 const char *detail);

/* Opens the service over a store and a provider (taken; closed with the
 * keyring). Refuses (NULL, err) when the store holds data keys wrapped by
 * master versions the provider does not have: a missing or wrong master
 * key file must stop start-up, not make every ciphertext unreadable. A
 * master-key rotation left running (or never started) is resumed. */
keyring_t *keyring_open(store_t *store, keyprov_t *prov, keyring_audit_fn audit, void *audit_ctx,
                        rp_error_t *err);
/* Stops the job (it resumes at the next start) and wipes every key. */
void keyring_close(keyring_t *kr);

/* Whether a name is a valid key name: APP/FIELD, each 1+ of
 * A-Z a-z 0-9 . _ -, 32 bytes in all. */
int keyring_valid_name(const char *name);

keyring_status_t keyring_create(keyring_t *kr, const char *name, rp_aead_alg_t alg, const char *who,
                                store_key_t *out);
keyring_status_t keyring_rotate(keyring_t *kr, const char *name, uint32_t *version);
/* The handle of a version (0: the current one). */
keyring_status_t keyring_get(keyring_t *kr, const char *name, uint32_t version,
                             const key_handle_t **out);

/* Starts a master-key rotation: a new master version with alg, then a job
 * that rewraps every data key version under it, at most `rate` versions a
 * second (0: no limit). KEYRING_CONFLICT while one runs. */
keyring_status_t keyring_master_rotate(keyring_t *kr, rp_aead_alg_t alg, int rate, const char *who,
                                       store_key_job_t *job);
uint32_t keyring_master_version(keyring_t *kr);
const char *keyring_provider_name(keyring_t *kr);

/* Counts one call of an operation (op bit) over n values, failed of them. */
void keyring_count(keyring_t *kr, int op, uint64_t n, uint64_t failed);
/* The Prometheus lines of the service. */
void keyring_metrics(keyring_t *kr, strbuf_t *out);

#endif
