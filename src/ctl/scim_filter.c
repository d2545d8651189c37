/*
 * scim_filter.c — a recursive-descent parser for RFC 7644 §3.4.2.2
 * filters into a fixed array of nodes, and their evaluation (see
 * scim_filter.h). Recursion depth and node count are bounded, so neither
 * the parser nor the evaluator can be driven into deep stacks or large
 * allocations.
 */
#include "scim_filter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ATTR_MAX 160

typedef enum { N_AND, N_OR, N_NOT, N_CMP, N_PRESENT, N_VALUE } node_kind_t;
typedef enum { OP_EQ, OP_NE, OP_CO, OP_SW, OP_EW, OP_GT, OP_GE, OP_LT, OP_LE } op_t;

typedef struct {
    node_kind_t kind;
    op_t op;
    int left, right; /* children: and/or both, not and [value filter] left */
    char attr[ATTR_MAX + 1];
    json_t *value;
} node_t;

struct scim_filter {
    node_t nodes[SCIM_FILTER_NODES];
    int n, root;
};

typedef struct {
    const char *p, *end;
    scim_filter_t *f;
    int depth;
    const char *why;
} parser_t;

static const char *const op_names[] = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"};

static void skip_space(parser_t *ps)
{
    while (ps->p < ps->end && *ps->p == ' ')
        ps->p++;
}

static int fail(parser_t *ps, const char *why)
{
    if (!ps->why)
        ps->why = why;
    return -1;
}

static int new_node(parser_t *ps, node_kind_t kind)
{
    if (ps->f->n >= SCIM_FILTER_NODES)
        return fail(ps, "filter: too many terms");
    node_t *nd = &ps->f->nodes[ps->f->n];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    nd->left = nd->right = -1;
    return ps->f->n++;
}

/* A word: letters, digits and the characters of attribute paths. */
static size_t word_len(const parser_t *ps)
{
    size_t n = 0;
    while (ps->p + n < ps->end) {
        char c = ps->p[n];
        if (!(isalnum((unsigned char)c) || c == '.' || c == ':' || c == '_' || c == '-' ||
              c == '$'))
            break;
        n++;
    }
    return n;
}

static int keyword(parser_t *ps, const char *kw)
{
    size_t n = word_len(ps), k = strlen(kw);
    if (n != k || strncasecmp(ps->p, kw, k) != 0)
        return 0;
    ps->p += k;
    return 1;
}

static int parse_attr(parser_t *ps, char *out)
{
    size_t n = word_len(ps);
    if (n == 0 || !isalpha((unsigned char)ps->p[0]))
        return fail(ps, "filter: an attribute name expected");
    if (n > ATTR_MAX)
        return fail(ps, "filter: attribute name too long");
    memcpy(out, ps->p, n);
    out[n] = '\0';
    ps->p += n;
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = isdigit((unsigned char)c) ? c - '0'
                : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
                                          : -1;
        if (d < 0)
            return -1;
        *v = *v * 16 + (unsigned)d;
    }
    return 0;
}

/* A JSON string, its escapes decoded (code points of the BMP; no NUL). */
static json_t *parse_string(parser_t *ps)
{
    char buf[SCIM_FILTER_MAX + 1];
    size_t n = 0;
    ps->p++; /* the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            fail(ps, "filter: control character in a string");
            return NULL;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            continue;
        }
        if (ps->p >= ps->end)
            break;
        char e = *ps->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            buf[n++] = decoded[simple - "\"\\/bfnrt"];
            continue;
        }
        unsigned cp;
        if (e != 'u' || ps->end - ps->p < 4 || hex4(ps->p, &cp) || cp == 0 ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            fail(ps, "filter: bad escape in a string");
            return NULL;
        }
        ps->p += 4;
        if (cp < 0x80) {
            buf[n++] = (char)cp;
        } else if (cp < 0x800) {
            buf[n++] = (char)(0xc0 | (cp >> 6));
            buf[n++] = (char)(0x80 | (cp & 0x3f));
        } else {
            buf[n++] = (char)(0xe0 | (cp >> 12));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            buf[n++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    if (ps->p >= ps->end) {
        fail(ps, "filter: unterminated string");
        return NULL;
    }
    ps->p++;
    json_t *s = json_stringn(buf, n); /* NULL for invalid UTF-8 */
    if (!s)
        fail(ps, "filter: a string must be UTF-8");
    return s;
}

static json_t *parse_value(parser_t *ps)
{
    if (ps->p < ps->end && *ps->p == '"')
        return parse_string(ps);
    if (keyword(ps, "true"))
        return json_true();
    if (keyword(ps, "false"))
        return json_false();
    if (keyword(ps, "null"))
        return json_null();
    char num[32];
    size_t n = 0;
    while (ps->p + n < ps->end && n < sizeof(num) - 1 && ps->p[n] &&
           strchr("0123456789+-.eE", ps->p[n]))
        n++;
    if (n == 0) {
        fail(ps, "filter: a value expected (a string, true, false, null or a number)");
        return NULL;
    }
    memcpy(num, ps->p, n);
    num[n] = '\0';
    char *end;
    double d = strtod(num, &end);
    if (*end) {
        fail(ps, "filter: bad number");
        return NULL;
    }
    ps->p += n;
    return json_real(d);
}

static int parse_or(parser_t *ps);

/* A comparison, presence test or value filter after its attribute path. */
static int parse_attr_expr(parser_t *ps)
{
    int id = new_node(ps, N_CMP);
    if (id < 0)
        return -1;
    node_t *nd = &ps->f->nodes[id];
    if (parse_attr(ps, nd->attr))
        return -1;
    if (ps->p < ps->end && *ps->p == '[') {
        ps->p++;
        nd->kind = N_VALUE;
        int inner = parse_or(ps);
        if (inner < 0)
            return -1;
        skip_space(ps);
        if (ps->p >= ps->end || *ps->p != ']')
            return fail(ps, "filter: ']' expected");
        ps->p++;
        ps->f->nodes[id].left = inner;
        return id;
    }
    if (ps->p >= ps->end || *ps->p != ' ')
        return fail(ps, "filter: an operator expected after the attribute");
    skip_space(ps);
    if (keyword(ps, "pr")) {
        nd->kind = N_PRESENT;
        return id;
    }
    for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
        if (keyword(ps, op_names[i])) {
            nd->op = (op_t)i;
            if (ps->p >= ps->end || *ps->p != ' ')
                return fail(ps, "filter: a value expected after the operator");
            skip_space(ps);
            nd->value = parse_value(ps);
            return nd->value ? id : -1;
        }
    return fail(ps, "filter: unknown operator (eq ne co sw ew gt ge lt le pr)");
}

static int parse_primary(parser_t *ps)
{
    skip_space(ps);
    if (++ps->depth > SCIM_FILTER_DEPTH)
        return fail(ps, "filter: nested too deeply");
    int id;
    const char *save = ps->p;
    if (ps->p < ps->end && *ps->p == '(') {
        ps->p++;
        id = parse_or(ps);
        skip_space(ps);
        if (id >= 0 && (ps->p >= ps->end || *ps->p != ')'))
            id = fail(ps, "filter: ')' expected");
        else if (id >= 0)
            ps->p++;
    } else if (keyword(ps, "not") && (skip_space(ps), ps->p < ps->end && *ps->p == '(')) {
        id = new_node(ps, N_NOT);
        int inner = id < 0 ? -1 : parse_primary(ps);
        if (inner < 0)
            id = -1;
        else
            ps->f->nodes[id].left = inner;
    } else {
        ps->p = save; /* "not" was an attribute name */
        id = parse_attr_expr(ps);
    }
    ps->depth--;
    return id;
}

/* Left-associative chains: and binds tighter than or. */
static int parse_chain(parser_t *ps, const char *word, node_kind_t kind, int (*operand)(parser_t *))
{
    int left = operand(ps);
    while (left >= 0) {
        const char *save = ps->p;
        skip_space(ps);
        if (save == ps->p || !keyword(ps, word) || ps->p >= ps->end || *ps->p != ' ') {
            ps->p = save;
            break;
        }
        int id = new_node(ps, kind);
        int right = id < 0 ? -1 : operand(ps);
        if (right < 0)
            return -1;
        ps->f->nodes[id].left = left;
        ps->f->nodes[id].right = right;
        left = id;
    }
    return left;
}

static int parse_and(parser_t *ps)
{
    return parse_chain(ps, "and", N_AND, parse_primary);
}

static int parse_or(parser_t *ps)
{
    return parse_chain(ps, "or", N_OR, parse_and);
}

scim_filter_t *scim_filter_parse(const char *text, size_t len, const char **why)
{
    if (len > SCIM_FILTER_MAX) {
        *why = "filter: at most 1024 bytes";
        return NULL;
    }
    scim_filter_t *f = calloc(1, sizeof(*f));
    if (!f) {
        *why = "out of memory";
        return NULL;
    }
    parser_t ps = {text, text + len, f, 0, NULL};
    f->root = parse_or(&ps);
    skip_space(&ps);
    if (f->root >= 0 && ps.p != ps.end)
        f->root = fail(&ps, "filter: unexpected text after the expression");
    if (f->root < 0) {
        *why = ps.why ? ps.why : "filter: malformed";
        scim_filter_free(f);
        return NULL;
    }
    return f;
}

void scim_filter_free(scim_filter_t *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        json_decref(f->nodes[i].value);
    free(f);
}

/* ---- evaluation ---------------------------------------------------------------------- */

json_t *scim_attr_get(json_t *obj, const char *name)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) if (strcasecmp(key, name) == 0) return v;
    return NULL;
}

/* Resolves a path's first step: a schema URN prefix picks the extension
 * object (the core schemas are the resource itself). */
static json_t *path_base(json_t *resource, const char *path, const char **rest)
{
    *rest = path;
    if (strncasecmp(path, "urn:", 4) != 0)
        return resource;
    const char *colon = strrchr(path, ':');
    *rest = colon + 1;
    size_t ulen = (size_t)(colon - path);
    static const char core[] = "urn:ietf:params:scim:schemas:core:2.0:";
    if (ulen > sizeof(core) - 1 && strncasecmp(path, core, sizeof(core) - 1) == 0)
        return resource;
    const char *key;
    json_t *v;
    json_object_foreach(resource, key,
                        v) if (strlen(key) == ulen && strncasecmp(key, path, ulen) == 0) return v;
    return NULL;
}

static int case_exact(const char *attr)
{
    return strcasecmp(attr, "id") == 0 || strcasecmp(attr, "externalId") == 0;
}

static int compare_one(const node_t *nd, json_t *v, int exact)
{
    if (json_is_object(v))
        v = scim_attr_get(v, "value");
    if (!v)
        return nd->op == OP_NE && !json_is_null(nd->value);
    if (json_is_null(nd->value))
        return (nd->op == OP_EQ) == json_is_null(v);
    if (json_is_boolean(nd->value)) {
        if (!json_is_boolean(v))
            return nd->op == OP_NE;
        int same = json_is_true(v) == json_is_true(nd->value);
        return nd->op == OP_EQ ? same : nd->op == OP_NE ? !same : 0;
    }
    if (json_is_number(nd->value)) {
        if (!json_is_number(v))
            return nd->op == OP_NE;
        double a = json_number_value(v), b = json_number_value(nd->value);
        switch (nd->op) {
        case OP_EQ:
            return a == b;
        case OP_NE:
            return a != b;
        case OP_GT:
            return a > b;
        case OP_GE:
            return a >= b;
        case OP_LT:
            return a < b;
        case OP_LE:
            return a <= b;
        default:
            return 0;
        }
    }
    if (!json_is_string(v))
        return nd->op == OP_NE;
    const char *a = json_string_value(v), *b = json_string_value(nd->value);
    size_t la = strlen(a), lb = strlen(b);
    int (*ncmp)(const char *, const char *, size_t) = exact ? strncmp : strncasecmp;
    switch (nd->op) {
    case OP_EQ:
        return la == lb && ncmp(a, b, la) == 0;
    case OP_NE:
        return !(la == lb && ncmp(a, b, la) == 0);
    case OP_SW:
        return la >= lb && ncmp(a, b, lb) == 0;
    case OP_EW:
        return la >= lb && ncmp(a + la - lb, b, lb) == 0;
    case OP_CO:
        for (size_t i = 0; i + lb <= la; i++)
            if (ncmp(a + i, b, lb) == 0)
                return 1;
        return 0;
    default: {
        int c = exact ? strcmp(a, b) : strcasecmp(a, b);
        return nd->op == OP_GT   ? c > 0
               : nd->op == OP_GE ? c >= 0
               : nd->op == OP_LT ? c < 0
                                 : c <= 0;
    }
    }
}

static int present(json_t *v)
{
    return v && !json_is_null(v) && !(json_is_string(v) && json_string_length(v) == 0) &&
           !(json_is_array(v) && json_array_size(v) == 0);
}

static int match_node(const scim_filter_t *f, int id, json_t *res);

/* The node's test on one value of its attribute (a sub-attribute taken
 * from an object). */
static int test_value(const scim_filter_t *f, const node_t *nd, json_t *v, const char *sub,
                      const char *attr)
{
    if (sub && v)
        v = json_is_object(v) ? scim_attr_get(v, sub) : NULL;
    if (nd->kind == N_PRESENT)
        return present(v);
    if (nd->kind == N_VALUE)
        return json_is_object(v) && match_node(f, nd->left, v);
    return compare_one(nd, v, case_exact(sub ? sub : attr));
}

static int match_attr(const scim_filter_t *f, const node_t *nd, json_t *res)
{
    const char *rest;
    json_t *base = path_base(res, nd->attr, &rest);
    char name[ATTR_MAX + 1];
    snprintf(name, sizeof(name), "%s", rest);
    char *dot = strchr(name, '.');
    const char *sub = NULL;
    if (dot) {
        *dot = '\0';
        sub = dot + 1;
    }
    json_t *v = base ? scim_attr_get(base, name) : NULL;
    if (!json_is_array(v))
        return test_value(f, nd, v, sub, name);
    if (nd->kind == N_PRESENT && !sub)
        return present(v);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) if (test_value(f, nd, e, sub, name)) return 1;
    return nd->kind == N_CMP && nd->op == OP_NE && json_array_size(v) == 0;
}

static int match_node(const scim_filter_t *f, int id, json_t *res)
{
    const node_t *nd = &f->nodes[id];
    switch (nd->kind) {
    case N_AND:
        return match_node(f, nd->left, res) && match_node(f, nd->right, res);
    case N_OR:
        return match_node(f, nd->left, res) || match_node(f, nd->right, res);
    case N_NOT:
        return !match_node(f, nd->left, res);
    default:
        return match_attr(f, nd, res);
    }
}

int scim_filter_match(const scim_filter_t *f, json_t *resource)
{
    return json_is_object(resource) && match_node(f, f->root, resource);
}
