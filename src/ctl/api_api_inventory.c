/*
 * api_api_inventory.c — the API inventory of an application
 * (docs/API-SECURITY.md, "API discovery and inventory"; admin, secops and
 * auditor read):
 *
 *   GET /api/v1/apps/NAME/api-inventory[?filter=shadow|risky]
 *       endpoints learnt from the gateways' observations, with flags
 *   GET /api/v1/apps/NAME/api-inventory/openapi
 *       a draft OpenAPI 3.1 document of them (a download)
 */
#include <string.h>

#include "api.h"
#include "api_inventory.h"

enum MHD_Result api_inventory_get(http_req_t *r)
{
    const char *filter = http_query(r, "filter");
    if (filter && strcmp(filter, "shadow") != 0 && strcmp(filter, "risky") != 0)
        return http_reply_error(r, 400, "bad_request", "filter must be shadow or risky");
    json_t *doc = inventory_app_json(r->ctl->inventory, r->arg, filter);
    if (!doc)
        doc = json_pack("{s:s, s:[], s:i, s:i}", "app", r->arg, "endpoints", "overflow", 0,
                        "updated", 0);
    return http_reply_json(r, 200, doc);
}

enum MHD_Result api_inventory_openapi(http_req_t *r)
{
    return http_reply_json(r, 200, inventory_openapi(r->ctl->inventory, r->arg));
}
