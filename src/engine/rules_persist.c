/*
 * rules_persist.c — IP, GLOBAL, SESSION, USER and RESOURCE between
 * transactions (ModSecurity v2 persistence semantics, docs/SECLANG.md).
 *
 * A collection no initcol names lives as long as its transaction, in the TX
 * map under "ip.name" (rules_vars.c walks it from there). initcol:ip=KEY
 * loads the stored record into that same place, with the built-ins KEY,
 * TIMEOUT, CREATE_TIME, LAST_UPDATE_TIME, UPDATE_COUNTER and IS_NEW, so
 * every read path stays as it was. From then on setvar and expirevar on the
 * collection change the transaction's copy as before and are also recorded
 * as operations (set, add N, delete, expire, timeout). rl_persist_commit
 * hands them to the store at the end of every phase that recorded some; the
 * store replays them on the record as it is then, under its lock, so
 * concurrent transactions' increments add up instead of overwriting each
 * other.
 *
 * Why at the end of each phase rather than once at the end: nginx sends the
 * response before its log phase, so a client's next request can arrive
 * before this one is finished; a brute-force counter must already count
 * this request when the verdict is sent.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "collections.h"
#include "rules.h"
#include "tx_t.h"

#define NCOLLECTIONS (RV_RESOURCE - RV_IP + 1)

typedef struct {
    bool loaded;
    const char *key; /* "ip:KEY" */
    size_t key_len;
    coll_op_t *ops;
    size_t nops, cap;
} persisted_t;

struct rl_persist {
    rp_collections_t *store;
    persisted_t col[NCOLLECTIONS];
};

static const char *const collection_names[NCOLLECTIONS] = {"ip", "global", "session", "user",
                                                           "resource"};

static persisted_t *persisted(rl_state_t *st, int var)
{
    if (!st->persist || var < RV_IP || var > RV_RESOURCE)
        return NULL;
    persisted_t *p = &st->persist->col[var - RV_IP];
    return p->loaded ? p : NULL;
}

/* The store initcol reads: the policy's explicit one, else the host's,
 * else the policy's own memory store. */
static rp_collections_t *store_of(const rl_state_t *st)
{
    const rp_tx_t *tx = st->tx;
    const rp_policy_t *p = tx->policy;
    if (p->collections_explicit)
        return p->collections;
    return tx->collections ? tx->collections : p->collections;
}

static void set_local(rl_state_t *st, int var, const char *name, size_t nlen, const char *value,
                      size_t vlen)
{
    char full[COLL_MAX_NAME + 16];
    const char *c = collection_names[var - RV_IP];
    int n = snprintf(full, sizeof(full), "%s.%.*s", c, (int)nlen, name);
    if (n > 0 && (size_t)n < sizeof(full))
        rl_map_set(st, &st->txv, full, (size_t)n, value, vlen);
}

static void set_local_number(rl_state_t *st, int var, const char *name, long long v)
{
    char buf[RL_LL_BUF];
    size_t n = rl_format_ll(buf, v);
    set_local(st, var, name, strlen(name), buf, n);
}

void rl_persist_initcol(rl_state_t *st, const rl_action_t *a)
{
    if (a->var < RV_IP || a->var > RV_RESOURCE)
        return;
    if (!st->persist && !(st->persist = rp_arena_calloc(st->arena, sizeof(*st->persist))))
        return;
    persisted_t *p = &st->persist->col[a->var - RV_IP];
    if (p->loaded)
        return; /* ModSecurity keeps the first initcol of a collection */
    rp_collections_t *store = store_of(st);
    if (!store)
        return;
    size_t klen;
    const char *key = rl_expand(st, a->value, &klen);
    const char *cname = collection_names[a->var - RV_IP];
    size_t clen = strlen(cname);
    if (clen + 1 + klen > COLL_MAX_KEY) {
        /* a key this long is no client's address: keep it per transaction */
        atomic_fetch_add_explicit(&store->dropped, 1, memory_order_relaxed);
        return;
    }
    char *full = rp_arena_alloc(st->arena, clen + 1 + klen + 1);
    if (!full)
        return;
    memcpy(full, cname, clen);
    full[clen] = ':';
    memcpy(full + clen + 1, key, klen);
    full[clen + 1 + klen] = '\0';
    st->persist->store = store;
    p->loaded = true;
    p->key = full;
    p->key_len = clen + 1 + klen;

    long long now = st->tx->started.tv_sec;
    coll_record_t rec;
    coll_load(store, p->key, p->key_len, now, st->arena, &rec);
    for (size_t i = 0; i < rec.nvars; i++)
        set_local(st, a->var, rec.vars[i].name, rec.vars[i].name_len, rec.vars[i].value,
                  rec.vars[i].value_len);
    set_local(st, a->var, "key", 3, key, klen);
    set_local_number(st, a->var, "timeout",
                     rec.found && rec.timeout > 0 ? rec.timeout : st->rs->collection_timeout);
    set_local_number(st, a->var, "create_time", rec.found ? rec.create_time : now);
    if (rec.found)
        set_local_number(st, a->var, "last_update_time", rec.last_update);
    set_local_number(st, a->var, "update_counter", rec.found ? rec.update_counter : 0);
    set_local_number(st, a->var, "is_new", rec.found ? 0 : 1);
}

static coll_op_t *push_op(rl_state_t *st, persisted_t *p)
{
    if (p->nops >= COLL_MAX_OPS) {
        atomic_fetch_add_explicit(&st->persist->store->dropped, 1, memory_order_relaxed);
        return NULL;
    }
    if (p->nops == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        coll_op_t *ops = rp_arena_alloc(st->arena, cap * sizeof(*ops));
        if (!ops)
            return NULL;
        if (p->nops)
            memcpy(ops, p->ops, p->nops * sizeof(*ops));
        p->ops = ops;
        p->cap = cap;
    }
    coll_op_t *op = &p->ops[p->nops++];
    memset(op, 0, sizeof(*op));
    return op;
}

static const char *lower_copy(rl_state_t *st, const char *s, size_t len)
{
    char *c = rp_arena_strndup(st->arena, s, len);
    if (c)
        for (size_t i = 0; i < len; i++)
            c[i] = (char)tolower((unsigned char)c[i]);
    return c;
}

static bool name_is(const char *name, size_t len, const char *lower)
{
    return strlen(lower) == len && strncasecmp(name, lower, len) == 0;
}

/* Built-ins the store keeps itself: changing them changes only this
 * transaction's copy. */
static bool builtin(const char *name, size_t len)
{
    return name_is(name, len, "key") || name_is(name, len, "create_time") ||
           name_is(name, len, "last_update_time") || name_is(name, len, "update_counter") ||
           name_is(name, len, "is_new");
}

static long long bounded_seconds(long long v)
{
    return v < 0 ? 0 : v > COLL_MAX_TIMEOUT ? COLL_MAX_TIMEOUT : v;
}

void rl_persist_setvar(rl_state_t *st, int var, rl_setvar_op_t op, const char *name, size_t nlen,
                       const char *value, size_t vlen)
{
    persisted_t *p = persisted(st, var);
    if (!p || builtin(name, nlen))
        return;
    if (nlen > COLL_MAX_NAME) {
        atomic_fetch_add_explicit(&st->persist->store->dropped, 1, memory_order_relaxed);
        return;
    }
    coll_op_t *o = push_op(st, p);
    if (!o)
        return;
    if (name_is(name, nlen, "timeout")) {
        /* setvar:ip.timeout=N changes the record's timeout (ModSecurity v2) */
        long long t = op == RL_SETVAR_SET ? coll_number(value, vlen) : 0;
        if (t <= 0) {
            p->nops--;
            return;
        }
        o->kind = COLL_OP_TIMEOUT;
        o->num = bounded_seconds(t);
        return;
    }
    o->name = lower_copy(st, name, nlen);
    o->name_len = nlen;
    if (!o->name) {
        p->nops--;
        return;
    }
    switch (op) {
    case RL_SETVAR_SET:
        o->kind = COLL_OP_SET;
        o->value = value;
        o->value_len = vlen > COLL_MAX_VALUE ? COLL_MAX_VALUE : vlen;
        break;
    case RL_SETVAR_ADD:
    case RL_SETVAR_SUB: {
        long long d = coll_number(value, vlen);
        o->kind = COLL_OP_ADD;
        o->num = op == RL_SETVAR_ADD ? d : -d; /* coll_number never gives LLONG_MIN */
        break;
    }
    case RL_SETVAR_DELETE:
        o->kind = COLL_OP_DELETE;
        break;
    }
}

void rl_persist_expirevar(rl_state_t *st, const rl_action_t *a)
{
    persisted_t *p = persisted(st, a->var);
    if (!p)
        return; /* TX and unloaded collections end with the transaction */
    size_t nlen, vlen;
    const char *name = rl_expand(st, a->name, &nlen);
    const char *value = rl_expand(st, a->value, &vlen);
    if (nlen > COLL_MAX_NAME)
        return;
    coll_op_t *o = push_op(st, p);
    if (!o)
        return;
    o->kind = COLL_OP_EXPIRE;
    o->name = lower_copy(st, name, nlen);
    o->name_len = nlen;
    o->num = bounded_seconds(coll_number(value, vlen));
    if (!o->name)
        p->nops--;
}

void rl_persist_commit(rl_state_t *st)
{
    if (!st->persist)
        return;
    long long now = (long long)time(NULL);
    for (size_t i = 0; i < NCOLLECTIONS; i++) {
        persisted_t *p = &st->persist->col[i];
        if (!p->loaded || !p->nops)
            continue;
        coll_apply(st->persist->store, p->key, p->key_len, p->ops, p->nops, now,
                   st->rs->collection_timeout);
        p->nops = 0;
    }
}
