/*
 * fuzz_sshd_log.c — hostile sshd log lines through the brute-force
 * detector (bruteforce.c): every parsed source must be a numeric address
 * and every account printable ASCII within its bound; no input may crash
 * the detector or grow its memory.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "bruteforce.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static bf_t *b;
    if (!b)
        b = bf_new(2, 60);
    const char *p = (const char *)data, *end = p + size;
    int64_t now = 1795000000000LL;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char user[BF_KEY_MAX + 1], source[BF_KEY_MAX + 1];
        if (auth_parse_sshd(p, n, user, source) != AUTH_OTHER) {
            unsigned char bin[16];
            if (inet_pton(AF_INET, source, bin) != 1 && inet_pton(AF_INET6, source, bin) != 1)
                abort();
            for (const char *u = user; *u; u++)
                if (*u < 0x20 || *u > 0x7e)
                    abort();
        }
        bf_alert_t alerts[2];
        if (bf_line(b, p, n, now++, alerts) > 2)
            abort();
        p += n + (nl ? 1 : 0);
    }
    return 0;
}
