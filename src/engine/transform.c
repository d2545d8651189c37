/*
 * transform.c — the SecLang transformation registry: names to ids, ids to
 * functions, and rp_transform_apply().
 *
 * The table is data, in id order; ids are what a compiled policy stores for
 * each rule's t: chain, so they only ever grow (append new rows at the end).
 * Lookup is case-insensitive, as in ModSecurity (CRS writes both
 * base64Decode and base64decode), and accepts the British spellings
 * normalisePath / normalisePathWin as aliases of the canonical
 * normalizePath / normalizePathWin. It runs at policy load only: a linear
 * scan that compares the length before any byte is cheap for ~45 names.
 *
 * The implementations live by family: transform_decode.c (decoders),
 * transform_text.c (case, whitespace, comments, paths, parity) and
 * transform_hash.c (length, digests, encoders). "none" (id 0) has no
 * function: in a rule it clears the chain so far, and applied it is the
 * identity.
 */
#include "transform.h"

#include <string.h>
#include <strings.h>

typedef struct {
    const char *name;
    unsigned char name_len;
    rp_transform_fn fn;
    /* Value classes (RP_TFV_*) in whose absence fn leaves a value as it is;
     * ALWAYS for the transformations that change every value. */
    unsigned changes_on;
} transform_def_t;

#define ALWAYS (~0u)
#define WS     (RP_TFV_SPACE | RP_TFV_WS_OTHER | RP_TFV_NONASCII)
#define COMMENT_CHARS (RP_TFV_SLASH | RP_TFV_STAR | RP_TFV_DASH | RP_TFV_HASH | RP_TFV_LT)

#define DEF(n, f, on)                                                                              \
    {                                                                                              \
        n, sizeof(n) - 1, f, on                                                                    \
    }

static const transform_def_t transforms[] = {
    DEF("none", NULL, 0),
    /* decoders */
    DEF("urlDecode", rp_tf_url_decode, RP_TFV_PERCENT | RP_TFV_PLUS),
    DEF("urlDecodeUni", rp_tf_url_decode_uni, RP_TFV_PERCENT | RP_TFV_PLUS),
    DEF("htmlEntityDecode", rp_tf_html_entity_decode, RP_TFV_AMP),
    DEF("jsDecode", rp_tf_js_decode, RP_TFV_BACKSLASH),
    DEF("cssDecode", rp_tf_css_decode, RP_TFV_BACKSLASH),
    DEF("escapeSeqDecode", rp_tf_escape_seq_decode, RP_TFV_BACKSLASH),
    DEF("utf8toUnicode", rp_tf_utf8_to_unicode, RP_TFV_NONASCII),
    DEF("base64Decode", rp_tf_base64_decode, ALWAYS),
    DEF("base64DecodeExt", rp_tf_base64_decode_ext, ALWAYS),
    DEF("hexDecode", rp_tf_hex_decode, ALWAYS),
    DEF("sqlHexDecode", rp_tf_sql_hex_decode, RP_TFV_0X),
    /* text */
    DEF("lowercase", rp_tf_lowercase, RP_TFV_UPPER),
    DEF("uppercase", rp_tf_uppercase, RP_TFV_LOWER),
    DEF("removeNulls", rp_tf_remove_nulls, RP_TFV_NUL),
    DEF("replaceNulls", rp_tf_replace_nulls, RP_TFV_NUL),
    DEF("removeWhitespace", rp_tf_remove_whitespace, WS),
    DEF("compressWhitespace", rp_tf_compress_whitespace, RP_TFV_WS_OTHER | RP_TFV_WS_RUN | RP_TFV_NONASCII),
    DEF("trim", rp_tf_trim, RP_TFV_EDGE_WS),
    DEF("trimLeft", rp_tf_trim_left, RP_TFV_EDGE_WS),
    DEF("trimRight", rp_tf_trim_right, RP_TFV_EDGE_WS),
    DEF("replaceComments", rp_tf_replace_comments, COMMENT_CHARS),
    DEF("removeComments", rp_tf_remove_comments, COMMENT_CHARS),
    DEF("removeCommentsChar", rp_tf_remove_comments_char, COMMENT_CHARS),
    DEF("cmdLine", rp_tf_cmd_line, RP_TFV_UPPER | RP_TFV_BACKSLASH | RP_TFV_QUOTE | RP_TFV_CARET | RP_TFV_SEP | RP_TFV_SPACE | RP_TFV_WS_OTHER),
    DEF("normalizePath", rp_tf_normalize_path, RP_TFV_SLASH | RP_TFV_DOT | RP_TFV_BACKSLASH),
    DEF("normalizePathWin", rp_tf_normalize_path_win, RP_TFV_SLASH | RP_TFV_DOT | RP_TFV_BACKSLASH),
    DEF("parityEven7bit", rp_tf_parity_even_7bit, ALWAYS),
    DEF("parityOdd7bit", rp_tf_parity_odd_7bit, ALWAYS),
    DEF("parityZero7bit", rp_tf_parity_zero_7bit, ALWAYS),
    /* hashes and encoders */
    DEF("length", rp_tf_length, ALWAYS),
    DEF("md5", rp_tf_md5, ALWAYS),
    DEF("sha1", rp_tf_sha1, ALWAYS),
    DEF("hexEncode", rp_tf_hex_encode, ALWAYS),
    DEF("base64Encode", rp_tf_base64_encode, ALWAYS),
    DEF("urlEncode", rp_tf_url_encode, ALWAYS),
};

#define NTRANSFORMS ((int)(sizeof(transforms) / sizeof(transforms[0])))

/* Other spellings ModSecurity accepts, with the canonical name they mean. */
static const struct {
    const char *alias;
    unsigned char alias_len;
    const char *canonical;
} aliases[] = {
    {"normalisePath", sizeof("normalisePath") - 1, "normalizePath"},
    {"normalisePathWin", sizeof("normalisePathWin") - 1, "normalizePathWin"},
};

static int find(const char *name, size_t len)
{
    for (int i = 0; i < NTRANSFORMS; i++)
        if (transforms[i].name_len == len && strncasecmp(transforms[i].name, name, len) == 0)
            return i;
    return -1;
}

int rp_transform_lookup(const char *name, size_t len)
{
    if (!name || memchr(name, '\0', len))
        return -1;
    int id = find(name, len);
    if (id >= 0)
        return id;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (aliases[i].alias_len == len && strncasecmp(aliases[i].alias, name, len) == 0)
            return find(aliases[i].canonical, strlen(aliases[i].canonical));
    return -1;
}

const char *rp_transform_name(int id)
{
    return id >= 0 && id < NTRANSFORMS ? transforms[id].name : NULL;
}

int rp_transform_count(void)
{
    return NTRANSFORMS;
}

/* Internal class bit of '0', for the "0x" test; never returned. */
#define TFV_ZERO (1u << 30)

/* Does s hold two white-space-ish bytes in a row? */
static bool ws_run(const unsigned char *s, size_t len, const unsigned *cls, unsigned wsish)
{
    unsigned prev = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = cls[s[i]] & wsish;
        if (c && prev)
            return true;
        prev = c;
    }
    return false;
}

/* Does s hold "0x" or "0X"? */
static bool has_0x(const unsigned char *s, size_t len)
{
    const unsigned char *p = s, *end = s + len;
    while ((p = memchr(p, '0', (size_t)(end - p))) != NULL && p + 1 < end) {
        if ((p[1] | 0x20) == 'x')
            return true;
        p++;
    }
    return false;
}

/* One table-driven pass ORs the byte classes (most values: nothing else);
 * the two classes that depend on neighbours — a white-space run and "0x" —
 * are looked for only when the bytes they need occur at all. */
unsigned rp_transform_value_flags(const char *v, size_t len)
{
    static const unsigned cls[256] = {
        ['A' ... 'Z'] = RP_TFV_UPPER, ['a' ... 'z'] = RP_TFV_LOWER, ['%'] = RP_TFV_PERCENT,
        ['+'] = RP_TFV_PLUS, ['&'] = RP_TFV_AMP, ['\\'] = RP_TFV_BACKSLASH, [0] = RP_TFV_NUL,
        [' '] = RP_TFV_SPACE, ['\t'] = RP_TFV_WS_OTHER, ['\n'] = RP_TFV_WS_OTHER,
        ['\v'] = RP_TFV_WS_OTHER, ['\f'] = RP_TFV_WS_OTHER, ['\r'] = RP_TFV_WS_OTHER,
        [0x80 ... 0xFF] = RP_TFV_NONASCII, ['/'] = RP_TFV_SLASH, ['*'] = RP_TFV_STAR,
        ['-'] = RP_TFV_DASH, ['#'] = RP_TFV_HASH, ['"'] = RP_TFV_QUOTE, ['\''] = RP_TFV_QUOTE,
        ['`'] = RP_TFV_QUOTE, ['^'] = RP_TFV_CARET, [','] = RP_TFV_SEP, [';'] = RP_TFV_SEP,
        ['('] = RP_TFV_PAREN, ['.'] = RP_TFV_DOT, ['<'] = RP_TFV_LT, ['0'] = TFV_ZERO};
    const unsigned wsish = RP_TFV_SPACE | RP_TFV_WS_OTHER | RP_TFV_NONASCII;
    const unsigned char *s = (const unsigned char *)v;
    unsigned f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        f0 |= cls[s[i]];
        f1 |= cls[s[i + 1]];
        f2 |= cls[s[i + 2]];
        f3 |= cls[s[i + 3]];
    }
    for (; i < len; i++)
        f0 |= cls[s[i]];
    unsigned f = f0 | f1 | f2 | f3;
    if ((f & wsish) && ws_run(s, len, cls, wsish))
        f |= RP_TFV_WS_RUN;
    if ((f & TFV_ZERO) && (f & (RP_TFV_UPPER | RP_TFV_LOWER)) && has_0x(s, len))
        f |= RP_TFV_0X;
    f &= ~TFV_ZERO;
    if (len && ((cls[s[0]] | cls[s[len - 1]]) & wsish))
        f |= RP_TFV_EDGE_WS;
    return f;
}

bool rp_transform_may_change(int id, unsigned flags)
{
    if (id <= 0 || id >= NTRANSFORMS)
        return false;
    return (transforms[id].changes_on & flags) != 0 || transforms[id].changes_on == ALWAYS;
}

unsigned rp_transform_changes_on(int id)
{
    if (id <= 0 || id >= NTRANSFORMS)
        return 0;
    return transforms[id].changes_on == ALWAYS ? RP_TFV_ALWAYS : transforms[id].changes_on;
}

bool rp_transform_apply(int id, rp_arena_t *a, const char *in, size_t len, const char **out,
                        size_t *out_len)
{
    *out = in;
    *out_len = len;
    if (id <= 0 || id >= NTRANSFORMS)
        return false;
    if (!transforms[id].fn(a, in, len, out, out_len))
        return false;
    /* Safety net for the contract: an implementation that rebuilt an
     * identical value still reports "unchanged" and hands back the input. */
    if (*out_len == len && memcmp(*out, in, len) == 0) {
        *out = in;
        return false;
    }
    return true;
}
