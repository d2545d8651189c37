/*
 * seclang_lexer.h — SecLang text into directives made of words.
 *
 * The lexer knows only the Apache-style configuration syntax SecLang
 * inherits: one directive per logical line, backslash-newline continuation,
 * '#' comments at the start of a logical line, words separated by blanks,
 * and words quoted with "..." or '...' in which \" (\') stands for the quote.
 * What the words mean (variables, operators, action lists) is the parser's
 * business (seclang_parse.c).
 *
 * Continuations are removed while a word is copied, so a word can span
 * physical lines; each word remembers where its physical lines begin so the
 * parser can report the exact line of an action in the middle of a
 * multi-line CRS rule.
 */
#ifndef RAMPART_SECLANG_LEXER_H
#define RAMPART_SECLANG_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct {
    const char *text; /* quotes and \" escapes removed, NUL-terminated */
    size_t len;
    unsigned line;       /* physical line of the word's first character */
    const uint32_t *brk; /* offsets in text where a later physical line starts */
    size_t nbrk;
    bool quoted; /* the word was written between quotes */
} sl_word_t;

typedef struct {
    const char *p;     /* next unread byte */
    const char *end;   /* end of the input */
    unsigned line;     /* physical line of *p */
    rp_arena_t *arena; /* word storage; the caller resets it between directives */
} sl_lexer_t;

void sl_lex_init(sl_lexer_t *lx, const char *text, size_t len, rp_arena_t *scratch);

typedef enum {
    SL_LEX_WORDS = 1, /* a directive: *n words, the first is its name */
    SL_LEX_END = 0,   /* end of input */
    SL_LEX_ERROR = -1 /* reason in err, *line says where */
} sl_lex_result_t;

/* Read the next directive's words into w[0..max). *line is the line where
 * the directive starts (or where the error is). */
sl_lex_result_t sl_lex_next(sl_lexer_t *lx, sl_word_t *w, size_t max, size_t *n, unsigned *line,
                            char *err, size_t err_len);

/* Physical line of the byte at offset off of a word. */
unsigned sl_word_line(const sl_word_t *w, size_t off);

#endif
