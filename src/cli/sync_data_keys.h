/*
 * sync_data_keys.h — `rampart sync`'s data keys file for the gateway's
 * field encryption (sync_data_keys.c, docs/CRYPTO.md).
 */
#ifndef RAMPART_CLI_SYNC_DATA_KEYS_H
#define RAMPART_CLI_SYNC_DATA_KEYS_H

#include <sys/types.h>

/* Fetches the data keys from rampartd (base URL, gateway token) and
 * writes DIR/data-keys (0600, owned by owner_uid:owner_gid unless
 * owner_uid is -1: --key-owner) when they changed. 0, or -1 (logged; the
 * file in place stays). */
int sync_data_keys_fetch(const char *base_url, const char *token, const char *dir, uid_t owner_uid,
                         gid_t owner_gid);

#endif
