/*
 * identity_replay.c — one-time use of portal hand-offs across the
 * processes of a gateway. The table lives in memory the host provides
 * (nginx: shared memory), so the slots are lock-free atomics: a tag (a hash
 * of the hand-off) and the time until which it is remembered. A hand-off is
 * only ever accepted after its MAC and nonce checked, so the table cannot be
 * filled by strangers; when every probed slot is live the hand-off is
 * refused (fails closed) and the user logs in again.
 */
#include <stdatomic.h>
#include <string.h>

#include "identity_t.h"

#define PROBES 8

typedef struct {
    _Atomic uint64_t tag;
    _Atomic int64_t until;
} replay_slot_t;

size_t rp_id_replay_table_size(size_t entries)
{
    return entries * sizeof(replay_slot_t);
}

static uint64_t tag_of(const char *s, size_t len)
{
    uint64_t h = rp_id_hash(s, len);
    return h ? h : 1; /* 0 marks a free slot */
}

bool rp_id_replay_first_use(void *table, size_t table_size, const char *handoff, size_t len,
                            int64_t expires, int64_t now)
{
    size_t n = table_size / sizeof(replay_slot_t);
    if (!table || n == 0)
        return false;
    replay_slot_t *slot = table;
    uint64_t tag = tag_of(handoff, len);
    size_t start = (size_t)(tag % n);
    for (size_t k = 0; k < PROBES && k < n; k++) {
        replay_slot_t *s = &slot[(start + k) % n];
        if (atomic_load(&s->tag) == tag && atomic_load(&s->until) >= now)
            return false;
    }
    for (size_t k = 0; k < PROBES && k < n; k++) {
        replay_slot_t *s = &slot[(start + k) % n];
        uint64_t old = atomic_load(&s->tag);
        if (old != 0 && atomic_load(&s->until) >= now)
            continue;
        if (atomic_compare_exchange_strong(&s->tag, &old, tag)) {
            atomic_store(&s->until, expires);
            return true;
        }
    }
    return false;
}
