/*
 * sync_identity.h — `rampart sync`'s identity files (docs/IDENTITY.md):
 * a thread beside the bundle's long-poll that long-polls the revocation
 * feed and fetches the keys, writing into the sync directory
 *
 *   revocations          "# rampart revocations seq=N", then "sid <sid>
 *                        <exp>" / "user <uid> <before>" lines (0644)
 *   identity-keys        "# rampart session keys", then "<kid> <alg>
 *                        <base64url key> <not_after>", newest last (0600)
 *   upstream-keys/<app>  one application's upstream key (0600)
 *
 * each rewritten atomically (a temporary file, fsync, rename), so nginx
 * never reads half a file. A revocation reaches the file one long-poll
 * round trip after it is made.
 */
#ifndef RAMPART_CLI_SYNC_IDENTITY_H
#define RAMPART_CLI_SYNC_IDENTITY_H

#include <stddef.h>
#include <sys/types.h>

#include "store_idsess.h"

typedef struct sync_identity sync_identity_t;

/* url: rampartd's base URL; token: the gateway token; dir: the sync
 * directory; owner_uid/gid: the key files' owner (nginx's workers), or
 * (uid_t)-1 for the sync's own user. once: fetch both once, synchronously,
 * and return. NULL when the thread cannot start (once: when the fetch
 * failed). */
sync_identity_t *sync_identity_start(const char *url, const char *token, const char *dir,
                                     uid_t owner_uid, gid_t owner_gid, int once, int *failed);
/* Asks for the keys again (a new bundle may bring a new application). */
void sync_identity_keys_changed(sync_identity_t *s);
void sync_identity_stop(sync_identity_t *s);

/* One log line to stderr: time, level, msg[: detail] (detail may be NULL). */
void sync_identity_say(const char *level, const char *msg, const char *detail);

/* The newest seq the revocations file holds. */
long long sync_identity_seq(sync_identity_t *s);
/* Revocations that came another way (Redis, sync_revredis.h), in seq order:
 * those above the file's seq are added and the file rewritten. 0 or -1. */
int sync_identity_merge(sync_identity_t *s, const idrev_t *entries, size_t n);

#endif
