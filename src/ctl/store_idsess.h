/*
 * store_idsess.h — identity sessions, the revocation feed and the
 * identity keys in the store (migration 5, store_dir_schema.h), over the
 * backend-neutral statements of store_sql.h.
 *
 * Revocations carry a sequence number that only grows, also across
 * pruning: id_state's "revocations_pruned" remembers the highest pruned
 * seq, so a gateway asking since an older seq learns it must take the
 * whole list (docs/IDENTITY.md "Revocation feed"). Appends are ordered by
 * the caller's lock (idsession.c); seq = max(kept, pruned) + 1.
 */
#ifndef RAMPART_CTL_STORE_IDSESS_H
#define RAMPART_CTL_STORE_IDSESS_H

#include <stdint.h>

#include "store.h"
#include "store_sql.h"

#define IDSESS_SID_LEN 22 /* base64url of 128 bits */

typedef struct {
    char sid[IDSESS_SID_LEN + 1];
    int64_t user_id;
    char amr[32];
    char app[STORE_NAME_MAX + 1];
    char client[64];
    int64_t created, expires;      /* ms */
    char user[STORE_NAME_MAX + 1]; /* the user's name, in listings */
} idsess_t;

typedef struct {
    int64_t seq;
    char kind[8]; /* sid, user */
    char ident[32];
    int64_t t; /* sid: the session's expiry; user: revoked before (Unix seconds) */
} idrev_t;

typedef struct {
    char kid[17];
    char purpose[16]; /* session, upstream */
    char app[STORE_NAME_MAX + 1];
    char alg[16];               /* hmac-sha256, hmac-sm3 */
    char sealed[128];           /* the key sealed by idcrypt.h */
    int64_t created, not_after; /* Unix seconds; not_after 0: none */
} idkey_t;

typedef int (*idsess_cb)(void *ctx, const idsess_t *s);
typedef int (*idrev_cb)(void *ctx, const idrev_t *r);
typedef int (*idkey_cb)(void *ctx, const idkey_t *k);

int idsess_create(store_t *s, const idsess_t *sess);
int idsess_get(store_t *s, const char *sid, idsess_t *out);
/* user_id 0: every user's; newest first, at most limit. */
int idsess_list(store_t *s, int64_t user_id, int limit, idsess_cb cb, void *ctx);
int idsess_delete(store_t *s, const char *sid);
int idsess_delete_user(store_t *s, int64_t user_id);
int idsess_purge(store_t *s, int64_t now_ms);

/* Appends (kind, ident, t), kept until prune_after (ms); sets *seq. */
int idrev_append(store_t *s, const char *kind, const char *ident, int64_t t, int64_t prune_after,
                 int64_t *seq);
/* The newest seq (0: none ever) and the highest pruned one. */
int idrev_head(store_t *s, int64_t *seq, int64_t *pruned);
/* Entries with seq > since, in seq order. */
int idrev_since(store_t *s, int64_t since, idrev_cb cb, void *ctx);
int idrev_prune(store_t *s, int64_t now_ms);
/* The latest "before" of the user's revocations (0: none). */
int idrev_user_before(store_t *s, int64_t user_id, int64_t *before);

int idkey_add(store_t *s, const idkey_t *k);
/* Keys of a purpose (and app, "" for all), oldest first. */
int idkey_list(store_t *s, const char *purpose, const char *app, idkey_cb cb, void *ctx);
int idkey_delete(store_t *s, const char *kid);

#endif
