/*
 * spool.c — the agent's bounded, durable event queue (see spool.h).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"

#define HEADER_BYTES 8

struct spool {
    char dir[1024];
    char data_path[1100], pos_path[1100], tmp_path[1100];
    int fd;
    int dir_fd;
    size_t max_bytes;
    uint64_t offset; /* first unacknowledged record */
    uint64_t end;    /* end of the last whole record */
    uint64_t pending;
    uint64_t dropped;
};

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_full(int fd, void *buf, size_t n, uint64_t at)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(at + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n, uint64_t at)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)buf + done, n - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Reads the record header at `at`; its payload length, or -1 when no
 * whole, valid record starts there. The payload goes into buf when given. */
static long record_at(const spool_t *sp, uint64_t at, uint64_t file_size, char *buf)
{
    unsigned char h[HEADER_BYTES];
    if (at + HEADER_BYTES > file_size || read_full(sp->fd, h, HEADER_BYTES, at))
        return -1;
    uint32_t len = get_u32(h), crc = get_u32(h + 4);
    if (len == 0 || len > SPOOL_RECORD_MAX || at + HEADER_BYTES + len > file_size)
        return -1;
    char *payload = buf ? buf : malloc(len);
    if (!payload || read_full(sp->fd, payload, len, at + HEADER_BYTES)) {
        if (!buf)
            free(payload);
        return -1;
    }
    uint32_t actual = (uint32_t)crc32(0L, (const Bytef *)payload, len);
    if (!buf)
        free(payload);
    return actual == crc ? (long)len : -1;
}

static int write_pos(spool_t *sp, uint64_t offset)
{
    char text[64];
    int n = snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 "\n", offset, sp->dropped);
    int fd = open(sp->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = write_full(fd, text, (size_t)n, 0) || fsync(fd);
    close(fd);
    if (rc || rename(sp->tmp_path, sp->pos_path) || fsync(sp->dir_fd))
        return -1;
    return 0;
}

static void read_pos(spool_t *sp)
{
    FILE *f = fopen(sp->pos_path, "r");
    if (!f)
        return;
    uint64_t off = 0, dropped = 0;
    if (fscanf(f, "%" SCNu64 " %" SCNu64, &off, &dropped) == 2) {
        sp->offset = off;
        sp->dropped = dropped;
    }
    fclose(f);
}

spool_t *spool_open(const char *dir, size_t max_bytes, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    spool_t *sp = calloc(1, sizeof(*sp));
    if (!sp) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    sp->fd = sp->dir_fd = -1;
    sp->max_bytes = max_bytes;
    snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
    snprintf(sp->data_path, sizeof(sp->data_path), "%s/events.spool", dir);
    snprintf(sp->pos_path, sizeof(sp->pos_path), "%s/events.pos", dir);
    snprintf(sp->tmp_path, sizeof(sp->tmp_path), "%s/events.pos.tmp", dir);
    snprintf(err->file, sizeof(err->file), "%s", dir);
    if (mkdir(dir, 0700) && errno != EEXIST) {
        snprintf(err->reason, sizeof(err->reason), "cannot create: %s", strerror(errno));
        goto fail;
    }
    sp->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sp->fd = open(sp->data_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (sp->dir_fd < 0 || sp->fd < 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(sp->fd, &st)) {
        snprintf(err->reason, sizeof(err->reason), "cannot stat: %s", strerror(errno));
        goto fail;
    }
    uint64_t size = (uint64_t)st.st_size;
    read_pos(sp);
    if (sp->offset > size)
        sp->offset = size; /* the data file was replaced: nothing of it is pending */
    uint64_t at = sp->offset;
    long len;
    while ((len = record_at(sp, at, size, NULL)) >= 0) {
        at += HEADER_BYTES + (uint64_t)len;
        sp->pending++;
    }
    if (at < size) {
        log_kv(LOG_LEVEL_WARN, "spool: cut a torn or corrupt tail", "file", sp->data_path, "bytes",
               LOG_INT(size - at), NULL);
        if (ftruncate(sp->fd, (off_t)at) || fsync(sp->fd)) {
            snprintf(err->reason, sizeof(err->reason), "cannot truncate: %s", strerror(errno));
            goto fail;
        }
    }
    sp->end = at;
    return sp;
fail:
    spool_close(sp);
    return NULL;
}

void spool_close(spool_t *sp)
{
    if (!sp)
        return;
    if (sp->fd >= 0)
        close(sp->fd);
    if (sp->dir_fd >= 0)
        close(sp->dir_fd);
    free(sp);
}

/* Moves the pending records to a new file, renamed over the old: the
 * acknowledged ones before them are dead room. The cursor is reset to 0
 * before the rename, so a crash in between resends records already
 * delivered (at-least-once) but never skips one. */
static int compact(spool_t *sp)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s.new", sp->data_path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    char buf[65536];
    uint64_t n = sp->end - sp->offset;
    for (uint64_t done = 0; done < n;) {
        size_t chunk = n - done < sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
        if (read_full(sp->fd, buf, chunk, sp->offset + done) || write_full(fd, buf, chunk, done)) {
            close(fd);
            unlink(path);
            return -1;
        }
        done += chunk;
    }
    if (fsync(fd) || write_pos(sp, 0) || rename(path, sp->data_path) || fsync(sp->dir_fd)) {
        close(fd);
        return -1;
    }
    close(sp->fd);
    sp->fd = fd;
    sp->end = n;
    sp->offset = 0;
    return 0;
}

spool_status_t spool_append(spool_t *sp, const void *data, size_t len)
{
    uint64_t need = HEADER_BYTES + (uint64_t)len;
    if (len == 0 || len > SPOOL_RECORD_MAX || (sp->end - sp->offset) + need > sp->max_bytes) {
        sp->dropped++;
        return SPOOL_DROPPED;
    }
    if (sp->end + need > sp->max_bytes && compact(sp)) {
        log_kv(LOG_LEVEL_ERROR, "spool: compaction failed", "dir", sp->dir, "error",
               strerror(errno), NULL);
        sp->dropped++;
        return SPOOL_ERROR;
    }
    unsigned char h[HEADER_BYTES];
    put_u32(h, (uint32_t)len);
    put_u32(h + 4, (uint32_t)crc32(0L, (const Bytef *)data, (uInt)len));
    if (write_full(sp->fd, h, HEADER_BYTES, sp->end) ||
        write_full(sp->fd, data, len, sp->end + HEADER_BYTES)) {
        log_kv(LOG_LEVEL_ERROR, "spool: write failed", "dir", sp->dir, "error", strerror(errno),
               NULL);
        /* a partial record is overwritten by the next append */
        sp->dropped++;
        return SPOOL_ERROR;
    }
    sp->end += need;
    sp->pending++;
    return SPOOL_OK;
}

int spool_sync(spool_t *sp)
{
    return fdatasync(sp->fd);
}

int spool_peek(spool_t *sp, size_t max_records, size_t max_bytes, spool_record_cb cb, void *ctx,
               uint64_t *next)
{
    uint64_t at = sp->offset;
    size_t count = 0, bytes = 0;
    char *buf = malloc(SPOOL_RECORD_MAX);
    if (!buf)
        return -1;
    while (count < max_records && at < sp->end) {
        long len = record_at(sp, at, sp->end, buf);
        if (len < 0) {
            free(buf);
            return -1;
        }
        if (count > 0 && bytes + (size_t)len > max_bytes)
            break;
        if (cb(ctx, buf, (size_t)len))
            break;
        bytes += (size_t)len;
        count++;
        at += HEADER_BYTES + (uint64_t)len;
    }
    free(buf);
    *next = at;
    return (int)count;
}

int spool_ack(spool_t *sp, uint64_t next, size_t count)
{
    if (next == sp->offset)
        return 0;
    if (next < sp->offset || next > sp->end || count > sp->pending)
        return -1;
    if (next == sp->end) {
        /* all delivered: empty the file (cursor first, so a crash between
         * the two never points past the end of a shorter file) */
        if (write_pos(sp, 0) || ftruncate(sp->fd, 0) || fsync(sp->fd))
            return -1;
        sp->end = 0;
        sp->offset = 0;
    } else {
        if (write_pos(sp, next))
            return -1;
        sp->offset = next;
    }
    sp->pending -= count;
    return 0;
}

void spool_stats(const spool_t *sp, spool_stats_t *out)
{
    out->pending = sp->pending;
    out->pending_bytes = sp->end - sp->offset;
    out->dropped = sp->dropped;
    out->file_bytes = sp->end;
}
