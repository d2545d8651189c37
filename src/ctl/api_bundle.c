/*
 * api_bundle.c — the distribution bundle for gateways, and the gateways'
 * check-ins.
 *
 * GET /api/v1/bundle?since=V[&wait=S][&gateway=ID&name=NAME&running=R&running_hash=H]
 * answers the latest bundle when its version is not V (newer, or older
 * after a store was reset: the gateway compares hashes), else waits up to
 * S seconds (long-poll, at most 25) for a newer one and answers 204 when
 * none came. A gateway token that names itself (gateway=ID) checks in
 * with every call: its id, name, the version and hash it runs, its
 * address and the time, shown by GET /api/v1/gateways.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_change.h"
#include "bundle.h"
#include "publisher.h"
#include "timefmt.h"

/* Below the HTTP server's 30 s inactivity timeout (http_server.c), so
 * a long-poll always answers before the connection could be dropped. */
#define MAX_WAIT_S 25

typedef struct {
    int woken;
} bundle_wait_t;

static void suspend_request(void *arg)
{
    http_suspend(arg);
}

static void wake_request(void *arg)
{
    http_resume(arg);
}

static int parse_int(const char *s, long long min, long long max, long long *out)
{
    if (!s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int valid_hash(const char *h)
{
    size_t n = strspn(h, "0123456789abcdef");
    return h[n] == '\0' && (n == 0 || n == 64);
}

/* Records a gateway token's check-in; 0, or -1 after replying 400. */
static int check_in(http_req_t *r, long long running, enum MHD_Result *rc)
{
    const char *id = http_query(r, "gateway");
    if (!id || r->who.kind != WHO_TOKEN || r->who.role != ROLE_GATEWAY)
        return 0;
    const char *name = http_query(r, "name");
    const char *hash = http_query(r, "running_hash");
    char why[160];
    if (!bundle_valid_name(id, why, sizeof(why)) ||
        (name && !bundle_valid_name(name, why, sizeof(why))) || (hash && !valid_hash(hash))) {
        *rc = http_reply_error(r, 400, "bad_request",
                               "gateway and name: 1-64 of A-Z a-z 0-9 . _ -; running_hash: 64 "
                               "lower-case hex digits");
        return -1;
    }
    store_gateway_t g;
    memset(&g, 0, sizeof(g));
    snprintf(g.id, sizeof(g.id), "%s", id);
    snprintf(g.name, sizeof(g.name), "%s", name ? name : id);
    g.running_version = running;
    snprintf(g.running_hash, sizeof(g.running_hash), "%s", hash ? hash : "");
    snprintf(g.address, sizeof(g.address), "%s", r->client);
    snprintf(g.token, sizeof(g.token), "%s", r->who.name);
    g.first_seen = g.last_seen = time_now_ms();
    int st = r->ctl->store->ops->gateway_checkin(r->ctl->store, &g);
    if (st != STORE_OK) {
        *rc = api_store_error(r, st);
        return -1;
    }
    return 0;
}

static enum MHD_Result reply_bundle(http_req_t *r, long long since)
{
    int64_t version;
    char hash[65];
    char *json = publisher_latest(r->ctl->publisher, &version, hash);
    if (!json)
        return http_reply_error(r, 503, "unavailable", "no bundle yet");
    if (version == since) {
        free(json);
        return http_reply(r, 204, NULL, NULL, 0);
    }
    char v[24];
    snprintf(v, sizeof(v), "%lld", (long long)version);
    http_add_header(r, "X-Bundle-Version", v);
    http_add_header(r, "X-Bundle-Hash", hash);
    return http_reply(r, 200, "application/json", json, strlen(json));
}

static void free_wait(void *state)
{
    free(state);
}

enum MHD_Result api_bundle_get(http_req_t *r)
{
    long long since = 0, wait_s = 0, running = 0;
    if (parse_int(http_query(r, "since"), 0, INT64_MAX, &since) ||
        parse_int(http_query(r, "wait"), 0, MAX_WAIT_S, &wait_s) ||
        parse_int(http_query(r, "running"), 0, INT64_MAX, &running))
        return http_reply_error(r, 400, "bad_request",
                                "since and running: versions (integers >= 0); wait: 0-25 seconds");
    if (r->state) /* resumed after a wait */
        return reply_bundle(r, since);
    enum MHD_Result rc;
    if (check_in(r, running, &rc))
        return rc;
    int64_t latest;
    char hash[65];
    free(publisher_latest(r->ctl->publisher, &latest, hash));
    if (wait_s == 0 || latest != since)
        return reply_bundle(r, since);
    bundle_wait_t *w = calloc(1, sizeof(*w));
    if (!w)
        return http_reply_error(r, 500, "internal", "out of memory");
    r->state = w;
    r->state_free = free_wait;
    int64_t deadline = time_now_ms() + wait_s * 1000;
    int waiting =
        publisher_wait(r->ctl->publisher, since, deadline, suspend_request, wake_request, r);
    if (waiting == 0)
        return MHD_YES; /* suspended; resumed by the publisher */
    return reply_bundle(r, since);
}

static int add_gateway(void *ctx, const store_gateway_t *g)
{
    json_t **arr = ctx;
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o}", "id", g->id, "name", g->name,
                          "running_version", (json_int_t)g->running_version, "running_hash",
                          g->running_hash, "address", g->address, "token", g->token, "first_seen",
                          api_time_json(g->first_seen), "last_seen", api_time_json(g->last_seen));
    json_array_append_new(arr[0], o);
    return 0;
}

enum MHD_Result api_gateways_list(http_req_t *r)
{
    json_t *list = json_array();
    json_t *ctx[1] = {list};
    int st = r->ctl->store->ops->gateway_list(r->ctl->store, add_gateway, ctx);
    if (st != STORE_OK) {
        json_decref(list);
        return api_store_error(r, st);
    }
    int64_t latest;
    char hash[65];
    free(publisher_latest(r->ctl->publisher, &latest, hash));
    int64_t now = time_now_ms();
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g)
    {
        int64_t seen = 0;
        time_parse_param(json_string_value(json_object_get(g, "last_seen")), &seen);
        json_object_set_new(
            g, "up_to_date",
            json_boolean(strcmp(json_string_value(json_object_get(g, "running_hash")), hash) == 0));
        json_object_set_new(g, "seconds_since_check_in", json_integer((now - seen) / 1000));
    }
    return http_reply_json(r, 200,
                           json_pack("{s:o, s:I, s:s}", "gateways", list, "latest_version",
                                     (json_int_t)latest, "latest_hash", hash));
}
