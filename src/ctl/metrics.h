/*
 * metrics.h — rampartd's counters and the Prometheus text exposition
 * (format 0.0.4) of GET /metrics.
 *
 * Counters are lock-free atomics bumped on hot paths; label values come
 * from closed sets (sources, rejection reasons, routes), so the series
 * count is fixed and small.
 */
#ifndef RAMPART_CTL_METRICS_H
#define RAMPART_CTL_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "event_parse.h"
#include "strbuf.h"

typedef enum { SOURCE_FILE, SOURCE_SOCKET, SOURCE_HTTP, SOURCE_COUNT } ingest_source_t;

const char *ingest_source_name(ingest_source_t s); /* "file", "socket", "http" */

#define METRICS_ROUTES_MAX   96
#define METRICS_BUCKET_COUNT 14

typedef struct {
    const char *route;                              /* "GET /api/v1/events" */
    _Atomic uint64_t buckets[METRICS_BUCKET_COUNT]; /* cumulative at render, not here */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us;
} metrics_histogram_t;

typedef struct {
    _Atomic uint64_t received[SOURCE_COUNT];     /* events accepted into the queue */
    _Atomic uint64_t stored;                     /* events committed to the store */
    _Atomic uint64_t dropped[SOURCE_COUNT];      /* lost: queue full on a datagram */
    _Atomic uint64_t backpressure[SOURCE_COUNT]; /* refused with 503, sender retries */
    _Atomic uint64_t rejected[SOURCE_COUNT][REJECT_REASON_COUNT];
    _Atomic uint64_t batches;
    _Atomic uint64_t store_errors;
    _Atomic int store_healthy; /* 0 after a failed commit until the next success */
    _Atomic uint64_t retention_deleted;
    _Atomic uint64_t logins_ok, logins_failed, logins_throttled;
    _Atomic uint64_t http_status[6]; /* 1xx..5xx by first digit */
    _Atomic int64_t started_ms;
    metrics_histogram_t http[METRICS_ROUTES_MAX];
    size_t n_routes;
} metrics_t;

void metrics_init(metrics_t *m);

/* Registers a route label; returns its index (for metrics_observe_http),
 * or the last index ("other") when the table is full. */
size_t metrics_route(metrics_t *m, const char *label);

void metrics_observe_http(metrics_t *m, size_t route, unsigned status, int64_t duration_ns);

/* The exposition, with the live queue figures the caller reads. */
void metrics_render(metrics_t *m, size_t queue_depth, size_t queue_capacity, strbuf_t *out);

#endif
