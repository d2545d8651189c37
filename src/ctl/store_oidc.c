/*
 * store_oidc.c — the OpenID Connect provider's rows (see store_oidc.h).
 */
#include "store_oidc.h"

#include <stdio.h>
#include <string.h>

#include "store_sql.h"

#define RUN(tx, text, p, cb, ctx, changed)                                                         \
    s->sql->run(s, (tx), (text), (p), (int)(sizeof(p) / sizeof((p)[0])), (cb), (ctx), (changed))

#define COPY(field, row, col) snprintf((field), sizeof(field), "%s", store_sql_text((row), (col)))

int oidc_key_add(store_t *s, const oidc_key_row_t *k)
{
    static const char sql[] = "INSERT INTO oidc_keys (kid, alg, sealed, created, prune_after) "
                              "VALUES ($1, $2, $3, $4, $5)";
    store_sql_val_t p[] = {SQL_T(k->kid), SQL_T(k->alg), SQL_T(k->sealed), SQL_I(k->created),
                           SQL_I(k->prune_after)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

typedef struct {
    oidc_key_cb cb;
    void *ctx;
} key_each_t;

static int each_key(void *ctx, const store_sql_row_t *row)
{
    key_each_t *e = ctx;
    static __thread oidc_key_row_t k; /* 4 KB: off the stack of the pool thread */
    memset(&k, 0, sizeof(k));
    COPY(k.kid, row, 0);
    COPY(k.alg, row, 1);
    COPY(k.sealed, row, 2);
    k.created = store_sql_int(row, 3);
    k.prune_after = store_sql_int(row, 4);
    return e->cb(e->ctx, &k);
}

int oidc_key_list(store_t *s, oidc_key_cb cb, void *ctx)
{
    static const char sql[] = "SELECT kid, alg, sealed, created, prune_after FROM oidc_keys "
                              "WHERE kid <> $1 ORDER BY created, kid";
    store_sql_val_t p[] = {SQL_T("")};
    key_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_key, &e, NULL);
}

int oidc_key_retire(store_t *s, const char *alg, const char *kid, int64_t t)
{
    static const char sql[] = "UPDATE oidc_keys SET prune_after = $3 WHERE alg = $1 AND kid <> $2 "
                              "AND prune_after = 0";
    store_sql_val_t p[] = {SQL_T(alg), SQL_T(kid), SQL_I(t)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_key_prune(store_t *s, int64_t now)
{
    static const char sql[] = "DELETE FROM oidc_keys WHERE prune_after <> 0 AND prune_after < $1";
    store_sql_val_t p[] = {SQL_I(now)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}
