/*
 * fim_who.h — who changed a file, as the kernel says: fanotify(7)
 * listeners beside FIM's inotify watches that record, for every change
 * under the watched directories, the path and the process that made it
 * (pid, executable, comm, uid, parent), read from /proc at once while the
 * process usually still runs.
 *
 * Two fanotify groups, both marking each watched directory:
 *   - descriptor mode (FAN_MODIFY, FAN_CLOSE_WRITE): content writes, the
 *     file named by an open descriptor;
 *   - file-handle mode (FAN_REPORT_DFID_NAME, kernel 5.9+: FAN_CREATE,
 *     FAN_DELETE, FAN_ATTRIB, FAN_MOVED_FROM/TO): the entry named by its
 *     directory's file handle, which the agent took with
 *     name_to_handle_at(2) when it marked the directory, and its name.
 *
 * FIM keeps detecting changes with inotify; when it reports one it asks
 * here for the latest process that touched that path. fanotify needs
 * CAP_SYS_ADMIN (the agent runs as root); without it, or on a kernel
 * without fanotify, fim_who_open() returns NULL and changes are reported
 * unattributed (without the file-handle mode only content writes are).
 */
#ifndef RAMPART_AGENT_FIM_WHO_H
#define RAMPART_AGENT_FIM_WHO_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#define FIM_WHO_RECENT     256 /* writers remembered */
#define FIM_WHO_MAX_AGE_MS 10000

typedef struct fim_who fim_who_t;

/* NULL when fanotify is unavailable (not root, no kernel support); the
 * reason is logged at info level. */
fim_who_t *fim_who_open(void);
void fim_who_close(fim_who_t *w);

/* Adds the directory dir (its entries' writes) to the marks. Errors such
 * as the mark limit are logged once; attribution then misses that
 * directory. */
void fim_who_watch(fim_who_t *w, const char *dir);

/* Reads every queued fanotify event (non-blocking). FIM calls it before
 * each look-up, so a writer queued alongside the inotify event is seen. */
void fim_who_drain(fim_who_t *w);

/* The latest writer of path within FIM_WHO_MAX_AGE_MS of now_ms as an
 * object {pid, exe, comm, uid, ppid} (new reference), or NULL. */
json_t *fim_who_lookup(fim_who_t *w, const char *path, int64_t now_ms);

/* Records one writer (the fanotify read path; tests call it directly
 * with an injected clock). */
void fim_who_record(fim_who_t *w, const char *path, pid_t pid, int64_t now_ms);

/* A table without fanotify (tests of the look-up). */
fim_who_t *fim_who_new_table(void);

#endif
