/*
 * cbor.c — the strict, bounded CBOR decoder (see cbor.h).
 *
 * Recursive descent bounded by max_depth; items go into one growing array
 * in pre-order, addressed by index while decoding (the array may move) and
 * by pointer once it is complete. Every length is checked against the bytes
 * that remain before anything is read or allocated, so a 9-byte head cannot
 * ask for gigabytes.
 */
#include "cbor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *in;
    size_t len;
    size_t pos;
    unsigned flags;
    unsigned max_depth;
    size_t max_items;
    cbor_item_t *items;
    size_t n_items;
    size_t cap_items;
    char *err;
    size_t err_size;
} decoder_t;

static int fail(decoder_t *d, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(decoder_t *d, size_t at, const char *fmt, ...)
{
    if (!d->err || !d->err_size)
        return -1;
    int n = snprintf(d->err, d->err_size, "offset %zu: ", at);
    if (n >= 0 && (size_t)n < d->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err + n, d->err_size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t extra;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= extra)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += extra + 1;
    }
    return 1;
}

/* The initial byte and its argument. */
static int read_head(decoder_t *d, unsigned *major, unsigned *info, uint64_t *arg)
{
    size_t at = d->pos;
    if (d->pos >= d->len)
        return fail(d, at, "truncated: an item was expected");
    unsigned char ib = d->in[d->pos++];
    *major = ib >> 5;
    *info = ib & 0x1f;
    if (*info < 24) {
        *arg = *info;
        return 0;
    }
    if (*info == 31)
        return fail(d, at, "indefinite lengths are not accepted");
    if (*info > 27)
        return fail(d, at, "reserved additional information %u", *info);
    size_t n = (size_t)1 << (*info - 24);
    if (d->len - d->pos < n)
        return fail(d, at, "truncated head");
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | d->in[d->pos++];
    *arg = v;
    if (*major == 7)
        return 0; /* floats and one-byte simple values: refused by the caller */
    static const uint64_t shortest_min[4] = {24, 0x100, 0x10000, 0x100000000ull};
    if ((d->flags & CBOR_CANONICAL) && v < shortest_min[*info - 24])
        return fail(d, at, "not in canonical form: the argument %llu has a shorter head",
                    (unsigned long long)v);
    return 0;
}

static int push_item(decoder_t *d, size_t at, size_t *index)
{
    if (d->n_items >= d->max_items)
        return fail(d, at, "more than %zu items", d->max_items);
    if (d->n_items == d->cap_items) {
        size_t cap = d->cap_items ? d->cap_items * 2 : 16;
        if (cap > d->max_items)
            cap = d->max_items;
        cbor_item_t *grown = realloc(d->items, cap * sizeof(*grown));
        if (!grown)
            return fail(d, at, "out of memory");
        d->items = grown;
        d->cap_items = cap;
    }
    *index = d->n_items++;
    memset(&d->items[*index], 0, sizeof(cbor_item_t));
    return 0;
}

/* Orders encoded map keys as CTAP2 canonical CBOR does (RFC 7049 §3.9):
 * the shorter encoding first, then bytewise. */
static int key_order(const cbor_item_t *a, const cbor_item_t *b)
{
    if (a->raw_len != b->raw_len)
        return a->raw_len < b->raw_len ? -1 : 1;
    return memcmp(a->raw, b->raw, a->raw_len);
}

static int same_key(const cbor_item_t *a, const cbor_item_t *b)
{
    if (a->type != b->type || a->value != b->value)
        return 0;
    return a->type == CBOR_UINT || a->type == CBOR_NEGINT || !memcmp(a->data, b->data, a->value);
}

static int decode_item(decoder_t *d, unsigned depth, size_t *out_index);

static int decode_map_entries(decoder_t *d, uint64_t pairs, unsigned depth)
{
    size_t first_key = d->n_items;
    for (uint64_t i = 0; i < pairs; i++) {
        size_t key_at = d->pos, key;
        if (decode_item(d, depth + 1, &key) < 0)
            return -1;
        cbor_type_t kt = d->items[key].type;
        if (kt != CBOR_UINT && kt != CBOR_NEGINT && kt != CBOR_TEXT && kt != CBOR_BYTES)
            return fail(d, key_at, "a map key must be an integer or a string");
        /* earlier keys are found by walking the pairs decoded so far */
        size_t k = first_key;
        for (uint64_t j = 0; j < i; j++) {
            if (same_key(&d->items[k], &d->items[key]))
                return fail(d, key_at, "duplicate map key");
            size_t value = k + d->items[k].span;
            if (j + 1 == i && (d->flags & CBOR_CANONICAL) &&
                key_order(&d->items[k], &d->items[key]) >= 0)
                return fail(d, key_at, "not in canonical form: map keys out of order");
            k = value + d->items[value].span;
        }
        size_t value;
        if (decode_item(d, depth + 1, &value) < 0)
            return -1;
    }
    return 0;
}

static int decode_item(decoder_t *d, unsigned depth, size_t *out_index)
{
    size_t at = d->pos;
    if (depth > d->max_depth)
        return fail(d, at, "nested deeper than %u", d->max_depth);
    unsigned major, info;
    uint64_t arg;
    if (read_head(d, &major, &info, &arg) < 0)
        return -1;
    size_t self;
    if (push_item(d, at, &self) < 0)
        return -1;
    cbor_item_t *it = &d->items[self];
    it->value = arg;
    size_t remaining = d->len - d->pos;
    switch (major) {
    case 0:
        it->type = CBOR_UINT;
        break;
    case 1:
        it->type = CBOR_NEGINT;
        break;
    case 2:
    case 3:
        if (arg > remaining)
            return fail(d, at, "truncated: a string of %llu bytes, %zu left",
                        (unsigned long long)arg, remaining);
        it->type = major == 2 ? CBOR_BYTES : CBOR_TEXT;
        it->data = d->in + d->pos;
        if (major == 3 && !utf8_valid(it->data, (size_t)arg))
            return fail(d, at, "a text string that is not valid UTF-8");
        d->pos += (size_t)arg;
        break;
    case 4:
        if (arg > remaining)
            return fail(d, at, "truncated: an array of %llu items, %zu bytes left",
                        (unsigned long long)arg, remaining);
        it->type = CBOR_ARRAY;
        for (uint64_t i = 0; i < arg; i++) {
            size_t child;
            if (decode_item(d, depth + 1, &child) < 0)
                return -1;
        }
        break;
    case 5:
        if (arg > remaining / 2)
            return fail(d, at, "truncated: a map of %llu pairs, %zu bytes left",
                        (unsigned long long)arg, remaining);
        d->items[self].type = CBOR_MAP;
        if (decode_map_entries(d, arg, depth) < 0)
            return -1;
        break;
    case 6:
        return fail(d, at, "tags are not accepted");
    default: /* 7 */
        if (info >= 25)
            return fail(d, at, "floating-point numbers are not accepted");
        if (info < 20 || info > 23)
            return fail(d, at, "simple value %llu is not accepted", (unsigned long long)arg);
        static const cbor_type_t simple[] = {CBOR_FALSE, CBOR_TRUE, CBOR_NULL, CBOR_UNDEFINED};
        it->type = simple[info - 20];
        it->value = 0;
        break;
    }
    /* the array may have moved while children were decoded */
    it = &d->items[self];
    it->raw = d->in + at;
    it->raw_len = d->pos - at;
    it->span = d->n_items - self;
    *out_index = self;
    return 0;
}

int cbor_decode(const unsigned char *in, size_t len, const cbor_limits_t *limits, cbor_doc_t *doc,
                char *err, size_t err_size)
{
    decoder_t d = {.in = in, .len = len, .err = err, .err_size = err_size};
    d.flags = limits ? limits->flags : 0;
    d.max_depth = limits && limits->max_depth ? limits->max_depth : CBOR_DEFAULT_MAX_DEPTH;
    d.max_items = limits && limits->max_items ? limits->max_items : CBOR_DEFAULT_MAX_ITEMS;
    memset(doc, 0, sizeof(*doc));
    if (err && err_size)
        err[0] = '\0';
    size_t root;
    if (!in && len)
        return fail(&d, 0, "no input");
    if (decode_item(&d, 0, &root) < 0 ||
        (!(d.flags & CBOR_PREFIX) && d.pos != len &&
         fail(&d, d.pos, "%zu trailing bytes after the item", len - d.pos) < 0)) {
        free(d.items);
        return -1;
    }
    doc->items = d.items;
    doc->n_items = d.n_items;
    doc->consumed = d.pos;
    return 0;
}

void cbor_doc_free(cbor_doc_t *doc)
{
    free(doc->items);
    memset(doc, 0, sizeof(*doc));
}

const cbor_item_t *cbor_child(const cbor_item_t *container, size_t i)
{
    if (!container || (container->type != CBOR_ARRAY && container->type != CBOR_MAP) ||
        i >= container->value)
        return NULL;
    const cbor_item_t *it = container + 1;
    for (size_t k = 0; k < i; k++) {
        it = cbor_next(it);
        if (container->type == CBOR_MAP)
            it = cbor_next(it);
    }
    return it;
}

static const cbor_item_t *map_find(const cbor_item_t *map, const cbor_item_t *probe)
{
    if (!map || map->type != CBOR_MAP)
        return NULL;
    const cbor_item_t *key = map + 1;
    for (uint64_t i = 0; i < map->value; i++) {
        const cbor_item_t *value = cbor_next(key);
        if (same_key(key, probe))
            return value;
        key = cbor_next(value);
    }
    return NULL;
}

const cbor_item_t *cbor_map_int(const cbor_item_t *map, int64_t key)
{
    cbor_item_t probe = {.type = key < 0 ? CBOR_NEGINT : CBOR_UINT,
                         .value = key < 0 ? (uint64_t)(-(key + 1)) : (uint64_t)key};
    return map_find(map, &probe);
}

const cbor_item_t *cbor_map_text(const cbor_item_t *map, const char *key)
{
    cbor_item_t probe = {
        .type = CBOR_TEXT, .value = strlen(key), .data = (const unsigned char *)key};
    return map_find(map, &probe);
}

int cbor_int64(const cbor_item_t *item, int64_t *out)
{
    if (!item || (item->type != CBOR_UINT && item->type != CBOR_NEGINT) ||
        item->value > (uint64_t)INT64_MAX)
        return -1;
    *out = item->type == CBOR_UINT ? (int64_t)item->value : -1 - (int64_t)item->value;
    return 0;
}

int cbor_text_is(const cbor_item_t *item, const char *s)
{
    size_t n = strlen(s);
    return item && item->type == CBOR_TEXT && item->value == n && !memcmp(item->data, s, n);
}
