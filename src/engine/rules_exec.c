/*
 * rules_exec.c — running a phase's SecLang rules on a transaction.
 *
 * Order of evaluation (ModSecurity v3):
 *   - rules run in configuration order; markers only anchor skipAfter;
 *   - a rule's targets are resolved into values (exclusions and
 *     ctl:ruleRemoveTarget* applied), each value goes through the rule's
 *     transformations and then the operator; every value is tried, and
 *     each match runs the rule's non-disruptive actions (setvar, capture,
 *     ctl, setenv) at once — which is why CRS puts its setvar in the last
 *     link of a chain;
 *   - a chain matches when every link matched at least one value; then
 *     the head's message is logged and its disruptive action and flow
 *     (skip, skipAfter) apply;
 *   - in DetectionOnly (SecRuleEngine or ctl:ruleEngine) disruptive
 *     actions are recorded, not executed; phase 5 never disrupts.
 *
 * Matches become rp_match_t entries of the transaction (rule id, expanded
 * msg and logdata, severity, tags): the event then carries them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"
#include "transform.h"
#include "tx_t.h"

rl_state_t *rl_state_new(rp_tx_t *tx, const rl_ruleset_t *rs)
{
    rl_state_t *st = rp_arena_calloc(tx->arena, sizeof(*st));
    if (!st)
        return NULL;
    st->tx = tx;
    st->rs = rs;
    st->arena = tx->arena;
    st->engine = rs->engine;
    st->request_body_access = rs->request_body_access;
    st->response_body_access = rs->response_body_access;
    st->highest_severity = 255;
    st->removed = rp_arena_calloc(tx->arena, rs->nindex / 8 + 1);
    if (!st->removed)
        return NULL;
    rp_abuf_init(&st->request_body, tx->arena);
    rp_abuf_init(&st->response_body, tx->arena);
    return st;
}

/* ------------------------------------------------------------ removal */

static bool is_removed(const rl_state_t *st, const rl_rule_t *r)
{
    return st->removed[r->index / 8] & (1u << (r->index % 8));
}

static void add_removed_target(rl_state_t *st, const rl_rule_t *r, const rl_target_t *t)
{
    if (!st->has_removed_targets &&
        !(st->has_removed_targets = rp_arena_calloc(st->arena, st->rs->nindex / 8 + 1)))
        return;
    if (st->nremoved_targets == st->removed_targets_cap) {
        size_t cap = st->removed_targets_cap ? st->removed_targets_cap * 2 : 8;
        struct rl_removed_target *n = rp_arena_alloc(st->arena, cap * sizeof(*n));
        if (!n)
            return;
        if (st->nremoved_targets)
            memcpy(n, st->removed_targets, st->nremoved_targets * sizeof(*n));
        st->removed_targets = n;
        st->removed_targets_cap = cap;
    }
    st->removed_targets[st->nremoved_targets++] = (struct rl_removed_target){r, *t};
    st->has_removed_targets[r->index / 8] |= (unsigned char)(1u << (r->index % 8));
}

/* ctl:ruleRemove*: mark the selected rules removed for this transaction;
 * ctl:ruleRemoveTarget*: remember the target to skip for each of them.
 * The selection was resolved at compile time (rules_compile.c). */
static void apply_removal(rl_state_t *st, const rl_action_t *a, bool whole_rule)
{
    for (size_t i = 0; i < a->nsel; i++) {
        const rl_rule_t *r = a->sel[i];
        if (whole_rule)
            st->removed[r->index / 8] |= (unsigned char)(1u << (r->index % 8));
        else
            add_removed_target(st, r, &a->target);
    }
}

/* ------------------------------------------------------------ actions */

static bool parse_ll(const char *s, size_t len, long long *out)
{
    char buf[32];
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    if (len == 0 || len >= sizeof(buf)) {
        *out = 0;
        return len == 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    *out = strtoll(buf, &end, 10);
    return true;
}

static rl_map_t *collection(rl_state_t *st, int var)
{
    switch (var) {
    case RV_TX:
        return &st->txv;
    case RV_ENV:
        return &st->env;
    default:
        /* IP, GLOBAL, SESSION, USER, RESOURCE: transaction-scoped unless
         * a persistent store is configured */
        return &st->txv;
    }
}

static void run_setvar(rl_state_t *st, const rl_action_t *a)
{
    size_t nlen, vlen = 0;
    const char *name = rl_expand(st, a->name, &nlen);
    rl_map_t *m = collection(st, a->var);
    char prefixed[256];
    size_t plain_len = nlen;
    if (a->var != RV_TX && a->var != RV_ENV) {
        /* keep non-TX collections apart inside the transaction map */
        int n = snprintf(prefixed, sizeof(prefixed), "%s.%.*s", rv_name((rv_id_t)a->var), (int)nlen,
                         name);
        if (n < 0 || (size_t)n >= sizeof(prefixed))
            return;
        name = prefixed;
        nlen = (size_t)n;
    }
    if (a->op == RL_SETVAR_DELETE) {
        rl_map_del(m, name, nlen);
        if (name == prefixed)
            rl_persist_setvar(st, a->var, a->op, name + (nlen - plain_len), plain_len, NULL, 0);
        return;
    }
    const char *value = rl_expand(st, a->value, &vlen);
    if (name == prefixed)
        rl_persist_setvar(st, a->var, a->op, name + (nlen - plain_len), plain_len, value, vlen);
    if (a->op == RL_SETVAR_SET) {
        rl_map_set(st, m, name, nlen, value, vlen);
        return;
    }
    long long cur = 0, delta = 0;
    const rl_kv_t *kv = rl_map_get(m, name, nlen);
    if (kv)
        parse_ll(kv->value, kv->value_len, &cur);
    parse_ll(value, vlen, &delta);
    long long r = a->op == RL_SETVAR_ADD ? cur + delta : cur - delta;
    char buf[RL_LL_BUF];
    size_t n = rl_format_ll(buf, r);
    rl_map_set(st, m, name, nlen, buf, n);
}

static void run_ctl(rl_state_t *st, const rl_action_t *a)
{
    switch (a->ctl) {
    case RL_CTL_RULE_ENGINE:
        st->engine = (rl_engine_t)a->ctl_int;
        break;
    case RL_CTL_REMOVE_ID:
    case RL_CTL_REMOVE_TAG:
    case RL_CTL_REMOVE_MSG:
        apply_removal(st, a, true);
        break;
    case RL_CTL_REMOVE_TARGET_ID:
    case RL_CTL_REMOVE_TARGET_TAG:
    case RL_CTL_REMOVE_TARGET_MSG:
        apply_removal(st, a, false);
        break;
    case RL_CTL_BODY_PROCESSOR:
        st->body_processor = (rl_body_t)a->ctl_int;
        break;
    case RL_CTL_BODY_ACCESS:
        st->request_body_access = a->ctl_int;
        break;
    case RL_CTL_FORCE_BODY_VAR:
        st->force_body_var = a->ctl_int;
        break;
    case RL_CTL_RESPONSE_BODY_ACCESS:
        st->response_body_access = a->ctl_int;
        break;
    case RL_CTL_BODY_LIMIT:
    case RL_CTL_IGNORED:
        break;
    }
}

static void run_actions(rl_state_t *st, const rl_rule_t *r)
{
    for (size_t i = 0; i < r->nactions; i++) {
        const rl_action_t *a = &r->actions[i];
        switch (a->kind) {
        case RL_ACT_SETVAR:
            run_setvar(st, a);
            break;
        case RL_ACT_SETENV: {
            size_t nl, vl;
            const char *n = rl_expand(st, a->name, &nl);
            const char *v = rl_expand(st, a->value, &vl);
            rl_map_set(st, &st->env, n, nl, v, vl);
            break;
        }
        case RL_ACT_CTL:
            run_ctl(st, a);
            break;
        case RL_ACT_EXPIREVAR:
            rl_persist_expirevar(st, a);
            break;
        case RL_ACT_INITCOL:
            rl_persist_initcol(st, a);
            break;
        }
    }
}

/* ------------------------------------------------------------ matching */

typedef struct {
    rl_state_t *st;
    const rl_rule_t *r;
    bool only_hits;    /* evaluate only the values the prefilter named */
    const char *param; /* expanded dynamic operator parameter */
    size_t param_len;
    bool matched;
} eval_t;

static bool target_covers(const rl_target_t *x, rv_id_t var, const char *name, size_t len)
{
    return x->var == var && rl_target_selects(x, name, len);
}

static bool excluded(const eval_t *e, rv_id_t var, const char *name, size_t len)
{
    const rl_rule_t *r = e->r;
    for (size_t i = 0; i < r->ntargets; i++)
        if (r->targets[i].exclude && target_covers(&r->targets[i], var, name, len))
            return true;
    const rl_state_t *st = e->st;
    const rl_rule_t *h = r->head;
    if (!st->has_removed_targets ||
        !(st->has_removed_targets[h->index / 8] & (1u << (h->index % 8))))
        return false;
    for (size_t i = 0; i < st->nremoved_targets; i++)
        if (st->removed_targets[i].rule == r->head &&
            target_covers(&st->removed_targets[i].target, var, name, len))
            return true;
    return false;
}

static void set_matched(rl_state_t *st, rv_id_t var, const char *name, size_t name_len,
                        const char *value, size_t value_len)
{
    const char *vn = rv_name(var);
    size_t vnl = strlen(vn);
    char *full;
    size_t flen;
    if (name_len || rv_is_collection(var)) {
        flen = vnl + 1 + name_len;
        full = rp_arena_alloc(st->arena, flen + 1);
        if (!full)
            return;
        memcpy(full, vn, vnl);
        full[vnl] = ':';
        memcpy(full + vnl + 1, name, name_len);
        full[flen] = '\0';
    } else {
        full = (char *)vn;
        flen = vnl;
    }
    st->matched_var = value;
    st->matched_var_len = value_len;
    st->matched_var_name = full;
    st->matched_var_name_len = flen;
    /* full is the arena's; value is a list entry, a transaction field, a
     * transformation's output or a TX value (setvar writes a new copy), all
     * unchanged until the transaction ends */
    rl_list_add_ref(st, &st->matched_vars, full, flen, value, value_len);
}

static void set_captures(rl_state_t *st, const rp_op_captures_t *cap)
{
    for (size_t i = 0; i < cap->n && i < 10; i++) {
        char key[3] = {(char)('0' + i), '\0', '\0'};
        rl_map_set(st, &st->txv, key, 1, cap->group[i].p ? cap->group[i].p : "",
                   cap->group[i].p ? cap->group[i].len : 0);
    }
}

/* Run the operator on one transformed value; true on a (negation-aware)
 * match. */
static bool try_value(eval_t *e, rv_id_t var, const char *name, size_t name_len, const char *v,
                      size_t vlen)
{
    rl_state_t *st = e->st;
    const rl_rule_t *r = e->r;
    rp_op_captures_t cap;
    cap.n = 0;
    bool want_cap = r->capture;
    rp_op_result_t res =
        rp_op_execute(r->op, v, vlen, e->param, e->param_len, want_cap ? &cap : NULL);
    if (res == RP_OP_LIMIT) {
        st->pcre_limits_exceeded = true;
        return false;
    }
    if (res == RP_OP_FAIL)
        return false;
    bool hit = (res == RP_OP_MATCH) != r->negated;
    if (!hit)
        return false;
    if (want_cap && !r->negated && cap.n)
        set_captures(st, &cap);
    set_matched(st, var, name, name_len, v, vlen);
    run_actions(st, r);
    return true;
}

static bool on_value(void *ctx, rv_id_t var, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
    eval_t *e = ctx;
    if (e->only_hits && !rl_prefilter_value_hit(e->st, e->r->pf_slot, value))
        return true; /* none of the rule's literals in this value: no match */
    if (excluded(e, var, name, name_len))
        return true;
    const rl_rule_t *r = e->r;
    const char *v = value;
    size_t vlen = value_len;
    if (!r->multi_match) {
        rl_chain_run(e->st, r->chain, value, value_len, rl_var_stable_pointers(var), NULL, &v,
                     &vlen);
        if (try_value(e, var, name, name_len, v, vlen))
            e->matched = true;
        return true;
    }
    /* multiMatch: the operator also sees the value before and after each
     * transformation that changed it. Every prefix of the chain is an
     * interned chain (its parent, rules.h), so each step's result comes from
     * the transaction's table (rules_chain.c) rather than being recomputed
     * per rule; "changed" compares bytes, as rp_transform_apply does. */
    if (try_value(e, var, name, name_len, v, vlen))
        e->matched = true;
    const rl_chain_t *chains = e->st->rs->chains;
    bool stable = rl_var_stable_pointers(var);
    unsigned flags = RL_FLAGS_UNKNOWN;
    for (size_t k = 1; k <= r->ntfns; k++) {
        int c = r->chain;
        for (size_t up = r->ntfns; up > k; up--)
            c = chains[c].parent;
        const char *out;
        size_t out_len;
        rl_chain_run(e->st, c, value, value_len, stable, &flags, &out, &out_len);
        bool changed = out_len != vlen || (out != v && memcmp(out, v, vlen) != 0);
        v = out;
        vlen = out_len;
        if (changed && try_value(e, var, name, name_len, v, vlen))
            e->matched = true;
    }
    return true;
}

/* Evaluate one link: true when at least one value matched. */
static bool eval_link(rl_state_t *st, const rl_rule_t *r)
{
    st->prev_matched_vars = st->matched_vars;
    memset(&st->matched_vars, 0, sizeof(st->matched_vars));
    if (!r->op) { /* SecAction */
        run_actions(st, r);
        return true;
    }
    /* A rule the prefilter ran for only needs the values that hit. */
    eval_t e = {.st = st, .r = r, .only_hits = r->pf_slot >= 0 && r->pf_values && st->pf_hits};
    if (rp_op_dynamic(r->op))
        e.param = rl_expand(st, r->op_param, &e.param_len);
    for (size_t i = 0; i < r->ntargets; i++) {
        if (r->targets[i].exclude)
            continue;
        rl_target_values(st, &r->targets[i], on_value, &e);
    }
    return e.matched;
}

/* ------------------------------------------------------------ logging */

static const char *category_of(const rl_rule_t *r)
{
    static const struct {
        const char *tag, *category;
    } map[] = {{"attack-sqli", "sqli"},
               {"attack-xss", "xss"},
               {"attack-rce", "rce"},
               {"attack-lfi", "lfi"},
               {"attack-rfi", "rfi"},
               {"attack-php", "php"},
               {"attack-java", "java"},
               {"attack-injection-php", "php"},
               {"attack-generic", "generic"},
               {"attack-session-fixation", "session-fixation"},
               {"attack-protocol", "protocol"},
               {"attack-multipart-header", "protocol"},
               {"attack-reputation-scanner", "scanner"},
               {"attack-disclosure", "leakage"},
               {"anomaly-evaluation", "anomaly"}};
    for (size_t i = 0; i < r->ntags; i++)
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            if (strcmp(r->tags[i], map[k].tag) == 0)
                return map[k].category;
    return "rule";
}

/* CRS's anomaly weights by severity (crs-setup.conf defaults). */
static int severity_score(int sev)
{
    switch (sev) {
    case 2:
        return 5;
    case 3:
        return 4;
    case 4:
        return 3;
    case 5:
        return 2;
    default:
        return 0;
    }
}

static void log_match(rl_state_t *st, const rl_rule_t *r, bool blocks, int status)
{
    if (r->severity >= 0 && r->severity < st->highest_severity)
        st->highest_severity = r->severity;
    /* ModSecurity v3 reports a match when the rule logs to both the error
     * and the audit log (nolog and noauditlog silence it, 980170 relies on
     * that); a block is always reported. */
    if (!(r->log && r->auditlog) && !blocks)
        return;
    size_t len;
    const char *msg = r->msg ? rl_expand(st, r->msg, &len) : NULL;
    const char *data = r->logdata ? rl_expand(st, r->logdata, &len) : NULL;
    const char *target = st->matched_var_name;
    rp_match_t *m =
        rp_tx_add_match(st->tx, "rules", category_of(r), target ? target : "", msg ? msg : "", "",
                        severity_score(r->severity), blocks, status);
    if (!m)
        return;
    m->rule_id = r->id;
    m->msg = msg;
    m->data = data;
    m->severity = r->severity;
    m->tags = r->tags;
    m->ntags = r->ntags;
}

/* ------------------------------------------------------------ phases */

/* Evaluate a rule and its chain. */
static bool eval_chain(rl_state_t *st, const rl_rule_t *r)
{
    for (const rl_rule_t *l = r; l; l = l->chained) {
        st->rule = l;
        if (!eval_link(st, l))
            return false;
    }
    return true;
}

static rp_status_t run_phase(rl_state_t *st, int phase)
{
    if (phase < 1 || phase > 5 || st->phase_done >= phase)
        return st->interrupted ? RP_BLOCK : RP_OK;
    st->phase_done = phase;
    if (st->interrupted && phase < 5)
        return RP_BLOCK;
    if (st->allow_all && phase < 5)
        return RP_OK;
    if (st->allow_request && phase <= 2)
        return RP_OK;
    const rl_phase_t *ph = &st->rs->phase[phase];
    /* Rules with a prefilter slot run only when their literals were seen
     * (rules_prefilter.c); the others always run. */
    const uint64_t *cand = rl_prefilter_run(st, phase);
    size_t i = 0;
    while (i < ph->n) {
        if (st->engine == RL_ENGINE_OFF)
            break;
        const rl_rule_t *r = ph->rules[i];
        if (r->is_marker || is_removed(st, r) ||
            (cand && r->pf_slot >= 0 && !(cand[r->pf_slot / 64] & (1ull << (r->pf_slot % 64))))) {
            i++;
            continue;
        }
        bool matched = eval_chain(st, r);
        st->rule = r;
        if (!matched) {
            i++;
            continue;
        }
        /* would_block: the rules say stop (SecRuleEngine On); enforce: the
         * transaction's mode lets them (Rampart's detect mode records a
         * would-be block, like DetectionOnly, but keeps the verdict). */
        bool would_block = st->engine == RL_ENGINE_ON && phase < 5;
        bool enforce = would_block && st->tx->mode == RP_MODE_BLOCK;
        switch (r->disrupt) {
        case RL_DENY:
        case RL_DROP:
        case RL_REDIRECT: {
            int status = r->status                   ? r->status
                         : r->disrupt == RL_DROP     ? 444
                         : r->disrupt == RL_REDIRECT ? 302
                                                     : 403;
            if (r->disrupt == RL_REDIRECT && r->redirect && would_block && !st->tx->blocking) {
                size_t len;
                st->tx->redirect = rl_expand(st, r->redirect, &len);
            }
            log_match(st, r, would_block, status);
            if (enforce) {
                st->interrupted = true;
                return RP_BLOCK;
            }
            break;
        }
        case RL_ALLOW:
            /* allow only lets traffic through: Rampart's detect mode applies
             * it as block mode would, so both report the same matches. */
            log_match(st, r, false, 0);
            if (would_block) {
                if (r->allow_scope == RL_ALLOW_ALL)
                    st->allow_all = true;
                else if (r->allow_scope == RL_ALLOW_REQUEST)
                    st->allow_request = true;
                return RP_OK;
            }
            break;
        default:
            log_match(st, r, false, 0);
            break;
        }
        if (r->skip_after) {
            i = r->skip_after_to;
            continue;
        }
        i++;
        for (unsigned s = r->skip; s && i < ph->n; i++)
            if (!ph->rules[i]->is_marker)
                s--;
    }
    return RP_OK;
}

rp_status_t rl_run_phase(rl_state_t *st, int phase)
{
    rp_status_t rc = run_phase(st, phase);
    /* the phase's changes to stored collections, before any verdict is
     * acted on (rules_persist.c says why) */
    rl_persist_commit(st);
    return rc;
}
