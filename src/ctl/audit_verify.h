/*
 * audit_verify.h — checks an audit log: the SM3 chain record by record and
 * every seal's SM2 signature, naming the first bad record.
 *
 * Streaming, so it runs over any size and any source (the store through
 * store.h in rampartd; the SQLite file read-only in `rampart audit
 * verify`): add every seal first, then the records in seq order, then
 * finish. What it detects, and the reason it gives:
 *   - a changed field: the record's hash no longer matches (or its stored
 *     canonical form no longer matches its fields);
 *   - a deleted record: a gap in seq; the first record after it is named;
 *   - an inserted or reordered record: its prev_hash is not the hash of
 *     the record before, or its hash breaks the next one's; rewriting the
 *     whole chain after it breaks the first seal after it;
 *   - a truncated tail: a seal names a seq that is no longer there;
 *   - a forged or altered seal: its signature does not verify with the
 *     public key;
 *   - records deleted at the head: only retention may do that, and it
 *     first appends an audit.retention record naming the last deleted seq
 *     and its hash, which the first remaining record must follow.
 * Records after the last seal are protected by the chain only (someone
 * who can write the store can append forged records after the last seal
 * or cut them off); the result reports how many there are. rampartd seals
 * at least every audit_seal_seconds, at start and at stop, so with
 * max_unsealed_ms set a tail older than that means seals were removed
 * (with the chain after them rewritten): that is reported too.
 */
#ifndef RAMPART_CTL_AUDIT_VERIFY_H
#define RAMPART_CTL_AUDIT_VERIFY_H

#include "audit_sign.h"

typedef struct {
    int ok;
    int64_t records, seals, first_seq, last_seq, last_sealed_seq, unsealed;
    int64_t bad_seq; /* the first bad record's seq when !ok */
    char reason[256];
} audit_verify_result_t;

typedef struct {
    /* Optional: the longest a record may stay unsealed, measured to now_ms
     * (0: to the newest record). 0 disables the check. */
    int64_t max_unsealed_ms, now_ms;
    int64_t tail_from, tail_ts, last_ts;
    const audit_key_t *key;
    unsigned char key_id[AUDIT_HASH_LEN];
    store_audit_seal_t *seals;
    size_t n_seals, cap_seals, next_seal;
    int sorted;
    unsigned char last_hash[AUDIT_HASH_LEN], first_prev[AUDIT_HASH_LEN];
    int anchored;
    int stopped;
    strbuf_t canonical;
    audit_verify_result_t res;
} audit_verifier_t;

void audit_verifier_init(audit_verifier_t *v, const audit_key_t *key);
void audit_verifier_free(audit_verifier_t *v);

/* A seal (any order, all before the first record). 0, or -1 out of memory. */
int audit_verifier_seal(audit_verifier_t *v, const store_audit_seal_t *seal);

/* The next record in seq order; returns nonzero once a record is bad (the
 * caller may stop reading). */
int audit_verifier_record(audit_verifier_t *v, const store_audit_row_t *row);

/* The outcome, once every record has been given. */
const audit_verify_result_t *audit_verifier_finish(audit_verifier_t *v);

#endif
