/*
 * tokenize_id.c — format-preserving tokens for resident ID numbers.
 *
 * A token is itself a well-formed ID number, so columns, validators and
 * forms built for IDs keep working on tokenised data:
 *   region code (digits 1-6)     kept
 *   birth date (digits 7-14)     encrypted, stays a real date 1900-01-01..2099-12-31
 *   sequence (digits 15-17)      encrypted, keeps its parity (the sex digit)
 *   check character (18th)       recomputed (GB 11643 MOD 11-2)
 * The date and the sequence number's upper part form one number
 *   N = days_since_1900_01_01 * 500 + sequence / 2     (0 <= N < 36,524,500)
 * which FF1 (ff1.c; SM4 as the block cipher; tweak = the caller's tweak
 * followed by the six region digits) encrypts as 8 decimal digits, repeated
 * on its own output until the result is below 36,524,500 (cycle walking:
 * a permutation of 0..10^8-1 restricted to the valid range stays a
 * permutation of it). Decryption walks back the same way.
 *
 * Limits (docs/CRYPTO.md): 36.5 million possible tokens per region and tweak;
 * deterministic (equal IDs give equal tokens — that is the point, and also
 * what an attacker who can choose plaintexts sees); FF1 with SM4 is not an
 * approved FPE mode.
 */
#include <string.h>

#include "rampart/crypto.h"
#include "rampart/dataclass.h"

#define DOMAIN     36524500u /* 73,049 days * 500 */
#define FIRST_YEAR 1900

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && leap(y));
}

static uint32_t date_to_days(const char *s)
{
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[4] - '0') * 10 + (s[5] - '0'), d = (s[6] - '0') * 10 + (s[7] - '0');
    uint32_t n = 0;
    for (int yy = FIRST_YEAR; yy < y; yy++)
        n += leap(yy) ? 366 : 365;
    for (int mm = 1; mm < m; mm++)
        n += (uint32_t)month_days(y, mm);
    return n + (uint32_t)d - 1;
}

static void days_to_date(uint32_t n, char *s)
{
    int y = FIRST_YEAR, m = 1;
    while (n >= (uint32_t)(leap(y) ? 366 : 365))
        n -= leap(y++) ? 366 : 365;
    while (n >= (uint32_t)month_days(y, m))
        n -= (uint32_t)month_days(y, m++);
    int d = (int)n + 1;
    s[0] = (char)('0' + y / 1000);
    s[1] = (char)('0' + y / 100 % 10);
    s[2] = (char)('0' + y / 10 % 10);
    s[3] = (char)('0' + y % 10);
    s[4] = (char)('0' + m / 10);
    s[5] = (char)('0' + m % 10);
    s[6] = (char)('0' + d / 10);
    s[7] = (char)('0' + d % 10);
}

static void sm4_block(const void *key, const uint8_t in[16], uint8_t out[16])
{
    rp_sm4_encrypt_block(key, in, out);
}

static rp_token_status_t transform(const rp_sm4_key_t *key, const uint8_t *tweak, size_t tweak_len,
                                   const char in[18], char out[19], bool decrypt)
{
    if (!rp_resident_id_valid(in, 18))
        return rp_birth_date_valid(in + 6) ? RP_TOKEN_NOT_ID : RP_TOKEN_DATE;
    if (tweak_len > RP_FF1_TWEAK_MAX - 6)
        return RP_TOKEN_TWEAK;
    uint8_t t[RP_FF1_TWEAK_MAX];
    if (tweak_len)
        memcpy(t, tweak, tweak_len);
    memcpy(t + tweak_len, in, 6);

    uint32_t seq = (uint32_t)((in[14] - '0') * 100 + (in[15] - '0') * 10 + (in[16] - '0'));
    uint32_t n = date_to_days(in + 6) * 500 + seq / 2;
    uint8_t digits[8];
    do {
        for (int i = 7; i >= 0; i--, n /= 10)
            digits[i] = (uint8_t)(n % 10);
        rp_ff1_decimal(sm4_block, key, t, tweak_len + 6, digits, digits, 8, decrypt);
        n = 0;
        for (int i = 0; i < 8; i++)
            n = n * 10 + digits[i];
    } while (n >= DOMAIN);

    memcpy(out, in, 6);
    days_to_date(n / 500, out + 6);
    uint32_t new_seq = n % 500 * 2 + seq % 2;
    out[14] = (char)('0' + new_seq / 100);
    out[15] = (char)('0' + new_seq / 10 % 10);
    out[16] = (char)('0' + new_seq % 10);
    out[17] = rp_resident_id_check_char(out);
    out[18] = 0;
    return RP_TOKEN_OK;
}

rp_token_status_t rp_id_tokenize(const rp_sm4_key_t *key, const uint8_t *tweak, size_t tweak_len,
                                 const char id[18], char out[19])
{
    return transform(key, tweak, tweak_len, id, out, false);
}

rp_token_status_t rp_id_detokenize(const rp_sm4_key_t *key, const uint8_t *tweak, size_t tweak_len,
                                   const char token[18], char out[19])
{
    return transform(key, tweak, tweak_len, token, out, true);
}
