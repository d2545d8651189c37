/*
 * hs_cache.h — Vectorscan compilation through an on-disk cache.
 *
 * Compiling OWASP CRS's patterns and literal sets takes Vectorscan about
 * ten seconds, every time a policy loads: each nginx start and reload, each
 * policy validation in rampartd, each test. The databases only depend on
 * their inputs, so they are serialised into a private directory under the
 * SHA-256 of those inputs (and of the library version and the CPU features
 * they were built for) and deserialised the next time: the same database,
 * in milliseconds.
 *
 * Off unless a directory is set (rp_compile_cache_set_dir, or the
 * RAMPART_COMPILE_CACHE environment variable). A database from the cache
 * decides what the rules match, so the directory must be the process's
 * own: owned by the effective user, not writable by group or others —
 * anything else is refused and compilation proceeds without the cache.
 * Each entry carries the SHA-256 of its bytes; a damaged entry is
 * compiled anew and replaced.
 */
#ifndef RAMPART_HS_CACHE_H
#define RAMPART_HS_CACHE_H

#include <hs/hs.h>
#include <stddef.h>

hs_error_t rp_hs_compile(const char *expr, unsigned flags, unsigned mode, hs_database_t **db,
                         hs_compile_error_t **err);
hs_error_t rp_hs_compile_multi(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                               unsigned n, unsigned mode, hs_database_t **db,
                               hs_compile_error_t **err);
hs_error_t rp_hs_compile_lit_multi(const char *const *exprs, const unsigned *flags,
                                   const unsigned *ids, const size_t *lens, unsigned n,
                                   unsigned mode, hs_database_t **db, hs_compile_error_t **err);

/* Counters since start, for tests and logs. */
typedef struct {
    unsigned long hits, misses, stored, rejected;
} rp_compile_cache_stats_t;
void rp_compile_cache_stats(rp_compile_cache_stats_t *out);

#endif
