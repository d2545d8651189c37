/*
 * log_tail.h — following a log file like `tail -F`, with bounded memory.
 *
 * Polled (once a second by the agent): reads what was appended since the
 * last poll and hands over whole lines. A rotated file (the path now names
 * another inode) is read to its end first, then the new file from its
 * start; a file truncated in place (copytruncate) is read again from its
 * start once it is found shorter than what was read. A line longer than
 * LOG_TAIL_LINE_MAX is handed over cut to that length and the rest of it
 * skipped. A file that does not exist yet is waited for.
 */
#ifndef RAMPART_AGENT_LOG_TAIL_H
#define RAMPART_AGENT_LOG_TAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOG_TAIL_LINE_MAX 4096

typedef struct {
    char path[1024];
    int fd;
    dev_t dev;
    ino_t ino;
    off_t offset;
    int start_at_end; /* the first open skips what is there already */
    char line[LOG_TAIL_LINE_MAX];
    size_t len;
    int skipping; /* inside the rest of an over-long line */
} log_tail_t;

typedef void (*log_line_cb)(void *ctx, const char *line, size_t len);

void log_tail_init(log_tail_t *t, const char *path, int start_at_end);
void log_tail_close(log_tail_t *t);

/* Hands every new whole line to cb (NULL: skips them); returns how many. */
size_t log_tail_poll(log_tail_t *t, log_line_cb cb, void *ctx);

#endif
