/*
 * idceremony.h — WebAuthn ceremonies in progress (api_id_webauthn.c): the
 * challenge rampartd issued, what it is bound to (the portal session that
 * registers, the login step of a second factor, or nothing for a passkey
 * login) and its expiry. Kept in memory only, under an opaque random
 * handle (stored as its SHA-256); taken out by the first finish, whatever
 * its outcome, so a challenge is answered once at most.
 */
#ifndef RAMPART_CTL_IDCEREMONY_H
#define RAMPART_CTL_IDCEREMONY_H

#include <stdint.h>

#include "idlogin.h"
#include "webauthn_options.h"

#define IDCEREMONY_TTL_S      300
#define IDCEREMONY_HANDLE_LEN 43

typedef enum {
    IDCEREMONY_REGISTER,     /* bound to the portal session sid */
    IDCEREMONY_SECOND,       /* bound to the login step token */
    IDCEREMONY_PASSWORDLESS, /* bound to nothing: the credential names its user */
} idceremony_kind_t;

typedef struct {
    idceremony_kind_t kind;
    int64_t uid;    /* 0 for a passkey login */
    char bound[64]; /* the sid, or the step token */
    unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
    unsigned char user_handle[16]; /* registration: the handle given */
    char name[65];                 /* registration: the user's name for the key */
    idtarget_t target;             /* a passkey login's hand-off */
    int64_t expires_ms;
} idceremony_t;

typedef struct idceremonies idceremonies_t;

idceremonies_t *idceremonies_new(void);
void idceremonies_free(idceremonies_t *t);
/* Keeps c under a new handle; 0, or -1 (table full). */
int idceremony_put(idceremonies_t *t, const idceremony_t *c,
                   char handle[IDCEREMONY_HANDLE_LEN + 1]);
/* Takes the ceremony of handle out of the table (it cannot be used again);
 * 0, or -1 when unknown or expired. */
int idceremony_take(idceremonies_t *t, const char *handle, idceremony_t *out);

#endif
