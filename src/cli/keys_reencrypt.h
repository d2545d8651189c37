/*
 * keys_reencrypt.h — `rampart keys reencrypt` (keys_reencrypt.c): moves the
 * envelopes of an application's table column to the current key version
 * through rampartd's rewrap endpoint.
 */
#ifndef RAMPART_CLI_KEYS_REENCRYPT_H
#define RAMPART_CLI_KEYS_REENCRYPT_H

/* argv: the arguments after "keys". Exit status. */
int cmd_keys(int argc, char **argv);

#endif
