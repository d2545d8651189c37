/*
 * store_sqlite_audit.c — the audit log, its seals and export cursors in
 * SQLite (schema: migration 2 in store_sqlite_schema.c, whose triggers
 * make the log append-only).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store_sqlite_t.h"
#include "strbuf.h"

static const char *text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static void blob32(sqlite3_stmt *st, int col, unsigned char out[STORE_AUDIT_HASH_LEN])
{
    memset(out, 0, STORE_AUDIT_HASH_LEN);
    int n = sqlite3_column_bytes(st, col);
    const void *b = sqlite3_column_blob(st, col);
    if (b)
        memcpy(out, b, n < STORE_AUDIT_HASH_LEN ? (size_t)n : STORE_AUDIT_HASH_LEN);
}

void sq_audit_row_from(sqlite3_stmt *st, store_audit_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = sqlite3_column_int64(st, 0);
    r->ts = sqlite3_column_int64(st, 1);
    r->actor = text(st, 2);
    r->role = text(st, 3);
    r->client = text(st, 4);
    r->action = text(st, 5);
    r->method = text(st, 6);
    r->path = text(st, 7);
    r->target = text(st, 8);
    r->outcome = text(st, 9);
    r->status = sqlite3_column_int64(st, 10);
    r->detail = text(st, 11);
    r->canonical = sqlite3_column_blob(st, 12);
    r->canonical_len = (size_t)sqlite3_column_bytes(st, 12);
    if (!r->canonical)
        r->canonical = (const unsigned char *)"";
    blob32(st, 13, r->prev_hash);
    blob32(st, 14, r->hash);
}

void sq_audit_seal_from(sqlite3_stmt *st, store_audit_seal_t *seal)
{
    memset(seal, 0, sizeof(*seal));
    seal->id = sqlite3_column_int64(st, 0);
    seal->seq = sqlite3_column_int64(st, 1);
    seal->ts = sqlite3_column_int64(st, 2);
    blob32(st, 3, seal->hash);
    blob32(st, 4, seal->key_id);
    int n = sqlite3_column_bytes(st, 5);
    seal->sig_len = n < STORE_AUDIT_SIG_MAX ? (size_t)n : STORE_AUDIT_SIG_MAX;
    if (seal->sig_len)
        memcpy(seal->sig, sqlite3_column_blob(st, 5), seal->sig_len);
}

static int audit_last(store_t *base, int64_t *seq, unsigned char hash[STORE_AUDIT_HASH_LEN])
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *seq = sqlite3_column_int64(st, 0);
            blob32(st, 1, hash);
            rc = STORE_OK;
        } else if (step == SQLITE_DONE) {
            *seq = 0;
            memset(hash, 0, STORE_AUDIT_HASH_LEN);
            rc = STORE_OK;
        } else {
            rc = sq_status(c->db, step, "audit last");
        }
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

static int audit_append(store_t *base, const store_audit_row_t *r)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] = "INSERT INTO audit_log(" SQ_AUDIT_COLUMNS
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, r->seq);
        sqlite3_bind_int64(st, 2, r->ts);
        const char *texts[] = {r->actor,  r->role, r->client, r->action,
                               r->method, r->path, r->target, r->outcome};
        for (int i = 0; i < 8; i++)
            sqlite3_bind_text(st, 3 + i, texts[i] ? texts[i] : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, r->status);
        sqlite3_bind_text(st, 12, r->detail ? r->detail : "", -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 13, r->canonical, (int)r->canonical_len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 14, r->prev_hash, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 15, r->hash, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "audit append");
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

/* Filters are fixed SQL fragments; values only ever reach SQL bound. */
static int audit_query(store_t *base, const store_audit_filter_t *f, store_audit_cb cb, void *ctx)
{
    sq_store_t *s = (sq_store_t *)base;
    strbuf_t sql;
    strbuf_init(&sql, 0);
    strbuf_puts(&sql, "SELECT " SQ_AUDIT_COLUMNS " FROM audit_log WHERE 1");
    if (f->from)
        strbuf_puts(&sql, " AND ts >= ?1");
    if (f->to && f->to != INT64_MAX)
        strbuf_puts(&sql, " AND ts < ?2");
    if (f->actor)
        strbuf_puts(&sql, " AND actor = ?3");
    if (f->action)
        strbuf_puts(&sql, " AND action = ?4");
    if (f->outcome)
        strbuf_puts(&sql, " AND outcome = ?5");
    if (f->client)
        strbuf_puts(&sql, " AND client = ?6");
    if (f->target)
        strbuf_puts(&sql, " AND target = ?7");
    if (f->after_seq)
        strbuf_puts(&sql, " AND seq > ?8");
    if (f->before_seq)
        strbuf_puts(&sql, " AND seq < ?9");
    strbuf_puts(&sql, f->ascending ? " ORDER BY seq ASC" : " ORDER BY seq DESC");
    if (f->limit > 0)
        strbuf_puts(&sql, " LIMIT ?10");
    if (sql.failed) {
        strbuf_free(&sql);
        return STORE_ERROR;
    }
    sq_conn_t *c = sq_acquire(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql.data, -1, &st, NULL);
    strbuf_free(&sql);
    if (rc != SQLITE_OK) {
        rc = sq_status(c->db, rc, "audit query");
        sq_release(s, c);
        return rc;
    }
    sqlite3_bind_int64(st, 1, f->from);
    sqlite3_bind_int64(st, 2, f->to);
    sq_bind_text(st, 3, f->actor);
    sq_bind_text(st, 4, f->action);
    sq_bind_text(st, 5, f->outcome);
    sq_bind_text(st, 6, f->client);
    sq_bind_text(st, 7, f->target);
    sqlite3_bind_int64(st, 8, f->after_seq);
    sqlite3_bind_int64(st, 9, f->before_seq);
    sqlite3_bind_int(st, 10, f->limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_audit_row_t row;
        sq_audit_row_from(st, &row);
        if (cb(ctx, &row))
            break;
    }
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK
                                                   : sq_status(c->db, step, "audit query");
    sqlite3_finalize(st);
    sq_release(s, c);
    return rc;
}

static int audit_seal_append(store_t *base, store_audit_seal_t *seal)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] =
        "INSERT INTO audit_seals(seq, ts, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, seal->seq);
        sqlite3_bind_int64(st, 2, seal->ts);
        sqlite3_bind_blob(st, 3, seal->hash, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, seal->key_id, STORE_AUDIT_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, seal->sig, (int)seal->sig_len, SQLITE_STATIC);
        rc = sq_status(c->db, sqlite3_step(st), "audit seal");
        if (rc == STORE_OK)
            seal->id = sqlite3_last_insert_rowid(c->db);
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

static int audit_seals(store_t *base, store_seal_cb cb, void *ctx)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] = SQ_AUDIT_SEALS_SELECT;
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR, step = SQLITE_ERROR;
    while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
        store_audit_seal_t seal;
        sq_audit_seal_from(st, &seal);
        if (cb(ctx, &seal))
            break;
    }
    if (st)
        rc = step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK
                                                       : sq_status(c->db, step, "audit seals");
    sq_done(st);
    sq_release(s, c);
    return rc;
}

static int audit_retention_delete(store_t *base, int64_t through_seq, int64_t before_ms,
                                  int64_t *deleted)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char del_log[] = "DELETE FROM audit_log WHERE seq <= ?";
    static const char del_seals[] = "DELETE FROM audit_seals WHERE seq <= ? AND ts < ?";
    int rc = sq_status(c->db, sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                       "audit retention");
    sqlite3_stmt *st = rc == STORE_OK ? sq_stmt(c, del_log) : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, through_seq);
        rc = sq_status(c->db, sqlite3_step(st), "audit retention");
        *deleted = sqlite3_changes(c->db);
        sq_done(st);
        st = rc == STORE_OK ? sq_stmt(c, del_seals) : NULL;
        if (st) {
            sqlite3_bind_int64(st, 1, through_seq);
            sqlite3_bind_int64(st, 2, before_ms);
            rc = sq_status(c->db, sqlite3_step(st), "audit retention");
            sq_done(st);
        }
    } else if (rc == STORE_OK) {
        rc = STORE_ERROR;
    }
    sqlite3_exec(c->db, rc == STORE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    sq_release(s, c);
    return rc;
}

static int audit_cursor_get(store_t *base, const char *name, int64_t *seq)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] = "SELECT seq FROM audit_export_cursors WHERE name = ?";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        *seq = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = step == SQLITE_ROW    ? STORE_OK
             : step == SQLITE_DONE ? STORE_NOT_FOUND
                                   : sq_status(c->db, step, "audit cursor");
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

static int audit_cursor_set(store_t *base, const char *name, int64_t seq)
{
    sq_store_t *s = (sq_store_t *)base;
    sq_conn_t *c = sq_acquire(s);
    static const char sql[] =
        "INSERT INTO audit_export_cursors(name, seq, updated) VALUES (?, ?, "
        "CAST(strftime('%s', 'now') AS INTEGER) * 1000) "
        "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, updated = excluded.updated";
    sqlite3_stmt *st = sq_stmt(c, sql);
    int rc = STORE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, seq);
        rc = sq_status(c->db, sqlite3_step(st), "audit cursor");
    }
    sq_done(st);
    sq_release(s, c);
    return rc;
}

void sq_fill_audit_ops(store_ops_t *ops)
{
    ops->audit_last = audit_last;
    ops->audit_append = audit_append;
    ops->audit_query = audit_query;
    ops->audit_seal_append = audit_seal_append;
    ops->audit_seals = audit_seals;
    ops->audit_retention_delete = audit_retention_delete;
    ops->audit_cursor_get = audit_cursor_get;
    ops->audit_cursor_set = audit_cursor_set;
}
