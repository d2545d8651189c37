/*
 * audit_verify.c — the audit log's verifier (see audit_verify.h).
 */
#include "audit_verify.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void audit_verifier_init(audit_verifier_t *v, const audit_key_t *key)
{
    memset(v, 0, sizeof(*v));
    v->key = key;
    if (key)
        audit_key_id(key, v->key_id);
    strbuf_init(&v->canonical, 0);
    v->res.ok = 1;
}

void audit_verifier_free(audit_verifier_t *v)
{
    free(v->seals);
    strbuf_free(&v->canonical);
    memset(v, 0, sizeof(*v));
}

/* Keeps the bad record with the smallest seq: seal problems are found
 * before the records are read, record problems in seq order. */
static void bad(audit_verifier_t *v, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(audit_verifier_t *v, int64_t seq, const char *fmt, ...)
{
    if (!v->res.ok && v->res.bad_seq <= seq)
        return;
    v->res.ok = 0;
    v->res.bad_seq = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->res.reason, sizeof(v->res.reason), fmt, ap);
    va_end(ap);
}

int audit_verifier_seal(audit_verifier_t *v, const store_audit_seal_t *seal)
{
    if (v->n_seals == v->cap_seals) {
        size_t cap = v->cap_seals ? 2 * v->cap_seals : 64;
        store_audit_seal_t *n = realloc(v->seals, cap * sizeof(*n));
        if (!n)
            return -1;
        v->seals = n;
        v->cap_seals = cap;
    }
    v->seals[v->n_seals++] = *seal;
    v->res.seals++;
    char msg[256];
    size_t len = audit_seal_message(seal->seq, seal->hash, seal->ts, msg, sizeof(msg));
    if (!v->key)
        bad(v, seal->seq, "no public key to check the seal of seq %" PRId64, seal->seq);
    else if (memcmp(seal->key_id, v->key_id, AUDIT_HASH_LEN) != 0)
        bad(v, seal->seq, "the seal of seq %" PRId64 " was made with another key", seal->seq);
    else if (!audit_verify_signature(v->key, msg, len, seal->sig, seal->sig_len))
        bad(v, seal->seq,
            "the seal of seq %" PRId64 " has an invalid SM2 signature (forged or "
            "altered seal)",
            seal->seq);
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    const store_audit_seal_t *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : (x->id > y->id) - (x->id < y->id);
}

/* An audit.retention record: {"deleted_through": K, "hash": "HEX"} says
 * records up to K were deleted by retention and K's hash was HEX. */
static void retention_anchor(audit_verifier_t *v, const store_audit_row_t *row)
{
    if (v->anchored || strcmp(row->action, "audit.retention") != 0)
        return;
    json_t *d = json_loads(row->detail, 0, NULL);
    json_t *through = json_object_get(d, "deleted_through");
    unsigned char h[AUDIT_HASH_LEN];
    if (json_is_integer(through) && json_integer_value(through) == v->res.first_seq - 1 &&
        audit_unhex(json_string_value(json_object_get(d, "hash")), h) == 0 &&
        memcmp(h, v->first_prev, AUDIT_HASH_LEN) == 0)
        v->anchored = 1;
    json_decref(d);
}

static void check_seals_at(audit_verifier_t *v, const store_audit_row_t *row)
{
    while (v->next_seal < v->n_seals && v->seals[v->next_seal].seq <= row->seq) {
        const store_audit_seal_t *s = &v->seals[v->next_seal++];
        if (s->seq < v->res.first_seq)
            continue; /* sealed records past retention */
        if (s->seq == row->seq) {
            if (memcmp(s->hash, row->hash, AUDIT_HASH_LEN) != 0)
                bad(v, row->seq,
                    "record %" PRId64 " differs from the record sealed then "
                    "(the chain was rewritten)",
                    row->seq);
            else if (row->seq > v->res.last_sealed_seq)
                v->res.last_sealed_seq = row->seq;
        }
    }
}

int audit_verifier_record(audit_verifier_t *v, const store_audit_row_t *row)
{
    if (v->stopped)
        return 1;
    if (!v->sorted) {
        if (v->n_seals)
            qsort(v->seals, v->n_seals, sizeof(*v->seals), by_seq);
        v->sorted = 1;
    }
    int64_t seq = row->seq;
    if (!v->tail_from)
        v->tail_from = v->n_seals ? v->seals[v->n_seals - 1].seq + 1 : 1;
    if (seq <= v->tail_from || !v->tail_ts)
        v->tail_ts = row->ts; /* the oldest record no seal covers */
    v->last_ts = row->ts;
    if (v->res.records == 0) {
        v->res.first_seq = seq;
        memcpy(v->first_prev, row->prev_hash, AUDIT_HASH_LEN);
        static const unsigned char zero[AUDIT_HASH_LEN];
        if (seq == 1) {
            v->anchored = 1;
            if (memcmp(row->prev_hash, zero, AUDIT_HASH_LEN) != 0)
                bad(v, seq, "record 1 does not start the chain (prev_hash is not zero)");
        }
    } else if (seq <= v->res.last_seq) {
        bad(v, seq, "record %" PRId64 " is out of order (after %" PRId64 ")", seq, v->res.last_seq);
    } else if (seq != v->res.last_seq + 1) {
        bad(v, seq, "records %" PRId64 "..%" PRId64 " are missing (deleted) before record %" PRId64,
            v->res.last_seq + 1, seq - 1, seq);
    } else if (memcmp(row->prev_hash, v->last_hash, AUDIT_HASH_LEN) != 0) {
        bad(v, seq,
            "record %" PRId64 " does not follow record %" PRId64
            " (prev_hash differs: inserted, replaced or reordered)",
            seq, seq - 1);
    }
    audit_canonical(row, &v->canonical);
    unsigned char h[AUDIT_HASH_LEN];
    if (v->canonical.failed ||
        audit_chain_hash(row->prev_hash, v->canonical.data, v->canonical.len, h)) {
        bad(v, seq, "cannot compute SM3");
    } else if (row->canonical &&
               (row->canonical_len != v->canonical.len ||
                memcmp(row->canonical, v->canonical.data, v->canonical.len) != 0)) {
        bad(v, seq, "record %" PRId64 " was modified (its fields differ from its canonical form)",
            seq);
    } else if (memcmp(h, row->hash, AUDIT_HASH_LEN) != 0) {
        bad(v, seq, "record %" PRId64 " was modified (its SM3 hash does not match its contents)",
            seq);
    }
    v->res.records++;
    v->res.last_seq = seq;
    memcpy(v->last_hash, row->hash, AUDIT_HASH_LEN);
    check_seals_at(v, row);
    retention_anchor(v, row);
    if (!v->res.ok && v->res.bad_seq <= seq)
        v->stopped = 1;
    return v->stopped;
}

const audit_verify_result_t *audit_verifier_finish(audit_verifier_t *v)
{
    if (!v->sorted) {
        if (v->n_seals)
            qsort(v->seals, v->n_seals, sizeof(*v->seals), by_seq);
        v->sorted = 1;
    }
    if (!v->stopped) {
        for (size_t i = v->next_seal; i < v->n_seals; i++)
            if (v->seals[i].seq > v->res.last_seq) {
                bad(v, v->res.last_seq + 1,
                    "records after %" PRId64 " are missing: a seal covers record %" PRId64
                    " (the log was truncated)",
                    v->res.last_seq, v->seals[i].seq);
                break;
            }
        int64_t now = v->now_ms ? v->now_ms : v->last_ts;
        if (v->max_unsealed_ms && v->res.records && v->res.last_seq >= v->tail_from &&
            now - v->tail_ts > v->max_unsealed_ms)
            bad(v, v->tail_from,
                "records from %" PRId64 " on have stayed unsealed for %" PRId64
                " s, longer than rampartd lets them: seals were removed",
                v->tail_from, (now - v->tail_ts) / 1000);
        if (v->res.records && !v->anchored)
            bad(v, v->res.first_seq,
                "records before %" PRId64 " are missing and no audit.retention record accounts "
                "for them",
                v->res.first_seq);
    }
    v->res.unsealed = v->res.records
                          ? v->res.last_seq - (v->res.last_sealed_seq ? v->res.last_sealed_seq
                                                                      : v->res.first_seq - 1)
                          : 0;
    return &v->res;
}
