/*
 * conf_lex.c — the shared configuration-line lexer (see conf_lex.h).
 */
#include "conf_lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_FILE_MAX (1024 * 1024)
#define CONF_LINE_MAX 4096 /* bytes of the words of one line */

int conf_fail(conf_ctx_t *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    snprintf(p->err->file, sizeof(p->err->file), "%s", p->name);
    p->err->line = p->line;
    vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
    va_end(ap);
    return -1;
}

/* Splits a line into words: bare words or "quoted strings" with \" and \\
 * escapes; '#' outside quotes ends the line. Words are written NUL
 * terminated into buf. */
int conf_split_words(conf_ctx_t *p, const char *line, size_t n, char *buf, size_t buf_size,
                     char **words, int max_words, int *count)
{
    size_t i = 0, out = 0;
    *count = 0;
    while (i < n) {
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i >= n || line[i] == '#')
            break;
        if (*count == max_words)
            return conf_fail(p, "too many values");
        words[(*count)++] = buf + out;
        if (line[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return conf_fail(p, "unterminated quoted value");
                char c = line[i++];
                if (c == '"')
                    break;
                if (c == '\\' && i < n && (line[i] == '"' || line[i] == '\\'))
                    c = line[i++];
                if (out + 1 >= buf_size)
                    return conf_fail(p, "line too long");
                buf[out++] = c;
            }
        } else {
            while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
                   line[i] != '#') {
                if (line[i] == '"')
                    return conf_fail(p, "stray quote in a value");
                if (out + 1 >= buf_size)
                    return conf_fail(p, "line too long");
                buf[out++] = line[i++];
            }
        }
        buf[out++] = '\0';
    }
    return 0;
}

int conf_parse_lines(conf_ctx_t *p, const char *text, size_t len, conf_line_cb on_line, void *ctx)
{
    size_t at = 0;
    while (at < len) {
        p->line++;
        const char *line = text + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at;
        at += n + (nl ? 1 : 0);
        if (memchr(line, '\0', n))
            return conf_fail(p, "NUL byte in the configuration");
        char buf[CONF_LINE_MAX];
        char *words[8];
        int count;
        if (conf_split_words(p, line, n, buf, sizeof(buf), words, 8, &count))
            return -1;
        if (count > 0 && on_line(p, ctx, words, count))
            return -1;
    }
    return 0;
}

int conf_parse_integer(const char *s, long long *out)
{
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || (!isdigit((unsigned char)s[0]) && s[0] != '-'))
        return -1;
    *out = v;
    return 0;
}

int conf_parse_size(const char *s, long long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20)
        return -1;
    long long scale = 1;
    char num[24];
    memcpy(num, s, n + 1);
    char last = (char)tolower((unsigned char)num[n - 1]);
    if (last == 'k' || last == 'm' || last == 'g') {
        scale = last == 'k' ? 1024LL : last == 'm' ? 1024LL * 1024 : 1024LL * 1024 * 1024;
        num[n - 1] = '\0';
    }
    long long v;
    /* bounded before the multiplication, so a huge count cannot overflow */
    if (conf_parse_integer(num, &v) || v < 0 || v > (1LL << 40) / scale)
        return -1;
    *out = v * scale;
    return 0;
}

char *conf_read_file(const char *path, size_t *len, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *text = malloc(CONF_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, CONF_FILE_MAX + 1, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (!text || read_error || n > CONF_FILE_MAX) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        snprintf(err->reason, sizeof(err->reason), "%s",
                 !text        ? "out of memory"
                 : read_error ? "read error"
                              : "file larger than 1 MiB");
        free(text);
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}
