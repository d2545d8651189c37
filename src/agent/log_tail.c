/*
 * log_tail.c — following log files across rotation (see log_tail.h).
 */
#include "log_tail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void log_tail_init(log_tail_t *t, const char *path, int start_at_end)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->path, sizeof(t->path), "%s", path);
    t->fd = -1;
    t->start_at_end = start_at_end;
}

void log_tail_close(log_tail_t *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

static int open_file(log_tail_t *t, int at_end)
{
    int fd = open(t->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    t->fd = fd;
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    t->offset = at_end ? st.st_size : 0;
    t->len = 0;
    t->skipping = 0;
    return 0;
}

static size_t drain(log_tail_t *t, log_line_cb cb, void *ctx)
{
    char buf[16384];
    size_t lines = 0;
    for (;;) {
        ssize_t n = pread(t->fd, buf, sizeof(buf), t->offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return lines;
        t->offset += n;
        for (ssize_t i = 0; i < n; i++) {
            char c = buf[i];
            if (c == '\n') {
                if (!t->skipping) {
                    t->line[t->len] = '\0';
                    if (cb)
                        cb(ctx, t->line, t->len);
                    lines++;
                }
                t->len = 0;
                t->skipping = 0;
            } else if (!t->skipping) {
                if (t->len == LOG_TAIL_LINE_MAX - 1) {
                    t->line[t->len] = '\0';
                    if (cb)
                        cb(ctx, t->line, t->len);
                    lines++;
                    t->len = 0;
                    t->skipping = 1;
                } else {
                    t->line[t->len++] = c;
                }
            }
        }
    }
}

size_t log_tail_poll(log_tail_t *t, log_line_cb cb, void *ctx)
{
    if (t->fd < 0) {
        int rc = open_file(t, t->start_at_end);
        t->start_at_end = 0; /* a file that appears later is read whole */
        if (rc)
            return 0;
    }
    size_t lines = drain(t, cb, ctx);
    struct stat now, cur;
    int renamed = stat(t->path, &now) == 0 && (now.st_dev != t->dev || now.st_ino != t->ino);
    if (fstat(t->fd, &cur) == 0 && cur.st_size < t->offset) {
        t->offset = 0; /* truncated in place (copytruncate) */
        t->len = 0;
        lines += drain(t, cb, ctx);
    }
    if (renamed) {
        lines += drain(t, cb, ctx); /* the old file's last lines */
        log_tail_close(t);
        if (open_file(t, 0) == 0)
            lines += drain(t, cb, ctx);
    }
    return lines;
}
