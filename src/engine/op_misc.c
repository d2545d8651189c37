/*
 * op_misc.c — the operators that wrap something else: @unconditionalMatch,
 * @noMatch, @detectSQLi and @detectXSS (Rampart's own detectors, see
 * include/rampart/detect.h) and @verifyCC (a regex for candidates, then
 * the Luhn checksum).
 *
 * @detectSQLi / @detectXSS capture TX.0 as the region of the value the
 * detector blamed. (ModSecurity puts libinjection's fingerprint there; ours
 * is in the detector result and the event, and the region is what an
 * analyst wants to read in %{TX.0}.)
 *
 * @verifyCC "<regex>": each regex match (PCRE2 options as @rx) is a
 * candidate; its decimal digits, ignoring separators, must number 13 to 19
 * (the ISO/IEC 7812 card lengths) and pass the Luhn check. After a failed
 * candidate the search resumes at its end, not one byte further as
 * ModSecurity v3 does: re-testing the suffixes of a random 16-digit number
 * gives a Luhn hit about a third of the time, a false positive for every
 * order or tracking number. The regex match limit bounds each search; the
 * walk stops at the first candidate that verifies. TX.0 is it.
 */
#include <stdbool.h>
#include <stdio.h>

#include "operator.h"
#include "rampart/detect.h"

#define MISC_EXEC(x)                                                                               \
    rp_op_result_t op_##x##_execute(const void *state, const char *value, size_t len,              \
                                    const char *param, size_t param_len, rp_op_captures_t *cap)
MISC_EXEC(unconditional);
MISC_EXEC(nomatch);
MISC_EXEC(sqli);
MISC_EXEC(xss);
MISC_EXEC(verifycc);
void *op_verifycc_compile(const char *param, size_t len, const char *base_dir, char *err,
                          size_t err_len);
void op_verifycc_free(void *state);

/* From op_rx.c. */
void *op_rx_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len);
void op_rx_free(void *state);
rp_op_result_t op_rx_search(const void *state, const char *value, size_t len, size_t start,
                            rp_op_captures_t *cap);

MISC_EXEC(unconditional)
{
    (void)state;
    (void)value;
    (void)len;
    (void)param;
    (void)param_len;
    (void)cap;
    return RP_OP_MATCH;
}

MISC_EXEC(nomatch)
{
    (void)state;
    (void)value;
    (void)len;
    (void)param;
    (void)param_len;
    (void)cap;
    return RP_OP_NOMATCH;
}

static rp_op_result_t detected(const char *value, size_t len, const rp_detect_result_t *r,
                               rp_op_captures_t *cap)
{
    if (cap) {
        size_t off = r->offset <= len ? r->offset : len;
        size_t n = r->length <= len - off ? r->length : len - off;
        cap->group[0].p = value + off;
        cap->group[0].len = n;
        cap->n = 1;
    }
    return RP_OP_MATCH;
}

MISC_EXEC(sqli)
{
    (void)state;
    (void)param;
    (void)param_len;
    rp_detect_result_t r;
    if (!rp_detect_sqli(value, len, &r))
        return RP_OP_NOMATCH;
    return detected(value, len, &r, cap);
}

MISC_EXEC(xss)
{
    (void)state;
    (void)param;
    (void)param_len;
    rp_detect_result_t r;
    if (!rp_detect_xss(value, len, &r))
        return RP_OP_NOMATCH;
    return detected(value, len, &r, cap);
}

void *op_verifycc_compile(const char *param, size_t len, const char *base_dir, char *err,
                          size_t err_len)
{
    void *rx = op_rx_compile(param, len, base_dir, err, err_len);
    if (!rx) {
        /* Say which operator the regex belongs to. */
        char tmp[256];
        snprintf(tmp, sizeof(tmp), "@verifyCC: %s", err);
        snprintf(err, err_len, "%s", tmp);
    }
    return rx;
}

void op_verifycc_free(void *state)
{
    op_rx_free(state);
}

static bool luhn(const char *s, size_t len)
{
    unsigned sum = 0, digits = 0;
    /* From the right: every second digit doubled. */
    for (size_t i = len; i-- > 0;) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        unsigned d = (unsigned)(s[i] - '0');
        if (digits++ & 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

MISC_EXEC(verifycc)
{
    (void)param;
    (void)param_len;
    rp_op_captures_t c;
    size_t start = 0;
    while (start < len) {
        rp_op_result_t r = op_rx_search(state, value, len, start, &c);
        if (r != RP_OP_MATCH)
            return r;
        size_t end = (size_t)(c.group[0].p - value) + c.group[0].len;
        if (luhn(c.group[0].p, c.group[0].len)) {
            if (cap) {
                cap->group[0] = c.group[0];
                cap->n = 1;
            }
            return RP_OP_MATCH;
        }
        start = c.group[0].len ? end : end + 1;
    }
    return RP_OP_NOMATCH;
}
