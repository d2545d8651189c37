/*
 * api_ingest.c — POST /api/v1/events (remote gateways, gateway-role
 * token) and GET /api/v1/ingest (counters and sources).
 *
 * The body is a JSON array of events, one event object, or NDJSON
 * (Content-Type: application/x-ndjson, one event per line). Valid events
 * are queued together and the request is suspended until the writer has
 * committed all of them: a 200 means they are durable. Invalid ones are
 * refused individually with their index and reason; a request with none
 * valid is a 400. When the queue has no room for the whole request the
 * answer is 503 with Retry-After and nothing is stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "ingest_writer.h"
#include "log.h"
#include "rampart/rampart.h"
#include "source_file.h"
#include "timefmt.h"

#define ERRORS_SHOWN 100
#define EVENTS_MAX   INGEST_GROUP_MAX

typedef enum { SUBMIT_WAITING, SUBMIT_REFUSED } submit_phase_t;

typedef struct {
    ingest_ack_t ack;
    submit_phase_t phase;
    size_t accepted;
    size_t rejected;
    json_t *errors;
    char source[STORE_NAME_MAX + 16]; /* events.source of these events */
} submit_t;

static void submit_free(void *p)
{
    submit_t *s = p;
    json_decref(s->errors);
    pthread_mutex_destroy(&s->ack.lock);
    free(s);
}

static void resume_request(void *ctx)
{
    http_resume(ctx);
}

typedef struct {
    http_req_t *r;
    submit_t *s;
    ingest_item_t **items;
    size_t n, cap;
    int too_many;
} batch_t;

static void reject(batch_t *b, size_t index, reject_reason_t why, const char *detail)
{
    atomic_fetch_add(&b->r->ctl->metrics.rejected[SOURCE_HTTP][why], 1);
    b->s->rejected++;
    if (json_array_size(b->s->errors) < ERRORS_SHOWN)
        json_array_append_new(b->s->errors,
                              json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index, "reason",
                                        reject_reason_name(why), "detail", detail));
}

static void keep(batch_t *b, ingest_item_t *it)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        ingest_item_t **grown = realloc(b->items, cap * sizeof(*grown));
        if (!grown) {
            ingest_item_free(it);
            b->too_many = 1;
            return;
        }
        b->items = grown;
        b->cap = cap;
    }
    it->kind = SOURCE_HTTP;
    it->source = b->s->source;
    it->received = time_now_ms();
    b->items[b->n++] = it;
}

static void take_object(batch_t *b, size_t index, json_t *obj)
{
    if (b->n + b->s->rejected >= EVENTS_MAX) {
        b->too_many = 1;
        return;
    }
    ingest_item_t *it = ingest_item_new();
    reject_reason_t why;
    char detail[200];
    if (!it) {
        b->too_many = 1;
        return;
    }
    /* Back to text, so every source goes through the same validation. */
    char *text = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
    int bad = !text || event_parse(text, strlen(text), &it->ev, &why, detail, sizeof(detail));
    if (!text) {
        why = REJECT_TOO_LARGE;
        snprintf(detail, sizeof(detail), "out of memory");
    }
    free(text);
    if (bad) {
        ingest_item_free(it);
        reject(b, index, why, detail);
        return;
    }
    keep(b, it);
}

static void take_line(batch_t *b, size_t index, const char *line, size_t n)
{
    if (b->n + b->s->rejected >= EVENTS_MAX) {
        b->too_many = 1;
        return;
    }
    ingest_item_t *it = ingest_item_new();
    reject_reason_t why;
    char detail[200];
    if (!it) {
        b->too_many = 1;
        return;
    }
    if (event_parse(line, n, &it->ev, &why, detail, sizeof(detail))) {
        ingest_item_free(it);
        reject(b, index, why, detail);
        return;
    }
    keep(b, it);
}

/* Splits the body into items. 0, or -1 with a reply queued in *rc. */
static int parse_body(batch_t *b, enum MHD_Result *rc)
{
    http_req_t *r = b->r;
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *data = r->body.data ? r->body.data : "";
    size_t len = r->body.len;
    if (ct && strncasecmp(ct, "application/x-ndjson", 20) == 0) {
        size_t index = 0, at = 0;
        while (at < len) {
            const char *nl = memchr(data + at, '\n', len - at);
            size_t n = nl ? (size_t)(nl - (data + at)) : len - at;
            size_t blank = 0;
            while (blank < n && strchr(" \t\r", data[at + blank]))
                blank++;
            if (blank < n)
                take_line(b, index++, data + at, n);
            at += n + 1;
        }
        return 0;
    }
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        *rc = http_reply_error(r, 415, "unsupported_media_type",
                               "send application/json (an array or one event) or "
                               "application/x-ndjson");
        return -1;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char msg[200];
        snprintf(msg, sizeof(msg), "the body is not JSON: %s at byte %d", jerr.text, jerr.position);
        *rc = http_reply_error(r, 400, "bad_request", msg);
        return -1;
    }
    if (json_is_array(doc)) {
        size_t i;
        json_t *el;
        json_array_foreach(doc, i, el) take_object(b, i, el);
    } else {
        take_object(b, 0, doc);
    }
    json_decref(doc);
    return 0;
}

static enum MHD_Result finish(http_req_t *r, submit_t *s)
{
    if (s->phase == SUBMIT_REFUSED)
        return http_reply_error(r, 503, "busy",
                                "the ingest queue is full; retry (nothing was stored)");
    if (s->ack.failed)
        return http_reply_error(r, 503, "store_unavailable",
                                "the store refused the events; retry (nothing was stored)");
    json_t *o = json_pack("{s:I, s:I, s:O}", "accepted", (json_int_t)s->accepted, "rejected",
                          (json_int_t)s->rejected, "errors", s->errors);
    return http_reply_json(r, 200, o);
}

enum MHD_Result api_events_submit(http_req_t *r)
{
    if (r->state)
        return finish(r, r->state);
    submit_t *s = calloc(1, sizeof(*s));
    if (!s)
        return http_reply_error(r, 500, "internal", "out of memory");
    s->errors = json_array();
    /* who.name is "token:NAME"; stored as "http:NAME"; a host agent's
     * events as "agent:HOSTNAME". */
    snprintf(s->source, sizeof(s->source), "%s:%s", r->who.kind == WHO_AGENT ? "agent" : "http",
             strncmp(r->who.name, "token:", 6) == 0 ? r->who.name + 6 : r->who.name);
    batch_t b = {.r = r, .s = s};
    enum MHD_Result rc;
    if (parse_body(&b, &rc)) {
        submit_free(s);
        return rc;
    }
    if (b.too_many) {
        for (size_t i = 0; i < b.n; i++)
            ingest_item_free(b.items[i]);
        free(b.items);
        submit_free(s);
        return http_reply_error(r, 413, "payload_too_large", "at most 100000 events per request");
    }
    if (b.n == 0) {
        json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:O}", "error", "no_valid_events", "message",
                              "no event in the request is valid", "accepted", 0, "rejected",
                              (json_int_t)s->rejected, "errors", s->errors);
        free(b.items);
        submit_free(s);
        return http_reply_json(r, 400, o);
    }
    ingest_ack_init(&s->ack, b.n, resume_request, r);
    for (size_t i = 0; i < b.n; i++)
        b.items[i]->ack = &s->ack;
    s->accepted = b.n;
    r->state = s;
    r->state_free = submit_free;
    /* Suspend before queuing: the writer may resume us at once. */
    http_suspend(r);
    if (ingest_queue_try_push_all(&r->ctl->queue, b.items, b.n)) {
        for (size_t i = 0; i < b.n; i++)
            ingest_item_free(b.items[i]);
        atomic_fetch_add(&r->ctl->metrics.backpressure[SOURCE_HTTP], b.n);
        s->phase = SUBMIT_REFUSED;
        free(b.items);
        http_resume(r);
        return MHD_YES;
    }
    atomic_fetch_add(&r->ctl->metrics.received[SOURCE_HTTP], b.n);
    free(b.items);
    return MHD_YES;
}

static json_t *by_source(_Atomic uint64_t *counters)
{
    json_t *o = json_object();
    for (int s = 0; s < SOURCE_COUNT; s++)
        json_object_set_new(o, ingest_source_name((ingest_source_t)s),
                            json_integer((json_int_t)atomic_load(&counters[s])));
    return o;
}

enum MHD_Result api_ingest_status(http_req_t *r)
{
    ctl_t *c = r->ctl;
    metrics_t *m = &c->metrics;
    json_t *rejected = json_object();
    for (int s = 0; s < SOURCE_COUNT; s++) {
        json_t *reasons = json_object();
        for (int k = 0; k < REJECT_REASON_COUNT; k++)
            json_object_set_new(reasons, reject_reason_name((reject_reason_t)k),
                                json_integer((json_int_t)atomic_load(&m->rejected[s][k])));
        json_object_set_new(rejected, ingest_source_name((ingest_source_t)s), reasons);
    }
    json_t *sources = json_array();
    for (size_t i = 0; i < c->n_files; i++) {
        uint64_t ino, read, size, cino, committed;
        file_source_progress(c->files[i], &ino, &read, &size);
        ingest_writer_committed(c->writer, file_source_path(c->files[i]), &cino, &committed);
        if (cino != ino)
            committed = 0; /* nothing committed from the current file yet */
        json_array_append_new(
            sources, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "type", "file", "path",
                               file_source_path(c->files[i]), "inode", (json_int_t)ino, "size",
                               (json_int_t)size, "read_offset", (json_int_t)read,
                               "committed_offset", (json_int_t)committed, "lag_bytes",
                               (json_int_t)(size > committed ? size - committed : 0)));
    }
    if (r->cfg->event_socket[0])
        json_array_append_new(
            sources, json_pack("{s:s, s:s}", "type", "socket", "path", r->cfg->event_socket));
    json_t *o = json_pack(
        "{s:o, s:I, s:o, s:o, s:o, s:{s:I, s:I}, s:I, s:I, s:b, s:o, s:{s:i, s:i}}", "received",
        by_source(m->received), "stored", (json_int_t)atomic_load(&m->stored), "dropped",
        by_source(m->dropped), "backpressure", by_source(m->backpressure), "rejected", rejected,
        "queue", "depth", (json_int_t)ingest_queue_depth(&c->queue), "capacity",
        (json_int_t)c->queue.capacity, "batches", (json_int_t)atomic_load(&m->batches),
        "store_errors", (json_int_t)atomic_load(&m->store_errors), "store_healthy",
        atomic_load(&m->store_healthy), "sources", sources, "batching", "max_events",
        r->cfg->ingest_batch, "flush_ms", r->cfg->ingest_flush_ms);
    /* what the console's settings page shows about this rampartd */
    json_object_set_new(o, "version", json_string(RAMPART_VERSION));
    json_object_set_new(o, "store",
                        json_pack("{s:s, s:i}", "backend", r->cfg->store, "retention_days",
                                  r->cfg->retention_days));
    return http_reply_json(r, 200, o);
}
