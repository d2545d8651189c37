/*
 * conf_lex.h — the words of a "directive value..." configuration line,
 * shared by rampartd.conf (config.c) and rampart-agent.conf
 * (src/agent/agent_config.c), so both files follow one syntax: bare words
 * or "quoted strings" with \" and \\ escapes, '#' starts a comment, sizes
 * take k/m/g suffixes, and every error names file:line.
 */
#ifndef RAMPART_CTL_CONF_LEX_H
#define RAMPART_CTL_CONF_LEX_H

#include <stddef.h>

#include "rampart/status.h"

typedef struct {
    const char *name; /* file name for errors */
    unsigned line;
    rp_error_t *err;
} conf_ctx_t;

/* Records name:line and the formatted reason in ctx->err; returns -1. */
int conf_fail(conf_ctx_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Splits a line into words, written NUL-terminated into buf; words[i]
 * point into buf. -1 (with the error recorded) on bad quoting, too many
 * words or a line longer than buf. */
int conf_split_words(conf_ctx_t *p, const char *line, size_t n, char *buf, size_t buf_size,
                     char **words, int max_words, int *count);

/* Runs on_line for every line with at least one word (words[0] is the
 * directive), p->line counting lines; stops at the first nonzero answer
 * or lexical error and returns -1 then. A NUL byte is an error. */
typedef int (*conf_line_cb)(conf_ctx_t *p, void *ctx, char **words, int count);
int conf_parse_lines(conf_ctx_t *p, const char *text, size_t len, conf_line_cb on_line, void *ctx);

/* A decimal integer, the whole string; -1 when it is not one. */
int conf_parse_integer(const char *s, long long *out);

/* A byte count with an optional k, m or g suffix (binary), at most 1 TiB. */
int conf_parse_size(const char *s, long long *out);

/* Reads a whole configuration file (at most 1 MiB) into a malloc'd,
 * NUL-terminated buffer. NULL with err->file and reason on failure. */
char *conf_read_file(const char *path, size_t *len, rp_error_t *err);

#endif
