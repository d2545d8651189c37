/*
 * store_dataview.c — exposure and alerts in the store (see
 * store_dataview.h), one SQL text for both backends.
 */
#include "store_dataview.h"

#include <stdio.h>
#include <string.h>

#include "store_sql.h"

#define RUN(text, p, cb, ctx, changed)                                                             \
    s->sql->run(s, NULL, (text), (p), (int)(sizeof(p) / sizeof((p)[0])), (cb), (ctx), (changed))

#define COPY(field, row, col) snprintf((field), sizeof(field), "%s", store_sql_text((row), (col)))

/* ---- exposure ------------------------------------------------------------ */

typedef struct {
    const exposure_row_t *rows;
    size_t n;
} exposure_rows_t;

static int exposure_add_body(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    static const char sql[] =
        "INSERT INTO data_exposure (app, path, class, roles, view, responses, values_seen,"
        " first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (app, path, class, roles, view) DO UPDATE SET"
        " responses = data_exposure.responses + excluded.responses,"
        " values_seen = data_exposure.values_seen + excluded.values_seen,"
        " last_seen = CASE WHEN excluded.last_seen > data_exposure.last_seen"
        " THEN excluded.last_seen ELSE data_exposure.last_seen END";
    const exposure_rows_t *b = ctx;
    for (size_t i = 0; i < b->n; i++) {
        const exposure_row_t *r = &b->rows[i];
        store_sql_val_t p[] = {SQL_T(r->app),         SQL_T(r->path),       SQL_T(r->class_),
                               SQL_T(r->roles),       SQL_T(r->view),       SQL_I(r->responses),
                               SQL_I(r->values_seen), SQL_I(r->first_seen), SQL_I(r->last_seen)};
        int rc = s->sql->run(s, tx, sql, p, (int)(sizeof(p) / sizeof(p[0])), NULL, NULL, NULL);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

int store_exposure_add(store_t *s, const exposure_row_t *rows, size_t n)
{
    exposure_rows_t b = {rows, n};
    return n ? s->sql->transaction(s, exposure_add_body, &b) : STORE_OK;
}

typedef struct {
    exposure_cb cb;
    void *ctx;
} exposure_each_t;

static int exposure_each(void *ctx, const store_sql_row_t *row)
{
    exposure_each_t *e = ctx;
    exposure_row_t r;
    memset(&r, 0, sizeof(r));
    COPY(r.app, row, 0);
    COPY(r.path, row, 1);
    COPY(r.class_, row, 2);
    COPY(r.roles, row, 3);
    COPY(r.view, row, 4);
    r.responses = store_sql_int(row, 5);
    r.values_seen = store_sql_int(row, 6);
    r.first_seen = store_sql_int(row, 7);
    r.last_seen = store_sql_int(row, 8);
    return e->cb(e->ctx, &r);
}

int store_exposure_list(store_t *s, const char *app, exposure_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT app, path, class, roles, view, responses, values_seen, first_seen, last_seen"
        " FROM data_exposure WHERE ($1 = '' OR app = $1)"
        " ORDER BY app, path, class, roles, view LIMIT 5000";
    store_sql_val_t p[] = {SQL_T(app ? app : "")};
    exposure_each_t e = {cb, ctx};
    return RUN(sql, p, exposure_each, &e, NULL);
}

/* ---- alerts -------------------------------------------------------------- */

#define ALERT_COLUMNS                                                                              \
    "id, rule, subject, window_start, window_seconds, threshold, hits, first_seen, last_seen,"     \
    " state, acked_by, acked_at, detail"

static void alert_from(const store_sql_row_t *row, alert_row_t *a)
{
    memset(a, 0, sizeof(*a));
    a->id = store_sql_int(row, 0);
    COPY(a->rule, row, 1);
    COPY(a->subject, row, 2);
    a->window_start = store_sql_int(row, 3);
    a->window_seconds = store_sql_int(row, 4);
    a->threshold = store_sql_int(row, 5);
    a->hits = store_sql_int(row, 6);
    a->first_seen = store_sql_int(row, 7);
    a->last_seen = store_sql_int(row, 8);
    COPY(a->state, row, 9);
    COPY(a->acked_by, row, 10);
    a->acked_at = store_sql_int(row, 11);
    COPY(a->detail, row, 12);
}

static int one_id(void *ctx, const store_sql_row_t *row)
{
    *(int64_t *)ctx = store_sql_int(row, 0);
    return 1;
}

int store_alert_raise(store_t *s, alert_row_t *a)
{
    static const char sql[] =
        "INSERT INTO alerts (rule, subject, window_start, window_seconds, threshold, hits,"
        " first_seen, last_seen, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (rule, subject, window_start) DO NOTHING RETURNING id";
    store_sql_val_t p[] = {SQL_T(a->rule),           SQL_T(a->subject),   SQL_I(a->window_start),
                           SQL_I(a->window_seconds), SQL_I(a->threshold), SQL_I(a->hits),
                           SQL_I(a->first_seen),     SQL_I(a->last_seen), SQL_T(a->detail)};
    a->id = 0;
    int rc = RUN(sql, p, one_id, &a->id, NULL);
    if (rc == STORE_OK && a->id == 0)
        return STORE_CONFLICT;
    snprintf(a->state, sizeof(a->state), "open");
    return rc;
}

int store_alert_hits(store_t *s, const char *rule, const char *subject, int64_t window_start,
                     int64_t hits, int64_t last_seen)
{
    static const char sql[] =
        "UPDATE alerts SET hits = $4, last_seen = $5"
        " WHERE rule = $1 AND subject = $2 AND window_start = $3 AND hits < $4";
    store_sql_val_t p[] = {SQL_T(rule), SQL_T(subject), SQL_I(window_start), SQL_I(hits),
                           SQL_I(last_seen)};
    return RUN(sql, p, NULL, NULL, NULL);
}

typedef struct {
    alert_cb cb;
    void *ctx;
} alert_each_t;

static int alert_each(void *ctx, const store_sql_row_t *row)
{
    alert_each_t *e = ctx;
    alert_row_t a;
    alert_from(row, &a);
    return e->cb(e->ctx, &a);
}

int store_alert_list(store_t *s, const char *state, int64_t before_id, int limit, alert_cb cb,
                     void *ctx)
{
    static const char sql[] = "SELECT " ALERT_COLUMNS " FROM alerts"
                              " WHERE ($1 = '' OR state = $1) AND ($2 = 0 OR id < $2)"
                              " ORDER BY id DESC LIMIT $3";
    store_sql_val_t p[] = {SQL_T(state ? state : ""), SQL_I(before_id), SQL_I(limit)};
    alert_each_t e = {cb, ctx};
    return RUN(sql, p, alert_each, &e, NULL);
}

static int alert_one(void *ctx, const store_sql_row_t *row)
{
    alert_from(row, ctx);
    return 1;
}

int store_alert_get(store_t *s, int64_t id, alert_row_t *out)
{
    static const char sql[] = "SELECT " ALERT_COLUMNS " FROM alerts WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id)};
    out->id = 0;
    int rc = RUN(sql, p, alert_one, out, NULL);
    return rc == STORE_OK && out->id == 0 ? STORE_NOT_FOUND : rc;
}

int store_alert_ack(store_t *s, int64_t id, const char *by, int64_t at)
{
    static const char sql[] = "UPDATE alerts SET state = 'acked', acked_by = $2, acked_at = $3"
                              " WHERE id = $1 AND state = 'open'";
    store_sql_val_t p[] = {SQL_I(id), SQL_T(by), SQL_I(at)};
    int64_t changed = 0;
    int rc = RUN(sql, p, NULL, NULL, &changed);
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

int store_alert_open_count(store_t *s, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM alerts WHERE state = 'open'";
    *count = 0;
    return s->sql->run(s, NULL, sql, NULL, 0, one_id, count, NULL);
}
