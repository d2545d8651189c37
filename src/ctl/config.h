/*
 * config.h — rampartd's configuration: the file format, its defaults and
 * the slot that lets SIGHUP swap a new configuration in.
 *
 * The file is one directive per line, "name value", '#' starts a comment,
 * a value may be double-quoted (paths with spaces). Every directive, its
 * default and whether SIGHUP applies it: docs/RAMPARTD.md and
 * etc/rampartd.conf. A configuration is immutable once loaded; threads
 * hold a reference (config_acquire/config_release) for as long as they
 * read it, so a reload never changes values under a running request.
 */
#ifndef RAMPART_CTL_CONFIG_H
#define RAMPART_CTL_CONFIG_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "login_profile.h"
#include "alert_rule.h"
#include "idconf.h"
#include "rampart/status.h"

#define CONFIG_MAX_EVENT_FILES 16
#define CONFIG_PATH_MAX        1024
#define CONFIG_SOCKET_PATH_MAX 108 /* sun_path */

typedef enum { COOKIE_SECURE_AUTO, COOKIE_SECURE_ON, COOKIE_SECURE_OFF } cookie_secure_t;

typedef struct ctl_config {
    atomic_int refs;
    char file[CONFIG_PATH_MAX]; /* where it was read from ("" for defaults) */

    /* HTTP API */
    char listen_host[64]; /* numeric IPv4 or IPv6 address */
    uint16_t listen_port;
    int http_threads;
    size_t http_max_body; /* bytes, for every request but ingestion */
    cookie_secure_t cookie_secure;

    /* files */
    char data_dir[CONFIG_PATH_MAX];
    char run_dir[CONFIG_PATH_MAX];
    char log_target[CONFIG_PATH_MAX]; /* "stderr" or a path */
    int log_level;                    /* log_level_t */

    /* store */
    char store[16];                          /* "sqlite" or "postgres" */
    char postgres_conninfo[CONFIG_PATH_MAX]; /* libpq connection string; holds a password */
    int sqlite_synchronous_full;
    size_t store_max_size; /* bytes; 0: no cap beyond the disk */
    int retention_days;

    /* ingestion */
    char event_files[CONFIG_MAX_EVENT_FILES][CONFIG_PATH_MAX];
    size_t n_event_files;
    char event_socket[CONFIG_SOCKET_PATH_MAX];
    unsigned event_socket_mode;
    size_t ingest_queue;
    int ingest_batch;
    int ingest_flush_ms;
    size_t ingest_max_body;

    /* console authentication */
    int session_idle_s;
    int session_absolute_s;
    int login_account_failures;
    int login_lockout_s;
    int login_address_failures;
    int login_address_window_s;
    lp_settings_t login_anomaly; /* abnormal portal logins (idanomaly.h) */
    int login_anomaly_unusual_percent;
    uint32_t argon2_memory_kib;
    uint32_t argon2_iterations;
    uint32_t argon2_parallelism;
    int login_lockout_max_s; /* the cap of the doubling lockout (throttle.c) */

    /* audit log (audit_log.h, audit_export.h) */
    int audit_seal_records;
    int audit_seal_seconds;
    int audit_retention_days;
    char audit_syslog[CONFIG_PATH_MAX]; /* "" (off), tcp://HOST:PORT or tls://HOST:PORT */
    char audit_syslog_ca[CONFIG_PATH_MAX];
    char audit_webhook[CONFIG_PATH_MAX]; /* "" (off), http(s)://HOST:PORT/PATH */
    char audit_webhook_secret_file[CONFIG_PATH_MAX];
    char audit_webhook_ca[CONFIG_PATH_MAX];
    /* web console */
    char console_dir[CONFIG_PATH_MAX]; /* Vite's build output; "" when off */
    /* distribution to gateways on this host (make up) */
    char gateway_token_file[CONFIG_PATH_MAX]; /* "": off */
    /* WebAuthn relying party (api_id_webauthn.c): the RP ID (a host name,
     * never an IP address) and the portal's origins, comma-separated
     * ("": http://<rp id>:<listen port>) */
    char webauthn_rp_id[254];
    char webauthn_origins[CONFIG_PATH_MAX];
    /* LDAP as an external directory (idldap.h); ldap_url "" is off */
    char ldap_url[CONFIG_PATH_MAX]; /* ldap://HOST:PORT or ldaps://HOST:PORT */
    char ldap_bind_dn[CONFIG_PATH_MAX];
    char ldap_bind_password_file[CONFIG_PATH_MAX];
    char ldap_user_base[CONFIG_PATH_MAX];
    char ldap_user_filter[CONFIG_PATH_MAX]; /* %s: the escaped user name */
    char ldap_attr_display[64], ldap_attr_email[64], ldap_attr_phone[64];
    char ldap_group_base[CONFIG_PATH_MAX];
    char ldap_group_filter[CONFIG_PATH_MAX]; /* %s: the escaped user DN */
    char ldap_group_roles[CONFIG_PATH_MAX];  /* cn:role,cn:role */
    char ldap_ca[CONFIG_PATH_MAX];
    int ldap_timeout_ms;
    /* the revocation stream in Redis (idrev_redis.h): redis://HOST[:PORT][/DB], "" off */
    char identity_redis[CONFIG_PATH_MAX];
    char session_key_alg[16]; /* new session keys: hmac-sha256 (default) or hmac-sm3 */
    struct {
        char name[65], role[65];             /* name "": none */
        char password_file[CONFIG_PATH_MAX]; /* its first line is the password */
    } seed_dir_user;                         /* seed_dir_user.h */
    struct {
        char name[65], host[254], path_prefix[513], upstream[513]; /* name "": none */
        char waf[8];     /* its WAF switch: block (default), detect or off */
        char masking[8]; /* its masking switch: "" leaves the default (off) */
    } seed_app;
    alert_rules_t alert_rules; /* alert_rule lines, or the shipped rule (alert_rule.h) */
    /* the master key provider (keyprov.h): "file" (DATA_DIR/master.key) or
     * "pkcs11" (keyprov_pkcs11.c: a token's non-extractable AES keys) */
    char master_key_provider[16];
    char pkcs11_module[CONFIG_PATH_MAX];   /* the PKCS#11 module (.so) */
    char pkcs11_token[33];                 /* the token's label */
    char pkcs11_pin_file[CONFIG_PATH_MAX]; /* the user PIN, a 0600 file */
    char pkcs11_key_label[65];             /* the master keys' CKA_LABEL */
    /* the identity service: directory users, the portal, OpenID Connect (idconf.h) */
    idconf_t id;
} ctl_config_t;

/* A configuration with every default (refs = 1). NULL on allocation failure. */
ctl_config_t *config_defaults(void);

/* Reads and validates a configuration file. NULL with err->file:line and
 * reason on any problem; a partial configuration is never returned. */
ctl_config_t *config_load(const char *path, rp_error_t *err);

/* The same from text in memory; name is used in errors. */
ctl_config_t *config_load_string(const char *text, size_t len, const char *name, rp_error_t *err);

ctl_config_t *config_ref(ctl_config_t *cfg);
void config_unref(ctl_config_t *cfg);

/* Names the directives whose change only takes effect at restart and that
 * differ between old and new; writes a comma-separated list into out
 * (empty when none). */
void config_restart_only_changes(const ctl_config_t *old_cfg, const ctl_config_t *new_cfg,
                                 char *out, size_t out_size);

/* Copies the restart-only settings of old_cfg into new_cfg, so a reload
 * changes only what it can apply. */
void config_keep_restart_only(ctl_config_t *new_cfg, const ctl_config_t *old_cfg);

/* The current configuration of a running rampartd. */
typedef struct {
    pthread_mutex_t lock; /* held only to read the pointer and take a reference */
    ctl_config_t *current;
} config_slot_t;

void config_slot_init(config_slot_t *slot, ctl_config_t *cfg); /* takes the reference */
ctl_config_t *config_acquire(config_slot_t *slot);             /* + reference */
void config_release(ctl_config_t *cfg);                        /* - reference */
void config_slot_swap(config_slot_t *slot, ctl_config_t *cfg); /* takes the reference */
void config_slot_clear(config_slot_t *slot);

#endif
