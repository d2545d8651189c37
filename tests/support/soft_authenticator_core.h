/*
 * soft_authenticator_core.h — a software WebAuthn authenticator and client
 * for the tests, written for Rampart (tests/support/soft_authenticator.c is
 * its command line; the unit tests link this core).
 *
 * It plays both the authenticator and the browser: given the options JSON
 * rampartd gives a page and the page's origin, it makes what
 * navigator.credentials.create() / get() would resolve to, as JSON with
 * base64url fields (PublicKeyCredential.toJSON(), WebAuthn Level 3 §5.1.8).
 * Keys are ES256 (P-256) or RS256 (RSA 2048) made with OpenSSL; attestation
 * is "none" or "packed" self attestation. The credentials, their private
 * keys and counters live in a JSON state file.
 *
 * On purpose it shares no code with rampartd's WebAuthn library (its own
 * CBOR writer, base64url and byte layout): a test where both sides used the
 * same encoder would prove nothing about either. It can also misbehave on
 * request (soft_fault_t), so every refusal can be exercised.
 */
#ifndef RAMPART_TEST_SOFT_AUTHENTICATOR_CORE_H
#define RAMPART_TEST_SOFT_AUTHENTICATOR_CORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SOFT_FAULT_WRONG_ORIGIN = 1 << 0,       /* clientData.origin is https://evil.example */
    SOFT_FAULT_WRONG_CHALLENGE = 1 << 1,    /* one bit of the challenge flipped */
    SOFT_FAULT_BAD_SIGNATURE = 1 << 2,      /* signs other bytes than it sends */
    SOFT_FAULT_NO_UP = 1 << 3,              /* the UP flag cleared */
    SOFT_FAULT_COUNTER_REGRESSION = 1 << 4, /* reports the last counter again */
    SOFT_FAULT_WRONG_TYPE = 1 << 5,         /* clientData.type of the other ceremony */
    SOFT_FAULT_WRONG_RP = 1 << 6,           /* rpIdHash of evil.example */
    SOFT_FAULT_CROSS_ORIGIN = 1 << 7,       /* crossOrigin true */
    SOFT_FAULT_WRONG_CREDENTIAL = 1 << 8    /* id/rawId of another (random) credential */
} soft_fault_t;

/* The fault called `name` ("wrong-origin", "bad-signature", ...); 0 when
 * unknown. */
unsigned soft_fault_by_name(const char *name);

typedef struct {
    const char *origin; /* e.g. "https://login.example.test" */
    int64_t alg;        /* create: -7 (ES256) or -257 (RS256); 0: the first offered we know */
    const char *fmt;    /* create: "none" (NULL) or "packed" (self attestation) */
    int user_verified;  /* set UV (the test plays a user who entered a PIN) */
    unsigned faults;    /* soft_fault_t bits */
    /* create with fmt "packed": a batch attestation key (EVP_PKEY *) and
     * its certificates (DER, the attestation certificate first) for an x5c
     * statement; NULL for self attestation */
    void *attestation_key;
    const unsigned char *const *x5c;
    const size_t *x5c_len;
    size_t n_x5c;
} soft_params_t;

typedef struct soft_authn soft_authn_t;

soft_authn_t *soft_authn_new(void);
void soft_authn_free(soft_authn_t *a);

/* The state file: a missing file is an empty authenticator. 0 or -1. */
int soft_authn_load(soft_authn_t *a, const char *path);
int soft_authn_save(const soft_authn_t *a, const char *path);

/* navigator.credentials.create() / get() with the options JSON (the
 * options object itself, or {"publicKey": options}). Returns the
 * credential JSON (malloc'd), or NULL with the reason in err. */
char *soft_authn_create(soft_authn_t *a, const char *options_json, const soft_params_t *p,
                        char *err, size_t err_size);
char *soft_authn_get(soft_authn_t *a, const char *options_json, const soft_params_t *p, char *err,
                     size_t err_size);

/* Bytes of base64url text (for tests that pick a response apart); malloc'd,
 * NULL when the text is not base64url. */
unsigned char *soft_b64u_decode(const char *text, size_t *len);

#endif
