/*
 * fuzz_oidc.c — the OpenID Connect provider's parsers of untrusted input
 * on arbitrary bytes: the first byte picks
 *   even: form parameters (oidc_form.c: the token endpoint's body) — every
 *         parsed name is non-empty and unique, and a name or value never
 *         holds a NUL before its end;
 *   odd:  a compact JWS (jose.c: id_token_hint at the logout endpoint) —
 *         an accepted token has object header and payload, a known alg,
 *         a signature of 1..512 bytes, and never verifies with a fresh key
 *         of its algorithm (no key fits what was not signed with it).
 */
#include <stdlib.h>
#include <string.h>

#include "jose.h"
#include "oidc_form.h"

static EVP_PKEY *keys[JOSE_ALG_COUNT];

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1 || size > 20000)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if ((data[0] & 1) == 0) {
        oidc_form_t f;
        if (oidc_form_parse(text, len, &f) == 0) {
            if (f.n > OIDC_FORM_MAX)
                abort();
            for (int i = 0; i < f.n; i++) {
                if (!f.name[i][0] ||
                    oidc_form_get(&f, f.name[i]) != (f.value[i][0] ? f.value[i] : NULL))
                    abort();
                for (int j = 0; j < i; j++)
                    if (strcmp(f.name[i], f.name[j]) == 0)
                        abort();
            }
            oidc_form_free(&f);
        }
        char out[256];
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, text, len);
            copy[len] = '\0';
            size_t n = oidc_pct(copy, out, sizeof(out));
            if (n && strlen(out) != n)
                abort();
            free(copy);
        }
        return 0;
    }
    jose_parsed_t p;
    if (jose_parse(text, len, &p) == 0) {
        if (!json_is_object(p.header) || !json_is_object(p.payload) || p.alg >= JOSE_ALG_COUNT ||
            p.sig_len == 0 || p.sig_len > sizeof(p.sig) || p.signing_len >= len)
            abort();
        if (!keys[p.alg])
            keys[p.alg] = jose_keygen(p.alg);
        char *copy = malloc(len + 1);
        if (copy) {
            memcpy(copy, text, len);
            copy[len] = '\0';
            if (jose_verify(keys[p.alg], copy, &p))
                abort();
            free(copy);
        }
        jose_parsed_free(&p);
    }
    return 0;
}
