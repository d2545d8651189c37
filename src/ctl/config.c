/*
 * config.c — parsing and validating rampartd.conf (see config.h).
 *
 * Directives are a table: name, how the value is parsed, where it goes,
 * its bounds. Unknown directives, repeated single directives, values out
 * of bounds and missing values are errors that name file:line, so a typo
 * never silently falls back to a default.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "audit_dest.h"
#include "bundle.h"
#include "conf_lex.h"
#include "idrev_stream.h"
#include "log.h"

ctl_config_t *config_defaults(void)
{
    ctl_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    atomic_init(&c->refs, 1);
    snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    c->listen_port = 9000;
    c->http_threads = 4;
    c->http_max_body = 1024 * 1024;
    c->cookie_secure = COOKIE_SECURE_AUTO;
    snprintf(c->data_dir, sizeof(c->data_dir), "/var/lib/rampart");
    snprintf(c->run_dir, sizeof(c->run_dir), "/run/rampart");
    snprintf(c->log_target, sizeof(c->log_target), "stderr");
    c->log_level = LOG_LEVEL_INFO;
    snprintf(c->store, sizeof(c->store), "sqlite");
    c->sqlite_synchronous_full = 1;
    c->retention_days = 180;
    c->event_socket_mode = 0660;
    c->ingest_queue = 65536;
    c->ingest_batch = 10000;
    c->ingest_flush_ms = 50;
    c->ingest_max_body = 8 * 1024 * 1024;
    c->session_idle_s = 30 * 60;
    c->session_absolute_s = 12 * 3600;
    c->login_account_failures = 5;
    snprintf(c->ldap_user_filter, sizeof(c->ldap_user_filter), "(uid=%%s)");
    snprintf(c->ldap_group_filter, sizeof(c->ldap_group_filter), "(member=%%s)");
    snprintf(c->ldap_attr_display, sizeof(c->ldap_attr_display), "cn");
    snprintf(c->ldap_attr_email, sizeof(c->ldap_attr_email), "mail");
    snprintf(c->ldap_attr_phone, sizeof(c->ldap_attr_phone), "telephoneNumber");
    c->ldap_timeout_ms = 3000;
    c->login_lockout_s = 300;
    lp_settings_defaults(&c->login_anomaly);
    c->login_anomaly_unusual_percent = 5;
    c->login_address_failures = 20;
    c->login_address_window_s = 900;
    /* RFC 9106 section 4, second recommended option (64 MiB, t=3), with one
     * lane: a login costs ~0.1 s of one core, throttled per address. */
    c->argon2_memory_kib = 65536;
    c->argon2_iterations = 3;
    c->argon2_parallelism = 1;
    c->audit_seal_records = 100;
    c->audit_seal_seconds = 60;
    c->audit_retention_days = 180;
    snprintf(c->console_dir, sizeof(c->console_dir), "/usr/share/rampart/console");
    /* browsers accept "localhost" as an RP ID over plain HTTP; 127.0.0.1 is
     * no valid RP ID (W3C WebAuthn §5.1.3: a registrable domain) */
    snprintf(c->webauthn_rp_id, sizeof(c->webauthn_rp_id), "localhost");
    snprintf(c->session_key_alg, sizeof(c->session_key_alg), "hmac-sha256");
    alert_rules_default(&c->alert_rules);
    snprintf(c->master_key_provider, sizeof(c->master_key_provider), "file");
    snprintf(c->pkcs11_key_label, sizeof(c->pkcs11_key_label), "rampart-master");
    c->login_lockout_max_s = 3600;
    c->id = (idconf_t)IDCONF_DEFAULTS;
    return c;
}

ctl_config_t *config_ref(ctl_config_t *cfg)
{
    atomic_fetch_add(&cfg->refs, 1);
    return cfg;
}

void config_unref(ctl_config_t *cfg)
{
    if (cfg && atomic_fetch_sub(&cfg->refs, 1) == 1)
        free(cfg);
}

/* ------------------------------------------------------------------ */
/* the directive table                                                 */

typedef enum {
    V_LISTEN,
    V_PATH,
    V_SOCKET_PATH,
    V_INT,
    V_SIZE,
    V_MODE,
    V_LOG_LEVEL,
    V_STORE,
    V_SYNCHRONOUS,
    V_COOKIE_SECURE,
    V_EVENT_FILE,
    V_CONNINFO,
    V_AUDIT_SYSLOG,
    V_AUDIT_WEBHOOK,
    V_OPTIONAL_PATH,
    V_LDAP_TEXT, /* LDAP settings: text without control characters; "none" is empty */
    V_PATH_OR_OFF,
    V_SEED_APP,
    V_WEBAUTHN_RP_ID,
    V_WEBAUTHN_ORIGINS,
    V_REDIS_URL,
    V_SESSION_KEY_ALG,
    V_SEED_DIR_USER,
    V_ALERT_RULE,
    V_TOTP_ISSUER
} value_kind_t;

typedef struct {
    const char *name;
    value_kind_t kind;
    size_t offset;
    long long min, max; /* V_INT, V_SIZE */
    long long scale;    /* V_INT: stored value = parsed × scale */
    int restart_only;   /* changing it needs a restart, not SIGHUP */
} directive_t;

#define F(field) offsetof(ctl_config_t, field)

static const directive_t directives[] = {
    {"listen", V_LISTEN, 0, 0, 0, 1, 1},
    {"http_threads", V_INT, F(http_threads), 1, 64, 1, 1},
    {"http_max_body", V_SIZE, F(http_max_body), 1024, 64LL << 20, 1, 0},
    {"cookie_secure", V_COOKIE_SECURE, F(cookie_secure), 0, 0, 1, 0},
    {"data_dir", V_PATH, F(data_dir), 0, 0, 1, 1},
    {"run_dir", V_PATH, F(run_dir), 0, 0, 1, 1},
    {"log", V_PATH, F(log_target), 0, 0, 1, 0},
    {"log_level", V_LOG_LEVEL, F(log_level), 0, 0, 1, 0},
    {"store", V_STORE, F(store), 0, 0, 1, 1},
    {"postgres", V_CONNINFO, F(postgres_conninfo), 0, 0, 1, 1},
    {"sqlite_synchronous", V_SYNCHRONOUS, F(sqlite_synchronous_full), 0, 0, 1, 1},
    {"store_max_size", V_SIZE, F(store_max_size), 0, 1LL << 40, 1, 1},
    {"retention_days", V_INT, F(retention_days), 1, 36500, 1, 0},
    {"events_file", V_EVENT_FILE, 0, 0, 0, 1, 1},
    {"events_socket", V_SOCKET_PATH, F(event_socket), 0, 0, 1, 1},
    {"events_socket_mode", V_MODE, F(event_socket_mode), 0, 0777, 1, 1},
    {"ingest_queue", V_SIZE, F(ingest_queue), 1024, 16LL << 20, 1, 1},
    {"ingest_batch", V_INT, F(ingest_batch), 1, 100000, 1, 0},
    {"ingest_flush_ms", V_INT, F(ingest_flush_ms), 1, 10000, 1, 0},
    {"ingest_max_body", V_SIZE, F(ingest_max_body), 1024, 256LL << 20, 1, 0},
    {"session_idle_minutes", V_INT, F(session_idle_s), 1, 24 * 60, 60, 0},
    {"session_absolute_hours", V_INT, F(session_absolute_s), 1, 24 * 30, 3600, 0},
    {"login_account_failures", V_INT, F(login_account_failures), 1, 1000, 1, 0},
    {"login_lockout_seconds", V_INT, F(login_lockout_s), 1, 86400, 1, 0},
    {"login_address_failures", V_INT, F(login_address_failures), 1, 100000, 1, 0},
    {"login_address_window_seconds", V_INT, F(login_address_window_s), 1, 86400, 1, 0},
    {"login_anomaly_learning_hours", V_INT, F(login_anomaly.learning_s), 0, 24 * 366, 3600, 1},
    {"login_anomaly_min_logins", V_INT, F(login_anomaly.min_logins), 1, 100000, 1, 1},
    {"login_anomaly_prefix4", V_INT, F(login_anomaly.prefix4), 8, 32, 1, 1},
    {"login_anomaly_prefix6", V_INT, F(login_anomaly.prefix6), 16, 128, 1, 1},
    {"login_anomaly_unusual_percent", V_INT, F(login_anomaly_unusual_percent), 0, 100, 1, 1},
    {"argon2_memory_kib", V_INT, F(argon2_memory_kib), 8, 4 * 1024 * 1024, 1, 0},
    {"argon2_iterations", V_INT, F(argon2_iterations), 1, 100, 1, 0},
    {"argon2_parallelism", V_INT, F(argon2_parallelism), 1, 16, 1, 0},
    {"audit_seal_records", V_INT, F(audit_seal_records), 1, 1000000, 1, 0},
    {"audit_seal_seconds", V_INT, F(audit_seal_seconds), 1, 86400, 1, 0},
    /* MLPS 2.0 level 3: audit records are kept at least 180 days. */
    {"audit_retention_days", V_INT, F(audit_retention_days), 180, 36500, 1, 0},
    {"audit_syslog", V_AUDIT_SYSLOG, F(audit_syslog), 0, 0, 1, 1},
    {"audit_syslog_ca", V_OPTIONAL_PATH, F(audit_syslog_ca), 0, 0, 1, 1},
    {"audit_webhook", V_AUDIT_WEBHOOK, F(audit_webhook), 0, 0, 1, 1},
    {"audit_webhook_secret_file", V_OPTIONAL_PATH, F(audit_webhook_secret_file), 0, 0, 1, 1},
    {"audit_webhook_ca", V_OPTIONAL_PATH, F(audit_webhook_ca), 0, 0, 1, 1},
    {"console_dir", V_PATH_OR_OFF, F(console_dir), 0, 0, 1, 0},
    {"gateway_token_file", V_PATH_OR_OFF, F(gateway_token_file), 0, 0, 1, 1},
    {"seed_app", V_SEED_APP, 0, 0, 0, 1, 1},
    {"webauthn_rp_id", V_WEBAUTHN_RP_ID, F(webauthn_rp_id), 0, 0, 1, 0},
    {"webauthn_origins", V_WEBAUTHN_ORIGINS, F(webauthn_origins), 0, 0, 1, 0},
    {"ldap_url", V_LDAP_TEXT, F(ldap_url), 0, 0, 1, 0},
    {"ldap_bind_dn", V_LDAP_TEXT, F(ldap_bind_dn), 0, 0, 1, 0},
    {"ldap_bind_password_file", V_OPTIONAL_PATH, F(ldap_bind_password_file), 0, 0, 1, 0},
    {"ldap_user_base", V_LDAP_TEXT, F(ldap_user_base), 0, 0, 1, 0},
    {"ldap_user_filter", V_LDAP_TEXT, F(ldap_user_filter), 0, 0, 1, 0},
    {"ldap_attr_display", V_LDAP_TEXT, F(ldap_attr_display), 64, 0, 1, 0},
    {"ldap_attr_email", V_LDAP_TEXT, F(ldap_attr_email), 64, 0, 1, 0},
    {"ldap_attr_phone", V_LDAP_TEXT, F(ldap_attr_phone), 64, 0, 1, 0},
    {"ldap_group_base", V_LDAP_TEXT, F(ldap_group_base), 0, 0, 1, 0},
    {"ldap_group_filter", V_LDAP_TEXT, F(ldap_group_filter), 0, 0, 1, 0},
    {"ldap_group_roles", V_LDAP_TEXT, F(ldap_group_roles), 0, 0, 1, 0},
    {"ldap_ca", V_OPTIONAL_PATH, F(ldap_ca), 0, 0, 1, 0},
    {"ldap_timeout_ms", V_INT, F(ldap_timeout_ms), 100, 60000, 1, 0},
    {"identity_redis", V_REDIS_URL, F(identity_redis), 0, 0, 1, 1},
    {"session_key_algorithm", V_SESSION_KEY_ALG, F(session_key_alg), 0, 0, 1, 0},
    {"seed_directory_user", V_SEED_DIR_USER, 0, 0, 0, 1, 1},
    {"alert_rule", V_ALERT_RULE, 0, 0, 0, 1, 0},
    {"master_key_provider", V_LDAP_TEXT, F(master_key_provider), 16, 0, 1, 1},
    {"pkcs11_module", V_OPTIONAL_PATH, F(pkcs11_module), 0, 0, 1, 1},
    {"pkcs11_token", V_LDAP_TEXT, F(pkcs11_token), 33, 0, 1, 1},
    {"pkcs11_pin_file", V_OPTIONAL_PATH, F(pkcs11_pin_file), 0, 0, 1, 1},
    {"pkcs11_key_label", V_LDAP_TEXT, F(pkcs11_key_label), 65, 0, 1, 1},
    {"login_lockout_max_seconds", V_INT, F(login_lockout_max_s), 1, 7 * 86400, 1, 0},
    /* the identity service (idconf.h, docs/IDENTITY.md) */
    {"id_password_min_length", V_INT, F(id.pw_min_length), 8, 128, 1, 0},
    {"id_password_min_classes", V_INT, F(id.pw_min_classes), 1, 4, 1, 0},
    {"id_password_history", V_INT, F(id.pw_history), 0, 10, 1, 0}, /* ~100-byte hashes, 2 KiB */
    {"id_password_max_age_days", V_INT, F(id.pw_max_age_days), 0, 3650, 1, 0},
    {"id_login_delay_after", V_INT, F(id.login_delay_after), 1, 1000, 1, 0},
    {"id_login_lock_after", V_INT, F(id.login_lock_after), 1, 1000, 1, 0},
    {"id_login_lock_seconds", V_INT, F(id.login_lock_s), 1, 7 * 86400, 1, 0},
    {"id_session_idle_seconds", V_INT, F(id.session_idle_s), 2, 86400, 1, 0},
    {"id_session_absolute_hours", V_INT, F(id.session_absolute_s), 1, 24 * 30, 3600, 0},
    {"id_totp_issuer", V_TOTP_ISSUER, F(id.totp_issuer), 0, 0, 1, 0},
    /* RFC 6749 §4.1.2: a code lives 10 minutes at most */
    {"oidc_code_seconds", V_INT, F(id.oidc_code_s), 10, 600, 1, 0},
    {"oidc_access_token_seconds", V_INT, F(id.oidc_access_s), 60, 86400, 1, 0},
    {"oidc_id_token_seconds", V_INT, F(id.oidc_id_token_s), 60, 86400, 1, 0},
};

#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))

/* ------------------------------------------------------------------ */
/* parsing                                                             */

/* The shared lexer (conf_lex.c) under this file's short names. */
typedef conf_ctx_t parse_ctx_t;

#define fail          conf_fail
#define split_words   conf_split_words
#define parse_integer conf_parse_integer
#define parse_size    conf_parse_size

/* A host name: letters, digits, '-' and '.', not an IP address. */
static int parse_webauthn_rp_id(parse_ctx_t *p, char *field, const char *v)
{
    size_t n = strlen(v);
    int letter = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
            return fail(p, "webauthn_rp_id: \"%s\" is not a lower-case host name", v);
        letter |= ch >= 'a' && ch <= 'z';
    }
    if (n == 0 || n > 253 || !letter || v[0] == '.' || v[n - 1] == '.')
        return fail(p, "webauthn_rp_id: \"%s\" is not a host name (an IP address is no RP ID)", v);
    snprintf(field, 254, "%s", v);
    return 0;
}

/* http(s)://host[:port] origins, comma-separated, as browsers serialise them. */
static int parse_webauthn_origins(parse_ctx_t *p, char *field, const char *v)
{
    if (strlen(v) >= CONFIG_PATH_MAX)
        return fail(p, "webauthn_origins: too long");
    char copy[CONFIG_PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", v);
    for (char *rest = copy, *o; (o = strtok_r(rest, ",", &rest));) {
        const char *h = strncmp(o, "https://", 8) == 0  ? o + 8
                        : strncmp(o, "http://", 7) == 0 ? o + 7
                                                        : NULL;
        if (!h || !*h || strpbrk(h, "/?#@ \\"))
            return fail(p, "webauthn_origins: \"%s\" is not an origin (http(s)://host[:port])", o);
    }
    snprintf(field, CONFIG_PATH_MAX, "%s", v);
    return 0;
}

/* The otpauth issuer (Key Uri Format): printable, no ':' (the label's
 * separator), at most IDCONF_TOTP_ISSUER_MAX bytes. */
static int parse_totp_issuer(parse_ctx_t *p, char *field, const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > IDCONF_TOTP_ISSUER_MAX)
        return fail(p, "id_totp_issuer: 1 to %d bytes", IDCONF_TOTP_ISSUER_MAX);
    for (const char *q = v; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f || *q == ':')
            return fail(p, "id_totp_issuer: no ':' and no control characters");
    snprintf(field, IDCONF_TOTP_ISSUER_MAX + 1, "%s", v);
    return 0;
}

static int parse_listen(parse_ctx_t *p, ctl_config_t *c, const char *v)
{
    char host[64];
    const char *port;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':' || (size_t)(close - v - 1) >= sizeof(host))
            return fail(p, "listen: expected [IPv6]:PORT, got \"%s\"", v);
        memcpy(host, v + 1, (size_t)(close - v - 1));
        host[close - v - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(v, ':');
        if (!colon || (size_t)(colon - v) >= sizeof(host))
            return fail(p, "listen: expected ADDRESS:PORT, got \"%s\"", v);
        memcpy(host, v, (size_t)(colon - v));
        host[colon - v] = '\0';
        port = colon + 1;
    }
    unsigned char addr[16];
    if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
        return fail(p, "listen: \"%s\" is not a numeric IP address", host);
    long long pn;
    if (parse_integer(port, &pn) || pn < 1 || pn > 65535)
        return fail(p, "listen: bad port \"%s\"", port);
    snprintf(c->listen_host, sizeof(c->listen_host), "%s", host);
    c->listen_port = (uint16_t)pn;
    return 0;
}

/* libpq's message with every "quoted part" (a piece of the connection
 * string) replaced by "...", and without its line break. */
static void without_quoted(const char *msg, char *out, size_t size)
{
    size_t o = 0;
    int quoted = 0;
    for (const char *m = msg; *m && *m != '\n' && o + 5 < size; m++) {
        if (*m == '"') {
            quoted = !quoted;
            if (quoted) {
                memcpy(out + o, "\"...\"", 5);
                o += 5;
            }
        } else if (!quoted) {
            out[o++] = *m;
        }
    }
    out[o] = '\0';
}

/* A libpq connection string (keyword=value pairs or a postgresql:// URI),
 * checked by libpq's own parser. Errors never repeat the value: it may
 * hold the password. */
static int parse_conninfo(parse_ctx_t *p, char *field, const char *v)
{
    if (!*v)
        return fail(p, "postgres: empty connection string");
    if (strlen(v) >= CONFIG_PATH_MAX)
        return fail(p, "postgres: connection string longer than %d bytes", CONFIG_PATH_MAX - 1);
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(v, &why);
    if (!opts) {
        /* libpq's message quotes the offending part: keep only its words */
        char reason[160] = "out of memory";
        if (why)
            without_quoted(why, reason, sizeof(reason));
        PQfreemem(why);
        return fail(p, "postgres: not a libpq connection string (%s)", reason);
    }
    PQconninfoFree(opts);
    snprintf(field, CONFIG_PATH_MAX, "%s", v);
    return 0;
}

/* seed_app NAME HOST PREFIX UPSTREAM [waf=MODE]: checked as the API
 * checks them. */
static int parse_seed_app(parse_ctx_t *p, ctl_config_t *c, char **v, int count)
{
    if (count < 4 || count > 6)
        return fail(p, "seed_app takes NAME HOST PATH_PREFIX UPSTREAM [waf=block|detect|off] "
                       "[masking=block|detect|off]");
    const char *waf = "block";
    c->seed_app.masking[0] = '\0';
    for (int i = 4; i < count; i++) {
        if (strncmp(v[i], "waf=", 4) == 0 && bundle_valid_mode(v[i] + 4))
            waf = v[i] + 4;
        else if (strncmp(v[i], "masking=", 8) == 0 && bundle_valid_mode(v[i] + 8))
            snprintf(c->seed_app.masking, sizeof(c->seed_app.masking), "%s", v[i] + 8);
        else
            return fail(p,
                        "seed_app: \"%s\": expected waf=block, waf=detect or waf=off, or "
                        "masking=MODE (the same modes)",
                        v[i]);
    }
    char why[200];
    if (!bundle_valid_name(v[0], why, sizeof(why)))
        return fail(p, "seed_app: name %s", why);
    if (!bundle_valid_host(v[1], why, sizeof(why)))
        return fail(p, "seed_app: host %s", why);
    if (!bundle_valid_path_prefix(v[2], why, sizeof(why)))
        return fail(p, "seed_app: path prefix %s", why);
    if (!bundle_valid_upstream(v[3], why, sizeof(why)))
        return fail(p, "seed_app: upstream %s", why);
    snprintf(c->seed_app.name, sizeof(c->seed_app.name), "%s", v[0]);
    snprintf(c->seed_app.host, sizeof(c->seed_app.host), "%s", v[1]);
    snprintf(c->seed_app.path_prefix, sizeof(c->seed_app.path_prefix), "%s", v[2]);
    snprintf(c->seed_app.upstream, sizeof(c->seed_app.upstream), "%s", v[3]);
    snprintf(c->seed_app.waf, sizeof(c->seed_app.waf), "%s", waf);
    return 0;
}

/* seed_directory_user NAME ROLE PASSWORD_FILE */
static int parse_seed_dir_user(parse_ctx_t *p, ctl_config_t *c, char **v, int count)
{
    const char *names = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@";
    if (count != 3)
        return fail(p, "seed_directory_user takes NAME ROLE PASSWORD_FILE");
    for (int i = 0; i < 2; i++)
        if (!v[i][0] || strlen(v[i]) > 64 || strspn(v[i], names) != strlen(v[i]))
            return fail(p, "seed_directory_user: \"%s\" is not a directory name", v[i]);
    if (v[2][0] != '/' || strlen(v[2]) >= CONFIG_PATH_MAX)
        return fail(p, "seed_directory_user: the password file must be an absolute path");
    snprintf(c->seed_dir_user.name, sizeof(c->seed_dir_user.name), "%s", v[0]);
    snprintf(c->seed_dir_user.role, sizeof(c->seed_dir_user.role), "%s", v[1]);
    snprintf(c->seed_dir_user.password_file, CONFIG_PATH_MAX, "%s", v[2]);
    return 0;
}

static int apply(parse_ctx_t *p, ctl_config_t *c, const directive_t *d, char **values, int count)
{
    if (d->kind == V_SEED_APP)
        return parse_seed_app(p, c, values, count);
    if (d->kind == V_SEED_DIR_USER)
        return parse_seed_dir_user(p, c, values, count);
    if (d->kind == V_ALERT_RULE) {
        char why[200];
        return alert_rules_add(&c->alert_rules, values, count, why, sizeof(why))
                   ? fail(p, "%s", why)
                   : 0;
    }
    if (count != 1)
        return fail(p, "%s takes exactly one value", d->name);
    const char *v = values[0];
    char *field = (char *)c + d->offset;
    long long num;
    int lvl;
    switch (d->kind) {
    case V_LISTEN:
        return parse_listen(p, c, v);
    case V_PATH:
        if (!*v)
            return fail(p, "%s: empty path", d->name);
        if (strlen(v) >= CONFIG_PATH_MAX)
            return fail(p, "%s: path too long", d->name);
        if (strcmp(d->name, "log") != 0 || strcmp(v, "stderr") != 0) {
            if (v[0] != '/')
                return fail(p, "%s: \"%s\" must be an absolute path", d->name, v);
        }
        snprintf(field, CONFIG_PATH_MAX, "%s", v);
        return 0;
    case V_PATH_OR_OFF:
        if (strcmp(v, "off") == 0) {
            field[0] = '\0';
            return 0;
        }
        if (v[0] != '/' || strlen(v) >= CONFIG_PATH_MAX)
            return fail(p, "%s: \"%s\" must be an absolute path (shorter than %d) or off", d->name,
                        v, CONFIG_PATH_MAX);
        snprintf(field, CONFIG_PATH_MAX, "%s", v);
        return 0;
    case V_SOCKET_PATH:
        if (strcmp(v, "off") == 0) {
            field[0] = '\0';
            return 0;
        }
        if (v[0] != '/')
            return fail(p, "%s: \"%s\" must be an absolute path or off", d->name, v);
        if (strlen(v) >= CONFIG_SOCKET_PATH_MAX)
            return fail(p, "%s: a unix socket path has at most %d bytes", d->name,
                        CONFIG_SOCKET_PATH_MAX - 1);
        snprintf(field, CONFIG_SOCKET_PATH_MAX, "%s", v);
        return 0;
    case V_EVENT_FILE:
        if (v[0] != '/')
            return fail(p, "events_file: \"%s\" must be an absolute path", v);
        if (strlen(v) >= CONFIG_PATH_MAX)
            return fail(p, "events_file: path too long");
        if (c->n_event_files == CONFIG_MAX_EVENT_FILES)
            return fail(p, "events_file: at most %d files", CONFIG_MAX_EVENT_FILES);
        for (size_t i = 0; i < c->n_event_files; i++)
            if (strcmp(c->event_files[i], v) == 0)
                return fail(p, "events_file: \"%s\" is listed twice", v);
        snprintf(c->event_files[c->n_event_files++], CONFIG_PATH_MAX, "%s", v);
        return 0;
    case V_SEED_APP:
        return parse_seed_app(p, c, values, count);
    case V_SEED_DIR_USER:
        return parse_seed_dir_user(p, c, values, count);
    case V_ALERT_RULE:
        break; /* above: it takes several words */
    case V_WEBAUTHN_RP_ID:
        return parse_webauthn_rp_id(p, field, v);
    case V_WEBAUTHN_ORIGINS:
        return parse_webauthn_origins(p, field, v);
    case V_TOTP_ISSUER:
        return parse_totp_issuer(p, field, v);
    case V_INT:
        if (parse_integer(v, &num) || num < d->min || num > d->max)
            return fail(p, "%s: expected an integer from %lld to %lld, got \"%s\"", d->name, d->min,
                        d->max, v);
        num *= d->scale;
        if (d->offset == F(argon2_memory_kib) || d->offset == F(argon2_iterations) ||
            d->offset == F(argon2_parallelism))
            *(uint32_t *)field = (uint32_t)num;
        else
            *(int *)field = (int)num;
        return 0;
    case V_SIZE:
        if (parse_size(v, &num) || num < d->min || num > d->max)
            return fail(p,
                        "%s: expected a size from %lld to %lld bytes (k, m, g suffixes), got "
                        "\"%s\"",
                        d->name, d->min, d->max, v);
        *(size_t *)field = (size_t)num;
        return 0;
    case V_MODE: {
        char *end;
        errno = 0;
        unsigned long m = strtoul(v, &end, 8);
        if (errno || *end || !*v || m > 0777)
            return fail(p, "%s: expected an octal mode like 0660, got \"%s\"", d->name, v);
        *(unsigned *)field = (unsigned)m;
        return 0;
    }
    case V_LOG_LEVEL:
        lvl = log_level_parse(v);
        if (lvl < 0)
            return fail(p, "log_level: expected debug, info, warn or error, got \"%s\"", v);
        *(int *)field = lvl;
        return 0;
    case V_STORE:
        if (strcmp(v, "sqlite") != 0 && strcmp(v, "postgres") != 0)
            return fail(p, "store: \"%s\" is not an available backend (sqlite, postgres)", v);
        snprintf(field, 16, "%s", v);
        return 0;
    case V_CONNINFO:
        return parse_conninfo(p, field, v);
    case V_SYNCHRONOUS:
        if (strcmp(v, "full") != 0 && strcmp(v, "normal") != 0)
            return fail(p, "sqlite_synchronous: expected full or normal, got \"%s\"", v);
        *(int *)field = strcmp(v, "full") == 0;
        return 0;
    case V_AUDIT_SYSLOG:
    case V_AUDIT_WEBHOOK: {
        if (strcmp(v, "off") == 0) {
            field[0] = '\0';
            return 0;
        }
        audit_dest_t dest;
        char why[300];
        if (strlen(v) >= CONFIG_PATH_MAX ||
            audit_dest_parse(v, d->kind == V_AUDIT_WEBHOOK, &dest, why, sizeof(why)))
            return fail(p, "%s: %s", d->name, strlen(v) >= CONFIG_PATH_MAX ? "too long" : why);
        snprintf(field, CONFIG_PATH_MAX, "%s", v);
        return 0;
    }
    case V_LDAP_TEXT: {
        size_t max = d->min ? (size_t)d->min : CONFIG_PATH_MAX; /* min: the field's size */
        if (strcmp(v, "none") == 0)
            v = "";
        for (const char *q = v; *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                return fail(p, "%s: control characters", d->name);
        if (strlen(v) >= max)
            return fail(p, "%s: at most %zu bytes", d->name, max - 1);
        if (strcmp(d->name, "ldap_url") == 0 && v[0] && strncmp(v, "ldap://", 7) != 0 &&
            strncmp(v, "ldaps://", 8) != 0)
            return fail(p, "ldap_url: ldap://HOST:PORT, ldaps://HOST:PORT or none");
        snprintf(field, max, "%s", v);
        return 0;
    }
    case V_OPTIONAL_PATH:
        if (strcmp(v, "none") == 0) {
            field[0] = '\0';
            return 0;
        }
        if (v[0] != '/' || strlen(v) >= CONFIG_PATH_MAX)
            return fail(p, "%s: \"%s\" must be an absolute path or none", d->name, v);
        snprintf(field, CONFIG_PATH_MAX, "%s", v);
        return 0;
    case V_REDIS_URL: {
        idrev_redis_addr_t addr;
        char why[160];
        if (strcmp(v, "off") == 0) {
            field[0] = '\0';
            return 0;
        }
        if (strlen(v) >= CONFIG_PATH_MAX || idrev_redis_parse_url(v, &addr, why, sizeof(why)))
            return fail(p, "%s: %s", d->name, strlen(v) >= CONFIG_PATH_MAX ? "too long" : why);
        snprintf(field, CONFIG_PATH_MAX, "%s", v);
        return 0;
    }
    case V_SESSION_KEY_ALG:
        if (strcmp(v, "hmac-sha256") != 0 && strcmp(v, "hmac-sm3") != 0)
            return fail(p, "%s: expected hmac-sha256 or hmac-sm3, got \"%s\"", d->name, v);
        snprintf(field, 16, "%s", v);
        return 0;
    case V_COOKIE_SECURE:
        if (strcmp(v, "auto") == 0)
            *(cookie_secure_t *)field = COOKIE_SECURE_AUTO;
        else if (strcmp(v, "on") == 0)
            *(cookie_secure_t *)field = COOKIE_SECURE_ON;
        else if (strcmp(v, "off") == 0)
            *(cookie_secure_t *)field = COOKIE_SECURE_OFF;
        else
            return fail(p, "cookie_secure: expected auto, on or off, got \"%s\"", v);
        return 0;
    }
    return fail(p, "%s: unhandled directive", d->name);
}

static int check_whole(parse_ctx_t *p, ctl_config_t *c)
{
    p->line = 0;
    if (c->session_absolute_s < c->session_idle_s)
        return fail(p, "session_absolute_hours must not be shorter than session_idle_minutes");
    if (c->id.session_absolute_s < c->id.session_idle_s)
        return fail(p,
                    "id_session_absolute_hours must not be shorter than id_session_idle_seconds");
    if ((size_t)c->ingest_batch > c->ingest_queue)
        return fail(p, "ingest_batch must not exceed ingest_queue");
    if (c->store_max_size && c->store_max_size < 1024 * 1024)
        return fail(p, "store_max_size must be 0 (no cap) or at least 1m");
    int postgres = strcmp(c->store, "postgres") == 0;
    if (postgres && !c->postgres_conninfo[0])
        return fail(p, "store postgres needs a postgres directive (a libpq connection string)");
    if (!postgres && c->postgres_conninfo[0])
        return fail(p, "postgres is set but store is %s", c->store);
    if (postgres && c->store_max_size)
        return fail(p, "store_max_size applies to the sqlite store only");
    if (strncmp(c->audit_syslog, "tls://", 6) == 0 && !c->audit_syslog_ca[0])
        return fail(p, "audit_syslog tls:// needs audit_syslog_ca (the receiver's CA)");
    if (c->audit_webhook[0] && !c->audit_webhook_secret_file[0])
        return fail(p, "audit_webhook needs audit_webhook_secret_file (the HMAC key)");
    if (strncmp(c->audit_webhook, "https://", 8) == 0 && !c->audit_webhook_ca[0])
        return fail(p, "audit_webhook https:// needs audit_webhook_ca (the receiver's CA)");
    int pkcs11 = strcmp(c->master_key_provider, "pkcs11") == 0;
    if (!pkcs11 && strcmp(c->master_key_provider, "file") != 0)
        return fail(p, "master_key_provider: file or pkcs11");
    if (pkcs11 && (!c->pkcs11_module[0] || !c->pkcs11_token[0] || !c->pkcs11_pin_file[0]))
        return fail(p, "master_key_provider pkcs11 needs pkcs11_module, pkcs11_token and "
                       "pkcs11_pin_file");
    if (pkcs11 && !c->pkcs11_key_label[0])
        return fail(p, "pkcs11_key_label: the master keys' label must not be empty");
    return 0;
}

typedef struct {
    ctl_config_t *c;
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
        return fail(p, "unknown directive \"%s\"", words[0]);
    size_t idx = (size_t)(d - directives);
    if (l->seen[idx] && d->kind != V_EVENT_FILE && d->kind != V_ALERT_RULE)
        return fail(p, "%s is set twice", d->name);
    l->seen[idx] = 1;
    return apply(p, l->c, d, words + 1, count - 1);
}

ctl_config_t *config_load_string(const char *text, size_t len, const char *name, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    ctl_config_t *c = config_defaults();
    if (!c) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    snprintf(c->file, sizeof(c->file), "%s", name);
    parse_ctx_t p = {.name = name, .line = 0, .err = err};
    load_t l = {.c = c};
    if (conf_parse_lines(&p, text, len, on_line, &l))
        goto bad;
    if (check_whole(&p, c))
        goto bad;
    return c;
bad:
    free(c);
    return NULL;
}

ctl_config_t *config_load(const char *path, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    size_t n;
    char *text = conf_read_file(path, &n, err);
    if (!text)
        return NULL;
    ctl_config_t *c = config_load_string(text, n, path, err);
    free(text);
    return c;
}

void config_restart_only_changes(const ctl_config_t *a, const ctl_config_t *b, char *out,
                                 size_t out_size)
{
    out[0] = '\0';
    size_t used = 0;
#define CHANGED(name, differs)                                                                     \
    do {                                                                                           \
        if ((differs) && used < out_size) {                                                        \
            int w = snprintf(out + used, out_size - used, "%s%s", used ? "," : "", name);          \
            if (w > 0)                                                                             \
                used += (size_t)w;                                                                 \
        }                                                                                          \
    } while (0)
    CHANGED("listen",
            strcmp(a->listen_host, b->listen_host) != 0 || a->listen_port != b->listen_port);
    CHANGED("http_threads", a->http_threads != b->http_threads);
    CHANGED("data_dir", strcmp(a->data_dir, b->data_dir) != 0);
    CHANGED("run_dir", strcmp(a->run_dir, b->run_dir) != 0);
    CHANGED("store", strcmp(a->store, b->store) != 0);
    CHANGED("postgres", strcmp(a->postgres_conninfo, b->postgres_conninfo) != 0);
    CHANGED("sqlite_synchronous", a->sqlite_synchronous_full != b->sqlite_synchronous_full);
    CHANGED("store_max_size", a->store_max_size != b->store_max_size);
    int files_differ = a->n_event_files != b->n_event_files;
    for (size_t i = 0; !files_differ && i < a->n_event_files; i++)
        files_differ = strcmp(a->event_files[i], b->event_files[i]) != 0;
    CHANGED("events_file", files_differ);
    CHANGED("events_socket", strcmp(a->event_socket, b->event_socket) != 0);
    CHANGED("events_socket_mode", a->event_socket_mode != b->event_socket_mode);
    CHANGED("ingest_queue", a->ingest_queue != b->ingest_queue);
    CHANGED("audit_syslog", strcmp(a->audit_syslog, b->audit_syslog) != 0 ||
                                strcmp(a->audit_syslog_ca, b->audit_syslog_ca) != 0);
    CHANGED("audit_webhook",
            strcmp(a->audit_webhook, b->audit_webhook) != 0 ||
                strcmp(a->audit_webhook_secret_file, b->audit_webhook_secret_file) != 0 ||
                strcmp(a->audit_webhook_ca, b->audit_webhook_ca) != 0);
    CHANGED("gateway_token_file", strcmp(a->gateway_token_file, b->gateway_token_file) != 0);
    CHANGED("seed_app", memcmp(&a->seed_app, &b->seed_app, sizeof(a->seed_app)) != 0);
#undef CHANGED
}

void config_keep_restart_only(ctl_config_t *n, const ctl_config_t *o)
{
    memcpy(n->listen_host, o->listen_host, sizeof(n->listen_host));
    n->listen_port = o->listen_port;
    n->http_threads = o->http_threads;
    memcpy(n->data_dir, o->data_dir, sizeof(n->data_dir));
    memcpy(n->run_dir, o->run_dir, sizeof(n->run_dir));
    memcpy(n->store, o->store, sizeof(n->store));
    memcpy(n->postgres_conninfo, o->postgres_conninfo, sizeof(n->postgres_conninfo));
    n->sqlite_synchronous_full = o->sqlite_synchronous_full;
    n->store_max_size = o->store_max_size;
    memcpy(n->event_files, o->event_files, sizeof(n->event_files));
    n->n_event_files = o->n_event_files;
    memcpy(n->event_socket, o->event_socket, sizeof(n->event_socket));
    n->event_socket_mode = o->event_socket_mode;
    n->ingest_queue = o->ingest_queue;
    memcpy(n->audit_syslog, o->audit_syslog, sizeof(n->audit_syslog));
    memcpy(n->audit_syslog_ca, o->audit_syslog_ca, sizeof(n->audit_syslog_ca));
    memcpy(n->audit_webhook, o->audit_webhook, sizeof(n->audit_webhook));
    memcpy(n->audit_webhook_secret_file, o->audit_webhook_secret_file,
           sizeof(n->audit_webhook_secret_file));
    memcpy(n->audit_webhook_ca, o->audit_webhook_ca, sizeof(n->audit_webhook_ca));
    memcpy(n->gateway_token_file, o->gateway_token_file, sizeof(n->gateway_token_file));
    n->seed_app = o->seed_app;
}

/* ------------------------------------------------------------------ */
/* the slot                                                            */

void config_slot_init(config_slot_t *slot, ctl_config_t *cfg)
{
    pthread_mutex_init(&slot->lock, NULL);
    slot->current = cfg;
}

ctl_config_t *config_acquire(config_slot_t *slot)
{
    pthread_mutex_lock(&slot->lock);
    ctl_config_t *c = config_ref(slot->current);
    pthread_mutex_unlock(&slot->lock);
    return c;
}

void config_release(ctl_config_t *cfg)
{
    config_unref(cfg);
}

void config_slot_swap(config_slot_t *slot, ctl_config_t *cfg)
{
    pthread_mutex_lock(&slot->lock);
    ctl_config_t *old = slot->current;
    slot->current = cfg;
    pthread_mutex_unlock(&slot->lock);
    config_unref(old);
}

void config_slot_clear(config_slot_t *slot)
{
    pthread_mutex_lock(&slot->lock);
    ctl_config_t *old = slot->current;
    slot->current = NULL;
    pthread_mutex_unlock(&slot->lock);
    config_unref(old);
    pthread_mutex_destroy(&slot->lock);
}
