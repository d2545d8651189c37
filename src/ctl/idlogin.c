/*
 * idlogin.c — directory logins: failure handling and step tokens (see
 * idlogin.h).
 */
#include "idlogin.h"
#include "idldap_sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "secret.h"
#include "throttle.h"
#include "timefmt.h"

#define STEP_SLOTS 4096

typedef struct {
    unsigned char hash[SECRET_SHA256_LEN]; /* of the token: memory holds no usable token */
    int used;
    idstep_t step;
} step_slot_t;

struct idlogin {
    throttle_t *throttle;
    pthread_mutex_t lock;
    step_slot_t *slots;
};

idlogin_t *idlogin_new(void)
{
    idlogin_t *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->throttle = throttle_new();
    l->slots = calloc(STEP_SLOTS, sizeof(*l->slots));
    if (!l->throttle || !l->slots) {
        idlogin_free(l);
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    return l;
}

void idlogin_free(idlogin_t *l)
{
    if (!l)
        return;
    throttle_free(l->throttle);
    free(l->slots);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

/* Seconds the account must still wait after its last failure. */
static int64_t delay_left(const idconf_t *id, const dir_user_t *u, int64_t now)
{
    if (u->failures < id->login_delay_after)
        return 0;
    int64_t shift = u->failures - id->login_delay_after;
    int64_t wait_ms = (shift >= 6 ? 60 : (int64_t)1 << shift) * 1000;
    int64_t left = u->updated + wait_ms - now;
    return left > 0 ? (left + 999) / 1000 : 0;
}

static void count_failure(http_req_t *r, idlogin_t *l, const char *name, const dir_user_t *u,
                          int64_t now)
{
    throttle_failure(l->throttle, r->cfg, name, r->client, now);
    if (!u)
        return;
    int64_t failures = 0;
    if (dir_user_failed(r->ctl->store, u->id, now, &failures) == STORE_OK &&
        failures == r->cfg->id.login_lock_after)
        dir_user_lock_until(r->ctl->store, u->id, now + r->cfg->id.login_lock_s * 1000LL);
}

idlogin_result_t idlogin_password(http_req_t *r, idlogin_t *l, const char *name,
                                  const char *password, dir_user_t *u, int *retry_after,
                                  const char **why)
{
    int64_t now = time_now_ms();
    *retry_after = throttle_check(l->throttle, r->cfg, name, r->client, now);
    if (*retry_after > 0) {
        *why = "throttled";
        return IDLOGIN_THROTTLED;
    }
    int rc = dir_user_get(r->ctl->store, NULL, name, u);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return IDLOGIN_ERROR;
    int known = rc == STORE_OK;
    if (known && delay_left(&r->cfg->id, u, now) > 0) {
        /* the growing delay: answered like the throttle, before any hashing */
        *retry_after = (int)delay_left(&r->cfg->id, u, now);
        *why = "delay";
        return IDLOGIN_THROTTLED;
    }
    int verified = 0;
    if (idldap_enabled(r->cfg) && (!known || idldap_is_source(u))) {
        /* LDAP's users: a bind as the user decides; a dead server is
         * never a success (docs/IDENTITY.md "LDAP") */
        idldap_result_t lr = idldap_login(r->ctl->store, r->cfg, name, password, u, &known, why);
        if (lr == IDLDAP_UNAVAILABLE)
            return IDLOGIN_UNAVAILABLE;
        verified = lr == IDLDAP_OK;
    } else if (known && u->pw_hash[0]) {
        verified = password_verify(u->pw_hash, password) == 1;
    } else {
        password_waste_time(r->cfg, password);
    }
    *why = !known                  ? "unknown_user"
           : !verified             ? "bad_password"
           : u->locked_until > now ? "locked"
           : strcmp(u->state, "active")
               ? (strcmp(u->state, "expired") ? u->state : "expired_account")
               : NULL;
    if (*why) {
        count_failure(r, l, name, known ? u : NULL, now);
        return IDLOGIN_FAILED;
    }
    return IDLOGIN_OK;
}

void idlogin_factor_failed(http_req_t *r, idlogin_t *l, const dir_user_t *u)
{
    count_failure(r, l, u->name, u, time_now_ms());
}

/* The pseudo-account of step-token failures: one per address, so a flood
 * of bad step tokens from one address locks no other. */
static void step_account(const http_req_t *r, char out[80])
{
    snprintf(out, 80, " step %s", r->client); /* a space: no real name has one */
}

void idlogin_step_failed(http_req_t *r, idlogin_t *l)
{
    char account[80];
    step_account(r, account);
    throttle_failure(l->throttle, r->cfg, account, r->client, time_now_ms());
}

int idlogin_step_throttled(http_req_t *r, idlogin_t *l)
{
    char account[80];
    step_account(r, account);
    return throttle_check(l->throttle, r->cfg, account, r->client, time_now_ms());
}

int idlogin_throttled(http_req_t *r, idlogin_t *l, const char *name)
{
    return throttle_check(l->throttle, r->cfg, name, r->client, time_now_ms());
}

void idlogin_succeeded(http_req_t *r, idlogin_t *l, const dir_user_t *u)
{
    throttle_success(l->throttle, u->name);
    dir_user_logged_in(r->ctl->store, u->id, time_now_ms());
}

void idlogin_unlock(idlogin_t *l, const char *name)
{
    throttle_success(l->throttle, name);
}

/* ---- step tokens ------------------------------------------------------------- */

static size_t slot_of(const unsigned char hash[SECRET_SHA256_LEN])
{
    return ((size_t)hash[0] << 8 | hash[1]) % STEP_SLOTS;
}

int idstep_create(idlogin_t *l, const idstep_t *s, char token[IDSTEP_TOKEN_LEN + 1])
{
    unsigned char raw[32], hash[SECRET_SHA256_LEN];
    if (secret_random(raw, sizeof(raw)))
        return -1;
    secret_base64url(raw, sizeof(raw), token);
    secret_sha256(token, IDSTEP_TOKEN_LEN, hash);
    int64_t now = time_now_ms();
    pthread_mutex_lock(&l->lock);
    int placed = -1;
    /* linear probing over a bounded window; expired slots are free */
    for (size_t i = 0, at = slot_of(hash); i < 64; i++, at = (at + 1) % STEP_SLOTS) {
        step_slot_t *slot = &l->slots[at];
        if (!slot->used || slot->step.expires_ms <= now) {
            memcpy(slot->hash, hash, sizeof(hash));
            slot->step = *s;
            slot->used = 1;
            placed = 0;
            break;
        }
    }
    pthread_mutex_unlock(&l->lock);
    return placed;
}

static step_slot_t *find(idlogin_t *l, const char *token, int64_t now)
{
    if (!token || strlen(token) != IDSTEP_TOKEN_LEN)
        return NULL;
    unsigned char hash[SECRET_SHA256_LEN];
    secret_sha256(token, IDSTEP_TOKEN_LEN, hash);
    for (size_t i = 0, at = slot_of(hash); i < 64; i++, at = (at + 1) % STEP_SLOTS) {
        step_slot_t *slot = &l->slots[at];
        if (slot->used && slot->step.expires_ms > now &&
            secret_equal(slot->hash, hash, sizeof(hash)))
            return slot;
    }
    return NULL;
}

int idstep_get(idlogin_t *l, const char *token, idstep_kind_t kind, idstep_t *out)
{
    pthread_mutex_lock(&l->lock);
    step_slot_t *slot = find(l, token, time_now_ms());
    int ok = slot && slot->step.kind == kind && slot->step.attempts < IDSTEP_ATTEMPTS;
    if (ok) {
        slot->step.attempts++;
        *out = slot->step;
    } else if (slot) {
        slot->used = 0; /* spent */
    }
    pthread_mutex_unlock(&l->lock);
    return ok ? 0 : -1;
}

void idstep_delete(idlogin_t *l, const char *token)
{
    pthread_mutex_lock(&l->lock);
    step_slot_t *slot = find(l, token, time_now_ms());
    if (slot)
        slot->used = 0;
    pthread_mutex_unlock(&l->lock);
}
