/*
 * store_dir.h — the identity directory in the store: application users
 * (not the console's operators, see docs/IDENTITY.md), groups and
 * organisation units as paths, roles and memberships. Written once over
 * the backend-neutral statements of store_sql.h, so SQLite and
 * PostgreSQL run the same code; the tables are migration 5
 * (store_dir_schema.h).
 *
 * Names (users, roles) and group paths are unique without regard to
 * case. Status codes are store.h's: STORE_NOT_FOUND, STORE_CONFLICT for
 * a taken name. Times are ms since the epoch.
 */
#ifndef RAMPART_CTL_STORE_DIR_H
#define RAMPART_CTL_STORE_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_sql.h"

#define DIR_NAME_MAX    64
#define DIR_TEXT_MAX    256 /* display names, e-mail addresses, descriptions */
#define DIR_PHONE_MAX   32
#define DIR_PATH_MAX    256
#define DIR_ATTR_MAX    4096 /* the attributes object, as JSON */
#define DIR_HISTORY_MAX 2048 /* the password history, a JSON array of hashes */
#define DIR_SEALED_MAX  256  /* a sealed secret (idcrypt.h), base64url */

typedef struct {
    int64_t id;
    char name[DIR_NAME_MAX + 1];
    char display_name[DIR_TEXT_MAX + 1];
    char email[DIR_TEXT_MAX + 1];
    char phone[DIR_PHONE_MAX + 1];
    char ou[DIR_PATH_MAX + 1]; /* the organisation unit's path, "" for none */
    char state[16];            /* active, locked, disabled, expired */
    char attributes[DIR_ATTR_MAX + 1];
    char pw_hash[STORE_PWHASH_MAX + 1]; /* argon2id PHC string, "" for none */
    char pw_history[DIR_HISTORY_MAX + 1];
    int64_t pw_changed;
    int64_t failures, locked_until; /* consecutive login failures; a timed lock */
    char totp_secret[DIR_SEALED_MAX + 1];
    int64_t totp_state; /* DIR_TOTP_* */
    int64_t totp_last_step;
    int64_t last_login, created, updated;
} dir_user_t;

enum { DIR_TOTP_NONE = 0, DIR_TOTP_PENDING = 1, DIR_TOTP_ACTIVE = 2 };

typedef struct {
    int64_t id;
    char path[DIR_PATH_MAX + 1];
    char display_name[DIR_TEXT_MAX + 1];
    char description[DIR_TEXT_MAX + 1];
    int64_t created;
} dir_group_t;

typedef struct {
    int64_t id;
    char name[DIR_NAME_MAX + 1];
    char description[DIR_TEXT_MAX + 1];
    int64_t created;
} dir_role_t;

/* A page of users: id > after, in id order. Empty strings: no condition. */
typedef struct {
    const char *text;  /* substring of name, display name or e-mail, any case */
    const char *state; /* exactly */
    const char *group; /* member of this group path */
    const char *role;  /* holds this role */
    int64_t after;
    int limit;
} dir_user_query_t;

typedef enum { DIR_GROUPS, DIR_ROLES } dir_kind_t;

typedef int (*dir_user_cb)(void *ctx, const dir_user_t *u);
typedef int (*dir_group_cb)(void *ctx, const dir_group_t *g);
typedef int (*dir_role_cb)(void *ctx, const dir_role_t *r);
typedef int (*dir_name_cb)(void *ctx, const char *name);

int dir_user_create(store_t *s, store_sql_tx_t *tx, dir_user_t *u); /* sets u->id */
int dir_user_get(store_t *s, store_sql_tx_t *tx, const char *name, dir_user_t *out);
int dir_user_get_id(store_t *s, int64_t id, dir_user_t *out);
int dir_user_update(store_t *s, store_sql_tx_t *tx, const dir_user_t *u); /* every column, by id */
int dir_user_delete(store_t *s, int64_t id);
int dir_user_list(store_t *s, const dir_user_query_t *q, dir_user_cb cb, void *ctx);
int dir_user_count(store_t *s, int64_t *count);

/* Login bookkeeping, each one statement (concurrent logins do not lose
 * counts): a failure (sets *failures to the new count), a success. */
int dir_user_failed(store_t *s, int64_t id, int64_t now, int64_t *failures);
int dir_user_lock_until(store_t *s, int64_t id, int64_t until);
int dir_user_logged_in(store_t *s, int64_t id, int64_t now);
/* Records a TOTP time step as used: STORE_NOT_FOUND when it (or a later
 * one) was used already — a replay. */
int dir_user_totp_step(store_t *s, int64_t id, int64_t step);

int dir_group_create(store_t *s, store_sql_tx_t *tx, dir_group_t *g); /* sets g->id */
int dir_group_get(store_t *s, store_sql_tx_t *tx, int64_t id, const char *path, dir_group_t *out);
int dir_group_update(store_t *s, const dir_group_t *g); /* display name, description */
/* STORE_CONFLICT while the group has sub-groups. */
int dir_group_delete(store_t *s, int64_t id);
int dir_group_list(store_t *s, dir_group_cb cb, void *ctx); /* by path */

int dir_role_create(store_t *s, store_sql_tx_t *tx, dir_role_t *r); /* sets r->id */
int dir_role_get(store_t *s, store_sql_tx_t *tx, const char *name, dir_role_t *out);
int dir_role_update(store_t *s, const dir_role_t *r); /* description */
int dir_role_delete(store_t *s, const char *name);
int dir_role_list(store_t *s, dir_role_cb cb, void *ctx);

/* Memberships: a user's group paths or role names (sorted), the users of a
 * group or role, and replacing a user's whole set (STORE_NOT_FOUND when a
 * name does not exist; nothing changes then if tx rolls back). */
int dir_memberships(store_t *s, store_sql_tx_t *tx, int64_t user_id, dir_kind_t kind,
                    dir_name_cb cb, void *ctx);
int dir_members(store_t *s, dir_kind_t kind, int64_t target_id, dir_name_cb cb, void *ctx);
int dir_set_memberships(store_t *s, store_sql_tx_t *tx, int64_t user_id, dir_kind_t kind,
                        const char *const *names, size_t n);

/* Recovery codes (SHA-256, hex): replace a user's set; use one up
 * (STORE_NOT_FOUND when it is not an unused code of the user). */
int dir_recovery_set(store_t *s, int64_t user_id, const char *const *hashes, size_t n);
int dir_recovery_use(store_t *s, int64_t user_id, const char *hash);
int dir_recovery_count(store_t *s, int64_t user_id, int64_t *count);

#endif
