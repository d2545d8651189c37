/*
 * rules_chain.c — a value through a transformation chain, once per
 * transaction.
 *
 * CRS rules share a few dozen chains (t:none,t:urlDecodeUni,t:lowercase...)
 * over the same values: the prefilter transforms every value of a group
 * before the phase, then each candidate rule would transform it again, and
 * phase 2 would redo phase 1's work on the headers. So a result is kept in
 * a per-transaction table keyed by (value pointer, length, chain) and
 * reused by everyone who asks.
 *
 * Keying by pointer is sound only for values whose pointer names the same
 * bytes for the whole transaction: list entries and transaction fields,
 * copied into the arena once and never written again (the arena frees
 * nothing before the transaction ends, so an address is never reused).
 * Callers say so with `stable`; other values (numbers formatted on demand,
 * TX entries that setvar replaces) are transformed every time and never
 * stored.
 *
 * Chains form a tree (rules.h: each is its parent plus one step), and the
 * table keeps every node's result: CRS's XSS chains share
 * utf8toUnicode,urlDecodeUni,htmlEntityDecode... and differ at the end, so
 * a Chinese value is converted once, not once per chain.
 *
 * Each transformation is skipped when the value's byte classes prove it
 * cannot change it (rp_transform_may_change, soundness-tested in
 * transform_identity_test.c).
 */
#include <stdint.h>
#include <string.h>

#include "rules.h"
#include "transform.h"

struct rl_chain_memo {
    const char *v;
    const char *out;
    uint32_t len, out_len;
    int chain;
    unsigned out_flags; /* rp_transform_value_flags of out */
};

struct rl_chain_cache {
    struct rl_chain_memo *slot; /* open addressing, power-of-two capacity */
    size_t n, cap;
};

static size_t memo_hash(const char *v, size_t len, int chain)
{
    uint64_t h = (uint64_t)(uintptr_t)v * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)len << 32) ^ (uint64_t)(unsigned)chain * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ (h >> 29));
}

static struct rl_chain_memo *memo_slot(const struct rl_chain_cache *c, const char *v, size_t len,
                                       int chain)
{
    size_t mask = c->cap - 1;
    for (size_t i = memo_hash(v, len, chain) & mask;; i = (i + 1) & mask) {
        struct rl_chain_memo *m = &c->slot[i];
        if (!m->v || (m->v == v && m->len == len && m->chain == chain))
            return m;
    }
}

/* Entries the last transaction of this thread remembered: the next one's
 * table starts large enough for as many, so a stream of like requests
 * (CRS: 800-1,500 entries each) never rehashes, and one huge request
 * only sizes the table of the one after it. */
static _Thread_local size_t memo_last_n;

static size_t memo_start_cap(void)
{
    size_t cap = 1024;
    while (cap < 16384 && memo_last_n * 4 > cap * 3)
        cap *= 2;
    return cap;
}

static bool memo_grow(rl_state_t *st, struct rl_chain_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : memo_start_cap();
    struct rl_chain_memo *slots = rp_arena_calloc(st->arena, cap * sizeof(*slots));
    if (!slots)
        return false;
    struct rl_chain_cache n = {slots, c->n, cap};
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i].v)
            *memo_slot(&n, c->slot[i].v, c->slot[i].len, c->slot[i].chain) = c->slot[i];
    *c = n;
    return true;
}

static void remember(rl_state_t *st, const char *v, size_t len, int chain, const char *out,
                     size_t out_len, unsigned out_flags)
{
    if (len > UINT32_MAX || out_len > UINT32_MAX)
        return;
    if (!st->chain_cache &&
        !(st->chain_cache = rp_arena_calloc(st->arena, sizeof(*st->chain_cache))))
        return;
    struct rl_chain_cache *c = st->chain_cache;
    if ((c->n + 1) * 4 > c->cap * 3 && !memo_grow(st, c))
        return; /* no memory: just not remembered */
    struct rl_chain_memo *m = memo_slot(c, v, len, chain);
    *m = (struct rl_chain_memo){v, out, (uint32_t)len, (uint32_t)out_len, chain, out_flags};
    memo_last_n = ++c->n;
}

/* Can no transformation of ch change a value with these byte classes? */
static bool identity(const rl_chain_t *ch, unsigned flags)
{
    return !ch->always && !(ch->changes_on & flags);
}

static const struct rl_chain_memo *recall(const rl_state_t *st, const char *v, size_t len,
                                          int chain)
{
    const struct rl_chain_cache *c = st->chain_cache;
    if (!c || !c->cap)
        return NULL;
    const struct rl_chain_memo *m = memo_slot(c, v, len, chain);
    return m->v ? m : NULL;
}

/* v (byte classes vflags) through chain: the parent chain's result, then
 * the last transformation, each remembered when v is stable. */
static void run(rl_state_t *st, int chain, const char *v, size_t len, bool stable, unsigned vflags,
                const char **out, size_t *out_len, unsigned *out_flags)
{
    const rl_chain_t *ch = &st->rs->chains[chain];
    const struct rl_chain_memo *m;
    if (ch->n == 0 || identity(ch, vflags)) {
        *out = v;
        *out_len = len;
        *out_flags = vflags;
        return;
    }
    if (stable && (m = recall(st, v, len, chain))) {
        *out = m->out;
        *out_len = m->out_len;
        *out_flags = m->out_flags;
        return;
    }
    int id = ch->tfns[ch->n - 1];
    run(st, ch->parent, v, len, stable, vflags, out, out_len, out_flags);
    const char *o;
    size_t ol;
    if (rp_transform_may_change(id, *out_flags) &&
        rp_transform_apply(id, st->arena, *out, *out_len, &o, &ol)) {
        *out = o;
        *out_len = ol;
        *out_flags = rp_transform_value_flags(o, ol);
    }
    if (stable)
        remember(st, v, len, chain, *out, *out_len, *out_flags);
}

/* v's byte classes: a pass over v, remembered for stable values (the
 * prefilter and every rule whose chain proves to be the identity on v would
 * each pass over it again; a JSON body is read by dozens of rules). Stored
 * under the pseudo-chain FLAGS_ONLY with out = v. */
#define FLAGS_ONLY (-1)
unsigned rl_value_flags(rl_state_t *st, const char *v, size_t len, bool stable)
{
    const struct rl_chain_memo *m;
    if (stable && (m = recall(st, v, len, FLAGS_ONLY)))
        return m->out_flags;
    unsigned f = rp_transform_value_flags(v, len);
    if (stable)
        remember(st, v, len, FLAGS_ONLY, v, len, f);
    return f;
}

void rl_chain_run(rl_state_t *st, int chain, const char *v, size_t len, bool stable,
                  unsigned *flags, const char **out, size_t *out_len)
{
    unsigned f = flags ? *flags : RL_FLAGS_UNKNOWN;
    const struct rl_chain_memo *m;
    if (st->rs->chains[chain].n == 0) {
        *out = v;
        *out_len = len;
        return;
    }
    if (f == RL_FLAGS_UNKNOWN) {
        /* a remembered result spares the pass over v that flags cost */
        if (stable && (m = recall(st, v, len, chain))) {
            *out = m->out;
            *out_len = m->out_len;
            return;
        }
        f = rl_value_flags(st, v, len, stable);
        if (flags)
            *flags = f;
    }
    unsigned of;
    run(st, chain, v, len, stable, f, out, out_len, &of);
}
