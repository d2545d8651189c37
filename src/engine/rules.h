/*
 * rules.h — the SecLang rule engine: a compiled rule set and its run.
 *
 * rl_compile turns a parsed configuration (seclang.h) into an immutable
 * rule set: rules grouped by phase in file order, markers kept in place for
 * skipAfter, SecDefaultAction folded into each rule, SecRuleRemove* and
 * SecRuleUpdate* applied, operators compiled (operator.h), transformation
 * chains resolved to ids. Anything the engine cannot run is a file:line
 * error there, never a surprise at run time.
 *
 * At run time each transaction owns an rl_state_t (arena memory): the
 * collections the rules read (ARGS, REQUEST_HEADERS, XML, TX...), filled by
 * the transaction as the request arrives, and the per-transaction changes
 * rules make (ctl:ruleRemoveById, ctl:ruleEngine...). rl_run_phase runs the
 * rules of one phase. Semantics follow the ModSecurity v3 reference manual;
 * docs/SECLANG.md lists the deliberate differences.
 */
#ifndef RAMPART_RULES_H
#define RAMPART_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "operator.h"
#include "rampart/status.h"
#include "seclang.h"

/* ------------------------------------------------------------ variables */

/* Every variable (collection or scalar) a rule may name. */
typedef enum {
    RV_ARGS = 0,
    RV_ARGS_GET,
    RV_ARGS_POST,
    RV_ARGS_NAMES,
    RV_ARGS_GET_NAMES,
    RV_ARGS_POST_NAMES,
    RV_ARGS_COMBINED_SIZE,
    RV_REQUEST_HEADERS,
    RV_REQUEST_HEADERS_NAMES,
    RV_REQUEST_COOKIES,
    RV_REQUEST_COOKIES_NAMES,
    RV_FILES,
    RV_FILES_NAMES,
    RV_FILES_SIZES,
    RV_FILES_COMBINED_SIZE,
    RV_FILES_TMPNAMES,
    RV_FILES_TMP_CONTENT,
    RV_XML,
    RV_MULTIPART_PART_HEADERS,
    RV_RESPONSE_HEADERS,
    RV_RESPONSE_HEADERS_NAMES,
    RV_TX,
    RV_IP,
    RV_GLOBAL,
    RV_SESSION,
    RV_USER,
    RV_RESOURCE,
    RV_ENV,
    RV_GEO,
    RV_RULE,
    RV_MATCHED_VAR,
    RV_MATCHED_VAR_NAME,
    RV_MATCHED_VARS,
    RV_MATCHED_VARS_NAMES,
    RV_REQUEST_URI,
    RV_REQUEST_URI_RAW,
    RV_REQUEST_FILENAME,
    RV_REQUEST_BASENAME,
    RV_REQUEST_LINE,
    RV_REQUEST_METHOD,
    RV_REQUEST_PROTOCOL,
    RV_QUERY_STRING,
    RV_PATH_INFO,
    RV_REQUEST_BODY,
    RV_REQUEST_BODY_LENGTH,
    RV_FULL_REQUEST,
    RV_FULL_REQUEST_LENGTH,
    RV_REQBODY_PROCESSOR,
    RV_REQBODY_ERROR,
    RV_REQBODY_ERROR_MSG,
    RV_REQBODY_PROCESSOR_ERROR,
    RV_REQBODY_PROCESSOR_ERROR_MSG,
    RV_INBOUND_DATA_ERROR,
    RV_OUTBOUND_DATA_ERROR,
    RV_URLENCODED_ERROR,
    RV_MULTIPART_STRICT_ERROR,
    RV_MULTIPART_UNMATCHED_BOUNDARY,
    RV_MULTIPART_BOUNDARY_QUOTED,
    RV_MULTIPART_BOUNDARY_WHITESPACE,
    RV_MULTIPART_DATA_BEFORE,
    RV_MULTIPART_DATA_AFTER,
    RV_MULTIPART_HEADER_FOLDING,
    RV_MULTIPART_LF_LINE,
    RV_MULTIPART_CRLF_LF_LINES,
    RV_MULTIPART_MISSING_SEMICOLON,
    RV_MULTIPART_INVALID_QUOTING,
    RV_MULTIPART_INVALID_PART,
    RV_MULTIPART_INVALID_HEADER_FOLDING,
    RV_MULTIPART_FILE_LIMIT_EXCEEDED,
    RV_MULTIPART_FILENAME,
    RV_MULTIPART_NAME,
    RV_REMOTE_ADDR,
    RV_REMOTE_HOST,
    RV_REMOTE_PORT,
    RV_REMOTE_USER,
    RV_SERVER_ADDR,
    RV_SERVER_NAME,
    RV_SERVER_PORT,
    RV_UNIQUE_ID,
    RV_RESPONSE_STATUS,
    RV_RESPONSE_PROTOCOL,
    RV_RESPONSE_BODY,
    RV_RESPONSE_CONTENT_TYPE,
    RV_RESPONSE_CONTENT_LENGTH,
    RV_STATUS_LINE,
    RV_DURATION,
    RV_HIGHEST_SEVERITY,
    RV_TIME,
    RV_TIME_DAY,
    RV_TIME_EPOCH,
    RV_TIME_HOUR,
    RV_TIME_MIN,
    RV_TIME_MON,
    RV_TIME_SEC,
    RV_TIME_WDAY,
    RV_TIME_YEAR,
    RV_AUTH_TYPE,
    RV_USERID,
    RV_SESSIONID,
    RV_WEBAPPID,
    RV_MODSEC_BUILD,
    RV_MSC_PCRE_LIMITS_EXCEEDED,
    RV_WEBSERVER_ERROR_LOG,
    RV_COUNT
} rv_id_t;

/* Look a variable up by name (case-insensitive); -1 when unknown. */
int rv_lookup(const char *name, size_t len);
const char *rv_name(rv_id_t id);
/* Collections hold named elements and take selectors (ARGS:foo). */
bool rv_is_collection(rv_id_t id);

/* One compiled target of a rule. */
typedef struct {
    uint16_t var;    /* rv_id_t */
    bool exclude;    /* !ARGS:foo */
    bool count;      /* &ARGS */
    const char *sel; /* selector as written (NULL: the whole collection) */
    size_t sel_len;
    rp_op_t *sel_rx; /* regex selector, compiled as @rx */
    /* Necessary factors of sel_rx (rx_factors.h, lower case): a name that
     * holds none of them cannot be selected, and walking TX with
     * TX:/^header_name_920450_/ tests a hundred names per rule. */
    char **sel_fac;
    size_t *sel_fac_len;
    size_t sel_nfac;
} rl_target_t;

/* Does target t's selector pick the element called name[0..len)? */
bool rl_target_selects(const rl_target_t *t, const char *name, size_t len);

/* ------------------------------------------------------------- actions */

typedef enum {
    RL_DISRUPT_NONE = 0, /* inherit from SecDefaultAction */
    RL_PASS,
    RL_BLOCK, /* the phase's SecDefaultAction disruptive action */
    RL_DENY,
    RL_DROP,
    RL_REDIRECT,
    RL_ALLOW
} rl_disrupt_t;

/* allow's scope. */
typedef enum { RL_ALLOW_ALL = 0, RL_ALLOW_PHASE, RL_ALLOW_REQUEST } rl_allow_t;

typedef enum {
    RL_SETVAR_SET = 0, /* tx.x=v (or tx.x with no value: 1) */
    RL_SETVAR_ADD,     /* tx.x=+v */
    RL_SETVAR_SUB,     /* tx.x=-v */
    RL_SETVAR_DELETE   /* !tx.x */
} rl_setvar_op_t;

typedef enum {
    RL_CTL_RULE_ENGINE = 0,
    RL_CTL_REMOVE_ID,
    RL_CTL_REMOVE_TAG,
    RL_CTL_REMOVE_MSG,
    RL_CTL_REMOVE_TARGET_ID,
    RL_CTL_REMOVE_TARGET_TAG,
    RL_CTL_REMOVE_TARGET_MSG,
    RL_CTL_BODY_PROCESSOR,
    RL_CTL_BODY_ACCESS,
    RL_CTL_FORCE_BODY_VAR,
    RL_CTL_RESPONSE_BODY_ACCESS,
    RL_CTL_BODY_LIMIT,
    RL_CTL_IGNORED /* auditEngine, auditLogParts, debugLogLevel, ... */
} rl_ctl_kind_t;

typedef enum {
    RL_ACT_SETVAR = 0,
    RL_ACT_CTL,
    RL_ACT_SETENV,
    RL_ACT_EXPIREVAR,
    RL_ACT_INITCOL
} rl_action_kind_t;

/* A non-disruptive action run each time the rule matches a value. */
typedef struct {
    rl_action_kind_t kind;
    /* setvar/setenv/expirevar/initcol: collection, name (may hold macros) */
    uint16_t var; /* rv_id_t of the collection (RV_TX, RV_IP, ...) */
    const char *name;
    rl_setvar_op_t op;
    const char *value; /* may hold macros; NULL for delete */
    /* ctl */
    rl_ctl_kind_t ctl;
    int ctl_int;                /* engine mode, body processor, on/off, limit */
    unsigned long id_lo, id_hi; /* ruleRemove(Target)ById range */
    const char *text;           /* tag or msg for ...ByTag/ByMsg */
    rl_target_t target;         /* ruleRemoveTarget*: the target removed */
    /* ruleRemove* / ruleRemoveTarget*: the rules selected, resolved once at
     * compile time (the rule list is fixed) */
    const struct rl_rule **sel;
    size_t nsel;
} rl_action_t;

/* Body processor names, as ctl:requestBodyProcessor and REQBODY_PROCESSOR
 * spell them. */
typedef enum {
    RL_BODY_AUTO = 0,
    RL_BODY_URLENCODED,
    RL_BODY_MULTIPART,
    RL_BODY_XML,
    RL_BODY_JSON
} rl_body_t;

/* Engine mode, as SecRuleEngine and ctl:ruleEngine spell it. */
typedef enum { RL_ENGINE_ON = 0, RL_ENGINE_DETECT, RL_ENGINE_OFF } rl_engine_t;

/* --------------------------------------------------------------- rules */

typedef struct rl_rule rl_rule_t;

/* A transformation chain, interned: rules with the same t: list share one
 * index (the prefilter groups values by it). Every prefix is interned too,
 * so chains form a tree: a chain is its parent plus one transformation, and
 * rules_chain.c computes a shared prefix once per value. */
typedef struct {
    int *tfns;
    size_t n;
    int parent; /* index of tfns[0..n-1), -1 for the empty chain */
    /* union of the steps' rp_transform_changes_on, and whether a step
     * changes every value: the chain is the identity on a value with byte
     * classes f when !always && !(changes_on & f) */
    unsigned changes_on;
    bool always;
} rl_chain_t;

struct rl_rule {
    unsigned long id; /* the chain's id for chained links */
    unsigned index;   /* position among all rules (for per-tx removal) */
    const char *file;
    unsigned line;
    int phase;
    bool is_marker;
    const char *marker; /* SecMarker name */

    /* SecRule: targets and operator; SecAction: none (always matches) */
    rl_target_t *targets;
    size_t ntargets;
    rp_op_t *op;
    const char *op_name;
    const char *op_param; /* as written, for dynamic operators and logs */
    size_t op_param_len;
    bool negated;
    int *tfns; /* transformation ids, in order */
    size_t ntfns;
    int chain;      /* index of tfns in the rule set's chains */
    int pf_slot;    /* prefilter slot (rules_prefilter.c), -1 when none */
    bool pf_values; /* the prefilter also says which values may match */

    /* Meta and logging (of the chain's first rule) */
    const char *msg;     /* may hold macros */
    const char *logdata; /* may hold macros */
    int severity;        /* -1 when none */
    const char **tags;
    size_t ntags;
    const char *ver;
    bool log;
    bool auditlog;
    bool capture;
    bool multi_match;

    /* Flow and disruptive */
    rl_disrupt_t disrupt;
    rl_allow_t allow_scope;
    int status;           /* deny/redirect status, 0 when none */
    const char *redirect; /* may hold macros */
    unsigned skip;
    const char *skip_after;
    unsigned skip_after_to; /* index in the phase list to continue at */

    rl_action_t *actions;
    size_t nactions;

    rl_rule_t *chained; /* next link, NULL at the end */
    rl_rule_t *head;    /* the chain's first rule (itself for heads) */
};

typedef struct {
    rl_rule_t **rules; /* rules and markers in order */
    size_t n;
    struct rl_prefilter *prefilter; /* rules_prefilter.c; NULL when none */
    size_t prefiltered;             /* rules with a prefilter slot */
} rl_phase_t;

typedef struct rl_ruleset {
    rp_arena_t *arena;
    rl_phase_t phase[6]; /* 1..5 */
    size_t nrules;       /* rules (chain heads and SecActions) */
    unsigned nindex;     /* rule indexes handed out (removal bitmap size) */
    rl_engine_t engine;
    bool request_body_access;
    bool response_body_access;
    size_t request_body_limit;
    bool request_body_limit_reject;
    size_t response_body_limit;
    bool response_body_limit_reject;
    const char **response_mime; /* SecResponseBodyMimeType, lower-case */
    size_t nresponse_mime;
    char argument_separator;
    const char *component_signature;
    long long collection_timeout; /* SecCollectionTimeout, seconds */
    bool uses_collections;        /* some rule does initcol/setsid/setuid */
    /* Which request variables some rule reads, so a transaction keeps only
     * what is needed. */
    bool needs_request_body;
    bool needs_full_request;
    bool needs_response_body;
    rl_chain_t *chains;
    size_t nchains, chains_cap;
    /* Every operator compiled, for freeing. */
    rp_op_t **ops;
    size_t nops, ops_cap;
} rl_ruleset_t;

/* Compile a parsed configuration. base_dir: where @pmFromFile and
 * @ipMatchFromFile data files are looked up when the rule's own file's
 * directory does not hold them (NULL: none). Returns NULL and fills *err
 * with file:line and reason on failure. */
rl_ruleset_t *rl_compile(const sl_config_t *cfg, rp_error_t *err);
void rl_ruleset_free(rl_ruleset_t *rs);

/* ------------------------------------------------------- per transaction */

/* One element of a collection. */
typedef struct {
    const char *name;
    const char *value;
    uint32_t name_len;
    uint32_t value_len;
} rl_kv_t;

typedef struct {
    rl_kv_t *v;
    size_t n, cap;
} rl_list_t;

/* A mutable collection (TX, IP, ...): names are lower-case. */
typedef struct {
    rl_kv_t *slot; /* open addressing, power-of-two capacity */
    size_t n, cap;
    rl_kv_t *order; /* insertion order, for iteration */
    size_t norder, order_cap;
} rl_map_t;

typedef struct rp_tx rp_tx_t;

typedef struct rl_state {
    rp_tx_t *tx;
    const rl_ruleset_t *rs;
    rp_arena_t *arena;
    rl_engine_t engine;

    rl_list_t args_get, args_post, headers, cookies, files, files_sizes, xml, part_headers,
        response_headers;
    /* MATCHED_VARS: the matches of the link being evaluated, and of the
     * link before it (what a chained rule's MATCHED_VARS target reads). */
    rl_list_t matched_vars, prev_matched_vars;
    rl_map_t txv;
    rl_map_t env;

    const char *matched_var;
    size_t matched_var_len;
    const char *matched_var_name;
    size_t matched_var_name_len;

    /* The rule running, for %{rule.*} */
    const rl_rule_t *rule;

    char server_addr[64];
    uint16_t server_port;
    const char *request_filename;
    const char *request_basename;
    const char *query_string;
    const char *request_line;
    rp_abuf_t request_body;
    bool request_body_full; /* stopped at the limit */
    rp_abuf_t response_body;
    bool response_body_on;
    const char *response_content_type;
    const char *response_protocol;

    rl_body_t body_processor; /* forced by ctl, else RL_BODY_AUTO */
    bool force_body_var;
    bool request_body_access;
    bool response_body_access;
    const char *reqbody_error_msg;
    bool reqbody_error;
    unsigned multipart_flags; /* RV_MULTIPART_* seen, bit (id - RV_MULTIPART_STRICT_ERROR) */
    size_t files_combined_size;
    int highest_severity;
    bool pcre_limits_exceeded;
    char unique_id[40];

    /* Per-transaction rule changes (ctl). */
    unsigned char *removed; /* bit per rule index */
    struct rl_removed_target {
        const rl_rule_t *rule; /* the chain's first rule */
        rl_target_t target;
    } * removed_targets;
    size_t nremoved_targets, removed_targets_cap;
    /* bit per rule index: the rule has removed targets (NULL: none has), so
     * the values of every other rule skip the list */
    unsigned char *has_removed_targets;

    /* The prefilter's per-slot hits of the running phase (rules_prefilter.c) */
    struct rl_pf_hits **pf_hits;
    /* Transformed values already computed (rules_chain.c) */
    struct rl_chain_cache *chain_cache;

    /* IP, GLOBAL, SESSION, USER, RESOURCE once initcol loaded them from a
     * store (rules_persist.c); NULL until the first initcol. */
    struct rl_persist *persist;

    /* Flow across phases */
    bool allow_all;     /* allow: skip phases 1-4 */
    bool allow_request; /* allow:request: skip phases 1-2 */
    bool interrupted;   /* a disruptive action stopped the transaction */
    int phase_done;     /* highest phase run */
} rl_state_t;

rl_state_t *rl_state_new(rp_tx_t *tx, const rl_ruleset_t *rs);
/* Record request data for the rules. Names and values are copied. */
int rl_list_add(rl_state_t *st, rl_list_t *l, const char *name, size_t name_len, const char *value,
                size_t value_len);
/* The same without copying: name and value must stay as they are for the
 * whole transaction (arena memory never rewritten, rule text). MATCHED_VARS
 * holds values the rules already read, often a whole request body. */
int rl_list_add_ref(rl_state_t *st, rl_list_t *l, const char *name, size_t name_len,
                    const char *value, size_t value_len);
/* Run one phase (1..5). Returns RP_BLOCK when a disruptive action decided
 * to stop the transaction (in blocking mode), else RP_OK. */
rp_status_t rl_run_phase(rl_state_t *st, int phase);

/* Mutable collections */
const rl_kv_t *rl_map_get(const rl_map_t *m, const char *name, size_t len);
int rl_map_set(rl_state_t *st, rl_map_t *m, const char *name, size_t len, const char *value,
               size_t value_len);
void rl_map_del(rl_map_t *m, const char *name, size_t len);

/* Values of one target, in order: var is the variable read (RV_ARGS for
 * ARGS even when the element came from the query), name the element's
 * name within it ("" for scalars). The callback returns false to stop. */
typedef bool (*rl_value_fn)(void *ctx, rv_id_t var, const char *name, size_t name_len,
                            const char *value, size_t value_len);
void rl_target_values(rl_state_t *st, const rl_target_t *t, rl_value_fn fn, void *ctx);
/* The single value of a variable path as macros write it ("tx.score",
 * "REQUEST_HEADERS.host", "MATCHED_VAR"); false when it has none. */
bool rl_var_value(rl_state_t *st, const char *path, size_t len, const char **value,
                  size_t *value_len);

/* rules_prefilter.c: build phase's prefilter at compile time (-1 with a
 * reason when Vectorscan refuses; the caller may run without one), and
 * at run time the candidate bit set (by pf_slot) of a phase, or NULL when
 * the phase has no prefilter (every rule is then a candidate). */
int rl_prefilter_build(rl_ruleset_t *rs, int phase, char *err, size_t err_len);
/* rules_compile.c: the index of the chain tf[0..n) in the rule set, added
 * when new (-1 without memory). */
int rl_chain_intern(rl_ruleset_t *rs, const int *tf, size_t n);
/* rules_prefilter.c: does the walk of variable v hand out values whose
 * pointers name the same bytes for the whole transaction (list entries,
 * transaction fields)? */
bool rl_var_stable_pointers(rv_id_t v);

/* rules_chain.c: *out = v transformed by rs->chains[chain], computed once
 * per transaction when stable (v's pointer names the same bytes for the
 * whole transaction, rl_var_stable_pointers). flags, when not NULL, holds
 * v's rp_transform_value_flags or RL_FLAGS_UNKNOWN, and is filled in when
 * computed. */
#define RL_FLAGS_UNKNOWN (~0u)
void rl_chain_run(rl_state_t *st, int chain, const char *v, size_t len, bool stable,
                  unsigned *flags, const char **out, size_t *out_len);

/* rules_chain.c: v's rp_transform_value_flags, remembered per transaction
 * when stable. */
unsigned rl_value_flags(rl_state_t *st, const char *v, size_t len, bool stable);

const uint64_t *rl_prefilter_run(rl_state_t *st, int phase);
/* After rl_prefilter_run: may value (as the walk hands it out) match the
 * rule in slot? Only meaningful for rules with pf_values. */
bool rl_prefilter_value_hit(const rl_state_t *st, int slot, const char *value);
void rl_prefilter_free(rl_ruleset_t *rs);

/* rules_persist.c: collections kept between transactions. initcol loads
 * a record into the transaction (under "ip.name" in the TX map, where reads
 * find it); setvar and expirevar on a loaded collection also record the
 * change, and rl_persist_commit writes the recorded changes back at the end
 * of each phase that made some. */
void rl_persist_initcol(rl_state_t *st, const rl_action_t *a);
/* Record a setvar already applied to the transaction's copy (name without
 * the collection prefix); nothing when var was not loaded by initcol. */
void rl_persist_setvar(rl_state_t *st, int var, rl_setvar_op_t op, const char *name, size_t nlen,
                       const char *value, size_t vlen);
void rl_persist_expirevar(rl_state_t *st, const rl_action_t *a);
void rl_persist_commit(rl_state_t *st);

/* v in decimal, as printf's "%lld" writes it, NUL-terminated into buf (at
 * least RL_LL_BUF bytes); returns the length. Counts (&ARGS), lengths and
 * setvar arithmetic format numbers on every request: snprintf's format
 * parsing cost more than the rest of a count. */
#define RL_LL_BUF 24
size_t rl_format_ll(char *buf, long long v);

/* Eight bytes with ASCII A-Z turned to a-z, every other byte unchanged
 * (names and literals are compared without ASCII case eight bytes at a
 * time): bit 7 of ge_a (gt_z) says a byte's low seven bits are >= 'A'
 * (> 'Z'), a byte >= 0x80 is never a letter, and no sum carries into the
 * next byte. */
static inline uint64_t rl_fold_ascii8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t low7 = x & ~high;
    uint64_t ge_a = low7 + (0x80 - 'A') * ones;
    uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones;
    return x | ((ge_a & ~gt_z & ~x & high) >> 2);
}

/* Expand %{...} macros of text into arena memory (text itself when it has
 * none). */
const char *rl_expand(rl_state_t *st, const char *text, size_t *len);

#endif
