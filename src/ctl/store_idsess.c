/*
 * store_idsess.c — identity sessions, revocations and keys in the store
 * (see store_idsess.h), one SQL text for both backends.
 */
#include "store_idsess.h"

#include <stdio.h>
#include <string.h>

#define RUN(tx, text, p, cb, ctx, changed)                                                         \
    s->sql->run(s, (tx), (text), (p), (int)(sizeof(p) / sizeof((p)[0])), (cb), (ctx), (changed))

static void copy(char *out, size_t size, const char *v)
{
    snprintf(out, size, "%s", v ? v : "");
}

#define COPY(field, row, col) copy((field), sizeof(field), (row)->v[col])

static int changed_one(int rc, int64_t changed)
{
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

static int one_int(void *ctx, const store_sql_row_t *row)
{
    *(int64_t *)ctx = store_sql_int(row, 0);
    return 1;
}

/* ---- sessions --------------------------------------------------------------- */

#define SESS_COLUMNS "s.sid, s.user_id, s.amr, s.app, s.client, s.created, s.expires, u.name"

static void sess_from(const store_sql_row_t *row, idsess_t *x)
{
    memset(x, 0, sizeof(*x));
    COPY(x->sid, row, 0);
    x->user_id = store_sql_int(row, 1);
    COPY(x->amr, row, 2);
    COPY(x->app, row, 3);
    COPY(x->client, row, 4);
    x->created = store_sql_int(row, 5);
    x->expires = store_sql_int(row, 6);
    COPY(x->user, row, 7);
}

typedef struct {
    idsess_cb cb;
    void *ctx;
    int found;
    idsess_t *out;
} sess_each_t;

static int each_sess(void *ctx, const store_sql_row_t *row)
{
    sess_each_t *e = ctx;
    idsess_t x;
    sess_from(row, e->out ? e->out : &x);
    e->found = 1;
    return e->cb ? e->cb(e->ctx, &x) : 1;
}

int idsess_create(store_t *s, const idsess_t *x)
{
    static const char sql[] = "INSERT INTO id_sessions (sid, user_id, amr, app, client, created, "
                              "expires) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    store_sql_val_t p[] = {SQL_T(x->sid),    SQL_I(x->user_id), SQL_T(x->amr),    SQL_T(x->app),
                           SQL_T(x->client), SQL_I(x->created), SQL_I(x->expires)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int idsess_get(store_t *s, const char *sid, idsess_t *out)
{
    static const char sql[] =
        "SELECT " SESS_COLUMNS " FROM id_sessions s JOIN dir_users u ON u.id = s.user_id "
        "WHERE s.sid = $1";
    store_sql_val_t p[] = {SQL_T(sid)};
    sess_each_t e = {NULL, NULL, 0, out};
    int rc = RUN(NULL, sql, p, each_sess, &e, NULL);
    return rc == STORE_OK && !e.found ? STORE_NOT_FOUND : rc;
}

int idsess_list(store_t *s, int64_t user_id, int limit, idsess_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " SESS_COLUMNS " FROM id_sessions s JOIN dir_users u ON u.id = s.user_id "
        "WHERE ($1 = 0 OR s.user_id = $1) ORDER BY s.created DESC, s.sid "
        "LIMIT $2";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_I(limit)};
    sess_each_t e = {cb, ctx, 0, NULL};
    return RUN(NULL, sql, p, each_sess, &e, NULL);
}

int idsess_delete(store_t *s, const char *sid)
{
    static const char sql[] = "DELETE FROM id_sessions WHERE sid = $1";
    store_sql_val_t p[] = {SQL_T(sid)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int idsess_delete_user(store_t *s, int64_t user_id)
{
    static const char sql[] = "DELETE FROM id_sessions WHERE user_id = $1";
    store_sql_val_t p[] = {SQL_I(user_id)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int idsess_purge(store_t *s, int64_t now_ms)
{
    static const char sql[] = "DELETE FROM id_sessions WHERE expires <= $1";
    store_sql_val_t p[] = {SQL_I(now_ms)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

/* ---- revocations --------------------------------------------------------------- */

static const char pruned_sql[] = "SELECT value FROM id_state WHERE name = 'revocations_pruned'";
static const char newest_sql[] = "SELECT max(seq) FROM id_revocations";

typedef struct {
    const char *kind, *ident;
    int64_t t, prune_after, seq;
} append_t;

static int append_body(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    static const char insert[] = "INSERT INTO id_revocations (seq, kind, ident, t, prune_after) "
                                 "VALUES ($1, $2, $3, $4, $5)";
    append_t *a = ctx;
    int64_t newest = 0, pruned = 0;
    int rc = s->sql->run(s, tx, newest_sql, NULL, 0, one_int, &newest, NULL);
    if (rc == STORE_OK)
        rc = s->sql->run(s, tx, pruned_sql, NULL, 0, one_int, &pruned, NULL);
    if (rc != STORE_OK)
        return rc;
    a->seq = (newest > pruned ? newest : pruned) + 1;
    store_sql_val_t p[] = {SQL_I(a->seq), SQL_T(a->kind), SQL_T(a->ident), SQL_I(a->t),
                           SQL_I(a->prune_after)};
    return RUN(tx, insert, p, NULL, NULL, NULL);
}

int idrev_append(store_t *s, const char *kind, const char *ident, int64_t t, int64_t prune_after,
                 int64_t *seq)
{
    append_t a = {kind, ident, t, prune_after, 0};
    int rc = s->sql->transaction(s, append_body, &a);
    *seq = a.seq;
    return rc;
}

int idrev_head(store_t *s, int64_t *seq, int64_t *pruned)
{
    int64_t newest = 0;
    *pruned = 0;
    int rc = s->sql->run(s, NULL, newest_sql, NULL, 0, one_int, &newest, NULL);
    if (rc == STORE_OK)
        rc = s->sql->run(s, NULL, pruned_sql, NULL, 0, one_int, pruned, NULL);
    *seq = newest > *pruned ? newest : *pruned;
    return rc;
}

typedef struct {
    idrev_cb cb;
    void *ctx;
} rev_each_t;

static int each_rev(void *ctx, const store_sql_row_t *row)
{
    rev_each_t *e = ctx;
    idrev_t r;
    memset(&r, 0, sizeof(r));
    r.seq = store_sql_int(row, 0);
    COPY(r.kind, row, 1);
    COPY(r.ident, row, 2);
    r.t = store_sql_int(row, 3);
    return e->cb(e->ctx, &r);
}

int idrev_since(store_t *s, int64_t since, idrev_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT seq, kind, ident, t FROM id_revocations WHERE seq > $1 ORDER BY seq";
    store_sql_val_t p[] = {SQL_I(since)};
    rev_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_rev, &e, NULL);
}

static int prune_body(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    static const char highest[] = "SELECT max(seq) FROM id_revocations WHERE prune_after <= $1";
    static const char remember[] =
        "INSERT INTO id_state (name, value) VALUES ('revocations_pruned', $1) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value "
        "WHERE excluded.value > id_state.value";
    static const char drop[] = "DELETE FROM id_revocations WHERE prune_after <= $1";
    store_sql_val_t now[] = {SQL_I(*(int64_t *)ctx)};
    int64_t top = 0;
    int rc = RUN(tx, highest, now, one_int, &top, NULL);
    if (rc != STORE_OK || top == 0)
        return rc;
    store_sql_val_t p[] = {SQL_I(top)};
    rc = RUN(tx, remember, p, NULL, NULL, NULL);
    return rc == STORE_OK ? RUN(tx, drop, now, NULL, NULL, NULL) : rc;
}

int idrev_prune(store_t *s, int64_t now_ms)
{
    return s->sql->transaction(s, prune_body, &now_ms);
}

int idrev_user_before(store_t *s, int64_t user_id, int64_t *before)
{
    static const char sql[] =
        "SELECT max(t) FROM id_revocations WHERE kind = 'user' AND ident = $1";
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)user_id);
    store_sql_val_t p[] = {SQL_T(id)};
    *before = 0;
    return RUN(NULL, sql, p, one_int, before, NULL);
}

/* ---- keys -------------------------------------------------------------------------- */

int idkey_add(store_t *s, const idkey_t *k)
{
    static const char sql[] = "INSERT INTO id_keys (kid, purpose, app, alg, sealed, created, "
                              "not_after) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    store_sql_val_t p[] = {SQL_T(k->kid),    SQL_T(k->purpose), SQL_T(k->app),      SQL_T(k->alg),
                           SQL_T(k->sealed), SQL_I(k->created), SQL_I(k->not_after)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

typedef struct {
    idkey_cb cb;
    void *ctx;
} key_each_t;

static int each_key(void *ctx, const store_sql_row_t *row)
{
    key_each_t *e = ctx;
    idkey_t k;
    memset(&k, 0, sizeof(k));
    COPY(k.kid, row, 0);
    COPY(k.purpose, row, 1);
    COPY(k.app, row, 2);
    COPY(k.alg, row, 3);
    COPY(k.sealed, row, 4);
    k.created = store_sql_int(row, 5);
    k.not_after = store_sql_int(row, 6);
    return e->cb(e->ctx, &k);
}

int idkey_list(store_t *s, const char *purpose, const char *app, idkey_cb cb, void *ctx)
{
    static const char sql[] = "SELECT kid, purpose, app, alg, sealed, created, not_after FROM "
                              "id_keys WHERE purpose = $1 AND ($2 = '' OR app = $2) "
                              "ORDER BY created, kid";
    store_sql_val_t p[] = {SQL_T(purpose), SQL_T(app)};
    key_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_key, &e, NULL);
}

int idkey_delete(store_t *s, const char *kid)
{
    static const char sql[] = "DELETE FROM id_keys WHERE kid = $1";
    store_sql_val_t p[] = {SQL_T(kid)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}
