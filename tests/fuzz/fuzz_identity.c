/*
 * fuzz_identity.c — libFuzzer target for the identity parsers
 * (docs/IDENTITY.md): the strict claims parser, rpt1/rph1 tokens, the
 * identity-keys and revocations files, and "access" policy lines. The
 * first byte picks the parser.
 *
 * Contract: no crash or leak on any input; claims that parse survive a
 * re-sign and verify again with the same fields (the signer writes what the
 * parser reads), also the claims of every token and hand-off accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/identity.h"
#include "rampart/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char keys_text[] = "k1 hmac-sha256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 0\n"
                                "g1 hmac-sm3 ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8 0\n";

static void claims_roundtrip(const rp_id_keys_t *keys, const char *s, size_t n, bool handoff)
{
    rp_id_claims_t c, d;
    if (rp_id_claims_parse(s, n, handoff, &c) != RP_ID_OK)
        return;
    char tok[RP_ID_TOKEN_MAX];
    size_t len = rp_id_session_sign(keys, &c, c.act, c.iat, tok, sizeof(tok));
    if (len == 0)
        return; /* too long once encoded */
    rp_id_status_t st = rp_id_session_check(keys, NULL, tok, len, c.act, &d);
    if (st != RP_ID_OK && st != RP_ID_EXPIRED)
        abort();
    if (st == RP_ID_OK && (d.uid != c.uid || d.exp != c.exp || d.sub.len != c.sub.len ||
                           memcmp(d.sub.p, c.sub.p, c.sub.len) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rp_id_keys_t *keys;
    if (!keys && !(keys = rp_id_keys_parse(keys_text, strlen(keys_text), "k", NULL)))
        abort();
    if (size == 0)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    rp_id_claims_t c;
    switch (data[0] % 6) {
    case 0:
        claims_roundtrip(keys, s, n, false);
        break;
    case 1:
        claims_roundtrip(keys, s, n, true);
        break;
    case 2:
        if (rp_id_session_check(keys, NULL, s, n, 1000, &c) == RP_ID_OK)
            claims_roundtrip(keys, c.text, c.text_len, false);
        if (rp_id_handoff_check(keys, NULL, s, n, "NNNNNNNNNNNNNNNNNNNNNN", 22, 1000, &c) ==
            RP_ID_OK)
            claims_roundtrip(keys, c.text, c.text_len, true);
        break;
    case 3: {
        rp_id_keys_t *k = rp_id_keys_parse(s, n, "k", NULL);
        rp_id_keys_free(k);
        break;
    }
    case 4: {
        rp_id_revocations_t *r = rp_id_revocations_parse(s, n, "r", NULL);
        if (r)
            (void)rp_id_revoked(r, "AAAAAAAAAAAAAAAAAAAAAA", 22, 42, 1000);
        rp_id_revocations_free(r);
        break;
    }
    default: {
        char *text = malloc(n + 8);
        if (!text)
            abort();
        memcpy(text, "access ", 7);
        memcpy(text + 7, s, n);
        rp_policy_t *p = rp_policy_load_string(text, n + 7, "f", NULL);
        if (p)
            (void)rp_access_check(rp_policy_access_rules(p), "/a/b", 4, NULL, "127.0.0.1", 9, 0);
        rp_policy_unref(p);
        free(text);
        break;
    }
    }
    return 0;
}
