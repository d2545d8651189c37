/*
 * idsession.h — rampartd's identity service at run time: the revocation
 * feed (idfeed.h) over the store's list (store_idsess.h), and the ends of
 * sessions — one session (logout, an admin's revocation) or every session
 * of a user (logout everywhere, password change, lock, disable, role or
 * group change, deletion). docs/IDENTITY.md "Revocation feed".
 */
#ifndef RAMPART_CTL_IDSESSION_H
#define RAMPART_CTL_IDSESSION_H

#include <pthread.h>
#include <stdint.h>

#include "ctl.h"
#include "idfeed.h"

/* Session lifetimes are rampartd.conf settings (idconf.h, docs/IDENTITY.md
 * "Sessions"): the absolute lifetime bounds how long a user revocation and
 * a replaced session key are kept (idconf_session_absolute_s). */

typedef struct idservice {
    idfeed_t *feed;
    pthread_mutex_t revoke_lock;   /* orders appends, so seqs follow the clicks */
    struct idkeys *keys;           /* session and upstream keys (idkeys.h) */
    struct idlogin *login;         /* login throttling and step tokens (idlogin.h) */
    unsigned char csrf_secret[32]; /* keys the portal's CSRF tokens (api_id.c) */
    struct idceremonies *webauthn; /* WebAuthn ceremonies in progress (idceremony.h) */
    struct idanomaly *anomaly;     /* abnormal logins (idanomaly.h) */
    struct idrev_redis *redis;     /* the revocation stream's writer, or NULL (idrev_redis.h) */
} idservice_t;

/* After the store is open; NULL with err on failure. */
idservice_t *idservice_start(ctl_t *ctl, rp_error_t *err);
/* Answers the waiting long-polls (before the HTTP server drains). */
void idservice_stop(idservice_t *svc);
void idservice_free(idservice_t *svc);

/* Ends every session of the user issued before now. STORE_OK or an error
 * (logged). reason goes to the log and the event. */
int idsession_revoke_user(ctl_t *ctl, int64_t user_id, const char *reason);
/* Drops expired sessions and revocations (at most once a minute). */
void idsession_housekeeping(ctl_t *ctl);
/* Ends one session (exp: its absolute expiry, Unix seconds). */
int idsession_revoke_sid(ctl_t *ctl, const char *sid, int64_t exp_s, const char *reason);

#endif
