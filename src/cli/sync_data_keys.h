/*
 * sync_data_keys.h — `rampart sync`'s data keys file for the gateway's
 * field encryption (sync_data_keys.c, docs/CRYPTO.md).
 */
#ifndef RAMPART_CLI_SYNC_DATA_KEYS_H
#define RAMPART_CLI_SYNC_DATA_KEYS_H

/* Fetches the data keys from rampartd (base URL, gateway token) and
 * writes DIR/data-keys (0600) when they changed. 0, or -1 (logged; the
 * file in place stays). */
int sync_data_keys_fetch(const char *base_url, const char *token, const char *dir);

#endif
