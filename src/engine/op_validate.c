/*
 * op_validate.c — the encoding validators: @validateByteRange,
 * @validateUrlEncoding, @validateUtf8Encoding.
 *
 * As in ModSecurity, a validator MATCHES when the value is INVALID, so a
 * rule fires on bad input. On a match TX.0 is the offending region.
 *
 * @validateByteRange "9,10,13,32-126,128-255": a comma-separated list of
 *   decimal byte values and inclusive ranges (blanks around items are
 *   allowed); any byte outside the set is a match. Values above 255, a
 *   range whose start exceeds its end, or an empty item are load errors.
 * @validateUrlEncoding: every '%' must be followed by two hex digits;
 *   a '%' too close to the end or followed by non-hex is a match. Other
 *   bytes are not judged (ModSecurity's manual: the operator only checks
 *   the encoding, not the characters).
 * @validateUtf8Encoding: strict RFC 3629 — a match on a truncated
 *   sequence, an unexpected continuation byte, an invalid lead byte
 *   (0xC0, 0xC1, 0xF5..0xFF), an overlong form, a UTF-16 surrogate
 *   (U+D800..U+DFFF) or a code point above U+10FFFF. ModSecurity checks the
 *   first four classes; surrogates and the range cap are our addition: both
 *   are classic normalisation evasions and no valid text contains them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operator.h"
#include "urldecode.h"

void *op_byterange_compile(const char *param, size_t len, const char *base_dir, char *err,
                           size_t err_len);
void op_byterange_free(void *state);

#define VAL_EXEC(x)                                                                                \
    rp_op_result_t op_##x##_execute(const void *state, const char *value, size_t len,              \
                                    const char *param, size_t param_len, rp_op_captures_t *cap)
VAL_EXEC(byterange);
VAL_EXEC(urlenc);
VAL_EXEC(utf8);

typedef struct {
    uint8_t allowed[32]; /* bit set of permitted bytes */
} byterange_t;

static rp_op_result_t hit(rp_op_captures_t *cap, const char *p, size_t len)
{
    if (cap) {
        cap->group[0].p = p;
        cap->group[0].len = len;
        cap->n = 1;
    }
    return RP_OP_MATCH;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse a decimal byte value in s[*i..end); -1 when absent or > 255. */
static int parse_byte(const char *s, size_t *i, size_t end)
{
    size_t k = *i;
    int v = 0;
    while (k < end && s[k] >= '0' && s[k] <= '9') {
        v = v * 10 + (s[k] - '0');
        if (v > 255)
            return -1;
        k++;
    }
    if (k == *i)
        return -1;
    *i = k;
    return v;
}

void *op_byterange_compile(const char *param, size_t len, const char *base_dir, char *err,
                           size_t err_len)
{
    (void)base_dir;
    byterange_t *br = calloc(1, sizeof(*br));
    if (!br) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    size_t i = 0;
    for (;;) {
        size_t end = i;
        while (end < len && param[end] != ',')
            end++;
        size_t a = i, b = end;
        while (a < b && blank(param[a]))
            a++;
        while (b > a && blank(param[b - 1]))
            b--;
        size_t k = a;
        int lo = parse_byte(param, &k, b), hi = lo;
        if (lo >= 0 && k < b && param[k] == '-') {
            k++;
            hi = parse_byte(param, &k, b);
        }
        if (lo < 0 || hi < 0 || k != b || lo > hi) {
            snprintf(err, err_len, "@validateByteRange: invalid item \"%.*s\"",
                     (int)(b - a > 40 ? 40 : b - a), param + a);
            free(br);
            return NULL;
        }
        for (int c = lo; c <= hi; c++)
            br->allowed[c >> 3] |= (uint8_t)(1u << (c & 7));
        if (end >= len)
            break;
        i = end + 1;
    }
    return br;
}

void op_byterange_free(void *state)
{
    free(state);
}

VAL_EXEC(byterange)
{
    (void)param;
    (void)param_len;
    const byterange_t *br = state;
    const unsigned char *s = (const unsigned char *)value;
    for (size_t i = 0; i < len; i++)
        if (!(br->allowed[s[i] >> 3] & (1u << (s[i] & 7))))
            return hit(cap, value + i, 1);
    return RP_OP_NOMATCH;
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

VAL_EXEC(urlenc)
{
    (void)state;
    (void)param;
    (void)param_len;
    const unsigned char *s = (const unsigned char *)value;
    const char *p = value;
    while ((p = memchr(p, '%', len - (size_t)(p - value))) != NULL) {
        size_t i = (size_t)(p - value);
        if (len - i < 3)
            return hit(cap, p, len - i);
        if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]))
            return hit(cap, p, 3);
        p += 3;
        if ((size_t)(p - value) >= len)
            break;
    }
    return RP_OP_NOMATCH;
}

VAL_EXEC(utf8)
{
    (void)state;
    (void)param;
    (void)param_len;
    const unsigned char *s = (const unsigned char *)value;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        unsigned bad_utf8 = 0; /* the engine's RFC 3629 step, overlong forms included */
        size_t k = rp_utf8_step(value + i, len - i, &bad_utf8);
        if (bad_utf8) {
            size_t bad = 1;
            while (bad < 4 && i + bad < len && (s[i + bad] & 0xC0) == 0x80)
                bad++;
            return hit(cap, value + i, bad);
        }
        i += k;
    }
    return RP_OP_NOMATCH;
}
