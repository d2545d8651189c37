/*
 * mask_stream.c — the streaming response masker (mask_stream.h).
 *
 * Each feed appends the chunk to the pending bytes, picks a cut (the end
 * on the last chunk; otherwise the last separator at least RP_MASK_HOLD
 * bytes before the end, never inside a match), masks and emits everything
 * before the cut, and keeps the rest plus a few bytes of left context for
 * the scanner's token boundaries. JSON state (strings, keys, nesting)
 * carries over between feeds, so nothing is lexed twice.
 */
#include <stdlib.h>
#include <string.h>

#include "mask_stream.h"
#include "normalize.h"
#include "text_class.h"

#define LABEL_NAME    1u
#define LABEL_ADDRESS 2u
#define LABEL_KEY     4u
#define CONTEXT       8 /* bytes kept before the cut for left_ok's look-back */
#define ESC_START     5 /* esc_left right after a backslash */

void rp_mask_stream_init(rp_mask_stream_t *s, const rp_mask_rule_t *rule, bool json,
                         const uint8_t *hash_key, size_t hash_key_len)
{
    memset(s, 0, sizeof(*s));
    s->rule = rule;
    s->json = json;
    s->hash_key = hash_key;
    s->hash_key_len = hash_key_len;
}

void rp_mask_stream_free(rp_mask_stream_t *s)
{
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = s->ctx = 0;
}

static bool word_is(const rp_mask_word_t *w, size_t n, const char *k, size_t kl)
{
    for (size_t i = 0; i < n; i++) {
        if (w[i].len != kl)
            continue;
        size_t j = 0;
        while (j < kl && (w[i].name[j] | 32) == (k[j] | 32))
            j++;
        if (j == kl)
            return true;
    }
    return false;
}

static uint8_t key_label(const rp_mask_stream_t *s)
{
    const rp_mask_rule_t *r = s->rule;
    uint8_t l = 0;
    if (word_is(r->names, r->nnames, s->key, s->key_len))
        l |= LABEL_NAME;
    else if (word_is(r->addresses, r->naddresses, s->key, s->key_len))
        l |= LABEL_ADDRESS;
    if (word_is(r->keys, r->nkeys, s->key, s->key_len))
        l |= LABEL_KEY;
    return l;
}

static bool top_is_object(const rp_mask_stream_t *s)
{
    return s->depth > 0 && s->depth <= RP_MASK_DEPTH && (s->is_object >> (s->depth - 1) & 1);
}

static uint8_t current_value_label(const rp_mask_stream_t *s)
{
    if (s->depth == 0 || s->depth > RP_MASK_DEPTH)
        return 0;
    return top_is_object(s) ? s->key_label : s->labels[s->depth];
}

static void put(rp_abuf_t *out, const char *p, size_t n, int *err)
{
    if (out && n && rp_abuf_append(out, p, n) < 0)
        *err = -1;
}

static void capture_done(rp_mask_stream_t *s)
{
    if (!s->capturing)
        return;
    s->capturing = false;
    rp_mask_report_t *r = &s->report;
    if (r->nkeys == RP_MASK_KEYS_MAX) {
        r->keys_dropped++;
        return;
    }
    memcpy(r->keys[r->nkeys], s->capture, s->capture_len);
    r->keys[r->nkeys][s->capture_len] = '\0';
    /* a record key that is itself an identifier stays masked in events */
    rp_mask_sensitive(r->keys[r->nkeys], s->capture_len);
    r->nkeys++;
}

static void capture_byte(rp_mask_stream_t *s, char c)
{
    if (s->capturing && s->capture_len < RP_MASK_KEY_BYTES)
        s->capture[s->capture_len++] = c;
}

/* One content byte of a labelled string: the first characters stay (a
 * name's first, an address's first six), every later character becomes one
 * '*'; redaction wrote "[name]" at the opening quote already. */
static void label_byte(rp_mask_stream_t *s, char c, bool new_char, rp_abuf_t *out, int *err)
{
    if (s->label_redacted)
        return;
    size_t keep = s->value_label & LABEL_NAME ? 1 : 6;
    if (new_char)
        s->label_chars++;
    if (s->label_chars <= keep)
        put(out, &c, 1, err);
    else if (new_char)
        put(out, "*", 1, err);
}

static bool has_key_words(const rp_mask_rule_t *r)
{
    return r->nnames || r->naddresses || r->nkeys;
}

/* A container opens: its kind and the label its values inherit. */
static void open_container(rp_mask_stream_t *s, char c)
{
    uint8_t vl = current_value_label(s);
    s->depth++;
    if (s->depth <= RP_MASK_DEPTH) {
        uint64_t bit = 1ull << (s->depth - 1);
        s->is_object = c == '{' ? s->is_object | bit : s->is_object & ~bit;
        s->labels[s->depth] = vl;
    }
    s->expect_key = c == '{';
    s->key_label = 0;
}

/* The lexer of a rule without labelled keys: the bytes stay as they are;
 * only strings, keys and nesting are followed, string contents skipped to
 * the next quote or backslash 16 bytes at a time. It leaves the state
 * lex_emit's full lexer would with no key labelled (no label, no capture,
 * the key's text unused). readable: the bytes at p that may be loaded (the
 * pending bytes go on after the span). */
static void lex_structure(rp_mask_stream_t *s, const char *p, size_t n, size_t readable)
{
    size_t i = 0;
    while (i < n) {
        char c = p[i];
        if (s->in_str) {
            if (s->esc_left == ESC_START) {
                s->esc_left = c == 'u' ? 4 : 0;
                i++;
            } else if (s->esc_left) {
                s->esc_left--;
                i++;
            } else if (c == '\\') {
                s->esc_left = ESC_START;
                i++;
            } else if (c == '"') {
                s->in_str = false;
                if (s->str_is_key)
                    s->key_label = 0;
                i++;
            } else {
                i += rp_text_quote_or_backslash(p + i, n - i, readable - i);
            }
            continue;
        }
        switch (c) {
        case '"':
            s->in_str = true;
            s->esc_left = 0;
            s->str_is_key = s->expect_key && top_is_object(s);
            if (s->str_is_key)
                s->key_len = 0;
            else
                s->value_label = current_value_label(s);
            break;
        case '{':
        case '[':
            open_container(s, c);
            break;
        case '}':
        case ']':
            if (s->depth)
                s->depth--;
            s->expect_key = false;
            break;
        case ',':
            s->expect_key = top_is_object(s);
            break;
        case ':':
            s->expect_key = false;
            break;
        default:
            break;
        }
        i++;
    }
}

/* Lex n bytes, appending them (labelled strings masked) to out. */
static void lex_emit(rp_mask_stream_t *s, const char *p, size_t n, rp_abuf_t *out, int *err)
{
    if (!s->json) {
        put(out, p, n, err);
        return;
    }
    const rp_mask_rule_t *r = s->rule;
    bool key_words = has_key_words(r);
    size_t readable = (size_t)(s->buf + s->len - p); /* p is in the pending bytes */
    if (!key_words) {
        lex_structure(s, p, n, readable);
        put(out, p, n, err);
        return;
    }
    size_t run = 0; /* bytes copied verbatim, flushed in one append */
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (s->in_str && !s->esc_left && (!s->str_is_key || !key_words) && !s->capturing &&
            !(s->value_label & (LABEL_NAME | LABEL_ADDRESS)) && c != '"' && c != '\\') {
            /* plain string content: copied as it is up to the next quote or
             * backslash */
            size_t stop = i + rp_text_quote_or_backslash(p + i, n - i, readable - i);
            run += stop - i;
            i = stop - 1;
            continue;
        }
        if (s->in_str) {
            bool new_char;
            if (s->esc_left == ESC_START) {
                s->esc_left = c == 'u' ? 4 : 0;
                new_char = false;
            } else if (s->esc_left) {
                s->esc_left--;
                new_char = false;
            } else if (c == '\\') {
                s->esc_left = ESC_START;
                new_char = true;
            } else if (c == '"') {
                s->in_str = false;
                if (s->str_is_key) {
                    s->key_label = key_label(s);
                } else {
                    capture_done(s);
                }
                if (!s->str_is_key && (s->value_label & (LABEL_NAME | LABEL_ADDRESS))) {
                    put(out, p + i - run, run, err);
                    run = 0;
                    put(out, "\"", 1, err);
                    continue;
                }
                run++;
                continue;
            } else {
                new_char = ((unsigned char)c & 0xC0) != 0x80;
            }
            if (s->str_is_key) {
                if (s->key_len < RP_MASK_KEY_BYTES)
                    s->key[s->key_len++] = c;
                run++;
            } else {
                capture_byte(s, c);
                if (s->value_label & (LABEL_NAME | LABEL_ADDRESS)) {
                    put(out, p + i - run, run, err);
                    run = 0;
                    label_byte(s, c, new_char, out, err);
                } else {
                    run++;
                }
            }
            continue;
        }
        run++;
        switch (c) {
        case '"':
            s->in_str = true;
            s->esc_left = 0;
            s->str_is_key = s->expect_key && top_is_object(s);
            if (s->str_is_key) {
                s->key_len = 0;
                break;
            }
            s->value_label = current_value_label(s);
            if (s->value_label & LABEL_KEY) {
                s->capturing = true;
                s->capture_len = 0;
            }
            if (s->value_label & (LABEL_NAME | LABEL_ADDRESS)) {
                int cls = s->value_label & LABEL_NAME ? RP_MASK_LABEL_NAME : RP_MASK_LABEL_ADDRESS;
                s->report.counts[cls]++;
                s->label_chars = 0;
                s->label_redacted = s->rule->style[cls] == RP_MASK_REDACT && out;
                if (s->label_redacted) {
                    put(out, p + i + 1 - run, run, err);
                    run = 0;
                    put(out, cls == RP_MASK_LABEL_NAME ? "[name]" : "[address]",
                        cls == RP_MASK_LABEL_NAME ? 6 : 9, err);
                }
            }
            break;
        case '{':
        case '[':
            capture_done(s);
            open_container(s, c);
            break;
        case '}':
        case ']':
            capture_done(s);
            if (s->depth)
                s->depth--;
            s->expect_key = false;
            break;
        case ',':
            capture_done(s);
            s->expect_key = top_is_object(s);
            break;
        case ':':
            s->expect_key = false;
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            capture_done(s);
            break;
        default:
            /* a number (or literal) value of a record key */
            if (!s->capturing && top_is_object(s) && !s->expect_key && (s->key_label & LABEL_KEY)) {
                s->capturing = true;
                s->capture_len = 0;
            }
            capture_byte(s, c);
            break;
        }
    }
    put(out, p + n - run, run, err);
}

/* Bytes after which a new token certainly starts: none of them can be
 * inside a value of any class. */
static bool separator(char c)
{
    switch (c) {
    case '"':
    case ',':
    case ':':
    case ';':
    case '{':
    case '}':
    case '[':
    case ']':
    case '\n':
    case '\r':
    case '\t':
    case '<':
    case '>':
    case '=':
    case '&':
    case '\'':
    case '/':
    case '|':
        return true;
    default:
        return false;
    }
}

static size_t choose_cut(const rp_mask_stream_t *s)
{
    if (s->len < s->ctx + RP_MASK_HOLD)
        return s->ctx;
    size_t limit = s->len - RP_MASK_HOLD;
    for (size_t c = limit; c > s->ctx; c--)
        if (separator(s->buf[c - 1]))
            return c;
    return limit; /* a run with no separator at all: cut it (bounded hold) */
}

/* One value found and counted goes out masked. verbatim: the bytes since
 * emitted have not gone out yet; a partial mask outside quotes keeps the
 * length, so the run and the value are appended together and the value
 * masked where it landed. */
static void emit_masked(rp_mask_stream_t *s, const rp_data_match_t *m, bool verbatim,
                        size_t emitted, rp_abuf_t *out, int *err)
{
    const rp_mask_rule_t *r = s->rule;
    /* a JSON number becomes a string: the document stays valid */
    bool quote = s->json && !s->in_str;
    if (verbatim && !quote && r->style[m->cls] == RP_MASK_PARTIAL) {
        put(out, s->buf + emitted, m->offset + m->length - emitted, err);
        if (*err)
            return;
        char *value = out->data + out->len - m->length;
        if (rp_data_mask(m->cls, RP_MASK_PARTIAL, s->buf + m->offset, m->length, NULL, 0, value,
                         m->length) != m->length)
            memset(value, '*', m->length); /* cannot happen: fail closed */
        return;
    }
    if (verbatim)
        put(out, s->buf + emitted, m->offset - emitted, err);
    char masked[RP_DATA_MASK_MAX(RP_MASK_HOLD) + 2];
    size_t ml = rp_data_mask(m->cls, r->style[m->cls], s->buf + m->offset, m->length, s->hash_key,
                             s->hash_key_len, masked + 1, sizeof(masked) - 2);
    if (ml == 0) { /* cannot happen with a checked policy: fail closed */
        memset(masked + 1, '*', m->length);
        ml = m->length;
    }
    if (quote) {
        masked[0] = '"';
        masked[ml + 1] = '"';
    }
    put(out, quote ? masked : masked + 1, quote ? ml + 2 : ml, err);
}

int rp_mask_stream_feed(rp_mask_stream_t *s, const char *in, size_t len, bool last, rp_abuf_t *out)
{
    if (s->len + len == 0)
        return 0;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len)
            cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b)
            return -1;
        s->buf = b;
        s->cap = cap;
    }
    if (len)
        memcpy(s->buf + s->len, in, len);
    s->len += len;
    size_t cut = last ? s->len : choose_cut(s);
    int err = 0;
    /* verbatim: the lexer leaves the bytes as they are (text, or JSON
     * without labelled keys), so they go out in runs up to each masked
     * value rather than through the lexer */
    const rp_mask_rule_t *r = s->rule;
    bool verbatim = !s->json || !has_key_words(r);
    rp_abuf_t *lex_out = verbatim ? NULL : out;
    size_t i = s->ctx, pos = s->ctx, at_cache = 0, emitted = s->ctx;
    rp_data_match_t m;
    while (cut > i && rp_data_scan_next_cached(s->buf, s->len, &pos, r->classes, &m, &at_cache)) {
        if (m.offset >= cut)
            break;
        if (m.offset + m.length > cut) {
            cut = m.offset; /* never split a value: it waits for the next feed */
            break;
        }
        lex_emit(s, s->buf + i, m.offset - i, lex_out, &err);
        i = m.offset;
        /* keys are names, not data; labelled strings are masked whole */
        if (s->json && s->in_str &&
            (s->str_is_key || (s->value_label & (LABEL_NAME | LABEL_ADDRESS))))
            continue;
        /* outside strings only whole JSON numbers are values: -13812345678
         * is a negative number, not a phone */
        if (s->json && !s->in_str && m.offset > 0 &&
            (s->buf[m.offset - 1] == '-' || s->buf[m.offset - 1] == '+'))
            continue;
        s->report.counts[m.cls]++;
        if (out)
            emit_masked(s, &m, verbatim, emitted, out, &err);
        /* no value of any class holds a quote, backslash or structural
         * character: outside an escape the structure lexer would not move */
        if (!verbatim || s->esc_left)
            lex_emit(s, s->buf + m.offset, m.length, NULL, &err);
        i = m.offset + m.length;
        if (verbatim)
            emitted = i;
    }
    if (cut > i)
        lex_emit(s, s->buf + i, cut - i, lex_out, &err);
    if (verbatim)
        put(out, s->buf + emitted, cut - emitted, &err);
    /* keep the held bytes and a little left context */
    size_t keep_ctx = cut < CONTEXT ? cut : CONTEXT;
    memmove(s->buf, s->buf + cut - keep_ctx, s->len - cut + keep_ctx);
    s->len = s->len - cut + keep_ctx;
    s->ctx = keep_ctx;
    return err;
}
