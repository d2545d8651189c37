/*
 * api_exposure.c — GET /api/v1/exposure (see api_dataview.h, exposure.h).
 */
#include <string.h>

#include "api.h"
#include "api_change.h"
#include "api_dataview.h"
#include "store_dataview.h"

static int add_row(void *ctx, const exposure_row_t *row)
{
    json_array_append_new(
        ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "app", row->app, "path",
                       row->path, "class", row->class_, "roles", row->roles, "view", row->view,
                       "responses", (json_int_t)row->responses, "values",
                       (json_int_t)row->values_seen, "first_seen", api_time_json(row->first_seen),
                       "last_seen", api_time_json(row->last_seen)));
    return 0;
}

enum MHD_Result api_exposure_list(http_req_t *r)
{
    const char *app = http_query(r, "app");
    if (app && (!app[0] || strlen(app) > EXPOSURE_TEXT_MAX))
        return http_reply_error(r, 400, "bad_request", "app: 1-256 bytes");
    json_t *items = json_array();
    int rc = store_exposure_list(r->ctl->store, app, add_row, items);
    if (rc != STORE_OK) {
        json_decref(items);
        return api_store_error(r, rc);
    }
    return http_reply_json(
        r, 200,
        json_pack("{s:o, s:I}", "items", items, "count", (json_int_t)json_array_size(items)));
}
