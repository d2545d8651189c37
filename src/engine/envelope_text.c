/*
 * envelope_text.c — the envelope's text form for database columns and JSON
 * strings: "rpe1." followed by the binary envelope in base64url (RFC 4648 §5)
 * without padding. The prefix makes encrypted values easy to find with
 * LIKE 'rpe1.%' and hard to mistake for data; the alphabet needs no
 * escaping in JSON, URLs or SQL.
 */
#include <string.h>

#include "normalize.h"
#include "rampart/crypto.h"

#define PREFIX_LEN 5

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

rp_env_status_t rp_envelope_to_text(const uint8_t *bin, size_t bin_len, char *text, size_t text_cap)
{
    size_t need = RP_ENVELOPE_TEXT_LEN(bin_len) + 1;
    if (text_cap < need)
        return RP_ENV_TOO_SMALL;
    memcpy(text, RP_ENVELOPE_TEXT_PREFIX, PREFIX_LEN);
    rp_base64url_encode(text + PREFIX_LEN, bin, bin_len);
    return RP_ENV_OK;
}

bool rp_envelope_is_text(const char *text, size_t len)
{
    if (len < PREFIX_LEN + 2 || memcmp(text, RP_ENVELOPE_TEXT_PREFIX, PREFIX_LEN) != 0)
        return false;
    /* a base64 length of 1 mod 4 encodes no whole byte */
    if ((len - PREFIX_LEN) % 4 == 1)
        return false;
    for (size_t i = PREFIX_LEN; i < len; i++)
        if (!b64url_char(text[i]))
            return false;
    return true;
}

rp_env_status_t rp_envelope_from_text(const char *text, size_t len, uint8_t *bin, size_t bin_cap,
                                      size_t *bin_len)
{
    if (!rp_envelope_is_text(text, len))
        return RP_ENV_MALFORMED;
    size_t body = len - PREFIX_LEN;
    /* rp_base64_decode NUL-terminates: one byte more than the data */
    if (bin_cap < body * 3 / 4 + 1)
        return RP_ENV_TOO_SMALL;
    /* canonical form only: the bits of the last character beyond the last
     * whole byte are zero, so one envelope has exactly one text */
    char c = text[len - 1];
    size_t last = c >= 'A' && c <= 'Z'   ? (size_t)(c - 'A')
                  : c >= 'a' && c <= 'z' ? (size_t)(c - 'a' + 26)
                  : c >= '0' && c <= '9' ? (size_t)(c - '0' + 52)
                  : c == '-'             ? 62
                                         : 63;
    if ((body % 4 == 2 && (last & 15)) || (body % 4 == 3 && (last & 3)))
        return RP_ENV_MALFORMED;
    size_t n = rp_base64_decode((char *)bin, text + PREFIX_LEN, body);
    if (n == SIZE_MAX)
        return RP_ENV_MALFORMED;
    *bin_len = n;
    return RP_ENV_OK;
}
