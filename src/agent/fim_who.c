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
    int mark_error_logged;
    size_t next; /* ring position */
    writer_t recent[FIM_WHO_RECENT];
};

fim_who_t *fim_who_new_table(void)
{
    fim_who_t *w = calloc(1, sizeof(*w));
    if (w)
        w->fd = -1;
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
    return w;
}

void fim_who_close(fim_who_t *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < FIM_WHO_RECENT; i++)
        free(w->recent[i].path);
    free(w);
}

void fim_who_watch(fim_who_t *w, const char *dir)
{
    if (!w || w->fd < 0)
        return;
    if (fanotify_mark(w->fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR, MARK_MASK,
                      AT_FDCWD, dir) == 0 ||
        w->mark_error_logged)
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

void fim_who_drain(fim_who_t *w)
{
    if (!w || w->fd < 0)
        return;
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
