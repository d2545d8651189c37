/*
 * store_pg_counts.c — per-day event counts for the top-N aggregations.
 *
 * Top client addresses over millions of events cannot be fast if every
 * query counts the events again. So the ingest writer also counts, per
 * batch, every (dimension, day, key) it stores — client, path, app,
 * category, action and each rule key — and adds the counts to
 * event_day_counts in the batch's own transaction: the counts are exactly
 * those of the committed events, never ahead or behind. A top-N over a
 * time range with no other filter then reads the whole days inside the
 * range from event_day_counts (thousands of rows, not millions) and counts
 * only the partial days at either end from the events themselves.
 * Retention deletes a day's counts with its partition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_pg_t.h"

#define DAY_MS 86400000LL

void pg_counts_reset(pg_counts_t *c)
{
    if (c->slots)
        memset(c->slots, 0, c->cap * sizeof(*c->slots));
    c->used = 0;
    c->keys.len = 0;
    c->keys.failed = 0;
}

void pg_counts_free(pg_counts_t *c)
{
    free(c->slots);
    strbuf_free(&c->keys);
    memset(c, 0, sizeof(*c));
}

static uint32_t hash_of(int dim, int64_t day, const char *key, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    h = (h ^ (uint32_t)dim) * 16777619u;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint32_t)((uint64_t)day >> (8 * i) & 0xff)) * 16777619u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    return h;
}

static int grow(pg_counts_t *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 4096;
    pg_count_t *slots = calloc(ncap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].n)
            continue;
        size_t j = c->slots[i].hash & (ncap - 1);
        while (slots[j].n)
            j = (j + 1) & (ncap - 1);
        slots[j] = c->slots[i];
    }
    free(c->slots);
    c->slots = slots;
    c->cap = ncap;
    return 0;
}

static int count(pg_counts_t *c, int dim, int64_t day, const char *key, size_t len)
{
    if ((c->used + 1) * 2 > c->cap && grow(c))
        return -1;
    uint32_t h = hash_of(dim, day, key, len);
    size_t j = h & (c->cap - 1);
    for (; c->slots[j].n; j = (j + 1) & (c->cap - 1)) {
        pg_count_t *e = &c->slots[j];
        if (e->hash == h && e->dim == dim && e->day == day && e->key_len == len &&
            memcmp(c->keys.data + e->key_at, key, len) == 0) {
            e->n++;
            return 0;
        }
    }
    size_t at = c->keys.len;
    strbuf_append(&c->keys, key, len);
    if (c->keys.failed)
        return -1;
    c->slots[j] = (pg_count_t){
        .hash = h, .key_len = (uint32_t)len, .key_at = at, .dim = dim, .day = day, .n = 1};
    c->used++;
    return 0;
}

int pg_counts_add(pg_counts_t *c, const event_t *ev, int64_t day)
{
    const char *const one[] = {
        [STORE_TOP_CLIENT] = ev->client,
        [STORE_TOP_APP] = ev->app,
        [STORE_TOP_CATEGORY] = ev->category,
        [STORE_TOP_ACTION] = ev->action,
        [STORE_TOP_RULE] = NULL,
        [STORE_TOP_PATH] = NULL,
    };
    int rc = 0;
    for (int dim = 0; dim < STORE_TOP_COUNT; dim++)
        if (one[dim])
            rc |= count(c, dim, day, one[dim], strlen(one[dim]));
    if (ev->uri)
        rc |= count(c, STORE_TOP_PATH, day, ev->uri, ev->path_len);
    for (size_t i = 0; i < ev->n_rules; i++)
        rc |= count(c, STORE_TOP_RULE, day, ev->rules[i], strlen(ev->rules[i]));
    return rc ? -1 : 0;
}

/* An array element in double quotes, '"' and '\' escaped (PostgreSQL's
 * array input syntax). */
static void quoted(strbuf_t *b, const char *s, size_t n)
{
    strbuf_append(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            strbuf_append(b, s + start, i - start);
            strbuf_append(b, "\\", 1);
            start = i;
        }
    }
    strbuf_append(b, s + start, n - start);
    strbuf_append(b, "\"", 1);
}

int pg_counts_flush(pg_counts_t *c, const pg_store_t *s, pg_conn_t *conn)
{
    static const char sql[] =
        "INSERT INTO event_day_counts AS c (dim, day, key, n)"
        " SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[], $4::bigint[])"
        " ON CONFLICT (dim, day, key) DO UPDATE SET n = c.n + excluded.n";
    if (c->used == 0)
        return STORE_OK;
    strbuf_t arr[4];
    for (int i = 0; i < 4; i++) {
        strbuf_init(&arr[i], 0);
        strbuf_append(&arr[i], "{", 1);
    }
    int first = 1;
    for (size_t i = 0; i < c->cap; i++) {
        const pg_count_t *e = &c->slots[i];
        if (!e->n)
            continue;
        const char *sep = first ? "" : ",";
        strbuf_printf(&arr[0], "%s%d", sep, e->dim);
        strbuf_printf(&arr[1], "%s%lld", sep, (long long)e->day);
        strbuf_puts(&arr[2], sep);
        quoted(&arr[2], c->keys.data + e->key_at, e->key_len);
        strbuf_printf(&arr[3], "%s%lld", sep, (long long)e->n);
        first = 0;
    }
    int failed = 0;
    for (int i = 0; i < 4; i++) {
        strbuf_append(&arr[i], "}", 1);
        failed |= arr[i].failed;
    }
    int rc = STORE_ERROR;
    if (!failed) {
        pg_param_t p[] = {PG_TEXT(arr[0].data), PG_TEXT(arr[1].data), PG_TEXT(arr[2].data),
                          PG_TEXT(arr[3].data)};
        PQclear(pg_run(s, conn, sql, 0, p, 4, &rc, "ingest day counts"));
    } else {
        log_kv(LOG_LEVEL_ERROR, "ingest batch: out of memory", NULL);
    }
    for (int i = 0; i < 4; i++)
        strbuf_free(&arr[i]);
    return rc;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && a < 0);
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return a / b + (a % b != 0 && a > 0);
}

int pg_counts_top(store_t *base, const store_filter_t *f, store_top_t what, int n, pg_row_cb cb,
                  void *ctx)
{
    if (f->app || f->client || f->category || f->action || f->rule || f->text)
        return STORE_NOT_FOUND;
    int64_t full_from = ceil_div(f->from, DAY_MS), full_to = floor_div(f->to, DAY_MS);
    if (full_from >= full_to)
        return STORE_NOT_FOUND; /* no whole day: the events alone answer */
    const char *col = pg_top_columns[what];
    const char *join = what == STORE_TOP_RULE ? pg_top_rule_join : "";
    char sql[1400];
    snprintf(sql, sizeof(sql),
             "SELECT key, sum(n)::bigint AS n FROM ("
             "SELECT key, n FROM event_day_counts WHERE dim = $1 AND day >= $2 AND day < $3"
             " UNION ALL SELECT %s COLLATE \"C\", count(*) FROM events e%s"
             " WHERE e.ts >= $4::bigint AND e.ts < $5::bigint AND %s IS NOT NULL GROUP BY 1"
             " UNION ALL SELECT %s COLLATE \"C\", count(*) FROM events e%s"
             " WHERE e.ts >= $6::bigint AND e.ts < $7::bigint AND %s IS NOT NULL GROUP BY 1"
             ") t GROUP BY key ORDER BY n DESC, key LIMIT $8::bigint",
             col, join, col, col, join, col);
    pg_param_t p[] = {PG_INT(what),
                      PG_INT(full_from),
                      PG_INT(full_to),
                      PG_INT(f->from),
                      PG_INT(full_from * DAY_MS),
                      PG_INT(full_to * DAY_MS),
                      PG_INT(f->to),
                      PG_INT(n)};
    return pg_each(base, sql, 1, p, 8, cb, ctx, "top events");
}
