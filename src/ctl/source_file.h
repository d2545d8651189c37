/*
 * source_file.h — tailing a gateway's event file (rampart_event_sink
 * file:PATH) into the ingest queue, with positions the writer commits.
 *
 * The file is the durable spool between nginx and rampartd: nginx appends
 * whole lines with O_APPEND, rampartd reads them, and the position after
 * the last line of each committed batch is stored in the same transaction
 * as the batch's events. On start the tailer resumes from that stored
 * position, in the same file (same device, inode and first-line
 * fingerprint) or in PATH.1 if the file was rotated meanwhile. Rotation
 * while running (rename + nginx -s reopen) is followed: the old file is
 * read to its end, then the new one from its start. A file that shrinks
 * below the position (copytruncate) is read again from its start.
 */
#ifndef RAMPART_CTL_SOURCE_FILE_H
#define RAMPART_CTL_SOURCE_FILE_H

#include <stdint.h>

#include "ctl.h"

typedef struct file_source file_source_t;

file_source_t *file_source_start(ctl_t *ctl, const char *path, rp_error_t *err);

/* Stops reading (an event read but not queued is read again next start). */
void file_source_stop(file_source_t *fs);
void file_source_free(file_source_t *fs);

const char *file_source_path(const file_source_t *fs);

/* What the tailer has read so far: inode, position, and the file's size. */
void file_source_progress(file_source_t *fs, uint64_t *ino, uint64_t *read_offset, uint64_t *size);

#endif
