/*
 * idtoken.h — rampartd's side of the session token (rpt1) and the
 * hand-off (rph1) of docs/IDENTITY.md: the claims in their fixed order,
 * percent-encoded (RFC 3986 unreserved characters kept, everything else
 * %XX, upper-case hex), and the HMAC-SHA-256 (RFC 2104) over
 * "rpt1." kid "." payload. rampartd signs both and verifies rpt1 for
 * its own portal cookie; the gateways verify them (src/engine).
 */
#ifndef RAMPART_CTL_IDTOKEN_H
#define RAMPART_CTL_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "idkeys.h"

#define IDTOKEN_MAX     3072 /* what a gateway accepts (cookies stay under 4 KiB) */
#define IDTOKEN_SID_LEN 22

typedef struct {
    char sid[IDTOKEN_SID_LEN + 1];
    int64_t uid;
    char sub[65];
    char ro[1024]; /* comma-separated, raw (encoded when signed) */
    char gr[2048];
    char amr[32];
    int64_t iat, act, exp, idl;
} idclaims_t;

/* The token "rpt1.kid.payload.mac" into out; its length, or 0 when it
 * does not fit IDTOKEN_MAX (too many roles or groups). */
size_t idtoken_sign(const idkey_mem_t *key, const idclaims_t *c, char *out, size_t cap);
/* The hand-off "rph1...." with n (the gateway's state nonce) and hx. */
size_t idtoken_handoff(const idkey_mem_t *key, const idclaims_t *c, const char *n, int64_t hx,
                       char *out, size_t cap);

/* Checks an rpt1 token: prefix, a known unexpired key, the MAC in
 * constant time, the claims strictly, now < exp, idle and iat skew.
 * 0 with c filled (values decoded), or -1. */
int idtoken_verify(idkeys_t *keys, const char *token, int64_t now, idclaims_t *c);

/* Percent-encodes s (RFC 3986 unreserved kept) into out; length or 0 when
 * it does not fit. */
size_t idtoken_pct(const char *s, char *out, size_t cap);

#endif
