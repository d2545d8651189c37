/*
 * data_scan.c — find sensitive identifiers in text: resident ID numbers,
 * mobile and landline numbers, payment cards, unified social credit codes,
 * passport numbers, e-mail addresses and licence plates
 * (docs/DATA-CLASSES.md gives each class's rules).
 *
 * One left-to-right pass. At each token start (a position not preceded by an
 * ASCII letter or digit) the candidates that can start there are tried; a
 * failed start skips the whole ASCII alphanumeric run, so each byte is looked
 * at a bounded number of times. Checksums (GB 11643, GB 32100, Luhn), real
 * dates, province and IIN prefixes keep ordinary numbers (order ids,
 * timestamps, amounts) out. Chinese text (bytes >= 0x80) separates tokens:
 * "手机13812345678" holds a mobile number.
 */
#include <stdint.h>
#include <string.h>

#include "rampart/dataclass.h"
#include "text_class.h"

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool alnum(char c)
{
    return digit(c) || upper(c) || (c >= 'a' && c <= 'z');
}

static bool hex(char c)
{
    return digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

static size_t run(const char *s, size_t len, size_t i, bool (*cls)(char))
{
    size_t j = i;
    while (j < len && cls(s[j]))
        j++;
    return j - i;
}

/* May a token start at i? Not after a letter or digit, nor right after a
 * digit and '.' (the fraction of a decimal), unless a %XX escape precedes
 * (URIs: "%2013812345678" is a space then a number). */
static bool left_ok(const char *s, size_t i)
{
    if (i == 0)
        return true;
    if (i >= 3 && s[i - 3] == '%' && hex(s[i - 2]) && hex(s[i - 1]))
        return true;
    if (alnum(s[i - 1]))
        return false;
    return !(s[i - 1] == '.' && i >= 2 && digit(s[i - 2]));
}

/* May a token end at j? Not before a letter or digit, nor before '.' and a
 * digit. */
static bool right_ok(const char *s, size_t len, size_t j)
{
    if (j >= len)
        return true;
    if (alnum(s[j]))
        return false;
    return !(s[j] == '.' && j + 1 < len && digit(s[j + 1]));
}

/* Mainland mobile prefixes (MIIT numbering plan): 13x, 145-149, 15x but 154,
 * 162/165/166/167, 170-178, 18x, 19x but 194. */
static bool mobile_prefix(const char *d)
{
    if (d[0] != '1')
        return false;
    int b = d[1] - '0', c = d[2] - '0';
    switch (b) {
    case 3:
    case 8:
        return true;
    case 4:
        return c >= 5;
    case 5:
        return c != 4;
    case 6:
        return c == 2 || c == 5 || c == 6 || c == 7;
    case 7:
        return c <= 8;
    case 9:
        return c != 4;
    default:
        return false;
    }
}

/* Issuer prefixes and the lengths their cards have (ISO/IEC 7812 ranges of
 * the networks used in China: UnionPay 62/81, Visa, Mastercard, Amex, JCB,
 * Discover, Diners). */
static bool card_iin(const char *d, size_t n)
{
    int two = (d[0] - '0') * 10 + (d[1] - '0');
    int four = two * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    if (d[0] == '4')
        return n == 13 || n == 16 || n == 19;
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))
        return n == 16;
    if (two == 34 || two == 37)
        return n == 15;
    if (two == 62 || two == 81 || two == 60 || two == 65 || two == 35 || two == 38 || two == 39 ||
        (four >= 6440 && four <= 6499) || (four >= 3000 && four <= 3059))
        return n >= 16 && n <= 19;
    if (two == 36)
        return n >= 14 && n <= 19;
    return false;
}

static bool card_digits_valid(const char *d, size_t n)
{
    return n >= 13 && n <= 19 && card_iin(d, n) && rp_luhn_valid(d, n);
}

/* "6222 0212 3456 7890 123" / "6222-0212-...": groups of four (the last 1-4)
 * with one kind of single separator. Returns the length, 0 if not a valid
 * grouped card. */
static size_t grouped_card(const char *s, size_t len, size_t i)
{
    char digits[19];
    size_t n = 0, j = i;
    char sep = 0;
    while (j < len) {
        size_t g = run(s, len, j, digit);
        if (g == 0 || g > 4 || n + g > 19)
            return 0;
        memcpy(digits + n, s + j, g);
        n += g;
        j += g;
        if (g < 4 || j + 1 >= len || (s[j] != ' ' && s[j] != '-') || !digit(s[j + 1]))
            break;
        if (sep && s[j] != sep)
            break;
        sep = s[j];
        j++;
    }
    if (!sep || !right_ok(s, len, j) || !card_digits_valid(digits, n))
        return 0;
    return j - i;
}

/* "138 1234 5678" / "138-1234-5678". */
static size_t grouped_mobile(const char *s, size_t len, size_t i)
{
    if (i + 13 > len || run(s, len, i, digit) != 3)
        return 0;
    char sep = s[i + 3];
    if ((sep != ' ' && sep != '-') || run(s, len, i + 4, digit) != 4 || s[i + 8] != sep ||
        run(s, len, i + 9, digit) != 4 || !right_ok(s, len, i + 13))
        return 0;
    char d[3] = {s[i], s[i + 1], s[i + 2]};
    return mobile_prefix(d) ? 13 : 0;
}

/* A mobile number at i, bare or grouped; 0 if none. n: the digits at i. */
static size_t mobile_digits_at(const char *s, size_t len, size_t i, size_t n)
{
    if (n == 11 && mobile_prefix(s + i) && right_ok(s, len, i + 11))
        return 11;
    return grouped_mobile(s, len, i);
}

static size_t mobile_at(const char *s, size_t len, size_t i)
{
    return mobile_digits_at(s, len, i, run(s, len, i, digit));
}

/* "+86 138...", "+86-138...", "0086 138...", "86-138...", "8613812345678". */
static size_t mobile_with_country(const char *s, size_t len, size_t i)
{
    size_t j = i;
    if (s[j] == '+')
        j++;
    else if (j + 2 <= len && s[j] == '0' && s[j + 1] == '0')
        j += 2;
    if (j + 2 > len || s[j] != '8' || s[j + 1] != '6')
        return 0;
    j += 2;
    if (j < len && (s[j] == ' ' || s[j] == '-'))
        j++;
    else if (s[i] == '8' && run(s, len, i, digit) != 13)
        return 0; /* "86" glued to the number: exactly 13 digits */
    if (j >= len || !digit(s[j]))
        return 0;
    size_t m = mobile_at(s, len, j);
    return m ? j + m - i : 0;
}

/* Area codes: 010, 02X, 0[3-9]XX (3- and 4-digit codes of GB/T 2260-based
 * numbering). Subscriber numbers: 7-8 digits, not starting with 0 or 1. */
static size_t landline_at(const char *s, size_t len, size_t i)
{
    size_t j = i;
    bool paren = s[j] == '(';
    if (paren)
        j++;
    if (j >= len || s[j] != '0')
        return 0;
    size_t a = run(s, len, j, digit);
    bool short_code = j + 1 < len && (s[j + 1] == '1' || s[j + 1] == '2');
    if (a != (short_code ? 3u : 4u) || (short_code && s[j + 1] == '1' && s[j + 2] != '0') ||
        s[j + 1] == '0')
        return 0;
    j += a;
    if (paren) {
        if (j >= len || s[j] != ')')
            return 0;
        j++;
        if (j < len && s[j] == ' ')
            j++;
    } else {
        if (j >= len || (s[j] != '-' && s[j] != ' '))
            return 0;
        j++;
    }
    size_t sub = run(s, len, j, digit);
    if ((sub != 7 && sub != 8) || s[j] < '2')
        return 0;
    j += sub;
    /* an extension: "-123" */
    if (j + 1 < len && s[j] == '-' && digit(s[j + 1])) {
        size_t e = run(s, len, j + 1, digit);
        if (e <= 6)
            j += 1 + e;
    }
    return right_ok(s, len, j) ? j - i : 0;
}

static bool uscc_char(char c)
{
    return digit(c) || upper(c);
}

/* PRC passports: E + 8 digits, E + letter + 7 digits, G + 8 digits,
 * DE/SE/PE + 7 digits (diplomatic, service, public affairs). */
static bool passport_shape(const char *s, size_t n)
{
    size_t digits = 0;
    while (digits < n && digit(s[n - 1 - digits]))
        digits++;
    if (n == 9 && (s[0] == 'E' || s[0] == 'G') && digits == 8)
        return true;
    if (n == 9 && s[0] == 'E' && upper(s[1]) && s[1] != 'I' && s[1] != 'O' && digits == 7)
        return true;
    return n == 9 && (s[0] == 'D' || s[0] == 'S' || s[0] == 'P') && s[1] == 'E' && digits == 7;
}

static bool email_local_char(char c)
{
    return alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* local@label(.label)+ with an alphabetic TLD of 2+ letters; returns the
 * length or 0. *skip gets how far a failed attempt may skip. */
static size_t email_at(const char *s, size_t len, size_t i, size_t *skip)
{
    size_t local = run(s, len, i, email_local_char);
    *skip = local;
    if (local == 0 || local > 64 || i + local >= len || s[i + local] != '@' || s[i] == '.' ||
        s[i + local - 1] == '.')
        return 0;
    size_t j = i + local + 1, labels = 0, last_label = 0, last_start = 0;
    for (;;) {
        size_t start = j;
        while (j < len && (alnum(s[j]) || s[j] == '-'))
            j++;
        size_t l = j - start;
        if (l == 0 || l > 63 || s[start] == '-' || s[j - 1] == '-')
            return 0;
        labels++;
        last_label = l;
        last_start = start;
        if (j + 1 < len && s[j] == '.' && alnum(s[j + 1]))
            j++;
        else
            break;
    }
    if (labels < 2 || last_label < 2 || j - (i + local + 1) > 253)
        return 0;
    for (size_t k = last_start; k < j; k++)
        if (digit(s[k]) || s[k] == '-')
            return 0;
    return right_ok(s, len, j) && (j >= len || s[j] != '@') ? j - i : 0;
}

/* The 31 provincial abbreviations that start a plate, as UTF-8. */
static const char plate_provinces[] =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
static const char plate_suffixes[] = "挂学警港澳领";

static bool utf8_in(const char *set, const char *s, size_t avail)
{
    if (avail < 3)
        return false;
    for (const char *p = set; *p; p += 3)
        if (memcmp(p, s, 3) == 0)
            return true;
    return false;
}

static bool plate_char(char c)
{
    return digit(c) || (upper(c) && c != 'I' && c != 'O');
}

/* 京A12345, 京A·12345, 京AD12345 / 京A12345D (new energy), 京A1234学. */
static size_t plate_at(const char *s, size_t len, size_t i)
{
    /* the letter after the province first: Chinese text seldom has one,
     * so most characters are rejected before the table lookup */
    size_t j = i + 3;
    if (j >= len || !upper(s[j]) || s[j] == 'I' || s[j] == 'O' ||
        !utf8_in(plate_provinces, s + i, len - i))
        return 0;
    j++;
    if (j + 1 < len && (unsigned char)s[j] == 0xc2 && (unsigned char)s[j + 1] == 0xb7)
        j += 2; /* U+00B7 middle dot */
    else if (j < len && s[j] == ' ')
        j++;
    size_t n = run(s, len, j, plate_char);
    const char *p = s + j;
    size_t end = 0;
    if (n == 5)
        end = j + 5;
    else if (n == 6 && ((p[0] == 'D' || p[0] == 'F') || (p[5] == 'D' || p[5] == 'F')))
        end = j + 6;
    else if (n == 4 && utf8_in(plate_suffixes, s + j + 4, len - j - 4))
        end = j + 7;
    if (!end || !right_ok(s, len, end))
        return 0;
    /* ordinary plates carry digits: at most two letters among the five */
    size_t letters = 0;
    for (size_t k = 0; k < (n < 6 ? n : 6); k++)
        letters += upper(p[k]);
    return letters <= 2 || (n == 6 && letters <= 3) ? end - i : 0;
}

/* Can a token (or a %XX escape) start with this byte? Everything else is
 * skipped without further tests: punctuation, spaces, the bytes of Chinese
 * characters other than UTF-8 lead bytes of the plates' provinces. */
static const uint8_t may_start[256] = {
    ['%'] = 1,  ['('] = 1, ['+'] = 1, ['-'] = 1,  ['_'] = 1,  ['0'] = 1,  ['1'] = 1,  ['2'] = 1,
    ['3'] = 1,  ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1,  ['8'] = 1,  ['9'] = 1,  ['A'] = 1,
    ['B'] = 1,  ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1,  ['G'] = 1,  ['H'] = 1,  ['I'] = 1,
    ['J'] = 1,  ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1,  ['O'] = 1,  ['P'] = 1,  ['Q'] = 1,
    ['R'] = 1,  ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1,  ['W'] = 1,  ['X'] = 1,  ['Y'] = 1,
    ['Z'] = 1,  ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1,  ['e'] = 1,  ['f'] = 1,  ['g'] = 1,
    ['h'] = 1,  ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1,  ['m'] = 1,  ['n'] = 1,  ['o'] = 1,
    ['p'] = 1,  ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1,  ['u'] = 1,  ['v'] = 1,  ['w'] = 1,
    ['x'] = 1,  ['y'] = 1, ['z'] = 1, [0xe4] = 1, [0xe5] = 1, [0xe6] = 1, [0xe7] = 1, [0xe8] = 1,
    [0xe9] = 1,
};

/* The runs of letters and digits, of capitals and digits, and of digits
 * that start at i. */
typedef struct {
    size_t alnum, uscc, digits;
} runs_t;

static void runs_at(const char *s, size_t len, size_t i, runs_t *r)
{
#if RP_TEXT_SIMD
    if (i + 32 <= len) {
        unsigned d0, u0, l0, d1, u1, l1;
        rp_text_classes16(s + i, &d0, &u0, &l0);
        rp_text_classes16(s + i + 16, &d1, &u1, &l1);
        uint32_t d = d0 | d1 << 16, u = u0 | u1 << 16, a = d | u | l0 | l1 << 16;
        /* a run of 32 or more (rare) is measured on byte by byte */
        r->digits = d == UINT32_MAX ? 32 + run(s, len, i + 32, digit) : (size_t)__builtin_ctz(~d);
        r->uscc = (d | u) == UINT32_MAX ? 32 + run(s, len, i + 32, uscc_char)
                                        : (size_t)__builtin_ctz(~(d | u));
        r->alnum = a == UINT32_MAX ? 32 + run(s, len, i + 32, alnum) : (size_t)__builtin_ctz(~a);
        return;
    }
#endif
    r->alnum = run(s, len, i, alnum);
    r->uscc = run(s, len, i, uscc_char);
    r->digits = run(s, len, i, digit);
}

/* E-mail bookkeeping of one scan: where the next '@' is (an address needs
 * one within 65 bytes of its start, so most starts are ruled out without
 * reading the local part), and the end of the local-part run of the last
 * failed attempt. */
typedef struct {
    size_t at; /* the next '@' at or after the last start looked at, or len */
    bool at_known;
    size_t blocked_until;
} email_scan_t;

static bool email_near(const char *s, size_t len, size_t i, email_scan_t *e)
{
    if (!e->at_known || e->at < i) {
        const char *p = memchr(s + i, '@', len - i);
        e->at = p ? (size_t)(p - s) : len;
        e->at_known = true;
    }
    return e->at < len && e->at - i <= 64;
}

/* The first byte at or after i that may_start admits, or len. */
static size_t next_may_start(const char *s, size_t len, size_t i)
{
    while (i < len && !may_start[(unsigned char)s[i]])
        i++;
    return i;
}

/* With no '@' left in the buffer, the only starts that can match are a
 * digit or capital not glued to a letter or digit before it, '%' (an
 * escape), '+', '(', and a UTF-8 lead byte of the plates' provinces with a
 * capital three bytes on: a small letter starts nothing but an e-mail
 * address, '-' and '_' start nothing else either, and the scan skips the
 * rest of a letter-and-digit run anyway. Returns the first such start at
 * or after i (an over-estimate is harmless: the full tests run there), or
 * len. */
static size_t next_start_no_email(const char *s, size_t len, size_t i)
{
#if RP_TEXT_SIMD
    if (i == 0 || i + 19 > len)
        return next_may_start(s, len, i);
    /* the first start as left_ok sees it: a %XX escape before it unglues
     * it (inside the blocks, an escape's '%' is itself a start, and the
     * scan jumps over the escape onto the byte after it) */
    unsigned prev_alnum = !left_ok(s, i) && alnum(s[i - 1]);
    for (; i + 19 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(s + i + 3));
        unsigned d = rp_text_range16(v, '0', 9), u = rp_text_range16(v, 'A', 25);
        unsigned a = d | u | rp_text_range16(v, 'a', 25);
        unsigned glued = (a << 1 | prev_alnum) & 0xffff;
        unsigned m = ((d | u) & ~glued) |
                     (rp_text_range16(v, (char)0xe4, 5) & rp_text_range16(v3, 'A', 25)) |
                     (unsigned)_mm_movemask_epi8(
                         _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('%')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('('))),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('+'))));
        if (m)
            return i + (size_t)__builtin_ctz(m);
        prev_alnum = a >> 15;
    }
#endif
    return next_may_start(s, len, i);
}

/* Every candidate that can start at i, most specific first. */
static rp_data_class_t match_at(const char *s, size_t len, size_t i, unsigned mask, size_t *mlen,
                                size_t *skip, email_scan_t *e)
{
    char c = s[i];
    *skip = 1;
    if ((unsigned char)c >= 0xe4) {
        if ((mask & RP_DC_BIT(RP_DC_PLATE)) && (*mlen = plate_at(s, len, i)))
            return RP_DC_PLATE;
        return RP_DC_NONE;
    }
    /* After a failed e-mail attempt, no start inside the same local-part run
     * can succeed ("a.b.c" has no '@' wherever it starts): not trying them
     * keeps the scan linear. Without an '@' close enough the attempt fails
     * at once; its run still blocks the starts inside it when an '@' comes
     * later, as a full attempt's would. */
    if ((mask & RP_DC_BIT(RP_DC_EMAIL)) && email_local_char(c) && c != '.' &&
        i >= e->blocked_until) {
        size_t local;
        if (email_near(s, len, i, e)) {
            if ((*mlen = email_at(s, len, i, &local)))
                return RP_DC_EMAIL;
            e->blocked_until = i + local;
        } else if (e->at < len) {
            e->blocked_until = i + run(s, len, i, email_local_char);
        }
    }
    if (c == '+' || c == '(') {
        if ((mask & RP_DC_BIT(RP_DC_MOBILE)) && c == '+' &&
            (*mlen = mobile_with_country(s, len, i)))
            return RP_DC_MOBILE;
        if ((mask & RP_DC_BIT(RP_DC_LANDLINE)) && c == '(' && (*mlen = landline_at(s, len, i)))
            return RP_DC_LANDLINE;
        return RP_DC_NONE;
    }
    if (!alnum(c))
        return RP_DC_NONE;
    runs_t r;
    runs_at(s, len, i, &r);
    *skip = r.alnum;
    /* a small letter starts no class but an e-mail address */
    if (!digit(c) && !upper(c))
        return RP_DC_NONE;
    size_t an = r.uscc, dn = r.digits;
    /* An ID-shaped value (province, real date) with a wrong check
     * character is a mistyped ID or an ordinary number: no class at all,
     * even if it happens to pass a card's Luhn or a USCC's MOD 31. */
    size_t idn = dn == 17 && i + 17 < len && (s[i + 17] | 32) == 'x' ? 18 : dn;
    if (idn == 18) {
        int grade = rp_resident_id_grade(s + i);
        if (grade == RP_ID_VALID && (mask & RP_DC_BIT(RP_DC_RESIDENT_ID)) &&
            right_ok(s, len, i + 18)) {
            *mlen = 18;
            return RP_DC_RESIDENT_ID;
        }
        if (grade != RP_ID_NOT_SHAPED)
            return RP_DC_NONE;
    }
    /* USCCs need a letter: an all-digit 18-digit string is far likelier an
     * ID or an account number than a code passing MOD 31 by chance. */
    if ((mask & RP_DC_BIT(RP_DC_USCC)) && an == 18 && dn < 18 && rp_uscc_valid(s + i, 18) &&
        right_ok(s, len, i + 18)) {
        *mlen = 18;
        return RP_DC_USCC;
    }
    if ((mask & RP_DC_BIT(RP_DC_PASSPORT)) && an == 9 && passport_shape(s + i, 9) &&
        right_ok(s, len, i + 9)) {
        *mlen = 9;
        return RP_DC_PASSPORT;
    }
    if (!digit(c))
        return RP_DC_NONE;
    if (mask & RP_DC_BIT(RP_DC_MOBILE)) {
        if ((*mlen = mobile_digits_at(s, len, i, dn)) || (*mlen = mobile_with_country(s, len, i)))
            return RP_DC_MOBILE;
    }
    if (mask & RP_DC_BIT(RP_DC_BANK_CARD)) {
        if (dn >= 13 && dn <= 19 && right_ok(s, len, i + dn) && card_digits_valid(s + i, dn)) {
            *mlen = dn;
            return RP_DC_BANK_CARD;
        }
        if (dn == 4 && (*mlen = grouped_card(s, len, i)))
            return RP_DC_BANK_CARD;
    }
    if ((mask & RP_DC_BIT(RP_DC_LANDLINE)) && (*mlen = landline_at(s, len, i)))
        return RP_DC_LANDLINE;
    return RP_DC_NONE;
}

bool rp_data_scan_next_cached(const char *s, size_t len, size_t *pos, unsigned mask,
                              rp_data_match_t *m, size_t *at_cache)
{
    size_t i = *pos;
    email_scan_t email = {0};
    if (*at_cache && *at_cache - 1 >= i) {
        email.at = *at_cache - 1;
        email.at_known = true;
    } else if (i < len) {
        const char *at = memchr(s + i, '@', len - i);
        email.at = at ? (size_t)(at - s) : len;
        email.at_known = true;
    }
    bool found = false, after_escape = false;
    while (i < len) {
        /* right after a %XX escape the start is tried as it is: the hex
         * digit before it does not glue */
        if (email.at_known && email.at == len && !after_escape) {
            size_t next = next_start_no_email(s, len, i);
            if (next >= len)
                break;
            i = next;
        }
        if (!may_start[(unsigned char)s[i]]) {
            i++;
            continue;
        }
        size_t mlen = 0, skip = 1;
        rp_data_class_t cls = RP_DC_NONE;
        /* a percent-escape separates tokens in raw URIs; its hex digits
         * must not glue onto the number that follows */
        after_escape = false;
        if (s[i] == '%' && i + 2 < len && hex(s[i + 1]) && hex(s[i + 2])) {
            i += 3;
            after_escape = true;
            continue;
        }
        if (left_ok(s, i) || (unsigned char)s[i] >= 0xe4)
            cls = match_at(s, len, i, mask, &mlen, &skip, &email);
        else if (alnum(s[i]))
            skip = run(s, len, i, alnum);
        if (cls != RP_DC_NONE) {
            m->cls = cls;
            m->offset = i;
            m->length = mlen;
            found = true;
            break;
        }
        i += skip ? skip : 1;
    }
    *pos = found ? m->offset + m->length : len;
    *at_cache = email.at_known ? email.at + 1 : 0;
    return found;
}

bool rp_data_scan_next(const char *s, size_t len, size_t *pos, unsigned mask, rp_data_match_t *m)
{
    size_t at_cache = 0;
    return rp_data_scan_next_cached(s, len, pos, mask, m, &at_cache);
}

const char *rp_data_class_name(rp_data_class_t c)
{
    static const char *const names[RP_DC_COUNT] = {NULL,       "resident_id", "mobile",
                                                   "landline", "bank_card",   "uscc",
                                                   "passport", "email",       "plate"};
    return c > RP_DC_NONE && c < RP_DC_COUNT ? names[c] : NULL;
}

rp_data_class_t rp_data_class_from_name(const char *name, size_t len)
{
    for (int c = 1; c < RP_DC_COUNT; c++) {
        const char *n = rp_data_class_name((rp_data_class_t)c);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return (rp_data_class_t)c;
    }
    return RP_DC_NONE;
}
