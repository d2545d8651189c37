/*
 * idsession.c — the identity service's lifecycle and revocations (see
 * idsession.h).
 */
#include "idsession.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "idanomaly.h"
#include "idceremony.h"
#include "idcrypt.h"
#include "idkeys.h"
#include "idlogin.h"
#include "idrev_redis.h"
#include "log.h"
#include "secret.h"
#include "store_idsess.h"
#include "timefmt.h"

/* How often expired revocations and sessions are pruned, at most. */
#define PRUNE_EVERY_MS 60000

idservice_t *idservice_start(ctl_t *ctl, rp_error_t *err)
{
    int64_t seq = 0, pruned = 0;
    if (idrev_head(ctl->store, &seq, &pruned) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the revocation list");
        return NULL;
    }
    idservice_t *svc = calloc(1, sizeof(*svc));
    if (svc)
        pthread_mutex_init(&svc->revoke_lock, NULL);
    if (!svc || !(svc->feed = idfeed_new(seq))) {
        idservice_free(svc);
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    ctl_config_t *cfg = config_acquire(&ctl->config);
    int kek = idcrypt_init(cfg->data_dir, err);
    svc->anomaly = idanomaly_new(cfg);
    if (!kek && cfg->identity_redis[0] &&
        !(svc->redis = idrev_redis_start(ctl, cfg->identity_redis, err)))
        kek = -1;
    config_release(cfg);
    if (kek || !svc->anomaly || !(svc->keys = idkeys_new()) || !(svc->login = idlogin_new()) ||
        !(svc->webauthn = idceremonies_new()) ||
        secret_random(svc->csrf_secret, sizeof(svc->csrf_secret)) ||
        idkeys_refresh(ctl, svc->keys) != STORE_OK) {
        if (!err->reason[0])
            snprintf(err->reason, sizeof(err->reason), "cannot start the identity service");
        idservice_free(svc);
        return NULL;
    }
    return svc;
}

void idservice_stop(idservice_t *svc)
{
    if (!svc)
        return;
    idfeed_stop(svc->feed);
    idrev_redis_stop(svc->redis); /* before the store closes: it reads the list */
}

void idservice_free(idservice_t *svc)
{
    if (!svc)
        return;
    idrev_redis_free(svc->redis);
    idfeed_free(svc->feed);
    idkeys_free(svc->keys);
    idlogin_free(svc->login);
    idceremonies_free(svc->webauthn);
    idanomaly_free(svc->anomaly);
    secret_wipe(svc->csrf_secret, sizeof(svc->csrf_secret));
    idcrypt_close();
    pthread_mutex_destroy(&svc->revoke_lock);
    free(svc);
}

/* Prunes expired revocations and sessions, at most once a minute; the
 * caller holds revoke_lock. */
static void housekeeping_locked(ctl_t *ctl, int64_t now)
{
    static int64_t last_prune;
    if (now - last_prune > PRUNE_EVERY_MS) {
        last_prune = now;
        idrev_prune(ctl->store, now);
        idsess_purge(ctl->store, now);
    }
}

void idsession_housekeeping(ctl_t *ctl)
{
    idservice_t *svc = ctl->identity;
    pthread_mutex_lock(&svc->revoke_lock);
    housekeeping_locked(ctl, time_now_ms());
    pthread_mutex_unlock(&svc->revoke_lock);
}

static int append(ctl_t *ctl, const char *kind, const char *ident, int64_t t, int64_t prune_after,
                  const char *reason)
{
    idservice_t *svc = ctl->identity;
    if (svc)
        pthread_mutex_lock(&svc->revoke_lock);
    int64_t now = time_now_ms(), seq = 0;
    housekeeping_locked(ctl, now);
    int rc = idrev_append(ctl->store, kind, ident, t, prune_after, &seq);
    if (svc)
        pthread_mutex_unlock(&svc->revoke_lock);
    if (rc != STORE_OK) {
        log_kv(LOG_LEVEL_ERROR, "cannot record a revocation", "kind", kind, "id", ident, NULL);
        return rc;
    }
    if (svc) {
        idfeed_advance(svc->feed, seq);
        idrev_redis_notify(svc->redis);
    }
    log_kv(LOG_LEVEL_INFO, "identity revocation", "kind", kind, "id", ident, "seq", LOG_INT(seq),
           "reason", reason, NULL);
    return STORE_OK;
}

int idsession_revoke_user(ctl_t *ctl, int64_t user_id, const char *reason)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, user_id);
    int64_t now = time_now_ms();
    /* "before" is the next second: a token issued in this second (iat has
     * second resolution) is revoked too; a login in the same second as a
     * revocation must log in again, which errs on the safe side. */
    int rc = append(ctl, "user", id, now / 1000 + 1,
                    now + (int64_t)idconf_session_absolute_s(ctl) * 1000, reason);
    idsess_delete_user(ctl->store, user_id);
    return rc;
}

int idsession_revoke_sid(ctl_t *ctl, const char *sid, int64_t exp_s, const char *reason)
{
    int rc = append(ctl, "sid", sid, exp_s, exp_s * 1000, reason);
    idsess_delete(ctl->store, sid);
    return rc;
}
