/*
 * operator.c — the SecLang operator registry: names to compile/execute
 * functions, and the rp_op_* API the rule engine calls.
 *
 * Each operator family lives in its own file (op_rx.c, op_pm.c,
 * op_string.c, op_numeric.c, op_validate.c, op_ip.c, op_misc.c) and
 * exports plain functions over an opaque state pointer:
 *
 *     void *compile(const char *param, size_t len, const char *base_dir,
 *                   char *err, size_t err_len);       NULL + err on failure
 *     rp_op_result_t execute(const void *state, const char *value,
 *                   size_t len, const char *param, size_t param_len,
 *                   rp_op_captures_t *cap);
 *     void free(void *state);
 *
 * This file owns the table below and nothing else: lookup is a linear,
 * case-insensitive scan (about 30 names, done once per rule at load time).
 *
 * Dynamic parameters: for the operators ModSecurity v3 expands macros in
 * (@rx, the string comparisons, the numeric comparisons), a parameter that
 * contains "%{" is not compiled; the operator is marked dynamic, and at
 * execution the family receives the expanded text as param (state is NULL).
 * For every other operator "%{" is literal text, as in ModSecurity.
 *
 * Operators that ModSecurity knows but Rampart does not run are listed with
 * the reason, so a rule file that loads in ModSecurity says exactly what is
 * missing instead of "unknown operator".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "operator.h"

typedef void *(*op_compile_fn)(const char *param, size_t len, const char *base_dir, char *err,
                               size_t err_len);
typedef rp_op_result_t (*op_execute_fn)(const void *state, const char *value, size_t len,
                                        const char *param, size_t param_len, rp_op_captures_t *cap);
typedef void (*op_free_fn)(void *state);

/* The family interface (defined in op_*.c; see the comment above). */
#define FAMILY_DECL(f)                                                                             \
    void *op_##f##_compile(const char *param, size_t len, const char *base_dir, char *err,         \
                           size_t err_len);                                                        \
    void op_##f##_free(void *state)
#define EXEC_DECL(x)                                                                               \
    rp_op_result_t op_##x##_execute(const void *state, const char *value, size_t len,              \
                                    const char *param, size_t param_len, rp_op_captures_t *cap)

FAMILY_DECL(rx);
EXEC_DECL(rx);
bool op_rx_jitted(const void *state);
int op_rx_hs_kind(const void *state);
rp_op_result_t op_rx_search(const void *state, const char *value, size_t len, size_t start,
                            rp_op_captures_t *cap);
FAMILY_DECL(pm);
FAMILY_DECL(pmfile);
EXEC_DECL(pm);
FAMILY_DECL(string);
EXEC_DECL(streq);
EXEC_DECL(contains);
EXEC_DECL(containsword);
EXEC_DECL(beginswith);
EXEC_DECL(endswith);
EXEC_DECL(within);
EXEC_DECL(strmatch);
FAMILY_DECL(num);
EXEC_DECL(eq);
EXEC_DECL(ge);
EXEC_DECL(gt);
EXEC_DECL(le);
EXEC_DECL(lt);
FAMILY_DECL(byterange);
EXEC_DECL(byterange);
EXEC_DECL(urlenc);
EXEC_DECL(utf8);
FAMILY_DECL(ip);
FAMILY_DECL(ipfile);
EXEC_DECL(ip);
EXEC_DECL(unconditional);
EXEC_DECL(nomatch);
EXEC_DECL(sqli);
EXEC_DECL(xss);
FAMILY_DECL(verifycc);
EXEC_DECL(verifycc);

#define MACROS 1u /* the parameter may hold %{...} macros */

typedef struct {
    const char *name;
    op_compile_fn compile; /* NULL: no parameter to prepare */
    op_execute_fn execute;
    op_free_fn free;
    unsigned flags;
} op_def_t;

static const op_def_t op_defs[] = {
    {"rx", op_rx_compile, op_rx_execute, op_rx_free, MACROS},
    {"pm", op_pm_compile, op_pm_execute, op_pm_free, 0},
    {"pmFromFile", op_pmfile_compile, op_pm_execute, op_pm_free, 0},
    {"pmf", op_pmfile_compile, op_pm_execute, op_pm_free, 0}, /* ModSecurity's alias */
    {"streq", op_string_compile, op_streq_execute, op_string_free, MACROS},
    {"contains", op_string_compile, op_contains_execute, op_string_free, MACROS},
    {"containsWord", op_string_compile, op_containsword_execute, op_string_free, MACROS},
    {"beginsWith", op_string_compile, op_beginswith_execute, op_string_free, MACROS},
    {"endsWith", op_string_compile, op_endswith_execute, op_string_free, MACROS},
    {"within", op_string_compile, op_within_execute, op_string_free, MACROS},
    {"strmatch", op_string_compile, op_strmatch_execute, op_string_free, 0},
    {"eq", op_num_compile, op_eq_execute, op_num_free, MACROS},
    {"ge", op_num_compile, op_ge_execute, op_num_free, MACROS},
    {"gt", op_num_compile, op_gt_execute, op_num_free, MACROS},
    {"le", op_num_compile, op_le_execute, op_num_free, MACROS},
    {"lt", op_num_compile, op_lt_execute, op_num_free, MACROS},
    {"validateByteRange", op_byterange_compile, op_byterange_execute, op_byterange_free, 0},
    {"validateUrlEncoding", NULL, op_urlenc_execute, NULL, 0},
    {"validateUtf8Encoding", NULL, op_utf8_execute, NULL, 0},
    {"ipMatch", op_ip_compile, op_ip_execute, op_ip_free, 0},
    {"ipMatchFromFile", op_ipfile_compile, op_ip_execute, op_ip_free, 0},
    {"ipMatchF", op_ipfile_compile, op_ip_execute, op_ip_free, 0}, /* ModSecurity's alias */
    {"unconditionalMatch", NULL, op_unconditional_execute, NULL, 0},
    {"noMatch", NULL, op_nomatch_execute, NULL, 0},
    {"detectSQLi", NULL, op_sqli_execute, NULL, 0},
    {"detectXSS", NULL, op_xss_execute, NULL, 0},
    {"verifyCC", op_verifycc_compile, op_verifycc_execute, op_verifycc_free, 0},
};

/* Known to ModSecurity, refused here with the reason. */
static const struct {
    const char *name;
    const char *why;
} op_unsupported[] = {
    {"rbl", "DNS block list lookups are outside what Rampart runs"},
    {"geoLookup", "GeoIP lookups are outside what Rampart runs"},
    {"gsbLookup", "Google Safe Browsing lookups are outside what Rampart runs"},
    {"inspectFile", "running external programs on uploads is outside what Rampart runs"},
    {"fuzzyHash", "ssdeep fuzzy hashing is outside what Rampart runs"},
    {"verifySSN", "US social security number checks are outside what Rampart runs"},
    {"verifyCPF", "Brazilian CPF checks are outside what Rampart runs"},
    {"verifySVNR", "Austrian SVNR checks are outside what Rampart runs"},
    {"rsub", "stream editing is outside what Rampart runs"},
    {"validateDTD", "XML DTD validation is outside what Rampart runs"},
    {"validateSchema", "XML schema validation is outside what Rampart runs"},
    {"validateHash", "hash validation is outside what Rampart runs"},
};

struct rp_op {
    const op_def_t *def;
    void *state;
    bool dynamic;
};

static const op_def_t *op_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
        if (strcasecmp(op_defs[i].name, name) == 0)
            return &op_defs[i];
    return NULL;
}

bool rp_op_known(const char *name)
{
    return op_find(name) != NULL;
}

static bool has_macro(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (p[i] == '%' && p[i + 1] == '{')
            return true;
    return false;
}

static void op_unsupported_error(const char *name, char *err, size_t err_len)
{
    for (size_t i = 0; i < sizeof(op_unsupported) / sizeof(op_unsupported[0]); i++) {
        if (strcasecmp(op_unsupported[i].name, name) == 0) {
            snprintf(err, err_len, "unsupported operator @%s: %s", op_unsupported[i].name,
                     op_unsupported[i].why);
            return;
        }
    }
    snprintf(err, err_len, "unsupported operator @%.64s", name);
}

rp_op_t *rp_op_compile(const char *name, const char *param, size_t param_len, const char *base_dir,
                       char *err, size_t err_len)
{
    char dummy[1];
    if (!err || err_len == 0) {
        err = dummy;
        err_len = sizeof(dummy);
    }
    err[0] = '\0';
    const op_def_t *def = op_find(name);
    if (!def) {
        op_unsupported_error(name ? name : "", err, err_len);
        return NULL;
    }
    if (!param)
        param_len = 0;
    rp_op_t *op = calloc(1, sizeof(*op));
    /* Families get a NUL-terminated copy: simpler parsers, same bytes. */
    char *copy = malloc(param_len + 1);
    if (!op || !copy) {
        free(op);
        free(copy);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (param_len)
        memcpy(copy, param, param_len);
    copy[param_len] = '\0';
    op->def = def;
    if ((def->flags & MACROS) && has_macro(copy, param_len)) {
        op->dynamic = true;
    } else if (def->compile) {
        op->state = def->compile(copy, param_len, base_dir, err, err_len);
        if (!op->state) {
            if (!err[0])
                snprintf(err, err_len, "@%s: invalid parameter", def->name);
            free(copy);
            free(op);
            return NULL;
        }
    }
    free(copy);
    return op;
}

void rp_op_free(rp_op_t *op)
{
    if (!op)
        return;
    if (op->state && op->def->free)
        op->def->free(op->state);
    free(op);
}

bool rp_op_dynamic(const rp_op_t *op)
{
    return op && op->dynamic;
}

rp_op_result_t rp_op_execute(const rp_op_t *op, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap)
{
    if (cap)
        cap->n = 0;
    if (!op)
        return RP_OP_FAIL;
    if (!value) {
        if (len)
            return RP_OP_FAIL;
        value = "";
    }
    if (op->dynamic) {
        if (!param && param_len)
            return RP_OP_FAIL;
        if (!param)
            return RP_OP_FAIL; /* a dynamic operator needs its expanded text */
    } else {
        param = NULL;
        param_len = 0;
    }
    rp_op_result_t r = op->def->execute(op->state, value, len, param, param_len, cap);
    if (r != RP_OP_MATCH && cap)
        cap->n = 0;
    return r;
}

size_t op_pm_phrases(const void *state, const char *const **phrases, const size_t **lens);

size_t rp_op_literals(const rp_op_t *op, const char *const **phrases, const size_t **lens)
{
    if (!op || !op->state || op->def->execute != op_pm_execute)
        return 0;
    return op_pm_phrases(op->state, phrases, lens);
}

bool rp_op_is_rx(const rp_op_t *op)
{
    return op && op->state && op->def->execute == op_rx_execute;
}

/* For tests and load-time statistics (declared where used). */
bool rp_op_rx_jitted(const rp_op_t *op);
int rp_op_rx_hs_kind(const rp_op_t *op);
rp_op_result_t rp_op_rx_pcre2(const rp_op_t *op, const char *value, size_t len);

static bool is_static_rx(const rp_op_t *op)
{
    return op && op->state && op->def->execute == op_rx_execute;
}

/* Did this @rx get JIT code? */
bool rp_op_rx_jitted(const rp_op_t *op)
{
    return is_static_rx(op) && op_rx_jitted(op->state);
}

/* Its Vectorscan pre-check: 0 none, 1 exact, 2 prefilter (-1: not @rx). */
int rp_op_rx_hs_kind(const rp_op_t *op)
{
    return is_static_rx(op) ? op_rx_hs_kind(op->state) : -1;
}

/* PCRE2's own verdict, bypassing Vectorscan: for differential tests. */
rp_op_result_t rp_op_rx_pcre2(const rp_op_t *op, const char *value, size_t len)
{
    return is_static_rx(op) ? op_rx_search(op->state, value, len, 0, NULL) : RP_OP_FAIL;
}
