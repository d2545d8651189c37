/*
 * source_socket.c — the unix datagram event socket (see source_socket.h).
 */
#include "source_socket.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "timefmt.h"

#define DATAGRAM_MAX (EVENT_MAX_BYTES + 1)
#define RCVBUF_BYTES (8 * 1024 * 1024) /* absorbs bursts while the writer commits */
#define WARN_FIRST   5

struct socket_source {
    ctl_t *ctl;
    char path[CONFIG_SOCKET_PATH_MAX];
    int fd;
    pthread_t thread;
    int started;
    atomic_int stop;
    uint64_t rejected, dropped;
};

static void *recv_main(void *arg)
{
    pthread_setname_np(pthread_self(), "rp-socket");
    socket_source_t *ss = arg;
    char *buf = malloc(DATAGRAM_MAX);
    if (!buf) {
        log_kv(LOG_LEVEL_ERROR, "event socket: out of memory", NULL);
        return NULL;
    }
    while (!atomic_load(&ss->stop)) {
        struct pollfd p = {.fd = ss->fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = recv(ss->fd, buf, DATAGRAM_MAX, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            continue;
        metrics_t *m = &ss->ctl->metrics;
        reject_reason_t why;
        char detail[200];
        ingest_item_t *it = ingest_item_new();
        if (!it) {
            atomic_fetch_add(&m->dropped[SOURCE_SOCKET], 1);
            continue;
        }
        int ok;
        if (n > (ssize_t)EVENT_MAX_BYTES) {
            why = REJECT_TOO_LARGE;
            snprintf(detail, sizeof(detail), "datagram larger than 64 KiB");
            ok = -1;
        } else {
            ok = event_parse(buf, (size_t)n, &it->ev, &why, detail, sizeof(detail));
        }
        if (ok != 0) {
            atomic_fetch_add(&m->rejected[SOURCE_SOCKET][why], 1);
            if (++ss->rejected <= WARN_FIRST || ss->rejected % 1000 == 0)
                log_kv(LOG_LEVEL_WARN, "event rejected", "source", "socket", "reason",
                       reject_reason_name(why), "detail", detail, "rejected_so_far",
                       LOG_INT(ss->rejected), NULL);
            ingest_item_free(it);
            continue;
        }
        it->kind = SOURCE_SOCKET;
        it->source = "socket";
        it->received = time_now_ms();
        if (ingest_queue_try_push(&ss->ctl->queue, it)) {
            ingest_item_free(it);
            atomic_fetch_add(&m->dropped[SOURCE_SOCKET], 1);
            if (++ss->dropped == 1 || ss->dropped % 10000 == 0)
                log_kv(LOG_LEVEL_WARN, "ingest queue full; datagram events dropped", "dropped",
                       LOG_INT(ss->dropped), NULL);
            continue;
        }
        atomic_fetch_add(&m->received[SOURCE_SOCKET], 1);
    }
    free(buf);
    return NULL;
}

/* A socket file whose owner no longer listens can be replaced; anything
 * else at the path is someone else's. */
static int clear_stale(const char *path, rp_error_t *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err->reason, sizeof(err->reason), "%s exists and is not a socket", path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (probe >= 0)
        close(probe);
    if (live) {
        snprintf(err->reason, sizeof(err->reason),
                 "%s is in use by another process (another rampartd?)", path);
        return -1;
    }
    unlink(path);
    return 0;
}

socket_source_t *socket_source_start(ctl_t *ctl, const char *path, unsigned mode, rp_error_t *err)
{
    socket_source_t *ss = calloc(1, sizeof(*ss));
    if (!ss) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    ss->ctl = ctl;
    ss->fd = -1;
    snprintf(ss->path, sizeof(ss->path), "%s", path);
    if (clear_stale(path, err)) {
        if (!err->reason[0])
            snprintf(err->reason, sizeof(err->reason), "%s: %s", path, strerror(errno));
        free(ss);
        return NULL;
    }
    ss->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (ss->fd < 0 || bind(ss->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        chmod(path, mode) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot bind %s: %s", path, strerror(errno));
        if (ss->fd >= 0)
            close(ss->fd);
        free(ss);
        return NULL;
    }
    int size = RCVBUF_BYTES;
    /* SO_RCVBUFFORCE passes net.core.rmem_max when privileged. */
    if (setsockopt(ss->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        setsockopt(ss->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    atomic_init(&ss->stop, 0);
    if (pthread_create(&ss->thread, NULL, recv_main, ss) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the socket reader");
        socket_source_free(ss);
        return NULL;
    }
    ss->started = 1;
    log_kv(LOG_LEVEL_INFO, "event socket bound", "path", path, NULL);
    return ss;
}

void socket_source_stop(socket_source_t *ss)
{
    if (!ss || !ss->started)
        return;
    atomic_store(&ss->stop, 1);
    pthread_join(ss->thread, NULL);
    ss->started = 0;
}

void socket_source_free(socket_source_t *ss)
{
    if (!ss)
        return;
    socket_source_stop(ss);
    if (ss->fd >= 0) {
        close(ss->fd);
        unlink(ss->path);
    }
    free(ss);
}
