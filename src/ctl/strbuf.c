/*
 * strbuf.c — growable byte buffer (see strbuf.h).
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf_t *sb, size_t max)
{
    memset(sb, 0, sizeof(*sb));
    sb->max = max;
}

void strbuf_free(strbuf_t *sb)
{
    free(sb->data);
    memset(sb, 0, sizeof(*sb));
}

static int reserve(strbuf_t *sb, size_t extra)
{
    if (sb->failed)
        return -1;
    if (extra > ((size_t)-1) / 2 - sb->len || (sb->max && sb->len + extra > sb->max)) {
        sb->failed = 1;
        return -1;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(sb->data, cap);
    if (!d) {
        sb->failed = 1;
        return -1;
    }
    sb->data = d;
    sb->cap = cap;
    return 0;
}

void strbuf_append(strbuf_t *sb, const char *s, size_t n)
{
    if (reserve(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_puts(strbuf_t *sb, const char *s)
{
    strbuf_append(sb, s, strlen(s));
}

void strbuf_printf(strbuf_t *sb, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        strbuf_append(sb, small, (size_t)n);
        return;
    }
    if (reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *strbuf_take(strbuf_t *sb, size_t *len)
{
    if (sb->failed) {
        strbuf_free(sb);
        return NULL;
    }
    if (!sb->data)
        strbuf_append(sb, "", 0);
    char *d = sb->data;
    if (len)
        *len = sb->len;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return d;
}
