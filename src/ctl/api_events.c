/*
 * api_events.c — GET /api/v1/events (filters, keyset pagination, JSON or
 * CSV export) and GET /api/v1/events/{id}.
 *
 * Order is newest first, (time, id) descending, which is stable: the
 * cursor of a page is the (time, id) of its last row, and the next page
 * starts strictly after it, however many events arrive meanwhile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_filter.h"
#include "csv.h"
#include "timefmt.h"

#define JSON_LIMIT_MAX 1000
#define CSV_LIMIT_MAX  10000
#define LIMIT_DEFAULT  100

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *rules_array(const char *rules)
{
    json_t *a = rules ? json_loads(rules, 0, NULL) : NULL;
    if (json_is_array(a))
        return a;
    json_decref(a);
    return json_array();
}

/* The rule keys space-separated, for the CSV column. */
static void csv_rules(strbuf_t *out, const char *rules)
{
    json_t *a = rules_array(rules);
    strbuf_t joined;
    strbuf_init(&joined, 0);
    size_t i;
    json_t *k;
    json_array_foreach(a, i, k)
    {
        if (i)
            strbuf_append(&joined, " ", 1);
        strbuf_puts(&joined, json_string_value(k) ? json_string_value(k) : "");
    }
    csv_text(out, joined.data);
    strbuf_free(&joined);
    json_decref(a);
}

/* The row's columns; with_event adds the whole original event, otherwise
 * only its matches. */
static json_t *event_json(const store_event_row_t *row, int with_event)
{
    char when[TIME_RFC3339_MAX], received[TIME_RFC3339_MAX];
    time_format_rfc3339(row->ts, when);
    time_format_rfc3339(row->received, received);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(row->id));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "received", json_string(received));
    json_object_set_new(o, "source", string_or_null(row->source));
    json_object_set_new(o, "request_id", string_or_null(row->request_id));
    json_object_set_new(o, "app", string_or_null(row->app));
    json_object_set_new(o, "host", string_or_null(row->host));
    json_object_set_new(o, "client", string_or_null(row->client));
    json_object_set_new(o, "method", string_or_null(row->method));
    json_object_set_new(o, "uri", string_or_null(row->uri));
    json_object_set_new(o, "action", string_or_null(row->action));
    json_object_set_new(o, "status", row->has_status ? json_integer(row->status) : json_null());
    json_object_set_new(o, "category", string_or_null(row->category));
    json_object_set_new(o, "score", row->has_score ? json_integer(row->score) : json_null());
    json_object_set_new(o, "rules", rules_array(row->rules));
    json_t *raw = row->raw ? json_loads(row->raw, 0, NULL) : NULL;
    if (with_event) {
        json_object_set_new(o, "event", raw ? raw : json_null());
    } else {
        json_t *m = raw ? json_object_get(raw, "matches") : NULL;
        json_object_set(o, "matches", m ? m : json_null());
        json_decref(raw);
    }
    return o;
}

typedef struct {
    int csv;
    int limit;
    int rows;
    json_t *list;
    strbuf_t out;
    int64_t last_ts, last_id;
    int more;
} page_t;

static void csv_row(strbuf_t *out, const store_event_row_t *row)
{
    char when[TIME_RFC3339_MAX];
    time_format_rfc3339(row->ts, when);
    csv_int(out, row->id);
    csv_sep(out);
    csv_text(out, when);
    const char *texts[] = {row->app, row->host, row->client, row->method, row->uri, row->action};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        csv_sep(out);
        csv_text(out, texts[i]);
    }
    csv_sep(out);
    if (row->has_status)
        csv_int(out, row->status);
    csv_sep(out);
    csv_text(out, row->category);
    csv_sep(out);
    if (row->has_score)
        csv_int(out, row->score);
    csv_sep(out);
    csv_rules(out, row->rules);
    csv_sep(out);
    csv_text(out, row->request_id);
    csv_sep(out);
    csv_text(out, row->source);
    csv_end_row(out);
}

static int add_row(void *ctx, const store_event_row_t *row)
{
    page_t *p = ctx;
    if (p->rows == p->limit) { /* the extra row only says a next page exists */
        p->more = 1;
        return 1;
    }
    p->rows++;
    p->last_ts = row->ts;
    p->last_id = row->id;
    if (p->csv)
        csv_row(&p->out, row);
    else
        json_array_append_new(p->list, event_json(row, 0));
    return 0;
}

static int parse_cursor(const char *s, store_filter_t *f)
{
    char *dot;
    long long ts = strtoll(s, &dot, 10);
    if (*dot != '.' || dot == s)
        return -1;
    char *end;
    long long id = strtoll(dot + 1, &end, 10);
    if (*end || end == dot + 1 || id <= 0)
        return -1;
    f->has_cursor = 1;
    f->cursor_ts = ts;
    f->cursor_id = id;
    return 0;
}

enum MHD_Result api_events_list(http_req_t *r)
{
    enum MHD_Result rc;
    store_filter_t f;
    if (api_filter_parse(r, &f, 0, INT64_MAX, &rc))
        return rc;
    page_t p = {.limit = LIMIT_DEFAULT};
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return http_reply_error(r, 400, "bad_request", "format: json or csv");
    p.csv = format && strcmp(format, "csv") == 0;
    const char *limit = http_query(r, "limit");
    int max = p.csv ? CSV_LIMIT_MAX : JSON_LIMIT_MAX;
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*end || end == limit || v < 1 || v > max) {
            char msg[64];
            snprintf(msg, sizeof(msg), "limit: an integer from 1 to %d", max);
            return http_reply_error(r, 400, "bad_request", msg);
        }
        p.limit = (int)v;
    }
    const char *cursor = http_query(r, "cursor");
    if (cursor && parse_cursor(cursor, &f))
        return http_reply_error(r, 400, "bad_request", "cursor: use next_cursor as given");
    f.limit = p.limit + 1;
    strbuf_init(&p.out, 0);
    if (p.csv)
        strbuf_puts(&p.out, "id,time,app,host,client,method,uri,action,status,category,score,"
                            "rules,request_id,source\r\n");
    else
        p.list = json_array();
    int st = r->ctl->store->ops->events_query(r->ctl->store, &f, add_row, &p);
    if (st != STORE_OK) {
        json_decref(p.list);
        strbuf_free(&p.out);
        return api_store_error(r, st);
    }
    char next[48] = "";
    if (p.more)
        snprintf(next, sizeof(next), "%" PRId64 ".%" PRId64, p.last_ts, p.last_id);
    if (p.csv) {
        size_t len;
        char *text = strbuf_take(&p.out, &len);
        if (!text)
            return http_reply_error(r, 500, "internal", "out of memory");
        http_add_header(r, "Content-Disposition", "attachment; filename=\"rampart-events.csv\"");
        if (next[0])
            http_add_header(r, "X-Next-Cursor", next);
        return http_reply(r, 200, "text/csv; charset=utf-8", text, len);
    }
    strbuf_free(&p.out);
    return http_reply_json(r, 200,
                           json_pack("{s:o, s:i, s:o}", "events", p.list, "count", p.rows,
                                     "next_cursor", next[0] ? json_string(next) : json_null()));
}

static int keep_event(void *ctx, const store_event_row_t *row)
{
    *(json_t **)ctx = event_json(row, 1);
    return 1;
}

enum MHD_Result api_events_get(http_req_t *r)
{
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    if (*end || id <= 0)
        return http_reply_error(r, 400, "bad_request", "the event id must be a positive integer");
    json_t *ev = NULL;
    int st = r->ctl->store->ops->event_get(r->ctl->store, id, keep_event, &ev);
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such event");
    if (st != STORE_OK)
        return api_store_error(r, st);
    return http_reply_json(r, 200, ev);
}
