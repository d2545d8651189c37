/*
 * alerts.c — alert rules counted over committed events (see alerts.h).
 */
#include "alerts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_log.h"
#include "data_audit.h"
#include "ingest_queue.h"
#include "log.h"
#include "store_dataview.h"
#include "timefmt.h"

#define SUBJECT_MAX 128

typedef struct {
    int used;
    char rule[65];
    char subject[SUBJECT_MAX + 1];
    int64_t window_start, window_ms; /* ms since the epoch */
    int64_t hits, last_seen;
    int raised, dirty;
} counter_t;

struct alerts {
    counter_t *table;
    uint64_t untracked; /* since the last flush */
};

alerts_t *alerts_new(void)
{
    alerts_t *a = calloc(1, sizeof(*a));
    if (a)
        a->table = calloc(ALERTS_TRACKED, sizeof(counter_t));
    if (a && !a->table) {
        free(a);
        return NULL;
    }
    return a;
}

void alerts_free(alerts_t *a)
{
    if (!a)
        return;
    free(a->table);
    free(a);
}

int alerts_wanted(const ctl_config_t *cfg, const event_t *ev)
{
    if (!ev->category || !ev->raw)
        return 0;
    for (size_t i = 0; i < cfg->alert_rules.n; i++)
        if (strcmp(cfg->alert_rules.rule[i].category, ev->category) == 0)
            return 1;
    return 0;
}

static uint64_t fnv1a(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = a; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The counter of (rule, subject): the live one, else a free or expired
 * slot on the probe path; NULL when every probed slot is live. */
static counter_t *counter_for(alerts_t *a, const char *rule, const char *subject, int64_t now_ms)
{
    size_t start = (size_t)(fnv1a(rule, subject) % ALERTS_TRACKED);
    counter_t *reuse = NULL;
    for (size_t i = 0; i < 64; i++) {
        counter_t *c = &a->table[(start + i) % ALERTS_TRACKED];
        if (!c->used) {
            if (!reuse)
                reuse = c;
            break;
        }
        if (strcmp(c->rule, rule) == 0 && strcmp(c->subject, subject) == 0)
            return c;
        if (!reuse && !c->dirty && c->window_start + c->window_ms <= now_ms)
            reuse = c;
    }
    if (reuse) {
        memset(reuse, 0, sizeof(*reuse));
        reuse->used = 1;
        snprintf(reuse->rule, sizeof(reuse->rule), "%s", rule);
        snprintf(reuse->subject, sizeof(reuse->subject), "%s", subject);
    }
    return reuse;
}

/* The key of ev under rule r, "" when it has none. */
static void subject_of(const alert_rule_t *r, const event_t *ev, json_t *doc, char *out,
                       size_t size)
{
    out[0] = '\0';
    if (r->per == ALERT_PER_CLIENT) {
        snprintf(out, size, "%s", ev->client ? ev->client : "");
    } else if (r->per == ALERT_PER_APP) {
        snprintf(out, size, "%s", ev->app ? ev->app : "");
    } else if (doc) {
        json_t *user = data_audit_claim(json_object_get(doc, "data"), "user");
        snprintf(out, size, "%s", json_string_value(user));
        json_decref(user);
    }
}

/* How much ev adds under rule r (0: it does not match). */
static int64_t amount_of(const alert_rule_t *r, json_t *doc)
{
    json_t *data = json_object_get(doc, "data");
    if (r->view[0]) {
        const char *view = json_string_value(json_object_get(data, "view"));
        if (!view || strcmp(view, r->view) != 0)
            return 0;
    }
    if (!r->class_[0])
        return 1;
    json_t *n = json_object_get(json_object_get(data, "classes"), r->class_);
    return json_is_integer(n) && json_integer_value(n) > 0 ? json_integer_value(n) : 0;
}

/* The "alert" event of the live events view, through the ingest queue
 * (committed with the next batch). Dropped when the queue is full: the
 * alert row and the audit record hold it anyway. */
static void push_event(ctl_t *ctl, const alert_row_t *al, const char *app)
{
    char when[TIME_RFC3339_MAX], id[32], detail[512];
    time_format_rfc3339(time_now_ms(), when);
    snprintf(id, sizeof(id), "alert-%" PRId64, al->id);
    snprintf(detail, sizeof(detail), "%s: %s %" PRId64 " > %" PRId64 " in %" PRId64 " s", al->rule,
             al->subject, al->hits, al->threshold, al->window_seconds);
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:s, s:s, s:s, s:s, s:i}],"
                  " s:{s:I, s:s, s:s, s:I, s:I}}",
                  "time", when, "request_id", id, "app", app, "action", "log", "category", "alert",
                  "status", 0, "score", 0, "matches", "detector", "alert", "category", "alert",
                  "target", "rule", "detail", detail, "excerpt", "", "score", 0, "data", "alert_id",
                  (json_int_t)al->id, "rule", al->rule, "subject", al->subject, "hits",
                  (json_int_t)al->hits, "threshold", (json_int_t)al->threshold);
    char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    json_decref(ev);
    ingest_item_t *item = text ? ingest_item_new() : NULL;
    reject_reason_t why;
    if (item && event_parse(text, strlen(text), &item->ev, &why, NULL, 0) == 0) {
        item->kind = SOURCE_HTTP;
        item->source = "rampartd";
        item->received = time_now_ms();
        if (ingest_queue_try_push(&ctl->queue, item) == 0)
            item = NULL;
    }
    ingest_item_free(item);
    free(text);
}

static void raise_alert(ctl_t *ctl, const alert_rule_t *r, counter_t *c, const event_t *ev)
{
    alert_row_t al;
    memset(&al, 0, sizeof(al));
    snprintf(al.rule, sizeof(al.rule), "%s", r->name);
    snprintf(al.subject, sizeof(al.subject), "%s", c->subject);
    al.window_start = c->window_start;
    al.window_seconds = r->window_s;
    al.threshold = r->threshold;
    al.hits = c->hits;
    al.first_seen = al.last_seen = c->last_seen;
    json_t *detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "category", r->category, "class",
                               r->class_, "view", r->view, "per", alert_per_name(r->per), "app",
                               ev->app ? ev->app : "", "client", ev->client ? ev->client : "");
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(al.detail, sizeof(al.detail), "%s", text ? text : "{}");
    free(text);
    json_decref(detail);
    int rc = store_alert_raise(ctl->store, &al);
    c->raised = rc == STORE_OK || rc == STORE_CONFLICT;
    if (rc != STORE_OK) {
        if (rc != STORE_CONFLICT)
            log_kv(LOG_LEVEL_ERROR, "alert not stored; tried again with the next hit", "rule",
                   r->name, NULL);
        return;
    }
    json_t *rec =
        json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "alert_id", (json_int_t)al.id, "rule",
                  al.rule, "subject", al.subject, "hits", (json_int_t)al.hits, "threshold",
                  (json_int_t)al.threshold, "window_start", (json_int_t)al.window_start,
                  "window_seconds", (json_int_t)al.window_seconds);
    char *rec_text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(rec);
    audit_entry_t e = {
        .actor = "rampartd",
        .action = "alert.raised",
        .client = ev->client,
        .target = al.rule,
        .outcome = "success",
        .detail = rec_text,
    };
    if (ctl->audit)
        audit_log_append(ctl->audit, &e, NULL);
    free(rec_text);
    log_kv(LOG_LEVEL_WARN, "alert raised", "rule", al.rule, "subject", al.subject, "hits",
           LOG_INT(al.hits), NULL);
    push_event(ctl, &al, ev->app ? ev->app : "");
}

void alerts_observe(alerts_t *a, ctl_t *ctl, const ctl_config_t *cfg, const event_t *ev,
                    json_t *doc)
{
    if (!a || !ev->category)
        return;
    for (size_t i = 0; i < cfg->alert_rules.n; i++) {
        const alert_rule_t *r = &cfg->alert_rules.rule[i];
        if (strcmp(r->category, ev->category) != 0)
            continue;
        int64_t amount = amount_of(r, doc);
        char subject[SUBJECT_MAX + 1];
        subject_of(r, ev, doc, subject, sizeof(subject));
        if (amount <= 0 || !subject[0])
            continue;
        int64_t window_ms = r->window_s * 1000;
        int64_t window_start = ev->ts - ev->ts % window_ms;
        counter_t *c = counter_for(a, r->name, subject, ev->ts);
        if (!c) {
            a->untracked++;
            continue;
        }
        if (c->window_start != window_start || c->window_ms != window_ms) {
            if (c->hits && window_start < c->window_start)
                continue; /* a late event of a window already left behind */
            if (c->dirty) /* the last hits of the window that ends */
                store_alert_hits(ctl->store, c->rule, c->subject, c->window_start, c->hits,
                                 c->last_seen);
            c->window_start = window_start;
            c->window_ms = window_ms;
            c->hits = 0;
            c->raised = c->dirty = 0;
        }
        c->hits += amount;
        if (ev->ts > c->last_seen)
            c->last_seen = ev->ts;
        if (c->raised)
            c->dirty = 1;
        else if (c->hits > r->threshold)
            raise_alert(ctl, r, c, ev);
    }
}

void alerts_flush(alerts_t *a, ctl_t *ctl)
{
    if (!a)
        return;
    for (size_t i = 0; i < ALERTS_TRACKED; i++) {
        counter_t *c = &a->table[i];
        if (!c->dirty)
            continue;
        if (store_alert_hits(ctl->store, c->rule, c->subject, c->window_start, c->hits,
                             c->last_seen) == STORE_OK)
            c->dirty = 0;
    }
    if (a->untracked) {
        log_kv(LOG_LEVEL_WARN, "alerts: counters full; keys not counted", "keys",
               LOG_INT(a->untracked), NULL);
        a->untracked = 0;
    }
}
