/*
 * store_oidc.c — the OpenID Connect provider's rows (see store_oidc.h).
 */
#include "store_oidc.h"

#include <stdio.h>
#include <stdlib.h>
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

/* ---- clients ---- */

#define CLIENT_COLUMNS                                                                             \
    "client_id, name, app, secret_hash, first_party, redirect_uris, post_logout_uris, scopes, "    \
    "alg, created, updated"

static void client_from(const store_sql_row_t *row, oidc_client_t *c)
{
    memset(c, 0, sizeof(*c));
    COPY(c->client_id, row, 0);
    COPY(c->name, row, 1);
    COPY(c->app, row, 2);
    COPY(c->secret_hash, row, 3);
    c->first_party = (int)store_sql_int(row, 4);
    COPY(c->redirect_uris, row, 5);
    COPY(c->post_logout_uris, row, 6);
    COPY(c->scopes, row, 7);
    COPY(c->alg, row, 8);
    c->created = store_sql_int(row, 9);
    c->updated = store_sql_int(row, 10);
}

static int one_client(void *ctx, const store_sql_row_t *row)
{
    client_from(row, ctx);
    return 1;
}

int oidc_client_add(store_t *s, const oidc_client_t *c)
{
    static const char sql[] = "INSERT INTO oidc_clients (" CLIENT_COLUMNS
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    store_sql_val_t p[] = {
        SQL_T(c->client_id),        SQL_T(c->name),        SQL_T(c->app),
        SQL_T(c->secret_hash),      SQL_I(c->first_party), SQL_T(c->redirect_uris),
        SQL_T(c->post_logout_uris), SQL_T(c->scopes),      SQL_T(c->alg),
        SQL_I(c->created),          SQL_I(c->updated)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_client_update(store_t *s, const oidc_client_t *c)
{
    static const char sql[] = "UPDATE oidc_clients SET name = $2, app = $3, secret_hash = $4, "
                              "first_party = $5, redirect_uris = $6, post_logout_uris = $7, "
                              "scopes = $8, alg = $9, updated = $10 WHERE client_id = $1";
    store_sql_val_t p[] = {
        SQL_T(c->client_id),        SQL_T(c->name),        SQL_T(c->app),
        SQL_T(c->secret_hash),      SQL_I(c->first_party), SQL_T(c->redirect_uris),
        SQL_T(c->post_logout_uris), SQL_T(c->scopes),      SQL_T(c->alg),
        SQL_I(c->updated)};
    int64_t changed = 0;
    int rc = RUN(NULL, sql, p, NULL, NULL, &changed);
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

int oidc_client_get(store_t *s, const char *client_id, oidc_client_t *out)
{
    static const char sql[] = "SELECT " CLIENT_COLUMNS " FROM oidc_clients WHERE client_id = $1";
    store_sql_val_t p[] = {SQL_T(client_id)};
    memset(out, 0, sizeof(*out));
    int rc = RUN(NULL, sql, p, one_client, out, NULL);
    return rc == STORE_OK && !out->client_id[0] ? STORE_NOT_FOUND : rc;
}

typedef struct {
    oidc_client_cb cb;
    void *ctx;
} client_each_t;

static int each_client(void *ctx, const store_sql_row_t *row)
{
    client_each_t *e = ctx;
    oidc_client_t *c = malloc(sizeof(*c));
    if (!c)
        return 1;
    client_from(row, c);
    int stop = e->cb(e->ctx, c);
    free(c);
    return stop;
}

int oidc_client_list(store_t *s, oidc_client_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " CLIENT_COLUMNS " FROM oidc_clients WHERE client_id <> $1 ORDER BY client_id";
    store_sql_val_t p[] = {SQL_T("")};
    client_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_client, &e, NULL);
}

int oidc_client_delete(store_t *s, const char *client_id)
{
    static const char sql[] = "DELETE FROM oidc_clients WHERE client_id = $1";
    store_sql_val_t p[] = {SQL_T(client_id)};
    int64_t changed = 0;
    int rc = RUN(NULL, sql, p, NULL, NULL, &changed);
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

/* ---- codes and tokens ---- */

static void grant_from(const store_sql_row_t *row, oidc_grant_t *g)
{
    memset(g, 0, sizeof(*g));
    COPY(g->hash, row, 0);
    COPY(g->kind, row, 1);
    COPY(g->client_id, row, 2);
    g->user_id = store_sql_int(row, 3);
    COPY(g->sid, row, 4);
    COPY(g->family, row, 5);
    COPY(g->grant_data, row, 6);
    g->expires = store_sql_int(row, 7);
    g->used = (int)store_sql_int(row, 8);
    g->revoked = (int)store_sql_int(row, 9);
}

static int one_grant(void *ctx, const store_sql_row_t *row)
{
    grant_from(row, ctx);
    return 1;
}

int oidc_code_add(store_t *s, const oidc_grant_t *g)
{
    static const char sql[] = "INSERT INTO oidc_codes (hash, client_id, user_id, sid, grant_data, "
                              "expires) VALUES ($1, $2, $3, $4, $5, $6)";
    store_sql_val_t p[] = {SQL_T(g->hash), SQL_T(g->client_id),  SQL_I(g->user_id),
                           SQL_T(g->sid),  SQL_T(g->grant_data), SQL_I(g->expires)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_code_take(store_t *s, const char *hash, oidc_grant_t *g)
{
    static const char get[] = "SELECT hash, 'code', client_id, user_id, sid, hash, grant_data, "
                              "expires, used, 0 FROM oidc_codes WHERE hash = $1";
    static const char take[] = "UPDATE oidc_codes SET used = 1 WHERE hash = $1 AND used = 0";
    store_sql_val_t p[] = {SQL_T(hash)};
    memset(g, 0, sizeof(*g));
    int rc = RUN(NULL, get, p, one_grant, g, NULL);
    if (rc != STORE_OK)
        return rc;
    if (!g->hash[0])
        return STORE_NOT_FOUND;
    int64_t changed = 0;
    rc = RUN(NULL, take, p, NULL, NULL, &changed);
    return rc == STORE_OK && changed == 0 ? STORE_CONFLICT : rc;
}

int oidc_token_add(store_t *s, const oidc_grant_t *g)
{
    static const char sql[] =
        "INSERT INTO oidc_tokens (hash, kind, client_id, user_id, sid, family, "
        "grant_data, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    store_sql_val_t p[] = {SQL_T(g->hash),       SQL_T(g->kind),   SQL_T(g->client_id),
                           SQL_I(g->user_id),    SQL_T(g->sid),    SQL_T(g->family),
                           SQL_T(g->grant_data), SQL_I(g->expires)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_token_get(store_t *s, const char *hash, oidc_grant_t *g)
{
    static const char sql[] = "SELECT hash, kind, client_id, user_id, sid, family, grant_data, "
                              "expires, used, revoked FROM oidc_tokens WHERE hash = $1";
    store_sql_val_t p[] = {SQL_T(hash)};
    memset(g, 0, sizeof(*g));
    int rc = RUN(NULL, sql, p, one_grant, g, NULL);
    return rc == STORE_OK && !g->hash[0] ? STORE_NOT_FOUND : rc;
}

int oidc_token_use(store_t *s, const char *hash)
{
    static const char sql[] = "UPDATE oidc_tokens SET used = 1 WHERE hash = $1 AND used = 0";
    store_sql_val_t p[] = {SQL_T(hash)};
    int64_t changed = 0;
    int rc = RUN(NULL, sql, p, NULL, NULL, &changed);
    return rc == STORE_OK && changed == 0 ? STORE_CONFLICT : rc;
}

int oidc_family_revoke(store_t *s, const char *family)
{
    static const char sql[] = "UPDATE oidc_tokens SET revoked = 1 WHERE family = $1";
    store_sql_val_t p[] = {SQL_T(family)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_sid_revoke(store_t *s, const char *sid)
{
    static const char sql[] = "UPDATE oidc_tokens SET revoked = 1 WHERE sid = $1";
    store_sql_val_t p[] = {SQL_T(sid)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

int oidc_grants_prune(store_t *s, int64_t now)
{
    static const char codes[] = "DELETE FROM oidc_codes WHERE expires < $1";
    static const char tokens[] = "DELETE FROM oidc_tokens WHERE expires < $1";
    store_sql_val_t p[] = {SQL_I(now - 3600)}; /* a spent code is kept an hour to spot reuse */
    int rc = RUN(NULL, codes, p, NULL, NULL, NULL);
    return rc == STORE_OK ? RUN(NULL, tokens, p, NULL, NULL, NULL) : rc;
}

/* ---- consents ---- */

typedef struct {
    char *out;
    size_t cap;
} text_out_t;

static int one_text(void *ctx, const store_sql_row_t *row)
{
    text_out_t *t = ctx;
    snprintf(t->out, t->cap, "%s", store_sql_text(row, 0));
    return 1;
}

int oidc_consent_get(store_t *s, int64_t user_id, const char *client_id, char *scopes, size_t cap)
{
    static const char sql[] =
        "SELECT scopes FROM oidc_consents WHERE user_id = $1 AND client_id = $2";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_T(client_id)};
    text_out_t t = {scopes, cap};
    scopes[0] = '\0';
    return RUN(NULL, sql, p, one_text, &t, NULL);
}

int oidc_consent_put(store_t *s, int64_t user_id, const char *client_id, const char *scopes,
                     int64_t now)
{
    static const char sql[] = "INSERT INTO oidc_consents (user_id, client_id, scopes, created) "
                              "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, client_id) "
                              "DO UPDATE SET scopes = $3, created = $4";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_T(client_id), SQL_T(scopes), SQL_I(now)};
    return RUN(NULL, sql, p, NULL, NULL, NULL);
}

typedef struct {
    oidc_consent_cb cb;
    void *ctx;
} consent_each_t;

static int each_consent(void *ctx, const store_sql_row_t *row)
{
    consent_each_t *e = ctx;
    oidc_consent_t c;
    memset(&c, 0, sizeof(c));
    COPY(c.client_id, row, 0);
    COPY(c.name, row, 1);
    COPY(c.scopes, row, 2);
    c.created = store_sql_int(row, 3);
    return e->cb(e->ctx, &c);
}

int oidc_consent_list(store_t *s, int64_t user_id, oidc_consent_cb cb, void *ctx)
{
    static const char sql[] = "SELECT c.client_id, k.name, c.scopes, c.created "
                              "FROM oidc_consents c JOIN oidc_clients k ON k.client_id = "
                              "c.client_id WHERE c.user_id = $1 ORDER BY c.client_id";
    store_sql_val_t p[] = {SQL_I(user_id)};
    consent_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_consent, &e, NULL);
}

int oidc_consent_delete(store_t *s, int64_t user_id, const char *client_id)
{
    static const char consent[] = "DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2";
    static const char tokens[] =
        "UPDATE oidc_tokens SET revoked = 1 WHERE user_id = $1 AND client_id = $2";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_T(client_id)};
    int64_t changed = 0;
    int rc = RUN(NULL, consent, p, NULL, NULL, &changed);
    if (rc == STORE_OK && changed == 0)
        return STORE_NOT_FOUND;
    return rc == STORE_OK ? RUN(NULL, tokens, p, NULL, NULL, NULL) : rc;
}
