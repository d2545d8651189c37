/*
 * idldap_sync.c — a login against LDAP and what it brings into the
 * directory: the user (created on the first login, source "ldap" in its
 * attributes), its display name, e-mail and phone, its LDAP groups as
 * directory groups /ldap/<cn>, and the roles ldap_group_roles maps those
 * groups to. The directory's own state (disabled, locked) still decides
 * whether the user may log in; the local password policy does not apply
 * (an LDAP user has no local password).
 */
#include "idldap_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_names.h"
#include "dir_record.h"
#include "log.h"
#include "timefmt.h"

int idldap_is_source(const dir_user_t *u)
{
    json_t *a = json_loads(u->attributes, 0, NULL);
    const char *src = json_string_value(json_object_get(a, "source"));
    int ldap = src && strcmp(src, "ldap") == 0;
    json_decref(a);
    return ldap;
}

/* The role ldap_group_roles maps cn to ("cn:role,cn:role"), or "". */
static void role_of(const ctl_config_t *cfg, const char *cn, char role[DIR_NAME_MAX + 1])
{
    role[0] = '\0';
    size_t len = strlen(cn);
    for (const char *p = cfg->ldap_group_roles; *p;) {
        size_t n = strcspn(p, ",");
        const char *colon = memchr(p, ':', n);
        if (colon && (size_t)(colon - p) == len && strncasecmp(p, cn, len) == 0 &&
            (size_t)(p + n - colon - 1) <= DIR_NAME_MAX)
            snprintf(role, DIR_NAME_MAX + 1, "%.*s", (int)(p + n - colon - 1), colon + 1);
        p += n;
        p += *p == ',';
    }
}

typedef struct {
    const idldap_user_t *lu;
    const ctl_config_t *cfg;
    dir_user_t *u;
    int creating;
} sync_t;

/* Memberships set from LDAP: groups and roles created when missing. */
static int sync_memberships(store_t *s, store_sql_tx_t *tx, sync_t *w)
{
    const char *groups[IDLDAP_MAX_GROUPS], *roles[IDLDAP_MAX_GROUPS];
    char paths[IDLDAP_MAX_GROUPS][DIR_PATH_MAX + 1], names[IDLDAP_MAX_GROUPS][DIR_NAME_MAX + 1];
    size_t ng = 0, nr = 0;
    int64_t now = time_now_ms();
    for (int i = 0; i < w->lu->n_groups; i++) {
        snprintf(paths[ng], sizeof(paths[ng]), "/ldap/%s", w->lu->groups[i]);
        dir_group_t g = {0};
        if (dir_valid_path(paths[ng])) {
            if (dir_group_get(s, tx, 0, paths[ng], &g) == STORE_NOT_FOUND) {
                snprintf(g.path, sizeof(g.path), "%s", paths[ng]);
                snprintf(g.description, sizeof(g.description), "LDAP group");
                g.created = now;
                if (dir_group_create(s, tx, &g) != STORE_OK)
                    return STORE_ERROR;
            }
            groups[ng] = paths[ng];
            ng++;
        }
        role_of(w->cfg, w->lu->groups[i], names[nr]);
        dir_role_t ro = {0};
        if (names[nr][0] && api_valid_name(names[nr])) {
            if (dir_role_get(s, tx, names[nr], &ro) == STORE_NOT_FOUND) {
                snprintf(ro.name, sizeof(ro.name), "%s", names[nr]);
                ro.created = now;
                if (dir_role_create(s, tx, &ro) != STORE_OK)
                    return STORE_ERROR;
            }
            roles[nr] = names[nr];
            nr++;
        }
    }
    int rc = dir_set_memberships(s, tx, w->u->id, DIR_GROUPS, groups, ng);
    return rc == STORE_OK ? dir_set_memberships(s, tx, w->u->id, DIR_ROLES, roles, nr) : rc;
}

static int sync_user(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    sync_t *w = ctx;
    int rc = w->creating ? dir_user_create(s, tx, w->u) : dir_user_update(s, tx, w->u);
    return rc == STORE_OK ? sync_memberships(s, tx, w) : rc;
}

/* Copies LDAP's attributes into u where the directory's checks accept them. */
static void copy_attributes(const idldap_user_t *lu, dir_user_t *u)
{
    const char *fields[][2] = {
        {"display_name", lu->display_name}, {"email", lu->email}, {"phone", lu->phone}};
    for (size_t i = 0; i < 3; i++) {
        json_t *o = json_pack("{s:s}", fields[i][0], fields[i][1]);
        dir_user_t probe = *u;
        if (o && !dir_user_from_json(o, &probe, 0))
            *u = probe;
        json_decref(o);
    }
    json_t *a = json_loads(u->attributes, 0, NULL);
    if (!json_is_object(a)) {
        json_decref(a);
        a = json_object();
    }
    json_object_set_new(a, "source", json_string("ldap"));
    json_object_set_new(a, "ldap_dn", json_string(lu->dn));
    char *text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    if (text && strlen(text) <= DIR_ATTR_MAX)
        snprintf(u->attributes, sizeof(u->attributes), "%s", text);
    free(text);
    json_decref(a);
}

idldap_result_t idldap_login(store_t *s, const ctl_config_t *cfg, const char *name,
                             const char *password, dir_user_t *u, int *known, const char **why)
{
    idldap_user_t lu;
    idldap_result_t res = idldap_authenticate(cfg, name, password, &lu, why);
    if (res != IDLDAP_OK) {
        if (res == IDLDAP_UNAVAILABLE)
            log_kv(LOG_LEVEL_WARN, "LDAP directory unavailable", "user", name, "reason", *why,
                   NULL);
        return res;
    }
    sync_t w = {&lu, cfg, u, !*known};
    if (w.creating) {
        memset(u, 0, sizeof(*u));
        snprintf(u->name, sizeof(u->name), "%s", name);
        snprintf(u->state, sizeof(u->state), "active");
        snprintf(u->attributes, sizeof(u->attributes), "{}");
        snprintf(u->pw_history, sizeof(u->pw_history), "[]");
        u->created = time_now_ms();
    }
    copy_attributes(&lu, u);
    u->updated = time_now_ms();
    if (s->sql->transaction(s, sync_user, &w) != STORE_OK) {
        *why = "directory sync failed";
        return IDLDAP_UNAVAILABLE;
    }
    *known = 1;
    return IDLDAP_OK;
}
