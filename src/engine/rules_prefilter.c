/*
 * rules_prefilter.c — skip the rules that cannot match, with one literal
 * scan per value.
 *
 * Running every CRS rule on every value costs a regex execution per
 * (rule, value) pair: about 150 rules × 20 values for an ordinary request.
 * Almost none of them can match: an SQL-injection pattern needs "select"
 * or a quote, a shell pattern a ';' or a command name. So, per phase:
 *
 *   compile  each rule whose operator is @rx (static, not negated), @pm,
 *            @pmFromFile or a literal string comparison gets a slot. Its
 *            necessary literals — strings every match contains (rx_factors.c
 *            for @rx; the phrases or the parameter otherwise) — go into one
 *            Vectorscan literal database, pattern id = slot, matched
 *            case-insensitively. Each (target, transformation chain) pair
 *            the slotted rules read becomes a group with a bit mask of its
 *            rules — the target being a whole variable, or one element for
 *            a rule that names it (REQUEST_HEADERS:User-Agent) — and each
 *            target gets its own databases with only its rules' literals.
 *   run      for each group, each value of its target is transformed by
 *            the group's chain (cheaply: rp_transform_may_change skips the
 *            transformations that cannot change the value) and scanned once
 *            per distinct string; hits ∧ group mask mark candidate rules.
 *            rl_run_phase then evaluates a slotted rule only when it is a
 *            candidate; rules without a slot always run.
 *
 * Invariant (the whole design rests on it): a slotted rule that is not a
 * candidate would not have matched. It holds because (1) every match of
 * the operator contains one of the rule's literals (rx_factors.c's
 * contract, unit-tested against PCRE2 over the CRS corpus), (2) the group
 * scans every string the rule's operator sees — same variable (the whole
 * collection: selectors and exclusions only remove values), same chain
 * (for multiMatch, which also tries the value before and between its
 * transformations, every prefix of the chain too), same transformation
 * code — and (3) slotted rules read only variables that do not change
 * during a phase (never TX or MATCHED_*). Rules with counted targets
 * (&ARGS), macro parameters or a negated operator get no slot, nor
 * multiMatch rules whose chain rewrites every value (base64Decode): the
 * prefixes would need a scan of every value's decoded garbage.
 */
#include <hs/hs.h>

#include "hs_cache.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"
#include "rules_pf_cache.h"
#include "rx_factors.h"
#include "transform.h"

/* op_pm.c's per-thread Vectorscan scratch and database serials. */
uint64_t op_hs_serial(void);
hs_scratch_t *op_hs_scratch(const hs_database_t *db, uint64_t serial);

/* Bytes that evasions sprinkle between letters (`w"g'e\t`): literals
 * without them are searched in the value with them deleted, N(v). */
#define DELETED     "\\'\"^"
#define DELETED_LEN 4

/* The literal databases one target's values are scanned with: only the
 * literals of the slots whose rules read that variable — or that element
 * of it, for rules naming one (REQUEST_HEADERS:User-Agent) — so an Accept
 * header is not searched for the thousand literals of the User-Agent and
 * Referer rules, nor a header for the SQL keywords of argument rules
 * (inside Vectorscan each literal costs scanning time, each hit a
 * confirmation and a callback). */
struct rl_pf_dbs {
    hs_database_t *db_raw; /* literals holding a DELETED byte: scanned in v */
    hs_database_t *db_del; /* all other literals: scanned in N(v) */
    uint64_t serial_raw, serial_del;
};

struct rl_prefilter {
    unsigned nslots;
    size_t nwords;      /* 64-bit words of a slot bit set */
    uint64_t *by_value; /* slots whose rules evaluate only the values that hit */
    struct rl_pf_group {
        rl_target_t target; /* a whole variable, or one element (ARGS:id) */
        int chain;
        uint64_t *mask;
        size_t dbs;     /* index into dbs: the same for every group of a target */
        bool same_prev; /* same target as the group before it (sorted) */
    } * groups;
    size_t ngroups;
    struct rl_pf_dbs *dbs;
    size_t ndbs;
    uint64_t serial; /* op_hs_serial(): names this prefilter in rules_pf_cache */
};

/* Variables whose values stay the same while a phase runs. */
static bool stable_var(rv_id_t v)
{
    switch (v) {
    case RV_TX:
    case RV_IP:
    case RV_GLOBAL:
    case RV_SESSION:
    case RV_USER:
    case RV_RESOURCE:
    case RV_ENV:
    case RV_RULE:
    case RV_MATCHED_VAR:
    case RV_MATCHED_VAR_NAME:
    case RV_MATCHED_VARS:
    case RV_MATCHED_VARS_NAMES:
    case RV_DURATION:
    case RV_HIGHEST_SEVERITY:
    case RV_MSC_PCRE_LIMITS_EXCEEDED:
    case RV_GEO:
        return false;
    default:
        return true;
    }
}

/* ---------------------------------------------------------------- build */

typedef struct {
    char **lit;
    size_t *len;
    unsigned *id;
    unsigned *flags;
    size_t n, cap;
} lits_t;

static int lits_add(lits_t *l, const char *s, size_t len, unsigned id)
{
    if (len == 0 || s[0] == '\0')
        return -1; /* Vectorscan's literal API reads a leading NUL as the end */
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        char **a = realloc(l->lit, cap * sizeof(*a));
        if (a)
            l->lit = a;
        size_t *b = realloc(l->len, cap * sizeof(*b));
        if (b)
            l->len = b;
        unsigned *c = realloc(l->id, cap * sizeof(*c));
        if (c)
            l->id = c;
        unsigned *d = realloc(l->flags, cap * sizeof(*d));
        if (d)
            l->flags = d;
        if (!a || !b || !c || !d)
            return -2;
        l->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -2;
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->lit[l->n] = copy;
    l->len[l->n] = len;
    l->id[l->n] = id;
    l->flags[l->n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
    l->n++;
    return 0;
}

static void lits_free(lits_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->lit[i]);
    free(l->lit);
    free(l->len);
    free(l->id);
    free(l->flags);
}

static bool is_deleted[256] = {['\\'] = true, ['\''] = true, ['"'] = true, ['^'] = true};

static bool has_deleted_byte(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (is_deleted[(unsigned char)s[i]])
            return true;
    return false;
}

/* A literal that ordinary text is full of: a single letter or digit. A
 * rule with one is a candidate for nearly every value, so scanning for it
 * costs more than it saves; such rules get no slot and always run. */
static bool weak_literal(const char *s, size_t len)
{
    return len == 1 && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                        (s[0] >= '0' && s[0] <= '9'));
}

/* One literal of a rule: into the raw database when it holds a deleted
 * byte (only v can contain it), else into the deletion database (if v
 * contains the literal, so does N(v): the literal's bytes survive the
 * deletion and stay adjacent — a superset test, hence sound). */
static int add_literal(lits_t *raw, lits_t *del, const char *s, size_t len, unsigned id)
{
    if (weak_literal(s, len))
        return -1;
    return lits_add(has_deleted_byte(s, len) ? raw : del, s, len, id);
}

/* The smallest factor length of f (a rough selectivity). */
static size_t min_len(const rp_factors_t *f)
{
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < f->n; i++)
        if (f->len[i] < m)
            m = f->len[i];
    return m;
}

/* The literals of an @rx: its factors, or, when they are better, its
 * factors under deletion of DELETED (all of them free of deleted bytes,
 * so they go to the deletion database). */
static bool rx_literals(const rl_rule_t *r, lits_t *raw, lits_t *del, unsigned id)
{
    rp_factors_t f, g;
    bool have_f = rp_rx_factors(r->op_param, r->op_param_len, &f) == 0 && f.n > 0;
    bool have_g =
        rp_rx_factors_deleting(r->op_param, r->op_param_len, DELETED, DELETED_LEN, &g) == 0 &&
        g.n > 0;
    bool use_g = have_g && (!have_f || min_len(&g) > min_len(&f));
    bool ok = have_f || have_g;
    const rp_factors_t *x = use_g ? &g : &f;
    for (size_t i = 0; ok && i < x->n; i++)
        ok = add_literal(raw, del, x->s[i], x->len[i], id) == 0;
    if (have_f)
        rp_factors_free(&f);
    if (have_g)
        rp_factors_free(&g);
    return ok;
}

/* The rule's necessary literals under id; false when it has none the
 * prefilter can use (then nothing was added). */
static bool rule_literals(const rl_rule_t *r, lits_t *raw, lits_t *del, unsigned id)
{
    size_t mark_raw = raw->n, mark_del = del->n;
    bool ok = false;
    const char *const *ph;
    const size_t *plen;
    size_t n;
    if (rp_op_is_rx(r->op)) {
        ok = rx_literals(r, raw, del, id);
    } else if ((n = rp_op_literals(r->op, &ph, &plen)) > 0) {
        ok = true;
        for (size_t i = 0; ok && i < n; i++)
            ok = add_literal(raw, del, ph[i], plen[i], id) == 0;
    } else if (strcasecmp(r->op_name, "contains") == 0 ||
               strcasecmp(r->op_name, "containsWord") == 0 ||
               strcasecmp(r->op_name, "streq") == 0 || strcasecmp(r->op_name, "beginsWith") == 0 ||
               strcasecmp(r->op_name, "endsWith") == 0) {
        ok = add_literal(raw, del, r->op_param, r->op_param_len, id) == 0;
    }
    if (!ok) {
        while (raw->n > mark_raw)
            free(raw->lit[--raw->n]);
        while (del->n > mark_del)
            free(del->lit[--del->n]);
    }
    return ok;
}

/* Variables whose values the walk hands out as the same pointers every
 * time (list entries and transaction fields, not numbers formatted on
 * demand): for these the prefilter can name the values that hit. */
bool rl_var_stable_pointers(rv_id_t v)
{
    switch (v) {
    case RV_ARGS:
    case RV_ARGS_GET:
    case RV_ARGS_POST:
    case RV_ARGS_NAMES:
    case RV_ARGS_GET_NAMES:
    case RV_ARGS_POST_NAMES:
    case RV_REQUEST_HEADERS:
    case RV_REQUEST_HEADERS_NAMES:
    case RV_REQUEST_COOKIES:
    case RV_REQUEST_COOKIES_NAMES:
    case RV_FILES:
    case RV_FILES_NAMES:
    case RV_XML:
    case RV_MULTIPART_PART_HEADERS:
    case RV_RESPONSE_HEADERS:
    case RV_RESPONSE_HEADERS_NAMES:
    case RV_REQUEST_FILENAME:
    case RV_PATH_INFO:
    case RV_REQUEST_BASENAME:
    case RV_REQUEST_LINE:
    case RV_REQUEST_URI:
    case RV_REQUEST_URI_RAW:
    case RV_REQUEST_METHOD:
    case RV_REQUEST_PROTOCOL:
    case RV_QUERY_STRING:
    case RV_REQUEST_BODY:
    case RV_RESPONSE_BODY:
        return true;
    default:
        return false;
    }
}

static bool all_stable(const rl_rule_t *r)
{
    for (size_t i = 0; i < r->ntargets; i++)
        if (!r->targets[i].exclude && !rl_var_stable_pointers((rv_id_t)r->targets[i].var))
            return false;
    return true;
}

/* Does a transformation of r's chain change every value (base64Decode,
 * hexDecode...)? A multiMatch rule would then need a scan of each value's
 * decoded garbage, which costs more than running the rule. */
static bool rewrites(const rl_rule_t *r)
{
    for (size_t i = 0; i < r->ntfns; i++)
        if (rp_transform_may_change(r->tfns[i], 0))
            return true;
    return false;
}

static bool slottable(const rl_rule_t *r)
{
    if (!r->op || r->negated || rp_op_dynamic(r->op) || (r->multi_match && rewrites(r)))
        return false;
    size_t reads = 0;
    for (size_t i = 0; i < r->ntargets; i++) {
        const rl_target_t *t = &r->targets[i];
        if (t->exclude)
            continue;
        if (t->count || !stable_var((rv_id_t)t->var))
            return false;
        reads++;
    }
    return reads > 0;
}

/* Same variable and same element (or both the whole variable)? */
/* Order of group targets: by variable, then element (the whole variable
 * first, element names compared without case). */
static int target_cmp(const rl_target_t *x, const rl_target_t *y)
{
    if (x->var != y->var)
        return x->var < y->var ? -1 : 1;
    if (!x->sel != !y->sel)
        return x->sel ? 1 : -1;
    if (!x->sel)
        return 0;
    size_t n = x->sel_len < y->sel_len ? x->sel_len : y->sel_len;
    int c = strncasecmp(x->sel, y->sel, n);
    return c ? c : x->sel_len < y->sel_len ? -1 : x->sel_len > y->sel_len;
}

static bool same_target(const rl_target_t *a, const rl_target_t *b)
{
    return target_cmp(a, b) == 0;
}

/* The group key of a target: one element when the rule names it with a
 * plain selector, else the whole variable (a regex selector or an
 * exclusion only narrows what the whole variable's group scans). */
static rl_target_t group_target(const rl_target_t *t)
{
    rl_target_t g = {.var = t->var};
    if (t->sel && !t->sel_rx) {
        g.sel = t->sel;
        g.sel_len = t->sel_len;
    }
    return g;
}

static struct rl_pf_group *group_for(rp_arena_t *a, struct rl_prefilter *pf,
                                     const rl_target_t *target, int chain, size_t *cap)
{
    for (size_t i = 0; i < pf->ngroups; i++)
        if (same_target(&pf->groups[i].target, target) && pf->groups[i].chain == chain)
            return &pf->groups[i];
    if (pf->ngroups == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct rl_pf_group *g = rp_arena_alloc(a, ncap * sizeof(*g));
        if (!g)
            return NULL;
        if (pf->ngroups)
            memcpy(g, pf->groups, pf->ngroups * sizeof(*g));
        pf->groups = g;
        *cap = ncap;
    }
    struct rl_pf_group *g = &pf->groups[pf->ngroups++];
    g->target = *target;
    g->chain = chain;
    g->mask = NULL;
    g->same_prev = false;
    return g;
}

/* The literals of l whose slot is in mask, compiled into *db (left NULL
 * when there are none). */
static int compile_lits(const lits_t *l, const uint64_t *mask, hs_database_t **db, uint64_t *serial,
                        int phase, char *err, size_t err_len)
{
    lits_t sub = {0};
    sub.lit = malloc((l->n ? l->n : 1) * sizeof(*sub.lit));
    sub.len = malloc((l->n ? l->n : 1) * sizeof(*sub.len));
    sub.id = malloc((l->n ? l->n : 1) * sizeof(*sub.id));
    sub.flags = malloc((l->n ? l->n : 1) * sizeof(*sub.flags));
    int rc = 0;
    if (!sub.lit || !sub.len || !sub.id || !sub.flags) {
        snprintf(err, err_len, "phase %d prefilter: out of memory", phase);
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (!(mask[l->id[i] / 64] >> (l->id[i] % 64) & 1))
            continue;
        sub.lit[sub.n] = l->lit[i];
        sub.len[sub.n] = l->len[i];
        sub.id[sub.n] = l->id[i];
        sub.flags[sub.n] = l->flags[i];
        sub.n++;
    }
    if (sub.n == 0)
        goto out;
    hs_compile_error_t *cerr = NULL;
    if (rp_hs_compile_lit_multi((const char *const *)sub.lit, sub.flags, sub.id, sub.len,
                                (unsigned)sub.n, HS_MODE_BLOCK, db, &cerr) != HS_SUCCESS) {
        snprintf(err, err_len, "phase %d prefilter: Vectorscan: %s", phase,
                 cerr && cerr->message ? cerr->message : "compile error");
        hs_free_compile_error(cerr);
        rc = -1;
        goto out;
    }
    *serial = op_hs_serial();
out:
    free(sub.lit); /* the strings belong to l */
    free(sub.len);
    free(sub.id);
    free(sub.flags);
    return rc;
}

/* One pair of databases per target, holding the literals of the slots its
 * groups read (groups are sorted by target). */
static int build_dbs(rp_arena_t *a, struct rl_prefilter *pf, const lits_t *raw, const lits_t *del,
                     int phase, char *err, size_t err_len)
{
    size_t ntargets = 0;
    for (size_t g = 0; g < pf->ngroups; g++)
        if (g == 0 || !same_target(&pf->groups[g].target, &pf->groups[g - 1].target))
            ntargets++;
    pf->dbs = rp_arena_calloc(a, (ntargets ? ntargets : 1) * sizeof(*pf->dbs));
    uint64_t *mask = rp_arena_calloc(a, pf->nwords * sizeof(uint64_t));
    if (!pf->dbs || !mask) {
        snprintf(err, err_len, "phase %d prefilter: out of memory", phase);
        return -1;
    }
    for (size_t g0 = 0; g0 < pf->ngroups;) {
        size_t g1 = g0;
        memset(mask, 0, pf->nwords * sizeof(uint64_t));
        for (; g1 < pf->ngroups && same_target(&pf->groups[g1].target, &pf->groups[g0].target);
             g1++) {
            for (size_t w = 0; w < pf->nwords; w++)
                mask[w] |= pf->groups[g1].mask[w];
            pf->groups[g1].dbs = pf->ndbs;
        }
        struct rl_pf_dbs *d = &pf->dbs[pf->ndbs++];
        if (compile_lits(raw, mask, &d->db_raw, &d->serial_raw, phase, err, err_len) < 0 ||
            compile_lits(del, mask, &d->db_del, &d->serial_del, phase, err, err_len) < 0)
            return -1;
        g0 = g1;
    }
    return 0;
}

/* By target (target_cmp), then chain. */
static int group_cmp(const void *a, const void *b)
{
    const struct rl_pf_group *x = a, *y = b;
    int c = target_cmp(&x->target, &y->target);
    return c ? c : x->chain < y->chain ? -1 : x->chain > y->chain;
}

static int add_to_group(rl_ruleset_t *rs, struct rl_prefilter *pf, const rl_rule_t *r,
                        const rl_target_t *target, int chain, size_t *cap)
{
    rl_target_t t = group_target(target);
    struct rl_pf_group *g = chain < 0 ? NULL : group_for(rs->arena, pf, &t, chain, cap);
    if (g && !g->mask)
        g->mask = rp_arena_calloc(rs->arena, pf->nwords * sizeof(uint64_t));
    if (!g || !g->mask)
        return -1;
    g->mask[r->pf_slot / 64] |= 1ull << (r->pf_slot % 64);
    return 0;
}

/* The rule's slot into the groups of a target it reads: (target, chain),
 * and with multiMatch, which runs the operator on the value before and
 * after each transformation, also (target, every prefix of the chain). */
static int add_to_groups(rl_ruleset_t *rs, struct rl_prefilter *pf, const rl_rule_t *r,
                         const rl_target_t *target, size_t *cap)
{
    if (add_to_group(rs, pf, r, target, r->chain, cap) < 0)
        return -1;
    for (size_t n = 0; r->multi_match && n < r->ntfns; n++)
        if (add_to_group(rs, pf, r, target, rl_chain_intern(rs, r->tfns, n), cap) < 0)
            return -1;
    return 0;
}

static void free_dbs(struct rl_prefilter *pf)
{
    for (size_t i = 0; i < pf->ndbs; i++) {
        hs_free_database(pf->dbs[i].db_raw);
        hs_free_database(pf->dbs[i].db_del);
    }
    pf->ndbs = 0;
}

int rl_prefilter_build(rl_ruleset_t *rs, int phase, char *err, size_t err_len)
{
    rl_phase_t *ph = &rs->phase[phase];
    struct rl_prefilter *pf = rp_arena_calloc(rs->arena, sizeof(*pf));
    if (!pf)
        return -1;
    lits_t raw = {0}, del = {0};
    unsigned slots = 0;
    for (size_t i = 0; i < ph->n; i++) {
        rl_rule_t *r = ph->rules[i];
        r->pf_slot = -1;
        if (r->is_marker || !slottable(r) || !rule_literals(r, &raw, &del, slots))
            continue;
        r->pf_slot = (int)slots++;
        r->pf_values = all_stable(r);
    }
    pf->nwords = (slots + 63) / 64;
    pf->by_value = rp_arena_calloc(rs->arena, (pf->nwords ? pf->nwords : 1) * sizeof(uint64_t));
    if (!pf->by_value) {
        lits_free(&raw);
        lits_free(&del);
        return -1;
    }
    for (size_t i = 0; i < ph->n; i++) {
        rl_rule_t *r = ph->rules[i];
        if (!r->is_marker && r->pf_slot >= 0 && r->pf_values)
            pf->by_value[r->pf_slot / 64] |= 1ull << (r->pf_slot % 64);
    }
    pf->nslots = slots;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < ph->n && rc == 0; i++) {
        rl_rule_t *r = ph->rules[i];
        if (r->is_marker || r->pf_slot < 0)
            continue;
        for (size_t k = 0; k < r->ntargets && rc == 0; k++)
            if (!r->targets[k].exclude)
                rc = add_to_groups(rs, pf, r, &r->targets[k], &cap);
    }
    if (rc == 0 && pf->ngroups > 1)
        qsort(pf->groups, pf->ngroups, sizeof(*pf->groups), group_cmp);
    for (size_t g = 1; rc == 0 && g < pf->ngroups; g++)
        pf->groups[g].same_prev = same_target(&pf->groups[g].target, &pf->groups[g - 1].target);
    if (rc == 0 && slots)
        rc = build_dbs(rs->arena, pf, &raw, &del, phase, err, err_len);
    lits_free(&raw);
    lits_free(&del);
    if (rc < 0) {
        free_dbs(pf);
        for (size_t i = 0; i < ph->n; i++)
            ph->rules[i]->pf_slot = -1;
        return -1;
    }
    pf->serial = op_hs_serial();
    ph->prefilter = pf;
    ph->prefiltered = slots;
    return 0;
}

void rl_prefilter_free(rl_ruleset_t *rs)
{
    for (int p = 1; p <= 5; p++)
        if (rs->phase[p].prefilter)
            free_dbs(rs->phase[p].prefilter);
}

/* ------------------------------------------------------------------ run */

#define RUN_OUTPUTS 8  /* distinct transformed strings remembered per value */
#define SLOT_VALUES 16 /* values remembered per slot; more means "any value" */

/* Per slot: the values whose scan hit the slot's literals. */
struct rl_pf_hits {
    unsigned char n; /* SLOT_VALUES + 1: overflow, every value is a candidate */
    const char *v[SLOT_VALUES];
};

/* The record of a slot whose values were not remembered: never written
 * (the code below only writes records with fewer values). */
static struct rl_pf_hits every_value = {.n = SLOT_VALUES + 1};

typedef struct {
    rl_state_t *st;
    const struct rl_prefilter *pf;
    size_t g0, g1; /* the groups of the variable being walked */
    uint64_t *cand;
    uint64_t *settled;
    uint64_t *idmask; /* masks of the identity groups not yet applied */
    struct rl_pf_hits **hits;
    hs_scratch_t *scratch;
    /* per value: the distinct strings scanned so far and their hits */
    struct {
        const struct rl_pf_dbs *dbs;
        const char *p;
        size_t len;
        uint64_t *bits;
    } out[RUN_OUTPUTS];
    uint64_t *pool; /* RUN_OUTPUTS + 1 bit sets */
    /* while a value to be remembered across requests is walked: the OR of
     * its masked hits over every group that selects it (NULL otherwise),
     * and whether a fallback (no memory) made them "everything" */
    uint64_t *acc;
    bool degraded;
} run_t;

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    uint64_t *hits = ctx;
    hits[id / 64] |= 1ull << (id % 64);
    return 0;
}

/* Is some rule of the group still waiting for news? A slot is settled
 * when it is a candidate and either runs on every value or has more hit
 * values than the prefilter remembers. */
static bool group_open(const run_t *r, const struct rl_pf_group *g)
{
    for (size_t w = 0; w < r->pf->nwords; w++)
        if (g->mask[w] & ~r->settled[w])
            return true;
    return false;
}

/* Every literal is matched case-insensitively, so strings that differ only
 * in ASCII case (a value and its t:lowercase) have the same hits. */
static bool same_but_case(const char *a, const char *b, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y && rl_fold_ascii8(x) != rl_fold_ascii8(y))
            return false;
    }
    for (; i < len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z'))
            return false;
    }
    return true;
}

/* Hits of the literal scan of s with d, scanning each distinct string once
 * per value. */
static const uint64_t *scan_once(run_t *r, size_t *nout, const struct rl_pf_dbs *d, const char *s,
                                 size_t len)
{
    size_t nw = r->pf->nwords;
    for (size_t i = 0; i < *nout; i++)
        if (r->out[i].dbs == d && r->out[i].len == len &&
            (r->out[i].p == s || same_but_case(r->out[i].p, s, len)))
            return r->out[i].bits;
    uint64_t *bits = r->pool + (*nout < RUN_OUTPUTS ? *nout : RUN_OUTPUTS) * nw;
    memset(bits, 0, nw * sizeof(uint64_t));
    if (has_deleted_byte(s, len)) {
        if (d->db_raw)
            hs_scan(d->db_raw, s, (unsigned)len, 0, r->scratch, on_hit, bits);
        if (d->db_del) {
            char *n = rp_arena_alloc(r->st->arena, len + 1);
            size_t k = 0;
            if (!n) {
                memset(bits, 0xff, nw * sizeof(uint64_t)); /* no memory: all candidates */
                r->degraded = true;
                return bits;
            }
            for (size_t i = 0; i < len; i++)
                if (!is_deleted[(unsigned char)s[i]])
                    n[k++] = s[i];
            hs_scan(d->db_del, k ? n : "", (unsigned)k, 0, r->scratch, on_hit, bits);
        }
    } else if (d->db_del) {
        hs_scan(d->db_del, len ? s : "", (unsigned)len, 0, r->scratch, on_hit, bits);
    }
    if (*nout < RUN_OUTPUTS) {
        r->out[*nout].dbs = d;
        r->out[*nout].p = s;
        r->out[*nout].len = len;
        r->out[*nout].bits = bits;
        (*nout)++;
    }
    return bits;
}

/* The hits of one scanned string, masked by the groups that scanned it:
 * candidates, settled slots, and the values each by-value slot runs on. */
static void apply_hits(run_t *r, const uint64_t *bits, const uint64_t *mask, const char *value)
{
    for (size_t w = 0; w < r->pf->nwords; w++) {
        uint64_t hit = bits[w] & mask[w];
        if (r->acc)
            r->acc[w] |= hit;
        if (!hit)
            continue;
        r->cand[w] |= hit;
        r->settled[w] |= hit & ~r->pf->by_value[w];
        hit &= r->pf->by_value[w];
        while (hit) {
            size_t slot = w * 64 + (size_t)__builtin_ctzll(hit);
            struct rl_pf_hits *h = r->hits[slot];
            hit &= hit - 1;
            if (!h && !(h = r->hits[slot] = rp_arena_calloc(r->st->arena, sizeof(*h)))) {
                h = r->hits[slot] = &every_value; /* no memory: every value may match */
                r->settled[w] |= 1ull << (slot % 64);
            }
            if (h->n < SLOT_VALUES && (h->n == 0 || h->v[h->n - 1] != value)) {
                h->v[h->n++] = value;
            } else if (h->n == SLOT_VALUES && h->v[h->n - 1] != value) {
                h->n = SLOT_VALUES + 1;
                r->settled[w] |= 1ull << (slot % 64);
            }
        }
    }
}

/* The groups whose chain leaves the value as it is (its byte classes say
 * no step can change it) all scan the value itself: their masks are ORed
 * and the value is scanned and its hits applied once per database. */
static void flush_identity(run_t *r, size_t *nout, size_t dbs, const char *value, size_t len)
{
    if (dbs == SIZE_MAX)
        return;
    const uint64_t *bits = scan_once(r, nout, &r->pf->dbs[dbs], value, len);
    apply_hits(r, bits, r->idmask, value);
    memset(r->idmask, 0, r->pf->nwords * sizeof(uint64_t));
}

/* Variables whose values repeat across requests: a browser sends the same
 * User-Agent, Accept* and cookies every time, an API's clients the same
 * argument and JSON key names, an application the same response headers,
 * each endpoint its path. Their verdicts are remembered per thread
 * (rules_pf_cache.h). Argument values and bodies vary: not remembered. */
static bool repeating_var(rv_id_t var)
{
    switch (var) {
    case RV_REQUEST_HEADERS:
    case RV_REQUEST_HEADERS_NAMES:
    case RV_REQUEST_COOKIES:
    case RV_REQUEST_COOKIES_NAMES:
    case RV_ARGS_NAMES:
    case RV_ARGS_GET_NAMES:
    case RV_ARGS_POST_NAMES:
    case RV_REQUEST_FILENAME:
    case RV_REQUEST_BASENAME:
    case RV_RESPONSE_HEADERS:
    case RV_RESPONSE_HEADERS_NAMES:
        return true;
    default:
        return false;
    }
}

static void walk_value(run_t *r, rv_id_t var, const char *name, size_t name_len, const char *value,
                       size_t value_len);

static bool on_value(void *ctx, rv_id_t var, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
    run_t *r = ctx;
    if (!repeating_var(var)) {
        walk_value(r, var, name, name_len, value, value_len);
        return true;
    }
    size_t nw = r->pf->nwords;
    const uint64_t *known =
        rl_pf_cache_find(r->pf->serial, var, name, name_len, value, value_len, nw);
    if (known) {
        /* the same bits a walk would apply: already masked by the groups */
        apply_hits(r, known, known, value);
        return true;
    }
    r->acc = r->pool + (RUN_OUTPUTS + 1) * nw;
    memset(r->acc, 0, nw * sizeof(uint64_t));
    r->degraded = false;
    walk_value(r, var, name, name_len, value, value_len);
    if (!r->degraded)
        rl_pf_cache_put(r->pf->serial, var, name, name_len, value, value_len, r->acc, nw);
    r->acc = NULL;
    return true;
}

/* Scan one value with every group of its variable that selects it. While
 * r->acc collects the value's verdict for the cache, settled groups are
 * scanned too: the verdict must not depend on this transaction's state. */
static void walk_value(run_t *r, rv_id_t var, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    size_t nout = 0;
    bool stable = rl_var_stable_pointers(var);
    unsigned flags = rl_value_flags(r->st, value, value_len, stable);
    const rl_chain_t *chains = r->st->rs->chains;
    size_t id_dbs = SIZE_MAX; /* the database of the identity groups in idmask */
    bool selected = true, sel_known = false;
    for (size_t gi = r->g0; gi < r->g1; gi++) {
        const struct rl_pf_group *g = &r->pf->groups[gi];
        /* groups of one element are adjacent: test the name once per run */
        if (gi == r->g0 || !g->same_prev)
            sel_known = false;
        if (!r->acc && !group_open(r, g))
            continue;
        if (g->target.sel) {
            if (!sel_known) {
                selected = rl_target_selects(&g->target, name, name_len);
                sel_known = true;
            }
            if (!selected)
                continue;
        }
        const rl_chain_t *ch = &chains[g->chain];
        if (ch->n == 0 || (!ch->always && !(ch->changes_on & flags))) {
            if (id_dbs != g->dbs) {
                flush_identity(r, &nout, id_dbs, value, value_len);
                id_dbs = g->dbs;
            }
            for (size_t w = 0; w < r->pf->nwords; w++)
                r->idmask[w] |= g->mask[w];
            continue;
        }
        const char *v;
        size_t vlen;
        rl_chain_run(r->st, g->chain, value, value_len, stable, &flags, &v, &vlen);
        apply_hits(r, scan_once(r, &nout, &r->pf->dbs[g->dbs], v, vlen), g->mask, value);
    }
    flush_identity(r, &nout, id_dbs, value, value_len);
}

bool rl_prefilter_value_hit(const rl_state_t *st, int slot, const char *value)
{
    const struct rl_pf_hits *h = st->pf_hits[slot];
    if (!h)
        return false; /* no value hit the slot */
    if (h->n > SLOT_VALUES)
        return true;
    for (unsigned i = 0; i < h->n; i++)
        if (h->v[i] == value)
            return true;
    return false;
}

const uint64_t *rl_prefilter_run(rl_state_t *st, int phase)
{
    st->pf_hits = NULL;
    const struct rl_prefilter *pf = st->rs->phase[phase].prefilter;
    if (!pf || !pf->nslots)
        return NULL;
    size_t nw = pf->nwords;
    uint64_t *buf = rp_arena_calloc(st->arena, (RUN_OUTPUTS + 5) * nw * sizeof(uint64_t));
    /* one per-thread scratch, grown to fit every database (growing may move
     * it, so the pointer is the one returned last) */
    hs_scratch_t *scratch = NULL;
    for (size_t i = 0; i < pf->ndbs; i++) {
        const struct rl_pf_dbs *d = &pf->dbs[i];
        if ((d->db_raw && !(scratch = op_hs_scratch(d->db_raw, d->serial_raw))) ||
            (d->db_del && !(scratch = op_hs_scratch(d->db_del, d->serial_del))))
            return NULL; /* no prefilter: every rule runs (slower, still exact) */
    }
    if (!buf)
        return NULL;
    /* a slot's record is allocated at its first hit: most never hit */
    struct rl_pf_hits **hits = rp_arena_calloc(st->arena, pf->nslots * sizeof(*hits));
    if (!hits)
        return NULL;
    run_t r = {.st = st,
               .pf = pf,
               .cand = buf,
               .settled = buf + nw,
               .idmask = buf + 2 * nw,
               .pool = buf + 3 * nw,
               .scratch = scratch,
               .hits = hits};
    st->pf_hits = hits;
    /* groups are sorted by variable: walk each variable's values once */
    for (size_t g0 = 0; g0 < pf->ngroups;) {
        size_t g1 = g0 + 1;
        while (g1 < pf->ngroups && pf->groups[g1].target.var == pf->groups[g0].target.var)
            g1++;
        r.g0 = g0;
        r.g1 = g1;
        rl_target_t t = {.var = pf->groups[g0].target.var};
        rl_target_values(st, &t, on_value, &r);
        g0 = g1;
    }
    return r.cand;
}
