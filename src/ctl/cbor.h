/*
 * cbor.h — a strict, bounded CBOR decoder (RFC 8949) for WebAuthn.
 *
 * WebAuthn hands the relying party CBOR from an authenticator it has never
 * seen: the attestation object, the credential public key (COSE_Key,
 * RFC 9052) and authenticator extensions. The decoder accepts only what
 * those need and refuses the rest, so later code never meets a form it did
 * not expect:
 *
 *   - definite lengths only (indefinite-length items are refused);
 *   - unsigned and negative integers, byte strings, UTF-8 text strings
 *     (validated), arrays, maps, and the simple values false, true, null
 *     and undefined; tags, floating point and other simple values are
 *     refused;
 *   - a map never holds the same key twice (a duplicate would let two
 *     readers see two different values);
 *   - with CBOR_CANONICAL, the CTAP2 canonical form WebAuthn §6.5.1.1
 *     requires of credential public keys: the shortest head for every
 *     argument, and map keys in order (shorter encoded key first, then
 *     bytewise, RFC 7049 §3.9);
 *   - at most `max_depth` nested containers and `max_items` items.
 *
 * The decoded document is one array of items in pre-order: a container's
 * first child follows it, and every item records how many items its subtree
 * spans, so the next sibling is `item + item->span`. Strings point into the
 * caller's input, which must outlive the document. cbor_doc_free releases
 * the items.
 */
#ifndef RAMPART_CTL_CBOR_H
#define RAMPART_CTL_CBOR_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CBOR_UINT,   /* value: the integer */
    CBOR_NEGINT, /* value: n for the integer -1 - n */
    CBOR_BYTES,  /* data, value: length */
    CBOR_TEXT,   /* data, value: length in bytes (valid UTF-8, not NUL-terminated) */
    CBOR_ARRAY,  /* value: number of elements */
    CBOR_MAP,    /* value: number of key/value pairs */
    CBOR_FALSE,
    CBOR_TRUE,
    CBOR_NULL,
    CBOR_UNDEFINED
} cbor_type_t;

typedef struct {
    cbor_type_t type;
    uint64_t value;
    const unsigned char *data; /* strings: into the input */
    const unsigned char *raw;  /* this item's whole encoding, into the input */
    size_t raw_len;
    size_t span; /* items in this subtree, itself included */
} cbor_item_t;

typedef struct {
    cbor_item_t *items; /* items[0] is the root; owned */
    size_t n_items;
    size_t consumed; /* bytes of input the root took */
} cbor_doc_t;

#define CBOR_CANONICAL 0x1u /* shortest heads, ordered map keys */
#define CBOR_PREFIX    0x2u /* the item may be followed by more bytes (see consumed) */

#define CBOR_DEFAULT_MAX_DEPTH 16
#define CBOR_DEFAULT_MAX_ITEMS 4096

typedef struct {
    unsigned flags;
    unsigned max_depth; /* 0: CBOR_DEFAULT_MAX_DEPTH */
    size_t max_items;   /* 0: CBOR_DEFAULT_MAX_ITEMS */
} cbor_limits_t;

/* Decodes one item from in[0..len). Without CBOR_PREFIX, trailing bytes are
 * an error. Returns 0 and fills doc, or -1 with a reason ("offset N: ...")
 * in err (err_size bytes, always NUL-terminated) and doc empty. */
int cbor_decode(const unsigned char *in, size_t len, const cbor_limits_t *limits, cbor_doc_t *doc,
                char *err, size_t err_size);

void cbor_doc_free(cbor_doc_t *doc);

/* The i-th element of an array, the i-th key of a map (its value is the
 * item after the key's subtree: cbor_next(key)); NULL when out of range or
 * not a container. */
const cbor_item_t *cbor_child(const cbor_item_t *container, size_t i);

static inline const cbor_item_t *cbor_next(const cbor_item_t *item)
{
    return item + item->span;
}

/* The value under an integer key / a text key of a map; NULL when absent or
 * when `map` is not a map. */
const cbor_item_t *cbor_map_int(const cbor_item_t *map, int64_t key);
const cbor_item_t *cbor_map_text(const cbor_item_t *map, const char *key);

/* An integer item as int64_t: 0, or -1 when it is no integer or out of
 * range. */
int cbor_int64(const cbor_item_t *item, int64_t *out);

/* 1 when item is a text string equal to s. */
int cbor_text_is(const cbor_item_t *item, const char *s);

#endif
