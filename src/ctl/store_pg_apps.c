/*
 * store_pg_apps.c — applications, policies and their versions,
 * distribution bundles and gateway check-ins in PostgreSQL (store.h), with
 * the SQLite backend's semantics (store_sqlite_apps.c).
 *
 * Names are unique ignoring case (unique indexes on lower(name)) and
 * listed in SQLite's NOCASE order (lower(name) in the "C" collation).
 * Applications refer to their policy by id; each statement looks the name
 * up in SQL. Every operation that writes more than one row is one
 * statement (data-modifying WITH), so it is atomic without an explicit
 * transaction: a new version locks its policy's row while it takes
 * current_version + 1, so two editors saving at once get versions n+1 and
 * n+2, never the same number twice.
 */
#include <string.h>

#include "store_pg_t.h"

/* A row callback of the store's API and its context. */
typedef struct {
    void *cb;
    void *ctx;
} callback_t;

/* ---- applications ------------------------------------------------------ */

#define APP_COLUMNS                                                                                \
    "a.id, a.name, a.host, a.path_prefix, a.upstream, COALESCE(p.name, ''), a.switches,"           \
    " a.created, a.updated"
#define APP_FROM " FROM apps a LEFT JOIN policies p ON p.id = a.policy_id"

static int fill_app(void *out, const PGresult *res, int i)
{
    store_app_t *a = out;
    memset(a, 0, sizeof(*a));
    a->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, a->name, sizeof(a->name));
    pg_get_copy(res, i, 2, a->host, sizeof(a->host));
    pg_get_copy(res, i, 3, a->path_prefix, sizeof(a->path_prefix));
    pg_get_copy(res, i, 4, a->upstream, sizeof(a->upstream));
    pg_get_copy(res, i, 5, a->policy, sizeof(a->policy));
    pg_get_copy(res, i, 6, a->switches, sizeof(a->switches));
    a->created = pg_get_int(res, i, 7);
    a->updated = pg_get_int(res, i, 8);
    return 0;
}

/* app_create and app_update name the policy: "" stores NULL, a name its
 * id; an unknown name writes nothing (no row: STORE_NOT_FOUND, as in
 * SQLite). */
static int app_create(store_t *s, store_app_t *a)
{
    static const char sql[] =
        "INSERT INTO apps(name, host, path_prefix, upstream, policy_id, switches, created,"
        " updated) SELECT $1::text, $2::text, $3::text, $4::text,"
        " (SELECT id FROM policies WHERE lower(name) = lower($5::text)), $6::text,"
        " $7::bigint, $7::bigint"
        " WHERE $5::text = ''"
        " OR EXISTS (SELECT 1 FROM policies WHERE lower(name) = lower($5::text))"
        " RETURNING id";
    pg_param_t p[] = {PG_TEXT(a->name),     PG_TEXT(a->host),   PG_TEXT(a->path_prefix),
                      PG_TEXT(a->upstream), PG_TEXT(a->policy), PG_TEXT(a->switches),
                      PG_INT(a->created)};
    return pg_int(s, sql, 0, p, 7, &a->id, "create app");
}

static int app_get(store_t *s, const char *name, store_app_t *out)
{
    static const char sql[] = "SELECT " APP_COLUMNS APP_FROM " WHERE lower(a.name) = lower($1)";
    pg_param_t p[] = {PG_TEXT(name)};
    return pg_one(s, sql, p, 1, fill_app, out, "get app");
}

static int app_row(void *ctx, const PGresult *res, int i)
{
    callback_t *call = ctx;
    store_app_t a;
    fill_app(&a, res, i);
    return ((store_app_cb)call->cb)(call->ctx, &a);
}

static int app_list(store_t *s, store_app_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " APP_COLUMNS APP_FROM " ORDER BY lower(a.name) COLLATE \"C\", a.id";
    callback_t call = {(void *)cb, ctx};
    return pg_each(s, sql, 0, NULL, 0, app_row, &call, "list apps");
}

static int app_update(store_t *s, const store_app_t *a)
{
    static const char sql[] =
        "UPDATE apps SET name = $2, host = $3, path_prefix = $4, upstream = $5,"
        " policy_id = (SELECT id FROM policies WHERE lower(name) = lower($6::text)),"
        " switches = $7, updated = $8"
        " WHERE id = $1"
        " AND ($6::text = ''"
        " OR EXISTS (SELECT 1 FROM policies WHERE lower(name) = lower($6::text)))";
    pg_param_t p[] = {PG_INT(a->id),           PG_TEXT(a->name),     PG_TEXT(a->host),
                      PG_TEXT(a->path_prefix), PG_TEXT(a->upstream), PG_TEXT(a->policy),
                      PG_TEXT(a->switches),    PG_INT(a->updated)};
    return pg_change(s, sql, p, 8, "update app");
}

static int app_delete(store_t *s, const char *name)
{
    static const char sql[] = "DELETE FROM apps WHERE lower(name) = lower($1)";
    pg_param_t p[] = {PG_TEXT(name)};
    return pg_change(s, sql, p, 1, "delete app");
}

/* ---- policies ------------------------------------------------------------ */

#define POLICY_COLUMNS "id, name, current_version, created, updated"

static int fill_policy(void *out, const PGresult *res, int i)
{
    store_policy_t *p = out;
    memset(p, 0, sizeof(*p));
    p->id = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, p->name, sizeof(p->name));
    p->current_version = pg_get_int(res, i, 2);
    p->created = pg_get_int(res, i, 3);
    p->updated = pg_get_int(res, i, 4);
    return 0;
}

static int policy_create(store_t *s, const char *name, const store_policy_version_t *v,
                         int64_t *version)
{
    static const char sql[] =
        "WITH p AS (INSERT INTO policies(name, current_version, created, updated)"
        " VALUES ($1::text, 1, $2::bigint, $2::bigint) RETURNING id)"
        " INSERT INTO policy_versions(policy_id, version, text, author, comment, rollback_of,"
        " created) SELECT id, 1, $3::text, $4::text, $5::text, $6::bigint, $2::bigint FROM p"
        " RETURNING version";
    pg_param_t p[] = {PG_TEXT(name),      PG_INT(v->created),  PG_TEXT(v->text),
                      PG_TEXT(v->author), PG_TEXT(v->comment), PG_INT(v->rollback_of)};
    return pg_int(s, sql, 0, p, 6, version, "create policy");
}

static int policy_add_version(store_t *s, const char *name, const store_policy_version_t *v,
                              int64_t *version)
{
    /* The UPDATE locks the policy's row until the statement commits: a
     * concurrent one waits, then sees the new current_version. */
    static const char sql[] =
        "WITH p AS (UPDATE policies SET current_version = current_version + 1,"
        " updated = $2::bigint WHERE lower(name) = lower($1::text) RETURNING id, current_version)"
        " INSERT INTO policy_versions(policy_id, version, text, author, comment, rollback_of,"
        " created) SELECT id, current_version, $3::text, $4::text, $5::text, $6::bigint,"
        " $2::bigint FROM p RETURNING version";
    pg_param_t p[] = {PG_TEXT(name),      PG_INT(v->created),  PG_TEXT(v->text),
                      PG_TEXT(v->author), PG_TEXT(v->comment), PG_INT(v->rollback_of)};
    return pg_int(s, sql, 0, p, 6, version, "add policy version");
}

static int policy_get(store_t *s, const char *name, store_policy_t *out)
{
    static const char sql[] =
        "SELECT " POLICY_COLUMNS " FROM policies WHERE lower(name) = lower($1)";
    pg_param_t p[] = {PG_TEXT(name)};
    return pg_one(s, sql, p, 1, fill_policy, out, "get policy");
}

static int policy_row(void *ctx, const PGresult *res, int i)
{
    callback_t *call = ctx;
    store_policy_t p;
    fill_policy(&p, res, i);
    return ((store_policy_cb)call->cb)(call->ctx, &p);
}

static int policy_list(store_t *s, store_policy_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " POLICY_COLUMNS " FROM policies ORDER BY lower(name) COLLATE \"C\", id";
    callback_t call = {(void *)cb, ctx};
    return pg_each(s, sql, 0, NULL, 0, policy_row, &call, "list policies");
}

/* Columns: version, text (or NULL), author, comment, rollback_of, created. */
static int version_row(void *ctx, const PGresult *res, int i)
{
    callback_t *call = ctx;
    store_policy_version_t v;
    memset(&v, 0, sizeof(v));
    v.version = pg_get_int(res, i, 0);
    v.text = pg_get_text(res, i, 1);
    pg_get_copy(res, i, 2, v.author, sizeof(v.author));
    pg_get_copy(res, i, 3, v.comment, sizeof(v.comment));
    v.rollback_of = pg_get_int(res, i, 4);
    v.created = pg_get_int(res, i, 5);
    return ((store_policy_version_cb)call->cb)(call->ctx, &v);
}

static int policy_versions(store_t *s, const char *name, store_policy_version_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT v.version, NULL, v.author, v.comment, v.rollback_of, v.created"
        " FROM policy_versions v JOIN policies p ON p.id = v.policy_id"
        " WHERE lower(p.name) = lower($1) ORDER BY v.version DESC";
    store_policy_t policy;
    int rc = policy_get(s, name, &policy); /* an unknown policy is NOT_FOUND, not empty */
    if (rc != STORE_OK)
        return rc;
    pg_param_t p[] = {PG_TEXT(name)};
    callback_t call = {(void *)cb, ctx};
    return pg_each(s, sql, 0, p, 1, version_row, &call, "list policy versions");
}

static int policy_version_get(store_t *s, const char *name, int64_t version,
                              store_policy_version_cb cb, void *ctx)
{
    /* version 0: the current one */
    static const char sql[] =
        "SELECT v.version, v.text, v.author, v.comment, v.rollback_of, v.created"
        " FROM policies p JOIN policy_versions v ON v.policy_id = p.id"
        " WHERE lower(p.name) = lower($1)"
        " AND v.version = CASE WHEN $2::bigint = 0 THEN p.current_version ELSE $2::bigint END";
    pg_param_t p[] = {PG_TEXT(name), PG_INT(version)};
    callback_t call = {(void *)cb, ctx};
    return pg_one(s, sql, p, 2, version_row, &call, "get policy version");
}

static int policy_delete(store_t *s, const char *name)
{
    /* 0: no such policy, 1: deleted, 2: an application uses it (the row
     * lock keeps the answer true until the statement commits; the foreign
     * key refuses an application that names it meanwhile). */
    static const char sql[] =
        "WITH t AS (SELECT id, EXISTS (SELECT 1 FROM apps a WHERE a.policy_id = p.id) AS used"
        "   FROM policies p WHERE lower(name) = lower($1) FOR UPDATE),"
        " d AS (DELETE FROM policies WHERE id IN (SELECT id FROM t WHERE NOT used) RETURNING 1)"
        " SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN 0"
        "  WHEN (SELECT used FROM t) THEN 2 ELSE (SELECT count(*) FROM d) END";
    pg_param_t p[] = {PG_TEXT(name)};
    int64_t outcome = 0;
    int rc = pg_int(s, sql, 0, p, 1, &outcome, "delete policy");
    if (rc != STORE_OK)
        return rc;
    return outcome == 1 ? STORE_OK : outcome == 2 ? STORE_CONFLICT : STORE_NOT_FOUND;
}

/* ---- bundles and gateways -------------------------------------------- */

static int bundle_next_version(store_t *s, int64_t *version)
{
    static const char sql[] = "SELECT COALESCE(max(version), 0) + 1 FROM bundles";
    return pg_int(s, sql, 0, NULL, 0, version, "next bundle version");
}

static int bundle_publish(store_t *s, const store_bundle_t *b)
{
    static const char sql[] =
        "INSERT INTO bundles(version, hash, json, created) VALUES ($1, $2, $3, $4)";
    pg_param_t p[] = {PG_INT(b->version), PG_TEXT(b->hash), PG_TEXT(b->json), PG_INT(b->created)};
    return pg_exec(s, sql, p, 4, "publish bundle");
}

static int one_bundle(void *out, const PGresult *res, int i)
{
    callback_t *call = out;
    store_bundle_t b;
    memset(&b, 0, sizeof(b));
    b.version = pg_get_int(res, i, 0);
    pg_get_copy(res, i, 1, b.hash, sizeof(b.hash));
    b.json = pg_get_text(res, i, 2);
    b.created = pg_get_int(res, i, 3);
    return ((store_bundle_cb)call->cb)(call->ctx, &b);
}

static int bundle_latest(store_t *s, store_bundle_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT version, hash, json, created FROM bundles ORDER BY version DESC LIMIT 1";
    callback_t call = {(void *)cb, ctx};
    return pg_one(s, sql, NULL, 0, one_bundle, &call, "latest bundle");
}

static int gateway_checkin(store_t *s, const store_gateway_t *g)
{
    static const char sql[] =
        "INSERT INTO gateways(id, name, running_version, running_hash, address, token,"
        " first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
        " running_version = excluded.running_version, running_hash = excluded.running_hash,"
        " address = excluded.address, token = excluded.token, last_seen = excluded.last_seen";
    pg_param_t p[] = {PG_TEXT(g->id),           PG_TEXT(g->name),    PG_INT(g->running_version),
                      PG_TEXT(g->running_hash), PG_TEXT(g->address), PG_TEXT(g->token),
                      PG_INT(g->last_seen)};
    return pg_exec(s, sql, p, 7, "gateway check-in");
}

static int gateway_row(void *ctx, const PGresult *res, int i)
{
    callback_t *call = ctx;
    store_gateway_t g;
    memset(&g, 0, sizeof(g));
    pg_get_copy(res, i, 0, g.id, sizeof(g.id));
    pg_get_copy(res, i, 1, g.name, sizeof(g.name));
    g.running_version = pg_get_int(res, i, 2);
    pg_get_copy(res, i, 3, g.running_hash, sizeof(g.running_hash));
    pg_get_copy(res, i, 4, g.address, sizeof(g.address));
    pg_get_copy(res, i, 5, g.token, sizeof(g.token));
    g.first_seen = pg_get_int(res, i, 6);
    g.last_seen = pg_get_int(res, i, 7);
    return ((store_gateway_cb)call->cb)(call->ctx, &g);
}

static int gateway_list(store_t *s, store_gateway_cb cb, void *ctx)
{
    static const char sql[] = "SELECT id, name, running_version, running_hash, address, token,"
                              " first_seen, last_seen FROM gateways ORDER BY id COLLATE \"C\"";
    callback_t call = {(void *)cb, ctx};
    return pg_each(s, sql, 0, NULL, 0, gateway_row, &call, "list gateways");
}

void pg_fill_apps_ops(store_ops_t *ops)
{
    ops->app_create = app_create;
    ops->app_get = app_get;
    ops->app_list = app_list;
    ops->app_update = app_update;
    ops->app_delete = app_delete;
    ops->policy_create = policy_create;
    ops->policy_add_version = policy_add_version;
    ops->policy_get = policy_get;
    ops->policy_list = policy_list;
    ops->policy_versions = policy_versions;
    ops->policy_version_get = policy_version_get;
    ops->policy_delete = policy_delete;
    ops->bundle_next_version = bundle_next_version;
    ops->bundle_publish = bundle_publish;
    ops->bundle_latest = bundle_latest;
    ops->gateway_checkin = gateway_checkin;
    ops->gateway_list = gateway_list;
}
