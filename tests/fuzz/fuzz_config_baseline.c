/*
 * fuzz_config_baseline.c — libFuzzer target for the configuration baseline's
 * reading of response headers (an upstream's, so untrusted): the input is
 * "NAME: VALUE" lines after a first line whose first byte picks the status
 * (200 or 500), run through a
 * transaction under "baseline fix".
 *
 * Checks the contract: the score stays in 0..100, and every cookie fix
 * keeps the upstream's cookie as its prefix and only appends attributes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rampart/rampart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rp_policy_t *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy) {
        rp_error_t err;
        policy = rp_policy_load_string("baseline fix\ndetect traversal off\n", 34, "f", &err);
        if (!policy)
            abort();
    }
    const char *s = (const char *)data, *end = s + size;
    rp_tx_t *tx = rp_tx_new(policy);
    rp_tx_set_app(tx, "fuzz", 4);
    rp_tx_connection(tx, "192.0.2.1", 9, 1, "127.0.0.1", 9, 80);
    rp_tx_request_line(tx, "GET", 3, "/.git/config", 12, "HTTP/1.1", 8);
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    const char *nl = memchr(s, '\n', size);
    rp_tx_response_status(tx, size && (s[0] & 1) ? 500 : 200);
    const char *cookies[16];
    size_t cookie_len[16], ncookies = 0;
    for (const char *line = nl ? nl + 1 : end; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        const char *stop = eol ? eol : end;
        const char *colon = memchr(line, ':', (size_t)(stop - line));
        if (colon) {
            const char *v = colon + 1;
            size_t nlen = (size_t)(colon - line);
            if (nlen == 10 && strncasecmp(line, "set-cookie", 10) == 0 && ncookies < 16) {
                cookies[ncookies] = v;
                cookie_len[ncookies++] = (size_t)(stop - v);
            }
            rp_tx_response_header(tx, line, nlen, v, (size_t)(stop - v));
        }
        line = stop + 1;
    }
    rp_tx_response_headers_done(tx);
    int score = rp_tx_baseline_score(tx);
    if (score < 0 || score > 100)
        abort();
    const rp_header_fix_t *f;
    size_t n = rp_tx_header_fixes(tx, &f);
    for (size_t i = 0; i < n; i++)
        if (f[i].op == RP_FIX_SET_COOKIE &&
            (f[i].index >= ncookies || strlen(f[i].value) < cookie_len[f[i].index] ||
             memcmp(f[i].value, cookies[f[i].index], cookie_len[f[i].index]) != 0))
            abort();
    rp_tx_event(tx, &n);
    rp_tx_free(tx);
    return 0;
}
