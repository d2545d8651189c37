/*
 * api_stats.c — GET /api/v1/events/stats: counts per minute and the top
 * client addresses, rules, paths, applications, categories and actions
 * over a time range (default: the last hour), with the same filters as
 * the event list.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_filter.h"
#include "timefmt.h"

#define TOP_DEFAULT     10
#define TOP_MAX         100
#define SERIES_SPAN_MAX (7 * 24 * 3600 * 1000LL) /* one point per minute at most a week */

static int add_minute(void *ctx, int64_t minute, int64_t total, int64_t blocked)
{
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(minute, t);
    json_array_append_new(ctx, json_pack("{s:s, s:I, s:I}", "time", t, "count", (json_int_t)total,
                                         "blocked", (json_int_t)blocked));
    return 0;
}

static int add_count(void *ctx, const char *key, int64_t count)
{
    json_array_append_new(
        ctx, json_pack("{s:s, s:I}", "key", key ? key : "", "count", (json_int_t)count));
    return 0;
}

enum MHD_Result api_events_stats(http_req_t *r)
{
    int64_t now = time_now_ms();
    store_filter_t f;
    enum MHD_Result rc;
    if (api_filter_parse(r, &f, now - 3600 * 1000LL, now + 60 * 1000LL, &rc))
        return rc;
    int top = TOP_DEFAULT;
    const char *t = http_query(r, "top");
    if (t) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || end == t || v < 1 || v > TOP_MAX)
            return http_reply_error(r, 400, "bad_request", "top: an integer from 1 to 100");
        top = (int)v;
    }
    int series = f.to - f.from <= SERIES_SPAN_MAX;
    store_t *s = r->ctl->store;
    int64_t total = 0;
    int st = s->ops->events_count(s, &f, &total);
    json_t *per_minute = series ? json_array() : json_null();
    if (st == STORE_OK && series)
        st = s->ops->events_per_minute(s, &f, add_minute, per_minute);
    static const struct {
        const char *key;
        store_top_t what;
    } tops[] = {
        {"top_clients", STORE_TOP_CLIENT},   {"top_rules", STORE_TOP_RULE},
        {"top_paths", STORE_TOP_PATH},       {"top_apps", STORE_TOP_APP},
        {"by_category", STORE_TOP_CATEGORY}, {"by_action", STORE_TOP_ACTION},
    };
    char from[TIME_RFC3339_MAX], to[TIME_RFC3339_MAX];
    time_format_rfc3339(f.from, from);
    time_format_rfc3339(f.to, to);
    json_t *o = json_pack("{s:s, s:s, s:I, s:o}", "from", from, "to", to, "total",
                          (json_int_t)total, "per_minute", per_minute);
    for (size_t i = 0; st == STORE_OK && i < sizeof(tops) / sizeof(tops[0]); i++) {
        json_t *list = json_array();
        st = s->ops->events_top(s, &f, tops[i].what, top, add_count, list);
        json_object_set_new(o, tops[i].key, list);
    }
    if (st != STORE_OK) {
        json_decref(o);
        return api_store_error(r, st);
    }
    if (!series)
        json_object_set_new(o, "per_minute_note",
                            json_string("no per-minute series for ranges over 7 days"));
    return http_reply_json(r, 200, o);
}
