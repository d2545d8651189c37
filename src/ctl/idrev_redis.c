/*
 * idrev_redis.c — the revocation stream's writer (see idrev_redis.h).
 */
#include "idrev_redis.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idrev_stream.h"
#include "log.h"
#include "store_idsess.h"
#include "timefmt.h"

#define TIMEOUT_MS   1000
#define ROUND_MS     1000  /* publish at least this often, and retry a dead Redis */
#define LOG_EVERY_MS 10000 /* at most one failure line per this */
#define BATCH_MAX    1000  /* entries pipelined per round */

struct idrev_redis {
    ctl_t *ctl;
    idrev_redis_addr_t addr;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping, pending;
    redisContext *redis;
    int64_t published; /* the stream's newest seq, as far as this writer knows */
    int64_t last_log_ms;
    _Atomic uint64_t entries, failures;
    _Atomic int up;
};

static void failed(idrev_redis_t *p, const char *why)
{
    atomic_fetch_add(&p->failures, 1);
    atomic_store(&p->up, 0);
    redisFree(p->redis);
    p->redis = NULL;
    int64_t now = time_now_ms();
    if (now - p->last_log_ms >= LOG_EVERY_MS) {
        p->last_log_ms = now;
        log_kv(LOG_LEVEL_WARN,
               "identity revocations: Redis does not answer; gateways get them through the "
               "long-poll feed",
               "reason", why, "failures", LOG_INT(atomic_load(&p->failures)), NULL);
    }
}

/* The stream's newest seq (0: empty or missing). -1 on failure. */
static int64_t stream_head(idrev_redis_t *p)
{
    redisReply *r = redisCommand(p->redis, "XREVRANGE %s + - COUNT 1", IDREV_STREAM_KEY);
    int64_t seq = -1;
    if (r && r->type == REDIS_REPLY_ARRAY) {
        seq = 0;
        if (r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
            r->element[0]->elements >= 1 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
            seq = strtoll(r->element[0]->element[0]->str, NULL, 10);
    }
    freeReplyObject(r);
    return seq;
}

/* A stream ahead of the store's list was written from another list (a
 * store made anew, or another rampartd's): its ids would hide this list's
 * entries, so it is started again. 0, or -1 when Redis failed. */
static int restart_if_ahead(idrev_redis_t *p, int64_t head)
{
    int64_t seq = 0, pruned = 0;
    if (idrev_head(p->ctl->store, &seq, &pruned) != STORE_OK || head <= seq)
        return 0;
    log_kv(LOG_LEVEL_WARN,
           "identity revocations: the Redis stream is ahead of this store's list; writing it "
           "again",
           "stream_seq", LOG_INT(head), "store_seq", LOG_INT(seq), NULL);
    redisReply *r = redisCommand(p->redis, "DEL %s", IDREV_STREAM_KEY);
    int ok = r && r->type == REDIS_REPLY_INTEGER;
    freeReplyObject(r);
    p->published = 0;
    return ok ? 0 : -1;
}

typedef struct {
    idrev_t *v;
    size_t n;
    int more; /* entries beyond BATCH_MAX: next round at once */
} batch_t;

static int collect(void *ctx, const idrev_t *r)
{
    batch_t *b = ctx;
    if (b->n == BATCH_MAX)
        b->more = 1;
    else
        b->v[b->n++] = *r;
    return 0;
}

/* Appends what the stream lacks. 0, or -1 (Redis failed; logged). */
static int publish(idrev_redis_t *p, idrev_t *space)
{
    batch_t b = {space, 0, 0};
    if (idrev_since(p->ctl->store, p->published, collect, &b) != STORE_OK)
        return 0; /* the store's trouble is logged by the store; try next round */
    size_t sent = 0;
    for (size_t i = 0; i < b.n; i++) {
        char line[96], id[32];
        if (idrev_line_format(&b.v[i], line, sizeof(line)) < 0)
            continue;
        snprintf(id, sizeof(id), "%" PRId64 "-0", b.v[i].seq);
        redisAppendCommand(p->redis, "XADD %s MAXLEN ~ %d %s line %s", IDREV_STREAM_KEY,
                           IDREV_STREAM_MAXLEN, id, line);
        sent++;
    }
    for (size_t i = 0; i < sent; i++) {
        redisReply *r = NULL;
        if (redisGetReply(p->redis, (void **)&r) != REDIS_OK) {
            failed(p, p->redis->errstr);
            return -1;
        }
        /* "equal or smaller" id: another writer (a second rampartd on the
         * same store) published it first */
        int ok = r->type == REDIS_REPLY_STRING ||
                 (r->type == REDIS_REPLY_ERROR && strstr(r->str, "equal or smaller"));
        if (!ok) {
            char why[160];
            snprintf(why, sizeof(why), "%s", r->type == REDIS_REPLY_ERROR ? r->str : "XADD");
            freeReplyObject(r);
            failed(p, why);
            return -1;
        }
        freeReplyObject(r);
    }
    if (b.n) {
        p->published = b.v[b.n - 1].seq;
        atomic_fetch_add(&p->entries, sent);
    }
    if (b.more) {
        pthread_mutex_lock(&p->lock);
        p->pending = 1; /* more to send: no pause */
        pthread_mutex_unlock(&p->lock);
    }
    return 0;
}

static void *writer_main(void *arg)
{
    idrev_redis_t *p = arg;
    idrev_t *space = calloc(BATCH_MAX, sizeof(*space));
    pthread_mutex_lock(&p->lock);
    while (space && !p->stopping) {
        p->pending = 0;
        pthread_mutex_unlock(&p->lock);
        if (!p->redis) {
            char why[200] = "";
            p->redis = idrev_redis_connect(&p->addr, TIMEOUT_MS, why, sizeof(why));
            int64_t head = p->redis ? stream_head(p) : -1;
            if (head < 0) {
                failed(p, p->redis ? "XREVRANGE" : why);
            } else {
                if (!atomic_load(&p->up))
                    log_kv(LOG_LEVEL_INFO, "identity revocations: publishing to Redis", "host",
                           p->addr.host, "port", LOG_INT(p->addr.port), "stream_seq", LOG_INT(head),
                           NULL);
                atomic_store(&p->up, 1);
                p->published = head;
                if (head > 0 && restart_if_ahead(p, head))
                    failed(p, "DEL");
            }
        }
        if (p->redis)
            publish(p, space);
        pthread_mutex_lock(&p->lock);
        if (!p->pending && !p->stopping) {
            int64_t until = time_now_ms() + ROUND_MS;
            struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000L};
            pthread_cond_timedwait(&p->wake, &p->lock, &ts);
        }
    }
    pthread_mutex_unlock(&p->lock);
    free(space);
    return NULL;
}

idrev_redis_t *idrev_redis_start(ctl_t *ctl, const char *url, rp_error_t *err)
{
    idrev_redis_t *p = calloc(1, sizeof(*p));
    char why[160];
    if (!p || idrev_redis_parse_url(url, &p->addr, why, sizeof(why))) {
        snprintf(err->reason, sizeof(err->reason), "identity_redis: %s", p ? why : "out of memory");
        free(p);
        return NULL;
    }
    p->ctl = ctl;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL); /* CLOCK_REALTIME, like time_now_ms */
    if (pthread_create(&p->thread, NULL, writer_main, p)) {
        snprintf(err->reason, sizeof(err->reason), "identity_redis: cannot start a thread");
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void idrev_redis_notify(idrev_redis_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->pending = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void idrev_redis_stop(idrev_redis_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    int was = p->stopping;
    p->stopping = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (was)
        return;
    pthread_join(p->thread, NULL);
    redisFree(p->redis);
    p->redis = NULL;
}

void idrev_redis_free(idrev_redis_t *p)
{
    if (!p)
        return;
    idrev_redis_stop(p);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void idrev_redis_metrics(idrev_redis_t *p, strbuf_t *out)
{
    if (!p)
        return;
    strbuf_printf(out,
                  "# HELP rampartd_identity_redis_entries_total Revocations appended to the Redis "
                  "stream.\n# TYPE rampartd_identity_redis_entries_total counter\n"
                  "rampartd_identity_redis_entries_total %llu\n"
                  "# HELP rampartd_identity_redis_failures_total Failed Redis connections or "
                  "commands.\n# TYPE rampartd_identity_redis_failures_total counter\n"
                  "rampartd_identity_redis_failures_total %llu\n"
                  "# HELP rampartd_identity_redis_up 1 when the last Redis command succeeded.\n"
                  "# TYPE rampartd_identity_redis_up gauge\nrampartd_identity_redis_up %d\n",
                  (unsigned long long)atomic_load(&p->entries),
                  (unsigned long long)atomic_load(&p->failures), atomic_load(&p->up));
}
