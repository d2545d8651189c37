/*
 * fuzz_api_observation.c — rampartd's parser of gateways' discovery
 * observations (api_inventory.c) on arbitrary bytes, and every accepted
 * observation folded into an inventory: the endpoint cap must hold and the
 * inventory and its draft OpenAPI document must serialise.
 */
#include <stdlib.h>
#include <string.h>

#include "api_inventory.h"

static inventory_t *inv;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!inv && !(inv = inventory_new()))
        return 0;
    observation_t o;
    char why[128];
    if (observation_parse((const char *)data, size, &o, why, sizeof(why)) == 0) {
        if (!o.app || !o.method || !o.path || o.path[0] != '/')
            abort();
        inventory_observe(inv, &o);
        json_t *doc = inventory_app_json(inv, o.app, NULL);
        if (!doc || json_array_size(json_object_get(doc, "endpoints")) > INVENTORY_MAX_ENDPOINTS)
            abort();
        json_t *spec = inventory_openapi(inv, o.app);
        char *text = json_dumps(spec, JSON_COMPACT);
        if (!text)
            abort();
        free(text);
        json_decref(spec);
        json_decref(doc);
    } else if (!why[0]) {
        abort();
    }
    observation_clear(&o);
    return 0;
}
