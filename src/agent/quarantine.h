/*
 * quarantine.h — moving a suspicious file out of reach, restorably.
 *
 * STATE_DIR/quarantine/ (0700, root's) holds each file as ID (mode 0400)
 * and ID.json with where it came from: path, mode, owner, group, size,
 * SHA-256, the detection and the time. Restoring puts it back with its
 * mode and owner, unless something else took its place meanwhile. IDs are
 * "q" and 16 hex digits (time and a counter).
 */
#ifndef RAMPART_AGENT_QUARANTINE_H
#define RAMPART_AGENT_QUARANTINE_H

#include <jansson.h>
#include <stddef.h>

#define QUARANTINE_ID_MAX 32

/* Moves path (a regular file, links not followed) into the quarantine.
 * 0 with id and *meta (the metadata, new reference), or -1 with err. */
int quarantine_file(const char *state_dir, const char *path, const char *detection, char *id,
                    json_t **meta, char *err, size_t err_size);

/* Puts the file of id back. 0 with *meta, or -1 with err. */
int quarantine_restore(const char *state_dir, const char *id, json_t **meta, char *err,
                       size_t err_size);

#endif
