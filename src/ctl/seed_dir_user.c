/*
 * seed_dir_user.c — the seeded directory user (see seed_dir_user.h).
 */
#include "seed_dir_user.h"

#include <stdio.h>
#include <string.h>

#include "audit_log.h"
#include "idpassword.h"
#include "log.h"
#include "secret.h"
#include "store_dir.h"
#include "timefmt.h"

typedef struct {
    dir_user_t *user;
    const char *role;
} seed_t;

static int create(store_t *s, store_sql_tx_t *tx, void *ctx)
{
    seed_t *w = ctx;
    dir_role_t role;
    int rc = dir_role_get(s, tx, w->role, &role);
    if (rc == STORE_NOT_FOUND) {
        memset(&role, 0, sizeof(role));
        snprintf(role.name, sizeof(role.name), "%s", w->role);
        role.created = w->user->created;
        rc = dir_role_create(s, tx, &role);
    }
    if (rc == STORE_OK)
        rc = dir_user_create(s, tx, w->user);
    const char *names[1] = {w->role};
    if (rc == STORE_OK)
        rc = dir_set_memberships(s, tx, w->user->id, DIR_ROLES, names, 1);
    return rc;
}

/* The file's first line into out; 0 or -1. */
static int read_password(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(out, (int)size, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\r\n") : 0] = '\0';
    return ok && out[0] ? 0 : -1;
}

int seed_dir_user(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    const char *name = cfg->seed_dir_user.name;
    if (!name[0])
        return 0;
    static dir_user_t u; /* large: not on a thread's stack; start-up only */
    memset(&u, 0, sizeof(u));
    int rc = dir_user_get(ctl->store, NULL, name, &u);
    if (rc == STORE_OK)
        return 0;
    if (rc != STORE_NOT_FOUND) {
        snprintf(err->reason, sizeof(err->reason),
                 "seed_directory_user: cannot read the directory");
        return -1;
    }
    char password[256];
    if (read_password(cfg->seed_dir_user.password_file, password, sizeof(password))) {
        snprintf(err->reason, sizeof(err->reason),
                 "seed_directory_user: cannot read a password from %s",
                 cfg->seed_dir_user.password_file);
        return -1;
    }
    memset(&u, 0, sizeof(u));
    snprintf(u.name, sizeof(u.name), "%s", name);
    snprintf(u.state, sizeof(u.state), "active");
    snprintf(u.attributes, sizeof(u.attributes), "{}");
    u.created = u.updated = time_now_ms();
    const char *why = idpw_set(cfg, &u, password);
    secret_wipe(password, sizeof(password));
    if (why) {
        snprintf(err->reason, sizeof(err->reason), "seed_directory_user: the password: %s", why);
        return -1;
    }
    seed_t w = {&u, cfg->seed_dir_user.role};
    rc = ctl->store->sql->transaction(ctl->store, create, &w);
    secret_wipe(&u, sizeof(u));
    if (rc != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "seed_directory_user: cannot create %s", name);
        return -1;
    }
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"user\":\"%s\",\"role\":\"%s\"}", name,
             cfg->seed_dir_user.role);
    log_kv(LOG_LEVEL_INFO, "seeded a directory user", "user", name, "role", cfg->seed_dir_user.role,
           NULL);
    if (audit_log_system(ctl->audit, "directory.user.seed", "success", detail) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot write the audit log");
        return -1;
    }
    return 0;
}
