/*
 * strbuf.h — a growable byte buffer for building responses (metrics text,
 * CSV, SQL fragments) with a hard cap.
 *
 * Once an append fails (allocation or cap), the buffer stays failed and
 * every later append is a no-op: callers check sb->failed once at the end.
 */
#ifndef RAMPART_CTL_STRBUF_H
#define RAMPART_CTL_STRBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* NUL-terminated while !failed; owned, free with strbuf_free */
    size_t len;
    size_t cap;
    size_t max; /* 0: no cap beyond memory */
    int failed;
} strbuf_t;

void strbuf_init(strbuf_t *sb, size_t max);
void strbuf_free(strbuf_t *sb);
void strbuf_append(strbuf_t *sb, const char *s, size_t n);
void strbuf_puts(strbuf_t *sb, const char *s);
void strbuf_printf(strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the bytes to the caller (malloc'd, NUL-terminated); the buffer is
 * left empty. NULL when the buffer failed. */
char *strbuf_take(strbuf_t *sb, size_t *len);

#endif
