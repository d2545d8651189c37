/*
 * store_sqlite_events.c — events in SQLite: the ingest writer, queries,
 * aggregations, file checkpoints and retention.
 *
 * Filters become a WHERE clause built from fixed fragments with one "?"
 * per value; values are bound, never spliced into the SQL. Pagination is
 * keyset on (ts DESC, id DESC): a cursor names the last row seen, so pages
 * stay stable while new events arrive (an offset would shift them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_sqlite_t.h"
#include "strbuf.h"

/* ------------------------------------------------------------------ */
/* the writer                                                          */

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_insert_event[] =
    "INSERT INTO events(ts, received, source, request_id, app, host, client, method, uri, path,"
    " action, status, category, score, rules, raw)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char sql_insert_rule[] =
    "INSERT OR IGNORE INTO event_rules(rule, ts, event_id) VALUES (?1, ?2, ?3)";
static const char sql_upsert_checkpoint[] =
    "INSERT INTO ingest_checkpoints(source, dev, inode, fp, fp_len, offset, updated)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%s', 'now') * 1000)"
    " ON CONFLICT(source) DO UPDATE SET dev = excluded.dev, inode = excluded.inode,"
    " fp = excluded.fp, fp_len = excluded.fp_len, offset = excluded.offset,"
    " updated = excluded.updated";

/* The rule keys as a JSON array of strings (escaped per RFC 8259), which
 * SQLite's json_each() can expand for aggregations. */
#define RULES_JSON_MAX (EVENT_MAX_RULES * (EVENT_RULE_MAX * 6 + 3) + 3)

static size_t rules_json(const event_t *ev, char *out)
{
    size_t o = 0;
    out[o++] = '[';
    for (size_t i = 0; i < ev->n_rules; i++) {
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (const unsigned char *p = (const unsigned char *)ev->rules[i]; *p; p++) {
            if (*p == '"' || *p == '\\') {
                out[o++] = '\\';
                out[o++] = (char)*p;
            } else if (*p < 0x20) {
                o += (size_t)snprintf(out + o, 7, "\\u%04x", *p);
            } else {
                out[o++] = (char)*p;
            }
        }
        out[o++] = '"';
    }
    out[o++] = ']';
    out[o] = '\0';
    return o;
}

static store_writer_t *w_open(store_t *base)
{
    sq_store_t *s = (sq_store_t *)base;
    store_writer_t *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->store = s;
    char why[256];
    if (sq_open_db(s, &w->conn.db, why, sizeof(why))) {
        log_kv(LOG_LEVEL_ERROR, "cannot open the store for ingestion", "error", why, NULL);
        free(w);
        return NULL;
    }
    return w;
}

static int run_simple(sq_conn_t *c, const char *sql, const char *what)
{
    sqlite3_stmt *st = sq_stmt(c, sql);
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    sq_done(st);
    return sq_status(c->db, rc, what);
}

static int w_begin(store_writer_t *w)
{
    int rc = run_simple(&w->conn, sql_begin, "ingest begin");
    w->in_tx = rc == STORE_OK;
    return rc;
}

static int w_insert(store_writer_t *w, const event_t *ev, const char *source, int64_t received)
{
    sqlite3_stmt *st = sq_stmt(&w->conn, sql_insert_event);
    if (!st)
        return STORE_ERROR;
    char rules[RULES_JSON_MAX];
    size_t used = rules_json(ev, rules);
    sqlite3_bind_int64(st, 1, ev->ts);
    sqlite3_bind_int64(st, 2, received);
    sq_bind_text(st, 3, source);
    sq_bind_text(st, 4, ev->request_id);
    sq_bind_text(st, 5, ev->app);
    sq_bind_text(st, 6, ev->host);
    sq_bind_text(st, 7, ev->client);
    sq_bind_text(st, 8, ev->method);
    sq_bind_text(st, 9, ev->uri);
    if (ev->uri)
        sqlite3_bind_text(st, 10, ev->uri, (int)ev->path_len, SQLITE_STATIC);
    sq_bind_text(st, 11, ev->action);
    if (ev->has_status)
        sqlite3_bind_int64(st, 12, ev->status);
    sq_bind_text(st, 13, ev->category);
    if (ev->has_score)
        sqlite3_bind_int64(st, 14, ev->score);
    sqlite3_bind_text(st, 15, rules, (int)used, SQLITE_STATIC);
    sqlite3_bind_text(st, 16, ev->raw, (int)ev->raw_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc != SQLITE_DONE)
        return sq_status(w->conn.db, rc, "insert event");
    sqlite3_int64 id = sqlite3_last_insert_rowid(w->conn.db);
    if (ev->n_rules == 0)
        return STORE_OK;
    st = sq_stmt(&w->conn, sql_insert_rule);
    if (!st)
        return STORE_ERROR;
    for (size_t i = 0; i < ev->n_rules; i++) {
        sqlite3_bind_text(st, 1, ev->rules[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, ev->ts);
        sqlite3_bind_int64(st, 3, id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            sq_done(st);
            return sq_status(w->conn.db, rc, "insert event rule");
        }
    }
    sq_done(st);
    return STORE_OK;
}

static int w_checkpoint(store_writer_t *w, const store_checkpoint_t *cp)
{
    sqlite3_stmt *st = sq_stmt(&w->conn, sql_upsert_checkpoint);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, cp->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)cp->dev);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)cp->ino);
    sqlite3_bind_blob(st, 4, cp->fp, (int)sizeof(cp->fp), SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, cp->fp_len);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)cp->offset);
    int rc = sqlite3_step(st);
    sq_done(st);
    return sq_status(w->conn.db, rc, "ingest checkpoint");
}

static void w_rollback(store_writer_t *w)
{
    if (!w->in_tx)
        return;
    /* After some errors SQLite has already rolled back; that is fine. */
    if (sqlite3_get_autocommit(w->conn.db) == 0)
        run_simple(&w->conn, sql_rollback, "ingest rollback");
    w->in_tx = 0;
}

static int w_commit(store_writer_t *w)
{
    int rc = run_simple(&w->conn, sql_commit, "ingest commit");
    if (rc != STORE_OK)
        w_rollback(w);
    w->in_tx = 0;
    return rc;
}

static void w_close(store_writer_t *w)
{
    if (!w)
        return;
    w_rollback(w);
    sq_close_conn(&w->conn);
    free(w);
}

static int sq_checkpoint_get(store_t *base, const char *source, store_checkpoint_t *out)
{
    static const char sql[] = "SELECT dev, inode, fp, fp_len, offset FROM ingest_checkpoints"
                              " WHERE source = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            memset(out, 0, sizeof(*out));
            snprintf(out->source, sizeof(out->source), "%s", source);
            out->dev = (uint64_t)sqlite3_column_int64(st, 0);
            out->ino = (uint64_t)sqlite3_column_int64(st, 1);
            int fp_bytes = sqlite3_column_bytes(st, 2);
            if (fp_bytes == (int)sizeof(out->fp))
                memcpy(out->fp, sqlite3_column_blob(st, 2), sizeof(out->fp));
            out->fp_len = (uint32_t)sqlite3_column_int64(st, 3);
            out->offset = (uint64_t)sqlite3_column_int64(st, 4);
            rc = STORE_OK;
        } else {
            rc = step == SQLITE_DONE ? STORE_NOT_FOUND : sq_status(c->db, step, "checkpoint");
        }
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* filters                                                             */

typedef struct {
    struct {
        int is_text;
        int64_t i;
        const char *s;
    } v[32];
    int n;
    char like[STORE_LIKE_MAX]; /* the LIKE pattern of the free-text filter */
} binds_t;

static void bind_int(binds_t *b, int64_t v)
{
    b->v[b->n].is_text = 0;
    b->v[b->n].i = v;
    b->n++;
}

static void bind_str(binds_t *b, const char *s)
{
    b->v[b->n].is_text = 1;
    b->v[b->n].s = s;
    b->n++;
}

static void where_clause(strbuf_t *sql, binds_t *b, const store_filter_t *f, int with_cursor)
{
    strbuf_puts(sql, " WHERE e.ts >= ? AND e.ts < ?");
    bind_int(b, f->from);
    bind_int(b, f->to);
    const char *column, *v;
    for (int i = 0; store_filter_equal(f, i, &column, &v); i++) {
        if (v) {
            strbuf_printf(sql, " AND e.%s = ?", column);
            bind_str(b, v);
        }
    }
    if (f->rule) {
        strbuf_puts(sql, " AND e.id IN (SELECT event_id FROM event_rules"
                         " WHERE rule = ? AND ts >= ? AND ts < ?)");
        bind_str(b, f->rule);
        bind_int(b, f->from);
        bind_int(b, f->to);
    }
    if (f->text) {
        store_like_pattern(f->text, b->like);
        strbuf_puts(sql, " AND e.raw LIKE ? ESCAPE '\\'");
        bind_str(b, b->like);
    }
    if (with_cursor && f->has_cursor) {
        strbuf_puts(sql, " AND (e.ts < ? OR (e.ts = ? AND e.id < ?))");
        bind_int(b, f->cursor_ts);
        bind_int(b, f->cursor_ts);
        bind_int(b, f->cursor_id);
    }
}

static int only_time(const store_filter_t *f)
{
    return !f->app && !f->client && !f->category && !f->action && !f->rule && !f->text;
}

/* Prepares a one-off statement for dynamic SQL and binds b. */
static sqlite3_stmt *prepare_bound(sq_conn_t *c, strbuf_t *sql, const binds_t *b)
{
    if (sql->failed)
        return NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql->data, (int)sql->len, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_status(c->db, rc, "prepare query");
        return NULL;
    }
    for (int i = 0; i < b->n; i++) {
        if (b->v[i].is_text)
            sqlite3_bind_text(st, i + 1, b->v[i].s, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i + 1, b->v[i].i);
    }
    return st;
}

#define EVENT_COLUMNS                                                                              \
    "e.id, e.ts, e.received, e.source, e.request_id, e.app, e.host, e.client, e.method,"           \
    " e.uri, e.action, e.status, e.category, e.score, e.rules, e.raw"

static const char *text_or_null(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static void row_from(sqlite3_stmt *st, store_event_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->ts = sqlite3_column_int64(st, 1);
    r->received = sqlite3_column_int64(st, 2);
    r->source = text_or_null(st, 3);
    r->request_id = text_or_null(st, 4);
    r->app = text_or_null(st, 5);
    r->host = text_or_null(st, 6);
    r->client = text_or_null(st, 7);
    r->method = text_or_null(st, 8);
    r->uri = text_or_null(st, 9);
    r->action = text_or_null(st, 10);
    if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
        r->has_status = 1;
        r->status = sqlite3_column_int64(st, 11);
    }
    r->category = text_or_null(st, 12);
    if (sqlite3_column_type(st, 13) != SQLITE_NULL) {
        r->has_score = 1;
        r->score = sqlite3_column_int64(st, 13);
    }
    r->rules = text_or_null(st, 14);
    r->raw = text_or_null(st, 15);
}

static int run_rows(sq_conn_t *c, sqlite3_stmt *st, store_event_cb cb, void *ctx, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_event_row_t row;
        row_from(st, &row);
        if (cb(ctx, &row))
            return STORE_OK;
    }
    return sq_status(c->db, rc, what);
}

static int sq_events_query(store_t *base, const store_filter_t *f, store_event_cb cb, void *ctx)
{
    sq_store_t *s = (sq_store_t *)base;
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT " EVENT_COLUMNS " FROM events e");
    where_clause(&sql, &b, f, 1);
    strbuf_puts(&sql, " ORDER BY e.ts DESC, e.id DESC LIMIT ?");
    bind_int(&b, f->limit);
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = prepare_bound(c, &sql, &b);
    int rc = st ? run_rows(c, st, cb, ctx, "query events") : STORE_ERROR;
    sqlite3_finalize(st);
    sq_release(s, c);
    strbuf_free(&sql);
    return rc;
}

static int sq_event_get(store_t *base, int64_t id, store_event_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " EVENT_COLUMNS " FROM events e WHERE e.id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            store_event_row_t row;
            row_from(st, &row);
            cb(ctx, &row);
            rc = STORE_OK;
        } else {
            rc = step == SQLITE_DONE ? STORE_NOT_FOUND : sq_status(c->db, step, "get event");
        }
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

static int sq_events_count(store_t *base, const store_filter_t *f, int64_t *count)
{
    sq_store_t *s = (sq_store_t *)base;
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT count(*) FROM events e");
    where_clause(&sql, &b, f, 0);
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = prepare_bound(c, &sql, &b);
    int rc = STORE_ERROR;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *count = sqlite3_column_int64(st, 0);
            rc = STORE_OK;
        } else {
            rc = sq_status(c->db, step, "count events");
        }
    }
    sqlite3_finalize(st);
    sq_release(s, c);
    strbuf_free(&sql);
    return rc;
}

static int sq_events_per_minute(store_t *base, const store_filter_t *f, store_minute_cb cb,
                                void *ctx)
{
    sq_store_t *s = (sq_store_t *)base;
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT (e.ts / 60000) * 60000 AS minute, count(*),"
                      " sum(e.action = 'block') FROM events e");
    where_clause(&sql, &b, f, 0);
    strbuf_puts(&sql, " GROUP BY minute ORDER BY minute");
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = prepare_bound(c, &sql, &b);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW)
            if (cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                   sqlite3_column_int64(st, 2)))
                break;
        rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, "events per minute");
    }
    sqlite3_finalize(st);
    sq_release(s, c);
    strbuf_free(&sql);
    return rc;
}

static int sq_events_top(store_t *base, const store_filter_t *f, store_top_t what, int n,
                         store_count_cb cb, void *ctx)
{
    static const char *const columns[STORE_TOP_COUNT] = {
        [STORE_TOP_CLIENT] = "e.client",     [STORE_TOP_RULE] = "r.value",
        [STORE_TOP_PATH] = "e.path",         [STORE_TOP_APP] = "e.app",
        [STORE_TOP_CATEGORY] = "e.category", [STORE_TOP_ACTION] = "e.action",
    };
    if ((int)what < 0 || what >= STORE_TOP_COUNT)
        return STORE_ERROR;
    sq_store_t *s = (sq_store_t *)base;
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    const char *col = columns[what];
    if (what == STORE_TOP_RULE && only_time(f)) {
        /* The rule rows alone answer it (a skip-scan over (rule, ts) once
         * the statistics are in: store_sqlite.c's optimize). */
        strbuf_puts(&sql, "SELECT rule, count(*) AS n FROM event_rules"
                          " WHERE ts >= ? AND ts < ? GROUP BY rule ORDER BY n DESC, rule"
                          " LIMIT ?");
        bind_int(&b, f->from);
        bind_int(&b, f->to);
    } else {
        /* Rules of filtered events: each event's rules array, expanded. */
        strbuf_printf(&sql, "SELECT %s, count(*) AS n FROM events e", col);
        if (what == STORE_TOP_RULE)
            strbuf_puts(&sql, ", json_each(e.rules) r");
        where_clause(&sql, &b, f, 0);
        strbuf_printf(&sql, " AND %s IS NOT NULL GROUP BY %s ORDER BY n DESC, %s LIMIT ?", col, col,
                      col);
    }
    bind_int(&b, n);
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = prepare_bound(c, &sql, &b);
    int rc = STORE_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW)
            if (cb(ctx, text_or_null(st, 0), sqlite3_column_int64(st, 1)))
                break;
        rc = step == SQLITE_ROW ? STORE_OK : sq_status(c->db, step, "top events");
    }
    sqlite3_finalize(st);
    sq_release(s, c);
    strbuf_free(&sql);
    return rc;
}

/* ------------------------------------------------------------------ */
/* retention                                                           */

/* The oldest `batch` events before before_ms go with their rule rows, in
 * one transaction: the rule rows by exact key (rule, ts, id) from the
 * event's rules array, then the event by id. */
static int sq_retention_delete(store_t *base, int64_t before_ms, int batch, int64_t *deleted)
{
    static const char sql_oldest[] =
        "SELECT e.id, e.ts, r.value FROM (SELECT id, ts, rules FROM events WHERE ts < ?1"
        " ORDER BY ts, id LIMIT ?2) e LEFT JOIN json_each(e.rules) r";
    static const char sql_rule[] =
        "DELETE FROM event_rules WHERE rule = ?1 AND ts = ?2 AND event_id = ?3";
    static const char sql_event[] = "DELETE FROM events WHERE id = ?1";
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    *deleted = 0;
    int rc = run_simple(c, sql_begin, "retention begin");
    sqlite3_stmt *oldest = rc == STORE_OK ? sq_stmt(c, sql_oldest) : NULL;
    sqlite3_stmt *del_rule = oldest ? sq_stmt(c, sql_rule) : NULL;
    sqlite3_stmt *del_event = del_rule ? sq_stmt(c, sql_event) : NULL;
    if (rc == STORE_OK && !del_event)
        rc = STORE_ERROR;
    if (rc == STORE_OK) {
        sqlite3_bind_int64(oldest, 1, before_ms);
        sqlite3_bind_int(oldest, 2, batch);
        int64_t last_id = 0;
        int step;
        while (rc == STORE_OK && (step = sqlite3_step(oldest)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(oldest, 0);
            if (sqlite3_column_type(oldest, 2) == SQLITE_TEXT) {
                sqlite3_bind_value(del_rule, 1, sqlite3_column_value(oldest, 2));
                sqlite3_bind_int64(del_rule, 2, sqlite3_column_int64(oldest, 1));
                sqlite3_bind_int64(del_rule, 3, id);
                rc = sq_status(c->db, sqlite3_step(del_rule), "retention delete rule");
                sq_done(del_rule);
            }
            if (rc == STORE_OK && id != last_id) {
                sqlite3_bind_int64(del_event, 1, id);
                rc = sq_status(c->db, sqlite3_step(del_event), "retention delete event");
                sq_done(del_event);
                (*deleted)++;
                last_id = id;
            }
        }
        if (rc == STORE_OK && step != SQLITE_DONE)
            rc = sq_status(c->db, step, "retention select");
        sq_done(oldest);
    }
    if (rc == STORE_OK)
        rc = run_simple(c, sql_commit, "retention commit");
    if (rc != STORE_OK) {
        *deleted = 0;
        if (sqlite3_get_autocommit(c->db) == 0)
            run_simple(c, sql_rollback, "retention rollback");
    }
    sq_release(s, c);
    return rc;
}

void sq_fill_events_ops(store_ops_t *ops)
{
    ops->writer_open = w_open;
    ops->writer_begin = w_begin;
    ops->writer_insert = w_insert;
    ops->writer_checkpoint = w_checkpoint;
    ops->writer_commit = w_commit;
    ops->writer_rollback = w_rollback;
    ops->writer_close = w_close;
    ops->checkpoint_get = sq_checkpoint_get;
    ops->events_query = sq_events_query;
    ops->event_get = sq_event_get;
    ops->events_count = sq_events_count;
    ops->events_per_minute = sq_events_per_minute;
    ops->events_top = sq_events_top;
    ops->retention_delete = sq_retention_delete;
}
