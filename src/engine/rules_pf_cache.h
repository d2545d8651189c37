/*
 * rules_pf_cache.h — a per-thread memory of the prefilter's verdict on
 * values that repeat across requests (User-Agent, Accept*, cookies).
 *
 * The prefilter's verdict on one value of a variable — the slots whose
 * literals some group of that variable finds in the value after the
 * group's transformations, masked by the groups that select the value's
 * name — depends only on the prefilter (its groups and databases), the
 * variable, the name and the value bytes. So it can be remembered across
 * transactions, keyed by the prefilter's serial; rules_prefilter.c then
 * applies the remembered bits exactly as it would apply a fresh scan's.
 */
#ifndef RAMPART_RULES_PF_CACHE_H
#define RAMPART_RULES_PF_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RL_PF_CACHE_MAX_BYTES 512 /* name + value; longer values are not remembered */
#define RL_PF_CACHE_MAX_WORDS 16  /* 1024 prefilter slots */

/* The bits remembered for (serial, var, name, value), or NULL. Valid until
 * the thread's next rl_pf_cache_put. */
const uint64_t *rl_pf_cache_find(uint64_t serial, unsigned var, const char *name, size_t name_len,
                                 const char *value, size_t value_len, size_t nwords);
/* Remember bits (nwords words) for (serial, var, name, value); serial 0 and
 * entries too large are not remembered. */
void rl_pf_cache_put(uint64_t serial, unsigned var, const char *name, size_t name_len,
                     const char *value, size_t value_len, const uint64_t *bits, size_t nwords);

#endif
