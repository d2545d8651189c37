/*
 * baseline_policy.h — security configuration assessment policies: the
 * declarative policy files of docs/AGENT.md ("Baseline checks"), parsed
 * into checks of conditions. A policy file that does not parse is refused
 * whole with FILE:LINE and the reason.
 *
 *     policy ID "title"
 *     check ID "title"
 *       control "MLPS 2.0 level 3 control id"
 *       rationale "why"
 *       remediation "how to fix"
 *       requires /etc/nginx/nginx.conf        # optional: absent → not applicable
 *       sshd PermitRootLogin == no           # conditions: all must hold
 *     end
 *
 * Evaluation (baseline_check.c) only reads files below a root; nothing
 * from a policy or a checked file is ever executed.
 */
#ifndef RAMPART_AGENT_BASELINE_POLICY_H
#define RAMPART_AGENT_BASELINE_POLICY_H

#include <stddef.h>

#include "rampart/status.h"

typedef enum {
    COND_FILE_EXISTS,       /* file_exists PATH */
    COND_FILE_ABSENT,       /* file_absent PATH */
    COND_FILE_CONTAINS,     /* file_contains PATH REGEX: some line matches */
    COND_FILE_NOT_CONTAINS, /* file_not_contains PATH REGEX: no line matches (absent passes) */
    COND_FILE_MODE,         /* file_mode PATH 0640: no permission beyond these */
    COND_FILE_OWNER,        /* file_owner PATH USER GROUP (names or numbers) */
    COND_SYSCTL,            /* sysctl KEY OP VALUE: /proc/sys */
    COND_SERVICE,           /* service UNIT enabled|disabled|masked|absent */
    COND_PROCESS,           /* process NAME running|absent: /proc/PID/comm */
    COND_SSHD,              /* sshd KEYWORD OP VALUE: sshd_config's effective value */
    COND_PAM,               /* pam FILE MODULE [ARG...]: a line of /etc/pam.d/FILE */
    COND_LOGIN_DEFS         /* login_defs KEY OP VALUE: /etc/login.defs */
} cond_kind_t;

typedef enum { OP_EQ, OP_NE, OP_GE, OP_LE, OP_GT, OP_LT, OP_MATCH, OP_NOMATCH } cond_op_t;

/* pam arguments: key=value, key>=N, key<=N, flag, !flag */
typedef enum { PAM_ARG_EQ, PAM_ARG_GE, PAM_ARG_LE, PAM_ARG_FLAG, PAM_ARG_NO_FLAG } pam_arg_kind_t;

typedef struct {
    pam_arg_kind_t kind;
    char *key, *value;
    long long number;
} pam_arg_t;

typedef struct {
    cond_kind_t kind;
    unsigned line;
    char *path;  /* the file, unit, process, sysctl or keyword */
    char *value; /* compared value, regex, state or pam module */
    cond_op_t op;
    long long number; /* a numeric value (ops >=, <=, >, <) */
    void *re;         /* compiled PCRE2 pattern (file_contains, ~) */
    unsigned mode;    /* file_mode */
    char *group;      /* file_owner */
    pam_arg_t *args;
    size_t n_args;
} cond_t;

typedef struct {
    char *id, *title, *control, *rationale, *remediation;
    char *requires; /* a path: when absent, the check does not apply */
    cond_t *conds;
    size_t n_conds;
    unsigned line;
} check_t;

typedef struct {
    char *id, *title, *file;
    check_t *checks;
    size_t n_checks;
} policy_t;

/* Parses a policy; NULL with err (name:line and reason) when it is
 * malformed. */
policy_t *policy_parse(const char *text, size_t len, const char *name, rp_error_t *err);
policy_t *policy_load(const char *path, rp_error_t *err);
void policy_free(policy_t *p);

#endif
