/*
 * collection_table.c — the records of a memory or shared collection store.
 *
 * A chained hash table of records keyed by "collection:key", plus a doubly
 * linked list in order of last update. Every byte comes from the caller's
 * allocator (malloc with a budget, or nginx's slab pool in shared memory),
 * and every pointer stays valid in any process that maps the memory at the
 * same address, as nginx's shared zones are. The caller holds the lock.
 *
 * When the allocator says full, room is made first from records whose
 * timeout has passed, then from the least recently updated ones (never the
 * record being written); each is counted. Variables are a short list per
 * record (COLL_MAX_VARS): records are small, lookups by name rare.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections.h"

typedef struct ct_var {
    struct ct_var *next;
    long long expire_at; /* 0: never */
    uint32_t name_len, value_len;
    char data[]; /* name, then value, not terminated */
} ct_var_t;

typedef struct ct_record {
    struct ct_record *hnext;
    struct ct_record *newer, *older; /* update order */
    uint64_t hash;
    long long create_time, last_update, expire_at, timeout;
    long long update_counter;
    ct_var_t *vars;
    uint32_t nvars;
    uint32_t key_len;
    char key[];
} ct_record_t;

struct ct_table {
    ct_record_t **bucket;
    size_t nbuckets;
    ct_record_t *newest, *oldest;
    uint64_t records, evicted, expired;
    int evict_logged;
};

static uint64_t key_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

size_t ct_buckets_for(size_t capacity)
{
    size_t want = capacity / 1024, n = 64;
    while (n < want && n < (1u << 20))
        n <<= 1;
    return n;
}

ct_table_t *ct_create(const ct_alloc_t *a, size_t buckets)
{
    ct_table_t *t = a->alloc(a->ctx, sizeof(*t));
    if (!t)
        return NULL;
    memset(t, 0, sizeof(*t));
    t->bucket = a->alloc(a->ctx, buckets * sizeof(*t->bucket));
    if (!t->bucket) {
        a->free(a->ctx, t);
        return NULL;
    }
    memset(t->bucket, 0, buckets * sizeof(*t->bucket));
    t->nbuckets = buckets;
    return t;
}

static void free_vars(ct_record_t *r, const ct_alloc_t *a)
{
    for (ct_var_t *v = r->vars, *next; v; v = next) {
        next = v->next;
        a->free(a->ctx, v);
    }
    r->vars = NULL;
    r->nvars = 0;
}

void ct_destroy(ct_table_t *t, const ct_alloc_t *a)
{
    if (!t)
        return;
    for (ct_record_t *r = t->newest, *next; r; r = next) {
        next = r->older;
        free_vars(r, a);
        a->free(a->ctx, r);
    }
    a->free(a->ctx, t->bucket);
    a->free(a->ctx, t);
}

/* ------------------------------------------------------------ records */

static ct_record_t *find(const ct_table_t *t, const char *key, size_t len, uint64_t h)
{
    for (ct_record_t *r = t->bucket[h & (t->nbuckets - 1)]; r; r = r->hnext)
        if (r->hash == h && r->key_len == len && memcmp(r->key, key, len) == 0)
            return r;
    return NULL;
}

static void unlink_order(ct_table_t *t, ct_record_t *r)
{
    if (r->newer)
        r->newer->older = r->older;
    else
        t->newest = r->older;
    if (r->older)
        r->older->newer = r->newer;
    else
        t->oldest = r->newer;
    r->newer = r->older = NULL;
}

static void push_newest(ct_table_t *t, ct_record_t *r)
{
    r->older = t->newest;
    r->newer = NULL;
    if (t->newest)
        t->newest->newer = r;
    t->newest = r;
    if (!t->oldest)
        t->oldest = r;
}

static void remove_record(ct_table_t *t, const ct_alloc_t *a, ct_record_t *r)
{
    ct_record_t **p = &t->bucket[r->hash & (t->nbuckets - 1)];
    while (*p != r)
        p = &(*p)->hnext;
    *p = r->hnext;
    unlink_order(t, r);
    free_vars(r, a);
    a->free(a->ctx, r);
    t->records--;
}

/* Make room: an expired record among the oldest few, else the least
 * recently updated one other than keep. false when nothing can go. Records
 * expire in update order when they share a timeout, so expired ones sit at
 * the old end; looking further would make every full insert a full scan. */
static bool evict_one(ct_table_t *t, const ct_alloc_t *a, const ct_record_t *keep, long long now,
                      bool *first_eviction)
{
    int looked = 0;
    for (ct_record_t *r = t->oldest; r && looked < 32; r = r->newer, looked++) {
        if (r != keep && r->expire_at <= now) {
            remove_record(t, a, r);
            t->expired++;
            return true;
        }
    }
    ct_record_t *victim = t->oldest;
    if (victim == keep)
        victim = victim ? victim->newer : NULL;
    if (!victim)
        return false;
    remove_record(t, a, victim);
    t->evicted++;
    if (!t->evict_logged) {
        t->evict_logged = 1;
        *first_eviction = true;
    }
    return true;
}

static void *alloc_room(ct_table_t *t, const ct_alloc_t *a, size_t size, const ct_record_t *keep,
                        long long now, bool *first_eviction)
{
    for (;;) {
        void *p = a->alloc(a->ctx, size);
        if (p)
            return p;
        if (!evict_one(t, a, keep, now, first_eviction))
            return NULL;
    }
}

/* Drop r's variables whose expiry has passed. */
static void purge_vars(ct_record_t *r, const ct_alloc_t *a, long long now)
{
    for (ct_var_t **p = &r->vars; *p;) {
        ct_var_t *v = *p;
        if (v->expire_at && v->expire_at <= now) {
            *p = v->next;
            a->free(a->ctx, v);
            r->nvars--;
        } else {
            p = &v->next;
        }
    }
}

/* The live record under key, dropping it when its timeout has passed. */
static ct_record_t *live(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t len,
                         uint64_t h, long long now)
{
    ct_record_t *r = find(t, key, len, h);
    if (r && r->expire_at <= now) {
        remove_record(t, a, r);
        t->expired++;
        return NULL;
    }
    return r;
}

rp_status_t ct_load(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                    long long now, rp_arena_t *arena, coll_record_t *out)
{
    memset(out, 0, sizeof(*out));
    ct_record_t *r = live(t, a, key, key_len, key_hash(key, key_len), now);
    if (!r)
        return RP_OK;
    purge_vars(r, a, now);
    out->found = true;
    out->create_time = r->create_time;
    out->last_update = r->last_update;
    out->update_counter = r->update_counter;
    out->timeout = r->timeout;
    out->vars = rp_arena_alloc(arena, (r->nvars ? r->nvars : 1) * sizeof(*out->vars));
    if (!out->vars)
        return RP_NOMEM;
    for (const ct_var_t *v = r->vars; v; v = v->next) {
        coll_var_t *o = &out->vars[out->nvars];
        o->name = rp_arena_strndup(arena, v->data, v->name_len);
        o->value = rp_arena_strndup(arena, v->data + v->name_len, v->value_len);
        if (!o->name || !o->value)
            return RP_NOMEM;
        o->name_len = v->name_len;
        o->value_len = v->value_len;
        out->nvars++;
    }
    return RP_OK;
}

/* ------------------------------------------------------------ changes */

static ct_var_t **var_slot(ct_record_t *r, const char *name, size_t len)
{
    ct_var_t **p = &r->vars;
    while (*p && !((*p)->name_len == len && memcmp((*p)->data, name, len) == 0))
        p = &(*p)->next;
    return p;
}

/* Replace (or add) name's value, keeping an expiry already set. */
static bool set_var(ct_table_t *t, const ct_alloc_t *a, ct_record_t *r, const char *name,
                    size_t nlen, const char *value, size_t vlen, long long now, bool *first)
{
    ct_var_t **slot = var_slot(r, name, nlen);
    ct_var_t *old = *slot;
    if (!old && r->nvars >= COLL_MAX_VARS)
        return false;
    if (vlen > COLL_MAX_VALUE)
        vlen = COLL_MAX_VALUE;
    ct_var_t *v = alloc_room(t, a, sizeof(*v) + nlen + vlen, r, now, first);
    if (!v)
        return false;
    v->name_len = (uint32_t)nlen;
    v->value_len = (uint32_t)vlen;
    memcpy(v->data, name, nlen);
    memcpy(v->data + nlen, value, vlen);
    /* eviction never touches r, so slot is still r's */
    slot = var_slot(r, name, nlen);
    old = *slot;
    v->expire_at = old ? old->expire_at : 0;
    v->next = old ? old->next : NULL;
    *slot = v;
    if (old)
        a->free(a->ctx, old);
    else
        r->nvars++;
    return true;
}

static bool apply_op(ct_table_t *t, const ct_alloc_t *a, ct_record_t *r, const coll_op_t *op,
                     long long now, bool *first)
{
    if (op->name_len > COLL_MAX_NAME)
        return false;
    switch (op->kind) {
    case COLL_OP_SET:
        return set_var(t, a, r, op->name, op->name_len, op->value, op->value_len, now, first);
    case COLL_OP_ADD: {
        ct_var_t *cur = *var_slot(r, op->name, op->name_len);
        long long v = cur ? coll_number(cur->data + cur->name_len, cur->value_len) : 0;
        long long sum;
        if (__builtin_add_overflow(v, op->num, &sum))
            sum = op->num > 0 ? LLONG_MAX : LLONG_MIN;
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%lld", sum);
        return set_var(t, a, r, op->name, op->name_len, buf, (size_t)n, now, first);
    }
    case COLL_OP_DELETE: {
        ct_var_t **slot = var_slot(r, op->name, op->name_len);
        if (*slot) {
            ct_var_t *v = *slot;
            *slot = v->next;
            a->free(a->ctx, v);
            r->nvars--;
        }
        return true;
    }
    case COLL_OP_EXPIRE: {
        ct_var_t *v = *var_slot(r, op->name, op->name_len);
        if (v)
            v->expire_at = now + (op->num > 0 ? op->num : 0);
        return true;
    }
    case COLL_OP_TIMEOUT:
        r->timeout = op->num;
        return true;
    }
    return false;
}

rp_status_t ct_apply(ct_table_t *t, const ct_alloc_t *a, const char *key, size_t key_len,
                     const coll_op_t *ops, size_t nops, long long now, long long timeout,
                     bool *first_eviction)
{
    uint64_t h = key_hash(key, key_len);
    ct_record_t *r = live(t, a, key, key_len, h, now);
    if (!r) {
        r = alloc_room(t, a, sizeof(*r) + key_len, NULL, now, first_eviction);
        if (!r)
            return RP_NOMEM;
        memset(r, 0, sizeof(*r));
        r->hash = h;
        r->key_len = (uint32_t)key_len;
        memcpy(r->key, key, key_len);
        r->create_time = now;
        r->timeout = timeout;
        /* a new record has no expiry yet: eviction below cannot pick it */
        r->expire_at = now + timeout;
        ct_record_t **b = &t->bucket[h & (t->nbuckets - 1)];
        r->hnext = *b;
        *b = r;
        push_newest(t, r);
        t->records++;
    } else {
        unlink_order(t, r);
        push_newest(t, r);
    }
    purge_vars(r, a, now);
    rp_status_t rc = RP_OK;
    for (size_t i = 0; i < nops; i++)
        if (!apply_op(t, a, r, &ops[i], now, first_eviction))
            rc = RP_NOMEM;
    r->last_update = now;
    r->update_counter++;
    r->expire_at = now + r->timeout;
    return rc;
}

void ct_stats(const ct_table_t *t, rp_collections_stats_t *out)
{
    if (!t)
        return;
    out->records = t->records;
    out->evicted = t->evicted;
    out->expired = t->expired;
}
