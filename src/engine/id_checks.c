/*
 * id_checks.c — the check digits and shapes of Chinese identifiers:
 * GB 11643-1999 resident ID numbers (ISO 7064 MOD 11-2), GB 32100-2015
 * unified social credit codes (MOD 31) and payment card numbers (Luhn,
 * ISO/IEC 7812-1).
 */
#include <string.h>

#include "rampart/dataclass.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

char rp_resident_id_check_char(const char digits17[17])
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (digits17[i] - '0') * weight[i];
    return check[sum % 11];
}

/* Province-level codes of GB/T 2260 (11 Beijing ... 65 Xinjiang), 71
 * Taiwan, 81/82 Hong Kong/Macau and 83 for residence permits of Taiwan
 * residents. */
static bool province_code(int p)
{
    switch (p) {
    case 11:
    case 12:
    case 13:
    case 14:
    case 15:
    case 21:
    case 22:
    case 23:
    case 31:
    case 32:
    case 33:
    case 34:
    case 35:
    case 36:
    case 37:
    case 41:
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 61:
    case 62:
    case 63:
    case 64:
    case 65:
    case 71:
    case 81:
    case 82:
    case 83:
        return true;
    default:
        return false;
    }
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

bool rp_birth_date_valid(const char *s)
{
    int year = two(s) * 100 + two(s + 2), month = two(s + 4), day = two(s + 6);
    if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1)
        return false;
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

bool rp_resident_id_shape(const char *s, size_t len)
{
    if (len != 18)
        return false;
    for (int i = 0; i < 17; i++)
        if (!is_digit(s[i]))
            return false;
    if (!is_digit(s[17]) && s[17] != 'X' && s[17] != 'x')
        return false;
    if (!province_code(two(s)))
        return false;
    /* a real date, or the right check character around a mistyped date */
    char c = s[17] == 'x' ? 'X' : s[17];
    return rp_birth_date_valid(s + 6) || rp_resident_id_check_char(s) == c;
}

int rp_resident_id_grade(const char *s)
{
    if (!province_code(two(s)))
        return RP_ID_NOT_SHAPED;
    char c = s[17] == 'x' ? 'X' : s[17];
    bool date = rp_birth_date_valid(s + 6), check = rp_resident_id_check_char(s) == c;
    return date && check ? RP_ID_VALID : date || check ? RP_ID_SHAPED : RP_ID_NOT_SHAPED;
}

bool rp_resident_id_valid(const char *s, size_t len)
{
    if (!rp_resident_id_shape(s, len) || !rp_birth_date_valid(s + 6))
        return false;
    char c = s[17] == 'x' ? 'X' : s[17];
    return rp_resident_id_check_char(s) == c;
}

bool rp_luhn_valid(const char *digits, size_t len)
{
    int sum = 0;
    bool dbl = false;
    for (size_t i = len; i-- > 0;) {
        if (!is_digit(digits[i]))
            return false;
        int d = digits[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return len > 0 && sum % 10 == 0;
}

/* GB 32100's 31 characters: digits and capitals without I, O, S, V, Z. */
static int uscc_value(char c)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

bool rp_uscc_valid(const char *s, size_t len)
{
    if (len != 18)
        return false;
    /* registration authority and the organisation types it registers
     * (GB 32100-2015 Annex A), then a region code: a province's, or 10 for
     * national bodies */
    static const char *const types[] = {"1239", "19",  "123459", "19", "1239",
                                        "129",  "129", "19",     "123"};
    const char *allowed = s[0] >= '1' && s[0] <= '9' ? types[s[0] - '1']
                          : s[0] == 'A'              ? "19"
                          : s[0] == 'N'              ? "1239"
                          : s[0] == 'Y'              ? "1"
                                                     : NULL;
    if (!allowed || s[1] == 0 || !strchr(allowed, s[1]))
        return false;
    for (int i = 2; i < 8; i++)
        if (!is_digit(s[i]))
            return false;
    if (!province_code(two(s + 2)) && two(s + 2) != 10)
        return false;
    int sum = 0, weight = 1;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0)
            return false;
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    int check = (31 - sum % 31) % 31;
    return uscc_value(s[17]) == check;
}
