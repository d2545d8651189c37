/*
 * fim_who.c — writers of changed files through fanotify (see fim_who.h).
 */
#include "fim_who.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "log.h"
#include "proc_info.h"
#include "timefmt.h"

#define MARK_MASK (FAN_MODIFY | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD)
/* the file-handle group: what descriptor mode cannot report */
#define FID_MASK                                                                                   \
    (FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_EVENT_ON_CHILD |   \
     FAN_ONDIR)
#define HANDLE_MAX 128 /* MAX_HANDLE_SZ */

/* A watched directory by its file handle: fanotify's file-handle mode
 * names an entry by its directory's handle and its name. */
typedef struct {
    int type;
    unsigned len;
    unsigned char bytes[HANDLE_MAX];
    char *path;
} dir_handle_t;

typedef struct {
    char *path;
    int64_t at_ms;
    pid_t pid, ppid;
    uid_t uid;
    int known; /* /proc was readable: the process still ran */
    char exe[PROC_PATH_MAX];
    char comm[PROC_COMM_MAX];
} writer_t;

struct fim_who {
    int fd;
    int fid_fd;         /* -1: creations, deletions, renames, attributes go unattributed */
    dir_handle_t *dirs; /* open addressing on the handle's hash */
    size_t dirs_cap, n_dirs;
    int mark_error_logged;
    size_t next; /* ring position */
    writer_t recent[FIM_WHO_RECENT];
};

fim_who_t *fim_who_new_table(void)
{
    fim_who_t *w = calloc(1, sizeof(*w));
    if (w)
        w->fd = w->fid_fd = -1;
    return w;
}

fim_who_t *fim_who_open(void)
{
    fim_who_t *w = fim_who_new_table();
    if (!w)
        return NULL;
    w->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                          O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (w->fd < 0) {
        log_kv(LOG_LEVEL_INFO, "fim: fanotify unavailable; changes are reported without the writer",
               "error", strerror(errno), NULL);
        free(w);
        return NULL;
    }
    w->fid_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME,
                              O_RDONLY | O_CLOEXEC);
    if (w->fid_fd < 0)
        log_kv(LOG_LEVEL_INFO,
               "fim: fanotify without file handles; creations, deletions, renames and attribute "
               "changes are reported without the process",
               "error", strerror(errno), NULL);
    return w;
}

void fim_who_close(fim_who_t *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (w->fid_fd >= 0)
        close(w->fid_fd);
    for (size_t i = 0; i < w->dirs_cap; i++)
        free(w->dirs[i].path);
    free(w->dirs);
    for (size_t i = 0; i < FIM_WHO_RECENT; i++)
        free(w->recent[i].path);
    free(w);
}

static size_t handle_hash(int type, const unsigned char *b, unsigned len)
{
    size_t h = 1469598103934665603ULL ^ (size_t)(unsigned)type; /* FNV-1a */
    for (unsigned i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static dir_handle_t *dir_slot(dir_handle_t *dirs, size_t cap, int type, const unsigned char *b,
                              unsigned len)
{
    for (size_t i = handle_hash(type, b, len) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!dirs[i].path ||
            (dirs[i].type == type && dirs[i].len == len && memcmp(dirs[i].bytes, b, len) == 0))
            return &dirs[i];
}

/* Records dir under its handle (a directory renamed: its new path). */
static void remember_dir(fim_who_t *w, const char *dir)
{
    struct {
        struct file_handle fh;
        unsigned char room[HANDLE_MAX];
    } h;
    h.fh.handle_bytes = HANDLE_MAX;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0) || h.fh.handle_bytes > HANDLE_MAX)
        return;
    if (2 * (w->n_dirs + 1) > w->dirs_cap) { /* at most half full */
        size_t cap = w->dirs_cap ? 2 * w->dirs_cap : 256;
        dir_handle_t *grown = calloc(cap, sizeof(*grown));
        if (!grown)
            return;
        for (size_t i = 0; i < w->dirs_cap; i++)
            if (w->dirs[i].path)
                *dir_slot(grown, cap, w->dirs[i].type, w->dirs[i].bytes, w->dirs[i].len) =
                    w->dirs[i];
        free(w->dirs);
        w->dirs = grown;
        w->dirs_cap = cap;
    }
    dir_handle_t *d =
        dir_slot(w->dirs, w->dirs_cap, h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes);
    if (d->path && strcmp(d->path, dir) == 0)
        return;
    char *copy = strdup(dir);
    if (!copy)
        return;
    if (!d->path)
        w->n_dirs++;
    free(d->path);
    d->path = copy;
    d->type = h.fh.handle_type;
    d->len = h.fh.handle_bytes;
    memcpy(d->bytes, h.fh.f_handle, d->len);
}

void fim_who_watch(fim_who_t *w, const char *dir)
{
    if (!w || w->fd < 0)
        return;
    int ok = fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR, MARK_MASK,
                           AT_FDCWD, dir) == 0;
    if (ok && w->fid_fd >= 0) {
        ok = fanotify_mark(w->fid_fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR,
                           FID_MASK, AT_FDCWD, dir) == 0;
        if (ok)
            remember_dir(w, dir);
    }
    if (ok || w->mark_error_logged)
        return;
    log_kv(LOG_LEVEL_WARN,
           "fim: fanotify mark refused; writes there are reported without the writer", "dir", dir,
           "error", strerror(errno), NULL);
    w->mark_error_logged = 1;
}

void fim_who_record(fim_who_t *w, const char *path, pid_t pid, int64_t now_ms)
{
    /* a stream of writes by one process: one /proc read */
    size_t last = (w->next + FIM_WHO_RECENT - 1) % FIM_WHO_RECENT;
    writer_t *prev = &w->recent[last];
    if (prev->path && prev->pid == pid && strcmp(prev->path, path) == 0 &&
        now_ms - prev->at_ms < FIM_WHO_MAX_AGE_MS) {
        prev->at_ms = now_ms;
        return;
    }
    char *copy = strdup(path);
    if (!copy)
        return;
    writer_t *e = &w->recent[w->next];
    free(e->path);
    memset(e, 0, sizeof(*e));
    e->path = copy;
    e->at_ms = now_ms;
    e->pid = pid;
    proc_info_t p;
    if (proc_info_read("/proc", pid, &p) == 0) {
        e->known = 1;
        e->ppid = p.ppid;
        e->uid = p.uid;
        snprintf(e->exe, sizeof(e->exe), "%s", p.exe);
        snprintf(e->comm, sizeof(e->comm), "%s", p.comm);
    }
    w->next = (w->next + 1) % FIM_WHO_RECENT;
}

/* The file-handle group: each event names a watched directory by its
 * handle and the entry by its name. */
static void drain_fid(fim_who_t *w, pid_t self)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    for (;;) {
        ssize_t n = read(w->fid_fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        const struct fanotify_event_metadata *m = (const struct fanotify_event_metadata *)buf;
        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
            if (m->vers != FANOTIFY_METADATA_VERSION)
                return;
            if (m->pid == self ||
                m->event_len < sizeof(*m) + sizeof(struct fanotify_event_info_fid))
                continue;
            const struct fanotify_event_info_fid *info =
                (const struct fanotify_event_info_fid *)(m + 1);
            const char *end = (const char *)m + m->event_len;
            if (info->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME ||
                (const char *)info + info->hdr.len > end)
                continue;
            struct file_handle fh;
            memcpy(&fh, info->handle, sizeof(fh));
            const unsigned char *bytes = info->handle + sizeof(fh);
            const char *name = (const char *)bytes + fh.handle_bytes;
            if (fh.handle_bytes > HANDLE_MAX || name >= (const char *)info + info->hdr.len ||
                !memchr(name, '\0', (size_t)((const char *)info + info->hdr.len - name)) ||
                !w->dirs_cap)
                continue;
            const dir_handle_t *d =
                dir_slot(w->dirs, w->dirs_cap, fh.handle_type, bytes, fh.handle_bytes);
            if (!d->path)
                continue;
            char path[PATH_MAX];
            int len = strcmp(name, ".") == 0 ? snprintf(path, sizeof(path), "%s", d->path)
                                             : snprintf(path, sizeof(path), "%s/%s", d->path, name);
            if (len > 0 && (size_t)len < sizeof(path))
                fim_who_record(w, path, m->pid, time_now_ms());
        }
    }
}

void fim_who_drain(fim_who_t *w)
{
    if (!w || w->fd < 0)
        return;
    if (w->fid_fd >= 0)
        drain_fid(w, getpid());
    char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
    pid_t self = getpid();
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        const struct fanotify_event_metadata *m = (const struct fanotify_event_metadata *)buf;
        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
            if (m->vers != FANOTIFY_METADATA_VERSION)
                return;
            if (m->fd < 0) /* FAN_Q_OVERFLOW: those writers are lost */
                continue;
            char link[64], path[PATH_MAX];
            snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
            ssize_t len = readlink(link, path, sizeof(path) - 1);
            close(m->fd);
            if (len <= 0 || m->pid == self)
                continue;
            path[len] = '\0';
            fim_who_record(w, path, m->pid, time_now_ms());
        }
    }
}

json_t *fim_who_lookup(fim_who_t *w, const char *path, int64_t now_ms)
{
    if (!w)
        return NULL;
    for (size_t k = 1; k <= FIM_WHO_RECENT; k++) {
        const writer_t *e = &w->recent[(w->next + FIM_WHO_RECENT - k) % FIM_WHO_RECENT];
        if (!e->path || now_ms - e->at_ms > FIM_WHO_MAX_AGE_MS)
            continue; /* the ring is in time order, but a clock step may mix it */
        if (strcmp(e->path, path) != 0)
            continue;
        json_t *o = json_pack("{s:i}", "pid", (int)e->pid);
        if (o && e->known) {
            json_object_set_new(o, "ppid", json_integer(e->ppid));
            json_object_set_new(o, "uid", json_integer((json_int_t)e->uid));
            json_object_set_new(o, "exe", json_string(e->exe));
            json_object_set_new(o, "comm", json_string(e->comm));
        }
        json_object_set_new(o, "source", json_string("fanotify"));
        return o;
    }
    return NULL;
}
