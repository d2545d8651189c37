/*
 * detect_sqli.c — Rampart's SQL-injection detector.
 *
 * An injected value only matters where it leaves the literal the application
 * put it in. So the detector asks, for each way the value could have been
 * embedded — bare in a numeric position, inside '...', inside "...", inside
 * `...` — "does the SQL that follows the break-out look like an attack?".
 *
 * Pipeline, per context:
 *   1. sqli_lexer.c classifies tokens (the class letters are the
 *      fingerprint alphabet: s 1 w k E U f & o ( ) , ; c v).
 *   2. fold: comments become whitespace (a trailing one is kept as 'c',
 *      since truncating the rest of the query is what "admin'--" does);
 *      NOT and unary + - ~ ! disappear; ORDER BY / GROUP BY and
 *      UNION ALL / DISTINCT merge into one token.
 *   3. match: at each anchor, injection shapes are tried over the folded
 *      tokens. Anchors are where SQL can resume after the break-out: the
 *      context closure (or, bare, the first value), and — so that a payload
 *      deep in a long value is still seen — every later string literal,
 *      every UNION, and every ';' after a value. A few shapes that are SQL
 *      whatever precedes them ("and 5=5", "order by 1--", a nested
 *      "randomblob(9)", "+(select .. where ..)") are tried at every token
 *      (match_anywhere), since scanners keep the original value as a
 *      prefix ("test AND 7724=7724").
 *
 * The shapes are written from the SQL grammar rather than as a list of
 * fingerprints: "a logical operator followed by a comparison or a call",
 * "UNION followed by a SELECT whose list is SQL", "';' followed by a
 * statement that is plausible SQL (DROP TABLE x, EXEC name, WAITFOR DELAY
 * '..')", "an arithmetic operator followed by a sub-select or an attack-only
 * function", ORDER BY n / HAVING a=b / PROCEDURE ANALYSE / INTO OUTFILE
 * after the break-out, a comment right after the closing quote, and a value
 * that is itself a sub-select, an attack-only call or a complete statement
 * (SELECT .. FROM name, INSERT INTO t (..), DROP TABLE t). After a closing
 * quote also: an attack-only call or a sub-select with nothing between
 * ("x' sleep(20) '", the '+' of "x'+sleep(20)+'" lost to form decoding),
 * and the "sandwich" that joins a computed expression with one operator and
 * re-opens the quote for the application's own closing quote
 * ("x'+version()+'", "'-alert(1)-'", "\" | a % b | \""). Anywhere: UNION
 * after a comment that nests (MySQL and PostgreSQL/MSSQL end it in
 * different places, an evasion in itself). Requiring the shape to start
 * exactly at the break-out (the first quote, the first number) is what
 * keeps English from matching: "it's 1 or 2 days" resumes SQL with a bare
 * word ("s"), not with "or".
 *
 * Decisions: a bare comparison ("1=1", "3-1=2") is not an injection on its
 * own; a value made only of letters, digits, spaces and bytes >= 0x80 is
 * rejected by a byte-table pre-check without lexing, unless it contains the
 * word UNION (the one letters-only shape: "union select ...").
 *
 * Memory is bounded: folded tokens go through a fixed window; anchors are
 * evaluated when at least WINDOW/2 tokens of look-ahead are available, then
 * the window slides. No allocation, no mutable globals, linear time.
 */
#include "rampart/detect.h"
#include "sqli_lexer.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define WINDOW 64
#define HALF   (WINDOW / 2)

typedef enum {
    ANCHOR_BARE,  /* first token, value assumed to be in a numeric position */
    ANCHOR_QUOTE, /* first token is the closure of the application's quote */
    ANCHOR_MID,   /* a later string literal: a break-out deeper in the value */
} anchor_mode_t;

typedef struct {
    const sqli_token_t *t;
    size_t n;
    const unsigned char *s; /* the input the tokens point into */
} toks_t;

static bool at(const toks_t *v, size_t i, char type)
{
    return i < v->n && v->t[i].type == type;
}

static bool at_kw(const toks_t *v, size_t i, char type, uint8_t kw)
{
    return at(v, i, type) && v->t[i].kw == kw;
}

static bool at_end(const toks_t *v, size_t i)
{
    return i >= v->n;
}

static size_t skip(const toks_t *v, size_t i, char type)
{
    while (at(v, i, type))
        i++;
    return i;
}

/* Index after the ')' matching the '(' at i; v->n if unbalanced (the rest
 * of the query is assumed to close it). */
static size_t skip_group(const toks_t *v, size_t i)
{
    size_t depth = 0;
    for (; i < v->n; i++) {
        if (v->t[i].type == '(') {
            depth++;
        } else if (v->t[i].type == ')') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return v->n;
}

static bool is_simple_value(char c)
{
    return c == SQLI_T_NUMBER || c == SQLI_T_STRING || c == SQLI_T_VAR || c == SQLI_T_WORD;
}

static bool value_end(char c)
{
    return is_simple_value(c) || c == ')';
}

/* = < > <> != <=> LIKE IS IN ... (not arithmetic, not "-" in "a-b") */
static bool is_comparison(const toks_t *v, size_t i)
{
    if (!at(v, i, SQLI_T_OP))
        return false;
    uint8_t k = v->t[i].kw;
    return k == '=' || k == '<' || k == '>' || k == '!' || k == SQLI_KW_OTHER;
}

/* Index after the operand starting at i, or 0 if none starts there. */
static size_t operand_end(const toks_t *v, size_t i)
{
    if (i >= v->n)
        return 0;
    char c = v->t[i].type;
    if (is_simple_value(c))
        return i + 1;
    if (c == '(')
        return skip_group(v, i);
    if (c == SQLI_T_FUNC)
        return at(v, i + 1, '(') ? skip_group(v, i + 1) : i + 1;
    return 0;
}

/* f(...) whose first argument reads as SQL: "sleep(5)", "version()",
 * "extractvalue(1,concat(...))" yes; "sleep (a lot)", "sleep(8 hours)" no. */
static bool call_plausible(const toks_t *v, size_t i)
{
    if (!at(v, i, SQLI_T_FUNC) || !at(v, i + 1, '('))
        return false;
    size_t a = i + 2;
    if (at_end(v, a))
        return true;
    char c = v->t[a].type;
    if (c == ')' || c == '(' || c == SQLI_T_FUNC || c == SQLI_T_VERB)
        return true;
    if (!is_simple_value(c))
        return false;
    if (at_end(v, a + 1))
        return true;
    c = v->t[a + 1].type;
    return c == ',' || c == ')' || c == SQLI_T_OP || c == SQLI_T_LOGIC;
}

/* Arguments starting at a that only code writes: "(5)", "(1,md5(1))",
 * "('a')", "(500000000/2)", "(char(65))"; not "(s)", "(8 hours)", "()". */
static bool args_strict(const toks_t *v, size_t a)
{
    if (at_end(v, a))
        return false;
    char c = v->t[a].type;
    if (c == '(' || c == SQLI_T_FUNC || c == SQLI_T_VERB)
        return true;
    if (c != SQLI_T_NUMBER && c != SQLI_T_STRING && c != SQLI_T_VAR)
        return false;
    if (at_end(v, a + 1))
        return true;
    c = v->t[a + 1].type;
    return c == ',' || c == ')' || c == SQLI_T_OP;
}

/* What may follow an item of a select list. */
static bool select_item_follow(const toks_t *v, size_t i)
{
    if (at_end(v, i))
        return true;
    const sqli_token_t *t = &v->t[i];
    switch (t->type) {
    case ',':
    case ')':
    case ';':
    case SQLI_T_COMMENT:
    case SQLI_T_UNION:
    case SQLI_T_LOGIC:
    case SQLI_T_OP:
        return true;
    case SQLI_T_KEYWORD:
        return t->kw == SQLI_KW_FROM || t->kw == SQLI_KW_INTO || t->kw == SQLI_KW_WHERE ||
               t->kw == SQLI_KW_LIMIT || t->kw == SQLI_KW_ORDER;
    default:
        return false;
    }
}

/* SELECT at i followed by a list that reads as SQL: "select 1,2",
 * "select * from", "select(0)from", "select name from users";
 * not "select the best option". */
static bool select_plausible(const toks_t *v, size_t i)
{
    size_t j = i + 1;
    while (at_kw(v, j, SQLI_T_KEYWORD, SQLI_KW_MODIFIER))
        j += at(v, j + 1, SQLI_T_NUMBER) ? 2 : 1; /* ALL, DISTINCT, TOP 1 */
    if (at_end(v, j))
        return false;
    const sqli_token_t *t = &v->t[j];
    if ((t->type == SQLI_T_OP && t->kw == '*') ||
        (t->type == SQLI_T_KEYWORD && t->kw == SQLI_KW_CASE))
        return true;
    if (t->type == SQLI_T_FUNC)
        return call_plausible(v, j) || select_item_follow(v, operand_end(v, j));
    /* SQLite's like(), glob(), MySQL's mod(): operator words called as
     * functions, "select like(char(65),upper(hex(randomblob(9))))". */
    if (t->type == SQLI_T_OP && t->kw == SQLI_KW_OTHER && at(v, j + 1, '('))
        return args_strict(v, j + 2);
    size_t e = operand_end(v, j);
    return e && select_item_follow(v, e);
}

/* A statement verb at i whose continuation is SQL, not English. */
static bool stmt_plausible(const toks_t *v, size_t i)
{
    if (i >= v->n)
        return false;
    const sqli_token_t *t = &v->t[i];
    if (t->type == SQLI_T_KEYWORD && t->kw == SQLI_KW_SET)
        return at(v, i + 1, SQLI_T_VAR);
    if (t->type != SQLI_T_VERB)
        return false;
    switch (t->kw) {
    case SQLI_KW_SELECT:
        return select_plausible(v, i);
    case SQLI_KW_INSERT:
        return at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_INTO);
    case SQLI_KW_UPDATE:
        return at(v, i + 1, SQLI_T_WORD) && at_kw(v, i + 2, SQLI_T_KEYWORD, SQLI_KW_SET);
    case SQLI_KW_DELETE:
        return at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_FROM) && at(v, i + 2, SQLI_T_WORD);
    case SQLI_KW_DDL:
        /* "drop table users" then the end of the statement */
        return (at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_OBJECT) ||
                at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_PROCEDURE)) &&
               at(v, i + 2, SQLI_T_WORD) &&
               (at_end(v, i + 3) || at(v, i + 3, SQLI_T_COMMENT) || at(v, i + 3, ';') ||
                at(v, i + 3, '('));
    case SQLI_KW_TRUNCATE:
        return at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_OBJECT) || at(v, i + 1, SQLI_T_WORD);
    case SQLI_KW_EXEC:
        return at(v, i + 1, SQLI_T_WORD) || at(v, i + 1, SQLI_T_FUNC) || at(v, i + 1, SQLI_T_VAR) ||
               at(v, i + 1, '(');
    case SQLI_KW_DECLARE:
        return at(v, i + 1, SQLI_T_VAR);
    case SQLI_KW_WAITFOR:
        return at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_DELAY) && at(v, i + 2, SQLI_T_STRING);
    case SQLI_KW_SHUTDOWN:
        return at_end(v, i + 1) || at(v, i + 1, SQLI_T_COMMENT) || at(v, i + 1, ';');
    case SQLI_KW_CALL:
        return at(v, i + 1, SQLI_T_FUNC);
    default:
        return false;
    }
}

/* A whole statement as the value ("select * from users where id=1"):
 * stricter than after a break-out, since nothing else marks it as SQL. */
static size_t bare_statement(const toks_t *v, size_t i)
{
    const sqli_token_t *t = &v->t[i];
    if (t->type != SQLI_T_VERB)
        return 0;
    size_t j;
    switch (t->kw) {
    case SQLI_KW_SELECT:
        if (!select_plausible(v, i))
            return 0;
        /* ... FROM name, then the end of the statement or a clause */
        for (j = i + 1; j < v->n && j < i + 24; j++) {
            if (at_kw(v, j, SQLI_T_KEYWORD, SQLI_KW_FROM)) {
                if (!at(v, j + 1, SQLI_T_WORD))
                    return 0;
                size_t e = j + 2;
                return at_end(v, e) || at(v, e, SQLI_T_COMMENT) || at(v, e, ';') || at(v, e, ',') ||
                               at(v, e, ')') || at(v, e, SQLI_T_KEYWORD) || at(v, e, SQLI_T_UNION)
                           ? j + 2
                           : 0;
            }
        }
        return 0;
    case SQLI_KW_INSERT:
        return at_kw(v, i + 1, SQLI_T_KEYWORD, SQLI_KW_INTO) && at(v, i + 2, SQLI_T_WORD) &&
                       (at(v, i + 3, '(') || at(v, i + 3, SQLI_T_KEYWORD) ||
                        at_kw(v, i + 3, SQLI_T_VERB, SQLI_KW_SELECT))
                   ? i + 4
                   : 0;
    case SQLI_KW_UPDATE:
        return stmt_plausible(v, i) && at(v, i + 3, SQLI_T_WORD) && at(v, i + 4, SQLI_T_OP) ? i + 5
                                                                                            : 0;
    case SQLI_KW_DELETE:
        return stmt_plausible(v, i) &&
                       (at_end(v, i + 3) || at(v, i + 3, SQLI_T_COMMENT) || at(v, i + 3, ';') ||
                        at_kw(v, i + 3, SQLI_T_KEYWORD, SQLI_KW_WHERE))
                   ? i + 3
                   : 0;
    case SQLI_KW_DDL:
    case SQLI_KW_DECLARE:
    case SQLI_KW_WAITFOR:
        return stmt_plausible(v, i) ? i + 3 : 0;
    default:
        return 0;
    }
}

/* A sub-select "(select ...)" or an attack-only call at i (parens skipped). */
static size_t subquery_or_danger(const toks_t *v, size_t i)
{
    size_t j = skip(v, i, '(');
    if (j > i && at_kw(v, j, SQLI_T_VERB, SQLI_KW_SELECT) && select_plausible(v, j))
        return j + 2;
    if (at(v, j, SQLI_T_FUNC) && (v->t[j].flags & SQLI_TF_DANGER) && call_plausible(v, j))
        return j + 3;
    return 0;
}

static size_t match_union(const toks_t *v, size_t i, bool allow_bare)
{
    size_t j = skip(v, i + 1, '(');
    if (!at_kw(v, j, SQLI_T_VERB, SQLI_KW_SELECT))
        return 0;
    if (select_plausible(v, j))
        return j + 2;
    /* "/ *!union* / / *!select* /" with nothing after: only right at the
     * start, where the obfuscation itself is the signal. */
    if (allow_bare && (at_end(v, j + 1) || at(v, j + 1, SQLI_T_COMMENT)))
        return j + 1;
    return 0;
}

/* A call f(...) ending before e whose arguments hold a sub-select:
 * "exp(~(select * from ...))", "ascii(substring((select ...)))". */
static bool call_has_select(const toks_t *v, size_t f, size_t e)
{
    for (size_t i = f + 1; i < e && i < v->n; i++)
        if (at_kw(v, i, SQLI_T_VERB, SQLI_KW_SELECT) && select_plausible(v, i))
            return true;
    return false;
}

/* After AND / OR / XOR / && / ||: what turns a break-out into a condition. */
static size_t match_logic(const toks_t *v, size_t i, anchor_mode_t mode, unsigned depth)
{
    if (depth > 4)
        return 0;
    size_t k = skip(v, i, '(');
    if (at(v, k, SQLI_T_VERB))
        return stmt_plausible(v, k) ? k + 2 : 0;
    if (at(v, k, SQLI_T_FUNC) && (v->t[k].flags & SQLI_TF_DANGER) && call_plausible(v, k))
        return k + 3;
    size_t m = operand_end(v, k);
    if (!m)
        return 0;
    if (at(v, k, SQLI_T_FUNC) && call_has_select(v, k, m))
        return m;
    if (m >= v->n && at(v, k, SQLI_T_FUNC))
        return 0;
    m = skip(v, m, ')');
    if (at(v, m, SQLI_T_OP)) {
        /* "or 1=1", "and 'a'='a", "and 1=(select count(*) ...)" */
        size_t r = m + 1;
        if (at(v, r, SQLI_T_OP) && at(v, r + 1, '('))
            r++; /* "=LIKE(", "= -(" */
        if (at(v, r, SQLI_T_VERB) || operand_end(v, r))
            return r + 1 <= v->n ? r + 1 : v->n;
        return 0;
    }
    if (at(v, m, SQLI_T_LOGIC))
        return match_logic(v, m + 1, mode, depth + 1);
    if (at(v, m, SQLI_T_UNION))
        return match_union(v, m, false);
    /* "' or 1--", "' or true;": a constant truth and a truncation. */
    char c = v->t[k].type;
    if ((at(v, m, SQLI_T_COMMENT) || at(v, m, ';')) &&
        (c == SQLI_T_NUMBER || c == SQLI_T_VAR || (c == SQLI_T_FUNC && call_plausible(v, k))))
        return m + 1;
    return 0;
}

/* After the break-out, a clause keyword: ORDER BY 3, HAVING 1=1,
 * PROCEDURE ANALYSE(), INTO OUTFILE, LIMIT 1 --. */
static size_t match_clause(const toks_t *v, size_t i)
{
    if (i >= v->n)
        return 0;
    const sqli_token_t *t = &v->t[i];
    size_t j = i + 1;
    switch (t->kw) {
    case SQLI_KW_ORDER: {
        size_t e = operand_end(v, j);
        if (!e)
            return 0;
        while (at(v, e, ',') && operand_end(v, e + 1))
            e = operand_end(v, e + 1);
        bool tail = at_end(v, e) || at(v, e, SQLI_T_COMMENT) || at(v, e, ';') ||
                    at(v, e, SQLI_T_LOGIC) || at(v, e, SQLI_T_KEYWORD);
        if (at(v, e, SQLI_T_KEYWORD) && match_clause(v, e))
            return match_clause(v, e); /* "group by x having 1=1" */
        /* "order by 3" needs a number or a truncation to be SQL. */
        return tail && (at(v, j, SQLI_T_NUMBER) || at(v, e, SQLI_T_COMMENT)) ? e : 0;
    }
    case SQLI_KW_WHERE: {
        size_t e = operand_end(v, j);
        return e && at(v, e, SQLI_T_OP) && operand_end(v, e + 1) ? e + 2 : 0;
    }
    case SQLI_KW_LIMIT:
        if (!at(v, j, SQLI_T_NUMBER))
            return 0;
        j = at(v, j + 1, ',') && at(v, j + 2, SQLI_T_NUMBER) ? j + 3 : j + 1;
        return at(v, j, SQLI_T_COMMENT) || at(v, j, ';') ? j + 1 : 0;
    case SQLI_KW_PROCEDURE:
        return at_kw(v, j, SQLI_T_KEYWORD, SQLI_KW_ANALYSE) ? j + 1 : 0;
    case SQLI_KW_INTO:
        return at_kw(v, j, SQLI_T_KEYWORD, SQLI_KW_OUTFILE) ? j + 1 : 0;
    default:
        return 0;
    }
}

/* Operators that join an expression to a literal: + - * / % ^ | & and the
 * logical || && OR AND XOR (not comparisons: "'<b>'" is HTML). */
static bool joining_op(const sqli_token_t *t)
{
    if (t->type == SQLI_T_LOGIC)
        return true;
    return t->type == SQLI_T_OP && t->len == 1 && t->kw && strchr("+-*/%^|&", t->kw);
}

static bool same_op(const sqli_token_t *a, const sqli_token_t *b)
{
    return a->type == b->type && a->kw == b->kw && a->len == b->len;
}

/* Tokens [from, to) compute a value: a call that reads as code, a
 * sub-select, a variable, or two operands joined by an operator other than
 * op ("a % b" between "|"; "-a-b-" is a list of words, not arithmetic).
 * Quoted literals do not count as operands there: "'-' or '+86-'" is text
 * quoting punctuation. */
static bool computed(const toks_t *v, size_t from, size_t to, const sqli_token_t *op)
{
    for (size_t k = from; k < to; k++) {
        const sqli_token_t *t = &v->t[k];
        /* where an operand may start: not right after a value, as the
         * "@example.com" of "admin@example.com" */
        bool operand = k == from || !value_end(v->t[k - 1].type);
        switch (t->type) {
        case SQLI_T_VAR:
            if (operand)
                return true;
            break;
        case SQLI_T_FUNC:
            if (operand && call_plausible(v, k))
                return true;
            break;
        case SQLI_T_VERB:
            if (operand && t->kw == SQLI_KW_SELECT && select_plausible(v, k))
                return true;
            break;
        case SQLI_T_OP:
            if (k > from && k + 1 < to && joining_op(t) && !same_op(t, op) &&
                value_end(v->t[k - 1].type) && v->t[k - 1].type != SQLI_T_STRING &&
                is_simple_value(v->t[k + 1].type) && v->t[k + 1].type != SQLI_T_STRING)
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

/* The literal re-opened at the end of a sandwich: what the application's
 * closing quote ends. Nothing ("'"), or a word ("'Z", "'.html"); not the
 * rest of a fragment of HTML built by JavaScript ("'\">link</a>"). */
static bool reopened_tail(const toks_t *v, const sqli_token_t *s)
{
    for (size_t k = 1; k < s->len; k++) {
        unsigned char c = v->s[s->pos + k];
        if (c == '\'' || c == '"' || c == '`' || c == '<' || c == '>' || c == ' ' ||
            (c >= '\t' && c <= '\r'))
            return false;
    }
    return true;
}

/* A break-out that joins an expression to the application's literal and
 * re-opens one for the application's closing quote, so the query stays well
 * formed: "x'+version()+'", "'-alert(1)-'", "\" | a % b | \"",
 * "x')+version()+('". The joining operator at j appears again before the
 * re-opened literal (and before as many '(' as ')' closed the application's
 * parentheses after the break-out, "closed" of them), which is the last
 * token: an unterminated string in the quote of the context, or in the
 * backtick context an unterminated `name`. */
static size_t sandwich(const toks_t *v, size_t j, uint8_t quote, size_t closed)
{
    if (!joining_op(&v->t[j]) || v->n < j + 4)
        return 0;
    size_t last = v->n - 1;
    const sqli_token_t *s = &v->t[last];
    bool literal =
        s->type == SQLI_T_STRING ? s->kw == quote : s->type == SQLI_T_WORD && v->s[s->pos] == quote;
    if (!literal || !(s->flags & SQLI_TF_OPEN) || !reopened_tail(v, s))
        return 0;
    size_t o = last - 1;
    while (o > j + 2 && closed > 0 && at(v, o, '(')) {
        o--;
        closed--;
    }
    if (!same_op(&v->t[o], &v->t[j]))
        return 0;
    return computed(v, j + 1, o, &v->t[j]) ? v->n : 0;
}

static bool select_strong(const toks_t *v, size_t j);

/* An attack-only call or a sub-select right after the break-out, with
 * nothing between: "x' sleep(20) '", "x' (select .. from ..) '". Form
 * decoding turns the '+' of "x'+sleep(20)+'" into a space, while a path, a
 * JSON copy or the application itself may keep it. A sub-select must be a
 * query (select_strong), not a remark in parentheses; a call's name touches
 * its '(' ("\"Benchmark (2024)\"" is a title) and it has an argument
 * ("\"sleep()\" blocks" names a function). */
static size_t juxtaposed(const toks_t *v, size_t j)
{
    const sqli_token_t *t = &v->t[j];
    if (t->type == '(') {
        size_t k = skip(v, j, '(');
        return at_kw(v, k, SQLI_T_VERB, SQLI_KW_SELECT) && select_strong(v, k) ? k + 1 : 0;
    }
    if ((t->flags & (SQLI_TF_DANGER | SQLI_TF_MEMBER)) != SQLI_TF_DANGER || !at(v, j + 1, '(') ||
        v->t[j + 1].pos != t->pos + t->len || at(v, j + 2, ')') || !call_plausible(v, j))
        return 0;
    return j + 2;
}

/* Try every shape at anchor a. Returns the index after the matched region,
 * or 0. */
static size_t match_at(const toks_t *v, size_t a, anchor_mode_t mode)
{
    size_t i = a;
    bool empty_prefix = false;
    if (mode == ANCHOR_BARE) {
        /* The value is itself an attack expression: "(select ... sleep())",
         * "extractvalue(1,concat(0x7e,version()))". */
        size_t r = subquery_or_danger(v, a);
        if (!r)
            r = bare_statement(v, a);
        if (r)
            return r < v->n ? r : v->n;
        char c = v->t[a].type;
        if (c == SQLI_T_NUMBER || c == SQLI_T_VAR || c == SQLI_T_STRING) {
            i = a + 1;
        } else if (c == ')' || c == ';' || c == SQLI_T_UNION || c == SQLI_T_LOGIC) {
            empty_prefix = true;
        } else {
            return 0;
        }
    } else {
        i = a + 1;
    }
    size_t j = skip(v, i, ')');
    if (at_end(v, j))
        return 0;
    const sqli_token_t *t = &v->t[j];
    switch (t->type) {
    case SQLI_T_LOGIC:
        /* "or 1=1--" with nothing before it: only the comparison form */
        if (empty_prefix) {
            size_t e = match_logic(v, j + 1, mode, 0);
            bool literal = at(v, j + 1, SQLI_T_NUMBER) || at(v, j + 1, SQLI_T_STRING);
            return e && literal && is_comparison(v, j + 2) ? e : 0;
        }
        if (mode == ANCHOR_QUOTE) {
            size_t e = match_logic(v, j + 1, mode, 0);
            return e ? e : sandwich(v, j, v->t[a].kw, j - i); /* "'||version()||'" */
        }
        return match_logic(v, j + 1, mode, 0);
    case SQLI_T_UNION:
        return match_union(v, j, mode != ANCHOR_MID && empty_prefix && j == a);
    case ';':
        if (stmt_plausible(v, j + 1))
            return j + 2;
        /* "admin';--" */
        return mode == ANCHOR_QUOTE && at(v, j + 1, SQLI_T_COMMENT) ? j + 2 : 0;
    case SQLI_T_OP:
        /* "1'||(select pg_sleep(5))||'", "1 rlike (select ...)", "1-sleep(5)" */
        if (empty_prefix)
            return 0;
        if (subquery_or_danger(v, j + 1))
            return j + 2;
        return mode == ANCHOR_QUOTE ? sandwich(v, j, v->t[a].kw, j - i) : 0;
    case SQLI_T_FUNC:
    case '(':
        /* "x' sleep(20) '": right after the break-out of the quote */
        return mode == ANCHOR_QUOTE ? juxtaposed(v, j) : 0;
    case SQLI_T_VERB:
        /* MSSQL runs "' waitfor delay '0:0:5'" without a ';'. */
        return !empty_prefix && stmt_plausible(v, j) ? j + 2 : 0;
    case SQLI_T_KEYWORD:
        return mode == ANCHOR_MID || empty_prefix ? 0 : match_clause(v, j);
    case SQLI_T_COMMENT:
        /* "admin'--", "admin' #", "admin')--" */
        return mode == ANCHOR_QUOTE ? j + 1 : 0;
    default:
        return 0;
    }
}

/* ---- shapes anywhere in the value ------------------------------------- */

/* The shapes above need the break-out to sit exactly at an anchor. Scanners
 * (sqlmap first of all) prefix their payloads with the original value
 * ("test AND 7724=7724", "test) ORDER BY 1--", "test]-(SELECT 0 WHERE ..."),
 * and the database may well read that prefix as a column name or a closed
 * literal. The shapes below are therefore tried at every token, and are
 * written so that each one is SQL on its own, whatever precedes it:
 *   - a logical operator, then a comparison of two literals, or of a
 *     literal with a call or a parenthesised expression:
 *     "and 7724=7724", "or not 'a'='a", "&& 3=(select ...)",
 *     "and 3547=like(char(65),...)";
 *   - ORDER BY / GROUP BY of column numbers, then a truncating comment or
 *     ';': "order by 1--", "group by 1,2#";
 *   - an attack-only call (sleep, pg_sleep, benchmark, randomblob,
 *     dbms_pipe.receive_message...) with code-like arguments in an
 *     expression position: an argument of another call, or an operand;
 *   - an operator, then a parenthesised sub-select that has a FROM, a
 *     WHERE or a call: "+(select x where 1=1 ...)", "||(select 1 from t)".
 * English has "and", "or", "order by" and "select", but not followed by
 * "5=5", "2--" or "(char(65),...)". */

/* A literal compared with something, starting at k: the right-hand side is
 * another literal, a call with code-like arguments, a sub-select, or a
 * parenthesised expression. Returns the index after it, or 0. */
static size_t literal_comparison(const toks_t *v, size_t k)
{
    if (!at(v, k, SQLI_T_NUMBER) && !at(v, k, SQLI_T_STRING))
        return 0;
    if (!is_comparison(v, k + 1))
        return 0;
    size_t r = k + 2;
    if (at(v, r, SQLI_T_OP) && v->t[r].kw == SQLI_KW_OTHER && at(v, r + 1, '('))
        return args_strict(v, r + 2) ? r + 2 : 0; /* "=like(char(65),...)" */
    if (at_end(v, r))
        return 0;
    switch (v->t[r].type) {
    case SQLI_T_NUMBER:
    case SQLI_T_STRING:
        return r + 1;
    case SQLI_T_FUNC:
        return at(v, r + 1, '(') && args_strict(v, r + 2) ? r + 2 : 0;
    case '(':
        return args_strict(v, r + 1) ? r + 1 : 0;
    case SQLI_T_VERB:
        return at_kw(v, r, SQLI_T_VERB, SQLI_KW_SELECT) && select_plausible(v, r) ? r + 1 : 0;
    default:
        return 0;
    }
}

/* literal_comparison with = != <> LIKE...: prose compares with < and >. */
static size_t equality(const toks_t *v, size_t k)
{
    if (!at(v, k + 1, SQLI_T_OP) || v->t[k + 1].kw == '<' || v->t[k + 1].kw == '>')
        return 0;
    return literal_comparison(v, k);
}

/* A sub-select at j (SELECT) that is a query rather than a phrase: its
 * list reads as SQL and, before its group closes, it has a FROM, a WHERE,
 * a CASE or a call. */
static bool select_strong(const toks_t *v, size_t j)
{
    if (!select_plausible(v, j))
        return false;
    size_t depth = 0;
    for (size_t i = j + 1; i < v->n && i < j + HALF; i++) {
        const sqli_token_t *t = &v->t[i];
        if (t->type == '(') {
            depth++;
        } else if (t->type == ')') {
            if (depth-- == 0)
                return false;
        } else if (t->type == ';') {
            return false;
        } else if ((t->type == SQLI_T_KEYWORD &&
                    (t->kw == SQLI_KW_FROM || t->kw == SQLI_KW_WHERE || t->kw == SQLI_KW_CASE)) ||
                   (t->type == SQLI_T_FUNC && call_plausible(v, i))) {
            return true;
        }
    }
    return false;
}

/* An attack-only call at a in an expression position. */
static size_t danger_in_expr(const toks_t *v, size_t a)
{
    const sqli_token_t *t = &v->t[a];
    if ((t->flags & (SQLI_TF_DANGER | SQLI_TF_MEMBER)) != SQLI_TF_DANGER || a == 0 ||
        !at(v, a + 1, '(') || !args_strict(v, a + 2))
        return 0;
    switch (v->t[a - 1].type) {
    case SQLI_T_OP:
    case SQLI_T_LOGIC:
    case ',':
    case SQLI_T_VERB:
        return a + 2;
    case SQLI_T_KEYWORD:
        /* "from pg_sleep(5)", "then sleep(5)"; not "the function sleep(1)" */
        return v->t[a - 1].kw != SQLI_KW_OBJECT ? a + 2 : 0;
    case '(':
        /* an argument: "hex(randomblob(9))", "like(sleep(5))", "select(sleep(5))" */
        return a >= 2 && (at(v, a - 2, SQLI_T_FUNC) || at(v, a - 2, SQLI_T_OP) ||
                          at(v, a - 2, SQLI_T_KEYWORD) || at(v, a - 2, SQLI_T_VERB))
                   ? a + 2
                   : 0;
    default:
        return 0;
    }
}

/* An operator at a, then a parenthesised sub-select. */
static size_t operator_subselect(const toks_t *v, size_t a)
{
    size_t j = skip(v, a + 1, '(');
    return j > a + 1 && at_kw(v, j, SQLI_T_VERB, SQLI_KW_SELECT) && select_strong(v, j) ? j + 1 : 0;
}

/* A call whose first argument is a comparison of literals: the
 * conditionals of blind injection, "if(1=1,sleep(5),0)", "make_set(3=4,1)",
 * "iif(2=3,1,1/0)". A doubled "==" is program code ("assert(1==1)"). */
static size_t conditional_call(const toks_t *v, size_t k)
{
    if (!at(v, k, SQLI_T_FUNC) || !at(v, k + 1, '(') ||
        (at(v, k + 3, SQLI_T_OP) && v->t[k + 3].len == 2 && v->t[k + 3].kw == '='))
        return 0;
    return equality(v, skip(v, k + 1, '('));
}

static size_t match_anywhere(const toks_t *v, size_t a)
{
    const sqli_token_t *t = &v->t[a];
    size_t j;
    switch (t->type) {
    case SQLI_T_LOGIC:
        /* "and 1=1", "or (3=3", "and make_set(1=2,2)", "||(select ...)" */
        j = skip(v, a + 1, '(');
        if (at(v, j, SQLI_T_FUNC))
            return conditional_call(v, j);
        j = equality(v, j);
        return j ? j : operator_subselect(v, a);
    case SQLI_T_OP:
    case ',':
        return operator_subselect(v, a);
    case SQLI_T_KEYWORD:
        switch (t->kw) {
        case SQLI_KW_ORDER:
            if (!at(v, a + 1, SQLI_T_NUMBER))
                return 0;
            j = a + 2;
            while (at(v, j, ',') && at(v, j + 1, SQLI_T_NUMBER))
                j += 2;
            if (at_kw(v, j, SQLI_T_KEYWORD, SQLI_KW_OTHER))
                j++; /* ASC, DESC */
            /* The comment touches the number ("1--", "1#"): prose puts
             * spaces around a dash ("order by 2 -- see notes"). */
            if (at(v, j, SQLI_T_COMMENT) && v->t[j].pos == v->t[j - 1].pos + v->t[j - 1].len)
                return j + 1;
            return at(v, j, ';') ? j + 1 : 0;
        case SQLI_KW_WHERE:
            /* "having 1=1", "where 5=5"; not "where 2 > 1" */
            return equality(v, skip(v, a + 1, '('));
        case SQLI_KW_CASE:
            /* "case when 1=2 then", "case when (3=3)" */
            return at(v, a + 1, SQLI_T_KEYWORD) ? equality(v, skip(v, a + 2, '(')) : 0;
        case SQLI_KW_PROCEDURE:
            return match_clause(v, a);
        default:
            return 0;
        }
    case SQLI_T_VERB:
        /* "' waitfor delay '0:0:5'" with no ';' */
        return t->kw == SQLI_KW_WAITFOR && stmt_plausible(v, a) ? a + 3 : 0;
    case SQLI_T_FUNC:
        return danger_in_expr(v, a);
    default:
        return 0;
    }
}

/* After a ';' that ends a value: a statement, "(select ...)" or a
 * conditional statement "if(1=2) select 1 else drop function x" (the verb
 * it needs is also what lets the value through may_match). */
static size_t stacked(const toks_t *v, size_t i)
{
    if (stmt_plausible(v, i))
        return i + 1;
    size_t j = skip(v, i, '(');
    if (j > i && at_kw(v, j, SQLI_T_VERB, SQLI_KW_SELECT) && select_plausible(v, j))
        return j + 1;
    if (!conditional_call(v, i))
        return 0;
    j = skip_group(v, i + 1);
    return at(v, j, SQLI_T_VERB) ? j + 1 : 0;
}

/* ---- folding window ---------------------------------------------------- */

typedef struct {
    sqli_token_t t[WINDOW];
    size_t n;
    size_t base;      /* stream index of t[0] */
    size_t next_eval; /* first window index whose anchors are not yet tried */
    bool comment_pending;
    bool nest_pending; /* a SQLI_TF_NESTED comment since the last token */
    const unsigned char *input;
    size_t comment_pos, comment_end;
    char ctx;
    /* result */
    bool hit;
    size_t hit_from, hit_to; /* byte range of the match */
    sqli_token_t hit_tok[RP_FINGERPRINT_MAX];
    size_t hit_ntok;
} scan_t;

/* Set by the fold on the first token after a nesting comment (a flag bit
 * the lexer does not use). */
#define TF_AFTER_NEST 0x80
_Static_assert(!(TF_AFTER_NEST &
                 (SQLI_TF_DANGER | SQLI_TF_OPEN | SQLI_TF_UNARY | SQLI_TF_MEMBER | SQLI_TF_NESTED)),
               "TF_AFTER_NEST collides with a lexer flag");

/* UNION right after a comment that nests ("/ * / * /2 union all"), or after
 * the value that follows it. Such a comment ends in one place for MySQL and
 * in another for PostgreSQL and MSSQL: written so that a lexer of one
 * dialect misses the keyword the other runs. As with a UNION hidden in
 * versioned comments, the obfuscation itself is the signal, so no SELECT is
 * required after it. */
static bool union_after_nesting(const toks_t *v, size_t a)
{
    if (v->t[a].flags & TF_AFTER_NEST)
        return true;
    return a > 0 && (v->t[a - 1].flags & TF_AFTER_NEST) && is_simple_value(v->t[a - 1].type);
}

static void record_hit(scan_t *sc, const toks_t *v, size_t a, size_t end)
{
    if (end > v->n)
        end = v->n;
    if (end <= a)
        end = a + 1;
    sc->hit = true;
    sc->hit_ntok = 0;
    for (size_t k = a; k < end && sc->hit_ntok < RP_FINGERPRINT_MAX - 1; k++)
        sc->hit_tok[sc->hit_ntok++] = v->t[k];
    sc->hit_from = v->t[a].pos;
    sc->hit_to = v->t[end - 1].pos + v->t[end - 1].len;
}

/* Try the anchors in [next_eval, upto). */
static bool evaluate(scan_t *sc, size_t upto)
{
    toks_t v = {sc->t, sc->n, sc->input};
    for (size_t a = sc->next_eval; a < upto; a++) {
        const sqli_token_t *t = &sc->t[a];
        size_t end = 0;
        if (sc->base == 0 && a == 0) {
            end = match_at(&v, 0, sc->ctx ? ANCHOR_QUOTE : ANCHOR_BARE);
        } else if (t->type == SQLI_T_STRING) {
            end = match_at(&v, a, ANCHOR_MID);
        } else if (t->type == SQLI_T_UNION) {
            end = match_union(&v, a, false);
        } else if (t->type == ';' && a > 0 && value_end(sc->t[a - 1].type)) {
            end = stacked(&v, a + 1);
        }
        if (!end)
            end = match_anywhere(&v, a);
        if (!end && t->type == SQLI_T_UNION && union_after_nesting(&v, a))
            end = a + 1;
        if (end) {
            record_hit(sc, &v, a, end);
            return true;
        }
    }
    sc->next_eval = upto;
    return false;
}

static void append(scan_t *sc, const sqli_token_t *tok)
{
    sqli_token_t *prev = sc->n ? &sc->t[sc->n - 1] : NULL;
    /* ORDER BY, GROUP BY: one clause token. */
    if (prev && tok->type == SQLI_T_KEYWORD && tok->kw == SQLI_KW_BY &&
        prev->type == SQLI_T_KEYWORD && prev->kw == SQLI_KW_ORDER) {
        prev->len = tok->pos + tok->len - prev->pos;
        return;
    }
    /* UNION ALL / UNION DISTINCT */
    if (prev && prev->type == SQLI_T_UNION && tok->type == SQLI_T_KEYWORD &&
        tok->kw == SQLI_KW_MODIFIER) {
        prev->len = tok->pos + tok->len - prev->pos;
        return;
    }
    /* PostgreSQL "value::type" is the value. */
    if (prev && prev->type == SQLI_T_OP && prev->kw == ':' && prev->len == 2 &&
        (tok->type == SQLI_T_WORD || tok->type == SQLI_T_KEYWORD) && sc->n >= 2 &&
        value_end(sc->t[sc->n - 2].type)) {
        sc->n--;
        return;
    }
    /* A unary + - ~ before an operand: drop it ("-1", "~(select"). It is
     * unary when nothing that ends a value precedes it. */
    if (prev && prev->type == SQLI_T_OP && (prev->flags & SQLI_TF_UNARY) &&
        (is_simple_value(tok->type) || tok->type == '(' || tok->type == SQLI_T_FUNC) &&
        (sc->n < 2 || !value_end(sc->t[sc->n - 2].type))) {
        sqli_token_t keep = *tok;
        keep.len = tok->pos + tok->len - prev->pos;
        keep.pos = prev->pos;
        keep.flags |= prev->flags & TF_AFTER_NEST;
        *prev = keep;
        return;
    }
    sc->t[sc->n++] = *tok;
}

/* Feed one lexer token through the fold. Returns true on a match. */
static bool push(scan_t *sc, const sqli_token_t *tok)
{
    if (tok->type == SQLI_T_COMMENT) {
        sc->comment_pending = true;
        sc->comment_pos = tok->pos;
        sc->comment_end = tok->pos + tok->len;
        sc->nest_pending |= (tok->flags & SQLI_TF_NESTED) != 0;
        return false;
    }
    if (tok->kw == SQLI_KW_NOT && (tok->type == SQLI_T_OP))
        return false; /* NOT / ! never changes the shape of an injection */
    sc->comment_pending = false;
    if (sc->nest_pending && tok->type == SQLI_T_OP && tok->len == 1 &&
        (tok->kw == '*' || tok->kw == '/')) {
        /* the rest of a closer, to MySQL: "/ * / * * / * /union" reads
         * "* / union" there, and "union" to PostgreSQL */
        append(sc, tok);
    } else if (sc->nest_pending) {
        sqli_token_t t = *tok;
        t.flags |= TF_AFTER_NEST;
        sc->nest_pending = false;
        append(sc, &t);
    } else {
        append(sc, tok);
    }
    if (sc->n < WINDOW)
        return false;
    /* Full: try the first half with at least HALF tokens of look-ahead, then
     * slide. */
    if (evaluate(sc, HALF))
        return true;
    memmove(sc->t, sc->t + HALF, HALF * sizeof(sc->t[0]));
    sc->n = HALF;
    sc->base += HALF;
    sc->next_eval = 0;
    return false;
}

static bool finish(scan_t *sc)
{
    if (sc->comment_pending && sc->n > 0) {
        sqli_token_t c = {sc->comment_pos, sc->comment_end - sc->comment_pos, SQLI_T_COMMENT,
                          SQLI_KW_NONE, 0};
        if (sc->n == WINDOW) {
            if (evaluate(sc, HALF))
                return true;
            memmove(sc->t, sc->t + HALF, HALF * sizeof(sc->t[0]));
            sc->n = HALF;
            sc->base += HALF;
            sc->next_eval = 0;
        }
        sc->t[sc->n++] = c;
    }
    return evaluate(sc, sc->n);
}

static bool scan_context(const char *input, size_t len, char ctx, scan_t *sc)
{
    sqli_lexer_t lx;
    sqli_token_t tok;
    sqli_lexer_init(&lx, input, len, ctx);
    sc->n = 0;
    sc->base = 0;
    sc->next_eval = 0;
    sc->comment_pending = false;
    sc->nest_pending = false;
    sc->input = (const unsigned char *)input;
    sc->ctx = ctx;
    sc->hit = false;
    while (sqli_lexer_next(&lx, &tok)) {
        if (push(sc, &tok))
            return true;
    }
    return finish(sc);
}

/* ---- pre-check --------------------------------------------------------- */

/* Bytes that SQL needs to leave a literal or build an expression. A value
 * without any of them is words and numbers only. */
/* Byte classes for the first pre-check: one table lookup per byte. */
enum { SQL_PUNCT = 1, SQL_DIGIT = 2, SQL_ALPHA = 4 };
static const unsigned char sql_class[256] = {
    ['\''] = SQL_PUNCT, ['"'] = SQL_PUNCT, ['`'] = SQL_PUNCT, [';'] = SQL_PUNCT, ['('] = SQL_PUNCT,
    [')'] = SQL_PUNCT,  ['#'] = SQL_PUNCT, ['-'] = SQL_PUNCT, ['/'] = SQL_PUNCT, ['*'] = SQL_PUNCT,
    ['='] = SQL_PUNCT,  ['<'] = SQL_PUNCT, ['>'] = SQL_PUNCT, ['!'] = SQL_PUNCT, ['|'] = SQL_PUNCT,
    ['&'] = SQL_PUNCT,  ['@'] = SQL_PUNCT, [','] = SQL_PUNCT, ['+'] = SQL_PUNCT, ['%'] = SQL_PUNCT,
    ['^'] = SQL_PUNCT,  ['~'] = SQL_PUNCT, [':'] = SQL_PUNCT, ['['] = SQL_PUNCT, ['$'] = SQL_PUNCT,
    ['\\'] = SQL_PUNCT, ['.'] = SQL_PUNCT, ['0'] = SQL_DIGIT, ['1'] = SQL_DIGIT, ['2'] = SQL_DIGIT,
    ['3'] = SQL_DIGIT,  ['4'] = SQL_DIGIT, ['5'] = SQL_DIGIT, ['6'] = SQL_DIGIT, ['7'] = SQL_DIGIT,
    ['8'] = SQL_DIGIT,  ['9'] = SQL_DIGIT, ['a'] = SQL_ALPHA, ['b'] = SQL_ALPHA, ['c'] = SQL_ALPHA,
    ['d'] = SQL_ALPHA,  ['e'] = SQL_ALPHA, ['f'] = SQL_ALPHA, ['g'] = SQL_ALPHA, ['h'] = SQL_ALPHA,
    ['i'] = SQL_ALPHA,  ['j'] = SQL_ALPHA, ['k'] = SQL_ALPHA, ['l'] = SQL_ALPHA, ['m'] = SQL_ALPHA,
    ['n'] = SQL_ALPHA,  ['o'] = SQL_ALPHA, ['p'] = SQL_ALPHA, ['q'] = SQL_ALPHA, ['r'] = SQL_ALPHA,
    ['s'] = SQL_ALPHA,  ['t'] = SQL_ALPHA, ['u'] = SQL_ALPHA, ['v'] = SQL_ALPHA, ['w'] = SQL_ALPHA,
    ['x'] = SQL_ALPHA,  ['y'] = SQL_ALPHA, ['z'] = SQL_ALPHA, ['A'] = SQL_ALPHA, ['B'] = SQL_ALPHA,
    ['C'] = SQL_ALPHA,  ['D'] = SQL_ALPHA, ['E'] = SQL_ALPHA, ['F'] = SQL_ALPHA, ['G'] = SQL_ALPHA,
    ['H'] = SQL_ALPHA,  ['I'] = SQL_ALPHA, ['J'] = SQL_ALPHA, ['K'] = SQL_ALPHA, ['L'] = SQL_ALPHA,
    ['M'] = SQL_ALPHA,  ['N'] = SQL_ALPHA, ['O'] = SQL_ALPHA, ['P'] = SQL_ALPHA, ['Q'] = SQL_ALPHA,
    ['R'] = SQL_ALPHA,  ['S'] = SQL_ALPHA, ['T'] = SQL_ALPHA, ['U'] = SQL_ALPHA, ['V'] = SQL_ALPHA,
    ['W'] = SQL_ALPHA,  ['X'] = SQL_ALPHA, ['Y'] = SQL_ALPHA, ['Z'] = SQL_ALPHA,
};

static bool contains_union(const char *s, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++) {
        if ((s[i] | 0x20) == 'u' && (s[i + 1] | 0x20) == 'n' && (s[i + 2] | 0x20) == 'i' &&
            (s[i + 3] | 0x20) == 'o' && (s[i + 4] | 0x20) == 'n')
            return true;
    }
    return false;
}

static bool might_be_sqli(const char *input, size_t len)
{
    const unsigned char *s = (const unsigned char *)input;
    unsigned seen = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned cls = sql_class[s[i]];
        if (cls & SQL_PUNCT)
            return true;
        seen |= cls;
    }
    /* Words and numbers only: "1 union select 2", "1 order by 3" need a
     * digit and a letter; letters alone only matter with UNION. */
    if (seen == (SQL_DIGIT | SQL_ALPHA))
        return true;
    return (seen & SQL_ALPHA) && contains_union(input, len);
}

/* Second, finer pre-check, derived from the shapes above rather than from
 * byte classes. Every shape needs one of these tokens, and nothing else
 * makes a match:
 *   - a statement verb, UNION/INTERSECT/EXCEPT, AND/OR/XOR or a clause
 *     keyword that match_clause / stmt_plausible / match_anywhere accept
 *     (ORDER, GROUP, WHERE, HAVING, LIMIT, PROCEDURE, INTO, SET, CASE);
 *   - a call flagged SQLI_TF_DANGER;
 *   - "&&" or "||" (the other spellings of LOGIC);
 *   - in a quote context only, a comment after the closure ("admin'--",
 *     "admin';#"), which needs a quote and '#', "--" or slash-star;
 *   - or, in a quote context only, a joining operator right after the
 *     closure with the quote re-opened at the end (sandwich(), checked by
 *     sandwich_possible: it needs no keyword at all, "'-alert(1)-'").
 * Browser headers (User-Agent, Accept, Referer), cookies and most text have
 * none of them, and this scan is far cheaper than lexing the value in up to
 * four contexts. Over-approximating only costs time: such values are lexed.
 *
 * Words are found without the lexer. A keyword or dangerous-name token ends
 * where a run of word bytes ends ('.' ends a run here: it splits dotted
 * names into the segments the danger check looks at). It starts where the
 * run starts, or inside the run only after a '$' (end of a $tag$ string, a
 * lone '$') or right after a number or $1 variable that itself started at
 * one of those places ("1union", "0x7eunion", "$1sleep("); anywhere else
 * the lexer reads the whole run as one word. Candidates are classified by
 * the lexer's own tables and number rule, so the two cannot drift apart. */

/* The lexer's word bytes: letters, digits, '_', '$' and >= 0x80. */
/* Bytes of a word run for the pre-check: letters, digits, '_', '$' and
 * every non-ASCII byte. One lookup per byte on the hottest loop. */
static const unsigned char word_byte[256] = {
#define R8(x) x, x, x, x, x, x, x, x
    /* 0x00-0x1f */ R8(0),
    R8(0),
    R8(0),
    R8(0),
    /* ' '..'#' */ 0,
    0,
    0,
    0,
    /* '$' */ 1,
    /* '%'..'/' */ 0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    /* '0'-'9' */ R8(1),
    1,
    1,
    /* ':'..'@' */ 0,
    0,
    0,
    0,
    0,
    0,
    0,
    /* 'A'-'Z' */ R8(1),
    R8(1),
    R8(1),
    1,
    1,
    /* '['..'^' */ 0,
    0,
    0,
    0,
    /* '_' */ 1,
    /* '`' */ 0,
    /* 'a'-'z' */ R8(1),
    R8(1),
    R8(1),
    1,
    1,
    /* '{'..DEL */ 0,
    0,
    0,
    0,
    0,
    /* 0x80-0xff */ R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
    R8(1),
#undef R8
};

static bool is_word_byte(unsigned char c)
{
    return word_byte[c];
}

static bool is_letter(unsigned char c)
{
    return sql_class[c] & SQL_ALPHA;
}

/* Longest keyword or dangerous name, in bytes (the lexer looks up words
 * shorter than 16 bytes only). */
#define TRIGGER_MAX 15

/* Is the token that would start at k (ending at the end of its run) one
 * that a shape needs? */
/* Does a classified name start a shape the matcher can fire on? */
static bool trigger_class(unsigned cls, char type, uint8_t kw)
{
    if (cls & SQLI_NAME_DANGER)
        return true;
    if (!(cls & SQLI_NAME_KEYWORD))
        return false;
    switch (type) {
    case SQLI_T_VERB:
    case SQLI_T_UNION:
    case SQLI_T_LOGIC:
        return true;
    case SQLI_T_KEYWORD:
        return kw == SQLI_KW_SET || kw == SQLI_KW_ORDER || kw == SQLI_KW_WHERE ||
               kw == SQLI_KW_LIMIT || kw == SQLI_KW_PROCEDURE || kw == SQLI_KW_INTO ||
               kw == SQLI_KW_CASE;
    default:
        return false;
    }
}

/*
 * Words in ordinary values (User-Agent tokens, names, ids) are almost never
 * triggers, yet classifying each one costs a lower-casing and two binary
 * searches. A 4096-bit set of hashes of the trigger words, built once from
 * the lexer's own tables with trigger_class itself, rejects nearly all of
 * them first; a set bit only sends the word on to the exact check, so the
 * filter can never change a verdict.
 */
#define TRIGGER_HASH_BITS 4096u
static uint64_t trigger_hashes[TRIGGER_HASH_BITS / 64];
static pthread_once_t trigger_hashes_once = PTHREAD_ONCE_INIT;

static unsigned word_hash(const unsigned char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (s[i] | 0x20u)) * 16777619u;
    return (h ^ (h >> 15)) & (TRIGGER_HASH_BITS - 1);
}

static void trigger_hash_add(const char *name, void *ctx)
{
    (void)ctx;
    size_t n = strlen(name);
    char type = 0;
    uint8_t kw = 0;
    unsigned cls = sqli_name_class(name, n, &type, &kw);
    if (trigger_class(cls, type, kw)) {
        unsigned h = word_hash((const unsigned char *)name, n);
        trigger_hashes[h / 64] |= 1ull << (h % 64);
    }
}

static void trigger_hashes_build(void)
{
    sqli_names_each(trigger_hash_add, NULL);
}

/* May the word at k be a trigger? Exact for names of trigger_class. end
 * is where the run of word bytes holding k ends, when the caller knows it,
 * else 0 to find it here. trigger_hashes must be built (may_match). */
static bool trigger_at(const char *input, size_t len, size_t k, size_t end)
{
    const unsigned char *s = (const unsigned char *)input;
    if (k >= len || !is_letter(s[k]))
        return false; /* every keyword and dangerous name starts with one */
    size_t e = end;
    if (!e) {
        e = k + 1;
        while (e < len && e - k <= TRIGGER_MAX && is_word_byte(s[e]))
            e++;
    }
    size_t n = e - k;
    if (n < 2 || n > TRIGGER_MAX)
        return false;
    unsigned h = word_hash(s + k, n);
    if (!(trigger_hashes[h / 64] & (1ull << (h % 64))))
        return false;
    char type = 0;
    uint8_t kw = 0;
    unsigned cls = sqli_name_class(input + k, n, &type, &kw);
    return trigger_class(cls, type, kw);
}

/* A token starts at t, inside a run of word bytes ending at end: check
 * it, and what may follow a number there. */
static bool trigger_from(const char *input, size_t len, size_t t, size_t end)
{
    const unsigned char *s = (const unsigned char *)input;
    if (s[t] >= '0' && s[t] <= '9') {
        size_t d = t;
        while (d < len && s[d] >= '0' && s[d] <= '9')
            d++; /* where a $1 variable ends */
        /* A number only runs on past its digits through '.' or a letter
         * (0x, 0b, e): otherwise both candidate ends are d, which is not a
         * letter, and neither can start a trigger. Skips the number scan
         * for the many plain numbers of ordinary values. */
        if (d >= len || (s[d] != '.' && !is_letter(s[d])))
            return false;
        /* A number may end past the run ("1.e5union"): scan there. */
        return trigger_at(input, len, d, end) ||
               trigger_at(input, len, sqli_number_end(input, len, t), 0);
    }
    return trigger_at(input, len, t, end);
}

/* Joining operators (joining_op) for the pre-check of sandwich(), one bit
 * each, and the bytes that may start its computed middle. */
enum { PRE_CALL_OR_VAR = 0x100 };
static const unsigned short pre_bits[256] = {
    ['+'] = 0x01,
    ['-'] = 0x02,
    ['*'] = 0x04,
    ['/'] = 0x08,
    ['%'] = 0x10,
    ['^'] = 0x20,
    ['|'] = 0x40,
    ['&'] = 0x80,
    ['('] = PRE_CALL_OR_VAR,
    ['@'] = PRE_CALL_OR_VAR,
    ['$'] = PRE_CALL_OR_VAR,
};

/* The one shape whose tokens need no trigger word: sandwich() in the
 * context of quote q ("x'+version()+'", "\" | a % b | \""). It needs q
 * twice, a joining operator first after the closure (skipping what the
 * fold skips: comments, NOT, and the ')' match_at passes over) and a
 * computed middle, which needs '(' (a call or a sub-select), a variable
 * ('@', '$') or a second joining operator. Exact about the first token,
 * which the lexer reads here, so only such values are lexed in full. Run
 * only for values with a repeated quote, so its byte scan costs the others
 * nothing. */
static bool sandwich_possible(const char *input, size_t len, unsigned quotes2)
{
    static const char q[] = {'\'', '"', '`'};
    unsigned pre = 0;
    for (size_t i = 0; i < len; i++)
        pre |= pre_bits[(unsigned char)input[i]];
    unsigned joins = pre & 0xff;
    if (!joins || (!(pre & PRE_CALL_OR_VAR) && !(joins & (joins - 1))))
        return false;
    for (size_t k = 0; k < sizeof(q); k++) {
        if (!(quotes2 & (1u << k)))
            continue;
        sqli_lexer_t lx;
        sqli_token_t tok;
        sqli_lexer_init(&lx, input, len, q[k]);
        if (!sqli_lexer_next(&lx, &tok))
            continue;
        while (sqli_lexer_next(&lx, &tok)) {
            if (tok.type == SQLI_T_COMMENT || tok.type == ')' ||
                (tok.type == SQLI_T_OP && tok.kw == SQLI_KW_NOT))
                continue;
            if (joining_op(&tok))
                return true;
            break;
        }
    }
    return false;
}

static bool may_match(const char *input, size_t len)
{
    const unsigned char *s = (const unsigned char *)input;
    bool quote = false, comment = false;
    unsigned quotes1 = 0, quotes2 = 0;
    size_t i = 0;
    pthread_once(&trigger_hashes_once, trigger_hashes_build);
    while (i < len) {
        unsigned char c = s[i];
        if (is_word_byte(c)) {
            /* One scan per run; words may also start after a '$'. */
            size_t e = i + 1;
            bool dollar = c == '$';
            while (e < len && is_word_byte(s[e]))
                dollar |= s[e++] == '$';
            if (trigger_from(input, len, i, e))
                return true;
            for (size_t k = i + 1; dollar && k < e; k++)
                if (s[k - 1] == '$' && trigger_from(input, len, k, e))
                    return true;
            i = e;
            continue;
        }
        unsigned char d = i + 1 < len ? s[i + 1] : 0;
        if ((c == '|' || c == '&') && d == c)
            return true;
        if (c == '\'' || c == '"' || c == '`') {
            unsigned b = c == '\'' ? 1u : c == '"' ? 2u : 4u;
            quotes2 |= quotes1 & b;
            quotes1 |= b;
            quote = true;
        } else if (c == '#' || (c == '-' && d == '-') || (c == '/' && d == '*')) {
            comment = true;
        }
        i++;
    }
    return (quote && comment) || (quotes2 && sandwich_possible(input, len, quotes2));
}

bool rp_detect_sqli(const char *input, size_t len, rp_detect_result_t *out)
{
    static const char contexts[] = {0, '\'', '"', '`'};
    if (!input || len == 0 || !might_be_sqli(input, len) || !may_match(input, len))
        return false;
    scan_t sc;
    for (size_t k = 0; k < sizeof(contexts); k++) {
        char ctx = contexts[k];
        if (ctx && !memchr(input, ctx, len))
            continue; /* nothing to break out of */
        if (!scan_context(input, len, ctx, &sc))
            continue;
        if (out) {
            size_t n = 0;
            for (; n < sc.hit_ntok; n++)
                out->fingerprint[n] = sc.hit_tok[n].type;
            out->fingerprint[n] = '\0';
            out->offset = sc.hit_from;
            out->length = sc.hit_to - sc.hit_from;
        }
        return true;
    }
    return false;
}
