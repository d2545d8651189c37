/*
 * identity.h — the gateway side of Rampart's identity service
 * (docs/IDENTITY.md): session tokens (rpt1) verified locally on every
 * request, the portal's one-time hand-off (rph1), the session keys and the
 * revocation list rampartd publishes, the per-path access rules of a
 * policy ("access" directive, docs/POLICY.md) and the signed identity
 * headers sent upstream.
 *
 * Key sets and revocation lists are immutable once loaded; a host reloads
 * them into new objects and swaps pointers. Every function is safe from any
 * thread; session checks keep a small per-thread cache of verified tokens
 * (keyed by the whole token and the key set's serial), so a returning
 * session costs a hash and a memcmp instead of an HMAC.
 */
#ifndef RAMPART_IDENTITY_H
#define RAMPART_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/policy.h"
#include "rampart/status.h"

#define RP_ID_TOKEN_MAX        3072 /* longest token accepted (cookies stay under 4 KiB) */
#define RP_ID_KID_MAX          16
#define RP_ID_SID_LEN          22
#define RP_ID_NONCE_LEN        22
#define RP_ID_COOKIE           "rampart_id"
#define RP_ID_STATE            "rampart_state"
#define RP_ID_SKEW             60 /* seconds an iat may lie in the future */
#define RP_ID_UPSTREAM_KEY_MIN 16

typedef enum {
    RP_ID_OK = 0,
    RP_ID_MALFORMED,   /* not a token of this kind, or claims that do not parse strictly */
    RP_ID_UNKNOWN_KEY, /* kid not held, or past its not_after */
    RP_ID_FORGED,      /* MAC differs, or iat too far in the future */
    RP_ID_EXPIRED,     /* now >= exp (hand-off: now > hx) */
    RP_ID_IDLE,        /* now - act > idl */
    RP_ID_REVOKED,     /* the session or every session of the user was revoked */
    RP_ID_NONCE,       /* hand-off nonce differs from the rampart_state cookie */
    RP_ID_REPLAYED,    /* hand-off used before */
    RP_ID_NO_SESSION   /* no token at all */
} rp_id_status_t;

/* The reason word used in events ("forged", "idle"...). Never NULL. */
const char *rp_id_status_name(rp_id_status_t s);

/* ---- session keys: the identity-keys file ---- */

typedef enum { RP_ID_HMAC_SHA256 = 1, RP_ID_HMAC_SM3 = 2 } rp_id_alg_t;

typedef struct rp_id_keys rp_id_keys_t;

/* "# rampart session keys" then "<kid> <hmac-sha256|hmac-sm3> <base64url
 * 32-byte key> <not_after>" per line, newest last. Errors name file:line
 * (keys never appear in them). */
rp_id_keys_t *rp_id_keys_parse(const char *text, size_t len, const char *name, rp_error_t *err);
rp_id_keys_t *rp_id_keys_load(const char *path, rp_error_t *err);
void rp_id_keys_free(rp_id_keys_t *k);
size_t rp_id_keys_count(const rp_id_keys_t *k);

/* ---- revocation list: the revocations file ---- */

typedef struct rp_id_revocations rp_id_revocations_t;

/* "# rampart revocations seq=N" then "sid <sid> <exp>" and
 * "user <uid> <before>" lines. */
rp_id_revocations_t *rp_id_revocations_parse(const char *text, size_t len, const char *name,
                                             rp_error_t *err);
rp_id_revocations_t *rp_id_revocations_load(const char *path, rp_error_t *err);
void rp_id_revocations_free(rp_id_revocations_t *r);
uint64_t rp_id_revocations_seq(const rp_id_revocations_t *r);
size_t rp_id_revocations_count(const rp_id_revocations_t *r);
/* Is the session (sid) or the user (uid, issued at iat) revoked? */
bool rp_id_revoked(const rp_id_revocations_t *r, const char *sid, size_t sid_len, uint64_t uid,
                   int64_t iat);

/* ---- claims and sessions ---- */

/* A field of the claims as it appears in the token (percent-encoded). */
typedef struct {
    const char *p;
    size_t len;
} rp_id_str_t;

typedef struct {
    /* the claims text; the fields below point into it */
    char text[RP_ID_TOKEN_MAX];
    size_t text_len;
    rp_id_str_t sid, uid_text, sub, ro, gr, amr;
    uint64_t uid;
    int64_t iat, act, exp, idl;
    /* hand-off only */
    rp_id_str_t n;
    int64_t hx;
} rp_id_claims_t;

/* Parse claims strictly: keys in the contract's order, each once, nothing
 * else; values of unreserved characters and %XX only; numbers decimal
 * without leading zeros. handoff: "&n=...&hx=..." must follow. */
rp_id_status_t rp_id_claims_parse(const char *text, size_t len, bool handoff, rp_id_claims_t *out);

/* Verify a session token at time now (Unix seconds). On RP_ID_OK *out has
 * the claims. revocations may be NULL (none). */
rp_id_status_t rp_id_session_check(const rp_id_keys_t *keys, const rp_id_revocations_t *rev,
                                   const char *token, size_t len, int64_t now, rp_id_claims_t *out);

/* Is the session due for re-signing (now - act > min(60, idl / 4))? */
bool rp_id_session_refresh_due(const rp_id_claims_t *c, int64_t now);

/* Sign claims as an rpt1 token with the newest usable key, act replaced by
 * act (the other claims kept). Writes a NUL-terminated token into out
 * (cap bytes); returns its length or 0 when no key can sign or it does not
 * fit. */
size_t rp_id_session_sign(const rp_id_keys_t *keys, const rp_id_claims_t *c, int64_t act,
                          int64_t now, char *out, size_t cap);

/* Verify a hand-off (rph1) against the rampart_state nonce: MAC, now <= hx,
 * the nonce, and the claims as for a session (expiry, revocation). On
 * RP_ID_OK *out has the session's claims, ready for rp_id_session_sign. */
rp_id_status_t rp_id_handoff_check(const rp_id_keys_t *keys, const rp_id_revocations_t *rev,
                                   const char *handoff, size_t len, const char *nonce,
                                   size_t nonce_len, int64_t now, rp_id_claims_t *out);

/* One-time use of hand-offs across processes: a table in memory the caller
 * provides (shared memory for nginx workers), zeroed before first use.
 * Returns true when the hand-off was not seen before and records it until
 * its expiry; false for a replay (or when the table is full of live
 * entries, which fails closed). */
size_t rp_id_replay_table_size(size_t entries);
bool rp_id_replay_first_use(void *table, size_t table_size, const char *handoff, size_t len,
                            int64_t expires, int64_t now);

/* ---- identity headers upstream ---- */

/* base64url-nopad HMAC-SHA-256 (43 characters + NUL into sig) of
 * "rampart-identity-v1\n" t "\n" method "\n" host "\n" uri "\n" sub "\n"
 * uid "\n" ro "\n" gr "\n" amr. false when the key is too short. */
bool rp_id_upstream_sign(const uint8_t *key, size_t key_len, int64_t t, const char *method,
                         size_t method_len, const char *host, size_t host_len, const char *uri,
                         size_t uri_len, const rp_id_claims_t *c, char sig[44]);

/* An upstream key file: one line of base64url (with or without padding),
 * at least RP_ID_UPSTREAM_KEY_MIN bytes decoded; '#' lines are comments.
 * Returns the key length, 0 on error (reason in err). */
size_t rp_id_upstream_key_parse(const char *text, size_t len, uint8_t *key, size_t cap,
                                rp_error_t *err);

/* ---- access rules ("access" directive of a policy) ---- */

typedef enum { RP_ACCESS_PUBLIC = 0, RP_ACCESS_AUTHENTICATED = 1 } rp_access_kind_t;

typedef enum {
    RP_ACCESS_ALLOW = 0,  /* public route, or the session meets the rule */
    RP_ACCESS_LOGIN,      /* a session is required and there is none */
    RP_ACCESS_DENY_ROLE,  /* none of the required roles */
    RP_ACCESS_DENY_GROUP, /* none of the required groups */
    RP_ACCESS_DENY_MFA,   /* amr lacks "mfa" */
    RP_ACCESS_DENY_ADDR,  /* client address outside the ranges */
    RP_ACCESS_DENY_TIME   /* outside the time windows */
} rp_access_result_t;

const char *rp_access_result_name(rp_access_result_t r);

typedef struct rp_access_rules rp_access_rules_t;

/* The policy's access rules, or NULL when it has none (identity is then
 * not enforced for it). Valid while the caller holds the policy. */
const rp_access_rules_t *rp_policy_access_rules(const rp_policy_t *p);

/* Parse one "access PREFIX ..." line (w[0] is "access"); 0, or -1 with the
 * reason in why. The rule is appended to *rules (created on first use). */
int rp_access_rules_add(rp_access_rules_t **rules, char **w, int nw, char *why, size_t why_len);
void rp_access_rules_free(rp_access_rules_t *rules);
size_t rp_access_rules_count(const rp_access_rules_t *rules);

/* Does the route need a session at all? (The longest matching prefix; a
 * path no rule covers needs one: access rules fail closed.) */
bool rp_access_needs_session(const rp_access_rules_t *rules, const char *path, size_t path_len);

/* Decide for a path, client address (text) and local time; session NULL
 * when there is none. */
rp_access_result_t rp_access_check(const rp_access_rules_t *rules, const char *path,
                                   size_t path_len, const rp_id_claims_t *session, const char *addr,
                                   size_t addr_len, int64_t now);

#endif
