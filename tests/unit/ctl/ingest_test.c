/*
 * ingest_test.c — the ingestion pipeline in one process: file tailer →
 * queue → writer → SQLite, with the file position committed in each
 * batch. Restarts resume exactly at the committed position (nothing lost,
 * nothing twice), also across a rotation that happened while stopped;
 * rotation and truncation while running are followed; bad lines are
 * counted and skipped. (The kill -9 of a real rampartd is
 * tests/integration/test_rampartd_ingest.py.)
 */
#include "ctl_test_util.h"

#include <time.h>

#include "ingest_writer.h"
#include "source_file.h"
#include "timefmt.h"

typedef struct {
    char dir[256];
    char path[300];
    ctl_t ctl;
    file_source_t *fs;
    int next_id; /* request ids written so far */
} rig_t;

static void rig_start(rig_t *r)
{
    memset(&r->ctl, 0, sizeof(r->ctl));
    ctl_config_t *cfg = config_defaults();
    cfg->ingest_batch = 7; /* many small batches: positions move often */
    cfg->ingest_flush_ms = 5;
    metrics_init(&r->ctl.metrics);
    config_slot_init(&r->ctl.config, cfg);
    assert_int_equal(ingest_queue_init(&r->ctl.queue, 64), 0);
    r->ctl.store = open_store(r->dir);
    rp_error_t err;
    atomic_store(&r->ctl.ready, 1);
    r->ctl.writer = ingest_writer_start(&r->ctl, &err);
    assert_non_null(r->ctl.writer);
    r->fs = file_source_start(&r->ctl, r->path, &err);
    assert_non_null(r->fs);
}

static void rig_stop(rig_t *r)
{
    file_source_free(r->fs);
    atomic_store(&r->ctl.ready, 0);
    ingest_queue_close(&r->ctl.queue);
    ingest_writer_join(r->ctl.writer);
    ingest_queue_destroy(&r->ctl.queue);
    store_close(r->ctl.store);
    config_slot_clear(&r->ctl.config);
}

static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void append_events(rig_t *r, const char *path, int n)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f,
                "{\"time\":\"2026-11-26T10:00:00.000Z\",\"request_id\":\"req-%06d\",\"client\":"
                "\"10.0.0.%d\",\"action\":\"block\",\"matches\":[{\"detector\":\"sqli\"}]}\n",
                r->next_id++, i % 250);
    fclose(f);
}

static int64_t stored(rig_t *r)
{
    store_filter_t f = {.from = 0, .to = INT64_MAX};
    int64_t n = -1;
    assert_int_equal(r->ctl.store->ops->events_count(r->ctl.store, &f, &n), STORE_OK);
    return n;
}

/* Waits until the metrics say `count` events were stored by this run. */
static void wait_stored(rig_t *r, uint64_t count)
{
    for (int i = 0; i < 1000 && atomic_load(&r->ctl.metrics.stored) < count; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&r->ctl.metrics.stored), count);
}

/* Every request id 0..next_id-1 exactly once. */
typedef struct {
    int *seen;
    int max;
    int bad;
} ids_t;

static int check_id(void *ctx, const store_event_row_t *row)
{
    ids_t *ids = ctx;
    int id = row->request_id ? atoi(row->request_id + 4) : -1;
    if (id < 0 || id >= ids->max || ids->seen[id]++)
        ids->bad++;
    return 0;
}

static void assert_exactly_once(rig_t *r)
{
    ids_t ids = {.seen = calloc((size_t)r->next_id + 1, sizeof(int)), .max = r->next_id};
    store_filter_t f = {.from = 0, .to = INT64_MAX, .limit = 1000000};
    assert_int_equal(r->ctl.store->ops->events_query(r->ctl.store, &f, check_id, &ids), STORE_OK);
    assert_int_equal(ids.bad, 0);
    for (int i = 0; i < r->next_id; i++)
        if (ids.seen[i] != 1)
            fail_msg("request %d stored %d times", i, ids.seen[i]);
    free(ids.seen);
}

static void rig_init(rig_t *r)
{
    memset(r, 0, sizeof(*r));
    temp_dir(r->dir);
    snprintf(r->path, sizeof(r->path), "%s/events.jsonl", r->dir);
}

static void test_resume_exactly_once(void **state)
{
    (void)state;
    rig_t r;
    rig_init(&r);
    append_events(&r, r.path, 100);
    append(r.path, "not json\n\n{\"time\":\"bad\",\"action\":\"block\"}\n");
    append_events(&r, r.path, 50);
    append(r.path, "{\"time\":\"2026-11-26T10:00:00Z\",\"action\":\"blo"); /* half a line */
    rig_start(&r);
    wait_stored(&r, 150);
    assert_int_equal(atomic_load(&r.ctl.metrics.rejected[SOURCE_FILE][REJECT_INVALID_JSON]), 1);
    assert_int_equal(atomic_load(&r.ctl.metrics.rejected[SOURCE_FILE][REJECT_BAD_TIME]), 1);
    rig_stop(&r);

    /* the half line is completed while rampartd is down */
    append(r.path, "ck\",\"request_id\":\"req-000150\"}\n");
    r.next_id = 151;
    append_events(&r, r.path, 30);
    rig_start(&r);
    wait_stored(&r, 31); /* only what is new: the completed line and 30 */
    /* and nothing was counted twice either */
    assert_int_equal(atomic_load(&r.ctl.metrics.rejected[SOURCE_FILE][REJECT_INVALID_JSON]), 0);
    assert_int_equal(stored(&r), 181);
    assert_exactly_once(&r);
    rig_stop(&r);
    temp_dir_remove(r.dir);
}

static void test_rotation_while_stopped(void **state)
{
    (void)state;
    rig_t r;
    rig_init(&r);
    append_events(&r, r.path, 40);
    rig_start(&r);
    wait_stored(&r, 40);
    rig_stop(&r);
    /* more lines, then logrotate renames the file and nginx starts a new one */
    append_events(&r, r.path, 25);
    char rotated[320];
    snprintf(rotated, sizeof(rotated), "%s.1", r.path);
    assert_int_equal(rename(r.path, rotated), 0);
    append_events(&r, r.path, 35);
    rig_start(&r);
    wait_stored(&r, 60); /* the rest of the rotated file, then the new one */
    assert_int_equal(stored(&r), 100);
    assert_exactly_once(&r);
    rig_stop(&r);
    temp_dir_remove(r.dir);
}

static void test_rotation_and_truncation_while_running(void **state)
{
    (void)state;
    rig_t r;
    rig_init(&r);
    append_events(&r, r.path, 20);
    rig_start(&r);
    wait_stored(&r, 20);
    char rotated[320];
    snprintf(rotated, sizeof(rotated), "%s.1", r.path);
    assert_int_equal(rename(r.path, rotated), 0);
    append_events(&r, rotated, 5); /* nginx writes the old file until it reopens */
    append_events(&r, r.path, 15);
    wait_stored(&r, 40);
    assert_exactly_once(&r);
    /* copytruncate-style: the file shrinks under the reader */
    assert_int_equal(truncate(r.path, 0), 0);
    append_events(&r, r.path, 3);
    wait_stored(&r, 43);
    assert_int_equal(stored(&r), 43);
    rig_stop(&r);
    temp_dir_remove(r.dir);
}

static void test_overlong_line_is_skipped(void **state)
{
    (void)state;
    rig_t r;
    rig_init(&r);
    size_t n = 3 * 1024 * 1024;
    char *junk = malloc(n + 2);
    memset(junk, 'x', n);
    junk[n] = '\n';
    junk[n + 1] = '\0';
    append_events(&r, r.path, 2);
    append(r.path, junk);
    append_events(&r, r.path, 2);
    free(junk);
    rig_start(&r);
    wait_stored(&r, 4);
    assert_int_equal(atomic_load(&r.ctl.metrics.rejected[SOURCE_FILE][REJECT_TOO_LARGE]), 1);
    assert_exactly_once(&r);
    rig_stop(&r);
    temp_dir_remove(r.dir);
}

static void test_queue_semantics(void **state)
{
    (void)state;
    ingest_queue_t q;
    assert_int_equal(ingest_queue_init(&q, 4), 0);
    ingest_item_t *items[6];
    for (int i = 0; i < 6; i++)
        items[i] = ingest_item_new();
    assert_int_equal(ingest_queue_try_push_all(&q, items, 3), 0);
    assert_int_equal(ingest_queue_try_push_all(&q, items + 3, 2), -1); /* all or nothing */
    assert_int_equal(ingest_queue_depth(&q), 3);
    assert_int_equal(ingest_queue_try_push(&q, items[3]), 0);
    assert_int_equal(ingest_queue_try_push(&q, items[4]), -1); /* full */
    ingest_item_t *out[8];
    int64_t t0 = time_mono_ns();
    assert_int_equal(ingest_queue_pop_batch(&q, out, 2, 1000000000LL), 2);
    assert_true(time_mono_ns() - t0 < 500000000LL); /* a full batch does not wait */
    t0 = time_mono_ns();
    assert_int_equal(ingest_queue_pop_batch(&q, out + 2, 8, 50000000LL), 2);
    assert_true(time_mono_ns() - t0 >= 40000000LL); /* a short one waits for the flush */
    assert_ptr_equal(out[0], items[0]);
    assert_ptr_equal(out[3], items[3]); /* in order */
    ingest_queue_close(&q);
    assert_int_equal(ingest_queue_try_push(&q, items[4]), -1);
    assert_int_equal(ingest_queue_pop_batch(&q, out, 8, 1000), 0);
    for (int i = 0; i < 6; i++)
        ingest_item_free(items[i]);
    ingest_queue_destroy(&q);
}

/* One HTTP request's items (a shared ack) land in one batch: a group that
 * does not fit ends the batch before it, a group larger than the batch
 * size is taken whole, so the request is committed or refused whole. */
static void test_queue_keeps_a_request_together(void **state)
{
    (void)state;
    ingest_queue_t q;
    assert_int_equal(ingest_queue_init(&q, 16), 0);
    ingest_ack_t a, b;
    ingest_item_t *items[10];
    for (int i = 0; i < 10; i++) {
        items[i] = ingest_item_new();
        items[i]->ack = i >= 2 && i < 5 ? &a : (i >= 5 && i < 10 ? &b : NULL);
    }
    assert_int_equal(ingest_queue_try_push_all(&q, items, 2), 0);     /* two singles */
    assert_int_equal(ingest_queue_try_push_all(&q, items + 2, 3), 0); /* request a: 3 */
    assert_int_equal(ingest_queue_try_push_all(&q, items + 5, 5), 0); /* request b: 5 */
    ingest_item_t *out[16];
    int64_t t0 = time_mono_ns();
    /* a would straddle the batch of 4: the batch ends before it, at once */
    assert_int_equal(ingest_queue_pop_batch(&q, out, 4, 1000000000LL), 2);
    assert_true(time_mono_ns() - t0 < 500000000LL);
    assert_int_equal(ingest_queue_pop_batch(&q, out, 4, 1000000000LL), 3);
    assert_ptr_equal(out[0], items[2]);
    /* b is larger than the batch size: taken whole */
    assert_int_equal(ingest_queue_pop_batch(&q, out, 4, 1000000000LL), 5);
    assert_ptr_equal(out[4], items[9]);
    assert_int_equal(ingest_queue_depth(&q), 0);
    for (int i = 0; i < 10; i++)
        ingest_item_free(items[i]);
    ingest_queue_destroy(&q);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_exactly_once),
        cmocka_unit_test(test_rotation_while_stopped),
        cmocka_unit_test(test_rotation_and_truncation_while_running),
        cmocka_unit_test(test_overlong_line_is_skipped),
        cmocka_unit_test(test_queue_semantics),
        cmocka_unit_test(test_queue_keeps_a_request_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
