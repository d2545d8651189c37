/*
 * keyprov.h — the master key provider: where the key that wraps every data
 * key lives, behind one small interface so an HSM or a national-crypto card
 * (GM/T 0018 SDF: SDF_Encrypt/SDF_Decrypt with a key held inside the device
 * at an index) plugs in without touching the rest of rampartd.
 *
 * The master key never leaves the provider: rampartd hands it bytes to wrap
 * or unwrap under a numbered master version and gets bytes back. Versions
 * are 1, 2, ... ; `rotate` makes a new newest version (new wraps use it),
 * older versions stay usable for unwrapping until `retire` forgets them
 * (after every data key was rewrapped: keyring.c's job). docs/CRYPTO.md,
 * "Master key providers", documents the contract for other providers.
 *
 * Threads: wrap and unwrap may be called from any thread at once; rotate
 * and retire are called by one thread at a time (the key service holds a
 * lock) and must leave concurrent unwraps working.
 */
#ifndef RAMPART_CTL_KEYPROV_H
#define RAMPART_CTL_KEYPROV_H

#include <stddef.h>
#include <stdint.h>

#include "rampart/crypto.h"
#include "rampart/status.h"

/* Wrapped blobs are at most this much larger than what they wrap. */
#define KEYPROV_WRAP_OVERHEAD 128

typedef struct keyprov keyprov_t;

typedef struct {
    const char *name; /* "file", ... (shown in the API and the log) */
    /* The newest master version. */
    uint32_t (*current)(keyprov_t *p);
    /* Wraps in[0..len) under master `version` into out (cap bytes); 0, or
     * -1 (unknown version, too small, device error). */
    int (*wrap)(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                size_t cap, size_t *out_len);
    /* The inverse; -1 also when the blob does not authenticate. */
    int (*unwrap)(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                  size_t cap, size_t *out_len);
    /* Makes a new master version with the algorithm given (durably, before
     * it returns); *version gets it. 0 or -1. */
    int (*rotate)(keyprov_t *p, rp_aead_alg_t alg, uint32_t *version);
    /* Forgets every version below `keep_from` (destroys the material). */
    int (*retire)(keyprov_t *p, uint32_t keep_from);
    /* Whether a version can still unwrap. */
    int (*has)(keyprov_t *p, uint32_t version);
    void (*close)(keyprov_t *p);
} keyprov_ops_t;

struct keyprov {
    const keyprov_ops_t *ops;
};

/* The file provider: PATH (rampartd uses DATA_DIR/master.key), created
 * with mode 0600 (SM4-GCM, version 1) when missing and may_create (the
 * store holds no data key yet); refused when group or others may read it
 * or another user owns it. NULL with err on failure. */
keyprov_t *keyprov_file_open(const char *path, int may_create, rp_error_t *err);

static inline void keyprov_close(keyprov_t *p)
{
    if (p)
        p->ops->close(p);
}

#endif
