/*
 * idlogin.h — directory users' logins: failure handling and the step
 * between the password and the second factor.
 *
 * Failures (docs/IDENTITY.md "Login failures"):
 *   - per account and per client address in memory (throttle.h, its own
 *     table, rampartd.conf's login_* thresholds): a throttled attempt is
 *     answered 429 with Retry-After before any password hashing, the same
 *     for unknown names as for real ones;
 *   - per account in the store: consecutive failures count up; from
 *     id_login_delay_after on, each further attempt must wait 2^(n-k)
 *     seconds (capped at a minute) after the last failure — a growing
 *     delay; at id_login_lock_after the account is locked for
 *     id_login_lock_seconds (unlocked by time, or by an admin). A success
 *     resets the count. The numbers are rampartd.conf settings (idconf.h).
 * Unknown users, wrong passwords, locked, disabled and expired accounts
 * all get the same 401 after the same argon2id work (no enumeration).
 *
 * Step tokens: after a correct password, an account with TOTP gets an
 * opaque random token (256 bits, base64url) that names the pending login
 * for IDSTEP_TTL_S seconds and at most IDSTEP_ATTEMPTS second-factor
 * tries. It lives only in rampartd's memory, is single-use, and is worth
 * nothing without the second factor. The same kind of token carries a
 * login whose password has expired to the password change.
 */
#ifndef RAMPART_CTL_IDLOGIN_H
#define RAMPART_CTL_IDLOGIN_H

#include <stdint.h>

#include "http.h"
#include "store_dir.h"

#define IDSTEP_TTL_S     300
#define IDSTEP_ATTEMPTS  5
#define IDSTEP_TOKEN_LEN 43

typedef enum { IDSTEP_MFA, IDSTEP_PASSWORD } idstep_kind_t;

/* Where a login goes when it completes: an application's hand-off. */
typedef struct {
    char app[65];
    char rd[2049];
    char n[32];
} idtarget_t;

typedef struct {
    idstep_kind_t kind;
    int64_t uid;
    int64_t expires_ms;
    int attempts;
    char amr[32]; /* factors proven so far */
    idtarget_t target;
} idstep_t;

typedef struct idlogin idlogin_t;

idlogin_t *idlogin_new(void);
void idlogin_free(idlogin_t *l);

typedef enum {
    IDLOGIN_OK,         /* the password is right and the account may log in */
    IDLOGIN_FAILED,     /* 401, counted */
    IDLOGIN_THROTTLED,  /* 429 after *retry_after seconds, nothing checked */
    IDLOGIN_ERROR,      /* the store failed */
    IDLOGIN_UNAVAILABLE /* the external directory (LDAP) cannot answer: 503, *why says why */
} idlogin_result_t;

/* Checks name and password; on IDLOGIN_OK, u is the user. *why (for the
 * event, never the answer): "unknown_user", "bad_password", "locked",
 * "disabled", "expired_account", "delay", "throttled". */
idlogin_result_t idlogin_password(http_req_t *r, idlogin_t *l, const char *name,
                                  const char *password, dir_user_t *u, int *retry_after,
                                  const char **why);
/* Counts a failed second factor against the account and address. */
void idlogin_factor_failed(http_req_t *r, idlogin_t *l, const dir_user_t *u);
/* A second-factor request whose step token is unknown, spent or
 * expired: counted against the address (a pseudo-account per address). */
void idlogin_step_failed(http_req_t *r, idlogin_t *l);
/* 0, or the seconds the address must wait before a second-factor try. */
int idlogin_step_throttled(http_req_t *r, idlogin_t *l);
/* Checks the in-memory throttle only (second-factor attempts). */
int idlogin_throttled(http_req_t *r, idlogin_t *l, const char *name);
void idlogin_succeeded(http_req_t *r, idlogin_t *l, const dir_user_t *u);
/* An operator's unlock: forgets the account's in-memory throttle too. */
void idlogin_unlock(idlogin_t *l, const char *name);

/* A new step token for s into token; 0 or -1 (table full). */
int idstep_create(idlogin_t *l, const idstep_t *s, char token[IDSTEP_TOKEN_LEN + 1]);
/* The step of token (kind must match), counting an attempt; 0 or -1. */
int idstep_get(idlogin_t *l, const char *token, idstep_kind_t kind, idstep_t *out);
void idstep_delete(idlogin_t *l, const char *token);

#endif
