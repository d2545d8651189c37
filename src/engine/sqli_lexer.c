/*
 * sqli_lexer.c — SQL tokenizer for the SQL-injection detector.
 *
 * One lexer for the union of the dialects an attacker may target (MySQL,
 * PostgreSQL, MSSQL, Oracle, SQLite). Where the dialects disagree, the lexer
 * takes the reading that lets an injection through, because that is the one
 * the attacker will aim for:
 *   - backslash escapes inside '..' and ".." (MySQL), doubled quotes too;
 *   - "--" starts a comment even without a following space (all but MySQL),
 *     '#' starts a comment (MySQL);
 *   - MySQL versioned comments (slash-star-bang, optional 5-digit version)
 *     are executed by MySQL, so their body is lexed as code and the opening
 *     and closing markers are whitespace;
 *   - block comments do not nest (MySQL, SQLite): the first star-slash ends
 *     one. A comment that holds another opener ends elsewhere for
 *     PostgreSQL and MSSQL, which nest; it is flagged SQLI_TF_NESTED so the
 *     detector can treat the dialect-dependent reading as the evasion it is;
 *   - PostgreSQL $$..$$ / $tag$..$tag$ strings and $1 parameters, '::' casts;
 *   - MSSQL [bracketed] identifiers, Oracle q-less literals, N'..', X'..',
 *     B'..', E'..' and _charset'..' prefixed strings;
 *   - `a.b..c` dotted names are one word (schema.table, master..xp_cmdshell).
 *
 * Whitespace is space, \t \n \v \f \r and NUL. 0xA0 (Latin-1 no-break space,
 * which MySQL's latin1 lexer accepts as space) is deliberately NOT
 * whitespace: the detector sees UTF-8, where 0xA0 is a continuation byte of
 * ordinary characters (e.g. U+2014, U+FF0C), and splitting those would invent
 * tokens inside Chinese text. All bytes >= 0x80 are word characters.
 *
 * The lexer only ever moves forward; the one look-ahead (is a word followed
 * by '(' ?) skips whitespace that the next call would skip anyway, so total
 * work is linear in the input.
 */
#include "sqli_lexer.h"

#include <pthread.h>
#include <string.h>

#define KW_MAX 16 /* longest keyword/danger name we look up, in bytes */

typedef struct {
    const char *name;
    char type;
    uint8_t kw;
} keyword_t;

/* Sorted by name (bsearch). */
static const keyword_t keywords[] = {
    {"all", SQLI_T_KEYWORD, SQLI_KW_MODIFIER},
    {"alter", SQLI_T_VERB, SQLI_KW_DDL},
    {"analyse", SQLI_T_KEYWORD, SQLI_KW_ANALYSE},
    {"analyze", SQLI_T_KEYWORD, SQLI_KW_ANALYSE},
    {"and", SQLI_T_LOGIC, SQLI_KW_OTHER},
    {"as", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"asc", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"between", SQLI_T_OP, SQLI_KW_OTHER},
    {"by", SQLI_T_KEYWORD, SQLI_KW_BY},
    {"call", SQLI_T_VERB, SQLI_KW_CALL},
    {"case", SQLI_T_KEYWORD, SQLI_KW_CASE},
    {"collate", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"create", SQLI_T_VERB, SQLI_KW_DDL},
    {"database", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"declare", SQLI_T_VERB, SQLI_KW_DECLARE},
    {"delay", SQLI_T_KEYWORD, SQLI_KW_DELAY},
    {"delete", SQLI_T_VERB, SQLI_KW_DELETE},
    {"desc", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"distinct", SQLI_T_KEYWORD, SQLI_KW_MODIFIER},
    {"div", SQLI_T_OP, SQLI_KW_OTHER},
    {"drop", SQLI_T_VERB, SQLI_KW_DDL},
    {"dumpfile", SQLI_T_KEYWORD, SQLI_KW_OUTFILE},
    {"else", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"end", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"escape", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"except", SQLI_T_UNION, SQLI_KW_OTHER},
    {"exec", SQLI_T_VERB, SQLI_KW_EXEC},
    {"execute", SQLI_T_VERB, SQLI_KW_EXEC},
    {"false", SQLI_T_NUMBER, SQLI_KW_OTHER},
    {"from", SQLI_T_KEYWORD, SQLI_KW_FROM},
    {"function", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"glob", SQLI_T_OP, SQLI_KW_OTHER},
    {"group", SQLI_T_KEYWORD, SQLI_KW_ORDER},
    {"having", SQLI_T_KEYWORD, SQLI_KW_WHERE},
    {"ilike", SQLI_T_OP, SQLI_KW_OTHER},
    {"in", SQLI_T_OP, SQLI_KW_OTHER},
    {"index", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"insert", SQLI_T_VERB, SQLI_KW_INSERT},
    {"intersect", SQLI_T_UNION, SQLI_KW_OTHER},
    {"into", SQLI_T_KEYWORD, SQLI_KW_INTO},
    {"is", SQLI_T_OP, SQLI_KW_OTHER},
    {"join", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"like", SQLI_T_OP, SQLI_KW_OTHER},
    {"limit", SQLI_T_KEYWORD, SQLI_KW_LIMIT},
    {"login", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"mod", SQLI_T_OP, SQLI_KW_OTHER},
    {"not", SQLI_T_OP, SQLI_KW_NOT},
    {"null", SQLI_T_NUMBER, SQLI_KW_OTHER},
    {"offset", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"or", SQLI_T_LOGIC, SQLI_KW_OTHER},
    {"order", SQLI_T_KEYWORD, SQLI_KW_ORDER},
    {"outfile", SQLI_T_KEYWORD, SQLI_KW_OUTFILE},
    {"procedure", SQLI_T_KEYWORD, SQLI_KW_PROCEDURE},
    {"regexp", SQLI_T_OP, SQLI_KW_OTHER},
    {"rename", SQLI_T_VERB, SQLI_KW_DDL},
    {"replace", SQLI_T_VERB, SQLI_KW_INSERT},
    {"rlike", SQLI_T_OP, SQLI_KW_OTHER},
    {"schema", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"select", SQLI_T_VERB, SQLI_KW_SELECT},
    {"set", SQLI_T_KEYWORD, SQLI_KW_SET},
    {"shutdown", SQLI_T_VERB, SQLI_KW_SHUTDOWN},
    {"similar", SQLI_T_OP, SQLI_KW_OTHER},
    {"sounds", SQLI_T_OP, SQLI_KW_OTHER},
    {"table", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"then", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"top", SQLI_T_KEYWORD, SQLI_KW_MODIFIER},
    {"trigger", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"true", SQLI_T_NUMBER, SQLI_KW_OTHER},
    {"truncate", SQLI_T_VERB, SQLI_KW_TRUNCATE},
    {"union", SQLI_T_UNION, SQLI_KW_OTHER},
    {"update", SQLI_T_VERB, SQLI_KW_UPDATE},
    {"user", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"values", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"view", SQLI_T_KEYWORD, SQLI_KW_OBJECT},
    {"waitfor", SQLI_T_VERB, SQLI_KW_WAITFOR},
    {"when", SQLI_T_KEYWORD, SQLI_KW_OTHER},
    {"where", SQLI_T_KEYWORD, SQLI_KW_WHERE},
    {"xor", SQLI_T_LOGIC, SQLI_KW_OTHER},
};

/* Names (or dotted-name segments) that only attackers call from a web
 * argument: time delays, error-based extraction, out-of-band and file/OS
 * access. Sorted. */
static const char *const danger_names[] = {
    "benchmark",   "ctxsys",        "dbms_lock",   "dbms_pipe",    "dbms_xmlgen", "extractvalue",
    "gtid_subset", "lo_import",     "load_file",   "pg_read_file", "pg_sleep",    "randomblob",
    "sleep",       "sp_executesql", "sp_oacreate", "sys_eval",     "sys_exec",    "updatexml",
    "utl_http",    "utl_inaddr",    "xmltype",     "xp_cmdshell",  "xp_dirtree",  "xp_regread",
};

static bool is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word_start(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? true : c == '_' || c >= 0x80;
}

static bool is_word_char(unsigned char c)
{
    return is_word_start(c) || is_digit(c) || c == '$';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Lower-case s[0..n) into buf (NUL-terminated); false if it cannot be a
 * table entry (too long or not ASCII). */
static bool lower_copy(const unsigned char *s, size_t n, char *buf)
{
    if (n == 0 || n >= KW_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0x80)
            return false;
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] | 0x20 : s[i]);
    }
    buf[n] = '\0';
    return true;
}

/* Ordering of two NUL-terminated lower-case names. Written out rather than
 * calling strcmp: the names are short and almost always differ in the first
 * byte, so the library call's setup cost was most of the lookup (it was the
 * top entry of the engine profile). */
static int name_cmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/*
 * Most words the lexer meets (User-Agent tokens, Chinese-free prose, ids)
 * are in neither table. A bit per (first letter, length) present in either
 * table rejects them before any search. Built once from the tables
 * themselves, so it can never disagree with them; read-only afterwards.
 */
static uint32_t name_shape[26];
static pthread_once_t name_shape_once = PTHREAD_ONCE_INIT;

static void name_shape_add(const char *name)
{
    size_t n = strlen(name);
    unsigned char c = (unsigned char)name[0];
    if (c >= 'a' && c <= 'z' && n < 32)
        name_shape[c - 'a'] |= 1u << n;
}

static void name_shape_build(void)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        name_shape_add(keywords[i].name);
    for (size_t i = 0; i < sizeof(danger_names) / sizeof(danger_names[0]); i++)
        name_shape_add(danger_names[i]);
}

/* False only when no table entry can have this shape. Names that do not
 * start with a letter, or are 32 bytes or longer, always go to the search. */
static bool name_shape_possible(const unsigned char *s, size_t n)
{
    unsigned char c = s[0] | 0x20;
    if (c < 'a' || c > 'z' || n >= 32)
        return true;
    pthread_once(&name_shape_once, name_shape_build);
    return (name_shape[c - 'a'] >> n) & 1u;
}

void sqli_names_each(void (*fn)(const char *name, void *ctx), void *ctx)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        fn(keywords[i].name, ctx);
    for (size_t i = 0; i < sizeof(danger_names) / sizeof(danger_names[0]); i++)
        fn(danger_names[i], ctx);
}

/* Binary searches over already lower-cased, NUL-terminated names. */
static const keyword_t *keyword_search(const char *buf)
{
    size_t lo = 0, hi = sizeof(keywords) / sizeof(keywords[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(buf, keywords[mid].name);
        if (c == 0)
            return &keywords[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static bool danger_search(const char *buf)
{
    size_t lo = 0, hi = sizeof(danger_names) / sizeof(danger_names[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(buf, danger_names[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static const keyword_t *keyword_find(const unsigned char *s, size_t n)
{
    char buf[KW_MAX];
    if (n == 0 || !name_shape_possible(s, n))
        return NULL;
    return lower_copy(s, n, buf) ? keyword_search(buf) : NULL;
}

static bool danger_find(const unsigned char *s, size_t n)
{
    char buf[KW_MAX];
    if (n == 0 || !name_shape_possible(s, n))
        return false;
    return lower_copy(s, n, buf) && danger_search(buf);
}

unsigned sqli_name_class(const char *s, size_t n, char *type, uint8_t *kw)
{
    char buf[KW_MAX];
    if (n == 0 || !name_shape_possible((const unsigned char *)s, n))
        return 0;
    if (!lower_copy((const unsigned char *)s, n, buf))
        return 0;
    unsigned r = danger_search(buf) ? SQLI_NAME_DANGER : 0;
    const keyword_t *k = keyword_search(buf);
    if (k) {
        *type = k->type;
        *kw = k->kw;
        r |= SQLI_NAME_KEYWORD;
    }
    return r;
}

/* A dotted name is dangerous if any segment is (dbms_pipe.receive_message,
 * master..xp_cmdshell). Returns SQLI_TF_DANGER, plus SQLI_TF_MEMBER when the
 * only dangerous segments follow a single '.' ("time.sleep", "obj.benchmark"):
 * the method-call spelling of program code, which the shapes that look for
 * an attack-only call anywhere in a value must not take for SQL. */
static uint8_t word_danger(const unsigned char *s, size_t n)
{
    size_t start = 0;
    bool member = false;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (i > start && danger_find(s + start, i - start)) {
                if (start == 0 || (start >= 2 && s[start - 2] == '.'))
                    return SQLI_TF_DANGER;
                member = true;
            }
            start = i + 1;
        }
    }
    return member ? SQLI_TF_DANGER | SQLI_TF_MEMBER : 0;
}

void sqli_lexer_init(sqli_lexer_t *lx, const char *s, size_t len, char ctx)
{
    lx->s = (const unsigned char *)s;
    lx->len = len;
    lx->pos = 0;
    lx->ctx = ctx;
    lx->in_versioned = false;
}

static void emit(sqli_token_t *tok, char type, size_t pos, size_t end, uint8_t kw, uint8_t flags)
{
    tok->type = type;
    tok->pos = pos;
    tok->len = end - pos;
    tok->kw = kw;
    tok->flags = flags;
}

/* Quoted literal body starting at i (just after the opening quote q).
 * Backslash escapes apply to ' and " (MySQL); a doubled quote is an escaped
 * quote in every dialect. Returns the index just past the closing quote, or
 * len with *open set. */
static size_t scan_quoted(const sqli_lexer_t *lx, size_t i, unsigned char q, bool backslash,
                          bool *open)
{
    const unsigned char *s = lx->s;
    size_t stop = i; /* next candidate closing quote, recomputed only when passed */
    bool have_stop = false;
    while (i < lx->len) {
        if (!have_stop || stop < i) {
            const unsigned char *p = memchr(s + i, q, lx->len - i);
            if (!p)
                break;
            stop = (size_t)(p - s);
            have_stop = true;
        }
        if (backslash) {
            const unsigned char *b = memchr(s + i, '\\', stop - i);
            if (b) {
                i = (size_t)(b - s) + 2; /* skip the escaped byte */
                continue;
            }
        }
        if (stop + 1 < lx->len && s[stop + 1] == q) {
            i = stop + 2;
            continue;
        }
        *open = false;
        return stop + 1;
    }
    *open = true;
    return lx->len;
}

static bool lex_string(sqli_lexer_t *lx, sqli_token_t *tok, size_t start, size_t body, char q)
{
    bool open;
    size_t end = scan_quoted(lx, body, (unsigned char)q, q != '`', &open);
    /* A backtick-quoted name is an identifier; the context closure (lexed
     * elsewhere) is the only backtick token that plays a string's role. */
    char type = q == '`' ? SQLI_T_WORD : SQLI_T_STRING;
    emit(tok, type, start, end, type == SQLI_T_STRING ? (uint8_t)q : SQLI_KW_NONE,
         open ? SQLI_TF_OPEN : 0);
    lx->pos = end;
    return true;
}

/* PostgreSQL dollar quoting: $$...$$ or $tag$...$tag$. Returns false if the
 * bytes at i do not open one. */
static bool lex_dollar(sqli_lexer_t *lx, sqli_token_t *tok, size_t i)
{
    const unsigned char *s = lx->s;
    size_t j = i + 1;
    while (j < lx->len && (is_word_start(s[j]) || is_digit(s[j])) && j - i < 32)
        j++;
    if (j >= lx->len || s[j] != '$' || (j > i + 1 && is_digit(s[i + 1])))
        return false;
    size_t taglen = j + 1 - i;
    size_t k = j + 1;
    const unsigned char *end = NULL;
    while (k + taglen <= lx->len) {
        const unsigned char *p = memchr(s + k, '$', lx->len - k);
        if (!p || (size_t)(p - s) + taglen > lx->len)
            break;
        if (memcmp(p, s + i, taglen) == 0) {
            end = p + taglen;
            break;
        }
        k = (size_t)(p - s) + 1;
    }
    size_t stop = end ? (size_t)(end - s) : lx->len;
    emit(tok, SQLI_T_STRING, i, stop, '$', end ? 0 : SQLI_TF_OPEN);
    lx->pos = stop;
    return true;
}

static size_t skip_line(const sqli_lexer_t *lx, size_t i)
{
    const unsigned char *p = memchr(lx->s + i, '\n', lx->len - i);
    return p ? (size_t)(p - lx->s) : lx->len;
}

/* Classify a bare word s[start..end) and emit it. */
static void lex_classify_word(sqli_lexer_t *lx, sqli_token_t *tok, size_t start, size_t end)
{
    const unsigned char *s = lx->s;
    size_t n = end - start;

    /* Function call: the word is followed by '(' (whitespace allowed, as
     * PostgreSQL, MSSQL and MySQL IGNORE_SPACE accept it). */
    size_t j = end;
    while (j < lx->len && is_space(s[j]))
        j++;
    bool call = j < lx->len && s[j] == '(';

    const keyword_t *kw = memchr(s + start, '.', n) ? NULL : keyword_find(s + start, n);
    if (kw) {
        /* INSERT(), REPLACE(), USER(), DATABASE(), SCHEMA() are also
         * functions; SELECT(, UNION(, IN(, AND( stay what they are. */
        bool fn = call && (kw->kw == SQLI_KW_INSERT || kw->kw == SQLI_KW_OBJECT);
        if (!fn) {
            emit(tok, kw->type, start, end, kw->kw, kw->kw == SQLI_KW_NOT ? SQLI_TF_UNARY : 0);
            return;
        }
    }
    /* Only words and calls carry the danger flag, so keywords skip the
     * (per-segment) lookup. */
    uint8_t flags = word_danger(s + start, n);
    emit(tok, call ? SQLI_T_FUNC : SQLI_T_WORD, start, end, SQLI_KW_NONE, flags);
}

static size_t scan_word(const sqli_lexer_t *lx, size_t i)
{
    const unsigned char *s = lx->s;
    while (i < lx->len) {
        if (is_word_char(s[i])) {
            i++;
        } else if (s[i] == '.') {
            /* Dotted names (a.b, master..xp_cmdshell) are one word; a
             * sentence-ending dot is not part of it. */
            size_t j = i;
            while (j < lx->len && s[j] == '.')
                j++;
            if (j < lx->len && is_word_start(s[j]))
                i = j;
            else
                break;
        } else {
            break;
        }
    }
    return i;
}

static bool lex_word(sqli_lexer_t *lx, sqli_token_t *tok, size_t start)
{
    const unsigned char *s = lx->s;
    size_t end = scan_word(lx, start);
    /* Prefixed literals: N'..', X'..', B'..', E'..', _utf8'..'. */
    if (end < lx->len && s[end] == '\'' &&
        ((end - start == 1 && strchr("nNxXbBeE", s[start])) || s[start] == '_'))
        return lex_string(lx, tok, start, end + 1, '\'');
    lex_classify_word(lx, tok, start, end);
    lx->pos = end;
    return true;
}

/* End of the numeric literal starting at s[i] (a digit, or '.' before one). */
static size_t number_end(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == '0' && i + 1 < len && (s[i + 1] | 0x20) == 'x') {
        i += 2;
        while (i < len && is_hex(s[i]))
            i++;
    } else if (s[i] == '0' && i + 1 < len && (s[i + 1] | 0x20) == 'b') {
        i += 2;
        while (i < len && (s[i] == '0' || s[i] == '1'))
            i++;
    } else {
        while (i < len && is_digit(s[i]))
            i++;
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && is_digit(s[i]))
                i++;
        }
        if (i < len && (s[i] | 0x20) == 'e') {
            size_t j = i + 1;
            if (j < len && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j < len && is_digit(s[j])) {
                i = j;
                while (i < len && is_digit(s[i]))
                    i++;
            }
        }
    }
    return i;
}

size_t sqli_number_end(const char *s, size_t len, size_t start)
{
    return number_end((const unsigned char *)s, len, start);
}

static bool lex_number(sqli_lexer_t *lx, sqli_token_t *tok, size_t start)
{
    const unsigned char *s = lx->s;
    size_t i = number_end(s, lx->len, start);
    if (i < lx->len && is_word_char(s[i])) {
        /* "1union" is a number then a keyword to MySQL; "3B", "7pm",
         * "11010519491231002X" are single words to a human. */
        size_t wend = scan_word(lx, i);
        const keyword_t *kw = keyword_find(s + i, wend - i);
        if (!kw) {
            lex_classify_word(lx, tok, start, wend);
            lx->pos = wend;
            return true;
        }
    }
    emit(tok, SQLI_T_NUMBER, start, i, SQLI_KW_NONE, 0);
    lx->pos = i;
    return true;
}

/* Multi-byte operators, longest first within each leading byte. */
static size_t op_length(const unsigned char *s, size_t avail)
{
    static const char *const ops3[] = {"<=>", "->>", "!~*"};
    static const char *const ops2[] = {"<=", ">=", "<>", "!=", "!<", "!>", "==", "||", "&&",
                                       "::", ":=", "<<", ">>", "->", "~*", "!~", "@>", "<@"};
    if (avail >= 3)
        for (size_t k = 0; k < sizeof(ops3) / sizeof(ops3[0]); k++)
            if (memcmp(s, ops3[k], 3) == 0)
                return 3;
    if (avail >= 2)
        for (size_t k = 0; k < sizeof(ops2) / sizeof(ops2[0]); k++)
            if (memcmp(s, ops2[k], 2) == 0)
                return 2;
    return 1;
}

static bool lex_punct(sqli_lexer_t *lx, sqli_token_t *tok, size_t i)
{
    const unsigned char *s = lx->s;
    unsigned char c = s[i];
    switch (c) {
    case '(':
    case ')':
    case ',':
    case ';':
        emit(tok, (char)c, i, i + 1, c, 0);
        lx->pos = i + 1;
        return true;
    case '\'':
    case '"':
    case '`':
        return lex_string(lx, tok, i, i + 1, (char)c);
    case '[': {
        /* MSSQL [identifier] */
        const unsigned char *p = memchr(s + i, ']', lx->len - i);
        size_t end = p ? (size_t)(p - s) + 1 : lx->len;
        emit(tok, SQLI_T_WORD, i, end, SQLI_KW_NONE, p ? 0 : SQLI_TF_OPEN);
        lx->pos = end;
        return true;
    }
    case '@': {
        size_t j = i + 1;
        if (j < lx->len && s[j] == '@')
            j++;
        if (j < lx->len && (s[j] == '\'' || s[j] == '"' || s[j] == '`')) {
            bool open;
            j = scan_quoted(lx, j + 1, s[j], s[j] != '`', &open);
        } else {
            j = scan_word(lx, j);
        }
        if (j > i + 1 && !(j == i + 2 && s[i + 1] == '@')) {
            emit(tok, SQLI_T_VAR, i, j, SQLI_KW_NONE, 0);
            lx->pos = j;
            return true;
        }
        break;
    }
    case '$':
        if (i + 1 < lx->len && is_digit(s[i + 1])) {
            size_t j = i + 1;
            while (j < lx->len && is_digit(s[j]))
                j++;
            emit(tok, SQLI_T_VAR, i, j, SQLI_KW_NONE, 0);
            lx->pos = j;
            return true;
        }
        if (lex_dollar(lx, tok, i))
            return true;
        break;
    case '.':
        if (i + 1 < lx->len && is_digit(s[i + 1]))
            return lex_number(lx, tok, i);
        break;
    default:
        break;
    }
    size_t n = op_length(s + i, lx->len - i);
    char type = SQLI_T_OP;
    uint8_t flags = 0;
    if (n == 2 && ((c == '|' && s[i + 1] == '|') || (c == '&' && s[i + 1] == '&')))
        type = SQLI_T_LOGIC;
    if (n == 1 && (c == '+' || c == '-' || c == '~' || c == '!'))
        flags = SQLI_TF_UNARY;
    emit(tok, type, i, i + n, n == 1 && c == '!' ? SQLI_KW_NOT : c, flags);
    lx->pos = i + n;
    return true;
}

/* Index just past the star-slash closing a block comment whose body starts
 * at i, or len if it is never closed. */
static size_t block_comment_end(const sqli_lexer_t *lx, size_t i)
{
    while (i < lx->len) {
        const unsigned char *p = memchr(lx->s + i, '*', lx->len - i);
        if (!p)
            break;
        size_t k = (size_t)(p - lx->s);
        if (k + 1 < lx->len && lx->s[k + 1] == '/')
            return k + 2;
        i = k + 1;
    }
    return lx->len;
}

/* Does "slash-star" start in [i, stop) ? stop is where the closing
 * star-slash starts (or the end of input): "/ * / * /" nests, since the
 * PostgreSQL and MSSQL lexers see the second opener before the closer. */
static bool nested_opener(const sqli_lexer_t *lx, size_t i, size_t stop)
{
    while (i < stop) {
        const unsigned char *p = memchr(lx->s + i, '/', stop - i);
        if (!p)
            return false;
        size_t k = (size_t)(p - lx->s);
        if (k + 1 < lx->len && lx->s[k + 1] == '*')
            return true;
        i = k + 1;
    }
    return false;
}

/* Comments, MySQL versioned-comment markers. Returns 1 if a comment token
 * was produced, 0 if markers were skipped as whitespace (caller loops), -1
 * if there is no comment here. */
static int lex_comment(sqli_lexer_t *lx, sqli_token_t *tok, size_t i)
{
    const unsigned char *s = lx->s;
    size_t avail = lx->len - i;
    if (s[i] == '#' || (avail >= 2 && s[i] == '-' && s[i + 1] == '-')) {
        size_t end = skip_line(lx, i);
        emit(tok, SQLI_T_COMMENT, i, end, SQLI_KW_NONE, 0);
        lx->pos = end;
        return 1;
    }
    if (avail >= 2 && s[i] == '*' && s[i + 1] == '/' && lx->in_versioned) {
        lx->in_versioned = false;
        lx->pos = i + 2;
        return 0;
    }
    if (avail >= 2 && s[i] == '/' && s[i + 1] == '*') {
        if (avail >= 3 && s[i + 2] == '!') {
            size_t j = i + 3;
            while (j < lx->len && j < i + 9 && is_digit(s[j]))
                j++;
            lx->in_versioned = true;
            lx->pos = j;
            return 0;
        }
        size_t end = block_comment_end(lx, i + 2);
        bool closed = end < lx->len || (end >= i + 4 && s[end - 2] == '*' && s[end - 1] == '/');
        uint8_t flags = closed ? 0 : SQLI_TF_OPEN;
        if (nested_opener(lx, i + 2, closed ? end - 2 : end))
            flags |= SQLI_TF_NESTED;
        emit(tok, SQLI_T_COMMENT, i, end, SQLI_KW_NONE, flags);
        lx->pos = end;
        return 1;
    }
    return -1;
}

bool sqli_lexer_next(sqli_lexer_t *lx, sqli_token_t *tok)
{
    const unsigned char *s = lx->s;
    if (lx->ctx && lx->pos == 0) {
        /* The closure of the string the application opened. */
        char q = lx->ctx;
        lx->ctx = 0;
        bool open;
        size_t end = scan_quoted(lx, 0, (unsigned char)q, q != '`', &open);
        emit(tok, SQLI_T_STRING, 0, end, (uint8_t)q, open ? SQLI_TF_OPEN : 0);
        lx->pos = end;
        return true;
    }
    for (;;) {
        size_t i = lx->pos;
        while (i < lx->len && is_space(s[i]))
            i++;
        lx->pos = i;
        if (i >= lx->len)
            return false;
        unsigned char c = s[i];
        if (is_digit(c))
            return lex_number(lx, tok, i);
        if (is_word_start(c))
            return lex_word(lx, tok, i);
        int r = lex_comment(lx, tok, i);
        if (r > 0)
            return true;
        if (r == 0)
            continue;
        return lex_punct(lx, tok, i);
    }
}
