/*
 * transform.h — SecLang transformations (t:lowercase, t:urlDecodeUni, ...).
 *
 * Each transformation is a pure function from a byte string to a byte
 * string, with ModSecurity v3's semantics (documented per function in the
 * implementation, with the reference it follows). Names are looked up
 * case-insensitively, as ModSecurity does (CRS writes both base64Decode and
 * base64decode).
 *
 * Results live in the arena passed in; when a transformation leaves its
 * input unchanged, *out points at the input itself (no copy), so chains of
 * transformations on clean values cost no allocation.
 */
#ifndef RAMPART_TRANSFORM_H
#define RAMPART_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* Id of a transformation by name, or -1 when unknown. "none" has id 0 and
 * means "clear the transformations so far" in a rule's action list. */
int rp_transform_lookup(const char *name, size_t len);
/* The canonical name of an id (e.g. "urlDecodeUni"). */
const char *rp_transform_name(int id);
/* Number of known transformations (ids are 0 .. count-1). */
int rp_transform_count(void);

/* Apply transformation id to in[0..len). Returns true when the output
 * differs from the input. *out is NUL-terminated (the input is expected to
 * be NUL-terminated too when returned unchanged). Allocation failure leaves
 * the input unchanged and returns false. */
bool rp_transform_apply(int id, rp_arena_t *a, const char *in, size_t len, const char **out,
                        size_t *out_len);

#endif
