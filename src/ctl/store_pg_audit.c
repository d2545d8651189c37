/*
 * store_pg_audit.c — the audit log, its seals and export cursors in
 * PostgreSQL (schema: migration 2 in store_pg_schema.c, whose triggers
 * make the log append-only). The same operations, with the same results,
 * as store_sqlite_audit.c; `rampart audit verify` reads SQLite files only
 * (a PostgreSQL store is verified through GET /api/v1/audit/verify or an
 * export).
 *
 * Hashes, canonical forms and signatures are bytea, bound in binary and
 * read back from the hex text output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_t.h"

#define AUDIT_COLUMNS                                                                              \
    "seq, ts, actor, role, client, action, method, path, target, outcome, status, detail, "        \
    "canonical, prev_hash, hash"

/* A bytea column of any length, decoded into memory the caller frees with
 * PQfreemem; NULL when out of memory. */
static unsigned char *bytes_any(const PGresult *res, int row, int col, size_t *len)
{
    *len = 0;
    return PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), len);
}

/* A hash column: its first 32 bytes, zero-padded when shorter (as
 * SQLite's reader), so a stored hash of another length reads as a wrong
 * hash, which the verifier reports. */
static void bytes32(const PGresult *res, int row, int col, unsigned char out[STORE_AUDIT_HASH_LEN])
{
    memset(out, 0, STORE_AUDIT_HASH_LEN);
    size_t len;
    unsigned char *b = bytes_any(res, row, col, &len);
    if (b)
        memcpy(out, b, len < STORE_AUDIT_HASH_LEN ? len : STORE_AUDIT_HASH_LEN);
    PQfreemem(b);
}

static const char *text(const PGresult *res, int row, int col)
{
    const char *t = pg_get_text(res, row, col);
    return t ? t : "";
}

/* ---- records ------------------------------------------------------------ */

typedef struct {
    int64_t *seq;
    unsigned char *hash;
} last_t;

static int fill_last(void *out, const PGresult *res, int i)
{
    last_t *l = out;
    *l->seq = pg_get_int(res, i, 0);
    bytes32(res, i, 1, l->hash);
    return 0;
}

static int audit_last(store_t *s, int64_t *seq, unsigned char hash[STORE_AUDIT_HASH_LEN])
{
    static const char sql[] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
    last_t l = {seq, hash};
    int rc = pg_one(s, sql, NULL, 0, fill_last, &l, "audit last");
    if (rc == STORE_NOT_FOUND) {
        *seq = 0;
        memset(hash, 0, STORE_AUDIT_HASH_LEN);
        rc = STORE_OK;
    }
    return rc;
}

static int audit_append(store_t *s, const store_audit_row_t *r)
{
    static const char sql[] =
        "INSERT INTO audit_log(" AUDIT_COLUMNS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
    pg_param_t p[15] = {PG_INT(r->seq), PG_INT(r->ts)};
    const char *texts[] = {r->actor,  r->role, r->client, r->action,
                           r->method, r->path, r->target, r->outcome};
    for (int i = 0; i < 8; i++)
        p[2 + i] = PG_TEXT(texts[i] ? texts[i] : "");
    p[10] = PG_INT(r->status);
    p[11] = PG_TEXT(r->detail ? r->detail : "");
    p[12] = PG_BYTES(r->canonical, r->canonical_len);
    p[13] = PG_BYTES(r->prev_hash, STORE_AUDIT_HASH_LEN);
    p[14] = PG_BYTES(r->hash, STORE_AUDIT_HASH_LEN);
    return pg_exec(s, sql, p, 15, "audit append");
}

typedef struct {
    store_audit_cb cb;
    void *ctx;
    int failed; /* out of memory decoding a row */
} audit_rows_t;

static int audit_row(void *ctx, const PGresult *res, int i)
{
    audit_rows_t *ar = ctx;
    store_audit_row_t r;
    memset(&r, 0, sizeof(r));
    r.seq = pg_get_int(res, i, 0);
    r.ts = pg_get_int(res, i, 1);
    r.actor = text(res, i, 2);
    r.role = text(res, i, 3);
    r.client = text(res, i, 4);
    r.action = text(res, i, 5);
    r.method = text(res, i, 6);
    r.path = text(res, i, 7);
    r.target = text(res, i, 8);
    r.outcome = text(res, i, 9);
    r.status = pg_get_int(res, i, 10);
    r.detail = text(res, i, 11);
    bytes32(res, i, 13, r.prev_hash);
    bytes32(res, i, 14, r.hash);
    unsigned char *canonical = bytes_any(res, i, 12, &r.canonical_len);
    if (!canonical) {
        ar->failed = 1;
        return 1;
    }
    r.canonical = canonical;
    int stop = ar->cb(ar->ctx, &r);
    PQfreemem(canonical);
    return stop;
}

/* Appends " AND <column> <op> $n" for the next parameter. */
static void condition(strbuf_t *sql, pg_param_t *p, int *n, const char *column_op, pg_param_t v)
{
    p[(*n)++] = v;
    strbuf_printf(sql, " AND %s $%d", column_op, *n);
}

/* Filters are fixed SQL fragments; values only ever reach SQL bound. */
static int audit_query(store_t *s, const store_audit_filter_t *f, store_audit_cb cb, void *ctx)
{
    strbuf_t sql;
    strbuf_init(&sql, 0);
    pg_param_t p[10];
    int n = 0;
    strbuf_puts(&sql, "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE true");
    if (f->from)
        condition(&sql, p, &n, "ts >=", PG_INT(f->from));
    if (f->to && f->to != INT64_MAX)
        condition(&sql, p, &n, "ts <", PG_INT(f->to));
    const struct {
        const char *column_op, *value;
    } equal[] = {{"actor =", f->actor},
                 {"action =", f->action},
                 {"outcome =", f->outcome},
                 {"client =", f->client},
                 {"target =", f->target}};
    for (size_t i = 0; i < sizeof(equal) / sizeof(equal[0]); i++)
        if (equal[i].value)
            condition(&sql, p, &n, equal[i].column_op, PG_TEXT(equal[i].value));
    if (f->after_seq)
        condition(&sql, p, &n, "seq >", PG_INT(f->after_seq));
    if (f->before_seq)
        condition(&sql, p, &n, "seq <", PG_INT(f->before_seq));
    strbuf_puts(&sql, f->ascending ? " ORDER BY seq ASC" : " ORDER BY seq DESC");
    if (f->limit > 0) {
        p[n++] = PG_INT(f->limit);
        strbuf_printf(&sql, " LIMIT $%d", n);
    }
    if (sql.failed) {
        strbuf_free(&sql);
        return STORE_ERROR;
    }
    audit_rows_t ar = {.cb = cb, .ctx = ctx};
    int rc = pg_each(s, sql.data, 1, p, n, audit_row, &ar, "audit query");
    strbuf_free(&sql);
    return rc == STORE_OK && ar.failed ? STORE_ERROR : rc;
}

/* ---- seals --------------------------------------------------------------- */

static int audit_seal_append(store_t *s, store_audit_seal_t *seal)
{
    static const char sql[] = "INSERT INTO audit_seals(seq, ts, hash, key_id, signature)"
                              " VALUES ($1, $2, $3, $4, $5) RETURNING id";
    pg_param_t p[] = {
        PG_INT(seal->seq), PG_INT(seal->ts), PG_BYTES(seal->hash, STORE_AUDIT_HASH_LEN),
        PG_BYTES(seal->key_id, STORE_AUDIT_HASH_LEN), PG_BYTES(seal->sig, seal->sig_len)};
    return pg_int(s, sql, 0, p, 5, &seal->id, "audit seal");
}

typedef struct {
    store_seal_cb cb;
    void *ctx;
    int failed;
} seal_rows_t;

static int seal_row(void *ctx, const PGresult *res, int i)
{
    seal_rows_t *sr = ctx;
    store_audit_seal_t seal;
    memset(&seal, 0, sizeof(seal));
    seal.id = pg_get_int(res, i, 0);
    seal.seq = pg_get_int(res, i, 1);
    seal.ts = pg_get_int(res, i, 2);
    bytes32(res, i, 3, seal.hash);
    bytes32(res, i, 4, seal.key_id);
    size_t len;
    unsigned char *sig = bytes_any(res, i, 5, &len);
    if (!sig) {
        sr->failed = 1;
        return 1;
    }
    /* a longer signature is cut, as SQLite's reader does: it then fails
     * verification instead of overflowing */
    seal.sig_len = len < STORE_AUDIT_SIG_MAX ? len : STORE_AUDIT_SIG_MAX;
    memcpy(seal.sig, sig, seal.sig_len);
    PQfreemem(sig);
    return sr->cb(sr->ctx, &seal);
}

static int audit_seals(store_t *s, store_seal_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT id, seq, ts, hash, key_id, signature FROM audit_seals ORDER BY seq, id";
    seal_rows_t sr = {.cb = cb, .ctx = ctx};
    int rc = pg_each(s, sql, 0, NULL, 0, seal_row, &sr, "audit seals");
    return rc == STORE_OK && sr.failed ? STORE_ERROR : rc;
}

/* ---- retention ------------------------------------------------------------ */

/* One statement, so one transaction: the records and their old seals go
 * together, or nothing goes (a trigger refusing a young row). */
static int audit_retention_delete(store_t *s, int64_t through_seq, int64_t before_ms,
                                  int64_t *deleted)
{
    static const char sql[] =
        "WITH records AS (DELETE FROM audit_log WHERE seq <= $1 RETURNING 1),"
        " seals AS (DELETE FROM audit_seals WHERE seq <= $1 AND ts < $2 RETURNING 1)"
        " SELECT count(*) FROM records";
    pg_param_t p[] = {PG_INT(through_seq), PG_INT(before_ms)};
    *deleted = 0;
    return pg_int(s, sql, 0, p, 2, deleted, "audit retention");
}

/* ---- export cursors ------------------------------------------------------- */

static int audit_cursor_get(store_t *s, const char *name, int64_t *seq)
{
    static const char sql[] = "SELECT seq FROM audit_export_cursors WHERE name = $1";
    pg_param_t p[] = {PG_TEXT(name)};
    *seq = 0;
    return pg_int(s, sql, 0, p, 1, seq, "audit cursor");
}

static int audit_cursor_set(store_t *s, const char *name, int64_t seq)
{
    static const char sql[] =
        "INSERT INTO audit_export_cursors(name, seq, updated)"
        " VALUES ($1, $2, floor(extract(epoch FROM now()))::bigint * 1000)"
        " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated = excluded.updated";
    pg_param_t p[] = {PG_TEXT(name), PG_INT(seq)};
    return pg_exec(s, sql, p, 2, "audit cursor");
}

void pg_fill_audit_ops(store_ops_t *ops)
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
