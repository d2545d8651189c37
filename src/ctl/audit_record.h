/*
 * audit_record.h — the audit log's hash chain: the canonical form of a
 * record, SM3 (GB/T 32905-2016) over it, and the message a seal signs.
 *
 * Canonical form (docs/RAMPARTD.md, "Audit log"): the line
 * "RAMPART-AUDIT-1\n", then one line per field in this order
 *
 *     seq time actor role client action method path target outcome status detail
 *
 * each written as NAME SP LENGTH SP VALUE LF, where LENGTH is the decimal
 * byte length of VALUE (so a value may hold any byte, LF included, and the
 * form parses back unambiguously), seq, time (ms since the epoch, UTC) and
 * status are decimal integers, the other values UTF-8 text as stored.
 *
 *     hash(record) = SM3(prev_hash || canonical(record))
 *
 * with prev_hash the hash of the record before (32 zero bytes before
 * seq 1). A seal signs, with SM2, the text
 * "RAMPART-AUDIT-SEAL-1\nseq N\nhash HEX\ntime MS\n".
 */
#ifndef RAMPART_CTL_AUDIT_RECORD_H
#define RAMPART_CTL_AUDIT_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "strbuf.h"

#define AUDIT_HASH_LEN STORE_AUDIT_HASH_LEN
#define AUDIT_HEX_LEN  (2 * AUDIT_HASH_LEN + 1)

/* Writes the canonical form of row's fields into out (cleared first). */
void audit_canonical(const store_audit_row_t *row, strbuf_t *out);

/* SM3(prev_hash || data). 0, or -1 when OpenSSL has no SM3. */
int audit_chain_hash(const unsigned char prev[AUDIT_HASH_LEN], const void *data, size_t len,
                     unsigned char out[AUDIT_HASH_LEN]);

/* SM3 of data. 0 or -1. */
int audit_sm3(const void *data, size_t len, unsigned char out[AUDIT_HASH_LEN]);

/* The text a seal signs, NUL-terminated; returns its length. */
size_t audit_seal_message(int64_t seq, const unsigned char hash[AUDIT_HASH_LEN], int64_t ts,
                          char *out, size_t size);

/* Lower-case hex of a hash; and back (0, or -1 when not 64 hex digits). */
void audit_hex(const unsigned char *in, size_t n, char *out);
int audit_unhex(const char *in, unsigned char out[AUDIT_HASH_LEN]);

/* The record as the API and the exports show it: seq, time (RFC 3339),
 * time_ms, actor, role, client, action, method, path, target, outcome,
 * status, detail (an object or null), prev_hash, hash (hex). */
json_t *audit_row_json(const store_audit_row_t *row);

#endif
