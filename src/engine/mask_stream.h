/*
 * mask_stream.h — masking of a response body that arrives in chunks
 * (docs/DATA-CLASSES.md, "Masking responses").
 *
 * Bytes go in chunk by chunk; masked bytes come out. A value split across
 * chunks is found whole: the stream holds back a bounded tail (at most
 * RP_MASK_HOLD bytes beyond the last separator before it) until the next
 * chunk or the end. In JSON mode a small incremental lexer follows strings,
 * keys and nesting, so that labelled keys (names, addresses) are masked
 * whatever they hold, values of record keys are reported, and a masked
 * value that was a JSON number is written as a string (the document stays
 * valid JSON). Without an output the stream only discovers: it counts the
 * classes it sees and leaves the body alone.
 */
#ifndef RAMPART_MASK_STREAM_H
#define RAMPART_MASK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "mask_policy.h"

/* Longer than the longest value of any class (an e-mail address: 64 +
 * 1 + 253), so a value is never cut by the hold-back. */
#define RP_MASK_HOLD      384
#define RP_MASK_KEYS_MAX  32
#define RP_MASK_KEY_BYTES 64
#define RP_MASK_DEPTH     64

typedef struct {
    size_t counts[RP_MASK_CLASS_COUNT]; /* values seen per class */
    char keys[RP_MASK_KEYS_MAX][RP_MASK_KEY_BYTES + 1];
    size_t nkeys, keys_dropped;
} rp_mask_report_t;

typedef struct {
    const rp_mask_rule_t *rule;
    const uint8_t *hash_key;
    size_t hash_key_len;
    bool json;
    /* pending bytes: [0, ctx) already emitted (left context), then held */
    char *buf;
    size_t len, cap, ctx;
    /* JSON lexer */
    bool in_str, str_is_key, expect_key;
    unsigned esc_left;  /* bytes of an escape still to come */
    unsigned depth;     /* nesting (capped at RP_MASK_DEPTH) */
    uint64_t is_object; /* bit d: the container at depth d+1 is an object */
    uint8_t labels[RP_MASK_DEPTH + 1];
    uint8_t key_label;   /* label of the last key read */
    uint8_t value_label; /* label of the value being read */
    char key[RP_MASK_KEY_BYTES];
    size_t key_len;
    /* a labelled string being masked: characters seen, kept so far */
    size_t label_chars;
    bool label_redacted;
    /* a record key's value being captured */
    bool capturing;
    char capture[RP_MASK_KEY_BYTES];
    size_t capture_len;
    rp_mask_report_t report;
} rp_mask_stream_t;

/* rule, key: borrowed for the stream's life. */
void rp_mask_stream_init(rp_mask_stream_t *s, const rp_mask_rule_t *rule, bool json,
                         const uint8_t *hash_key, size_t hash_key_len);
/* Feed len bytes (last: the body ends here). Masked output is appended to
 * out; out NULL: discovery only. -1 when out of memory. */
int rp_mask_stream_feed(rp_mask_stream_t *s, const char *in, size_t len, bool last, rp_abuf_t *out);
void rp_mask_stream_free(rp_mask_stream_t *s);

#endif
