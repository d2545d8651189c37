/*
 * log.h — rampartd's structured log: one logfmt line per record.
 *
 *   time=2026-11-26T10:23:57.307Z level=info msg="listening" addr=127.0.0.1:9000
 *
 * Keys are fixed words chosen by the caller; values are quoted and escaped
 * when needed, so a line always splits back into the same pairs (an
 * attacker-controlled value cannot forge a key). Secrets are never passed
 * to the log: callers log names and ids, never passwords or tokens.
 */
#ifndef RAMPART_CTL_LOG_H
#define RAMPART_CTL_LOG_H

typedef enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

/* Sends the log to "stderr" or appends to a file path. Returns 0 or -1
 * (errno set) and keeps the previous target. */
int log_open(const char *target);

/* Reopens the current file target (after log rotation); no-op on stderr. */
void log_reopen(void);

void log_set_level(log_level_t level);

/* "debug"|"info"|"warn"|"error" → level; -1 when unknown. */
int log_level_parse(const char *name);

/* One record: msg, then (key, value) string pairs ended by NULL. A NULL
 * value is written as an empty string. */
void log_kv(log_level_t level, const char *msg, ...);

/* Formats an integer for log_kv: log_kv(..., "n", LOG_INT(n), NULL). */
const char *log_int(char buf[24], long long v);
#define LOG_INT(v) log_int((char[24]){0}, (long long)(v))

#endif
