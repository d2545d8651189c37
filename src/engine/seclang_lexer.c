/*
 * seclang_lexer.c — SecLang text into directives made of words.
 *
 * The rules follow Apache's configuration reader, which ModSecurity's
 * syntax comes from, because CRS is written for it:
 *   - a backslash immediately before the end of a line joins the next line;
 *     the backslash and the newline vanish, the next line's indentation
 *     stays (so "id:1,\<NL>    phase:2" reads "id:1,    phase:2" and the
 *     action parser trims it);
 *   - a logical line whose first non-blank byte is '#' is a comment, with
 *     its continuations (CRS comments out whole multi-line rules that way);
 *   - a word starting with " or ' runs to the matching quote; inside, a
 *     backslash before the quote stands for the quote and any other
 *     backslash is kept, because the words are regexes and action lists
 *     whose own escapes the later stages read (\\ is kept as a pair so that
 *     "C:\\" ends at its quote);
 *   - a newline inside quotes without a continuation is an error: it is
 *     almost always a forgotten backslash, and guessing would attach the
 *     rest of the file to one rule.
 * NUL bytes are refused so that every later stage can use C strings.
 *
 * Each word is scanned twice — once to size it, once to copy it — so it
 * gets one exact allocation in the scratch arena.
 */
#include "seclang_lexer.h"

#include <stdio.h>
#include <string.h>

void sl_lex_init(sl_lexer_t *lx, const char *text, size_t len, rp_arena_t *scratch)
{
    lx->p = text;
    lx->end = text + len;
    lx->line = 1;
    lx->arena = scratch;
}

/* Length of a backslash-newline continuation at p (2 or 3 with CR), else 0. */
static size_t continuation(const char *p, const char *end)
{
    if (p >= end || *p != '\\')
        return 0;
    if (p + 1 < end && p[1] == '\n')
        return 2;
    if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
        return 3;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Skip blanks and continuations on the current logical line. */
static void skip_blanks(sl_lexer_t *lx)
{
    for (;;) {
        size_t k;
        if (lx->p < lx->end && is_blank(*lx->p)) {
            lx->p++;
        } else if ((k = continuation(lx->p, lx->end)) != 0) {
            lx->p += k;
            lx->line++;
        } else {
            return;
        }
    }
}

static void skip_logical_line(sl_lexer_t *lx)
{
    while (lx->p < lx->end && *lx->p != '\n') {
        size_t k = continuation(lx->p, lx->end);
        if (k) {
            lx->p += k;
            lx->line++;
        } else {
            lx->p++;
        }
    }
}

typedef struct {
    size_t len;
    size_t nbrk;
    int error; /* 0, or 1 = unterminated quote, 2 = NUL byte */
} scan_t;

/* Scan one word starting at lx->p, advancing lx. With out/brk NULL only
 * measures; otherwise writes the unescaped bytes and the break offsets. */
static scan_t scan_word(sl_lexer_t *lx, char *out, uint32_t *brk)
{
    scan_t s = {0, 0, 0};
    const char *p = lx->p, *end = lx->end;
    char q = 0;

    if (*p == '"' || *p == '\'')
        q = *p++;
    while (p < end) {
        char c = *p;
        size_t k = continuation(p, end);
        if (k) {
            p += k;
            lx->line++;
            if (brk)
                brk[s.nbrk] = (uint32_t)s.len;
            s.nbrk++;
            continue;
        }
        if (c == '\0') {
            s.error = 2;
            break;
        }
        if (q) {
            if (c == '\n') {
                s.error = 1;
                break;
            }
            if (c == q) {
                p++;
                lx->p = p;
                return s;
            }
            if (c == '\\' && p + 1 < end && p[1] == q) {
                if (out)
                    out[s.len] = q;
                s.len++;
                p += 2;
                continue;
            }
            if (c == '\\' && p + 1 < end && p[1] == '\\') {
                if (out) {
                    out[s.len] = '\\';
                    out[s.len + 1] = '\\';
                }
                s.len += 2;
                p += 2;
                continue;
            }
        } else if (c == '\n' || is_blank(c)) {
            break;
        }
        if (out)
            out[s.len] = c;
        s.len++;
        p++;
    }
    if (q && !s.error)
        s.error = 1; /* end of input inside quotes */
    lx->p = p;
    return s;
}

static sl_lex_result_t read_word(sl_lexer_t *lx, sl_word_t *w, char *err, size_t err_len,
                                 unsigned *line)
{
    const char *start = lx->p;
    unsigned start_line = lx->line;
    scan_t s = scan_word(lx, NULL, NULL);

    if (s.error) {
        *line = s.error == 1 ? start_line : lx->line;
        if (s.error == 1)
            snprintf(err, err_len, "unbalanced quotes: %c opened on this line is never closed",
                     *start);
        else
            snprintf(err, err_len, "NUL byte in the configuration");
        return SL_LEX_ERROR;
    }
    if (s.len > UINT32_MAX - 1) {
        *line = start_line;
        snprintf(err, err_len, "word too long");
        return SL_LEX_ERROR;
    }
    char *text = rp_arena_alloc(lx->arena, s.len + 1);
    uint32_t *brk = s.nbrk ? rp_arena_alloc(lx->arena, s.nbrk * sizeof(*brk)) : NULL;
    if (!text || (s.nbrk && !brk)) {
        *line = start_line;
        snprintf(err, err_len, "out of memory");
        return SL_LEX_ERROR;
    }
    lx->p = start;
    lx->line = start_line;
    scan_word(lx, text, brk);
    text[s.len] = '\0';
    w->text = text;
    w->len = s.len;
    w->line = start_line;
    w->brk = brk;
    w->nbrk = s.nbrk;
    w->quoted = *start == '"' || *start == '\'';
    return SL_LEX_WORDS;
}

sl_lex_result_t sl_lex_next(sl_lexer_t *lx, sl_word_t *w, size_t max, size_t *n, unsigned *line,
                            char *err, size_t err_len)
{
    *n = 0;
    for (;;) {
        skip_blanks(lx);
        if (lx->p >= lx->end)
            return SL_LEX_END;
        if (*lx->p == '\n') {
            lx->p++;
            lx->line++;
            continue;
        }
        if (*lx->p == '#') {
            skip_logical_line(lx);
            continue;
        }
        break;
    }
    *line = lx->line;
    for (;;) {
        skip_blanks(lx);
        if (lx->p >= lx->end)
            break;
        if (*lx->p == '\n') {
            lx->p++;
            lx->line++;
            break;
        }
        if (*n == max) {
            snprintf(err, err_len, "too many arguments (more than %zu)", max - 1);
            return SL_LEX_ERROR;
        }
        unsigned at = *line;
        if (read_word(lx, &w[*n], err, err_len, &at) != SL_LEX_WORDS) {
            *line = at;
            return SL_LEX_ERROR;
        }
        (*n)++;
    }
    return SL_LEX_WORDS;
}

unsigned sl_word_line(const sl_word_t *w, size_t off)
{
    unsigned line = w->line;
    for (size_t i = 0; i < w->nbrk && w->brk[i] <= off; i++)
        line++;
    return line;
}
