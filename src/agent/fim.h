/*
 * fim.h — file integrity monitoring: the baseline of the watched trees,
 * kept current by inotify in real time and by full re-scans on a schedule.
 *
 * Start-up: with no baseline on disk the first scan builds one and reports
 * nothing; with one, the scan reports what changed while the agent was not
 * running. Then every directory under the watched paths has an inotify
 * watch: a create, delete, move, attribute change or close-after-write is
 * checked at once (a change is reported within a second); a write without
 * close is checked once the file has been quiet for a moment. A new
 * directory is watched and walked; a queue overflow or the schedule runs a
 * full scan, which also catches what inotify cannot see (changes on other
 * hosts of a network file system, watch limits).
 *
 * A change is an event (category "fim"; detections fim.added,
 * fim.modified, fim.deleted) with the attributes that differ, the old and
 * new values and, for text files up to fim_diff_max_size, the changed
 * lines. Ignore rules (fnmatch patterns on the full path) drop paths and
 * whole subtrees. Symbolic links are recorded, never followed, so a link
 * loop cannot trap the walk.
 */
#ifndef RAMPART_AGENT_FIM_H
#define RAMPART_AGENT_FIM_H

#include <stdint.h>

#include "agent_config.h"

struct agent;
typedef struct fim fim_t;

/* NULL (logged) when the hash algorithm or inotify is unavailable. */
fim_t *fim_open(struct agent *ag);
void fim_close(fim_t *f);

/* The inotify descriptor for the agent's epoll. */
int fim_fd(const fim_t *f);

/* Loads the baseline, scans and watches (when enabled). */
void fim_start(fim_t *f);

void fim_on_readable(fim_t *f);

/* Once a second: quiet writes, the scan schedule, saving the baseline. */
void fim_tick(fim_t *f, int64_t now_ms);

/* rampartd's switch: off stops reporting; on again re-scans. */
void fim_set_enabled(fim_t *f, int enabled);
int fim_enabled(const fim_t *f);

/* A full scan at the next tick (a detector switched on). */
void fim_request_scan(fim_t *f);

/* A reloaded configuration: new paths or ignore rules take effect with a
 * re-scan. */
void fim_reconfigure(fim_t *f, const agent_config_t *cfg);

/* Builds a baseline of root into out_path and reports the count of
 * entries (the benchmark's and `rampart-agent -B`'s job). 0 or -1. */
int fim_build_baseline(const agent_config_t *cfg, const char *root, const char *out_path,
                       uint64_t *entries);

#endif
