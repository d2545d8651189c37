/*
 * data_mask.c — masking styles for values the scanner found
 * (docs/DATA-CLASSES.md, "Masking styles"):
 *   partial  same length; the characters that let a person recognise their
 *            own value stay (ID 6+4, mobile 3+4, card 6+4...), letters and
 *            digits in between become '*', separators stay
 *   hash     "<class>:" + base64url(12 bytes of HMAC-SM3(key, class, value
 *            normalised)): the same value always gives the same pseudonym,
 *            so masked data can still be counted and joined
 *   redact   "[<class>]"
 */
#include <string.h>

#include "normalize.h"
#include "rampart/crypto.h"
#include "rampart/dataclass.h"

static bool significant(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static size_t count_significant(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += significant(s[i]);
    return k;
}

/* Significant characters before the subscriber number of a landline: the
 * country code if any and the area code. */
static size_t landline_head(const char *s, size_t n)
{
    size_t k = 0, i = 0;
    bool seen_area = false;
    for (; i < n; i++) {
        if (significant(s[i])) {
            k++;
            seen_area |= s[i] == '0' || k > 2;
        } else if (seen_area && (s[i] == '-' || s[i] == ' ' || s[i] == ')')) {
            break;
        }
    }
    return k;
}

/* How many significant characters stay at each end. */
static void keep_counts(rp_data_class_t cls, const char *s, size_t n, size_t *head, size_t *tail)
{
    size_t sig = count_significant(s, n);
    *head = 0;
    *tail = 0;
    switch (cls) {
    case RP_DC_RESIDENT_ID:
        *head = 6; /* region */
        *tail = 4;
        break;
    case RP_DC_MOBILE:
        *head = sig - 8; /* country code, if any, and the 3-digit prefix */
        *tail = 4;
        break;
    case RP_DC_LANDLINE:
        *head = landline_head(s, n);
        *tail = 4;
        break;
    case RP_DC_BANK_CARD:
        *head = 6; /* IIN: the issuing bank, as PCI DSS allows */
        *tail = 4;
        break;
    case RP_DC_USCC:
        *head = 8; /* authority, type, region */
        *tail = 2;
        break;
    case RP_DC_PASSPORT:
        *head = 1;
        *tail = 3;
        break;
    case RP_DC_EMAIL:
        *head = 1; /* and the domain: handled by the caller */
        break;
    case RP_DC_PLATE:
        *head = 1; /* the issuing city letter; the province is never masked */
        *tail = 1;
        break;
    default:
        break;
    }
    if (*head + *tail >= sig) {
        *head = sig > 2 ? 1 : 0;
        *tail = 0;
    }
}

static void mask_partial(rp_data_class_t cls, char *s, size_t n)
{
    size_t end = n;
    if (cls == RP_DC_EMAIL) {
        const char *at = memchr(s, '@', n);
        end = at ? (size_t)(at - s) : n;
    }
    size_t head, tail, sig = count_significant(s, end);
    keep_counts(cls, s, end, &head, &tail);
    size_t k = 0;
    for (size_t i = 0; i < end; i++) {
        if (cls == RP_DC_EMAIL ? i == 0 || s[i] == '@' : !significant(s[i]))
            continue;
        if (cls == RP_DC_EMAIL || (k >= head && k < sig - tail))
            s[i] = '*';
        k++;
    }
}

size_t rp_data_mask(rp_data_class_t cls, rp_mask_style_t style, const char *value, size_t len,
                    const uint8_t *hash_key, size_t hash_key_len, char *out, size_t cap)
{
    const char *name = rp_data_class_name(cls);
    if (!name)
        return 0;
    size_t nl = strlen(name);
    switch (style) {
    case RP_MASK_PARTIAL:
        if (cap < len)
            return 0;
        memmove(out, value, len);
        /* the shapes most bodies hold, every character significant:
         * what mask_partial does, without counting */
        if (cls == RP_DC_RESIDENT_ID && len == 18)
            memset(out + 6, '*', 8);
        else if (cls == RP_DC_MOBILE && len == 11)
            memset(out + 3, '*', 4);
        else
            mask_partial(cls, out, len);
        return len;
    case RP_MASK_REDACT:
        if (cap < nl + 2)
            return 0;
        out[0] = '[';
        memcpy(out + 1, name, nl);
        out[nl + 1] = ']';
        return nl + 2;
    case RP_MASK_HASH: {
        uint8_t mac[12];
        if (cap < nl + 1 + 16)
            return 0;
        /* mobiles by their 11 digits, whatever the country-code spelling */
        size_t skip = 0;
        if (cls == RP_DC_MOBILE) {
            size_t sig = count_significant(value, len), k = 0;
            while (k < sig - 11 && skip < len)
                k += significant(value[skip++]);
            while (skip < len && !significant(value[skip]))
                skip++;
        }
        if (!rp_blind_index_normalized(hash_key, hash_key_len, name, value + skip, len - skip, mac,
                                       sizeof(mac)))
            return 0;
        memcpy(out, name, nl);
        out[nl] = ':';
        char text[17];
        rp_base64url_encode(text, mac, sizeof(mac));
        memcpy(out + nl + 1, text, 16);
        return nl + 1 + 16;
    }
    }
    return 0;
}

size_t rp_data_mask_partial_inplace(char *s, size_t len, unsigned mask)
{
    size_t pos = 0, count = 0, at_cache = 0;
    rp_data_match_t m;
    while (rp_data_scan_next_cached(s, len, &pos, mask, &m, &at_cache)) {
        mask_partial(m.cls, s + m.offset, m.length);
        count++;
    }
    return count;
}
