/*
 * fuzz_bundle.c — the gateway's check of a distribution bundle
 * (bundle_verify) on arbitrary JSON. The input's hash is recomputed first,
 * so the checks behind it (fields, switches, policy references, policy
 * compilation) see every input. An accepted bundle must hold nothing that
 * could break out of the nginx configuration rampart sync writes from it.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

static void must_be_plain(json_t *app, const char *key)
{
    const char *v = json_string_value(json_object_get(app, key));
    if (!v || strpbrk(v, " \t\r\n;{}\"'\\$#"))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    json_t *b = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(b)) {
        json_decref(b);
        return 0;
    }
    char hash[65], why[600];
    if (bundle_hash(b, hash) == 0)
        json_object_set_new(b, "hash", json_string(hash));
    if (bundle_verify(b, NULL, why, sizeof(why)) == 0) {
        size_t i;
        json_t *app;
        json_array_foreach(json_object_get(b, "apps"), i, app)
        {
            must_be_plain(app, "name");
            must_be_plain(app, "host");
            must_be_plain(app, "path_prefix");
            must_be_plain(app, "upstream");
        }
    } else if (!why[0] || !memchr(why, '\0', sizeof(why))) {
        abort();
    }
    json_decref(b);
    return 0;
}
