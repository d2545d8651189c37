/*
 * fuzz_cbor.c — the strict CBOR decoder (cbor.c) on arbitrary bytes, in
 * both the lenient and the canonical mode: authenticators and the browsers
 * in front of them send whatever they like.
 *
 * Besides crashes and sanitizer reports, checks the document's shape: every
 * item's encoding lies inside the input, spans add up, strings lie inside
 * their item, the canonical mode never accepts what the lenient one
 * refuses, and the lookup helpers find every key the map holds.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"

static void check_item(const cbor_item_t *it, const cbor_item_t *end, const unsigned char *in,
                       size_t size)
{
    if (it->span < 1 || it + it->span > end)
        abort();
    if (it->raw < in || it->raw + it->raw_len > in + size || it->raw_len == 0)
        abort();
    if (it->type == CBOR_BYTES || it->type == CBOR_TEXT) {
        if (it->data < it->raw || it->data + it->value != it->raw + it->raw_len)
            abort();
        if (it->span != 1)
            abort();
    }
    if (it->type == CBOR_ARRAY || it->type == CBOR_MAP) {
        size_t n = it->type == CBOR_MAP ? 2 * it->value : it->value;
        const cbor_item_t *child = it + 1;
        for (size_t i = 0; i < n; i++) {
            check_item(child, end, in, size);
            child = cbor_next(child);
        }
        if (child != it + it->span)
            abort();
        for (size_t i = 0; it->type == CBOR_MAP && i < it->value; i++) {
            const cbor_item_t *key = cbor_child(it, i);
            int64_t k;
            if (key->type == CBOR_TEXT && key->value < 64 && !memchr(key->data, 0, key->value)) {
                char text[64];
                memcpy(text, key->data, key->value);
                text[key->value] = '\0';
                if (cbor_map_text(it, text) != cbor_next(key))
                    abort();
            } else if (cbor_int64(key, &k) == 0 && cbor_map_int(it, k) != cbor_next(key)) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[160];
    cbor_doc_t doc;
    cbor_limits_t lenient = {.flags = CBOR_PREFIX};
    int lenient_ok = cbor_decode(data, size, &lenient, &doc, err, sizeof(err)) == 0;
    if (lenient_ok) {
        if (doc.consumed > size || doc.items[0].span != doc.n_items ||
            doc.items[0].raw_len != doc.consumed)
            abort();
        check_item(&doc.items[0], doc.items + doc.n_items, data, size);
        cbor_doc_free(&doc);
    } else if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "offset ", 7)) {
        abort();
    }
    cbor_limits_t canonical = {.flags = CBOR_PREFIX | CBOR_CANONICAL};
    if (cbor_decode(data, size, &canonical, &doc, err, sizeof(err)) == 0) {
        if (!lenient_ok)
            abort();
        cbor_doc_free(&doc);
    }
    return 0;
}
