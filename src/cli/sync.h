/*
 * sync.h — `rampart sync` (sync.c): fetch, verify and install the
 * distribution bundle on a gateway.
 */
#ifndef RAMPART_CLI_SYNC_H
#define RAMPART_CLI_SYNC_H

#include <stddef.h>
#include <sys/types.h>

/* An HTTP answer collected by libcurl (sync_collect, the write callback;
 * at most 64 MB). */
typedef struct {
    char *data; /* malloc'd, NUL-terminated; NULL when empty */
    size_t len;
    int too_large;
} sync_body_t;

size_t sync_collect(char *ptr, size_t size, size_t n, void *arg);

/* Writes path atomically with mode (a temporary file, fsync, rename), so
 * nginx never reads half a file, owned by uid:gid unless uid is -1 (the
 * nginx workers' user must read the 0600 key files). 0 or -1. */
int sync_write_atomic(const char *path, const char *data, size_t len, mode_t mode, uid_t uid,
                      gid_t gid);

/* argv: the arguments after "sync". Exit status. */
int cmd_sync(int argc, char **argv);

#endif
