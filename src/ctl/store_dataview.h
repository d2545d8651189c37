/*
 * store_dataview.h — the store's part for data visibility: the exposure
 * aggregate (exposure.h) and alerts (alerts.h), tables of migration 10
 * (store_dataview_schema.h), one SQL text for both backends (store_sql.h).
 */
#ifndef RAMPART_CTL_STORE_DATAVIEW_H
#define RAMPART_CTL_STORE_DATAVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define EXPOSURE_TEXT_MAX 256 /* app, path, roles */

/* One (app, path, class, roles, view) cell; values_seen and responses
 * are added to the stored row's, last_seen raised. */
typedef struct {
    char app[EXPOSURE_TEXT_MAX + 1], path[EXPOSURE_TEXT_MAX + 1], class_[33],
        roles[EXPOSURE_TEXT_MAX + 1], view[16];
    int64_t responses, values_seen, first_seen, last_seen;
} exposure_row_t;

typedef int (*exposure_cb)(void *ctx, const exposure_row_t *row);

/* Adds n cells in one transaction. */
int store_exposure_add(store_t *s, const exposure_row_t *rows, size_t n);
/* app NULL: every application. By app, path, class, roles, view. */
int store_exposure_list(store_t *s, const char *app, exposure_cb cb, void *ctx);

typedef struct {
    int64_t id;
    char rule[65], subject[EXPOSURE_TEXT_MAX + 1];
    int64_t window_start, window_seconds, threshold, hits, first_seen, last_seen;
    char state[8], acked_by[65];
    int64_t acked_at;
    char detail[1024]; /* a JSON object */
} alert_row_t;

typedef int (*alert_cb)(void *ctx, const alert_row_t *row);

/* Inserts a new alert (sets a->id). STORE_CONFLICT when one for (rule,
 * subject, window_start) exists already. */
int store_alert_raise(store_t *s, alert_row_t *a);
/* Raises hits and last_seen of the alert of (rule, subject, window). */
int store_alert_hits(store_t *s, const char *rule, const char *subject, int64_t window_start,
                     int64_t hits, int64_t last_seen);
/* state NULL: all; newest first; before_id 0 or a cursor. */
int store_alert_list(store_t *s, const char *state, int64_t before_id, int limit, alert_cb cb,
                     void *ctx);
int store_alert_get(store_t *s, int64_t id, alert_row_t *out);
/* open -> acked. STORE_NOT_FOUND when no such open alert. */
int store_alert_ack(store_t *s, int64_t id, const char *by, int64_t at);
int store_alert_open_count(store_t *s, int64_t *count);

#endif
