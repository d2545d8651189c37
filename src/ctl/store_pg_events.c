/*
 * store_pg_events.c — events in PostgreSQL: the ingest writer (COPY),
 * day partitions, queries, aggregations, file checkpoints, retention.
 *
 * The writer collects a batch in memory (the events as COPY binary rows,
 * the file positions) and sends it at commit: first the day partitions
 * the batch needs that are not known to exist (each in its own short
 * transaction, so the batch never holds the lock that creating a
 * partition takes on the events table), then one transaction with
 * COPY events FROM STDIN and the checkpoint upserts. The events and the
 * positions after them commit together or not at all: exactly once across
 * kill -9, as with SQLite.
 *
 * Filters become a WHERE clause built from fixed fragments with one $n per
 * value; values are bound, never spliced into the SQL. Pagination is
 * keyset on (ts DESC, id DESC), a row comparison the (ts, id) index
 * answers directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_pg_t.h"
#include "timefmt.h"

#define DAY_MS        86400000LL
#define COPY_CHUNK    (1 << 20)
#define DAYS_AHEAD    3
#define KNOWN_DAY_MAX 4096 /* forget the known days past this many (they are re-checked) */

static const char sql_ensure_day[] = "SELECT rampart_event_partition($1::bigint)";

static int64_t day_of(int64_t ts)
{
    return ts >= 0 ? ts / DAY_MS : -((-ts + DAY_MS - 1) / DAY_MS);
}

int pg_ensure_day(const pg_store_t *s, pg_conn_t *c, int64_t day)
{
    pg_param_t p[] = {PG_INT(day)};
    int rc;
    PQclear(pg_run(s, c, sql_ensure_day, 0, p, 1, &rc, "create event partition"));
    return rc;
}

int pg_ensure_days_ahead(store_t *base)
{
    pg_store_t *s = (pg_store_t *)base;
    pg_conn_t *c = pg_acquire(s);
    int64_t today = day_of(time_now_ms());
    int rc = STORE_OK;
    for (int64_t d = today - 1; rc == STORE_OK && d <= today + DAYS_AHEAD; d++)
        rc = pg_ensure_day(s, c, d);
    pg_release(s, c);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the writer                                                          */

/* COPY binary format (PostgreSQL's COPY, "Binary Format"): a signature
 * and two zero words, then per row the number of fields and each field as
 * a 32-bit length (-1: NULL) and the type's binary form, all big-endian;
 * -1 as the field count ends the data. Nothing is escaped or parsed as
 * text on either side. */
static const char copy_signature[11] = "PGCOPY\n\377\r\n";
#define COPY_FIELDS 16
#define TEXT_OID    25 /* pg_type.oid of text, fixed in every PostgreSQL */

static void put32(strbuf_t *b, uint32_t v)
{
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    strbuf_append(b, (const char *)be, 4);
}

static void copy_bytes(strbuf_t *b, const char *s, size_t n)
{
    if (!s) {
        put32(b, UINT32_MAX); /* -1: NULL */
        return;
    }
    put32(b, (uint32_t)n);
    strbuf_append(b, s, n);
}

static void copy_text(strbuf_t *b, const char *s)
{
    copy_bytes(b, s, s ? strlen(s) : 0);
}

static void copy_int8(strbuf_t *b, int has, int64_t v)
{
    if (!has) {
        put32(b, UINT32_MAX);
        return;
    }
    put32(b, 8);
    put32(b, (uint32_t)((uint64_t)v >> 32));
    put32(b, (uint32_t)v);
}

static void copy_int4(strbuf_t *b, int has, int64_t v)
{
    if (!has) {
        put32(b, UINT32_MAX);
        return;
    }
    put32(b, 4);
    put32(b, (uint32_t)(int32_t)v);
}

/* A one-dimensional text[] without NULLs: dimensions, a flags word, the
 * element type, then (length, lower bound 1) and the elements. */
static void copy_rules(strbuf_t *b, const event_t *ev)
{
    size_t len = 12 + (ev->n_rules ? 8 : 0);
    for (size_t i = 0; i < ev->n_rules; i++)
        len += 4 + strlen(ev->rules[i]);
    put32(b, (uint32_t)len);
    put32(b, ev->n_rules ? 1 : 0);
    put32(b, 0);
    put32(b, TEXT_OID);
    if (ev->n_rules) {
        put32(b, (uint32_t)ev->n_rules);
        put32(b, 1);
    }
    for (size_t i = 0; i < ev->n_rules; i++)
        copy_text(b, ev->rules[i]);
}

static void note_day(int64_t **days, size_t *n, size_t *cap, int64_t day)
{
    for (size_t i = *n; i > 0; i--)
        if ((*days)[i - 1] == day)
            return;
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        int64_t *grown = realloc(*days, ncap * sizeof(**days));
        if (!grown)
            return; /* the COPY fails on the missing partition and the batch is retried */
        *days = grown;
        *cap = ncap;
    }
    (*days)[(*n)++] = day;
}

static store_writer_t *w_open(store_t *base)
{
    pg_store_t *s = (pg_store_t *)base;
    store_writer_t *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->store = s;
    strbuf_init(&w->copy, 0);
    char why[200];
    if (!(w->conn.db = pg_connect(s, why, sizeof(why)))) {
        log_kv(LOG_LEVEL_ERROR, "cannot open the store for ingestion", "server", s->target, "error",
               why, NULL);
        strbuf_free(&w->copy);
        free(w);
        return NULL;
    }
    return w;
}

static int w_begin(store_writer_t *w)
{
    w->copy.len = 0;
    w->copy.failed = 0;
    w->n_events = 0;
    w->n_checkpoints = 0;
    w->n_batch_days = 0;
    pg_counts_reset(&w->counts);
    w->in_batch = 1;
    return STORE_OK;
}

static int w_insert(store_writer_t *w, const event_t *ev, const char *source, int64_t received)
{
    strbuf_t *b = &w->copy;
    if (b->len == 0) {
        strbuf_append(b, copy_signature, sizeof(copy_signature));
        put32(b, 0); /* flags */
        put32(b, 0); /* header extension length */
    }
    unsigned char fields[2] = {0, COPY_FIELDS};
    strbuf_append(b, (const char *)fields, 2);
    copy_int8(b, 1, ev->ts);
    copy_int8(b, 1, received);
    copy_text(b, source);
    copy_text(b, ev->request_id);
    copy_text(b, ev->app);
    copy_text(b, ev->host);
    copy_text(b, ev->client);
    copy_text(b, ev->method);
    copy_text(b, ev->uri);
    copy_bytes(b, ev->uri, ev->path_len);
    copy_text(b, ev->action);
    copy_int4(b, ev->has_status, ev->status);
    copy_text(b, ev->category);
    copy_int8(b, ev->has_score, ev->score);
    copy_rules(b, ev);
    copy_bytes(b, ev->raw, ev->raw_len);
    if (b->failed) {
        log_kv(LOG_LEVEL_ERROR, "ingest batch: out of memory", NULL);
        return STORE_ERROR;
    }
    int64_t day = day_of(ev->ts);
    note_day(&w->batch_days, &w->n_batch_days, &w->cap_batch_days, day);
    if (pg_counts_add(&w->counts, ev, day)) {
        log_kv(LOG_LEVEL_ERROR, "ingest batch: out of memory", NULL);
        return STORE_ERROR;
    }
    w->n_events++;
    return STORE_OK;
}

static int w_checkpoint(store_writer_t *w, const store_checkpoint_t *cp)
{
    if (w->n_checkpoints == w->cap_checkpoints) {
        size_t ncap = w->cap_checkpoints ? w->cap_checkpoints * 2 : 4;
        store_checkpoint_t *grown = realloc(w->checkpoints, ncap * sizeof(*grown));
        if (!grown)
            return STORE_ERROR;
        w->checkpoints = grown;
        w->cap_checkpoints = ncap;
    }
    w->checkpoints[w->n_checkpoints++] = *cp;
    return STORE_OK;
}

static int simple(store_writer_t *w, const char *sql, const char *what)
{
    PGresult *res = PQexec(w->conn.db, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? STORE_OK : pg_status(w->conn.db, res, what);
    PQclear(res);
    return rc;
}

static void w_rollback(store_writer_t *w)
{
    PGTransactionStatusType t = PQtransactionStatus(w->conn.db);
    if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
        simple(w, "ROLLBACK", "ingest rollback");
    w->in_batch = 0;
}

/* Every partition the batch needs exists, each created in a transaction
 * of its own before the batch's. */
static int ensure_batch_days(store_writer_t *w)
{
    for (size_t i = 0; i < w->n_batch_days; i++) {
        int64_t day = w->batch_days[i];
        int known = 0;
        for (size_t k = 0; k < w->n_known_days && !known; k++)
            known = w->known_days[k] == day;
        if (known)
            continue;
        int rc = pg_ensure_day(w->store, &w->conn, day);
        if (rc != STORE_OK)
            return rc;
        if (w->n_known_days >= KNOWN_DAY_MAX)
            w->n_known_days = 0;
        note_day(&w->known_days, &w->n_known_days, &w->cap_known_days, day);
    }
    return STORE_OK;
}

static int copy_events(store_writer_t *w)
{
    static const char sql[] =
        "COPY events(ts, received, source, request_id, app, host, client, method, uri, path,"
        " action, status, category, score, rules, raw) FROM STDIN (FORMAT binary)";
    PGconn *db = w->conn.db;
    PGresult *res = PQexec(db, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        int rc = pg_status(db, res, "ingest copy");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    static const unsigned char trailer[2] = {0xff, 0xff}; /* -1 fields: the end */
    strbuf_append(&w->copy, (const char *)trailer, 2);
    int ok = !w->copy.failed;
    for (size_t at = 0; ok && at < w->copy.len; at += COPY_CHUNK) {
        size_t n = w->copy.len - at < COPY_CHUNK ? w->copy.len - at : COPY_CHUNK;
        ok = PQputCopyData(db, w->copy.data + at, (int)n) == 1;
    }
    ok = PQputCopyEnd(db, ok ? NULL : "rampartd could not send the batch") == 1 && ok;
    int rc = STORE_OK;
    while ((res = PQgetResult(db))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == STORE_OK)
            rc = pg_status(db, res, "ingest copy");
        PQclear(res);
    }
    if (!ok && rc == STORE_OK)
        rc = pg_status(db, NULL, "ingest copy");
    return rc;
}

static int upsert_checkpoints(store_writer_t *w)
{
    static const char sql[] =
        "INSERT INTO ingest_checkpoints(source, dev, inode, fp, fp_len, \"offset\", updated)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (source) DO UPDATE SET dev = excluded.dev, inode = excluded.inode,"
        " fp = excluded.fp, fp_len = excluded.fp_len, \"offset\" = excluded.\"offset\","
        " updated = excluded.updated";
    for (size_t i = 0; i < w->n_checkpoints; i++) {
        const store_checkpoint_t *cp = &w->checkpoints[i];
        pg_param_t p[] = {PG_TEXT(cp->source),  PG_INT(cp->dev),
                          PG_INT(cp->ino),      PG_BYTES(cp->fp, sizeof(cp->fp)),
                          PG_INT(cp->fp_len),   PG_INT(cp->offset),
                          PG_INT(time_now_ms())};
        int rc;
        PQclear(pg_run(w->store, &w->conn, sql, 0, p, 7, &rc, "ingest checkpoint"));
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static int w_commit(store_writer_t *w)
{
    int rc = ensure_batch_days(w);
    if (rc == STORE_OK) {
        /* The first statement after an idle spell finds out whether the
         * server restarted meanwhile: reconnect and begin again, once. */
        if (PQstatus(w->conn.db) != CONNECTION_OK)
            pg_reconnect(w->store, &w->conn);
        rc = simple(w, "BEGIN", "ingest begin");
        if (rc != STORE_OK && PQstatus(w->conn.db) == CONNECTION_BAD &&
            pg_reconnect(w->store, &w->conn) == 0)
            rc = simple(w, "BEGIN", "ingest begin");
    }
    if (rc == STORE_OK && w->n_events)
        rc = copy_events(w);
    if (rc == STORE_OK)
        rc = pg_counts_flush(&w->counts, w->store, &w->conn);
    if (rc == STORE_OK)
        rc = upsert_checkpoints(w);
    if (rc == STORE_OK)
        rc = simple(w, "COMMIT", "ingest commit");
    if (rc != STORE_OK) {
        w_rollback(w);
        /* a day partition may have been dropped (retention) since it was
         * seen: check every day again at the retry */
        w->n_known_days = 0;
    }
    w->in_batch = 0;
    return rc;
}

static void w_close(store_writer_t *w)
{
    if (!w)
        return;
    w_rollback(w);
    pg_close_conn(&w->conn);
    strbuf_free(&w->copy);
    free(w->checkpoints);
    free(w->batch_days);
    free(w->known_days);
    pg_counts_free(&w->counts);
    free(w);
}

static int fill_checkpoint(void *out, const PGresult *res, int row)
{
    store_checkpoint_t *cp = out;
    cp->dev = (uint64_t)pg_get_int(res, row, 0);
    cp->ino = (uint64_t)pg_get_int(res, row, 1);
    if (pg_get_bytes(res, row, 2, cp->fp, sizeof(cp->fp)))
        memset(cp->fp, 0, sizeof(cp->fp));
    cp->fp_len = (uint32_t)pg_get_int(res, row, 3);
    cp->offset = (uint64_t)pg_get_int(res, row, 4);
    return 0;
}

static int checkpoint_get(store_t *base, const char *source, store_checkpoint_t *out)
{
    static const char sql[] = "SELECT dev, inode, fp, fp_len, \"offset\" FROM ingest_checkpoints"
                              " WHERE source = $1";
    memset(out, 0, sizeof(*out));
    snprintf(out->source, sizeof(out->source), "%s", source);
    pg_param_t p[] = {PG_TEXT(source)};
    return pg_one(base, sql, p, 1, fill_checkpoint, out, "checkpoint");
}

/* ------------------------------------------------------------------ */
/* filters                                                             */

typedef struct {
    pg_param_t v[PG_MAX_PARAMS];
    int n;
    char like[STORE_LIKE_MAX]; /* the ILIKE pattern of the free-text filter */
} binds_t;

/* Appends a fragment with "$?" standing for the next parameter's number. */
static void bind(strbuf_t *sql, binds_t *b, const char *fragment, pg_param_t v)
{
    const char *mark = strstr(fragment, "$?");
    strbuf_append(sql, fragment, (size_t)(mark - fragment));
    b->v[b->n++] = v;
    strbuf_printf(sql, "$%d", b->n);
    strbuf_puts(sql, mark + 2);
}

static void where_clause(strbuf_t *sql, binds_t *b, const store_filter_t *f, int with_cursor)
{
    bind(sql, b, " WHERE e.ts >= $?::bigint", PG_INT(f->from));
    bind(sql, b, " AND e.ts < $?::bigint", PG_INT(f->to));
    const char *column, *v;
    for (int i = 0; store_filter_equal(f, i, &column, &v); i++) {
        if (v) {
            b->v[b->n++] = PG_TEXT(v);
            strbuf_printf(sql, " AND e.%s = $%d", column, b->n);
        }
    }
    if (f->rule)
        bind(sql, b, " AND e.rules @> ARRAY[$?::text]", PG_TEXT(f->rule));
    if (f->text) {
        store_like_pattern(f->text, b->like);
        bind(sql, b, " AND e.raw ILIKE $? ESCAPE '\\'", PG_TEXT(b->like));
    }
    if (with_cursor && f->has_cursor) {
        bind(sql, b, " AND (e.ts, e.id) < ($?::bigint", PG_INT(f->cursor_ts));
        bind(sql, b, ", $?::bigint)", PG_INT(f->cursor_id));
    }
}

#define EVENT_COLUMNS                                                                              \
    "e.id, e.ts, e.received, e.source, e.request_id, e.app, e.host, e.client, e.method,"           \
    " e.uri, e.action, e.status, e.category, e.score, array_to_json(e.rules)::text, e.raw"

typedef struct {
    store_event_cb cb;
    void *ctx;
    int rows;
} event_rows_t;

static int event_row(void *ctx, const PGresult *res, int i)
{
    event_rows_t *er = ctx;
    store_event_row_t r;
    memset(&r, 0, sizeof(r));
    r.id = pg_get_int(res, i, 0);
    r.ts = pg_get_int(res, i, 1);
    r.received = pg_get_int(res, i, 2);
    r.source = pg_get_text(res, i, 3);
    r.request_id = pg_get_text(res, i, 4);
    r.app = pg_get_text(res, i, 5);
    r.host = pg_get_text(res, i, 6);
    r.client = pg_get_text(res, i, 7);
    r.method = pg_get_text(res, i, 8);
    r.uri = pg_get_text(res, i, 9);
    r.action = pg_get_text(res, i, 10);
    r.has_status = !PQgetisnull(res, i, 11);
    r.status = pg_get_int(res, i, 11);
    r.category = pg_get_text(res, i, 12);
    r.has_score = !PQgetisnull(res, i, 13);
    r.score = pg_get_int(res, i, 13);
    r.rules = pg_get_text(res, i, 14);
    r.raw = pg_get_text(res, i, 15);
    er->rows++;
    return er->cb(er->ctx, &r);
}

/* Runs a query assembled in sql (freed here) with b's values. */
static int run_built(store_t *base, strbuf_t *sql, const binds_t *b, pg_row_cb cb, void *ctx,
                     const char *what)
{
    int rc = STORE_ERROR;
    if (!sql->failed)
        rc = pg_each(base, sql->data, 1, b->v, b->n, cb, ctx, what);
    strbuf_free(sql);
    return rc;
}

static int events_query(store_t *base, const store_filter_t *f, store_event_cb cb, void *ctx)
{
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT " EVENT_COLUMNS " FROM events e");
    where_clause(&sql, &b, f, 1);
    bind(&sql, &b, " ORDER BY e.ts DESC, e.id DESC LIMIT $?::bigint", PG_INT(f->limit));
    event_rows_t er = {cb, ctx, 0};
    return run_built(base, &sql, &b, event_row, &er, "query events");
}

static int event_get(store_t *base, int64_t id, store_event_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " EVENT_COLUMNS " FROM events e WHERE e.id = $1::bigint";
    pg_param_t p[] = {PG_INT(id)};
    event_rows_t er = {cb, ctx, 0};
    int rc = pg_each(base, sql, 0, p, 1, event_row, &er, "get event");
    return rc == STORE_OK && er.rows == 0 ? STORE_NOT_FOUND : rc;
}

static int first_int(void *ctx, const PGresult *res, int i)
{
    *(int64_t *)ctx = pg_get_int(res, i, 0);
    return 1;
}

static int events_count(store_t *base, const store_filter_t *f, int64_t *count)
{
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT count(*) FROM events e");
    where_clause(&sql, &b, f, 0);
    *count = 0;
    return run_built(base, &sql, &b, first_int, count, "count events");
}

typedef struct {
    store_minute_cb minute_cb;
    store_count_cb count_cb;
    void *ctx;
} agg_t;

static int minute_row(void *ctx, const PGresult *res, int i)
{
    agg_t *a = ctx;
    return a->minute_cb(a->ctx, pg_get_int(res, i, 0), pg_get_int(res, i, 1),
                        pg_get_int(res, i, 2));
}

static int events_per_minute(store_t *base, const store_filter_t *f, store_minute_cb cb, void *ctx)
{
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_puts(&sql, "SELECT (e.ts / 60000) * 60000 AS minute, count(*),"
                      " count(*) FILTER (WHERE e.action = 'block') FROM events e");
    where_clause(&sql, &b, f, 0);
    strbuf_puts(&sql, " GROUP BY minute ORDER BY minute");
    agg_t a = {.minute_cb = cb, .ctx = ctx};
    return run_built(base, &sql, &b, minute_row, &a, "events per minute");
}

static int count_row(void *ctx, const PGresult *res, int i)
{
    agg_t *a = ctx;
    return a->count_cb(a->ctx, pg_get_text(res, i, 0), pg_get_int(res, i, 1));
}

const char *const pg_top_columns[STORE_TOP_COUNT] = {
    [STORE_TOP_CLIENT] = "e.client",     [STORE_TOP_RULE] = "r.rule",
    [STORE_TOP_PATH] = "e.path",         [STORE_TOP_APP] = "e.app",
    [STORE_TOP_CATEGORY] = "e.category", [STORE_TOP_ACTION] = "e.action",
};
const char pg_top_rule_join[] = " CROSS JOIN LATERAL unnest(e.rules) AS r(rule)";

static int events_top(store_t *base, const store_filter_t *f, store_top_t what, int n,
                      store_count_cb cb, void *ctx)
{
    if ((int)what < 0 || what >= STORE_TOP_COUNT)
        return STORE_ERROR;
    agg_t a = {.count_cb = cb, .ctx = ctx};
    int rc = pg_counts_top(base, f, what, n, count_row, &a);
    if (rc != STORE_NOT_FOUND)
        return rc;
    const char *col = pg_top_columns[what];
    strbuf_t sql;
    strbuf_init(&sql, 0);
    binds_t b = {.n = 0};
    strbuf_printf(&sql, "SELECT %s AS key, count(*) AS n FROM events e%s", col,
                  what == STORE_TOP_RULE ? pg_top_rule_join : "");
    where_clause(&sql, &b, f, 0);
    /* ties in byte order, as SQLite orders them */
    strbuf_printf(&sql, " AND %s IS NOT NULL GROUP BY key ORDER BY n DESC, %s COLLATE \"C\"", col,
                  col);
    bind(&sql, &b, " LIMIT $?::bigint", PG_INT(n));
    return run_built(base, &sql, &b, count_row, &a, "top events");
}

/* ------------------------------------------------------------------ */
/* retention                                                           */

typedef struct {
    char names[64][64];
    int n;
} partitions_t;

static int partition_row(void *ctx, const PGresult *res, int i)
{
    partitions_t *p = ctx;
    if (p->n == 64)
        return 1; /* the rest at the next call */
    pg_get_copy(res, i, 0, p->names[p->n++], sizeof(p->names[0]));
    return 0;
}

/* Drops every day partition wholly older than before_ms (a day that
 * straddles it stays until it is wholly older): whole tables go, no row
 * is deleted one by one, so retention costs no WAL per event and no
 * vacuum. Each drop is its own short transaction (with a lock timeout,
 * store_pg_schema.c). batch does not apply: a day goes at once. */
static int retention_delete(store_t *base, int64_t before_ms, int batch, int64_t *deleted)
{
    static const char sql_old[] =
        "SELECT name FROM event_partitions WHERE upper <= $1::bigint ORDER BY upper";
    static const char sql_drop[] = "SELECT rampart_drop_event_partition($1)";
    (void)batch;
    *deleted = 0;
    partitions_t old = {.n = 0};
    pg_param_t p[] = {PG_INT(before_ms)};
    int rc = pg_each(base, sql_old, 0, p, 1, partition_row, &old, "retention list");
    for (int i = 0; rc == STORE_OK && i < old.n; i++) {
        pg_param_t name[] = {PG_TEXT(old.names[i])};
        int64_t n = 0;
        rc = pg_int(base, sql_drop, 0, name, 1, &n, "retention drop");
        if (rc == STORE_OK) {
            *deleted += n;
            log_kv(LOG_LEVEL_INFO, "retention: day partition dropped", "partition", old.names[i],
                   "events", LOG_INT(n), NULL);
        }
    }
    return rc;
}

void pg_fill_events_ops(store_ops_t *ops)
{
    ops->writer_open = w_open;
    ops->writer_begin = w_begin;
    ops->writer_insert = w_insert;
    ops->writer_checkpoint = w_checkpoint;
    ops->writer_commit = w_commit;
    ops->writer_rollback = w_rollback;
    ops->writer_close = w_close;
    ops->checkpoint_get = checkpoint_get;
    ops->events_query = events_query;
    ops->event_get = event_get;
    ops->events_count = events_count;
    ops->events_per_minute = events_per_minute;
    ops->events_top = events_top;
    ops->retention_delete = retention_delete;
}
