/*
 * rules_compile.c — from a parsed SecLang configuration to a rule set.
 *
 * Two passes over the items. The first reads the configuration-wide
 * directives (engine mode, body access and limits, SecRuleRemove*,
 * SecRuleUpdate*) so that they apply to every rule wherever they stand, as
 * in ModSecurity v3. The second compiles rules in order, each with the
 * SecDefaultAction in force for its phase at its position (ModSecurity:
 * "applies to the rules that follow it").
 *
 * Action semantics (ModSecurity v3 reference manual):
 *   - the default action list comes first, then the rule's own, then
 *     SecRuleUpdateActionById's: later single-valued actions win (msg,
 *     severity, disruptive action, status...); tags and t: accumulate and
 *     t:none clears the transformations before it;
 *   - chained links carry only flow-independent actions (setvar, capture,
 *     t:, ctl...); msg, logdata, tags, disruptive action and skips are the
 *     chain head's.
 * Unsupported things (exec, proxy, XPath beyond the all-nodes forms) are a
 * file:line error here rather than a silent difference at run time.
 */
#include <ctype.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collections.h"
#include "rules.h"
#include "rx_factors.h"
#include "transform.h"

#define MAX_DEFAULTS 6

typedef struct {
    rl_ruleset_t *rs;
    rp_error_t *err;
    /* directive lists gathered by the first pass */
    const sl_item_t **removes; /* SecRuleRemoveById/ByTag/ByMsg */
    size_t nremoves;
    const sl_item_t **updates_target;
    size_t nupdates_target;
    const sl_item_t **updates_action;
    size_t nupdates_action;
    unsigned next_index;
} compiler_t;

static void *fail(compiler_t *c, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *fail(compiler_t *c, const char *file, unsigned line, const char *fmt, ...)
{
    if (c->err && c->err->reason[0] == '\0') {
        snprintf(c->err->file, sizeof(c->err->file), "%s", file ? file : "");
        c->err->line = line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err->reason, sizeof(c->err->reason), fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static int failed(compiler_t *c, const char *file, unsigned line, const char *what)
{
    fail(c, file, line, "%s", what);
    return -1;
}

static char *cdup(compiler_t *c, const char *s)
{
    return s ? rp_arena_strndup(c->rs->arena, s, strlen(s)) : NULL;
}

static int keep_op(compiler_t *c, rp_op_t *op)
{
    rl_ruleset_t *rs = c->rs;
    if (rs->nops == rs->ops_cap) {
        size_t cap = rs->ops_cap ? rs->ops_cap * 2 : 256;
        rp_op_t **n = realloc(rs->ops, cap * sizeof(*n));
        if (!n)
            return -1;
        rs->ops = n;
        rs->ops_cap = cap;
    }
    rs->ops[rs->nops++] = op;
    return 0;
}

/* ----------------------------------------------------------- targets */

static bool xpath_all_nodes(const char *x)
{
    return strcmp(x, "/*") == 0 || strcmp(x, "//*") == 0 || strcmp(x, "//@*") == 0 ||
           strcmp(x, "/*/@*") == 0;
}

/* The necessary factors of a regex selector into the arena (none when the
 * analysis has no answer: the regex then always runs). */
static int selector_factors(rp_arena_t *a, rl_target_t *t, const char *re, size_t len)
{
    rp_factors_t f;
    if (rp_rx_factors(re, len, &f) < 0)
        return 0;
    int rc = -1;
    t->sel_fac = rp_arena_alloc(a, f.n * sizeof(*t->sel_fac));
    t->sel_fac_len = rp_arena_alloc(a, f.n * sizeof(*t->sel_fac_len));
    if (t->sel_fac && t->sel_fac_len) {
        size_t i = 0;
        for (; i < f.n && (t->sel_fac[i] = rp_arena_strndup(a, f.s[i], f.len[i])); i++)
            t->sel_fac_len[i] = f.len[i];
        if (i == f.n) {
            t->sel_nfac = f.n;
            rc = 0;
        }
    }
    rp_factors_free(&f);
    return rc;
}

static int compile_target(compiler_t *c, const sl_var_t *v, const char *file, unsigned line,
                          rl_target_t *t)
{
    int id = rv_lookup(v->collection, strlen(v->collection));
    if (id < 0) {
        fail(c, file, line, "variable %s is not supported by the rule engine", v->collection);
        return -1;
    }
    memset(t, 0, sizeof(*t));
    t->var = (uint16_t)id;
    t->exclude = v->exclude;
    t->count = v->count;
    if (!v->selector)
        return 0;
    if (id == RV_XML) {
        if (!xpath_all_nodes(v->selector)) {
            fail(c, file, line,
                 "XML:%s: only the all-nodes XPath forms XML:/* and XML://@* are supported",
                 v->selector);
            return -1;
        }
        return 0; /* every text node and attribute value */
    }
    if (!rv_is_collection((rv_id_t)id)) {
        fail(c, file, line, "%s takes no selector (%s:%s)", v->collection, v->collection,
             v->selector);
        return -1;
    }
    if (v->selector_regex) {
        char why[256];
        /* Selector regexes are case-insensitive in ModSecurity (names of
         * headers and arguments are matched that way). */
        size_t n = strlen(v->selector);
        char *p = rp_arena_alloc(c->rs->arena, n + 5);
        if (!p)
            return failed(c, file, line, "out of memory");
        memcpy(p, "(?i)", 4);
        memcpy(p + 4, v->selector, n + 1);
        t->sel_rx = rp_op_compile("rx", p, n + 4, NULL, why, sizeof(why));
        if (!t->sel_rx) {
            fail(c, file, line, "%s:/%s/: %s", v->collection, v->selector, why);
            return -1;
        }
        if (keep_op(c, t->sel_rx) < 0) {
            rp_op_free(t->sel_rx);
            return failed(c, file, line, "out of memory");
        }
        if (selector_factors(c->rs->arena, t, p, n + 4) < 0)
            return failed(c, file, line, "out of memory");
    }
    t->sel = cdup(c, v->selector);
    t->sel_len = strlen(v->selector);
    return t->sel ? 0 : failed(c, file, line, "out of memory");
}

static int compile_targets(compiler_t *c, const sl_var_t *vars, size_t n, const char *file,
                           unsigned line, rl_target_t **out, size_t *nout)
{
    rl_target_t *t = rp_arena_calloc(c->rs->arena, (n ? n : 1) * sizeof(*t));
    if (!t)
        return failed(c, file, line, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (compile_target(c, &vars[i], file, line, &t[i]) < 0)
            return -1;
    *out = t;
    *nout = n;
    return 0;
}

/* ----------------------------------------------------------- actions */

static int parse_phase(const char *v)
{
    if (!v)
        return 2;
    if (strcasecmp(v, "request") == 0)
        return 2;
    if (strcasecmp(v, "response") == 0)
        return 4;
    if (strcasecmp(v, "logging") == 0)
        return 5;
    return atoi(v);
}

static int parse_severity(const char *v)
{
    static const char *const names[] = {"EMERGENCY", "ALERT",  "CRITICAL", "ERROR",
                                        "WARNING",   "NOTICE", "INFO",     "DEBUG"};
    if (isdigit((unsigned char)v[0]))
        return atoi(v);
    for (int i = 0; i < 8; i++)
        if (strcasecmp(v, names[i]) == 0)
            return i;
    return -1;
}

static int parse_ids(const char *v, unsigned long *lo, unsigned long *hi)
{
    char *end;
    *lo = strtoul(v, &end, 10);
    *hi = *lo;
    if (*end == '-')
        *hi = strtoul(end + 1, &end, 10);
    return *end == '\0' && end != v ? 0 : -1;
}

static int parse_collection_name(const char *s, size_t len)
{
    int id = rv_lookup(s, len);
    if (id == RV_TX || id == RV_IP || id == RV_GLOBAL || id == RV_SESSION || id == RV_USER ||
        id == RV_RESOURCE || id == RV_ENV)
        return id;
    return -1;
}

/* setvar:[!]collection.name[=[+|-]value] */
static int compile_setvar(compiler_t *c, const char *v, const char *file, unsigned line,
                          rl_action_t *a)
{
    a->kind = RL_ACT_SETVAR;
    a->op = RL_SETVAR_SET;
    if (*v == '!') {
        a->op = RL_SETVAR_DELETE;
        v++;
    }
    const char *dot = strchr(v, '.');
    if (!dot) {
        fail(c, file, line, "setvar:%s: expected COLLECTION.NAME", v);
        return -1;
    }
    int coll = parse_collection_name(v, (size_t)(dot - v));
    if (coll < 0 || coll == RV_ENV) {
        fail(c, file, line, "setvar:%s: cannot set variables of collection %.*s", v, (int)(dot - v),
             v);
        return -1;
    }
    a->var = (uint16_t)coll;
    const char *name = dot + 1;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    while (nlen && isspace((unsigned char)name[nlen - 1]))
        nlen--;
    if (nlen == 0) {
        fail(c, file, line, "setvar:%s: empty variable name", v);
        return -1;
    }
    a->name = rp_arena_strndup(c->rs->arena, name, nlen);
    if (a->op == RL_SETVAR_DELETE) {
        a->value = NULL;
    } else if (!eq) {
        a->value = "1";
    } else {
        const char *val = eq + 1;
        if (*val == '+') {
            a->op = RL_SETVAR_ADD;
            val++;
        } else if (*val == '-') {
            a->op = RL_SETVAR_SUB;
            val++;
        }
        a->value = cdup(c, val);
    }
    return a->name ? 0 : failed(c, file, line, "out of memory");
}

/* The collections initcol may load from a store (rules_persist.c). */
static int persistent_collection(const char *s, size_t len)
{
    int id = rv_lookup(s, len);
    if (id == RV_IP || id == RV_GLOBAL || id == RV_SESSION || id == RV_USER || id == RV_RESOURCE)
        return id;
    return -1;
}

/* initcol:COLLECTION=KEY; setsid:KEY and setuid:KEY are initcol of SESSION
 * and USER (ModSecurity v2). */
static int compile_initcol(compiler_t *c, const char *action, const char *v, const char *file,
                           unsigned line, rl_action_t *a)
{
    a->kind = RL_ACT_INITCOL;
    const char *key = v;
    if (strcasecmp(action, "setsid") == 0) {
        a->var = RV_SESSION;
    } else if (strcasecmp(action, "setuid") == 0) {
        a->var = RV_USER;
    } else {
        const char *eq = strchr(v, '=');
        int coll = eq ? persistent_collection(v, (size_t)(eq - v)) : -1;
        if (coll < 0) {
            fail(c, file, line, "initcol:%s: expected ip, global, session, user or resource=KEY",
                 v);
            return -1;
        }
        a->var = (uint16_t)coll;
        key = eq + 1;
    }
    a->value = cdup(c, key);
    c->rs->uses_collections = true;
    return a->value ? 0 : failed(c, file, line, "out of memory");
}

/* expirevar:COLLECTION.NAME=SECONDS */
static int compile_expirevar(compiler_t *c, const char *v, const char *file, unsigned line,
                             rl_action_t *a)
{
    a->kind = RL_ACT_EXPIREVAR;
    const char *dot = strchr(v, '.');
    const char *eq = strchr(v, '=');
    int coll = dot ? parse_collection_name(v, (size_t)(dot - v)) : -1;
    if (coll < 0 || coll == RV_ENV || !eq || eq < dot + 2) {
        fail(c, file, line, "expirevar:%s: expected COLLECTION.NAME=SECONDS", v);
        return -1;
    }
    a->var = (uint16_t)coll;
    a->name = rp_arena_strndup(c->rs->arena, dot + 1, (size_t)(eq - dot - 1));
    a->value = cdup(c, eq + 1);
    return a->name && a->value ? 0 : failed(c, file, line, "out of memory");
}

static int body_processor(const char *v)
{
    if (strcasecmp(v, "URLENCODED") == 0)
        return RL_BODY_URLENCODED;
    if (strcasecmp(v, "MULTIPART") == 0)
        return RL_BODY_MULTIPART;
    if (strcasecmp(v, "XML") == 0)
        return RL_BODY_XML;
    if (strcasecmp(v, "JSON") == 0)
        return RL_BODY_JSON;
    return -1;
}

static int engine_mode(const char *v)
{
    if (strcasecmp(v, "On") == 0)
        return RL_ENGINE_ON;
    if (strcasecmp(v, "DetectionOnly") == 0)
        return RL_ENGINE_DETECT;
    if (strcasecmp(v, "Off") == 0)
        return RL_ENGINE_OFF;
    return -1;
}

static bool on_off(const char *v)
{
    return strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0;
}

/* One variable written as text (the target of ctl:ruleRemoveTarget*, the
 * replaced target of SecRuleUpdateTarget*), read with the parser's own
 * variable grammar through a one-rule configuration. */
static int compile_target_text(compiler_t *c, const char *what, const char *spec, const char *file,
                               unsigned line, rl_target_t *t)
{
    rp_error_t perr = {0};
    char rule[1024];
    int n = snprintf(rule, sizeof(rule), "SecRule %s \"@unconditionalMatch\" \"id:1\"", spec);
    if (n < 0 || (size_t)n >= sizeof(rule)) {
        fail(c, file, line, "%s: target '%s' too long", what, spec);
        return -1;
    }
    sl_config_t *cfg = sl_parse_string(rule, (size_t)n, file, NULL, &perr);
    if (!cfg || !cfg->first || cfg->first->nvars != 1) {
        fail(c, file, line, "%s: target '%s': %s", what, spec,
             cfg ? "one variable expected" : perr.reason);
        sl_config_free(cfg);
        return -1;
    }
    int rc = compile_target(c, &cfg->first->vars[0], file, line, t);
    sl_config_free(cfg);
    return rc;
}

static int compile_ctl(compiler_t *c, const char *v, const char *file, unsigned line,
                       rl_action_t *a)
{
    a->kind = RL_ACT_CTL;
    const char *eq = strchr(v, '=');
    if (!eq) {
        fail(c, file, line, "ctl:%s: expected OPTION=VALUE", v);
        return -1;
    }
    size_t olen = (size_t)(eq - v);
    const char *val = eq + 1;
#define OPT(s) (olen == strlen(s) && strncasecmp(v, s, olen) == 0)
    if (OPT("ruleEngine")) {
        a->ctl = RL_CTL_RULE_ENGINE;
        a->ctl_int = engine_mode(val);
        if (a->ctl_int < 0) {
            fail(c, file, line, "ctl:ruleEngine: invalid value '%s'", val);
            return -1;
        }
    } else if (OPT("ruleRemoveById")) {
        a->ctl = RL_CTL_REMOVE_ID;
        if (parse_ids(val, &a->id_lo, &a->id_hi) < 0) {
            fail(c, file, line, "ctl:ruleRemoveById: '%s' is not a rule id or range", val);
            return -1;
        }
    } else if (OPT("ruleRemoveByTag") || OPT("ruleRemoveByMsg")) {
        a->ctl = OPT("ruleRemoveByTag") ? RL_CTL_REMOVE_TAG : RL_CTL_REMOVE_MSG;
        a->text = cdup(c, val);
    } else if (OPT("ruleRemoveTargetById") || OPT("ruleRemoveTargetByTag") ||
               OPT("ruleRemoveTargetByMsg")) {
        a->ctl = OPT("ruleRemoveTargetById")    ? RL_CTL_REMOVE_TARGET_ID
                 : OPT("ruleRemoveTargetByTag") ? RL_CTL_REMOVE_TARGET_TAG
                                                : RL_CTL_REMOVE_TARGET_MSG;
        const char *semi = strchr(val, ';');
        if (!semi) {
            fail(c, file, line, "ctl:%.*s: expected RULE;VARIABLE", (int)olen, v);
            return -1;
        }
        char *what = rp_arena_strndup(c->rs->arena, val, (size_t)(semi - val));
        if (!what)
            return failed(c, file, line, "out of memory");
        if (a->ctl == RL_CTL_REMOVE_TARGET_ID) {
            if (parse_ids(what, &a->id_lo, &a->id_hi) < 0) {
                fail(c, file, line, "ctl:ruleRemoveTargetById: '%s' is not a rule id", what);
                return -1;
            }
        } else {
            a->text = what;
        }
        if (compile_target_text(c, "ctl", semi + 1, file, line, &a->target) < 0)
            return -1;
    } else if (OPT("requestBodyProcessor")) {
        a->ctl = RL_CTL_BODY_PROCESSOR;
        a->ctl_int = body_processor(val);
        if (a->ctl_int < 0) {
            fail(c, file, line, "ctl:requestBodyProcessor: invalid value '%s'", val);
            return -1;
        }
    } else if (OPT("requestBodyAccess")) {
        a->ctl = RL_CTL_BODY_ACCESS;
        a->ctl_int = on_off(val);
    } else if (OPT("forceRequestBodyVariable")) {
        a->ctl = RL_CTL_FORCE_BODY_VAR;
        a->ctl_int = on_off(val);
    } else if (OPT("responseBodyAccess")) {
        a->ctl = RL_CTL_RESPONSE_BODY_ACCESS;
        a->ctl_int = on_off(val);
    } else if (OPT("requestBodyLimit")) {
        a->ctl = RL_CTL_BODY_LIMIT;
        a->ctl_int = atoi(val);
    } else {
        /* auditEngine, auditLogParts, debugLogLevel, hashEngine,
         * hashEnforcement, parseXmlIntoArgs, responseBodyLimit: audit
         * logging and hashing are Rampart's event pipeline's business. */
        a->ctl = RL_CTL_IGNORED;
    }
#undef OPT
    return 0;
}

typedef struct {
    rl_action_t *v;
    size_t n, cap;
} action_vec_t;

static rl_action_t *action_push(compiler_t *c, action_vec_t *av)
{
    if (av->n == av->cap) {
        size_t cap = av->cap ? av->cap * 2 : 8;
        rl_action_t *n = rp_arena_calloc(c->rs->arena, cap * sizeof(*n));
        if (!n)
            return NULL;
        if (av->n)
            memcpy(n, av->v, av->n * sizeof(*n));
        av->v = n;
        av->cap = cap;
    }
    rl_action_t *a = &av->v[av->n++];
    memset(a, 0, sizeof(*a));
    return a;
}

typedef struct {
    int tf[64];
    size_t ntf;
    const char *tags[64];
    size_t ntags;
    action_vec_t acts;
} rule_build_t;

/* Apply one action to the rule being built. head: whether msg, logdata,
 * disruptive actions and flow belong to this rule. */
static int apply_action(compiler_t *c, rl_rule_t *r, rule_build_t *b, const sl_action_t *a,
                        const char *file, unsigned line)
{
    const char *n = a->name;
    const char *v = a->value ? a->value : "";
#define IS(s) (strcasecmp(n, s) == 0)
    if (IS("id") || IS("rev") || IS("maturity") || IS("accuracy") || IS("chain") ||
        IS("sanitiseArg") || IS("sanitiseMatched") || IS("sanitiseMatchedBytes") ||
        IS("sanitiseRequestHeader") || IS("sanitiseResponseHeader") || IS("xmlns") ||
        IS("deprecatevar") || IS("setrsc") || IS("pause")) {
        /* metadata, or persistence keys Rampart derives itself */
    } else if (IS("phase")) {
        r->phase = parse_phase(v);
    } else if (IS("msg")) {
        r->msg = cdup(c, v);
    } else if (IS("logdata")) {
        r->logdata = cdup(c, v);
    } else if (IS("severity")) {
        r->severity = parse_severity(v);
    } else if (IS("ver")) {
        r->ver = cdup(c, v);
    } else if (IS("tag")) {
        if (b->ntags < 64)
            b->tags[b->ntags++] = cdup(c, v);
    } else if (IS("t")) {
        int id = rp_transform_lookup(v, strlen(v));
        if (id == 0)
            b->ntf = 0;
        else if (id > 0 && b->ntf < 64)
            b->tf[b->ntf++] = id;
    } else if (IS("log")) {
        r->log = true;
    } else if (IS("nolog")) {
        r->log = false;
        r->auditlog = false;
    } else if (IS("auditlog")) {
        r->auditlog = true;
    } else if (IS("noauditlog")) {
        r->auditlog = false;
    } else if (IS("capture")) {
        r->capture = true;
    } else if (IS("multiMatch")) {
        r->multi_match = true;
    } else if (IS("pass")) {
        r->disrupt = RL_PASS;
    } else if (IS("block")) {
        r->disrupt = RL_BLOCK;
    } else if (IS("deny")) {
        r->disrupt = RL_DENY;
    } else if (IS("drop")) {
        r->disrupt = RL_DROP;
    } else if (IS("allow")) {
        r->disrupt = RL_ALLOW;
        r->allow_scope = strcasecmp(v, "phase") == 0     ? RL_ALLOW_PHASE
                         : strcasecmp(v, "request") == 0 ? RL_ALLOW_REQUEST
                                                         : RL_ALLOW_ALL;
    } else if (IS("redirect")) {
        r->disrupt = RL_REDIRECT;
        r->redirect = cdup(c, v);
    } else if (IS("status")) {
        r->status = atoi(v);
    } else if (IS("skip")) {
        r->skip = (unsigned)atoi(v);
    } else if (IS("skipAfter")) {
        r->skip_after = cdup(c, v);
    } else if (IS("setvar")) {
        rl_action_t *x = action_push(c, &b->acts);
        if (!x)
            return failed(c, file, line, "out of memory");
        return compile_setvar(c, v, file, line, x);
    } else if (IS("setenv")) {
        rl_action_t *x = action_push(c, &b->acts);
        if (!x)
            return failed(c, file, line, "out of memory");
        const char *eq = strchr(v, '=');
        x->kind = RL_ACT_SETENV;
        x->var = RV_ENV;
        x->name = eq ? rp_arena_strndup(c->rs->arena, v, (size_t)(eq - v)) : cdup(c, v);
        x->value = eq ? cdup(c, eq + 1) : "1";
    } else if (IS("initcol") || IS("setsid") || IS("setuid")) {
        rl_action_t *x = action_push(c, &b->acts);
        if (!x)
            return failed(c, file, line, "out of memory");
        return compile_initcol(c, n, v, file, line, x);
    } else if (IS("expirevar")) {
        rl_action_t *x = action_push(c, &b->acts);
        if (!x)
            return failed(c, file, line, "out of memory");
        return compile_expirevar(c, v, file, line, x);
    } else if (IS("ctl")) {
        rl_action_t *x = action_push(c, &b->acts);
        if (!x)
            return failed(c, file, line, "out of memory");
        return compile_ctl(c, v, file, line, x);
    } else if (IS("exec")) {
        return failed(c, file, line, "exec: running programs from rules is not supported");
    } else if (IS("proxy")) {
        return failed(c, file, line, "proxy: rules cannot proxy requests in Rampart");
    } else if (IS("append") || IS("prepend")) {
        return failed(c, file, line, "append/prepend: response content injection is not supported");
    } else {
        fail(c, file, line, "action %s is not supported by the rule engine", n);
        return -1;
    }
#undef IS
    return 0;
}

static int apply_actions(compiler_t *c, rl_rule_t *r, rule_build_t *b, const sl_action_t *a,
                         size_t n, const char *file, unsigned line)
{
    for (size_t i = 0; i < n; i++)
        if (apply_action(c, r, b, &a[i], file, line) < 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------- rules */

typedef struct {
    const sl_item_t *item; /* SecDefaultAction of this phase, or NULL */
} defaults_t;

static const char *phase_of(const sl_item_t *it)
{
    const sl_action_t *a = sl_action_find(it, "phase");
    return a ? a->value : NULL;
}

int rl_chain_intern(rl_ruleset_t *rs, const int *tf, size_t n)
{
    for (size_t i = 0; i < rs->nchains; i++)
        if (rs->chains[i].n == n &&
            (n == 0 || memcmp(rs->chains[i].tfns, tf, n * sizeof(int)) == 0))
            return (int)i;
    int parent = n ? rl_chain_intern(rs, tf, n - 1) : -1;
    if (n && parent < 0)
        return -1;
    if (rs->nchains == rs->chains_cap) {
        size_t cap = rs->chains_cap ? rs->chains_cap * 2 : 32;
        rl_chain_t *nc = rp_arena_alloc(rs->arena, cap * sizeof(*nc));
        if (!nc)
            return -1;
        if (rs->nchains)
            memcpy(nc, rs->chains, rs->nchains * sizeof(*nc));
        rs->chains = nc;
        rs->chains_cap = cap;
    }
    int *copy = rp_arena_alloc(rs->arena, (n ? n : 1) * sizeof(int));
    if (!copy)
        return -1;
    if (n)
        memcpy(copy, tf, n * sizeof(int));
    rl_chain_t ch = {copy, n, parent, 0, false};
    for (size_t i = 0; i < n; i++) {
        unsigned c = rp_transform_changes_on(tf[i]);
        ch.always |= c == RP_TFV_ALWAYS;
        ch.changes_on |= c;
    }
    rs->chains[rs->nchains] = ch;
    return (int)rs->nchains++;
}

static int finish_rule(compiler_t *c, rl_rule_t *r, rule_build_t *b, const char *file,
                       unsigned line)
{
    rl_ruleset_t *rs = c->rs;
    r->pf_slot = -1;
    r->chain = rl_chain_intern(rs, b->tf, b->ntf);
    if (r->chain < 0)
        return failed(c, file, line, "out of memory");
    if (b->ntf) {
        r->tfns = rp_arena_alloc(rs->arena, b->ntf * sizeof(int));
        if (!r->tfns)
            return failed(c, file, line, "out of memory");
        memcpy(r->tfns, b->tf, b->ntf * sizeof(int));
        r->ntfns = b->ntf;
    }
    if (b->ntags) {
        r->tags = rp_arena_alloc(rs->arena, b->ntags * sizeof(char *));
        if (!r->tags)
            return failed(c, file, line, "out of memory");
        memcpy(r->tags, b->tags, b->ntags * sizeof(char *));
        r->ntags = b->ntags;
    }
    r->actions = b->acts.v;
    r->nactions = b->acts.n;
    return 0;
}

static int compile_operator(compiler_t *c, rl_rule_t *r, const sl_item_t *it)
{
    if (it->kind != SL_RULE)
        return 0;
    char why[256];
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", it->file);
    const char *base = dirname(dir);
    const char *param = it->op_param ? it->op_param : "";
    r->op = rp_op_compile(it->op_name, param, strlen(param), base, why, sizeof(why));
    if (!r->op) {
        fail(c, it->file, it->line, "@%s: %s", it->op_name, why);
        return -1;
    }
    if (keep_op(c, r->op) < 0) {
        rp_op_free(r->op);
        return failed(c, it->file, it->line, "out of memory");
    }
    r->op_name = cdup(c, it->op_name);
    r->op_param = cdup(c, param);
    r->op_param_len = strlen(param);
    r->negated = it->op_negated;
    return compile_targets(c, it->vars, it->nvars, it->file, it->line, &r->targets, &r->ntargets);
}

static unsigned long item_id(const sl_item_t *it)
{
    const sl_action_t *a = sl_action_find(it, "id");
    return a && a->value ? strtoul(a->value, NULL, 10) : 0;
}

static rl_rule_t *compile_rule(compiler_t *c, const sl_item_t *it, const defaults_t *defaults)
{
    rl_ruleset_t *rs = c->rs;
    rl_rule_t *head = rp_arena_calloc(rs->arena, sizeof(*head));
    if (!head)
        return fail(c, it->file, it->line, "out of memory");
    head->id = item_id(it);
    head->file = it->file;
    head->line = it->line;
    head->severity = -1;
    head->head = head;
    head->index = c->next_index++;

    int phase = parse_phase(phase_of(it));
    if (phase < 1 || phase > 5)
        return fail(c, it->file, it->line, "phase %d out of range", phase);
    const sl_item_t *def = defaults[phase].item;
    rule_build_t b;
    memset(&b, 0, sizeof(b));
    /* ModSecurity's built-in default: phase:2,log,auditlog,pass */
    head->log = true;
    head->auditlog = true;
    if (def && apply_actions(c, head, &b, def->actions, def->nactions, def->file, def->line) < 0)
        return NULL;
    rl_disrupt_t default_disrupt = head->disrupt ? head->disrupt : RL_PASS;
    head->disrupt = RL_DISRUPT_NONE;
    if (apply_actions(c, head, &b, it->actions, it->nactions, it->file, it->line) < 0)
        return NULL;
    for (size_t u = 0; u < c->nupdates_action; u++) {
        const sl_item_t *up = c->updates_action[u];
        if (strtoul(up->args[0], NULL, 10) == head->id &&
            apply_actions(c, head, &b, up->actions, up->nactions, up->file, up->line) < 0)
            return NULL;
    }
    head->phase = phase;
    if (head->disrupt == RL_DISRUPT_NONE)
        head->disrupt = default_disrupt;
    if (head->disrupt == RL_BLOCK)
        head->disrupt = default_disrupt == RL_BLOCK ? RL_PASS : default_disrupt;
    if (compile_operator(c, head, it) < 0 || finish_rule(c, head, &b, it->file, it->line) < 0)
        return NULL;

    /* chained links */
    rl_rule_t *prev = head;
    for (const sl_item_t *ch = it->chained; ch; ch = ch->chained) {
        rl_rule_t *r = rp_arena_calloc(rs->arena, sizeof(*r));
        if (!r)
            return fail(c, ch->file, ch->line, "out of memory");
        r->id = head->id;
        r->file = ch->file;
        r->line = ch->line;
        r->phase = phase;
        r->severity = -1;
        r->head = head;
        r->index = head->index;
        rule_build_t cb;
        memset(&cb, 0, sizeof(cb));
        if (apply_actions(c, r, &cb, ch->actions, ch->nactions, ch->file, ch->line) < 0)
            return NULL;
        /* A link's capture, multiMatch and t: are its own; flow and
         * logging stay the head's. A chained msg/logdata replaces the
         * head's, as ModSecurity v3 keeps the last one written. */
        if (r->msg)
            head->msg = r->msg;
        if (r->logdata)
            head->logdata = r->logdata;
        if (compile_operator(c, r, ch) < 0 || finish_rule(c, r, &cb, ch->file, ch->line) < 0)
            return NULL;
        prev->chained = r;
        prev = r;
    }
    return head;
}

/* ------------------------------------------------------- phase lists */

static int phase_push(compiler_t *c, int phase, rl_rule_t *r, size_t *caps)
{
    rl_phase_t *p = &c->rs->phase[phase];
    if (p->n == caps[phase]) {
        size_t cap = caps[phase] ? caps[phase] * 2 : 128;
        rl_rule_t **n = rp_arena_alloc(c->rs->arena, cap * sizeof(*n));
        if (!n)
            return -1;
        if (p->n)
            memcpy(n, p->rules, p->n * sizeof(*n));
        p->rules = n;
        caps[phase] = cap;
    }
    p->rules[p->n++] = r;
    return 0;
}

static bool has_tag(const rl_rule_t *r, const char *tag)
{
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i], tag) == 0)
            return true;
    return false;
}

static bool removed_by_config(const compiler_t *c, const rl_rule_t *r)
{
    for (size_t i = 0; i < c->nremoves; i++) {
        const sl_item_t *d = c->removes[i];
        if (strcmp(d->name, "SecRuleRemoveById") == 0) {
            for (size_t k = 0; k < d->nargs; k++) {
                unsigned long lo, hi;
                if (parse_ids(d->args[k], &lo, &hi) == 0 && r->id >= lo && r->id <= hi)
                    return true;
            }
        } else if (strcmp(d->name, "SecRuleRemoveByTag") == 0) {
            if (has_tag(r, d->args[0]))
                return true;
        } else if (r->msg && strcmp(r->msg, d->args[0]) == 0) {
            return true;
        }
    }
    return false;
}

/* SecRuleUpdateTargetById/ByTag/ByMsg: add targets, or replace one. */
static int update_targets(compiler_t *c, rl_rule_t *r)
{
    for (size_t i = 0; i < c->nupdates_target; i++) {
        const sl_item_t *d = c->updates_target[i];
        bool hit;
        if (strcmp(d->name, "SecRuleUpdateTargetById") == 0) {
            unsigned long lo, hi;
            hit = parse_ids(d->args[0], &lo, &hi) == 0 && r->id >= lo && r->id <= hi;
        } else if (strcmp(d->name, "SecRuleUpdateTargetByTag") == 0) {
            hit = has_tag(r, d->args[0]);
        } else {
            hit = r->msg && strcmp(r->msg, d->args[0]) == 0;
        }
        if (!hit || !r->op)
            continue;
        rl_target_t *add;
        size_t nadd;
        if (compile_targets(c, d->vars, d->nvars, d->file, d->line, &add, &nadd) < 0)
            return -1;
        if (d->nargs > 2) {
            /* replace the named target with the new list */
            rl_target_t old;
            if (compile_target_text(c, d->name, d->args[2], d->file, d->line, &old) < 0)
                return -1;
            size_t keep = 0;
            for (size_t k = 0; k < r->ntargets; k++) {
                bool same =
                    r->targets[k].var == old.var &&
                    ((!r->targets[k].sel && !old.sel) ||
                     (r->targets[k].sel && old.sel && strcasecmp(r->targets[k].sel, old.sel) == 0));
                if (!same)
                    r->targets[keep++] = r->targets[k];
            }
            r->ntargets = keep;
        }
        rl_target_t *t = rp_arena_alloc(c->rs->arena, (r->ntargets + nadd) * sizeof(*t));
        if (!t)
            return failed(c, d->file, d->line, "out of memory");
        memcpy(t, r->targets, r->ntargets * sizeof(*t));
        memcpy(t + r->ntargets, add, nadd * sizeof(*t));
        r->targets = t;
        r->ntargets += nadd;
    }
    return 0;
}

static int push_item(compiler_t *c, const sl_item_t ***v, size_t *n, const sl_item_t *it)
{
    const sl_item_t **x = realloc(*v, (*n + 1) * sizeof(*x));
    if (!x)
        return -1;
    x[(*n)++] = it;
    *v = x;
    (void)c;
    return 0;
}

static void add_mime(compiler_t *c, const sl_item_t *it)
{
    rl_ruleset_t *rs = c->rs;
    const char **m = rp_arena_alloc(rs->arena, (rs->nresponse_mime + it->nargs) * sizeof(char *));
    if (!m)
        return;
    if (rs->nresponse_mime)
        memcpy(m, rs->response_mime, rs->nresponse_mime * sizeof(char *));
    for (size_t i = 0; i < it->nargs; i++) {
        char *s = cdup(c, it->args[i]);
        for (char *p = s; p && *p; p++)
            *p = (char)tolower((unsigned char)*p);
        m[rs->nresponse_mime++] = s;
    }
    rs->response_mime = m;
}

static int first_pass(compiler_t *c, const sl_config_t *cfg)
{
    rl_ruleset_t *rs = c->rs;
    for (const sl_item_t *it = cfg->first; it; it = it->next) {
        if (it->kind != SL_DIRECTIVE)
            continue;
        const char *n = it->name;
        int rc = 0;
        if (strcmp(n, "SecRuleEngine") == 0) {
            rs->engine = (rl_engine_t)engine_mode(it->args[0]);
        } else if (strcmp(n, "SecRequestBodyAccess") == 0) {
            rs->request_body_access = on_off(it->args[0]);
        } else if (strcmp(n, "SecResponseBodyAccess") == 0) {
            rs->response_body_access = on_off(it->args[0]);
        } else if (strcmp(n, "SecRequestBodyLimit") == 0) {
            rs->request_body_limit = strtoull(it->args[0], NULL, 10);
        } else if (strcmp(n, "SecRequestBodyLimitAction") == 0) {
            rs->request_body_limit_reject = strcasecmp(it->args[0], "Reject") == 0;
        } else if (strcmp(n, "SecResponseBodyLimit") == 0) {
            rs->response_body_limit = strtoull(it->args[0], NULL, 10);
        } else if (strcmp(n, "SecResponseBodyLimitAction") == 0) {
            rs->response_body_limit_reject = strcasecmp(it->args[0], "Reject") == 0;
        } else if (strcmp(n, "SecResponseBodyMimeType") == 0) {
            add_mime(c, it);
        } else if (strcmp(n, "SecResponseBodyMimeTypesClear") == 0) {
            rs->nresponse_mime = 0;
        } else if (strcmp(n, "SecCollectionTimeout") == 0) {
            unsigned long long t = strtoull(it->args[0], NULL, 10);
            rs->collection_timeout = t == 0                 ? COLL_DEFAULT_TIMEOUT
                                     : t > COLL_MAX_TIMEOUT ? COLL_MAX_TIMEOUT
                                                            : (long long)t;
        } else if (strcmp(n, "SecArgumentSeparator") == 0) {
            rs->argument_separator = it->args[0][0];
        } else if (strcmp(n, "SecComponentSignature") == 0) {
            rs->component_signature = cdup(c, it->args[0]);
        } else if (strncmp(n, "SecRuleRemoveBy", 15) == 0) {
            rc = push_item(c, &c->removes, &c->nremoves, it);
        } else if (strncmp(n, "SecRuleUpdateTargetBy", 21) == 0) {
            rc = push_item(c, &c->updates_target, &c->nupdates_target, it);
        } else if (strcmp(n, "SecRuleUpdateActionById") == 0) {
            rc = push_item(c, &c->updates_action, &c->nupdates_action, it);
        }
        if (rc < 0)
            return failed(c, it->file, it->line, "out of memory");
    }
    return 0;
}

static bool reads(const rl_rule_t *r, rv_id_t v)
{
    for (; r; r = r->chained)
        for (size_t i = 0; i < r->ntargets; i++)
            if (r->targets[i].var == v)
                return true;
    return false;
}

static int second_pass(compiler_t *c, const sl_config_t *cfg)
{
    rl_ruleset_t *rs = c->rs;
    defaults_t defaults[6];
    memset(defaults, 0, sizeof(defaults));
    size_t caps[6] = {0};
    for (const sl_item_t *it = cfg->first; it; it = it->next) {
        if (it->kind == SL_DIRECTIVE && strcmp(it->name, "SecDefaultAction") == 0) {
            int phase = parse_phase(phase_of(it));
            if (phase < 1 || phase > 5)
                return failed(c, it->file, it->line, "SecDefaultAction: phase out of range");
            defaults[phase].item = it;
            continue;
        }
        if (it->kind == SL_MARKER) {
            rl_rule_t *m = rp_arena_calloc(rs->arena, sizeof(*m));
            if (!m)
                return failed(c, it->file, it->line, "out of memory");
            m->is_marker = true;
            m->marker = cdup(c, it->name);
            m->file = it->file;
            m->line = it->line;
            m->head = m;
            for (int p = 1; p <= 5; p++)
                if (phase_push(c, p, m, caps) < 0)
                    return failed(c, it->file, it->line, "out of memory");
            continue;
        }
        if (it->kind != SL_RULE && it->kind != SL_ACTION)
            continue;
        rl_rule_t *r = compile_rule(c, it, defaults);
        if (!r)
            return -1;
        if (removed_by_config(c, r))
            continue;
        if (update_targets(c, r) < 0)
            return -1;
        if (reads(r, RV_REQUEST_BODY))
            rs->needs_request_body = true;
        if (reads(r, RV_FULL_REQUEST) || reads(r, RV_FULL_REQUEST_LENGTH))
            rs->needs_full_request = rs->needs_request_body = true;
        if (r->phase == 4)
            rs->needs_response_body = true;
        if (phase_push(c, r->phase, r, caps) < 0)
            return failed(c, it->file, it->line, "out of memory");
        rs->nrules++;
    }
    /* skipAfter: continue at the first marker of that name after the rule
     * in the same phase; none means the rest of the phase is skipped. */
    for (int p = 1; p <= 5; p++) {
        rl_phase_t *ph = &rs->phase[p];
        for (size_t i = 0; i < ph->n; i++) {
            rl_rule_t *r = ph->rules[i];
            if (r->is_marker || !r->skip_after)
                continue;
            r->skip_after_to = (unsigned)ph->n;
            for (size_t k = i + 1; k < ph->n; k++) {
                if (ph->rules[k]->is_marker && strcmp(ph->rules[k]->marker, r->skip_after) == 0) {
                    r->skip_after_to = (unsigned)k;
                    break;
                }
            }
        }
    }
    return 0;
}

/* Does a ctl:ruleRemove* / ctl:ruleRemoveTarget* action select rule r? */
static bool ctl_selects(const rl_action_t *a, const rl_rule_t *r)
{
    switch (a->ctl) {
    case RL_CTL_REMOVE_ID:
    case RL_CTL_REMOVE_TARGET_ID:
        return r->id >= a->id_lo && r->id <= a->id_hi;
    case RL_CTL_REMOVE_TAG:
    case RL_CTL_REMOVE_TARGET_TAG:
        return has_tag(r, a->text);
    default:
        return r->msg && strcmp(r->msg, a->text) == 0;
    }
}

static int resolve_action(rl_ruleset_t *rs, rl_action_t *a)
{
    if (a->kind != RL_ACT_CTL || a->ctl < RL_CTL_REMOVE_ID || a->ctl > RL_CTL_REMOVE_TARGET_MSG)
        return 0;
    size_t n = 0, cap = 0;
    const rl_rule_t **sel = NULL;
    for (int p = 1; p <= 5; p++) {
        const rl_phase_t *ph = &rs->phase[p];
        for (size_t i = 0; i < ph->n; i++) {
            const rl_rule_t *r = ph->rules[i];
            if (r->is_marker || !ctl_selects(a, r))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                const rl_rule_t **x = rp_arena_alloc(rs->arena, cap * sizeof(*x));
                if (!x)
                    return -1;
                if (n)
                    memcpy(x, sel, n * sizeof(*x));
                sel = x;
            }
            sel[n++] = r;
        }
    }
    a->sel = (const struct rl_rule **)sel;
    a->nsel = n;
    return 0;
}

/* Resolve every ctl:ruleRemove* selection once the rule list is final. */
static int resolve_ctl_selections(rl_ruleset_t *rs)
{
    for (int p = 1; p <= 5; p++) {
        const rl_phase_t *ph = &rs->phase[p];
        for (size_t i = 0; i < ph->n; i++)
            for (rl_rule_t *r = ph->rules[i]; r && !r->is_marker; r = r->chained)
                for (size_t k = 0; k < r->nactions; k++)
                    if (resolve_action(rs, &r->actions[k]) < 0)
                        return -1;
    }
    return 0;
}

rl_ruleset_t *rl_compile(const sl_config_t *cfg, rp_error_t *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
    rp_arena_t *a = rp_arena_new(64 * 1024, 0);
    if (!a)
        return NULL;
    rl_ruleset_t *rs = rp_arena_calloc(a, sizeof(*rs));
    if (!rs) {
        rp_arena_free(a);
        return NULL;
    }
    rs->arena = a;
    /* ModSecurity's defaults when the configuration says nothing. */
    rs->engine = RL_ENGINE_ON;
    rs->request_body_access = false;
    rs->response_body_access = false;
    rs->request_body_limit = 13107200;
    rs->request_body_limit_reject = true;
    rs->response_body_limit = 524288;
    rs->argument_separator = '&';
    rs->collection_timeout = COLL_DEFAULT_TIMEOUT;
    compiler_t c = {.rs = rs, .err = err};
    int rc = first_pass(&c, cfg);
    if (rc == 0)
        rc = second_pass(&c, cfg);
    rs->nindex = c.next_index;
    if (rc == 0 && resolve_ctl_selections(rs) < 0) {
        fail(&c, "", 0, "out of memory");
        rc = -1;
    }
    for (int p = 1; rc == 0 && p <= 5; p++) {
        char why[256];
        if (rl_prefilter_build(rs, p, why, sizeof(why)) < 0) {
            /* Not fatal: the phase then runs every rule, exactly but slower. */
            fprintf(stderr, "rampart: rules: %s; phase %d runs without a prefilter\n", why, p);
        }
    }
    free(c.removes);
    free(c.updates_target);
    free(c.updates_action);
    if (rc < 0) {
        rl_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

void rl_ruleset_free(rl_ruleset_t *rs)
{
    if (!rs)
        return;
    rl_prefilter_free(rs);
    for (size_t i = 0; i < rs->nops; i++)
        rp_op_free(rs->ops[i]);
    free(rs->ops);
    rp_arena_free(rs->arena);
}
