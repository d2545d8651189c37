/*
 * source_file.c — tailing an event file (see source_file.h).
 *
 * The tailer thread reads with plain read() and polls at end of file every
 * 20 ms: no inotify subtleties across rename, and the delay is far below a
 * batch's flush interval. Every complete line becomes a queue item that
 * carries the position after it; lines that are not valid events are
 * counted, logged (rate-limited) and still carry their position, so the
 * committed position always advances past them and a restart neither
 * re-reads nor re-counts them.
 */
#include "source_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define BUF_SIZE        (1024 * 1024) /* longest line kept; longer ones are skipped */
#define FP_MAX          128           /* bytes of the first line fingerprinted */
#define POLL_MS         20
#define ROTATE_GRACE_NS 1000000000LL /* keep reading a renamed file this long */
#define WARN_FIRST      5            /* rejected lines logged before sampling */

struct file_source {
    ctl_t *ctl;
    char path[CONFIG_PATH_MAX];
    char label[CONFIG_PATH_MAX + 8]; /* "file:PATH", stored with each event */
    pthread_t thread;
    int started;
    atomic_int stop;
    int fd;
    uint64_t dev, ino;
    uint64_t offset; /* file offset of buf[0] */
    unsigned char fp[32];
    uint32_t fp_len;
    int fp_known;
    char *buf;
    size_t have;
    int skipping;             /* inside a line longer than BUF_SIZE */
    int64_t new_file_seen_ns; /* when another file appeared at path */
    int waiting_logged;
    uint64_t rejected_lines;
    _Atomic uint64_t p_ino, p_offset, p_size;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int fingerprint_of(int fd, uint32_t len, unsigned char out[32])
{
    unsigned char head[FP_MAX];
    if (len > FP_MAX || pread(fd, head, len, 0) != (ssize_t)len)
        return -1;
    secret_sha256(head, len, out);
    return 0;
}

static void adopt(file_source_t *fs, int fd, const struct stat *st, uint64_t offset)
{
    fs->fd = fd;
    fs->dev = (uint64_t)st->st_dev;
    fs->ino = (uint64_t)st->st_ino;
    fs->offset = offset;
    fs->have = 0;
    fs->skipping = 0;
    fs->new_file_seen_ns = 0;
    atomic_store(&fs->p_ino, fs->ino);
    atomic_store(&fs->p_offset, offset);
    atomic_store(&fs->p_size, (uint64_t)st->st_size);
}

/* Opens `path` if it is the checkpoint's file, positioned at its offset. */
static int try_resume(file_source_t *fs, const char *path, const store_checkpoint_t *cp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    unsigned char fp[32];
    if (fstat(fd, &st) || (uint64_t)st.st_dev != cp->dev || (uint64_t)st.st_ino != cp->ino ||
        (cp->fp_len &&
         (fingerprint_of(fd, cp->fp_len, fp) || !secret_equal(fp, cp->fp, sizeof(fp))))) {
        close(fd);
        return 0;
    }
    uint64_t offset = cp->offset;
    if ((uint64_t)st.st_size < offset) {
        log_kv(LOG_LEVEL_WARN, "event file shorter than its checkpoint; reading it from the start",
               "path", path, "checkpoint", LOG_INT(offset), "size", LOG_INT(st.st_size), NULL);
        offset = 0;
    } else {
        memcpy(fs->fp, cp->fp, sizeof(fs->fp));
        fs->fp_len = cp->fp_len;
        fs->fp_known = cp->fp_len > 0;
    }
    if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        close(fd);
        return 0;
    }
    adopt(fs, fd, &st, offset);
    log_kv(LOG_LEVEL_INFO, "resuming event file", "path", path, "offset", LOG_INT(offset), NULL);
    return 1;
}

static int open_fresh(file_source_t *fs)
{
    int fd = open(fs->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!fs->waiting_logged)
            log_kv(LOG_LEVEL_INFO, "waiting for the event file to appear", "path", fs->path,
                   "error", strerror(errno), NULL);
        fs->waiting_logged = 1;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st)) {
        close(fd);
        return -1;
    }
    fs->waiting_logged = 0;
    fs->fp_known = 0;
    fs->fp_len = 0;
    adopt(fs, fd, &st, 0);
    log_kv(LOG_LEVEL_INFO, "reading event file from its start", "path", fs->path, NULL);
    return 0;
}

static void note_rejected(file_source_t *fs, reject_reason_t why, const char *detail, uint64_t at)
{
    atomic_fetch_add(&fs->ctl->metrics.rejected[SOURCE_FILE][why], 1);
    fs->rejected_lines++;
    if (fs->rejected_lines <= WARN_FIRST || fs->rejected_lines % 1000 == 0)
        log_kv(LOG_LEVEL_WARN, "event rejected", "source", fs->label, "offset", LOG_INT(at),
               "reason", reject_reason_name(why), "detail", detail, "rejected_so_far",
               LOG_INT(fs->rejected_lines), NULL);
}

/* Queues one item: an event, or just the position after a line that is
 * not one. Returns -1 when stopping. */
static int queue_line(file_source_t *fs, const char *line, size_t n, uint64_t end_offset,
                      int position_only)
{
    ingest_item_t *it = ingest_item_new();
    if (!it) {
        log_kv(LOG_LEVEL_ERROR, "out of memory reading events", NULL);
        return -1;
    }
    it->kind = SOURCE_FILE;
    it->source = fs->label;
    it->received = time_now_ms();
    it->pos.key = fs->path;
    it->pos.dev = fs->dev;
    it->pos.ino = fs->ino;
    it->pos.offset = end_offset;
    memcpy(it->pos.fp, fs->fp, sizeof(it->pos.fp));
    it->pos.fp_len = fs->fp_len;
    size_t blank = 0;
    while (blank < n && (line[blank] == ' ' || line[blank] == '\t' || line[blank] == '\r'))
        blank++;
    if (!position_only && blank < n) {
        reject_reason_t why;
        char detail[200];
        if (event_parse(line, n, &it->ev, &why, detail, sizeof(detail)) == 0)
            atomic_fetch_add(&fs->ctl->metrics.received[SOURCE_FILE], 1);
        else
            note_rejected(fs, why, detail, end_offset - n - 1);
    }
    if (ingest_queue_push_wait(&fs->ctl->queue, it, &fs->stop)) {
        ingest_item_free(it);
        return -1;
    }
    return 0;
}

static void maybe_fingerprint(file_source_t *fs)
{
    if (fs->fp_known || fs->offset != 0 || fs->have == 0)
        return;
    char *nl = memchr(fs->buf, '\n', fs->have);
    if (!nl && fs->have < FP_MAX)
        return;
    size_t len = nl ? (size_t)(nl - fs->buf) + 1 : FP_MAX;
    if (len > FP_MAX)
        len = FP_MAX;
    secret_sha256(fs->buf, len, fs->fp);
    fs->fp_len = (uint32_t)len;
    fs->fp_known = 1;
}

/* Queues every complete line in the buffer. -1 when stopping. */
static int drain_lines(file_source_t *fs)
{
    maybe_fingerprint(fs);
    size_t start = 0;
    for (;;) {
        char *nl = memchr(fs->buf + start, '\n', fs->have - start);
        if (!nl)
            break;
        size_t end = (size_t)(nl - fs->buf) + 1;
        int rc = queue_line(fs, fs->buf + start, end - start - 1, fs->offset + end, fs->skipping);
        fs->skipping = 0;
        if (rc)
            return -1;
        start = end;
    }
    if (start) {
        memmove(fs->buf, fs->buf + start, fs->have - start);
        fs->have -= start;
        fs->offset += start;
        atomic_store(&fs->p_offset, fs->offset);
    }
    if (fs->have == BUF_SIZE) {
        if (!fs->skipping)
            note_rejected(fs, REJECT_TOO_LARGE, "line longer than 1 MiB", fs->offset);
        fs->skipping = 1;
        fs->offset += fs->have;
        fs->have = 0;
    }
    return 0;
}

static int check_truncated(file_source_t *fs)
{
    struct stat st;
    if (fstat(fs->fd, &st))
        return 0;
    atomic_store(&fs->p_size, (uint64_t)st.st_size);
    if ((uint64_t)st.st_size >= fs->offset + fs->have)
        return 0;
    log_kv(LOG_LEVEL_WARN, "event file truncated; reading it again from the start", "path",
           fs->path, NULL);
    lseek(fs->fd, 0, SEEK_SET);
    fs->offset = 0;
    fs->have = 0;
    fs->skipping = 0;
    fs->fp_known = 0;
    fs->fp_len = 0;
    return 1;
}

static int check_rotated(file_source_t *fs)
{
    struct stat st;
    if (stat(fs->path, &st))
        return 0; /* renamed, nothing new yet: keep reading the old file */
    if ((uint64_t)st.st_ino == fs->ino && (uint64_t)st.st_dev == fs->dev)
        return 0;
    int64_t now = time_mono_ns();
    if (!fs->new_file_seen_ns) {
        fs->new_file_seen_ns = now;
        return 0;
    }
    if (now - fs->new_file_seen_ns < ROTATE_GRACE_NS)
        return 0;
    if (fs->have)
        note_rejected(fs, REJECT_INVALID_JSON, "incomplete last line of a rotated file",
                      fs->offset);
    log_kv(LOG_LEVEL_INFO, "event file rotated; following the new file", "path", fs->path,
           "old_offset", LOG_INT(fs->offset + fs->have), NULL);
    close(fs->fd);
    fs->fd = -1;
    return open_fresh(fs) == 0;
}

static void *tail_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-tail");
    file_source_t *fs = arg;
    while (!atomic_load(&fs->stop)) {
        if (fs->fd < 0 && open_fresh(fs)) {
            sleep_ms(100);
            continue;
        }
        ssize_t n = read(fs->fd, fs->buf + fs->have, BUF_SIZE - fs->have);
        if (n > 0) {
            fs->have += (size_t)n;
            if (drain_lines(fs))
                break;
            continue;
        }
        if (n < 0 && errno != EINTR) {
            log_kv(LOG_LEVEL_ERROR, "cannot read the event file", "path", fs->path, "error",
                   strerror(errno), NULL);
            sleep_ms(1000);
            continue;
        }
        if (n == 0 && !check_truncated(fs) && !check_rotated(fs))
            sleep_ms(POLL_MS);
    }
    return NULL;
}

file_source_t *file_source_start(ctl_t *ctl, const char *path, rp_error_t *err)
{
    file_source_t *fs = calloc(1, sizeof(*fs));
    if (!fs || !(fs->buf = malloc(BUF_SIZE))) {
        free(fs);
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    fs->ctl = ctl;
    fs->fd = -1;
    snprintf(fs->path, sizeof(fs->path), "%s", path);
    snprintf(fs->label, sizeof(fs->label), "file:%s", path);
    atomic_init(&fs->stop, 0);
    store_checkpoint_t cp;
    int rc = ctl->store->ops->checkpoint_get(ctl->store, path, &cp);
    if (rc == STORE_OK) {
        char rotated[CONFIG_PATH_MAX + 4];
        snprintf(rotated, sizeof(rotated), "%s.1", path);
        if (!try_resume(fs, path, &cp) && !try_resume(fs, rotated, &cp))
            log_kv(LOG_LEVEL_WARN,
                   "the checkpointed event file is gone (rotated twice or deleted); reading the "
                   "current file from its start",
                   "path", path, NULL);
    } else if (rc != STORE_NOT_FOUND) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the checkpoint of %s", path);
        file_source_free(fs);
        return NULL;
    }
    if (pthread_create(&fs->thread, NULL, tail_main, fs) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the tailer of %s", path);
        file_source_free(fs);
        return NULL;
    }
    fs->started = 1;
    return fs;
}

void file_source_stop(file_source_t *fs)
{
    if (!fs || !fs->started)
        return;
    atomic_store(&fs->stop, 1);
    ingest_queue_wake_producers(&fs->ctl->queue);
    pthread_join(fs->thread, NULL);
    fs->started = 0;
}

void file_source_free(file_source_t *fs)
{
    if (!fs)
        return;
    file_source_stop(fs);
    if (fs->fd >= 0)
        close(fs->fd);
    free(fs->buf);
    free(fs);
}

const char *file_source_path(const file_source_t *fs)
{
    return fs->path;
}

void file_source_progress(file_source_t *fs, uint64_t *ino, uint64_t *read_offset, uint64_t *size)
{
    *ino = atomic_load(&fs->p_ino);
    *read_offset = atomic_load(&fs->p_offset);
    *size = atomic_load(&fs->p_size);
}
