/*
 * mask.c — keep citizens' identifiers out of events.
 *
 * Excerpts and URIs in events are evidence for an analyst, not a copy of
 * the citizen's data. The data-class scanner (data_scan.c) finds resident
 * ID numbers (GB 11643 check digit, real date), mainland mobile numbers and
 * payment cards (Luhn, known IIN); they are masked in place, keeping just
 * enough to correlate: ID 6+4, mobile 3+4, card the last 4 only (stricter
 * than the partial style of responses: events are copied to more places).
 * Validation keeps ordinary numbers (order ids, timestamps) readable.
 */
#include <string.h>
#include <strings.h>

#include "normalize.h"
#include "rampart/dataclass.h"

size_t rp_mask_sensitive(char *s, size_t len)
{
    unsigned classes =
        RP_DC_BIT(RP_DC_RESIDENT_ID) | RP_DC_BIT(RP_DC_MOBILE) | RP_DC_BIT(RP_DC_BANK_CARD);
    size_t pos = 0, masked = 0, at_cache = 0;
    rp_data_match_t m;
    while (rp_data_scan_next_cached(s, len, &pos, classes, &m, &at_cache)) {
        char *v = s + m.offset;
        if (m.cls == RP_DC_BANK_CARD) {
            size_t keep = 4;
            for (size_t i = m.length; i-- > 0;)
                if (v[i] >= '0' && v[i] <= '9' && (keep == 0 || (keep--, false)))
                    v[i] = '*';
        } else {
            rp_data_mask(m.cls, RP_MASK_PARTIAL, v, m.length, NULL, 0, v, m.length);
        }
        masked++;
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
