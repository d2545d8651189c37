/*
 * sqli_lexer.h — a forgiving SQL tokenizer for the SQL-injection detector.
 *
 * The lexer reads an untrusted value as SQL text and classifies each token
 * into one of a dozen classes; the class letters are what detect_sqli.c folds
 * and matches, and they also form the fingerprint reported in events. It
 * never fails: any byte sequence yields a token stream, unterminated strings
 * and comments simply run to the end of the input.
 *
 * A lexer can start "inside" a quoted context (', " or `): the first token is
 * then the remainder of the string the application opened, closed by the
 * first unescaped quote of the input — exactly what the database would see
 * if the value were pasted between the application's quotes.
 */
#ifndef RAMPART_SQLI_LEXER_H
#define RAMPART_SQLI_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Token classes. The character is the fingerprint letter. */
#define SQLI_T_STRING  's' /* '..', "..", $$..$$, N'..', X'..', and the context closure */
#define SQLI_T_NUMBER  '1' /* 12, 1.5e3, 0x7e, 0b101, NULL, TRUE, FALSE */
#define SQLI_T_WORD    'w' /* identifier or unknown bare word, `quoted`, [bracketed] */
#define SQLI_T_KEYWORD 'k' /* FROM, WHERE, ORDER, BY, LIMIT, INTO, TABLE... */
#define SQLI_T_VERB    'E' /* statement starters: SELECT, DROP, EXEC, WAITFOR... */
#define SQLI_T_UNION   'U' /* UNION, INTERSECT, EXCEPT */
#define SQLI_T_FUNC    'f' /* a word followed by '(' */
#define SQLI_T_LOGIC   '&' /* AND, OR, XOR, &&, || */
#define SQLI_T_OP      'o' /* = < > + - * / LIKE IN IS :: and any other punctuation */
#define SQLI_T_LPAREN  '('
#define SQLI_T_RPAREN  ')'
#define SQLI_T_COMMA   ','
#define SQLI_T_SEMI    ';'
#define SQLI_T_COMMENT 'c' /* -- ..., # ..., / * ... * / */
#define SQLI_T_VAR     'v' /* @x, @@version, $1 */

/* Keyword identities, for the few places where the class is not enough. */
enum sqli_kw {
    SQLI_KW_NONE = 0,
    /* verbs */
    SQLI_KW_SELECT,
    SQLI_KW_INSERT, /* INSERT, REPLACE */
    SQLI_KW_UPDATE,
    SQLI_KW_DELETE,
    SQLI_KW_DDL, /* DROP, CREATE, ALTER, RENAME */
    SQLI_KW_TRUNCATE,
    SQLI_KW_EXEC, /* EXEC, EXECUTE */
    SQLI_KW_DECLARE,
    SQLI_KW_WAITFOR,
    SQLI_KW_SHUTDOWN,
    SQLI_KW_CALL,
    /* keywords */
    SQLI_KW_SET,
    SQLI_KW_FROM,
    SQLI_KW_WHERE, /* WHERE, HAVING */
    SQLI_KW_ORDER, /* ORDER, GROUP */
    SQLI_KW_BY,
    SQLI_KW_LIMIT,
    SQLI_KW_INTO,
    SQLI_KW_OUTFILE, /* OUTFILE, DUMPFILE */
    SQLI_KW_OBJECT,  /* TABLE, DATABASE, SCHEMA, VIEW, INDEX... (after DDL verbs) */
    SQLI_KW_PROCEDURE,
    SQLI_KW_ANALYSE,
    SQLI_KW_DELAY,
    SQLI_KW_MODIFIER, /* ALL, DISTINCT, TOP */
    SQLI_KW_NOT,
    SQLI_KW_CASE,
    SQLI_KW_OTHER,
};

/* Token flags. */
#define SQLI_TF_DANGER 0x01 /* function/identifier only attackers call (sleep, xp_cmdshell...) */
#define SQLI_TF_OPEN   0x02 /* string or comment not closed before the end of input */
#define SQLI_TF_UNARY  0x04 /* operator that may be unary: + - ~ ! */
#define SQLI_TF_MEMBER 0x08 /* DANGER only from a method-like segment: "time.sleep" */
/* Block comment holding another opener: MySQL ends it at the first
 * star-slash, PostgreSQL and MSSQL nest. */
#define SQLI_TF_NESTED 0x10

typedef struct {
    size_t pos; /* byte offset in the input */
    size_t len; /* byte length in the input */
    char type;  /* SQLI_T_* */
    uint8_t kw; /* enum sqli_kw for words, the operator's first byte for SQLI_T_OP,
                 * the opening quote (' " ` $) for SQLI_T_STRING */
    uint8_t flags;
} sqli_token_t;

typedef struct {
    const unsigned char *s;
    size_t len;
    size_t pos;
    char ctx;          /* quote the value is assumed to be inside, 0 when bare */
    bool in_versioned; /* inside a MySQL versioned comment, whose body is code */
} sqli_lexer_t;

/* Start lexing s[0..len) as if it followed an opening quote ctx (0: bare). */
void sqli_lexer_init(sqli_lexer_t *lx, const char *s, size_t len, char ctx);

/* Produce the next token; returns false at the end of input. Comments are
 * returned as tokens (the caller decides whether they are whitespace). */
bool sqli_lexer_next(sqli_lexer_t *lx, sqli_token_t *tok);

/* The lexer's classification of the bare word s[0..n) (any case), so that
 * the detector's pre-check can ask about a word without lexing the value:
 * SQLI_NAME_KEYWORD (with its token class and enum sqli_kw in *type, *kw)
 * and/or SQLI_NAME_DANGER (a name that sets SQLI_TF_DANGER when it is a
 * segment of a word or call), or 0. */
#define SQLI_NAME_KEYWORD 1u
#define SQLI_NAME_DANGER  2u
unsigned sqli_name_class(const char *s, size_t n, char *type, uint8_t *kw);

/* Call fn with every name in the keyword and dangerous-name tables (lower
 * case), so callers can build filters that provably cover them. */
void sqli_names_each(void (*fn)(const char *name, void *ctx), void *ctx);

/* Where the lexer ends the numeric literal starting at s[start] (a digit,
 * or '.' before one): a keyword may follow it without a space ("1union"). */
size_t sqli_number_end(const char *s, size_t len, size_t start);

#endif
