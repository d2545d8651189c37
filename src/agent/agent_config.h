/*
 * agent_config.h — rampart-agent's configuration file.
 *
 * Same syntax as rampartd.conf (src/ctl/conf_lex.h): one "directive value"
 * per line, '#' comments, quoted values, errors with file:line. Every
 * directive and its default: docs/AGENT.md and etc/rampart-agent.conf.
 * SIGHUP reloads the file; a file that does not load keeps the running
 * configuration (and the error is logged).
 */
#ifndef RAMPART_AGENT_CONFIG_H
#define RAMPART_AGENT_CONFIG_H

#include <stddef.h>

#include "login_profile.h"
#include "rampart/status.h"

#define AGENT_PATH_MAX         1024
#define AGENT_MAX_FIM_PATHS    64
#define AGENT_MAX_IGNORES      64
#define AGENT_HOSTNAME_MAX     64
#define AGENT_MAX_WEB_ROOTS    16
#define AGENT_MAX_AUTH_LOGS    8
#define AGENT_MAX_LISTEN_ALLOW 32
#define AGENT_MAX_POLICIES     16
#define AGENT_MAX_RESPONSES    32
#define AGENT_DETECTION_MAX    64

typedef enum { FIM_HASH_SHA256, FIM_HASH_SM3 } fim_hash_t;

/* active response (response.h) */
typedef enum { RESPONSE_OFF, RESPONSE_DRY_RUN, RESPONSE_ACTIVE } response_mode_t;
typedef enum { RESPONSE_BLOCK, RESPONSE_KILL, RESPONSE_QUARANTINE } response_action_t;
#define RESPONSE_MAX_BLOCK_SECONDS (30 * 86400)
/* "block", "kill", "quarantine": 0, or -1 for anything else. */
int response_action_parse(const char *word, response_action_t *out);

typedef struct {
    char detection[AGENT_DETECTION_MAX]; /* fnmatch(3) pattern: "bruteforce.source", "webshell.*" */
    response_action_t action;
    int seconds; /* RESPONSE_BLOCK: how long (0: the default, 600) */
} response_rule_t;

typedef struct {
    char file[AGENT_PATH_MAX]; /* where it was read from */

    /* rampartd */
    char server[AGENT_PATH_MAX];    /* base URL, http:// or https:// */
    char server_ca[AGENT_PATH_MAX]; /* CA bundle for https ("" = system store) */
    char enrol_token_file[AGENT_PATH_MAX];
    char hostname[AGENT_HOSTNAME_MAX + 1]; /* "" = the kernel's host name */
    int heartbeat_s;
    int batch_max; /* events per request */
    int request_timeout_s;

    /* local state */
    char state_dir[AGENT_PATH_MAX];
    size_t spool_max_size;
    char log_target[AGENT_PATH_MAX];
    int log_level;

    /* file integrity monitoring */
    char fim_paths[AGENT_MAX_FIM_PATHS][AGENT_PATH_MAX];
    size_t n_fim_paths;
    char fim_ignores[AGENT_MAX_IGNORES][AGENT_PATH_MAX]; /* fnmatch(3) patterns on full paths */
    size_t n_fim_ignores;
    int fim_scan_interval_s;
    fim_hash_t fim_hash;
    size_t fim_diff_max_size; /* text files up to this size are kept for diffs */
    size_t fim_hash_max_size; /* larger files are compared by metadata only */
    int fim_attribution;      /* 1 (default): writers named through fanotify (fim_who.h) */

    /* webshell detection: script files under these roots (each inside a
     * fim_path), matched with the YARA rules of webshell_rules */
    char webshell_roots[AGENT_MAX_WEB_ROOTS][AGENT_PATH_MAX];
    size_t n_webshell_roots;
    char webshell_rules[AGENT_PATH_MAX];
    size_t webshell_max_size;
    int webshell_heuristics; /* 1 (default): webshell_heur.h besides the rules */

    /* brute force: sshd's log files, followed across rotation */
    char auth_logs[AGENT_MAX_AUTH_LOGS][AGENT_PATH_MAX];
    size_t n_auth_logs;
    int auth_journal;                      /* 1: sshd's messages from the systemd journal too */
    char auth_journal_dir[AGENT_PATH_MAX]; /* "" = the system's journals */
    int bruteforce_threshold;              /* failures per address or account ... */
    int bruteforce_window_s;               /* ... within this many seconds */
    /* abnormal logins of the accepted ones (login_profile.h) */
    int login_anomaly; /* 1 (default) */
    lp_settings_t login;
    int login_unusual_percent; /* → login.unusual_share */

    /* malicious processes (procmon.h) */
    int process_monitor; /* 0 off (the default), 1 on */
    int process_scan_s;  /* full scan period */
    /* fnmatch(3) patterns of executables that may listen on TCP; none
     * configured: the system's own directories (agent_config.c) */
    char process_listen_allow[AGENT_MAX_LISTEN_ALLOW][AGENT_PATH_MAX];
    size_t n_process_listen_allow;

    /* baseline checks (baseline.h) */
    char baseline_policies[AGENT_MAX_POLICIES][AGENT_PATH_MAX];
    size_t n_baseline_policies;
    char baseline_root[AGENT_PATH_MAX]; /* checked paths are read below it */
    int baseline_interval_s;

    /* active response (response.h) */
    response_mode_t response_mode;
    response_rule_t response_rules[AGENT_MAX_RESPONSES];
    size_t n_response_rules;
    char response_nft[AGENT_PATH_MAX];   /* the nft program */
    char response_netns[AGENT_PATH_MAX]; /* "" or a named network namespace (/run/netns) */
    /* addresses or CIDR blocks never blocked (administrators, monitoring) */
    char response_never_block[AGENT_MAX_RESPONSES][64];
    size_t n_response_never_block;
} agent_config_t;

void agent_config_defaults(agent_config_t *c);

/* Reads and validates a configuration; 0, or -1 with err (file:line and
 * reason); on failure *c is left with defaults and partial values, never
 * to be used. */
int agent_config_load(const char *path, agent_config_t *c, rp_error_t *err);
/* 1 when path is root or below it. */
int agent_path_under(const char *path, const char *root);

int agent_config_load_string(const char *text, size_t len, const char *name, agent_config_t *c,
                             rp_error_t *err);

#endif
