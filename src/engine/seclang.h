/*
 * seclang.h — ModSecurity SecLang configuration, parsed.
 *
 * The parser turns SecLang files (CRS, crs-setup.conf, site exclusions) into
 * an ordered list of items — rules and directives — with the file and line
 * each came from. Order matters in SecLang (SecDefaultAction applies to the
 * rules after it, SecRuleRemoveById to the rules before it), so the list
 * keeps it; the rule engine (compile step) interprets it.
 *
 * Parsing validates every name it can: directives, variables (collections),
 * operators (rp_op_known), transformations (rp_transform_lookup) and actions.
 * Anything that is not SecLang is an error that names file:line and says
 * exactly what ("unknown operator @foo"), never silently ignored. The few
 * ModSecurity operators Rampart does not run (@rbl, @geoLookup, ...) are
 * SecLang: they parse, and the compile step refuses them with
 * rp_op_compile's reason (docs/SECLANG.md).
 *
 * All memory of a parsed configuration lives in one arena, released by
 * sl_config_free.
 */
#ifndef RAMPART_SECLANG_H
#define RAMPART_SECLANG_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "rampart/status.h"

/* One variable of a rule's target list: ARGS, ARGS:foo, ARGS:/^id_/,
 * !ARGS:foo, &ARGS, TX:anomaly_score, REQUEST_HEADERS:User-Agent ... */
typedef struct {
    const char *collection; /* upper-case name, e.g. "REQUEST_HEADERS" */
    const char *selector;   /* NULL for the whole collection; for a regex
                               selector, the pattern between the slashes */
    bool selector_regex;    /* ARGS:/pattern/ */
    bool exclude;           /* !ARGS:foo — remove from the list */
    bool count;             /* &ARGS — the number of elements */
} sl_var_t;

/* One action: name and value (NULL when it has none; quotes removed,
 * escapes kept as written: macros like %{tx.x} are expanded at run time). */
typedef struct {
    const char *name; /* as written, e.g. "setvar", "t", "ctl", "id" */
    const char *value;
} sl_action_t;

typedef enum {
    SL_RULE = 1, /* SecRule VARIABLES OPERATOR [ACTIONS] */
    SL_ACTION,   /* SecAction ACTIONS */
    SL_MARKER,   /* SecMarker NAME */
    SL_DIRECTIVE /* any other directive, arguments kept as words */
} sl_kind_t;

typedef struct sl_item sl_item_t;

struct sl_item {
    sl_kind_t kind;
    const char *file; /* the file the item came from (after Include) */
    unsigned line;    /* line where the directive starts */

    /* SL_RULE; also the target list of SecRuleUpdateTargetById/ByTag/ByMsg */
    sl_var_t *vars;
    size_t nvars;
    const char *op_name;  /* without '@'; "rx" when the operator had none */
    bool op_negated;      /* "!@rx ..." */
    const char *op_param; /* operator argument as written (may hold %{...}) */

    /* SL_RULE and SL_ACTION; also SecDefaultAction and SecRuleUpdateActionById */
    sl_action_t *actions;
    size_t nactions;
    /* The next rule of a chain (the "chain" action links this rule to the
     * SecRule after it); NULL at the end of a chain. Chained rules are not
     * also items of the top-level list. */
    sl_item_t *chained;

    /* SL_MARKER: the marker name. SL_DIRECTIVE: the directive name in its
     * canonical spelling ("SecRuleEngine"), whatever case was written. */
    const char *name;
    /* SL_DIRECTIVE: its arguments, quotes removed; enumerated values in
     * their canonical spelling ("DetectionOnly"). */
    const char **args;
    size_t nargs;

    sl_item_t *next; /* next top-level item */
};

typedef struct {
    rp_arena_t *arena;
    sl_item_t *first;
    size_t nitems; /* top-level items */
    size_t nrules; /* SecRule/SecAction including chained parts */
} sl_config_t;

/* Parse a file. Include (and IncludeOptional) directives are followed,
 * with glob patterns (matches read in byte order), relative to the
 * including file's directory; an include cycle or depth > 16 is an error.
 * On failure returns NULL and fills *err with file:line and the reason;
 * the line is that of the word or action at fault, inside multi-line
 * directives too. The caller owns the result: sl_config_free. */
sl_config_t *sl_parse_file(const char *path, rp_error_t *err);
/* The same from memory; name is used as the file name in errors and
 * base_dir for relative Includes (NULL: the current directory). */
sl_config_t *sl_parse_string(const char *text, size_t len, const char *name, const char *base_dir,
                             rp_error_t *err);
void sl_config_free(sl_config_t *c);

/* Action lookup helpers for the compile step: the first action called
 * name (case-insensitive), or NULL. */
const sl_action_t *sl_action_find(const sl_item_t *it, const char *name);

#endif
