/*
 * sync_revredis.c — the revocation stream's reader in `rampart sync` (see
 * sync_revredis.h).
 */
#include "sync_revredis.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idrev_stream.h"

#define CONNECT_MS  1000
#define BLOCK_MS    1000 /* XREAD BLOCK: also how soon a stop is noticed */
#define COMMAND_MS  (BLOCK_MS + 2000)
#define READ_COUNT  1000
#define LOG_EVERY_S 10
#define RETRY_PAUSE 1

struct sync_revredis {
    idrev_redis_addr_t addr;
    sync_identity_t *identity;
    pthread_t thread;
    atomic_int stop;
    redisContext *redis;
    unsigned long long failures;
    time_t last_log;
    idrev_t batch[READ_COUNT];
};

static void failed(sync_revredis_t *r, const char *why)
{
    r->failures++;
    redisFree(r->redis);
    r->redis = NULL;
    time_t now = time(NULL);
    if (now - r->last_log >= LOG_EVERY_S) {
        r->last_log = now;
        char detail[300];
        snprintf(detail, sizeof(detail), "%s (%llu failures); revocations come through the feed",
                 why, r->failures);
        sync_identity_say("warn", "revocation stream: Redis does not answer", detail);
    }
}

/* The entries of one XREAD answer: [[key, [[id, [field, value, ...]], ...]]].
 * Entries that do not parse are skipped (and logged): the file never gets a
 * line the gateway would refuse. Returns how many went into r->batch; *last
 * is the seq of the last id read, parsed or not, so a bad entry is read once. */
static size_t take_entries(sync_revredis_t *r, const redisReply *rep, long long *last)
{
    size_t n = 0;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 1 ||
        rep->element[0]->type != REDIS_REPLY_ARRAY || rep->element[0]->elements != 2)
        return 0;
    const redisReply *list = rep->element[0]->element[1];
    for (size_t i = 0; list->type == REDIS_REPLY_ARRAY && i < list->elements && n < READ_COUNT;
         i++) {
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        long long seq = strtoll(e->element[0]->str, NULL, 10);
        if (seq > *last)
            *last = seq;
        const redisReply *fields = e->element[1];
        const redisReply *line = NULL;
        for (size_t f = 0; f + 1 < fields->elements; f += 2)
            if (fields->element[f]->type == REDIS_REPLY_STRING &&
                strcmp(fields->element[f]->str, "line") == 0 &&
                fields->element[f + 1]->type == REDIS_REPLY_STRING)
                line = fields->element[f + 1];
        if (line && idrev_entry_parse(e->element[0]->str, line->str, line->len, &r->batch[n]) == 0)
            n++;
        else
            sync_identity_say("warn", "revocation stream: an entry that does not parse, skipped",
                              e->element[0]->str);
    }
    return n;
}

static void *reader_main(void *arg)
{
    sync_revredis_t *r = arg;
    long long cursor = 0, file_seq = 0;
    while (!atomic_load(&r->stop)) {
        if (!r->redis) {
            char why[200] = "";
            r->redis = idrev_redis_connect(&r->addr, CONNECT_MS, why, sizeof(why));
            if (!r->redis) {
                failed(r, why);
                sleep(RETRY_PAUSE);
                continue;
            }
            struct timeval tv = {.tv_sec = COMMAND_MS / 1000, .tv_usec = 0};
            redisSetTimeout(r->redis, tv);
            sync_identity_say("info", "revocation stream: reading from Redis", r->addr.host);
        }
        /* the file's seq went down: a whole new list (another store); the
         * stream is read again from there */
        long long from = sync_identity_seq(r->identity);
        if (from < file_seq)
            cursor = 0;
        file_seq = from;
        if (cursor > from)
            from = cursor;
        char id[32];
        snprintf(id, sizeof(id), "%lld-0", from);
        redisReply *rep = redisCommand(r->redis, "XREAD COUNT %d BLOCK %d STREAMS %s %s",
                                       READ_COUNT, BLOCK_MS, IDREV_STREAM_KEY, id);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            char why[200];
            snprintf(why, sizeof(why), "%s", rep ? rep->str : r->redis->errstr);
            freeReplyObject(rep);
            failed(r, why);
            sleep(RETRY_PAUSE);
            continue;
        }
        size_t n = take_entries(r, rep, &cursor);
        freeReplyObject(rep);
        if (n)
            sync_identity_merge(r->identity, r->batch, n);
    }
    redisFree(r->redis);
    r->redis = NULL;
    return NULL;
}

sync_revredis_t *sync_revredis_start(const char *url, sync_identity_t *identity)
{
    sync_revredis_t *r = calloc(1, sizeof(*r));
    char why[160] = "out of memory";
    if (!r || idrev_redis_parse_url(url, &r->addr, why, sizeof(why))) {
        sync_identity_say("error", "--redis", why);
        free(r);
        return NULL;
    }
    r->identity = identity;
    if (pthread_create(&r->thread, NULL, reader_main, r)) {
        sync_identity_say("error", "--redis", "cannot start a thread");
        free(r);
        return NULL;
    }
    return r;
}

void sync_revredis_stop(sync_revredis_t *r)
{
    if (!r)
        return;
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    free(r);
}
