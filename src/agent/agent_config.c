/*
 * agent_config.c — parsing rampart-agent.conf (see agent_config.h).
 *
 * A table of directives like rampartd's: unknown names, repeated single
 * directives, out-of-range values and relative paths are errors naming
 * file:line, so a typo never falls back to a default in silence.
 */
#include "agent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_lex.h"
#include "log.h"
#include "response_nft.h"

typedef enum {
    V_URL,
    V_PATH,
    V_LOG,
    V_LOG_LEVEL,
    V_INT,
    V_SIZE,
    V_HOSTNAME,
    V_FIM_PATH,
    V_FIM_IGNORE,
    V_FIM_HASH,
    V_WEB_ROOT,
    V_AUTH_LOG,
    V_ON_OFF,
    V_LISTEN_ALLOW,
    V_POLICY,
    V_RESPONSE_MODE,
    V_RESPONSE_RULE,
    V_NETNS,
    V_NEVER_BLOCK
} value_kind_t;

typedef struct {
    const char *name;
    value_kind_t kind;
    size_t offset;
    long long min, max;
    long long scale; /* V_INT: stored = parsed × scale */
} directive_t;

#define F(field) offsetof(agent_config_t, field)

static const directive_t directives[] = {
    {"server", V_URL, F(server), 0, 0, 1},
    {"server_ca", V_PATH, F(server_ca), 0, 0, 1},
    {"enrol_token_file", V_PATH, F(enrol_token_file), 0, 0, 1},
    {"hostname", V_HOSTNAME, F(hostname), 0, 0, 1},
    {"heartbeat_seconds", V_INT, F(heartbeat_s), 1, 3600, 1},
    {"batch_max", V_INT, F(batch_max), 1, 10000, 1},
    {"request_timeout_seconds", V_INT, F(request_timeout_s), 1, 300, 1},
    {"state_dir", V_PATH, F(state_dir), 0, 0, 1},
    {"spool_max_size", V_SIZE, F(spool_max_size), 64 * 1024, 1LL << 40, 1},
    {"log", V_LOG, F(log_target), 0, 0, 1},
    {"log_level", V_LOG_LEVEL, F(log_level), 0, 0, 1},
    {"fim_path", V_FIM_PATH, 0, 0, 0, 1},
    {"fim_ignore", V_FIM_IGNORE, 0, 0, 0, 1},
    {"fim_scan_interval_minutes", V_INT, F(fim_scan_interval_s), 1, 7 * 24 * 60, 60},
    {"fim_hash", V_FIM_HASH, F(fim_hash), 0, 0, 1},
    {"fim_diff_max_size", V_SIZE, F(fim_diff_max_size), 0, 16LL << 20, 1},
    {"fim_hash_max_size", V_SIZE, F(fim_hash_max_size), 0, 1LL << 40, 1},
    {"fim_attribution", V_ON_OFF, F(fim_attribution), 0, 0, 1},
    {"webshell_root", V_WEB_ROOT, 0, 0, 0, 1},
    {"webshell_rules", V_PATH, F(webshell_rules), 0, 0, 1},
    {"webshell_max_size", V_SIZE, F(webshell_max_size), 1024, 64LL << 20, 1},
    {"webshell_heuristics", V_ON_OFF, F(webshell_heuristics), 0, 0, 1},
    {"auth_log", V_AUTH_LOG, 0, 0, 0, 1},
    {"auth_journal", V_ON_OFF, F(auth_journal), 0, 0, 1},
    {"auth_journal_dir", V_PATH, F(auth_journal_dir), 0, 0, 1},
    {"bruteforce_threshold", V_INT, F(bruteforce_threshold), 2, 1000, 1},
    {"bruteforce_window_seconds", V_INT, F(bruteforce_window_s), 1, 86400, 1},
    {"login_anomaly", V_ON_OFF, F(login_anomaly), 0, 0, 1},
    {"login_learning_hours", V_INT, F(login.learning_s), 0, 24 * 366, 3600},
    {"login_min_logins", V_INT, F(login.min_logins), 1, 100000, 1},
    {"login_prefix4", V_INT, F(login.prefix4), 8, 32, 1},
    {"login_prefix6", V_INT, F(login.prefix6), 16, 128, 1},
    {"login_unusual_percent", V_INT, F(login_unusual_percent), 0, 100, 1},
    {"process_monitor", V_ON_OFF, F(process_monitor), 0, 0, 1},
    {"process_scan_seconds", V_INT, F(process_scan_s), 1, 3600, 1},
    {"process_listen_allow", V_LISTEN_ALLOW, 0, 0, 0, 1},
    {"baseline_policy", V_POLICY, 0, 0, 0, 1},
    {"baseline_root", V_PATH, F(baseline_root), 0, 0, 1},
    {"baseline_interval_minutes", V_INT, F(baseline_interval_s), 1, 7 * 24 * 60, 60},
    {"response_mode", V_RESPONSE_MODE, F(response_mode), 0, 0, 1},
    {"response_rule", V_RESPONSE_RULE, 0, 0, 0, 1},
    {"response_nft", V_PATH, F(response_nft), 0, 0, 1},
    {"response_netns", V_NETNS, F(response_netns), 0, 0, 1},
    {"response_never_block", V_NEVER_BLOCK, 0, 0, 0, 1},
};

/* Executables that may listen when process_listen_allow is not given:
 * the system's daemons, installed by packages. */
static const char *const default_listen_allow[] = {
    "/usr/sbin/*", "/usr/lib/*", "/usr/libexec/*", "/sbin/*", "/lib/*", "/usr/local/sbin/*"};

#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))

void agent_config_defaults(agent_config_t *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->server, sizeof(c->server), "http://127.0.0.1:9000");
    snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/rampart-agent");
    snprintf(c->log_target, sizeof(c->log_target), "stderr");
    c->log_level = LOG_LEVEL_INFO;
    c->heartbeat_s = 30;
    c->batch_max = 500;
    c->request_timeout_s = 10;
    c->spool_max_size = 64 * 1024 * 1024;
    c->fim_scan_interval_s = 12 * 3600;
    c->fim_hash = FIM_HASH_SHA256;
    c->fim_diff_max_size = 64 * 1024;
    c->fim_hash_max_size = 1024LL * 1024 * 1024;
    c->fim_attribution = 1;
    snprintf(c->webshell_rules, sizeof(c->webshell_rules),
             "/usr/share/rampart/rampart-webshell.yar");
    c->webshell_max_size = 2 * 1024 * 1024;
    c->webshell_heuristics = 1;
    c->bruteforce_threshold = 5;
    c->bruteforce_window_s = 300;
    c->login_anomaly = 1;
    lp_settings_defaults(&c->login);
    c->login_unusual_percent = 5;
    c->process_scan_s = 15;
    snprintf(c->baseline_root, sizeof(c->baseline_root), "/");
    c->baseline_interval_s = 12 * 3600;
    c->response_mode = RESPONSE_OFF;
    snprintf(c->response_nft, sizeof(c->response_nft), "/usr/sbin/nft");
}

int response_action_parse(const char *word, response_action_t *out)
{
    static const char *const names[] = {
        [RESPONSE_BLOCK] = "block", [RESPONSE_KILL] = "kill", [RESPONSE_QUARANTINE] = "quarantine"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(word, names[i]) == 0) {
            *out = (response_action_t)i;
            return 0;
        }
    return -1;
}

int agent_path_under(const char *path, const char *root)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

static int set_path(conf_ctx_t *p, const char *name, char *field, const char *v)
{
    if (v[0] != '/')
        return conf_fail(p, "%s: \"%s\" must be an absolute path", name, v);
    if (strlen(v) >= AGENT_PATH_MAX)
        return conf_fail(p, "%s: path too long", name);
    snprintf(field, AGENT_PATH_MAX, "%s", v);
    return 0;
}

/* Appends v to a list of paths or patterns, refusing repeats. */
static int add_to_list(conf_ctx_t *p, const char *name, char (*list)[AGENT_PATH_MAX], size_t *n,
                       size_t max, int pattern, const char *v)
{
    if (*n == max)
        return conf_fail(p, "%s: at most %zu entries", name, max);
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], v) == 0)
            return conf_fail(p, "%s: \"%s\" is listed twice", name, v);
    /* an ignore pattern may start with '*' (fnmatch's '*' spans '/') */
    if (pattern && v[0] == '*')
        snprintf(list[*n], AGENT_PATH_MAX, "%s", v);
    else if (set_path(p, name, list[*n], v))
        return -1;
    (*n)++;
    return 0;
}

static int apply(conf_ctx_t *p, agent_config_t *c, const directive_t *d, const char *v)
{
    char *field = (char *)c + d->offset;
    long long num;
    switch (d->kind) {
    case V_URL:
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
            strlen(v) >= AGENT_PATH_MAX - 64)
            return conf_fail(p, "server: expected an http:// or https:// URL, got \"%s\"", v);
        snprintf(field, AGENT_PATH_MAX, "%.*s", (int)(strlen(v) - (v[strlen(v) - 1] == '/')), v);
        return 0;
    case V_PATH:
        return set_path(p, d->name, field, v);
    case V_LOG:
        return strcmp(v, "stderr") == 0 ? (snprintf(field, AGENT_PATH_MAX, "stderr"), 0)
                                        : set_path(p, d->name, field, v);
    case V_LOG_LEVEL:
        if (log_level_parse(v) < 0)
            return conf_fail(p, "log_level: expected debug, info, warn or error, got \"%s\"", v);
        *(int *)field = log_level_parse(v);
        return 0;
    case V_INT:
        if (conf_parse_integer(v, &num) || num < d->min || num > d->max)
            return conf_fail(p, "%s: expected an integer from %lld to %lld, got \"%s\"", d->name,
                             d->min, d->max, v);
        *(int *)field = (int)(num * d->scale);
        return 0;
    case V_SIZE:
        if (conf_parse_size(v, &num) || num < d->min || num > d->max)
            return conf_fail(p,
                             "%s: expected a size from %lld to %lld bytes (k, m, g suffixes), "
                             "got \"%s\"",
                             d->name, d->min, d->max, v);
        *(size_t *)field = (size_t)num;
        return 0;
    case V_HOSTNAME:
        if (!*v || strlen(v) > AGENT_HOSTNAME_MAX ||
            strspn(v, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789.-_") != strlen(v))
            return conf_fail(p, "hostname: 1-%d of A-Z a-z 0-9 . - _, got \"%s\"",
                             AGENT_HOSTNAME_MAX, v);
        snprintf(field, AGENT_HOSTNAME_MAX + 1, "%s", v);
        return 0;
    case V_FIM_PATH:
        return add_to_list(p, d->name, c->fim_paths, &c->n_fim_paths, AGENT_MAX_FIM_PATHS, 0, v);
    case V_FIM_IGNORE:
        return add_to_list(p, d->name, c->fim_ignores, &c->n_fim_ignores, AGENT_MAX_IGNORES, 1, v);
    case V_WEB_ROOT:
        return add_to_list(p, d->name, c->webshell_roots, &c->n_webshell_roots, AGENT_MAX_WEB_ROOTS,
                           0, v);
    case V_AUTH_LOG:
        return add_to_list(p, d->name, c->auth_logs, &c->n_auth_logs, AGENT_MAX_AUTH_LOGS, 0, v);
    case V_ON_OFF:
        if (strcmp(v, "on") && strcmp(v, "off"))
            return conf_fail(p, "%s: expected on or off, got \"%s\"", d->name, v);
        *(int *)field = strcmp(v, "on") == 0;
        return 0;
    case V_LISTEN_ALLOW:
        return add_to_list(p, d->name, c->process_listen_allow, &c->n_process_listen_allow,
                           AGENT_MAX_LISTEN_ALLOW, 0, v);
    case V_POLICY:
        return add_to_list(p, d->name, c->baseline_policies, &c->n_baseline_policies,
                           AGENT_MAX_POLICIES, 0, v);
    case V_RESPONSE_MODE:
        if (strcmp(v, "off") == 0)
            c->response_mode = RESPONSE_OFF;
        else if (strcmp(v, "dry-run") == 0)
            c->response_mode = RESPONSE_DRY_RUN;
        else if (strcmp(v, "active") == 0)
            c->response_mode = RESPONSE_ACTIVE;
        else
            return conf_fail(p, "response_mode: expected off, dry-run or active, got \"%s\"", v);
        return 0;
    case V_NETNS:
        if (!*v || strlen(v) > 64 || strchr(v, '/') || v[0] == '.')
            return conf_fail(p, "response_netns: a network namespace name, got \"%s\"", v);
        snprintf(field, AGENT_PATH_MAX, "%s", v);
        return 0;
    case V_NEVER_BLOCK:
        if (nft_cidr_match(v, "0.0.0.0") < 0 || strlen(v) >= sizeof(c->response_never_block[0]))
            return conf_fail(p, "response_never_block: an address or CIDR block, got \"%s\"", v);
        if (c->n_response_never_block == AGENT_MAX_RESPONSES)
            return conf_fail(p, "response_never_block: at most %d entries", AGENT_MAX_RESPONSES);
        snprintf(c->response_never_block[c->n_response_never_block++],
                 sizeof(c->response_never_block[0]), "%s", v);
        return 0;
    case V_RESPONSE_RULE:
        break; /* several words: on_line */
    case V_FIM_HASH:
        if (strcmp(v, "sha256") == 0)
            c->fim_hash = FIM_HASH_SHA256;
        else if (strcmp(v, "sm3") == 0)
            c->fim_hash = FIM_HASH_SM3;
        else
            return conf_fail(p, "fim_hash: expected sha256 or sm3, got \"%s\"", v);
        return 0;
    }
    return conf_fail(p, "%s: unhandled directive", d->name);
}

/* response_rule DETECTION block|kill|quarantine [SECONDS] */
static int response_rule(conf_ctx_t *p, agent_config_t *c, char **words, int count)
{
    if (count < 3 || count > 4)
        return conf_fail(p, "response_rule: expected DETECTION ACTION [SECONDS]");
    if (c->n_response_rules == AGENT_MAX_RESPONSES)
        return conf_fail(p, "response_rule: at most %d rules", AGENT_MAX_RESPONSES);
    response_rule_t *r = &c->response_rules[c->n_response_rules];
    if (!*words[1] || strlen(words[1]) >= sizeof(r->detection))
        return conf_fail(p, "response_rule: a detection name or pattern of 1-%zu bytes",
                         sizeof(r->detection) - 1);
    snprintf(r->detection, sizeof(r->detection), "%s", words[1]);
    if (response_action_parse(words[2], &r->action))
        return conf_fail(p, "response_rule: expected block, kill or quarantine, got \"%s\"",
                         words[2]);
    long long seconds = 0;
    if (count == 4 && (r->action != RESPONSE_BLOCK || conf_parse_integer(words[3], &seconds) ||
                       seconds < 1 || seconds > RESPONSE_MAX_BLOCK_SECONDS))
        return conf_fail(p, "response_rule: only block takes a duration, 1 to 2592000 seconds");
    r->seconds = (int)seconds;
    c->n_response_rules++;
    return 0;
}

typedef struct {
    agent_config_t *c;
    unsigned char seen[N_DIRECTIVES];
} load_t;

static int on_line(conf_ctx_t *p, void *ctx, char **words, int count)
{
    load_t *l = ctx;
    const directive_t *d = NULL;
    for (size_t i = 0; i < N_DIRECTIVES; i++)
        if (strcmp(directives[i].name, words[0]) == 0)
            d = &directives[i];
    if (!d)
        return conf_fail(p, "unknown directive \"%s\"", words[0]);
    size_t idx = (size_t)(d - directives);
    if (l->seen[idx] && d->kind != V_FIM_PATH && d->kind != V_FIM_IGNORE && d->kind != V_WEB_ROOT &&
        d->kind != V_AUTH_LOG && d->kind != V_LISTEN_ALLOW && d->kind != V_POLICY &&
        d->kind != V_RESPONSE_RULE && d->kind != V_NEVER_BLOCK)
        return conf_fail(p, "%s is set twice", d->name);
    l->seen[idx] = 1;
    if (d->kind == V_RESPONSE_RULE)
        return response_rule(p, l->c, words, count);
    if (count != 2)
        return conf_fail(p, "%s takes exactly one value", d->name);
    return apply(p, l->c, d, words[1]);
}

int agent_config_load_string(const char *text, size_t len, const char *name, agent_config_t *c,
                             rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    agent_config_defaults(c);
    snprintf(c->file, sizeof(c->file), "%s", name);
    conf_ctx_t p = {.name = name, .line = 0, .err = err};
    load_t l = {.c = c};
    if (conf_parse_lines(&p, text, len, on_line, &l))
        return -1;
    p.line = 0;
    if (!c->n_process_listen_allow)
        for (size_t i = 0; i < sizeof(default_listen_allow) / sizeof(default_listen_allow[0]); i++)
            snprintf(c->process_listen_allow[c->n_process_listen_allow++], AGENT_PATH_MAX, "%s",
                     default_listen_allow[i]);
    if (c->fim_diff_max_size > c->fim_hash_max_size)
        return conf_fail(&p, "fim_diff_max_size must not exceed fim_hash_max_size");
    for (size_t i = 0; i < c->n_webshell_roots; i++) {
        int inside = 0;
        for (size_t j = 0; j < c->n_fim_paths; j++)
            inside |= agent_path_under(c->webshell_roots[i], c->fim_paths[j]);
        if (!inside)
            return conf_fail(&p, "webshell_root \"%s\" is not inside any fim_path",
                             c->webshell_roots[i]);
    }
    return 0;
}

int agent_config_load(const char *path, agent_config_t *c, rp_error_t *err)
{
    size_t n;
    char *text = conf_read_file(path, &n, err);
    if (!text) {
        agent_config_defaults(c);
        return -1;
    }
    int rc = agent_config_load_string(text, n, path, c, err);
    free(text);
    return rc;
}
