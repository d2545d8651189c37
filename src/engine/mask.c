/*
 * mask.c — keep citizens' identifiers out of events.
 *
 * Excerpts and URIs in events are evidence for an analyst, not a copy of
 * the citizen's data. Runs of digits that validate as a resident ID number
 * (GB 11643-1999 ISO 7064 MOD 11-2 check digit), a mainland mobile number
 * (1[3-9] + 9 digits) or a payment card (Luhn, 13-19 digits) are masked in
 * place, keeping just enough to correlate: ID 6+4, mobile 3+4, card 4 last.
 * Validation keeps ordinary numbers (order ids, timestamps) readable.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "normalize.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool resident_id_valid(const char *s)
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(s[i]))
            return false;
        sum += (s[i] - '0') * weight[i];
    }
    char c = s[17] == 'x' ? 'X' : s[17];
    return check[sum % 11] == c;
}

static bool luhn_valid(const char *s, size_t n)
{
    int sum = 0;
    bool dbl = false;
    for (size_t i = n; i-- > 0;) {
        int d = s[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

static void stars(char *s, size_t from, size_t to)
{
    memset(s + from, '*', to - from);
}

size_t rp_mask_sensitive(char *s, size_t len)
{
    size_t masked = 0, i = 0;
    while (i < len) {
        /* A percent-escape (%20) separates tokens in raw URIs; its hex
         * digits must not glue onto the number that follows. */
        if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            i += 3;
            continue;
        }
        if (!is_digit(s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && is_digit(s[i]))
            i++;
        size_t n = i - start;
        /* An ID number may end in X. */
        if (n == 17 && i < len && (s[i] == 'X' || s[i] == 'x')) {
            i++;
            n++;
        }
        /* Only whole tokens: a run glued to letters is not an identifier. */
        bool alone_left = start == 0 || !((s[start - 1] | 32) >= 'a' && (s[start - 1] | 32) <= 'z');
        bool alone_right = i >= len || !((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z');
        if (!alone_left || !alone_right)
            continue;
        if (n == 18 && resident_id_valid(s + start)) {
            stars(s, start + 6, start + 14);
            masked++;
        } else if (n == 11 && s[start] == '1' && s[start + 1] >= '3') {
            stars(s, start + 3, start + 7);
            masked++;
        } else if (n >= 13 && n <= 19 && luhn_valid(s + start, n)) {
            stars(s, start, start + n - 4);
            masked++;
        }
    }
    return masked;
}

bool rp_secret_name(const char *name, size_t len)
{
    static const char *const words[] = {"pass", "pwd", "secret", "token", "credential",
                                        "sess", "sid", "otp",    "auth",  "jwt"};
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= len; i++)
            if (strncasecmp(name + i, words[w], wl) == 0)
                return true;
    }
    /* OAuth authorization codes travel as "code". */
    return len == 4 && strncasecmp(name, "code", 4) == 0;
}
