/*
 * detect_nosql.c — rp_detect_nosql(): does this value turn a MongoDB-style
 * query into one the attacker wrote?
 *
 * Two shapes:
 *
 *   query operators where data was expected
 *       {"$ne": null}, {"$gt": ""}, ', $or: [ {}, {...   (operator as an
 *       object key: "$name" then ':'), user[$ne]=1 and password[$regex]=.*
 *       (the bracket syntax PHP and Express qs turn into an object). A JSON
 *       body key that is an operator is judged by rp_detect_nosql_key(),
 *       which the transaction calls with the key alone. "$5", "US$100" or
 *       "$next:" are not operators: only MongoDB's query and update
 *       operator names count.
 *   server-side JavaScript ($where, mapReduce, db.eval)
 *       db.users.insert(...), db.getCollection('x').drop(), this.password
 *       .match(/.../), ;var d=new Date(); do{...}while(...) and sleep(5000)
 *       after a quote or ';' (timing probes), '; return true; var x=' and
 *       '; return '' == ' (a predicate that is always true).
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

static const char *const operators[] = {
    "ne",        "eq",    "gt",     "gte",        "lt",          "lte",    "in",
    "nin",       "and",   "or",     "nor",        "not",         "exists", "type",
    "regex",     "where", "expr",   "jsonSchema", "mod",         "all",    "size",
    "elemMatch", "text",  "search", "function",   "accumulator", "set",    "unset",
    "inc",       "push",  "rename", "lookup",     "match",       NULL,
};

/* s[0] is '$': the length of "$operator" when an operator name follows and
 * ends there, else 0. */
static size_t operator_at(const char *s, size_t n)
{
    size_t k = 1;
    const char *const *op;

    while (k < n && k < 24 && du_is_alpha((unsigned char)s[k])) {
        k++;
    }
    if (k == 1 || (k < n && (du_is_ident((unsigned char)s[k]) || s[k] == '$'))) {
        return 0;
    }
    for (op = operators; *op; op++) {
        if (strlen(*op) == k - 1 && memcmp(s + 1, *op, k - 1) == 0) {
            return k;
        }
    }
    return 0;
}

bool rp_detect_nosql_key(const char *key, size_t len)
{
    return len > 1 && key[0] == '$' && operator_at(key, len) == len;
}

/* "$op" then optional quote and blanks then ':' — an object key. */
static bool operator_key(const char *s, size_t n, size_t i, size_t *end)
{
    size_t k = operator_at(s + i, n - i), j;

    if (k == 0) {
        return false;
    }
    if (i > 0) {
        unsigned char p = (unsigned char)s[i - 1];
        if (du_is_ident(p) || p == '$' || p == '.' || p >= 0x80) {
            return false;
        }
    }
    j = i + k;
    if (j < n && (s[j] == '"' || s[j] == '\'')) {
        j++;
    }
    while (j < n && (s[j] == ' ' || s[j] == '\t')) {
        j++;
    }
    if (j < n && s[j] == ':') {
        *end = j + 1;
        return true;
    }
    /* user[$ne]=1 */
    if (i > 0 && s[i - 1] == '[' && i + k < n && s[i + k] == ']') {
        *end = i + k + 1;
        return true;
    }
    return false;
}

static const char *const db_methods[] = {
    "insert",
    "insertOne",
    "insertMany",
    "find",
    "findOne",
    "remove",
    "drop",
    "update",
    "updateOne",
    "updateMany",
    "deleteOne",
    "deleteMany",
    "save",
    "aggregate",
    "mapReduce",
    "count",
    "distinct",
    "createIndex",
    "renameCollection",
    "findAndModify",
    NULL,
};

static const char *const db_functions[] = {
    "getCollection(", "dropDatabase(", "getSiblingDB(", "eval(",           "getCollectionNames(",
    "adminCommand(",  "runCommand(",   "getMongo(",     "shutdownServer(", NULL,
};

static size_t ident_len(const char *s, size_t n)
{
    size_t k = 0;

    while (k < n && k < 64 && (du_is_ident((unsigned char)s[k]) || s[k] == '$')) {
        k++;
    }
    return k;
}

/* db.<collection>.<method>(  or  db.<function>( */
static bool db_call(const char *s, size_t n, size_t i, size_t *end)
{
    size_t k = i + 3, l;
    const char *const *m;

    if (i > 0 && (du_is_ident((unsigned char)s[i - 1]) || s[i - 1] == '.')) {
        return false;
    }
    for (m = db_functions; *m; m++) {
        if (du_prefix(s + k, n - k, *m)) {
            *end = k + strlen(*m);
            return true;
        }
    }
    l = ident_len(s + k, n - k);
    if (l == 0 || k + l >= n || s[k + l] != '.') {
        return false;
    }
    k += l + 1;
    l = ident_len(s + k, n - k);
    for (m = db_methods; *m; m++) {
        if (strlen(*m) == l && memcmp(s + k, *m, l) == 0 && k + l < n && s[k + l] == '(') {
            *end = k + l + 1;
            return true;
        }
    }
    return false;
}

/* this.<field> compared or matched: a $where predicate. */
static bool this_predicate(const char *s, size_t n, size_t i, size_t *end)
{
    size_t k = i + 5, l;

    if (i > 0 && (du_is_ident((unsigned char)s[i - 1]) || s[i - 1] == '.')) {
        return false;
    }
    l = ident_len(s + k, n - k);
    if (l == 0) {
        return false;
    }
    k += l;
    while (k < n && s[k] == ' ') {
        k++;
    }
    if (du_prefix(s + k, n - k, ".match(") || du_prefix(s + k, n - k, "==") ||
        du_prefix(s + k, n - k, "!=") || du_prefix(s + k, n - k, ".startsWith(") ||
        du_prefix(s + k, n - k, ".indexOf(") || du_prefix(s + k, n - k, ".length")) {
        *end = k + 2;
        return true;
    }
    return false;
}

/* After a quote, ';' or '{' (a statement boundary of injected code), and
 * blanks: the position of the next token, or n. */
static bool after_statement_break(const char *s, size_t i)
{
    size_t k = i;

    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) {
        k--;
    }
    return k == 0 || s[k - 1] == ';' || s[k - 1] == '\'' || s[k - 1] == '"' || s[k - 1] == '{' ||
           s[k - 1] == '|' || s[k - 1] == '&';
}

/* Timing probes and control flow of injected JavaScript. */
static bool js_statement(const char *s, size_t n, size_t i, size_t *end, const char **fp)
{
    size_t k;

    if (i > 0 && du_is_ident((unsigned char)s[i - 1])) {
        return false;
    }
    if (du_prefix(s + i, n - i, "sleep(") && after_statement_break(s, i)) {
        k = i + 6;
        if (k < n && du_is_digit((unsigned char)s[k])) {
            *end = k;
            *fp = "sleep";
            return true;
        }
    }
    {
        static const char *const loops[] = {"while(true)", "while (true)", "while(1)", NULL};
        for (const char *const *lp = loops; *lp; lp++) {
            if (du_prefix(s + i, n - i, *lp)) {
                *end = i + strlen(*lp);
                *fp = "loop";
                return true;
            }
        }
    }
    if (du_prefix(s + i, n - i, "do{") || du_prefix(s + i, n - i, "do {")) {
        /* do { ... } while( : a busy loop */
        size_t lim = i + 256 < n ? i + 256 : n;
        for (k = i + 3; k + 6 <= lim; k++) {
            if (s[k] == '}') {
                size_t j = k + 1;
                while (j < lim && s[j] == ' ') {
                    j++;
                }
                if (du_prefix(s + j, lim - j, "while(") || du_prefix(s + j, lim - j, "while (")) {
                    *end = j + 6;
                    *fp = "loop";
                    return true;
                }
                break;
            }
        }
    }
    if (du_prefix(s + i, n - i, "return ") && after_statement_break(s, i)) {
        k = i + 7;
        while (k < n && s[k] == ' ') {
            k++;
        }
        size_t lim = n - k < 24 ? n - k : 24;
        if (du_prefix(s + k, n - k, "true") || du_prefix(s + k, n - k, "1") ||
            du_prefix(s + k, n - k, "this.") || du_prefix(s + k, n - k, "db.") ||
            du_find_ci(s + k, lim, "==") < lim || du_find_ci(s + k, lim, "!=") < lim) {
            *end = k + 4 < n ? k + 4 : n;
            *fp = "return";
            return true;
        }
    }
    if (du_prefix(s + i, n - i, "var ") && i > 0 && after_statement_break(s, i)) {
        /* ;var x = new Date() : statements after a break-out */
        k = i + 4;
        k += ident_len(s + k, n - k);
        while (k < n && s[k] == ' ') {
            k++;
        }
        if (k < n && s[k] == '=' &&
            du_find_ci(s + k, n - k < 64 ? n - k : 64, "new date") < (n - k < 64 ? n - k : 64)) {
            *end = k + 1;
            *fp = "js";
            return true;
        }
    }
    return false;
}

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "nosql:", fp, strlen(fp), off, len);
    return true;
}

bool rp_detect_nosql(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i, e;
    const char *fp;

    if (!s || n < 3) {
        return false;
    }
    for (i = 0; i + 2 < n; i++) {
        switch (s[i]) {
        case '$':
            if (operator_key(s, n, i, &e)) {
                return hit(out, "operator", i, e - i);
            }
            break;
        case 'd':
            if (s[i + 1] == 'b' && s[i + 2] == '.' && db_call(s, n, i, &e)) {
                return hit(out, "db", i, e - i);
            }
            if (s[i + 1] == 'o' && js_statement(s, n, i, &e, &fp)) {
                return hit(out, fp, i, e - i);
            }
            break;
        case 't':
            if (s[i + 1] == 'h' && du_prefix(s + i, n - i, "this.") &&
                this_predicate(s, n, i, &e)) {
                return hit(out, "where", i, e - i);
            }
            break;
        case 's': /* sleep( */
        case 'w': /* while( */
        case 'r': /* return */
        case 'v': /* var */
            if ((s[i + 1] == 'l' || s[i + 1] == 'h' || s[i + 1] == 'e' || s[i + 1] == 'a') &&
                js_statement(s, n, i, &e, &fp)) {
                return hit(out, fp, i, e - i);
            }
            break;
        default:
            break;
        }
    }
    return false;
}
