/*
 * sync.h — `rampart sync` (sync.c): fetch, verify and install the
 * distribution bundle on a gateway.
 */
#ifndef RAMPART_CLI_SYNC_H
#define RAMPART_CLI_SYNC_H

/* argv: the arguments after "sync". Exit status. */
int cmd_sync(int argc, char **argv);

#endif
