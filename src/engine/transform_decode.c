/*
 * transform_decode.c — the decoding transformations: t:urlDecode,
 * urlDecodeUni, htmlEntityDecode, jsDecode, cssDecode, escapeSeqDecode,
 * utf8toUnicode, base64Decode, base64DecodeExt, hexDecode, sqlHexDecode.
 *
 * Reference: the ModSecurity v3 reference manual ("Transformation
 * functions") and the behaviour OWASP CRS v4's regression tests rely on.
 * Every decoder is lenient like ModSecurity's: what is not a valid escape
 * stays in the output as it was, so a malformed payload is still inspected.
 *
 * One deliberate departure, for all Unicode escapes (%uXXXX, \uXXXX, CSS
 * \HHHHHH, &#NNNN;): ModSecurity keeps only the low byte of the code point
 * (so "%u4e2d", 中, becomes '-', and an emoji can become '`'), which turns
 * Chinese text into stray ASCII punctuation for the rules to trip on.
 * Rampart writes the code point as UTF-8 instead; code points below U+0080
 * are the same single byte either way. Full-width ASCII U+FF01-U+FF5E still
 * folds to ASCII '!'..'~' in the escapes ModSecurity folds it in (%u, \u,
 * CSS), exactly like its default unicode map (code page 20127) does: CRS
 * tests 941110-6 ("%uff1cscript%u0020%uff1e...") and 920260 depend on it.
 * With utf8toUnicode emitting UTF-16 (surrogate pairs above U+FFFF), the
 * CRS chain utf8toUnicode,urlDecodeUni therefore leaves Chinese text and
 * emoji byte-for-byte intact and folds only full-width ASCII.
 *
 * Decoding never grows the value except utf8toUnicode (by design), so the
 * shrinking decoders allocate len + 1 bytes on their first change.
 */
#include <stdint.h>
#include <strings.h>

#include "transform.h"

#define NO_CP UINT32_MAX

static bool is_surrogate(uint32_t cp)
{
    return cp >= 0xD800 && cp <= 0xDFFF;
}

/* Code point as UTF-8 (cp <= 0x10FFFF); returns the byte count. */
static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A decoded %u / \u / CSS escape: full-width ASCII folded to ASCII (the
 * ModSecurity / code page 20127 behaviour), everything else as UTF-8. */
static size_t put_unicode(char *d, uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0;
    return put_utf8(d, cp);
}

/* Four hex digits at s (caller checked the length), or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = rp_tf_hex((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static bool is_u(char c, bool any_case)
{
    return c == 'u' || (any_case && c == 'U');
}

/*
 * A UTF-16 escape at s: esc 'u' HHHH, or a high/low surrogate pair of two
 * such escapes (combined into one code point). Returns the bytes it spans,
 * 0 when s does not start one. A lone surrogate spans 6 bytes with
 * *cp = NO_CP: callers keep such an escape as it was.
 */
static size_t utf16_escape(const char *s, size_t n, char esc, bool any_case, uint32_t *cp)
{
    if (n < 6 || s[0] != esc || !is_u(s[1], any_case))
        return 0;
    long hi = hex4(s + 2);
    if (hi < 0)
        return 0;
    *cp = (uint32_t)hi;
    if (!is_surrogate(*cp))
        return 6;
    *cp = NO_CP;
    if (hi <= 0xDBFF && n >= 12 && s[6] == esc && is_u(s[7], any_case)) {
        long lo = hex4(s + 8);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
            return 12;
        }
    }
    return 6;
}

/* Accumulate a digit into a code point, saturating just above U+10FFFF so
 * long runs of digits cannot overflow. */
static uint32_t cp_digit(uint32_t v, unsigned base, int digit)
{
    v = v * base + (uint32_t)digit;
    return v > 0x10FFFF ? 0x110000 : v;
}

/*
 * t:urlDecode — %XX (either case of hex digit) and '+' → space. A '%' not
 * followed by two hex digits (also at the end) stays as it is.
 * t:urlDecodeUni — the same plus IIS-style %uXXXX / %UXXXX: full-width
 * ASCII folds to ASCII, other code points become UTF-8, a surrogate pair
 * %uD83D%uDE00 combines, a lone surrogate stays as written.
 * ModSecurity: urldecode_nonstrict_inplace / urldecode_uni_nonstrict_inplace.
 */
static bool url_decode(rp_arena_t *a, const char *in, size_t len, bool uni, const char **out,
                       size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)in[i];
        char tmp[4];
        size_t tn = 1, used = 1;
        uint32_t cp;
        if (c == '+') {
            tmp[0] = ' ';
        } else if (c == '%' && uni && (used = utf16_escape(in + i, len - i, '%', true, &cp)) &&
                   cp != NO_CP) {
            tn = put_unicode(tmp, cp);
        } else if (c == '%' && len - i >= 3 && rp_tf_hex((unsigned char)in[i + 1]) >= 0 &&
                   rp_tf_hex((unsigned char)in[i + 2]) >= 0) {
            tmp[0] = (char)(rp_tf_hex((unsigned char)in[i + 1]) * 16 +
                            rp_tf_hex((unsigned char)in[i + 2]));
            used = 3;
        } else {
            if (o)
                o[n] = (char)c;
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        memcpy(o + n, tmp, tn);
        n += tn;
        i += used;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

bool rp_tf_url_decode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    return url_decode(a, in, len, false, out, out_len);
}

bool rp_tf_url_decode_uni(rp_arena_t *a, const char *in, size_t len, const char **out,
                          size_t *out_len)
{
    return url_decode(a, in, len, true, out, out_len);
}

/* The named entities ModSecurity decodes (case-insensitively, like it). */
static size_t named_entity(const char *s, size_t n, char *d)
{
    static const struct {
        const char *name;
        size_t len;
        const char *bytes;
    } names[] = {
        {"quot", 4, "\""}, {"amp", 3, "&"}, {"lt", 2, "<"}, {"gt", 2, ">"}, {"nbsp", 4, "\xc2\xa0"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (n == names[i].len && strncasecmp(s, names[i].name, n) == 0) {
            size_t k = strlen(names[i].bytes);
            memcpy(d, names[i].bytes, k);
            return k;
        }
    return 0;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/*
 * t:htmlEntityDecode — &#DDD; and &#xHH; (x or X), the ';' optional as in
 * ModSecurity; any number of digits (leading zeros too). Code point 0 gives
 * a NUL byte (ModSecurity does the same; CRS chains end in removeNulls, so
 * "java&#0;script" reads "javascript"); other code points are UTF-8 —
 * ModSecurity keeps the low byte, turning "&#20013;" (中) into '-'. No
 * full-width folding here: a browser does not read "&#xff1c;" as '<'.
 * Surrogates and code points above U+10FFFF stay as written, and so do
 * "&#", "&#x" without digits. Named: &quot; &amp; &lt; &gt; &nbsp;
 * (case-insensitive, ';' optional: the set ModSecurity decodes), &nbsp;
 * as UTF-8 U+00A0 — the same bytes as "&#160;". Other names stay as is.
 * ModSecurity: html_entities_decode_inplace.
 */
bool rp_tf_html_entity_decode(rp_arena_t *a, const char *in, size_t len, const char **out,
                              size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        char tmp[4];
        size_t tn = 0, j = i + 1;
        if (in[i] == '&' && j < len && in[j] == '#') {
            j++;
            bool hexa = j < len && (in[j] | 0x20) == 'x';
            j += hexa;
            size_t k = j;
            uint32_t v = 0;
            for (; j < len; j++) {
                int d = hexa ? rp_tf_hex((unsigned char)in[j])
                             : (is_digit((unsigned char)in[j]) ? in[j] - '0' : -1);
                if (d < 0)
                    break;
                v = cp_digit(v, hexa ? 16 : 10, d);
            }
            if (j > k && v <= 0x10FFFF && !is_surrogate(v))
                tn = put_utf8(tmp, v);
        } else if (in[i] == '&') {
            while (j < len && is_alnum((unsigned char)in[j]))
                j++;
            tn = named_entity(in + i + 1, j - i - 1, tmp);
        }
        if (tn == 0) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (j < len && in[j] == ';')
            j++;
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        memcpy(o + n, tmp, tn);
        n += tn;
        i = j;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

static bool is_odigit(unsigned char c)
{
    return c >= '0' && c <= '7';
}

/*
 * t:jsDecode — JavaScript string escapes, as ModSecurity's js_decode_nonstrict:
 *   \uHHHH       full-width ASCII folded, else UTF-8; surrogate pairs
 *                combine; a lone surrogate stays as written
 *   \u{H...}     ES2015 code point escape (Rampart addition: browsers run
 *                "\u{61}lert"), same output rules
 *   \xHH         the byte
 *   \OOO         1-3 octal digits, at most \377 (a third digit is only
 *                taken when the first is 0-3)
 *   \a \b \f \n \r \t \v   the control characters
 *   \c           any other character: c itself (\\ → \, \' → ', \u12 → u12)
 * A '\' at the very end stays.
 */
bool rp_tf_js_decode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] != '\\' || i + 1 >= len) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        unsigned char e = (unsigned char)in[i + 1];
        char tmp[4];
        size_t tn = 1, used = 2;
        uint32_t cp = 0;
        if (e == 'u' && (used = utf16_escape(in + i, len - i, '\\', false, &cp))) {
            if (cp == NO_CP) { /* lone surrogate: keep "\uD800" */
                if (o)
                    memcpy(o + n, in + i, used);
                n += used;
                i += used;
                continue;
            }
            tn = put_unicode(tmp, cp);
        } else if (e == 'u' && i + 3 < len && in[i + 2] == '{' &&
                   rp_tf_hex((unsigned char)in[i + 3]) >= 0) {
            size_t j = i + 3;
            for (cp = 0; j < len && rp_tf_hex((unsigned char)in[j]) >= 0; j++)
                cp = cp_digit(cp, 16, rp_tf_hex((unsigned char)in[j]));
            if (j < len && in[j] == '}' && cp <= 0x10FFFF && !is_surrogate(cp)) {
                tn = put_unicode(tmp, cp);
                used = j + 1 - i;
            } else {
                tmp[0] = 'u'; /* not an escape: \c rule */
                used = 2;
            }
        } else if (e == 'x' && len - i >= 4 && rp_tf_hex((unsigned char)in[i + 2]) >= 0 &&
                   rp_tf_hex((unsigned char)in[i + 3]) >= 0) {
            tmp[0] = (char)(rp_tf_hex((unsigned char)in[i + 2]) * 16 +
                            rp_tf_hex((unsigned char)in[i + 3]));
            used = 4;
        } else if (is_odigit(e)) {
            size_t j = i + 1, max = e <= '3' ? 3 : 2;
            unsigned v = 0;
            while (j < len && j - (i + 1) < max && is_odigit((unsigned char)in[j]))
                v = v * 8 + (unsigned)(in[j++] - '0');
            tmp[0] = (char)v;
            used = j - i;
        } else {
            static const char ctl[][2] = {{'a', '\a'}, {'b', '\b'}, {'f', '\f'}, {'n', '\n'},
                                          {'r', '\r'}, {'t', '\t'}, {'v', '\v'}};
            tmp[0] = (char)e;
            for (size_t k = 0; k < sizeof(ctl) / sizeof(ctl[0]); k++)
                if (ctl[k][0] == (char)e)
                    tmp[0] = ctl[k][1];
            used = 2;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        memcpy(o + n, tmp, tn);
        n += tn;
        i += used;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/* CSS white space after an escape (CSS Syntax 3 §4.3.7; CR LF counts as one). */
static size_t css_space(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (s[0] == '\r')
        return n > 1 && s[1] == '\n' ? 2 : 1;
    return s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\f';
}

/*
 * t:cssDecode — CSS 2.1 escapes (ModSecurity: css_decode_inplace):
 *   \H to \HHHHHH   a code point, plus one following white space (space,
 *                   tab, LF, CR LF, CR, FF) which the escape swallows.
 *                   0 gives a NUL byte (as in ModSecurity, so CRS's
 *                   removeNulls turns "java\0script" into "javascript");
 *                   full-width ASCII folds to ASCII as ModSecurity does;
 *                   surrogates and values above U+10FFFF give U+FFFD (the CSS
 *                   rule); everything else is UTF-8 — ModSecurity keeps only
 *                   the last two hex digits.
 *   \ + newline     removed (line continuation; LF, CR LF, CR or FF)
 *   \ at the end    removed
 *   \c              c (any other character, "\\" → "\")
 */
bool rp_tf_css_decode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] != '\\') {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        char tmp[4];
        size_t tn = 0, j = i + 1;
        if (j < len && rp_tf_hex((unsigned char)in[j]) >= 0) {
            uint32_t cp = 0;
            for (; j < len && j - i <= 6 && rp_tf_hex((unsigned char)in[j]) >= 0; j++)
                cp = cp * 16 + (uint32_t)rp_tf_hex((unsigned char)in[j]);
            if (cp > 0x10FFFF || is_surrogate(cp))
                cp = 0xFFFD;
            tn = put_unicode(tmp, cp);
            j += css_space(in + j, len - j);
        } else if (j < len && (in[j] == '\n' || in[j] == '\r' || in[j] == '\f')) {
            j += in[j] == '\r' && j + 1 < len && in[j + 1] == '\n' ? 2 : 1;
        } else if (j < len) {
            tmp[0] = in[j++];
            tn = 1;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        memcpy(o + n, tmp, tn);
        n += tn;
        i = j;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * t:escapeSeqDecode — ANSI C escapes (ModSecurity:
 * ansi_c_sequences_decode_inplace): \a \b \f \n \r \t \v \\ \? \' \",
 * \xHH / \XHH (exactly two hex digits), \O to \OOO (value taken modulo
 * 256, so \777 is 0xFF, as ModSecurity does). Any other escaped character
 * loses its backslash ("\z" → "z", "\x4" → "x4"); a '\' at the end stays.
 */
bool rp_tf_escape_seq_decode(rp_arena_t *a, const char *in, size_t len, const char **out,
                             size_t *out_len)
{
    static const char simple[][2] = {{'a', '\a'}, {'b', '\b'},  {'f', '\f'}, {'n', '\n'},
                                     {'r', '\r'}, {'t', '\t'},  {'v', '\v'}, {'\\', '\\'},
                                     {'?', '?'},  {'\'', '\''}, {'"', '"'}};
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] != '\\' || i + 1 >= len) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        unsigned char e = (unsigned char)in[i + 1];
        char c = (char)e; /* unknown escape: the character itself */
        size_t used = 2;
        for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++)
            if (simple[k][0] == (char)e)
                c = simple[k][1];
        if ((e | 0x20) == 'x' && len - i >= 4 && rp_tf_hex((unsigned char)in[i + 2]) >= 0 &&
            rp_tf_hex((unsigned char)in[i + 3]) >= 0) {
            c = (char)(rp_tf_hex((unsigned char)in[i + 2]) * 16 +
                       rp_tf_hex((unsigned char)in[i + 3]));
            used = 4;
        } else if (is_odigit(e)) {
            size_t j = i + 1;
            unsigned v = 0;
            while (j < len && j - (i + 1) < 3 && is_odigit((unsigned char)in[j]))
                v = v * 8 + (unsigned)(in[j++] - '0');
            c = (char)(v & 0xFF);
            used = j - i;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        o[n++] = c;
        i += used;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * A UTF-8 sequence at s as ModSecurity's utf8toUnicode reads it: a lead
 * byte C0-F7 and its continuation bytes. Overlong forms are accepted on
 * purpose (C0 AF is '/', and utf8toUnicode,urlDecodeUni exposes it as
 * such); values above U+10FFFF are not. Returns the length, 0 for none.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k;
    uint32_t v;
    if (s[0] >= 0xC0 && s[0] <= 0xDF) {
        k = 2;
        v = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        k = 3;
        v = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF7) {
        k = 4;
        v = s[0] & 0x07;
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
    if (v > 0x10FFFF)
        return 0;
    *cp = v;
    return k;
}

static size_t put_u(char *d, uint32_t unit)
{
    static const char hex[] = "0123456789abcdef";
    d[0] = '%';
    d[1] = 'u';
    d[2] = hex[(unit >> 12) & 0xF];
    d[3] = hex[(unit >> 8) & 0xF];
    d[4] = hex[(unit >> 4) & 0xF];
    d[5] = hex[unit & 0xF];
    return 6;
}

/*
 * t:utf8toUnicode — every multi-byte UTF-8 sequence becomes %uxxxx (four
 * lower-case hex digits), the form urlDecodeUni decodes, as ModSecurity
 * does; ASCII and bytes that do not start a sequence (stray continuation
 * bytes, truncated sequences, F8-FF) are copied as they are. Code points
 * above U+FFFF are written as a UTF-16 surrogate pair (%ud83d%ude00) where
 * ModSecurity writes five hex digits (%u1f600) that urlDecodeUni then
 * misreads as %u1f60 + '0'; overlong forms decode to their code point like
 * ModSecurity's. The output length is counted first, so it is exact.
 */
bool rp_tf_utf8_to_unicode(rp_arena_t *a, const char *in, size_t len, const char **out,
                           size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t need = 0, first = len;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t k = s[i] >= 0x80 ? utf8_seq(s + i, len - i, &cp) : 0;
        if (k == 0) {
            need++;
            i++;
            continue;
        }
        if (first == len)
            first = i;
        need += cp > 0xFFFF ? 12 : 6;
        i += k;
    }
    if (first == len)
        return false;
    char *o = rp_tf_begin(a, in, first, need);
    if (!o)
        return false;
    size_t n = first;
    for (size_t i = first; i < len;) {
        size_t k = s[i] >= 0x80 ? utf8_seq(s + i, len - i, &cp) : 0;
        if (k == 0) {
            o[n++] = in[i++];
            continue;
        }
        if (cp > 0xFFFF) {
            n += put_u(o + n, 0xD800 + ((cp - 0x10000) >> 10));
            n += put_u(o + n, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            n += put_u(o + n, cp);
        }
        i += k;
    }
    return rp_tf_done(o, n, out, out_len);
}

/* 0-63 for the standard Base64 alphabet (RFC 4648 §4), 255 otherwise. */
static unsigned char b64(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return (unsigned char)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (unsigned char)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (unsigned char)(c - '0' + 52);
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return 255;
}

/* Decode the alphabet characters of in[0..len) (all of them, skipping
 * others when skip_invalid, else stopping at the first other byte) into
 * o; a final group of 2 or 3 characters gives 1 or 2 bytes, a lone final
 * character nothing. Returns the decoded length. */
static size_t b64_run(const char *in, size_t len, bool skip_invalid, char *o)
{
    uint32_t acc = 0;
    size_t got = 0, n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char v = b64((unsigned char)in[i]);
        if (v == 255) {
            if (skip_invalid)
                continue;
            break;
        }
        acc = (acc << 6) | v;
        if (++got == 4) {
            o[n++] = (char)(acc >> 16);
            o[n++] = (char)(acc >> 8);
            o[n++] = (char)acc;
            acc = 0;
            got = 0;
        }
    }
    if (got == 2) {
        o[n++] = (char)(acc >> 4);
    } else if (got == 3) {
        o[n++] = (char)(acc >> 10);
        o[n++] = (char)(acc >> 2);
    }
    return n;
}

static bool b64_decode(rp_arena_t *a, const char *in, size_t len, bool skip_invalid,
                       const char **out, size_t *out_len)
{
    if (len == 0)
        return false;
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        if (b64((unsigned char)in[i]) != 255)
            chars++;
        else if (!skip_invalid)
            break;
    }
    char *o = rp_tf_begin(a, in, 0, chars / 4 * 3 + 2);
    if (!o)
        return false;
    return rp_tf_done(o, b64_run(in, len, skip_invalid, o), out, out_len);
}

/*
 * t:base64Decode — standard-alphabet Base64 (RFC 4648 §4). Decoding stops
 * at the first byte outside the alphabet ('=' padding included) and the
 * prefix before it is decoded, like ModSecurity v2 (APR); ModSecurity v3
 * (mbedtls) returns an empty string for any invalid input instead. A value
 * with no decodable prefix becomes empty. CRS 934100 relies on
 * "XyQkTkRfRlVOQyQkXwo=" decoding to "_$$ND_FUNC$$_\n".
 */
bool rp_tf_base64_decode(rp_arena_t *a, const char *in, size_t len, const char **out,
                         size_t *out_len)
{
    return b64_decode(a, in, len, false, out, out_len);
}

/* t:base64DecodeExt — forgiving Base64: every byte outside the alphabet
 * (white space, '=', '.', ...) is skipped and the rest decoded. */
bool rp_tf_base64_decode_ext(rp_arena_t *a, const char *in, size_t len, const char **out,
                             size_t *out_len)
{
    return b64_decode(a, in, len, true, out, out_len);
}

/*
 * t:hexDecode — pairs of hex digits become bytes ("414243" → "ABC").
 * ModSecurity decodes every pair without checking it; here a byte that does
 * not start a pair of hex digits (and an odd final digit) is kept as is, so
 * "41zz42" → "AzzB".
 */
bool rp_tf_hex_decode(rp_arena_t *a, const char *in, size_t len, const char **out, size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        int h = rp_tf_hex((unsigned char)in[i]);
        int l = i + 1 < len ? rp_tf_hex((unsigned char)in[i + 1]) : -1;
        if (h < 0 || l < 0) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        o[n++] = (char)(h * 16 + l);
        i += 2;
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}

/*
 * t:sqlHexDecode — SQL hex literals: "0x" / "0X" followed by at least one
 * pair of hex digits decodes the pairs and drops the prefix
 * ("0x414243" → "ABC"; an odd last digit stays: "0x414" → "A4"), as
 * ModSecurity's sql_hex_decode does. Everything else is copied.
 */
bool rp_tf_sql_hex_decode(rp_arena_t *a, const char *in, size_t len, const char **out,
                          size_t *out_len)
{
    char *o = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (!(in[i] == '0' && len - i >= 4 && (in[i + 1] | 0x20) == 'x' &&
              rp_tf_hex((unsigned char)in[i + 2]) >= 0 &&
              rp_tf_hex((unsigned char)in[i + 3]) >= 0)) {
            if (o)
                o[n] = in[i];
            n++;
            i++;
            continue;
        }
        if (!o && !(o = rp_tf_begin(a, in, n, len)))
            return false;
        for (i += 2; len - i >= 2 && rp_tf_hex((unsigned char)in[i]) >= 0 &&
                     rp_tf_hex((unsigned char)in[i + 1]) >= 0;
             i += 2)
            o[n++] =
                (char)(rp_tf_hex((unsigned char)in[i]) * 16 + rp_tf_hex((unsigned char)in[i + 1]));
    }
    return o ? rp_tf_done(o, n, out, out_len) : false;
}
