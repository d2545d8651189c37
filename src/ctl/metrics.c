/*
 * metrics.c — counters and the Prometheus text format (see metrics.h).
 */
#include "metrics.h"

#include <string.h>

#include "timefmt.h"

static const double bucket_bounds[METRICS_BUCKET_COUNT - 1] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

static const char *const source_names[SOURCE_COUNT] = {"file", "socket", "http"};

const char *ingest_source_name(ingest_source_t s)
{
    return s < SOURCE_COUNT ? source_names[s] : "unknown";
}

void metrics_init(metrics_t *m)
{
    memset(m, 0, sizeof(*m));
    atomic_store(&m->store_healthy, 1);
    atomic_store(&m->started_ms, time_now_ms());
}

size_t metrics_route(metrics_t *m, const char *label)
{
    if (m->n_routes == METRICS_ROUTES_MAX)
        return METRICS_ROUTES_MAX - 1;
    m->http[m->n_routes].route = label;
    return m->n_routes++;
}

void metrics_observe_http(metrics_t *m, size_t route, unsigned status, int64_t duration_ns)
{
    if (route >= m->n_routes)
        return;
    metrics_histogram_t *h = &m->http[route];
    double seconds = (double)duration_ns / 1e9;
    size_t b = 0;
    while (b < METRICS_BUCKET_COUNT - 1 && seconds > bucket_bounds[b])
        b++;
    atomic_fetch_add(&h->buckets[b], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_us, (uint64_t)(duration_ns / 1000));
    unsigned cls = status / 100;
    if (cls >= 1 && cls <= 5)
        atomic_fetch_add(&m->http_status[cls], 1);
}

static void help(strbuf_t *out, const char *name, const char *type, const char *text)
{
    strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

void metrics_render(metrics_t *m, size_t queue_depth, size_t queue_capacity, strbuf_t *out)
{
    help(out, "rampartd_events_received_total", "counter",
         "Events accepted for storage, by source.");
    for (int s = 0; s < SOURCE_COUNT; s++)
        strbuf_printf(out, "rampartd_events_received_total{source=\"%s\"} %llu\n", source_names[s],
                      (unsigned long long)atomic_load(&m->received[s]));
    help(out, "rampartd_events_stored_total", "counter", "Events committed to the store.");
    strbuf_printf(out, "rampartd_events_stored_total %llu\n",
                  (unsigned long long)atomic_load(&m->stored));
    help(out, "rampartd_events_dropped_total", "counter",
         "Events lost because the ingest queue was full (datagrams).");
    for (int s = 0; s < SOURCE_COUNT; s++)
        strbuf_printf(out, "rampartd_events_dropped_total{source=\"%s\"} %llu\n", source_names[s],
                      (unsigned long long)atomic_load(&m->dropped[s]));
    help(out, "rampartd_events_backpressure_total", "counter",
         "Events refused with 503 because the ingest queue was full; the sender retries.");
    for (int s = 0; s < SOURCE_COUNT; s++)
        strbuf_printf(out, "rampartd_events_backpressure_total{source=\"%s\"} %llu\n",
                      source_names[s], (unsigned long long)atomic_load(&m->backpressure[s]));
    help(out, "rampartd_events_rejected_total", "counter",
         "Malformed events refused, by source and reason.");
    for (int s = 0; s < SOURCE_COUNT; s++)
        for (int r = 0; r < REJECT_REASON_COUNT; r++)
            strbuf_printf(out, "rampartd_events_rejected_total{source=\"%s\",reason=\"%s\"} %llu\n",
                          source_names[s], reject_reason_name((reject_reason_t)r),
                          (unsigned long long)atomic_load(&m->rejected[s][r]));
    help(out, "rampartd_ingest_queue_depth", "gauge", "Events waiting for the store.");
    strbuf_printf(out, "rampartd_ingest_queue_depth %zu\n", queue_depth);
    help(out, "rampartd_ingest_queue_capacity", "gauge", "Size of the bounded ingest queue.");
    strbuf_printf(out, "rampartd_ingest_queue_capacity %zu\n", queue_capacity);
    help(out, "rampartd_ingest_batches_total", "counter", "Store transactions of events.");
    strbuf_printf(out, "rampartd_ingest_batches_total %llu\n",
                  (unsigned long long)atomic_load(&m->batches));
    help(out, "rampartd_store_errors_total", "counter", "Failed store commits of events.");
    strbuf_printf(out, "rampartd_store_errors_total %llu\n",
                  (unsigned long long)atomic_load(&m->store_errors));
    help(out, "rampartd_store_healthy", "gauge", "1 while the last event commit succeeded.");
    strbuf_printf(out, "rampartd_store_healthy %d\n", atomic_load(&m->store_healthy));
    help(out, "rampartd_retention_deleted_total", "counter",
         "Events deleted by the retention period.");
    strbuf_printf(out, "rampartd_retention_deleted_total %llu\n",
                  (unsigned long long)atomic_load(&m->retention_deleted));
    help(out, "rampartd_logins_total", "counter", "Console logins by result.");
    strbuf_printf(out, "rampartd_logins_total{result=\"ok\"} %llu\n",
                  (unsigned long long)atomic_load(&m->logins_ok));
    strbuf_printf(out, "rampartd_logins_total{result=\"failed\"} %llu\n",
                  (unsigned long long)atomic_load(&m->logins_failed));
    strbuf_printf(out, "rampartd_logins_total{result=\"throttled\"} %llu\n",
                  (unsigned long long)atomic_load(&m->logins_throttled));
    help(out, "rampartd_http_responses_total", "counter", "API responses by status class.");
    for (int c = 1; c <= 5; c++)
        strbuf_printf(out, "rampartd_http_responses_total{code=\"%dxx\"} %llu\n", c,
                      (unsigned long long)atomic_load(&m->http_status[c]));
    help(out, "rampartd_http_request_duration_seconds", "histogram",
         "API request latency, from the first byte read to the last byte queued.");
    for (size_t r = 0; r < m->n_routes; r++) {
        metrics_histogram_t *h = &m->http[r];
        uint64_t cumulative = 0;
        for (int b = 0; b < METRICS_BUCKET_COUNT; b++) {
            cumulative += atomic_load(&h->buckets[b]);
            if (b < METRICS_BUCKET_COUNT - 1)
                strbuf_printf(out,
                              "rampartd_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"%g\"} %llu\n",
                              h->route, bucket_bounds[b], (unsigned long long)cumulative);
            else
                strbuf_printf(out,
                              "rampartd_http_request_duration_seconds_bucket{route=\"%s\","
                              "le=\"+Inf\"} %llu\n",
                              h->route, (unsigned long long)cumulative);
        }
        strbuf_printf(out, "rampartd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                      h->route, (double)atomic_load(&h->sum_us) / 1e6);
        strbuf_printf(out, "rampartd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                      h->route, (unsigned long long)atomic_load(&h->count));
    }
    help(out, "rampartd_start_time_seconds", "gauge", "When this rampartd started.");
    strbuf_printf(out, "rampartd_start_time_seconds %.3f\n",
                  (double)atomic_load(&m->started_ms) / 1000.0);
}
