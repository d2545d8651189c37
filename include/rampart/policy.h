/*
 * policy.h — a compiled, immutable, reference-counted policy.
 *
 * A policy is loaded from a policy file (format: docs/POLICY.md) once and
 * then only read, by any number of threads and transactions. Reload builds a
 * new policy and swaps it into an rp_policy_slot_t atomically; transactions
 * already running hold a reference to the old one and finish on it.
 *
 * Ownership: rp_policy_load* return a policy with one reference owned by the
 * caller. rp_policy_ref adds one, rp_policy_unref drops one and frees the
 * policy with the last.
 */
#ifndef RAMPART_POLICY_H
#define RAMPART_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/status.h"

typedef struct rp_policy rp_policy_t;

typedef enum { RP_MODE_BLOCK = 0, RP_MODE_DETECT = 1, RP_MODE_OFF = 2 } rp_mode_t;

/* Load and compile a policy file. On failure returns NULL and fills *err
 * with file:line and the reason (err may be NULL). */
rp_policy_t *rp_policy_load(const char *path, rp_error_t *err);
/* The same from memory; name is used as the file name in errors. */
rp_policy_t *rp_policy_load_string(const char *text, size_t len, const char *name, rp_error_t *err);
/* The built-in defaults (what an empty policy file gives). Never NULL
 * unless out of memory. */
rp_policy_t *rp_policy_default(void);

/* Where compiled pattern databases are kept between loads (a CRS policy
 * then loads in about a second instead of ten). The directory is created
 * 0700 if missing; it must be owned by the effective user and not be
 * writable by group or others, else RP_ERROR with the reason and the cache
 * stays off. NULL turns it off. Without a call, the RAMPART_COMPILE_CACHE
 * environment variable names it. Set it before loading policies; safe
 * from any thread. */
rp_status_t rp_compile_cache_set_dir(const char *dir, rp_error_t *err);

rp_policy_t *rp_policy_ref(rp_policy_t *p);
void rp_policy_unref(rp_policy_t *p);

/* The policy's version string ("version" directive, else a hash of its
 * text). Valid while the caller holds a reference. */
const char *rp_policy_version(const rp_policy_t *p);
rp_mode_t rp_policy_mode(const rp_policy_t *p);

/* A slot holding the current policy for a long-lived process (a gateway
 * worker, rampartd). get returns a new reference the caller must unref;
 * swap installs a new policy (taking over the caller's reference) and drops
 * the slot's reference to the old one. Both are safe from any thread; the
 * critical section is a pointer copy and a reference increment. */
typedef struct rp_policy_slot rp_policy_slot_t;

rp_policy_slot_t *rp_policy_slot_new(rp_policy_t *initial);
rp_policy_t *rp_policy_slot_get(rp_policy_slot_t *s);
void rp_policy_slot_swap(rp_policy_slot_t *s, rp_policy_t *next);
void rp_policy_slot_free(rp_policy_slot_t *s);

#endif
