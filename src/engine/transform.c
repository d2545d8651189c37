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

#include <strings.h>

typedef struct {
    const char *name;
    unsigned char name_len;
    rp_transform_fn fn;
} transform_def_t;

#define DEF(n, f)                                                                                  \
    {                                                                                              \
        n, sizeof(n) - 1, f                                                                        \
    }

static const transform_def_t transforms[] = {
    DEF("none", NULL),
    /* decoders */
    DEF("urlDecode", rp_tf_url_decode),
    DEF("urlDecodeUni", rp_tf_url_decode_uni),
    DEF("htmlEntityDecode", rp_tf_html_entity_decode),
    DEF("jsDecode", rp_tf_js_decode),
    DEF("cssDecode", rp_tf_css_decode),
    DEF("escapeSeqDecode", rp_tf_escape_seq_decode),
    DEF("utf8toUnicode", rp_tf_utf8_to_unicode),
    DEF("base64Decode", rp_tf_base64_decode),
    DEF("base64DecodeExt", rp_tf_base64_decode_ext),
    DEF("hexDecode", rp_tf_hex_decode),
    DEF("sqlHexDecode", rp_tf_sql_hex_decode),
    /* text */
    DEF("lowercase", rp_tf_lowercase),
    DEF("uppercase", rp_tf_uppercase),
    DEF("removeNulls", rp_tf_remove_nulls),
    DEF("replaceNulls", rp_tf_replace_nulls),
    DEF("removeWhitespace", rp_tf_remove_whitespace),
    DEF("compressWhitespace", rp_tf_compress_whitespace),
    DEF("trim", rp_tf_trim),
    DEF("trimLeft", rp_tf_trim_left),
    DEF("trimRight", rp_tf_trim_right),
    DEF("replaceComments", rp_tf_replace_comments),
    DEF("removeComments", rp_tf_remove_comments),
    DEF("removeCommentsChar", rp_tf_remove_comments_char),
    DEF("cmdLine", rp_tf_cmd_line),
    DEF("normalizePath", rp_tf_normalize_path),
    DEF("normalizePathWin", rp_tf_normalize_path_win),
    DEF("parityEven7bit", rp_tf_parity_even_7bit),
    DEF("parityOdd7bit", rp_tf_parity_odd_7bit),
    DEF("parityZero7bit", rp_tf_parity_zero_7bit),
    /* hashes and encoders */
    DEF("length", rp_tf_length),
    DEF("md5", rp_tf_md5),
    DEF("sha1", rp_tf_sha1),
    DEF("hexEncode", rp_tf_hex_encode),
    DEF("base64Encode", rp_tf_base64_encode),
    DEF("urlEncode", rp_tf_url_encode),
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
