/*
 * mask_policy.h — response masking rules as a policy holds them ("mask"
 * and "mask_*" directives, docs/POLICY.md "Response masking").
 *
 * A rule covers the paths under a prefix (longest prefix wins) and says
 * which data classes are looked for, how each is masked, which JSON keys
 * are labelled (names, addresses: masked whatever they hold; record keys:
 * reported in data-access events), and which roles or groups see clear
 * values.
 */
#ifndef RAMPART_MASK_POLICY_H
#define RAMPART_MASK_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rampart/dataclass.h"

#define RP_MASK_MAX_RULES  64
#define RP_MASK_MAX_FIELDS 16 /* labelled keys per kind and rule */
#define RP_MASK_MAX_LIST   16 /* roles or groups per rule */
#define RP_MASK_NAME_MAX   48

/* Labelled-field classes beyond rp_data_class_t (event and style names
 * "name", "address"). */
enum { RP_MASK_LABEL_NAME = RP_DC_COUNT, RP_MASK_LABEL_ADDRESS, RP_MASK_CLASS_COUNT };

typedef enum { RP_MASK_FORMAT_AUTO = 0, RP_MASK_FORMAT_JSON, RP_MASK_FORMAT_TEXT } rp_mask_format_t;

typedef struct {
    char name[RP_MASK_NAME_MAX];
    unsigned char len;
} rp_mask_word_t;

typedef struct {
    char prefix[128];
    size_t prefix_len;
    unsigned classes;                           /* RP_DC_BIT() of the scanned classes */
    rp_mask_style_t style[RP_MASK_CLASS_COUNT]; /* per class, labels included */
    rp_mask_format_t format;
    rp_mask_word_t names[RP_MASK_MAX_FIELDS], addresses[RP_MASK_MAX_FIELDS],
        keys[RP_MASK_MAX_FIELDS];
    size_t nnames, naddresses, nkeys;
    rp_mask_word_t roles[RP_MASK_MAX_LIST], groups[RP_MASK_MAX_LIST];
    size_t nroles, ngroups;
    bool off; /* "mask PREFIX off": nothing under it is masked */
} rp_mask_rule_t;

typedef enum { RP_MASK_OVER_PASS = 0, RP_MASK_OVER_REFUSE } rp_mask_over_t;
typedef enum { RP_MASK_GZIP_RECODE = 0, RP_MASK_GZIP_IDENTITY } rp_mask_gzip_t;

typedef struct rp_mask_rules {
    rp_mask_rule_t *rules;
    size_t n;
    size_t body_limit; /* mask_body_limit: bytes of (decoded) body masked */
    rp_mask_over_t over;
    rp_mask_gzip_t gzip;
    uint8_t hash_key[64];
    size_t hash_key_len;         /* 0: no mask_hash_key (hash style refused) */
    bool hash_used;              /* a rule asks for the hash style */
    unsigned discovery_interval; /* seconds between discovery events per route */
    /* when each rule last gave a discovery event (this process; Unix s) */
    _Atomic long long discovered_at[RP_MASK_MAX_RULES];
} rp_mask_rules_t;

/* Parse one directive line (w[0] is "mask", "mask_body_limit",
 * "mask_encoding", "mask_hash_key" or "mask_discovery"); dir is the policy
 * file's directory for relative key files. 0, or -1 with the reason. The
 * rule set is created on first use. */
int rp_mask_directive(rp_mask_rules_t **rules, char **w, int nw, const char *dir, char *why,
                      size_t why_len);
/* One "mask PREFIX OPTION..." line (w[0] "mask") into *r; the "encrypt"
 * directive reads its roles-clear, groups-clear and styles through it. */
int rp_mask_rule_parse(rp_mask_rule_t *r, char **w, int nw, char *why, size_t why_len);
/* After the whole file: a hash style without a key is an error (the line
 * of the first such rule is not kept: the reason says which). */
int rp_mask_rules_check(const rp_mask_rules_t *rules, char *why, size_t why_len);
void rp_mask_rules_free(rp_mask_rules_t *rules);

/* Does prefix (pl bytes) cover path: a prefix of it on a segment
 * boundary ("/api" covers "/api/x", not "/apix")? */
bool rp_mask_prefix_covers(const char *prefix, size_t pl, const char *path, size_t len);
/* The rule for a path (longest prefix on segment boundaries), or NULL. */
const rp_mask_rule_t *rp_mask_rule_for(const rp_mask_rules_t *rules, const char *path, size_t len);
/* Does a viewer with these roles and groups (comma-separated,
 * percent-encoded as in the session claims) see clear values? A group
 * covers the groups below it ("/org" covers "/org/hr"). */
bool rp_mask_viewer_clear(const rp_mask_rule_t *rule, const char *roles, size_t roles_len,
                          const char *groups, size_t groups_len);
/* "resident_id".."plate", "name", "address". */
const char *rp_mask_class_name(int cls);

#endif
