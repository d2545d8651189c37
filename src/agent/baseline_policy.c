/*
 * baseline_policy.c — the policy file parser (see baseline_policy.h and
 * docs/AGENT.md, "Baseline checks"). Lines are split like the
 * configuration files (src/ctl/conf_lex.h: bare words, "quoted strings"
 * with \" and \\, '#' comments); every refusal names file:line.
 */
#include "baseline_policy.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "conf_lex.h"

#define POLICY_MAX_WORDS  32
#define POLICY_LINE_MAX   4096
#define POLICY_MAX_CHECKS 1000
#define POLICY_MAX_CONDS  32
#define POLICY_ID_MAX     64

typedef struct {
    const char *word;
    cond_kind_t kind;
    int min_words, max_words; /* including the keyword */
} cond_syntax_t;

static const cond_syntax_t syntax[] = {
    {"file_exists", COND_FILE_EXISTS, 2, 2},
    {"file_absent", COND_FILE_ABSENT, 2, 2},
    {"file_contains", COND_FILE_CONTAINS, 3, 3},
    {"file_not_contains", COND_FILE_NOT_CONTAINS, 3, 3},
    {"file_mode", COND_FILE_MODE, 3, 3},
    {"file_owner", COND_FILE_OWNER, 4, 4},
    {"sysctl", COND_SYSCTL, 4, 4},
    {"service", COND_SERVICE, 3, 3},
    {"process", COND_PROCESS, 3, 3},
    {"sshd", COND_SSHD, 4, 4},
    {"pam", COND_PAM, 3, POLICY_MAX_WORDS},
    {"login_defs", COND_LOGIN_DEFS, 4, 4},
};

static char *dup_str(const char *s)
{
    return strdup(s);
}

static void free_cond(cond_t *c)
{
    free(c->path);
    free(c->value);
    free(c->group);
    pcre2_code_free(c->re);
    for (size_t i = 0; i < c->n_args; i++) {
        free(c->args[i].key);
        free(c->args[i].value);
    }
    free(c->args);
}

static void free_check(check_t *k)
{
    free(k->id);
    free(k->title);
    free(k->control);
    free(k->rationale);
    free(k->remediation);
    free(k->requires);
    for (size_t i = 0; i < k->n_conds; i++)
        free_cond(&k->conds[i]);
    free(k->conds);
}

void policy_free(policy_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_checks; i++)
        free_check(&p->checks[i]);
    free(p->checks);
    free(p->id);
    free(p->title);
    free(p->file);
    free(p);
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= POLICY_ID_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* An absolute path without "." or ".." components: it is read below the
 * root and must stay there. */
static int valid_path(const char *s)
{
    if (s[0] != '/' || strlen(s) > 1024)
        return 0;
    for (const char *c = s; *c; c++)
        if (c[0] == '/' && c[1] == '.' &&
            (c[2] == '/' || !c[2] || (c[2] == '.' && (c[3] == '/' || !c[3]))))
            return 0;
    return 1;
}

static int compile(conf_ctx_t *p, const char *pattern, void **out)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &offset, NULL);
    if (!re) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(code, msg, sizeof(msg));
        return conf_fail(p, "bad regular expression at offset %zu: %s", (size_t)offset, msg);
    }
    *out = re;
    return 0;
}

/* A decimal integer, possibly negative (login.defs and pam values are) */
static int parse_signed(const char *s, long long *out)
{
    int neg = s[0] == '-';
    if (conf_parse_integer(s + neg, out))
        return -1;
    *out = neg ? -*out : *out;
    return 0;
}

static int parse_op(conf_ctx_t *p, cond_t *c, const char *op, const char *value)
{
    static const char *const ops[] = {"==", "!=", ">=", "<=", ">", "<", "~", "!~"};
    int found = -1;
    for (int i = 0; i < 8; i++)
        if (strcmp(op, ops[i]) == 0)
            found = i;
    if (found < 0)
        return conf_fail(p, "expected an operator (== != >= <= > < ~ !~), got \"%s\"", op);
    c->op = (cond_op_t)found;
    if (c->op >= OP_GE && c->op <= OP_LT && parse_signed(value, &c->number))
        return conf_fail(p, "%s needs an integer, got \"%s\"", op, value);
    if (c->op == OP_MATCH || c->op == OP_NOMATCH)
        return compile(p, value, &c->re);
    return 0;
}

static int parse_pam_arg(conf_ctx_t *p, pam_arg_t *a, const char *w)
{
    memset(a, 0, sizeof(*a));
    const char *ge = strstr(w, ">="), *le = strstr(w, "<="), *eq = strchr(w, '=');
    const char *split = ge ? ge : le ? le : eq;
    if (w[0] == '!') {
        a->kind = PAM_ARG_NO_FLAG;
        a->key = dup_str(w + 1);
    } else if (!split) {
        a->kind = PAM_ARG_FLAG;
        a->key = dup_str(w);
    } else {
        a->kind = ge ? PAM_ARG_GE : le ? PAM_ARG_LE : PAM_ARG_EQ;
        a->key = strndup(w, (size_t)(split - w));
        a->value = dup_str(split + (a->kind == PAM_ARG_EQ ? 1 : 2));
        if (a->kind != PAM_ARG_EQ && (!a->value || parse_signed(a->value, &a->number)))
            return conf_fail(p, "pam argument \"%s\": >= and <= need an integer", w);
    }
    if (!a->key || !*a->key ||
        strspn(a->key, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != strlen(a->key))
        return conf_fail(p,
                         "pam argument \"%s\": expected key=value, key>=N, key<=N, flag or "
                         "!flag",
                         w);
    return 0;
}

static int parse_cond(conf_ctx_t *p, check_t *k, const cond_syntax_t *s, char **w, int n)
{
    if (n < s->min_words || n > s->max_words)
        return conf_fail(p, "%s takes %d to %d values", s->word, s->min_words - 1,
                         s->max_words - 1);
    if (k->n_conds == POLICY_MAX_CONDS)
        return conf_fail(p, "a check has at most %d conditions", POLICY_MAX_CONDS);
    cond_t *c = &k->conds[k->n_conds++];
    memset(c, 0, sizeof(*c));
    c->kind = s->kind;
    c->line = p->line;
    c->path = dup_str(w[1]);
    switch (s->kind) {
    case COND_FILE_EXISTS:
    case COND_FILE_ABSENT:
    case COND_FILE_CONTAINS:
    case COND_FILE_NOT_CONTAINS:
    case COND_FILE_MODE:
    case COND_FILE_OWNER:
        if (!valid_path(w[1]))
            return conf_fail(p, "%s: an absolute path without . or .., got \"%s\"", s->word, w[1]);
        break;
    case COND_SYSCTL:
        if (strspn(w[1], "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(w[1]) ||
            strstr(w[1], "..") || w[1][0] == '.')
            return conf_fail(p, "sysctl: a key like net.ipv4.ip_forward, got \"%s\"", w[1]);
        break;
    case COND_SERVICE:
    case COND_PROCESS:
    case COND_PAM:
        if (strchr(w[1], '/') || w[1][0] == '.' || !*w[1])
            return conf_fail(p, "%s: a name without '/', got \"%s\"", s->word, w[1]);
        break;
    case COND_SSHD:
    case COND_LOGIN_DEFS:
        if (!valid_id(w[1]))
            return conf_fail(p, "%s: a keyword, got \"%s\"", s->word, w[1]);
        break;
    }
    switch (s->kind) {
    case COND_FILE_CONTAINS:
    case COND_FILE_NOT_CONTAINS:
        c->value = dup_str(w[2]);
        return compile(p, w[2], &c->re);
    case COND_FILE_MODE: {
        char *end;
        unsigned long m = strtoul(w[2], &end, 8);
        if (*end || !*w[2] || w[2][0] != '0' || m > 07777)
            return conf_fail(p, "file_mode: an octal mode like 0640, got \"%s\"", w[2]);
        c->mode = (unsigned)m;
        return 0;
    }
    case COND_FILE_OWNER:
        if (!valid_id(w[2]) || !valid_id(w[3]))
            return conf_fail(p, "file_owner: a user and a group (names or numbers)");
        c->value = dup_str(w[2]);
        c->group = dup_str(w[3]);
        return 0;
    case COND_SYSCTL:
    case COND_SSHD:
    case COND_LOGIN_DEFS:
        c->value = dup_str(w[3]);
        return parse_op(p, c, w[2], w[3]);
    case COND_SERVICE:
        if (strcmp(w[2], "enabled") && strcmp(w[2], "disabled") && strcmp(w[2], "masked") &&
            strcmp(w[2], "absent"))
            return conf_fail(p, "service: expected enabled, disabled, masked or absent");
        c->value = dup_str(w[2]);
        return 0;
    case COND_PROCESS:
        if (strcmp(w[2], "running") && strcmp(w[2], "absent"))
            return conf_fail(p, "process: expected running or absent");
        c->value = dup_str(w[2]);
        return 0;
    case COND_PAM:
        c->value = dup_str(w[2]);
        c->n_args = (size_t)(n - 3);
        c->args = calloc(c->n_args ? c->n_args : 1, sizeof(pam_arg_t));
        if (!c->args)
            return conf_fail(p, "out of memory");
        for (int i = 3; i < n; i++)
            if (parse_pam_arg(p, &c->args[i - 3], w[i]))
                return -1;
        return 0;
    default:
        return 0;
    }
}

typedef struct {
    policy_t *pol;
    check_t *cur; /* the open check, NULL between checks */
} parse_t;

static int set_text(conf_ctx_t *p, char **field, const char *name, char **w, int n)
{
    if (n != 2)
        return conf_fail(p, "%s takes one (quoted) value", name);
    if (*field)
        return conf_fail(p, "%s is given twice", name);
    *field = dup_str(w[1]);
    return 0;
}

static int end_check(conf_ctx_t *p, check_t *k)
{
    const char *missing = !k->control       ? "control"
                          : !k->rationale   ? "rationale"
                          : !k->remediation ? "remediation"
                          : !k->n_conds     ? "a condition"
                                            : NULL;
    if (missing)
        return conf_fail(p, "check %s has no %s", k->id, missing);
    return 0;
}

static int on_words(conf_ctx_t *p, parse_t *s, char **w, int n)
{
    policy_t *pol = s->pol;
    if (strcmp(w[0], "policy") == 0) {
        if (pol->id)
            return conf_fail(p, "policy is given twice");
        if (n != 3 || !valid_id(w[1]))
            return conf_fail(p, "expected: policy ID \"title\"");
        pol->id = dup_str(w[1]);
        pol->title = dup_str(w[2]);
        return 0;
    }
    if (!pol->id)
        return conf_fail(p, "a policy file starts with: policy ID \"title\"");
    if (strcmp(w[0], "check") == 0) {
        if (s->cur)
            return conf_fail(p, "check %s has no end", s->cur->id);
        if (n != 3 || !valid_id(w[1]))
            return conf_fail(p, "expected: check ID \"title\" (ID: 1-64 of A-Z a-z 0-9 . _ -)");
        for (size_t i = 0; i < pol->n_checks; i++)
            if (strcmp(pol->checks[i].id, w[1]) == 0)
                return conf_fail(p, "check %s is defined twice", w[1]);
        if (pol->n_checks == POLICY_MAX_CHECKS)
            return conf_fail(p, "at most %d checks in a policy", POLICY_MAX_CHECKS);
        check_t *more = realloc(pol->checks, (pol->n_checks + 1) * sizeof(check_t));
        if (!more)
            return conf_fail(p, "out of memory");
        pol->checks = more;
        check_t *k = &pol->checks[pol->n_checks++];
        memset(k, 0, sizeof(*k));
        k->id = dup_str(w[1]);
        k->title = dup_str(w[2]);
        k->line = p->line;
        k->conds = calloc(POLICY_MAX_CONDS, sizeof(cond_t));
        if (!k->conds)
            return conf_fail(p, "out of memory");
        s->cur = k;
        return 0;
    }
    check_t *k = s->cur;
    if (!k)
        return conf_fail(p, "\"%s\" outside a check", w[0]);
    if (strcmp(w[0], "end") == 0) {
        if (n != 1)
            return conf_fail(p, "end takes no value");
        s->cur = NULL;
        return end_check(p, k);
    }
    if (strcmp(w[0], "control") == 0)
        return set_text(p, &k->control, "control", w, n);
    if (strcmp(w[0], "rationale") == 0)
        return set_text(p, &k->rationale, "rationale", w, n);
    if (strcmp(w[0], "remediation") == 0)
        return set_text(p, &k->remediation, "remediation", w, n);
    if (strcmp(w[0], "requires") == 0) {
        if (set_text(p, &k->requires, "requires", w, n))
            return -1;
        return valid_path(w[1]) ? 0 : conf_fail(p, "requires: an absolute path, got \"%s\"", w[1]);
    }
    for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++)
        if (strcmp(w[0], syntax[i].word) == 0)
            return parse_cond(p, k, &syntax[i], w, n);
    return conf_fail(p, "unknown keyword \"%s\"", w[0]);
}

policy_t *policy_parse(const char *text, size_t len, const char *name, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    conf_ctx_t p = {.name = name, .line = 0, .err = err};
    policy_t *pol = calloc(1, sizeof(*pol));
    if (!pol || !(pol->file = dup_str(name))) {
        conf_fail(&p, "out of memory");
        policy_free(pol);
        return NULL;
    }
    parse_t s = {pol, NULL};
    char buf[POLICY_LINE_MAX];
    char *words[POLICY_MAX_WORDS];
    size_t at = 0;
    int rc = 0;
    while (!rc && at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        p.line++;
        int count = 0;
        if (memchr(text + at, '\0', n))
            rc = conf_fail(&p, "NUL byte");
        else if (conf_split_words(&p, text + at, n, buf, sizeof(buf), words, POLICY_MAX_WORDS,
                                  &count))
            rc = -1;
        else if (count)
            rc = on_words(&p, &s, words, count);
        at += n + 1;
    }
    if (!rc && s.cur)
        rc = conf_fail(&p, "check %s (line %u) has no end", s.cur->id, s.cur->line);
    if (!rc && !pol->id)
        rc = conf_fail(&p, "a policy file starts with: policy ID \"title\"");
    if (rc) {
        policy_free(pol);
        return NULL;
    }
    return pol;
}

policy_t *policy_load(const char *path, rp_error_t *err)
{
    size_t n;
    char *text = conf_read_file(path, &n, err);
    if (!text)
        return NULL;
    policy_t *pol = policy_parse(text, n, path, err);
    free(text);
    return pol;
}
