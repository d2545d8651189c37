/*
 * publisher.c — the bundle's builder and its long-poll waiters (see
 * publisher.h).
 */
#include "publisher.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "log.h"
#include "timefmt.h"

#define TICK_MS 250

typedef struct waiter {
    void (*wake)(void *);
    void *arg;
    int64_t deadline_ms;
    struct waiter *next;
} waiter_t;

struct publisher {
    store_t *store;
    pthread_mutex_t lock;
    pthread_cond_t tick;
    pthread_t ticker;
    int ticker_running;
    int stopping;
    /* the latest bundle */
    int64_t version;
    char hash[65];
    char *json;
    char *content; /* canonical apps + policies, to tell whether anything changed */
    waiter_t *waiters;
};

/* ---- building --------------------------------------------------------- */

typedef struct {
    store_t *store;
    json_t *apps, *policies;
    int rc;
} build_t;

static int add_policy(void *ctx, const store_policy_version_t *v)
{
    json_t *p = ctx;
    json_object_set_new(p, "version", json_integer(v->version));
    json_object_set_new(p, "text", json_string(v->text ? v->text : ""));
    return 0;
}

static int add_app(void *ctx, const store_app_t *a)
{
    build_t *b = ctx;
    json_t *switches = json_loads(a->switches, 0, NULL);
    if (!json_is_object(switches)) {
        json_decref(switches);
        switches = json_object();
    }
    char why[160];
    if (bundle_switches_complete(switches, why, sizeof(why)) != 0)
        log_kv(LOG_LEVEL_WARN, "stored switches invalid; defaults used", "app", a->name, "reason",
               why, NULL);
    json_t *app =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", a->name, "host", a->host, "path_prefix",
                  a->path_prefix, "upstream", a->upstream, "policy",
                  a->policy[0] ? json_string(a->policy) : json_null(), "switches", switches);
    if (!app || json_array_append_new(b->apps, app) != 0) {
        b->rc = STORE_ERROR;
        return 1;
    }
    if (a->policy[0] && !bundle_has_policy(b->policies, a->policy)) {
        json_t *p = json_pack("{s:s}", "name", a->policy);
        int rc = p ? b->store->ops->policy_version_get(b->store, a->policy, 0, add_policy, p)
                   : STORE_ERROR;
        if (rc != STORE_OK || json_array_append_new(b->policies, p) != 0) {
            b->rc = rc != STORE_OK ? rc : STORE_ERROR;
            return 1;
        }
    }
    return 0;
}

/* The content of a bundle (apps and the policies they use) from the
 * store, as an object {"apps":[...],"policies":[...]}. */
static json_t *build_content(store_t *store, int *rc)
{
    build_t b = {store, json_array(), json_array(), STORE_OK};
    json_t *content = json_pack("{s:o, s:o}", "apps", b.apps, "policies", b.policies);
    if (!content) {
        *rc = STORE_ERROR;
        return NULL;
    }
    *rc = store->ops->app_list(store, add_app, &b);
    if (*rc == STORE_OK)
        *rc = b.rc;
    if (*rc != STORE_OK) {
        json_decref(content);
        return NULL;
    }
    return content;
}

static char *canonical(json_t *obj)
{
    return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
}

/* ---- waiters ---------------------------------------------------------- */

/* Wakes the waiters for which `all` or their deadline says so; lock held. */
static void wake_waiters(publisher_t *p, int all)
{
    int64_t now = time_now_ms();
    waiter_t **w = &p->waiters;
    while (*w) {
        waiter_t *cur = *w;
        if (all || cur->deadline_ms <= now) {
            *w = cur->next;
            cur->wake(cur->arg);
            free(cur);
        } else {
            w = &cur->next;
        }
    }
}

static void *ticker_main(void *arg)
{
    publisher_t *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->tick, &p->lock, &ts);
        wake_waiters(p, 0);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int publisher_wait(publisher_t *p, int64_t since, int64_t deadline_ms, void (*before_wait)(void *),
                   void (*wake)(void *), void *arg)
{
    pthread_mutex_lock(&p->lock);
    if (p->version > since) {
        pthread_mutex_unlock(&p->lock);
        return 1;
    }
    waiter_t *w = p->stopping ? NULL : malloc(sizeof(*w));
    if (!w) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    *w = (waiter_t){wake, arg, deadline_ms, p->waiters};
    before_wait(arg);
    p->waiters = w;
    pthread_mutex_unlock(&p->lock);
    return 0;
}

/* ---- publishing ------------------------------------------------------- */

static int store_latest(void *ctx, const store_bundle_t *b)
{
    publisher_t *p = ctx;
    json_t *obj = json_loads(b->json, 0, NULL);
    json_t *content = obj ? json_pack("{s:O, s:O}", "apps", json_object_get(obj, "apps"),
                                      "policies", json_object_get(obj, "policies"))
                          : NULL;
    p->version = b->version;
    snprintf(p->hash, sizeof(p->hash), "%s", b->hash);
    p->json = strdup(b->json);
    p->content = content ? canonical(content) : NULL;
    json_decref(content);
    json_decref(obj);
    return 0;
}

/* Under p->lock. */
static int publish_locked(publisher_t *p)
{
    int rc;
    json_t *content = build_content(p->store, &rc);
    if (!content)
        return rc;
    char *key = canonical(content);
    if (!key) {
        json_decref(content);
        return STORE_ERROR;
    }
    if (p->content && strcmp(key, p->content) == 0) {
        free(key);
        json_decref(content);
        return STORE_OK;
    }
    int64_t version;
    rc = p->store->ops->bundle_next_version(p->store, &version);
    char created[TIME_RFC3339_MAX];
    time_format_rfc3339(time_now_ms(), created);
    json_object_set_new(content, "format", json_integer(BUNDLE_FORMAT));
    json_object_set_new(content, "version", json_integer(version));
    json_object_set_new(content, "created", json_string(created));
    store_bundle_t b = {.version = version, .created = time_now_ms()};
    char *text = NULL;
    if (rc == STORE_OK && bundle_hash(content, b.hash) == 0) {
        json_object_set_new(content, "hash", json_string(b.hash));
        text = canonical(content);
    }
    json_decref(content);
    if (rc == STORE_OK && !text)
        rc = STORE_ERROR;
    if (rc == STORE_OK) {
        b.json = text;
        rc = p->store->ops->bundle_publish(p->store, &b);
    }
    if (rc != STORE_OK) {
        free(text);
        free(key);
        return rc;
    }
    free(p->json);
    free(p->content);
    p->json = text;
    p->content = key;
    p->version = version;
    memcpy(p->hash, b.hash, sizeof(p->hash));
    log_kv(LOG_LEVEL_INFO, "bundle published", "version", LOG_INT(version), "hash", b.hash, NULL);
    wake_waiters(p, 1);
    return STORE_OK;
}

int publisher_publish(publisher_t *p, int64_t *version)
{
    pthread_mutex_lock(&p->lock);
    int rc = publish_locked(p);
    if (version)
        *version = p->version;
    pthread_mutex_unlock(&p->lock);
    return rc;
}

char *publisher_latest(publisher_t *p, int64_t *version, char hash[65])
{
    pthread_mutex_lock(&p->lock);
    char *json = p->json ? strdup(p->json) : NULL;
    *version = p->version;
    memcpy(hash, p->hash, 65);
    pthread_mutex_unlock(&p->lock);
    return json;
}

publisher_t *publisher_start(store_t *store, rp_error_t *err)
{
    publisher_t *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    p->store = store;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->tick, NULL);
    int rc = store->ops->bundle_latest(store, store_latest, p);
    if (rc == STORE_OK || rc == STORE_NOT_FOUND)
        rc = publish_locked(p);
    if (rc != STORE_OK || !p->json) {
        snprintf(err->reason, sizeof(err->reason), "cannot publish the distribution bundle");
        publisher_free(p);
        return NULL;
    }
    if (pthread_create(&p->ticker, NULL, ticker_main, p) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start a thread: %s", strerror(errno));
        publisher_free(p);
        return NULL;
    }
    p->ticker_running = 1;
    return p;
}

void publisher_stop(publisher_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    wake_waiters(p, 1);
    pthread_cond_signal(&p->tick);
    pthread_mutex_unlock(&p->lock);
    if (p->ticker_running)
        pthread_join(p->ticker, NULL);
    p->ticker_running = 0;
}

void publisher_free(publisher_t *p)
{
    if (!p)
        return;
    publisher_stop(p);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->tick);
    free(p->json);
    free(p->content);
    free(p);
}
