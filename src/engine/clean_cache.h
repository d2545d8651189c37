/*
 * clean_cache.h — a per-thread memory of header and cookie values and JSON
 * keys the detectors found nothing in.
 *
 * A browser sends the same User-Agent, Accept lists, Referer and session
 * cookies with every request, and the detectors would judge each of them
 * again every time; a JSON API's clients send the same object keys (its
 * schema). The cache remembers (policy, source, name, value) quadruples
 * whose inspection produced no match and depended on nothing but those
 * four, compared in full, so a hit can only ever skip work whose answer is
 * already known. JSON keys are remembered with an empty name: their
 * inspection does not depend on the path. Body values and arguments are not
 * cached: they vary per request, and an attacker could only use the cache
 * to evict. (Keys can evict too, at most one slot per key, as many as the
 * argument limit lets a body have: a cost, never a verdict.)
 */
#ifndef RAMPART_CLEAN_CACHE_H
#define RAMPART_CLEAN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/transaction.h"

/* Name and value together longer than this are never cached. */
#define RP_CLEAN_CACHE_MAX_BYTES 480

bool rp_clean_cache_hit(uint64_t policy_serial, rp_source_t src, const char *name, size_t name_len,
                        const char *value, size_t value_len);
void rp_clean_cache_put(uint64_t policy_serial, rp_source_t src, const char *name, size_t name_len,
                        const char *value, size_t value_len);

#endif
