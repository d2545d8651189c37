/*
 * api_alerts.c — GET /api/v1/alerts and POST /api/v1/alerts/{id}/ack
 * (see api_dataview.h, alerts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_change.h"
#include "api_dataview.h"
#include "audit_hook.h"
#include "store_dataview.h"
#include "timefmt.h"

#define ALERTS_LIMIT_MAX 500

static json_t *alert_json(const alert_row_t *a)
{
    json_t *detail = json_loads(a->detail, 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:I, s:I, s:o, s:o, s:s, s:s, s:o, s:o}", "id",
                     (json_int_t)a->id, "rule", a->rule, "subject", a->subject, "window_start",
                     api_time_json(a->window_start), "window_seconds",
                     (json_int_t)a->window_seconds, "threshold", (json_int_t)a->threshold, "hits",
                     (json_int_t)a->hits, "first_seen", api_time_json(a->first_seen), "last_seen",
                     api_time_json(a->last_seen), "state", a->state, "acked_by", a->acked_by,
                     "acked_at", api_time_json(a->acked_at), "detail",
                     detail ? detail : json_object());
}

typedef struct {
    json_t *list;
    int64_t last_id;
} page_t;

static int add_alert(void *ctx, const alert_row_t *a)
{
    page_t *p = ctx;
    json_array_append_new(p->list, alert_json(a));
    p->last_id = a->id;
    return 0;
}

static int param_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

enum MHD_Result api_alerts_list(http_req_t *r)
{
    const char *state = http_query(r, "state");
    if (state && strcmp(state, "open") != 0 && strcmp(state, "acked") != 0)
        return http_reply_error(r, 400, "bad_request", "state: open or acked");
    int64_t limit = 100, cursor = 0;
    if (param_int(http_query(r, "limit"), 1, ALERTS_LIMIT_MAX, &limit) ||
        param_int(http_query(r, "cursor"), 1, INT64_MAX, &cursor))
        return http_reply_error(r, 400, "bad_request", "limit: 1-500; cursor: an alert id");
    page_t page = {json_array(), 0};
    int64_t open = 0;
    int rc = store_alert_list(r->ctl->store, state, cursor, (int)limit, add_alert, &page);
    if (rc == STORE_OK)
        rc = store_alert_open_count(r->ctl->store, &open);
    if (rc != STORE_OK) {
        json_decref(page.list);
        return api_store_error(r, rc);
    }
    json_t *next =
        (int64_t)json_array_size(page.list) == limit ? json_integer(page.last_id) : json_null();
    return http_reply_json(r, 200,
                           json_pack("{s:o, s:I, s:o}", "alerts", page.list, "open",
                                     (json_int_t)open, "next_cursor", next));
}

enum MHD_Result api_alerts_ack(http_req_t *r)
{
    int64_t id = 0;
    if (param_int(r->arg, 1, INT64_MAX, &id) || !id)
        return http_reply_error(r, 404, "not_found", "no such alert");
    audit_note(r, "alert.ack", r->arg);
    int rc = store_alert_ack(r->ctl->store, id, r->who.name, time_now_ms());
    if (rc == STORE_NOT_FOUND) {
        alert_row_t a;
        if (store_alert_get(r->ctl->store, id, &a) == STORE_OK)
            return http_reply_error(r, 409, "conflict", "the alert is acknowledged already");
        return http_reply_error(r, 404, "not_found", "no such alert");
    }
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    alert_row_t a;
    rc = store_alert_get(r->ctl->store, id, &a);
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    return http_reply_json(r, 200, alert_json(&a));
}
