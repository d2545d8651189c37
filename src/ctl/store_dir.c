/*
 * store_dir.c — the identity directory's statements (see store_dir.h),
 * one SQL text for both backends through store_sql.h.
 */
#include "store_dir.h"

#include <stdio.h>
#include <string.h>

#define RUN(tx, text, p, cb, ctx, changed)                                                         \
    s->sql->run(s, (tx), (text), (p), (int)(sizeof(p) / sizeof((p)[0])), (cb), (ctx), (changed))

static void copy(char *out, size_t size, const char *v)
{
    snprintf(out, size, "%s", v ? v : "");
}

#define COPY(field, row, col) copy((field), sizeof(field), (row)->v[col])

/* ---- users -------------------------------------------------------------- */

#define USER_COLUMNS                                                                               \
    "id, name, display_name, email, phone, ou, state, attributes, pw_hash, pw_history, "           \
    "pw_changed, failures, locked_until, totp_secret, totp_state, totp_last_step, last_login, "    \
    "created, updated"

static void user_from(const store_sql_row_t *row, dir_user_t *u)
{
    memset(u, 0, sizeof(*u));
    u->id = store_sql_int(row, 0);
    COPY(u->name, row, 1);
    COPY(u->display_name, row, 2);
    COPY(u->email, row, 3);
    COPY(u->phone, row, 4);
    COPY(u->ou, row, 5);
    COPY(u->state, row, 6);
    COPY(u->attributes, row, 7);
    COPY(u->pw_hash, row, 8);
    COPY(u->pw_history, row, 9);
    u->pw_changed = store_sql_int(row, 10);
    u->failures = store_sql_int(row, 11);
    u->locked_until = store_sql_int(row, 12);
    COPY(u->totp_secret, row, 13);
    u->totp_state = store_sql_int(row, 14);
    u->totp_last_step = store_sql_int(row, 15);
    u->last_login = store_sql_int(row, 16);
    u->created = store_sql_int(row, 17);
    u->updated = store_sql_int(row, 18);
}

typedef struct {
    int found;
    void *out;
} one_t;

static int one_user(void *ctx, const store_sql_row_t *row)
{
    one_t *o = ctx;
    user_from(row, o->out);
    o->found = 1;
    return 1;
}

static int one_id(void *ctx, const store_sql_row_t *row)
{
    *(int64_t *)ctx = store_sql_int(row, 0);
    return 1;
}

static int found(int rc, const one_t *o)
{
    return rc == STORE_OK && !o->found ? STORE_NOT_FOUND : rc;
}

int dir_user_create(store_t *s, store_sql_tx_t *tx, dir_user_t *u)
{
    static const char sql[] =
        "INSERT INTO dir_users (name, display_name, email, phone, ou, state, attributes, pw_hash, "
        "pw_history, pw_changed, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12) RETURNING id";
    store_sql_val_t p[] = {SQL_T(u->name),       SQL_T(u->display_name), SQL_T(u->email),
                           SQL_T(u->phone),      SQL_T(u->ou),           SQL_T(u->state),
                           SQL_T(u->attributes), SQL_T(u->pw_hash),      SQL_T(u->pw_history),
                           SQL_I(u->pw_changed), SQL_I(u->created),      SQL_I(u->updated)};
    return RUN(tx, sql, p, one_id, &u->id, NULL);
}

int dir_user_get(store_t *s, store_sql_tx_t *tx, const char *name, dir_user_t *out)
{
    static const char sql[] =
        "SELECT " USER_COLUMNS " FROM dir_users WHERE lower(name) = lower($1)";
    store_sql_val_t p[] = {SQL_T(name)};
    one_t o = {0, out};
    return found(RUN(tx, sql, p, one_user, &o, NULL), &o);
}

int dir_user_get_id(store_t *s, int64_t id, dir_user_t *out)
{
    static const char sql[] = "SELECT " USER_COLUMNS " FROM dir_users WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id)};
    one_t o = {0, out};
    return found(RUN(NULL, sql, p, one_user, &o, NULL), &o);
}

static int changed_one(int rc, int64_t changed)
{
    return rc == STORE_OK && changed == 0 ? STORE_NOT_FOUND : rc;
}

int dir_user_update(store_t *s, store_sql_tx_t *tx, const dir_user_t *u)
{
    static const char sql[] =
        "UPDATE dir_users SET name = $2, display_name = $3, email = $4, phone = $5, ou = $6, "
        "state = $7, attributes = $8, pw_hash = $9, pw_history = $10, pw_changed = $11, "
        "failures = $12, locked_until = $13, totp_secret = $14, totp_state = $15, "
        "totp_last_step = $16, last_login = $17, updated = $18 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(u->id),           SQL_T(u->name),
                           SQL_T(u->display_name), SQL_T(u->email),
                           SQL_T(u->phone),        SQL_T(u->ou),
                           SQL_T(u->state),        SQL_T(u->attributes),
                           SQL_T(u->pw_hash),      SQL_T(u->pw_history),
                           SQL_I(u->pw_changed),   SQL_I(u->failures),
                           SQL_I(u->locked_until), SQL_T(u->totp_secret),
                           SQL_I(u->totp_state),   SQL_I(u->totp_last_step),
                           SQL_I(u->last_login),   SQL_I(u->updated)};
    int64_t changed = 0;
    return changed_one(RUN(tx, sql, p, NULL, NULL, &changed), changed);
}

int dir_user_delete(store_t *s, int64_t id)
{
    static const char sql[] = "DELETE FROM dir_users WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

typedef struct {
    dir_user_cb cb;
    void *ctx;
} user_each_t;

static int each_user(void *ctx, const store_sql_row_t *row)
{
    user_each_t *e = ctx;
    dir_user_t u;
    user_from(row, &u);
    return e->cb(e->ctx, &u);
}

int dir_user_list(store_t *s, const dir_user_query_t *q, dir_user_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT " USER_COLUMNS " FROM dir_users WHERE id > $1"
        " AND ($2 = '' OR lower(name) LIKE $2 ESCAPE '\\' OR lower(display_name) LIKE $2 ESCAPE "
        "'\\' OR lower(email) LIKE $2 ESCAPE '\\')"
        " AND ($3 = '' OR state = $3)"
        " AND ($4 = '' OR id IN (SELECT ug.user_id FROM dir_user_groups ug JOIN dir_groups g ON "
        "g.id = ug.group_id WHERE lower(g.path) = lower($4)))"
        " AND ($5 = '' OR id IN (SELECT ur.user_id FROM dir_user_roles ur JOIN dir_roles r ON "
        "r.id = ur.role_id WHERE lower(r.name) = lower($5)))"
        " ORDER BY id LIMIT $6";
    char like[STORE_LIKE_MAX] = "";
    if (q->text && *q->text) {
        store_like_pattern(q->text, like);
        for (char *c = like; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
    store_sql_val_t p[] = {SQL_I(q->after),
                           SQL_T(like),
                           SQL_T(q->state ? q->state : ""),
                           SQL_T(q->group ? q->group : ""),
                           SQL_T(q->role ? q->role : ""),
                           SQL_I(q->limit > 0 ? q->limit : 100)};
    user_each_t e = {cb, ctx};
    return RUN(NULL, sql, p, each_user, &e, NULL);
}

int dir_user_count(store_t *s, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM dir_users";
    store_sql_val_t p[] = {SQL_I(0)};
    *count = 0;
    return s->sql->run(s, NULL, sql, p, 0, one_id, count, NULL);
}

int dir_user_failed(store_t *s, int64_t id, int64_t now, int64_t *failures)
{
    static const char sql[] = "UPDATE dir_users SET failures = failures + 1, updated = $2 WHERE id "
                              "= $1 RETURNING failures";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(now)};
    *failures = 0;
    return RUN(NULL, sql, p, one_id, failures, NULL);
}

int dir_user_lock_until(store_t *s, int64_t id, int64_t until)
{
    static const char sql[] = "UPDATE dir_users SET locked_until = $2 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(until)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int dir_user_logged_in(store_t *s, int64_t id, int64_t now)
{
    static const char sql[] =
        "UPDATE dir_users SET failures = 0, locked_until = 0, last_login = $2 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(now)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int dir_user_totp_step(store_t *s, int64_t id, int64_t step)
{
    static const char sql[] =
        "UPDATE dir_users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2";
    store_sql_val_t p[] = {SQL_I(id), SQL_I(step)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

/* ---- groups --------------------------------------------------------------- */

#define GROUP_COLUMNS "id, path, display_name, description, created"

static void group_from(const store_sql_row_t *row, dir_group_t *g)
{
    memset(g, 0, sizeof(*g));
    g->id = store_sql_int(row, 0);
    COPY(g->path, row, 1);
    COPY(g->display_name, row, 2);
    COPY(g->description, row, 3);
    g->created = store_sql_int(row, 4);
}

static int one_group(void *ctx, const store_sql_row_t *row)
{
    one_t *o = ctx;
    group_from(row, o->out);
    o->found = 1;
    return 1;
}

int dir_group_create(store_t *s, store_sql_tx_t *tx, dir_group_t *g)
{
    static const char sql[] = "INSERT INTO dir_groups (path, display_name, description, created) "
                              "VALUES ($1, $2, $3, $4) RETURNING id";
    store_sql_val_t p[] = {SQL_T(g->path), SQL_T(g->display_name), SQL_T(g->description),
                           SQL_I(g->created)};
    return RUN(tx, sql, p, one_id, &g->id, NULL);
}

int dir_group_get(store_t *s, store_sql_tx_t *tx, int64_t id, const char *path, dir_group_t *out)
{
    static const char sql[] =
        "SELECT " GROUP_COLUMNS " FROM dir_groups WHERE id = $1 OR lower(path) = lower($2)";
    store_sql_val_t p[] = {SQL_I(path ? 0 : id), SQL_T(path ? path : "")};
    one_t o = {0, out};
    return found(RUN(tx, sql, p, one_group, &o, NULL), &o);
}

int dir_group_update(store_t *s, const dir_group_t *g)
{
    static const char sql[] =
        "UPDATE dir_groups SET display_name = $2, description = $3 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(g->id), SQL_T(g->display_name), SQL_T(g->description)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int dir_group_delete(store_t *s, int64_t id)
{
    static const char children[] =
        "SELECT count(*) FROM dir_groups c, dir_groups g WHERE g.id = $1 AND "
        "substr(lower(c.path), 1, length(g.path) + 1) = lower(g.path) || '/'";
    static const char sql[] = "DELETE FROM dir_groups WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(id)};
    int64_t n = 0, changed = 0;
    int rc = RUN(NULL, children, p, one_id, &n, NULL);
    if (rc != STORE_OK)
        return rc;
    if (n > 0)
        return STORE_CONFLICT;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

typedef struct {
    dir_group_cb cb;
    void *ctx;
} group_each_t;

static int each_group(void *ctx, const store_sql_row_t *row)
{
    group_each_t *e = ctx;
    dir_group_t g;
    group_from(row, &g);
    return e->cb(e->ctx, &g);
}

int dir_group_list(store_t *s, dir_group_cb cb, void *ctx)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM dir_groups ORDER BY lower(path), id";
    group_each_t e = {cb, ctx};
    return s->sql->run(s, NULL, sql, NULL, 0, each_group, &e, NULL);
}

/* ---- roles ---------------------------------------------------------------- */

static void role_from(const store_sql_row_t *row, dir_role_t *r)
{
    memset(r, 0, sizeof(*r));
    r->id = store_sql_int(row, 0);
    COPY(r->name, row, 1);
    COPY(r->description, row, 2);
    r->created = store_sql_int(row, 3);
}

static int one_role(void *ctx, const store_sql_row_t *row)
{
    one_t *o = ctx;
    role_from(row, o->out);
    o->found = 1;
    return 1;
}

int dir_role_create(store_t *s, store_sql_tx_t *tx, dir_role_t *r)
{
    static const char sql[] =
        "INSERT INTO dir_roles (name, description, created) VALUES ($1, $2, $3) RETURNING id";
    store_sql_val_t p[] = {SQL_T(r->name), SQL_T(r->description), SQL_I(r->created)};
    return RUN(tx, sql, p, one_id, &r->id, NULL);
}

int dir_role_get(store_t *s, store_sql_tx_t *tx, const char *name, dir_role_t *out)
{
    static const char sql[] =
        "SELECT id, name, description, created FROM dir_roles WHERE lower(name) = lower($1)";
    store_sql_val_t p[] = {SQL_T(name)};
    one_t o = {0, out};
    return found(RUN(tx, sql, p, one_role, &o, NULL), &o);
}

int dir_role_update(store_t *s, const dir_role_t *r)
{
    static const char sql[] = "UPDATE dir_roles SET description = $2 WHERE id = $1";
    store_sql_val_t p[] = {SQL_I(r->id), SQL_T(r->description)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int dir_role_delete(store_t *s, const char *name)
{
    static const char sql[] = "DELETE FROM dir_roles WHERE lower(name) = lower($1)";
    store_sql_val_t p[] = {SQL_T(name)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

typedef struct {
    dir_role_cb cb;
    void *ctx;
} role_each_t;

static int each_role(void *ctx, const store_sql_row_t *row)
{
    role_each_t *e = ctx;
    dir_role_t r;
    role_from(row, &r);
    return e->cb(e->ctx, &r);
}

int dir_role_list(store_t *s, dir_role_cb cb, void *ctx)
{
    static const char sql[] =
        "SELECT id, name, description, created FROM dir_roles ORDER BY lower(name), id";
    role_each_t e = {cb, ctx};
    return s->sql->run(s, NULL, sql, NULL, 0, each_role, &e, NULL);
}

/* ---- memberships ------------------------------------------------------------ */

typedef struct {
    dir_name_cb cb;
    void *ctx;
} name_each_t;

static int each_name(void *ctx, const store_sql_row_t *row)
{
    name_each_t *e = ctx;
    return e->cb(e->ctx, store_sql_text(row, 0));
}

int dir_memberships(store_t *s, store_sql_tx_t *tx, int64_t user_id, dir_kind_t kind,
                    dir_name_cb cb, void *ctx)
{
    static const char groups[] = "SELECT g.path FROM dir_user_groups ug JOIN dir_groups g ON "
                                 "g.id = ug.group_id WHERE ug.user_id = $1 ORDER BY lower(g.path)";
    static const char roles[] = "SELECT r.name FROM dir_user_roles ur JOIN dir_roles r ON "
                                "r.id = ur.role_id WHERE ur.user_id = $1 ORDER BY lower(r.name)";
    store_sql_val_t p[] = {SQL_I(user_id)};
    name_each_t e = {cb, ctx};
    return RUN(tx, kind == DIR_GROUPS ? groups : roles, p, each_name, &e, NULL);
}

int dir_members(store_t *s, dir_kind_t kind, int64_t target_id, dir_name_cb cb, void *ctx)
{
    static const char groups[] = "SELECT u.name FROM dir_user_groups ug JOIN dir_users u ON "
                                 "u.id = ug.user_id WHERE ug.group_id = $1 ORDER BY lower(u.name)";
    static const char roles[] = "SELECT u.name FROM dir_user_roles ur JOIN dir_users u ON "
                                "u.id = ur.user_id WHERE ur.role_id = $1 ORDER BY lower(u.name)";
    store_sql_val_t p[] = {SQL_I(target_id)};
    name_each_t e = {cb, ctx};
    return RUN(NULL, kind == DIR_GROUPS ? groups : roles, p, each_name, &e, NULL);
}

int dir_set_memberships(store_t *s, store_sql_tx_t *tx, int64_t user_id, dir_kind_t kind,
                        const char *const *names, size_t n)
{
    static const char clear_groups[] = "DELETE FROM dir_user_groups WHERE user_id = $1";
    static const char clear_roles[] = "DELETE FROM dir_user_roles WHERE user_id = $1";
    static const char add_group[] =
        "INSERT INTO dir_user_groups (user_id, group_id) SELECT $1, id FROM dir_groups WHERE "
        "lower(path) = lower($2) ON CONFLICT DO NOTHING";
    static const char add_role[] =
        "INSERT INTO dir_user_roles (user_id, role_id) SELECT $1, id FROM dir_roles WHERE "
        "lower(name) = lower($2) ON CONFLICT DO NOTHING";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_T("")};
    int rc =
        s->sql->run(s, tx, kind == DIR_GROUPS ? clear_groups : clear_roles, p, 1, NULL, NULL, NULL);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        p[1] = SQL_T(names[i]);
        int64_t changed = 0;
        rc = RUN(tx, kind == DIR_GROUPS ? add_group : add_role, p, NULL, NULL, &changed);
        if (rc == STORE_OK && changed == 0) {
            /* a repeated name inserts nothing too: only a missing one fails */
            int64_t exists = 0;
            static const char group_exists[] =
                "SELECT count(*) FROM dir_groups WHERE lower(path) = lower($1)";
            static const char role_exists[] =
                "SELECT count(*) FROM dir_roles WHERE lower(name) = lower($1)";
            rc = s->sql->run(s, tx, kind == DIR_GROUPS ? group_exists : role_exists, p + 1, 1,
                             one_id, &exists, NULL);
            if (rc == STORE_OK && exists == 0)
                rc = STORE_NOT_FOUND;
        }
    }
    return rc;
}

/* ---- recovery codes ------------------------------------------------------------ */

typedef struct {
    int64_t user_id;
    const char *const *hashes;
    size_t n;
} recovery_set_t;

static int recovery_set_body(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    static const char clear[] = "DELETE FROM dir_recovery_codes WHERE user_id = $1";
    static const char add[] = "INSERT INTO dir_recovery_codes (user_id, hash) VALUES ($1, $2)";
    recovery_set_t *r = ctx;
    store_sql_val_t p[] = {SQL_I(r->user_id), SQL_T("")};
    int rc = s->sql->run(s, tx, clear, p, 1, NULL, NULL, NULL);
    for (size_t i = 0; rc == STORE_OK && i < r->n; i++) {
        p[1] = SQL_T(r->hashes[i]);
        rc = RUN(tx, add, p, NULL, NULL, NULL);
    }
    return rc;
}

int dir_recovery_set(store_t *s, int64_t user_id, const char *const *hashes, size_t n)
{
    recovery_set_t r = {user_id, hashes, n};
    return s->sql->transaction(s, recovery_set_body, &r);
}

int dir_recovery_use(store_t *s, int64_t user_id, const char *hash)
{
    static const char sql[] = "DELETE FROM dir_recovery_codes WHERE user_id = $1 AND hash = $2";
    store_sql_val_t p[] = {SQL_I(user_id), SQL_T(hash)};
    int64_t changed = 0;
    return changed_one(RUN(NULL, sql, p, NULL, NULL, &changed), changed);
}

int dir_recovery_count(store_t *s, int64_t user_id, int64_t *count)
{
    static const char sql[] = "SELECT count(*) FROM dir_recovery_codes WHERE user_id = $1";
    store_sql_val_t p[] = {SQL_I(user_id)};
    *count = 0;
    return RUN(NULL, sql, p, one_id, count, NULL);
}
