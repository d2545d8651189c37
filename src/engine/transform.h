/*
 * transform.h — SecLang transformations (t:lowercase, t:urlDecodeUni, ...).
 *
 * Each transformation is a pure function from a byte string to a byte
 * string, with ModSecurity v3's semantics (documented per function in the
 * implementation, with the reference it follows). Names are looked up
 * case-insensitively, as ModSecurity does (CRS writes both base64Decode and
 * base64decode).
 *
 * Results live in the arena passed in; when a transformation leaves its
 * input unchanged, *out points at the input itself (no copy), so chains of
 * transformations on clean values cost no allocation.
 */
#ifndef RAMPART_TRANSFORM_H
#define RAMPART_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"

/* Id of a transformation by name, or -1 when unknown. "none" has id 0 and
 * means "clear the transformations so far" in a rule's action list. */
int rp_transform_lookup(const char *name, size_t len);
/* The canonical name of an id (e.g. "urlDecodeUni"). */
const char *rp_transform_name(int id);
/* Number of known transformations (ids are 0 .. count-1). */
int rp_transform_count(void);

/* Apply transformation id to in[0..len). Returns true when the output
 * differs from the input. *out is NUL-terminated (the input is expected to
 * be NUL-terminated too when returned unchanged). Allocation failure leaves
 * the input unchanged and returns false. */
bool rp_transform_apply(int id, rp_arena_t *a, const char *in, size_t len, const char **out,
                        size_t *out_len);

/* Identity shortcuts for the rule engine's prefilter. A value's byte
 * classes (one pass) tell, for most transformations, that the value cannot
 * change: a value without '%' or '+' is its own urlDecode, one without '&'
 * its own htmlEntityDecode... rp_transform_may_change(id, flags) false
 * guarantees rp_transform_apply(id, v) leaves v unchanged (unit-tested
 * over the CRS corpus and fuzzed); true only means "compute it". */
enum {
    RP_TFV_UPPER = 1u << 0,     /* A-Z */
    RP_TFV_LOWER = 1u << 1,     /* a-z */
    RP_TFV_PERCENT = 1u << 2,   /* % */
    RP_TFV_PLUS = 1u << 3,      /* + */
    RP_TFV_AMP = 1u << 4,       /* & */
    RP_TFV_BACKSLASH = 1u << 5, /* \ */
    RP_TFV_NUL = 1u << 6,       /* NUL */
    RP_TFV_SPACE = 1u << 7,     /* ' ' */
    RP_TFV_WS_OTHER = 1u << 8,  /* \t \n \v \f \r */
    RP_TFV_NONASCII = 1u << 9,  /* a byte >= 0x80 */
    RP_TFV_SLASH = 1u << 10,    /* / */
    RP_TFV_STAR = 1u << 11,     /* * */
    RP_TFV_DASH = 1u << 12,     /* - */
    RP_TFV_HASH = 1u << 13,     /* # */
    RP_TFV_QUOTE = 1u << 14,    /* " ' ` */
    RP_TFV_CARET = 1u << 15,    /* ^ */
    RP_TFV_SEP = 1u << 16,      /* , ; */
    RP_TFV_PAREN = 1u << 17,    /* ( */
    RP_TFV_DOT = 1u << 18,      /* . */
    RP_TFV_LT = 1u << 19,       /* < */
    RP_TFV_EDGE_WS = 1u << 20,  /* white space (or a byte >= 0x80) first or last */
    RP_TFV_WS_RUN = 1u << 21,   /* two white-space bytes in a row */
    RP_TFV_0X = 1u << 22        /* "0x" or "0X" */
};
unsigned rp_transform_value_flags(const char *v, size_t len);
bool rp_transform_may_change(int id, unsigned flags);
/* The byte classes on which id may change a value: rp_transform_may_change
 * is (changes_on & flags) != 0, or always when it is RP_TFV_ALWAYS (0 for an
 * unknown id or "none"). Lets a chain of transformations be tested with one
 * mask. */
#define RP_TFV_ALWAYS (~0u)
unsigned rp_transform_changes_on(int id);

/* ------------------------------------------------------------------------
 * Internal: shared by transform.c (the registration table) and the family
 * files transform_decode.c, transform_text.c and transform_hash.c. Callers
 * use rp_transform_apply().
 *
 * Every implementation has the rp_transform_apply() contract minus the id;
 * rp_transform_apply() sets *out = in, *out_len = len before the call, so an
 * implementation simply returns false when nothing changed or when the
 * arena refused. Implementations copy on first change: they scan without
 * writing until the first byte that differs, then allocate and copy the
 * untouched prefix, so clean values cost one read and no allocation.
 * ------------------------------------------------------------------------ */

typedef bool (*rp_transform_fn)(rp_arena_t *a, const char *in, size_t len, const char **out,
                                size_t *out_len);

/* transform_decode.c */
bool rp_tf_url_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_url_decode_uni(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_html_entity_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_js_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_css_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_escape_seq_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_utf8_to_unicode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_base64_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_base64_decode_ext(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_hex_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_sql_hex_decode(rp_arena_t *, const char *, size_t, const char **, size_t *);

/* transform_text.c */
bool rp_tf_lowercase(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_uppercase(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_remove_nulls(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_replace_nulls(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_remove_whitespace(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_compress_whitespace(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_trim(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_trim_left(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_trim_right(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_replace_comments(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_remove_comments(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_remove_comments_char(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_cmd_line(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_normalize_path(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_normalize_path_win(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_parity_even_7bit(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_parity_odd_7bit(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_parity_zero_7bit(rp_arena_t *, const char *, size_t, const char **, size_t *);

/* transform_hash.c */
bool rp_tf_length(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_md5(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_sha1(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_hex_encode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_base64_encode(rp_arena_t *, const char *, size_t, const char **, size_t *);
bool rp_tf_url_encode(rp_arena_t *, const char *, size_t, const char **, size_t *);

/* Copy on first change: room for cap bytes plus the NUL, with the unchanged
 * prefix in[0..keep) already copied. NULL when the arena refuses. */
static inline char *rp_tf_begin(rp_arena_t *a, const char *in, size_t keep, size_t cap)
{
    char *o = rp_arena_alloc(a, cap + 1);
    if (o && keep)
        memcpy(o, in, keep);
    return o;
}

/* Publish a finished output of n bytes. */
static inline bool rp_tf_done(char *o, size_t n, const char **out, size_t *out_len)
{
    o[n] = '\0';
    *out = o;
    *out_len = n;
    return true;
}

/* Value of a hex digit, or -1. */
static inline int rp_tf_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

#endif
