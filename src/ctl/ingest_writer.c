/*
 * ingest_writer.c — batches from the queue into store transactions (see
 * ingest_writer.h).
 *
 * A failed commit (disk full, I/O error) rolls back, marks the store
 * unhealthy (/readyz answers 503, rampartd_store_healthy 0, an error line
 * in the log) and retries the same batch with a growing pause; the queue
 * fills meanwhile and the sources apply their back-pressure. HTTP senders
 * in a failed batch get 503 at once instead of waiting (nothing of theirs
 * was committed; they retry). Nothing is half-written: SQLite's
 * transaction is atomic.
 */
#include "ingest_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_inventory.h"
#include "data_events.h"
#include "log.h"
#include "store_inventory.h"
#include "timefmt.h"

#define GIVE_UP_AT_SHUTDOWN 5 /* failed attempts before a stopping writer gives up */

typedef struct {
    const char *key;
    uint64_t ino, offset;
} committed_t;

struct ingest_writer {
    ctl_t *ctl;
    pthread_t thread;
    store_writer_t *sw;
    data_events_t *data;  /* alert counters, exposure cells: this thread's */
    pthread_mutex_t lock; /* guards committed[] */
    committed_t committed[CONFIG_MAX_EVENT_FILES];
    size_t n_committed;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The latest position per file source within the batch. */
typedef struct {
    const ingest_position_t *pos[CONFIG_MAX_EVENT_FILES];
    size_t n;
} positions_t;

static void note_position(positions_t *p, const ingest_position_t *pos)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->pos[i]->key == pos->key) {
            p->pos[i] = pos;
            return;
        }
    if (p->n < CONFIG_MAX_EVENT_FILES)
        p->pos[p->n++] = pos;
}

/* A gateway's discovery observation: telemetry for the API inventory, not
 * a security event, so it is not stored with the events (at one per path
 * shape, worker and interval it would crowd them out). */
static int is_observation(const event_t *ev)
{
    return ev->category && strcmp(ev->category, "api-discovery") == 0;
}

static int commit_batch(ingest_writer_t *w, ingest_item_t **items, size_t n, positions_t *pos,
                        size_t *events)
{
    const store_ops_t *ops = w->ctl->store->ops;
    pos->n = 0;
    *events = 0;
    int rc = ops->writer_begin(w->sw);
    if (rc != STORE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        ingest_item_t *it = items[i];
        if (it->ev.raw && !is_observation(&it->ev)) {
            rc = ops->writer_insert(w->sw, &it->ev, it->source, it->received);
            if (rc != STORE_OK) {
                ops->writer_rollback(w->sw);
                return rc;
            }
            (*events)++;
        }
        if (it->pos.key)
            note_position(pos, &it->pos);
    }
    for (size_t i = 0; i < pos->n; i++) {
        store_checkpoint_t cp;
        memset(&cp, 0, sizeof(cp));
        snprintf(cp.source, sizeof(cp.source), "%s", pos->pos[i]->key);
        cp.dev = pos->pos[i]->dev;
        cp.ino = pos->pos[i]->ino;
        cp.offset = pos->pos[i]->offset;
        memcpy(cp.fp, pos->pos[i]->fp, sizeof(cp.fp));
        cp.fp_len = pos->pos[i]->fp_len;
        rc = ops->writer_checkpoint(w->sw, &cp);
        if (rc != STORE_OK) {
            ops->writer_rollback(w->sw);
            return rc;
        }
    }
    return ops->writer_commit(w->sw);
}

static void remember_committed(ingest_writer_t *w, const positions_t *pos)
{
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < pos->n; i++) {
        size_t j = 0;
        while (j < w->n_committed && w->committed[j].key != pos->pos[i]->key)
            j++;
        if (j == w->n_committed) {
            if (w->n_committed == CONFIG_MAX_EVENT_FILES)
                continue;
            w->n_committed++;
        }
        w->committed[j].key = pos->pos[i]->key;
        w->committed[j].ino = pos->pos[i]->ino;
        w->committed[j].offset = pos->pos[i]->offset;
    }
    pthread_mutex_unlock(&w->lock);
}

/* A discovery observation goes to the API inventory; one that does not
 * validate is dropped. */
static void inventory_feed(struct inventory *inv, const event_t *ev)
{
    if (!inv || !ev->raw || !is_observation(ev))
        return;
    observation_t o;
    char why[128];
    if (observation_parse(ev->raw, ev->raw_len, &o, why, sizeof(why)) == 0)
        inventory_observe(inv, &o);
    observation_clear(&o);
}

static void inventory_put(void *ctx, const char *app, const char *doc, int64_t updated)
{
    store_t *s = ctx;
    if (s->inventory->put(s, app, updated, doc) != STORE_OK)
        log_kv(LOG_LEVEL_ERROR, "cannot store the API inventory", "app", app, NULL);
}

/* Writes the applications whose inventory changed, at most once a second
 * (and at the end: force). */
static void inventory_persist(ctl_t *ctl, int64_t *saved_at, int force)
{
    int64_t now = time_now_ms();
    if (!ctl->inventory || !ctl->store->inventory || (!force && now - *saved_at < 1000))
        return;
    *saved_at = now;
    inventory_take_dirty(ctl->inventory, inventory_put, ctl->store);
}

/* Answers the HTTP senders of a failed batch now and keeps the rest. */
static size_t fail_http_items(ingest_item_t **items, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i]->ack) {
            ingest_ack_t *ack = items[i]->ack;
            ingest_item_free(items[i]);
            ingest_ack_complete(ack, 1);
        } else {
            items[kept++] = items[i];
        }
    }
    return kept;
}

static void *writer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-writer"); /* visible in top -H, ps -L */
    ingest_writer_t *w = arg;
    ctl_t *ctl = w->ctl;
    ctl_config_t *cfg = config_acquire(&ctl->config);
    /* ingest_batch's upper bound (reloads may raise it), and room for the
     * largest HTTP request, which a batch takes whole */
    size_t max = INGEST_GROUP_MAX;
    ingest_item_t **items = malloc(max * sizeof(*items));
    if (!items) {
        log_kv(LOG_LEVEL_ERROR, "ingest writer: out of memory", NULL);
        config_release(cfg);
        return NULL;
    }
    int64_t inventory_saved_at = 0;
    for (;;) {
        size_t batch = (size_t)cfg->ingest_batch;
        int64_t flush_ns = (int64_t)cfg->ingest_flush_ms * 1000000;
        size_t n = ingest_queue_pop_batch(&ctl->queue, items, batch, flush_ns);
        if (n == 0)
            break;
        int attempts = 0, pause_ms = 100;
        for (;;) {
            positions_t pos;
            size_t events;
            int rc = commit_batch(w, items, n, &pos, &events);
            if (rc == STORE_OK) {
                atomic_fetch_add(&ctl->metrics.stored, events);
                atomic_fetch_add(&ctl->metrics.batches, 1);
                if (!atomic_exchange(&ctl->metrics.store_healthy, 1))
                    log_kv(LOG_LEVEL_INFO, "store writable again; ingestion resumed", NULL);
                remember_committed(w, &pos);
                for (size_t i = 0; i < n; i++) {
                    inventory_feed(ctl->inventory, &items[i]->ev);
                    data_events_committed(w->data, ctl, cfg, &items[i]->ev);
                    ingest_ack_t *ack = items[i]->ack;
                    ingest_item_free(items[i]);
                    if (ack)
                        ingest_ack_complete(ack, 0);
                }
                inventory_persist(ctl, &inventory_saved_at, 0);
                data_events_batch_done(w->data, ctl);
                break;
            }
            attempts++;
            atomic_fetch_add(&ctl->metrics.store_errors, 1);
            if (atomic_exchange(&ctl->metrics.store_healthy, 0) || attempts % 20 == 0)
                log_kv(LOG_LEVEL_ERROR, "cannot commit events; ingestion paused, retrying",
                       "reason", rc == STORE_FULL ? "store full" : "store error", "events",
                       LOG_INT(n), "attempts", LOG_INT(attempts), NULL);
            n = fail_http_items(items, n);
            int stopping = !atomic_load(&ctl->ready);
            if (n == 0)
                break;
            if (stopping && attempts >= GIVE_UP_AT_SHUTDOWN) {
                /* File events are read again from the checkpoint at the next
                 * start; datagrams have no other copy. */
                size_t lost = 0;
                for (size_t i = 0; i < n; i++) {
                    if (items[i]->ev.raw && !items[i]->pos.key) {
                        atomic_fetch_add(&ctl->metrics.dropped[items[i]->kind], 1);
                        lost++;
                    }
                    ingest_item_free(items[i]);
                }
                log_kv(LOG_LEVEL_ERROR,
                       "shutting down with the store failing; datagram events lost", "lost",
                       LOG_INT(lost), NULL);
                break;
            }
            sleep_ms(pause_ms);
            if (pause_ms < 2000)
                pause_ms *= 2;
        }
        ctl_config_t *now = config_acquire(&ctl->config);
        config_release(cfg);
        cfg = now;
    }
    inventory_persist(ctl, &inventory_saved_at, 1);
    free(items);
    config_release(cfg);
    return NULL;
}

ingest_writer_t *ingest_writer_start(ctl_t *ctl, rp_error_t *err)
{
    ingest_writer_t *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    w->ctl = ctl;
    w->data = data_events_new();
    if (!w->data) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->sw = ctl->store->ops->writer_open(ctl->store);
    if (!w->sw) {
        snprintf(err->reason, sizeof(err->reason), "cannot open the store for ingestion");
        data_events_free(w->data);
        free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the ingest writer thread");
        ctl->store->ops->writer_close(w->sw);
        data_events_free(w->data);
        free(w);
        return NULL;
    }
    return w;
}

void ingest_writer_join(ingest_writer_t *w)
{
    if (!w)
        return;
    pthread_join(w->thread, NULL);
    w->ctl->store->ops->writer_close(w->sw);
    pthread_mutex_destroy(&w->lock);
    data_events_free(w->data);
    free(w);
}

void ingest_writer_committed(ingest_writer_t *w, const char *key, uint64_t *ino, uint64_t *offset)
{
    *ino = *offset = 0;
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->n_committed; i++)
        if (strcmp(w->committed[i].key, key) == 0) {
            *ino = w->committed[i].ino;
            *offset = w->committed[i].offset;
        }
    pthread_mutex_unlock(&w->lock);
}
