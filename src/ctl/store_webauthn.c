/*
 * store_webauthn.c — WebAuthn credentials in the store (store_webauthn.h).
 */
#include "store_webauthn.h"

#include <stdio.h>
#include <string.h>

#define RUN(tx, text, p, cb, ctx, changed)                                                         \
    s->sql->run(s, (tx), (text), (p), (int)(sizeof(p) / sizeof((p)[0])), (cb), (ctx), (changed))

#define COLUMNS                                                                                    \
    "id, user_id, credential_id, user_handle, public_key, alg, sign_count, transports, aaguid, "   \
    "name, created, last_used"

#define COPY(field, row, col) snprintf((field), sizeof(field), "%s", store_sql_text((row), (col)))

static void cred_from(const store_sql_row_t *row, wa_cred_t *c)
{
    memset(c, 0, sizeof(*c));
    c->id = store_sql_int(row, 0);
    c->user_id = store_sql_int(row, 1);
    COPY(c->credential_id, row, 2);
    COPY(c->user_handle, row, 3);
    COPY(c->public_key, row, 4);
    c->alg = store_sql_int(row, 5);
    c->sign_count = store_sql_int(row, 6);
    COPY(c->transports, row, 7);
    COPY(c->aaguid, row, 8);
    COPY(c->name, row, 9);
    c->created = store_sql_int(row, 10);
    c->last_used = store_sql_int(row, 11);
}

static int first_id(void *ctx, const store_sql_row_t *row)
{
    *(int64_t *)ctx = store_sql_int(row, 0);
    return 1;
}

int wa_cred_add(store_t *s, wa_cred_t *c)
{
    static const char sql[] =
        "INSERT INTO dir_webauthn (user_id, credential_id, user_handle, public_key, alg, "
        "sign_count, transports, aaguid, name, created, last_used) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0) RETURNING id";
    store_sql_val_t p[] = {SQL_I(c->user_id),    SQL_T(c->credential_id), SQL_T(c->user_handle),
                           SQL_T(c->public_key), SQL_I(c->alg),           SQL_I(c->sign_count),
                           SQL_T(c->transports), SQL_T(c->aaguid),        SQL_T(c->name),
                           SQL_I(c->created)};
    return RUN(NULL, sql, p, first_id, &c->id, NULL);
}

typedef struct {
    int found;
    wa_cred_t *out;
} one_t;

static int one_cred(void *ctx, const store_sql_row_t *row)
{
    one_t *o = ctx;
    cred_from(row, o->out);
    o->found = 1;
    return 1;
}

int wa_cred_get(store_t *s, const char *credential_id, wa_cred_t *out)
{
    static const char sql[] = "SELECT " COLUMNS " FROM dir_webauthn WHERE credential_id = $1";
    store_sql_val_t p[] = {SQL_T(credential_id)};
    one_t o = {0, out};
    int rc = RUN(NULL, sql, p, one_cred, &o, NULL);
    return rc == STORE_OK && !o.found ? STORE_NOT_FOUND : rc;
}

typedef struct {
    int (*cb)(void *ctx, const wa_cred_t *c);
    void *ctx;
} each_t;

static int each_cred(void *ctx, const store_sql_row_t *row)
{
    each_t *e = ctx;
    wa_cred_t c;
    cred_from(row, &c);
    return e->cb(e->ctx, &c);
}

int wa_cred_list(store_t *s, int64_t user_id, int (*cb)(void *ctx, const wa_cred_t *c), void *ctx)
{
    static const char sql[] = "SELECT " COLUMNS " FROM dir_webauthn WHERE user_id = $1 ORDER BY id";
    store_sql_val_t p[] = {SQL_I(user_id)};
    each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_cred, &e, NULL);
}

static int changed_one(int rc, int64_t changed)
{
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

int wa_cred_used(store_t *s, int64_t id, int64_t sign_count, int64_t when_ms)
{
    static const char sql[] =
        "UPDATE dir_webauthn SET sign_count = $2, last_used = $3 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(sign_count), SQL_I(when_ms)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int wa_cred_rename(store_t *s, int64_t user_id, int64_t id, const char *name)
{
    static const char sql[] = "UPDATE dir_webauthn SET name = $3 WHERE id = $1 AND user_id = $2";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(user_id), SQL_T(name)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int wa_cred_delete(store_t *s, int64_t user_id, int64_t id)
{
    static const char sql[] = "DELETE FROM dir_webauthn WHERE id = $1 AND user_id = $2";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(user_id)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int wa_cred_delete_all(store_t *s, int64_t user_id)
{
    static const char sql[] = "DELETE FROM dir_webauthn WHERE user_id = $1";
    store_sql_val_t p[] = {SQL_I(user_id)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}
