/*
 * transform_text.c — transformations that rewrite text without decoding
 * it: case (t:lowercase, uppercase), NUL bytes (removeNulls,
 * replaceNulls), white space (removeWhitespace, compressWhitespace, trim,
 * trimLeft, trimRight), comments (replaceComments, removeComments,
 * removeCommentsChar), shell command lines (cmdLine), paths
 * (normalizePath, normalizePathWin) and the 7-bit parity family.
 *
 * Reference: the ModSecurity v3 reference manual and its implementation's
 * behaviour, which CRS v4 is tuned against. Case mapping and white space
 * are ASCII only (C locale), so UTF-8 text — Chinese included — passes
 * through untouched, with one ModSecurity feature handled with care: the
 * non-breaking space. ModSecurity v3 deletes every 0xA0 (and 0xC2) byte,
 * which cuts apart CJK characters whose UTF-8 contains those bytes; here
 * a non-breaking space is U+00A0 as UTF-8 (C2 A0) or a Latin-1 0xA0 byte
 * that is not part of a valid UTF-8 sequence, never a piece of another
 * character.
 */
#include <stdint.h>

#include "transform.h"

static bool ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of a well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. s[0] >= 0x80. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
    size_t k;
    uint32_t v, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        k = 2, v = s[0] & 0x1F, min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        k = 3, v = s[0] & 0x0F, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        k = 4, v = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return k;
}

/* The text unit at s (one ASCII byte, one UTF-8 character, or one byte
 * that is neither): its length in *k, and whether it is white space for
 * removeWhitespace / compressWhitespace (ASCII white space and NBSP). */
static bool space_unit(const char *in, size_t n, size_t *k)
{
    const unsigned char *s = (const unsigned char *)in;
    if (s[0] < 0x80) {
        *k = 1;
        return ascii_space(s[0]);
    }
    size_t u = utf8_valid(s, n);
    if (u) {
        *k = u;
        return u == 2 && s[0] == 0xC2 && s[1] == 0xA0;
    }
    *k = 1;
    return s[0] == 0xA0;
}

/* Shared driver for byte-to-byte maps: find the first byte the map
 * changes, copy from there. */
typedef unsigned char (*byte_map_fn)(unsigned char c);

static bool map_bytes(rp_arena_t *a, const char *in, size_t len, byte_map_fn map, const char **out,
                      size_t *out_len)
{
    size_t i = 0;
    while (i < len && map((unsigned char)in[i]) == (unsigned char)in[i])
        i++;
    if (i == len)
        return false;
    char *o = rp_tf_begin(a, in, i, len);
    if (!o)
        return false;
    for (; i < len; i++)
        o[i] = (char)map((unsigned char)in[i]);
    return rp_tf_done(o, len, out, out_len);
}

static unsigned char to_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static unsigned char to_upper(unsigned char c)
{
    return c >= 'a' && c <= 'z' ? (unsigned char)(c & ~0x20) : c;
}

/* t:lowercase / t:uppercase — ASCII letters only (ModSecurity uses
 * tolower/toupper in the C locale); other bytes, UTF-8 included, stay. */
bool rp_tf_lowercase(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return map_bytes(a, in, len, to_lower, out, out_len);
}

bool rp_tf_uppercase(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return map_bytes(a, in, len, to_upper, out, out_len);
}

static unsigned char nul_to_space(unsigned char c)
{
    return c ? c : ' ';
}

/* t:replaceNulls — every NUL byte becomes a space. */
bool rp_tf_replace_nulls(rp_arena_t *a, const char *in, size_t len, const char **out,
                         size_t *out_len)
{
    return map_bytes(a, in, len, nul_to_space, out, out_len);
}

static unsigned char parity_even(unsigned char c)
{
    unsigned char b = c & 0x7F;
    return __builtin_parity(b) ? (unsigned char)(b | 0x80) : b;
}

static unsigned char parity_odd(unsigned char c)
{
    unsigned char b = c & 0x7F;
    return __builtin_parity(b) ? b : (unsigned char)(b | 0x80);
}

static unsigned char parity_zero(unsigned char c)
{
    return c & 0x7F;
}

/* t:parityEven7bit / parityOdd7bit — set bit 7 of every byte so that the
 * byte has even / odd parity over its low 7 bits; t:parityZero7bit clears
 * bit 7. (ModSecurity's definitions; they exist for 7-bit protocols.) */
bool rp_tf_parity_even_7bit(rp_arena_t *a, const char *in, size_t len, const char **out,
                            size_t *out_len)
{
    return map_bytes(a, in, len, parity_even, out, out_len);
}

bool rp_tf_parity_odd_7bit(rp_arena_t *a, const char *in, size_t len, const char **out,
                           size_t *out_len)
{
    return map_bytes(a, in, len, parity_odd, out, out_len);
}

bool rp_tf_parity_zero_7bit(rp_arena_t *a, const char *in, size_t len, const char **out,
                            size_t *out_len)
{
    return map_bytes(a, in, len, parity_zero, out, out_len);
}

/* t:removeNulls — every NUL byte is removed. */
bool rp_tf_remove_nulls(rp_arena_t *a, const char *in, size_t len, const char **out,
                        size_t *out_len)
{
    const char *z = len ? memchr(in, '\0', len) : NULL;
    if (!z)
        return false;
    size_t n = (size_t)(z - in);
    char *o = rp_tf_begin(a, in, n, len);
    if (!o)
        return false;
    for (size_t i = n + 1; i < len; i++)
        if (in[i])
            o[n++] = in[i];
    return rp_tf_done(o, n, out, out_len);
}

/* t:removeWhitespace — removes ASCII white space (space, \t \n \v \f \r)
 * and non-breaking spaces (see the top of the file). */
bool rp_tf_remove_whitespace(rp_arena_t *a, const char *in, size_t len, const char **out,
                             size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0, k; i < len; i += k) {
        if (space_unit(in + i, len - i, &k)) {
            if (!o && !(o = rp_tf_begin(a, in, n, len)))
                return false;
            continue;
        }
        if (o)
            memcpy(o + n, in + i, k);
        n += k;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/* t:compressWhitespace — every run of white space (as removeWhitespace
 * defines it) becomes one space. Leading and trailing runs too: that is
 * trim's job, as in ModSecurity. */
bool rp_tf_compress_whitespace(rp_arena_t *a, const char *in, size_t len, const char **out,
                               size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    bool prev = false;
    for (size_t i = 0, k; i < len; i += k) {
        bool ws = space_unit(in + i, len - i, &k);
        if (ws && (prev || in[i] != ' ')) {
            if (!o && !(o = rp_tf_begin(a, in, n, len)))
                return false;
            if (!prev)
                o[n++] = ' ';
        } else {
            if (o)
                memcpy(o + n, in + i, k);
            n += k;
        }
        prev = ws;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

static bool trim(rp_arena_t *a, const char *in, size_t len, bool left, bool right, const char **out,
                 size_t *out_len)
{
    size_t b = 0, e = len;
    while (left && b < e && ascii_space((unsigned char)in[b]))
        b++;
    while (right && e > b && ascii_space((unsigned char)in[e - 1]))
        e--;
    if (b == 0 && e == len)
        return false;
    char *o = rp_tf_begin(a, in + b, e - b, e - b);
    return o ? rp_tf_done(o, e - b, out, out_len) : false;
}

/* t:trim / trimLeft / trimRight — ASCII white space (isspace in the C
 * locale, as ModSecurity) off both ends / the start / the end. */
bool rp_tf_trim(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return trim(a, in, len, true, true, out, out_len);
}

bool rp_tf_trim_left(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return trim(a, in, len, true, false, out, out_len);
}

bool rp_tf_trim_right(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return trim(a, in, len, false, true, out, out_len);
}

static bool at(const char *in, size_t len, size_t i, const char *tok, size_t tok_len)
{
    return len - i >= tok_len && memcmp(in + i, tok, tok_len) == 0;
}

/*
 * t:replaceComments — each C comment "/ * ... * /" becomes one space; an
 * unterminated comment runs to the end and also becomes one space. A lone
 * "* /" is left alone. ModSecurity: replace_comments_inplace.
 */
bool rp_tf_replace_comments(rp_arena_t *a, const char *in, size_t len, const char **out,
                            size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (!at(in, len, i, "/*", 2)) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        const char *end = len - i > 2 ? memmem(in + i + 2, len - i - 2, "*/", 2) : NULL;
        i = end ? (size_t)(end - in) + 2 : len;
        o[n++] = ' ';
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * t:removeComments — removes "/ * ... * /" and "<!-- ... -->" comments
 * (an unterminated one runs to the end), and "--" and "#" comments up to,
 * not including, the end of the line. ModSecurity drops everything after
 * "--" or "#" instead, newlines included, which lets "1--\nunion select"
 * hide its second line; Rampart keeps the rest of the input after the
 * newline, as SQL and shells read it.
 */
bool rp_tf_remove_comments(rp_arena_t *a, const char *in, size_t len, const char **out,
                           size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *close = NULL;
        size_t open = 0;
        if (at(in, len, i, "/*", 2))
            open = 2, close = "*/";
        else if (at(in, len, i, "<!--", 4))
            open = 4, close = "-->";
        else if (at(in, len, i, "--", 2) || in[i] == '#')
            open = in[i] == '#' ? 1 : 2;
        if (!open) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        i += open;
        if (close) {
            size_t cl = strlen(close);
            const char *end = len - i >= cl ? memmem(in + i, len - i, close, cl) : NULL;
            i = end ? (size_t)(end - in) + cl : len;
        } else {
            const char *nl = len > i ? memchr(in + i, '\n', len - i) : NULL;
            i = nl ? (size_t)(nl - in) : len;
        }
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * t:removeCommentsChar — removes the comment markers themselves, not the
 * comment text: "/ *", "* /", "<!--", "-->", "--" and "#", tried in that
 * order at each position, the input read left to right (ModSecurity's
 * RemoveCommentsChar, which erases in place and re-tests the same
 * position — the same result).
 */
bool rp_tf_remove_comments_char(rp_arena_t *a, const char *in, size_t len, const char **out,
                                size_t *out_len)
{
    static const struct {
        const char *s;
        size_t n;
    } marks[] = {{"/*", 2}, {"*/", 2}, {"<!--", 4}, {"-->", 3}, {"--", 2}, {"#", 1}};
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t skip = 0;
        for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]) && !skip; m++)
            if (at(in, len, i, marks[m].s, marks[m].n))
                skip = marks[m].n;
        if (!skip) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        i += skip;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * t:cmdLine — ModSecurity's command-line normalisation, byte for byte:
 *   - delete \ " ' ^
 *   - space, tab, CR, LF, ',' and ';' become one space; a run of them
 *     (deleted characters do not break a run) stays one space
 *   - a space right before '/' or '(' is removed
 *   - ASCII letters are lower-cased
 * So "C^OMMAND /C DIR" → "command/c dir", "'l's' -la" → "ls -la".
 */
bool rp_tf_cmd_line(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        char w;
        switch (c) {
        case '\\':
        case '"':
        case '\'':
        case '^':
            if (!o && !(o = rp_tf_begin(a, in, n, len)))
                return false;
            continue;
        case ' ':
        case ',':
        case ';':
        case '\t':
        case '\r':
        case '\n':
            if (space) {
                if (!o && !(o = rp_tf_begin(a, in, n, len)))
                    return false;
                continue;
            }
            space = true;
            w = ' ';
            break;
        case '/':
        case '(':
            if (space) {
                if (!o && !(o = rp_tf_begin(a, in, n, len)))
                    return false;
                n--;
            }
            space = false;
            w = (char)c;
            break;
        default:
            space = false;
            w = (char)to_lower(c);
            break;
        }
        if (!o && w != in[i] && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        if (o)
            o[n] = w;
        n++;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

static bool is_sep(char c, bool win)
{
    return c == '/' || (win && c == '\\');
}

/* Does the path need work: a '\' (Windows), "//", a "." segment, or a
 * ".." that has something to remove or sits at the root? Relative paths
 * that only start with ".." ("../../etc/passwd") are already normal. A
 * path that needs none comes back as it is, without a copy. */
static bool path_dirty(const char *in, size_t len, bool win)
{
    bool named = is_sep(in[0], win); /* at the root, ".." is dirty too */
    for (size_t i = 0; i < len;) {
        if (is_sep(in[i], win)) {
            if ((win && in[i] == '\\') || (i + 1 < len && is_sep(in[i + 1], win)))
                return true;
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && !is_sep(in[i], win))
            i++;
        if (i - s == 1 && in[s] == '.')
            return true;
        if (i - s == 2 && in[s] == '.' && in[s + 1] == '.') {
            if (named)
                return true;
        } else {
            named = true;
        }
    }
    return false;
}

/*
 * t:normalizePath (alias normalisePath) — collapses repeated '/', removes
 * "." segments and resolves ".." against the previous segment. ".." never
 * climbs above the root of an absolute path ("/../etc/passwd" →
 * "/etc/passwd"); in a relative path the ".." that have nothing left to
 * remove are kept at the front ("a/../../b" → "../b") so traversal stays
 * visible to the rules. A trailing '/' is kept when the input had one;
 * a relative path that resolves to nothing becomes empty. Same intent as
 * ModSecurity's normalize_path_inplace (RFC 3986 §5.2.4 dot segments).
 * t:normalizePathWin (alias normalisePathWin) — the same after turning
 * every '\' into '/'.
 */
static bool normalize_path(rp_arena_t *a, const char *in, size_t len, bool win, const char **out,
                           size_t *out_len)
{
    if (len == 0 || !path_dirty(in, len, win))
        return false;
    char *o = rp_tf_begin(a, in, 0, len);
    if (!o)
        return false;
    bool abs = is_sep(in[0], win), trailing = is_sep(in[len - 1], win);
    size_t n = 0, base = 0, named = 0; /* base: end of the root / leading ".."s */
    if (abs)
        o[n++] = '/', base = 1;
    for (size_t i = 0; i < len;) {
        while (i < len && is_sep(in[i], win))
            i++;
        size_t s = i;
        while (i < len && !is_sep(in[i], win))
            i++;
        size_t sl = i - s;
        if (sl == 0 || (sl == 1 && in[s] == '.'))
            continue;
        if (sl == 2 && in[s] == '.' && in[s + 1] == '.') {
            if (named) { /* drop the last segment and its separator */
                while (n > base && o[n - 1] != '/')
                    n--;
                if (n > base) /* the '/' before it */
                    n--;
                named--;
                continue;
            }
            if (abs)
                continue;
            if (n > 0)
                o[n++] = '/';
            o[n++] = '.', o[n++] = '.';
            base = n;
            continue;
        }
        if (n > 0 && o[n - 1] != '/')
            o[n++] = '/';
        memcpy(o + n, in + s, sl);
        n += sl;
        named++;
    }
    if (trailing && n > 0 && o[n - 1] != '/')
        o[n++] = '/';
    return rp_tf_done(o, n, out, out_len);
}

bool rp_tf_normalize_path(rp_arena_t *a, const char *in, size_t len, const char **out,
                          size_t *out_len)
{
    return normalize_path(a, in, len, false, out, out_len);
}

bool rp_tf_normalize_path_win(rp_arena_t *a, const char *in, size_t len, const char **out,
                              size_t *out_len)
{
    return normalize_path(a, in, len, true, out, out_len);
}
