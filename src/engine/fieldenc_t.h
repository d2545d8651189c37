/*
 * fieldenc_t.h — the engine's side of transparent field encryption
 * (include/rampart/fieldenc.h): the "encrypt" rules of a policy, the data
 * keys a gateway holds, and the streaming rewriters of JSON and form
 * bodies that find the configured fields.
 */
#ifndef RAMPART_FIELDENC_T_H
#define RAMPART_FIELDENC_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "mask_policy.h"
#include "rampart/crypto.h"
#include "rampart/fieldenc.h"

#define RP_FE_MAX_RULES  64
#define RP_FE_MAX_FIELDS 16
#define RP_FE_FIELD_MAX  128         /* a field path, bytes */
#define RP_FE_VALUE_MAX  (64 * 1024) /* one field's value, bytes */
#define RP_FE_DEPTH      64

typedef struct {
    char path[RP_FE_FIELD_MAX]; /* "applicant.idNumber" */
    size_t len;
    rp_data_class_t cls; /* how it is masked; RP_DC_NONE: "[encrypted]" */
    bool anchored;       /* "$.a.b": from the top level only, else at any depth */
} rp_fe_field_t;

typedef struct {
    char prefix[128];
    size_t prefix_len;
    char key[RP_ENVELOPE_KEY_ID + 1];    /* "APP/FIELD" */
    char key_id[RP_ENVELOPE_KEY_ID + 1]; /* "APP:FIELD", as envelopes name it */
    rp_fe_field_t fields[RP_FE_MAX_FIELDS];
    size_t nfields;
    rp_mask_rule_t view; /* roles-clear, groups-clear and styles, as "mask" reads them */
    bool off;
} rp_fe_rule_t;

typedef struct rp_fe_rules {
    rp_fe_rule_t *rules;
    size_t n;
    bool hash_used;
} rp_fe_rules_t;

/* "encrypt" directive line; 0 or -1 with the reason. */
int rp_fe_directive(rp_fe_rules_t **rules, char **w, int nw, char *why, size_t why_len);
/* After the whole file: the hash style needs the masks' mask_hash_key. */
int rp_fe_rules_check(const rp_fe_rules_t *rules, const rp_mask_rules_t *masks, char *why,
                      size_t why_len);
void rp_fe_rules_free(rp_fe_rules_t *rules);
const rp_fe_rule_t *rp_fe_rule_for(const rp_fe_rules_t *rules, const char *path, size_t len);
/* The field a path names, or -1. A field matches the whole path or its
 * end on a key boundary ("applicant.idNumber" names "items.applicant.
 * idNumber" too: records look alike in a POST body and in a list), unless
 * anchored. Form names "a[b]" are compared as "a.b". */
int rp_fe_field_index(const rp_fe_rule_t *rule, const char *path, size_t len);

/* ---- data keys ---- */

typedef struct {
    char key_id[RP_ENVELOPE_KEY_ID + 1]; /* "APP:FIELD" */
    uint32_t version;
    rp_aead_key_t aead;
} rp_data_key_t;

/* The version named, or NULL. */
const rp_data_key_t *rp_data_key_find(const rp_data_keys_t *k, const char *key_id,
                                      uint32_t version);
/* The newest version of a key id, or NULL. */
const rp_data_key_t *rp_data_key_current(const rp_data_keys_t *k, const char *key_id);

/* ---- streaming rewriters ---- */

/* What the rewriter found at a configured field: the raw bytes of the
 * value (a JSON string's content between its quotes, still escaped; a
 * number or literal; a form value still percent-encoded). The callback
 * appends the replacement (for JSON: a whole JSON value) to out; -1 stops
 * the rewrite (why set by the callback). */
typedef enum { RP_FE_JSON_STRING = 0, RP_FE_JSON_SCALAR, RP_FE_FORM_VALUE } rp_fe_kind_t;
typedef int (*rp_fe_value_fn)(void *ctx, int field, rp_fe_kind_t kind, const char *raw, size_t len,
                              rp_abuf_t *out);

typedef struct {
    const rp_fe_rule_t *rule;
    rp_fe_value_fn fn;
    void *ctx;
    bool form;             /* application/x-www-form-urlencoded, else JSON */
    bool refuse_container; /* a configured field holding an object or array fails */
    const char *why;       /* after a failure */
    bool failed, done;
    /* JSON */
    int state;
    unsigned depth;
    uint64_t is_object;             /* bit d: level d+1 is an object */
    uint16_t base[RP_FE_DEPTH + 1]; /* path length before each level's key */
    char path[RP_FE_FIELD_MAX + 2];
    size_t path_len;
    bool path_over; /* the path is longer than any field can be */
    int target;     /* field index of the value being captured, else -1 */
    bool in_key, esc;
    unsigned hex_left;
    uint32_t cp, hi_surrogate;
    /* a JSON key decoded, or a form name as it came (three bytes per
     * character at most: longer names cannot be a field) */
    char key[3 * RP_FE_FIELD_MAX];
    size_t key_len;
    bool key_over;
    /* the value being captured, or a form name */
    rp_abuf_t cap;
} rp_fe_rewriter_t;

void rp_fe_rewriter_init(rp_fe_rewriter_t *r, const rp_fe_rule_t *rule, bool form,
                         rp_arena_t *arena, rp_fe_value_fn fn, void *ctx);
/* Feed a piece (last: the body ends). Untouched bytes are copied to out
 * as they come; a configured value is held until it is complete. 0, or -1
 * with r->why (not the grammar, a value too long, out of memory). */
int rp_fe_rewriter_feed(rp_fe_rewriter_t *r, const char *in, size_t len, bool last, rp_abuf_t *out);

/* JSON string content (escaped) to UTF-8 bytes, and back. -1 on a bad
 * escape or a lone surrogate. */
int rp_fe_json_unescape(const char *raw, size_t len, rp_abuf_t *out);
int rp_fe_json_escape(const char *s, size_t len, rp_abuf_t *out);
/* application/x-www-form-urlencoded value to bytes ('+' is a space). */
int rp_fe_form_decode(const char *raw, size_t len, rp_abuf_t *out);

#endif
