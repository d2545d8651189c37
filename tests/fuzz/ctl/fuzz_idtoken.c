/*
 * fuzz_idtoken.c — the portal cookie's verifier (idtoken_verify) on
 * arbitrary bytes, with a known key: nothing but a token this code signed
 * verifies, and what verifies re-signs to the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "idtoken.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static idkeys_t *keys;
    static idkey_mem_t key = {.kid = "k1", .alg = "hmac-sha256"};
    if (!keys) {
        keys = idkeys_new();
        memset(key.key, 7, sizeof(key.key));
        idkeys_install(keys, &key, 1);
    }
    if (size > IDTOKEN_MAX + 10)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    idclaims_t c;
    if (idtoken_verify(keys, text, 1795000000, &c) == 0) {
        char again[IDTOKEN_MAX + 1];
        if (!idtoken_sign(&key, &c, again, sizeof(again)) || strcmp(again, text) != 0)
            abort(); /* verified text that this code would not have produced */
    }
    free(text);
    return 0;
}
