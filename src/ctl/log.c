/*
 * log.c — the structured log (see log.h).
 *
 * A record is built in a stack buffer and written with one write() under a
 * mutex, so lines of different threads never interleave, and an O_APPEND
 * file can be rotated (rename + SIGHUP → log_reopen) without losing lines.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"

#define LINE_MAX_BYTES 4096

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = STDERR_FILENO;
static char log_path[4096];
static atomic_int log_min_level = LOG_LEVEL_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

int log_open(const char *target)
{
    if (!target || strcmp(target, "stderr") == 0) {
        pthread_mutex_lock(&log_mutex);
        if (log_fd != STDERR_FILENO)
            close(log_fd);
        log_fd = STDERR_FILENO;
        log_path[0] = '\0';
        pthread_mutex_unlock(&log_mutex);
        return 0;
    }
    if (strlen(target) >= sizeof(log_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&log_mutex);
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    snprintf(log_path, sizeof(log_path), "%s", target);
    pthread_mutex_unlock(&log_mutex);
    return 0;
}

void log_reopen(void)
{
    char path[sizeof(log_path)];
    pthread_mutex_lock(&log_mutex);
    snprintf(path, sizeof(path), "%s", log_path);
    pthread_mutex_unlock(&log_mutex);
    if (path[0] && log_open(path) != 0)
        log_kv(LOG_LEVEL_ERROR, "cannot reopen the log file", "path", path, "error",
               strerror(errno), NULL);
}

void log_set_level(log_level_t level)
{
    atomic_store(&log_min_level, (int)level);
}

int log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *log_int(char buf[24], long long v)
{
    snprintf(buf, 24, "%lld", v);
    return buf;
}

typedef struct {
    char data[LINE_MAX_BYTES];
    size_t len;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
    /* Keep room for the final "\n"; a cut line still ends cleanly. */
    size_t room = sizeof(l->data) - 1 - l->len;
    if (n > room)
        n = room;
    memcpy(l->data + l->len, s, n);
    l->len += n;
}

static int needs_quotes(const char *v)
{
    if (!*v)
        return 1;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7F)
            return 1;
    return 0;
}

static void put_value(line_t *l, const char *v)
{
    if (!v)
        v = "";
    if (!needs_quotes(v)) {
        put(l, v, strlen(v));
        return;
    }
    put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(l, esc, 2);
        } else if (*p == '\n') {
            put(l, "\\n", 2);
        } else if (*p < 0x20 || *p == 0x7F) {
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
            put(l, esc, 4);
        } else {
            put(l, (const char *)p, 1);
        }
    }
    put(l, "\"", 1);
}

void log_kv(log_level_t level, const char *msg, ...)
{
    if ((int)level < atomic_load(&log_min_level))
        return;
    line_t l = {.len = 0};
    char when[TIME_RFC3339_MAX];
    time_format_rfc3339(time_now_ms(), when);
    put(&l, "time=", 5);
    put(&l, when, strlen(when));
    put(&l, " level=", 7);
    put(&l, level_names[level], strlen(level_names[level]));
    put(&l, " msg=", 5);
    put_value(&l, msg);
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *value = va_arg(ap, const char *);
        put(&l, " ", 1);
        put(&l, key, strlen(key));
        put(&l, "=", 1);
        put_value(&l, value);
    }
    va_end(ap);
    l.data[l.len++] = '\n';
    pthread_mutex_lock(&log_mutex);
    ssize_t w = write(log_fd, l.data, l.len);
    pthread_mutex_unlock(&log_mutex);
    (void)w; /* nowhere left to report a failing log */
}
