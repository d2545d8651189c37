/*
 * api_directory_io.c — directory import and export, JSON and CSV.
 *
 * Export (GET /api/v1/directory/export?format=json|csv): every user with
 * its groups and roles; JSON adds the groups and roles themselves.
 * Passwords, their hashes and MFA secrets never leave.
 *
 * Import (POST /api/v1/directory/import, a JSON document or text/csv):
 * every record is checked first with the API's own validation
 * (dir_record.h); any problem answers 400 with each one as {line, reason}
 * (CSV: the record's first line; JSON: the user's position, from 1) and
 * changes nothing. A clean import is applied in one transaction: users are
 * created or updated by name (fields present only), groups and roles they
 * name are created when missing, memberships given replace the user's.
 * ?dry_run=1 checks without applying.
 *
 * CSV columns (header row required, any order, unknown columns refused):
 * name, display_name, email, phone, ou, state, groups, roles (lists
 * separated by ";"), attributes (a JSON object). Cells are written
 * through csv.h, which defuses spreadsheet formulas.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_directory.h"
#include "audit_hook.h"
#include "csv.h"
#include "csv_parse.h"
#include "dir_record.h"
#include "idevent.h"
#include "idsession.h"
#include "timefmt.h"

#define MAX_ERRORS 100

static const char *const csv_columns[] = {"name",  "display_name", "email", "phone",     "ou",
                                          "state", "groups",       "roles", "attributes"};
#define N_COLUMNS (sizeof(csv_columns) / sizeof(csv_columns[0]))

/* ---- export --------------------------------------------------------------- */

typedef struct {
    store_t *store;
    json_t *users;
    int failed;
} export_t;

static int export_user(void *ctx, const dir_user_t *u)
{
    export_t *e = ctx;
    json_t *g = api_dir_names(e->store, u->id, DIR_GROUPS);
    json_t *ro = api_dir_names(e->store, u->id, DIR_ROLES);
    json_t *o = g && ro ? dir_user_to_json(u, g, ro) : NULL;
    if (!o) {
        json_decref(g);
        json_decref(ro);
        e->failed = 1;
        return 1;
    }
    json_array_append_new(e->users, o);
    return 0;
}

static int add_group(void *ctx, const dir_group_t *g)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "path", g->path, "display_name",
                                         g->display_name, "description", g->description));
    return 0;
}

static int add_role(void *ctx, const dir_role_t *ro)
{
    json_array_append_new(
        ctx, json_pack("{s:s, s:s}", "name", ro->name, "description", ro->description));
    return 0;
}

static void csv_list(strbuf_t *out, json_t *arr)
{
    strbuf_t joined;
    strbuf_init(&joined, 0);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            strbuf_puts(&joined, ";");
        strbuf_puts(&joined, json_string_value(v));
    }
    csv_text(out, joined.len ? joined.data : "");
    strbuf_free(&joined);
}

static enum MHD_Result export_csv(http_req_t *r, json_t *users)
{
    strbuf_t out;
    strbuf_init(&out, 0);
    for (size_t c = 0; c < N_COLUMNS; c++) {
        if (c)
            csv_sep(&out);
        csv_text(&out, csv_columns[c]);
    }
    csv_end_row(&out);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        for (size_t c = 0; c < N_COLUMNS; c++) {
            json_t *v = json_object_get(u, csv_columns[c]);
            if (c)
                csv_sep(&out);
            if (json_is_array(v)) {
                csv_list(&out, v);
            } else if (json_is_object(v)) {
                char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
                csv_text(&out, text);
                free(text);
            } else {
                csv_text(&out, json_string_value(v));
            }
        }
        csv_end_row(&out);
    }
    size_t len;
    char *body = strbuf_take(&out, &len);
    strbuf_free(&out);
    if (!body)
        return api_store_error(r, STORE_ERROR);
    http_add_header(r, "Content-Disposition", "attachment; filename=\"directory.csv\"");
    return http_reply(r, 200, "text/csv; charset=utf-8", body, len);
}

enum MHD_Result api_dir_export(http_req_t *r)
{
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
        return http_reply_error(r, 400, "bad_request", "format: json or csv");
    store_t *s = r->ctl->store;
    export_t e = {s, json_array(), 0};
    dir_user_query_t q = {.limit = 1000};
    for (;;) { /* page through: each page is one short statement */
        size_t before = json_array_size(e.users);
        int rc = dir_user_list(s, &q, export_user, &e);
        if (rc != STORE_OK || e.failed) {
            json_decref(e.users);
            return api_store_error(r, rc != STORE_OK ? rc : STORE_ERROR);
        }
        if (json_array_size(e.users) - before < (size_t)q.limit)
            break;
        q.after = json_integer_value(
            json_object_get(json_array_get(e.users, json_array_size(e.users) - 1), "id"));
    }
    if (format && strcmp(format, "csv") == 0) {
        enum MHD_Result rc = export_csv(r, e.users);
        json_decref(e.users);
        return rc;
    }
    json_t *groups = json_array(), *roles = json_array();
    int rc = dir_group_list(s, add_group, groups);
    if (rc == STORE_OK)
        rc = dir_role_list(s, add_role, roles);
    json_t *doc = json_pack("{s:o, s:o, s:o}", "users", e.users, "groups", groups, "roles", roles);
    if (rc != STORE_OK) {
        json_decref(doc);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, doc);
}

/* ---- import ------------------------------------------------------------------ */

/* One checked record: the user's fields as JSON (as the API takes them)
 * and where it came from. */
typedef struct {
    json_t *records; /* [{"line": n, "user": {...}}] */
    json_t *groups;  /* [{"path":..}] extra groups of a JSON document */
    json_t *roles;   /* [{"name":..}] */
    json_t *errors;
    int created, updated, groups_created, roles_created;
    json_t *revoke; /* ids of users whose rights changed */
} import_t;

static void import_error(import_t *im, int line, const char *reason)
{
    if (json_array_size(im->errors) < MAX_ERRORS)
        json_array_append_new(im->errors, json_pack("{s:i, s:s}", "line", line, "reason", reason));
}

/* Checks a user object; keeps it when good. */
static void check_user(import_t *im, int line, json_t *user)
{
    dir_user_t u;
    const char *why = json_object_get(user, "password")
                          ? "password: not imported (set it through the API)"
                          : dir_user_from_json(user, &u, 1);
    const char **names = NULL;
    size_t n = 0;
    for (int k = 0; !why && k < 2; k++) {
        json_t *list = json_object_get(user, k ? "roles" : "groups");
        if (list)
            why = dir_names_from_json(list, k ? DIR_ROLES : DIR_GROUPS, &names, &n);
        free(names);
        names = NULL;
    }
    if (why) {
        import_error(im, line, why);
        return;
    }
    size_t i;
    json_t *rec;
    json_array_foreach(im->records, i, rec)
    {
        const char *other =
            json_string_value(json_object_get(json_object_get(rec, "user"), "name"));
        if (strcasecmp(other, u.name) == 0) {
            import_error(im, line, "name: appears twice in this import");
            return;
        }
    }
    json_array_append_new(im->records, json_pack("{s:i, s:O}", "line", line, "user", user));
}

/* "a;b" as a JSON array of strings ("" gives []). */
static json_t *split_list(const char *s)
{
    json_t *a = json_array();
    while (*s) {
        size_t n = strcspn(s, ";");
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n;
        if (*s)
            s++;
    }
    return a;
}

static void check_csv(import_t *im, const char *text, size_t len)
{
    int line = 0;
    const char *why = NULL;
    json_t *rows = csv_parse(text, len, &line, &why);
    if (!rows) {
        import_error(im, line, why);
        return;
    }
    json_t *header = json_object_get(json_array_get(rows, 0), "fields");
    int col_of[CSV_MAX_FIELDS];
    size_t i;
    json_t *v;
    json_array_foreach(header, i, v)
    {
        col_of[i] = -1;
        for (size_t c = 0; c < N_COLUMNS; c++)
            if (strcmp(json_string_value(v), csv_columns[c]) == 0)
                col_of[i] = (int)c;
        if (col_of[i] < 0)
            import_error(im, 1,
                         "header: unknown column (name, display_name, email, phone, ou, "
                         "state, groups, roles, attributes)");
    }
    if (!header || json_array_size(im->errors)) {
        if (!header)
            import_error(im, 1, "empty: a header row and one row per user expected");
        json_decref(rows);
        return;
    }
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (i == 0)
            continue;
        int at = (int)json_integer_value(json_object_get(row, "line"));
        json_t *fields = json_object_get(row, "fields");
        if (json_array_size(fields) != json_array_size(header)) {
            import_error(im, at, "a different number of fields than the header");
            continue;
        }
        json_t *user = json_object();
        const char *bad = NULL;
        size_t k;
        json_array_foreach(fields, k, v)
        {
            const char *col = csv_columns[col_of[k]], *cell = json_string_value(v);
            if (strcmp(col, "groups") == 0 || strcmp(col, "roles") == 0) {
                json_object_set_new(user, col, split_list(cell));
            } else if (strcmp(col, "attributes") == 0) {
                json_t *attrs = *cell ? json_loads(cell, 0, NULL) : json_object();
                if (!json_is_object(attrs))
                    bad = "attributes: a JSON object";
                json_object_set_new(user, col, attrs ? attrs : json_object());
            } else {
                json_object_set_new(user, col, json_string(cell));
            }
        }
        if (bad)
            import_error(im, at, bad);
        else
            check_user(im, at, user);
        json_decref(user);
    }
    json_decref(rows);
}

static void check_json(import_t *im, json_t *doc)
{
    json_t *users = json_object_get(doc, "users");
    if (!json_is_array(users)) {
        import_error(im, 0,
                     "a JSON document {\"users\": [...], \"groups\": [...], \"roles\": "
                     "[...]} expected");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(users, i, v) check_user(im, (int)i + 1, v);
    json_t *groups = json_object_get(doc, "groups"), *roles = json_object_get(doc, "roles");
    json_array_foreach(groups, i, v)
    {
        json_t *path = json_object_get(v, "path");
        if (!dir_valid_path(json_string_value(path)))
            import_error(im, (int)i + 1, "groups: each {\"path\": \"/gov/city\"}");
        else
            json_array_append_new(im->groups, json_pack("{s:O}", "path", path));
    }
    json_array_foreach(roles, i, v)
    {
        json_t *name = json_object_get(v, "name");
        dir_role_t probe;
        if (!json_string_value(name) || strlen(json_string_value(name)) >= sizeof(probe.name) ||
            !dir_valid_text(json_string_value(name), DIR_NAME_MAX) ||
            strspn(json_string_value(name), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789._-@") != strlen(json_string_value(name)))
            import_error(im, (int)i + 1, "roles: each {\"name\": \"clerk\"}");
        else
            json_array_append_new(im->roles, json_pack("{s:O}", "name", name));
    }
}

/* Creates a group or role unless it exists. */
static int ensure(store_t *s, store_sql_tx_t *tx, dir_kind_t kind, const char *name, import_t *im)
{
    if (kind == DIR_GROUPS) {
        dir_group_t g;
        int rc = dir_group_get(s, tx, 0, name, &g);
        if (rc != STORE_NOT_FOUND)
            return rc;
        memset(&g, 0, sizeof(g));
        snprintf(g.path, sizeof(g.path), "%s", name);
        g.created = time_now_ms();
        im->groups_created++;
        return dir_group_create(s, tx, &g);
    }
    dir_role_t ro;
    int rc = dir_role_get(s, tx, name, &ro);
    if (rc != STORE_NOT_FOUND)
        return rc;
    memset(&ro, 0, sizeof(ro));
    snprintf(ro.name, sizeof(ro.name), "%s", name);
    ro.created = time_now_ms();
    im->roles_created++;
    return dir_role_create(s, tx, &ro);
}

static int ensure_all(store_t *s, store_sql_tx_t *tx, dir_kind_t kind, json_t *list,
                      const char *key, import_t *im)
{
    size_t i;
    json_t *v;
    int rc = STORE_OK;
    json_array_foreach(list, i, v)
    {
        const char *name = json_string_value(key ? json_object_get(v, key) : v);
        if ((rc = ensure(s, tx, kind, name, im)) != STORE_OK)
            break;
    }
    return rc;
}

static int apply_user(store_t *s, store_sql_tx_t *tx, json_t *user, import_t *im)
{
    dir_user_t u;
    const char *name = json_string_value(json_object_get(user, "name"));
    int rc = dir_user_get(s, tx, name, &u);
    int creating = rc == STORE_NOT_FOUND;
    if (rc != STORE_OK && !creating)
        return rc;
    char state_before[sizeof(u.state)];
    snprintf(state_before, sizeof(state_before), "%s", creating ? "" : u.state);
    json_t *fields = json_deep_copy(user);
    json_object_del(fields, "groups");
    json_object_del(fields, "roles");
    dir_user_from_json(fields, &u, creating); /* checked before: cannot fail */
    json_decref(fields);
    u.updated = time_now_ms();
    if (creating) {
        u.created = u.updated;
        rc = dir_user_create(s, tx, &u);
        im->created++;
    } else {
        rc = dir_user_update(s, tx, &u);
        im->updated++;
    }
    int changed_rights = !creating && strcmp(state_before, u.state) != 0;
    for (int k = 0; rc == STORE_OK && k < 2; k++) {
        json_t *list = json_object_get(user, k ? "roles" : "groups");
        dir_kind_t kind = k ? DIR_ROLES : DIR_GROUPS;
        if (!list)
            continue;
        rc = ensure_all(s, tx, kind, list, NULL, im);
        const char **names = NULL;
        size_t n = 0;
        if (rc == STORE_OK)
            dir_names_from_json(list, kind, &names, &n);
        if (rc == STORE_OK)
            rc = dir_set_memberships(s, tx, u.id, kind, names, n);
        free(names);
        changed_rights |= !creating;
    }
    if (changed_rights)
        json_array_append_new(im->revoke, json_integer(u.id));
    return rc;
}

static int apply(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    import_t *im = ctx;
    im->created = im->updated = im->groups_created = im->roles_created = 0;
    json_array_clear(im->revoke);
    int rc = ensure_all(s, tx, DIR_GROUPS, im->groups, "path", im);
    if (rc == STORE_OK)
        rc = ensure_all(s, tx, DIR_ROLES, im->roles, "name", im);
    size_t i;
    json_t *rec;
    json_array_foreach(im->records, i, rec)
    {
        if (rc != STORE_OK)
            break;
        rc = apply_user(s, tx, json_object_get(rec, "user"), im);
    }
    return rc;
}

static void import_free(import_t *im)
{
    json_decref(im->records);
    json_decref(im->groups);
    json_decref(im->roles);
    json_decref(im->errors);
    json_decref(im->revoke);
}

enum MHD_Result api_dir_import(http_req_t *r)
{
    audit_note(r, "directory.import", NULL);
    const char *type = http_header(r, "Content-Type");
    const char *format = http_query(r, "format");
    int csv = (format && strcmp(format, "csv") == 0) || (type && strncmp(type, "text/csv", 8) == 0);
    int dry_run = http_query(r, "dry_run") && strcmp(http_query(r, "dry_run"), "1") == 0;
    import_t im = {json_array(), json_array(), json_array(), json_array(), 0, 0, 0, 0,
                   json_array()};
    enum MHD_Result hrc = MHD_YES;
    json_t *doc = NULL;
    if (csv) {
        check_csv(&im, r->body.len ? r->body.data : "", r->body.len);
    } else if (!(doc = http_json_body(r, &hrc))) {
        import_free(&im);
        return hrc;
    } else {
        check_json(&im, doc);
    }
    json_decref(doc);
    audit_detail(r, "format", json_string(csv ? "csv" : "json"));
    audit_detail(r, "records", json_integer((json_int_t)json_array_size(im.records)));
    int rc = STORE_OK;
    if (json_array_size(im.errors)) {
        hrc = http_reply_json(r, 400,
                              json_pack("{s:s, s:s, s:O}", "error", "invalid_import", "message",
                                        "nothing was imported; fix these", "errors", im.errors));
    } else {
        store_t *s = r->ctl->store;
        if (!dry_run)
            rc = s->sql->transaction(s, apply, &im);
        size_t i;
        json_t *id;
        json_array_foreach(im.revoke, i, id)
        {
            idsession_revoke_user(r->ctl, json_integer_value(id), "directory import");
            dir_user_t u;
            if (dir_user_get_id(r->ctl->store, json_integer_value(id), &u) == STORE_OK)
                idevent(r, "privilege.change", "success", 200, u.name,
                        json_pack("{s:s}", "reason", "directory import"));
        }
        if (rc != STORE_OK)
            hrc = api_store_error(r, rc);
        else
            hrc = http_reply_json(r, 200,
                                  json_pack("{s:b, s:I, s:i, s:i, s:i, s:i}", "dry_run", dry_run,
                                            "records", (json_int_t)json_array_size(im.records),
                                            "created", im.created, "updated", im.updated,
                                            "groups_created", im.groups_created, "roles_created",
                                            im.roles_created));
        audit_detail(r, "created", json_integer(im.created));
        audit_detail(r, "updated", json_integer(im.updated));
    }
    import_free(&im);
    return hrc;
}
