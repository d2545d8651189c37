/*
 * config_test.c — rampartd.conf: defaults, every directive, errors that
 * name file:line, reload rules (restart-only settings), the shipped
 * etc/rampartd.conf.
 */
#include "test_util.h"

#include "config.h"
#include "log.h"

static ctl_config_t *load(const char *text, rp_error_t *err)
{
    return config_load_string(text, strlen(text), "t.conf", err);
}

static void expect_error(const char *text, unsigned line, const char *reason_part)
{
    rp_error_t err;
    ctl_config_t *c = load(text, &err);
    if (c) {
        config_unref(c);
        fail_msg("accepted: %s", text);
    }
    assert_string_equal(err.file, "t.conf");
    assert_int_equal(err.line, line);
    if (!strstr(err.reason, reason_part))
        fail_msg("reason \"%s\" lacks \"%s\"", err.reason, reason_part);
}

static void test_defaults(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("", &err);
    assert_non_null(c);
    assert_string_equal(c->listen_host, "127.0.0.1");
    assert_int_equal(c->listen_port, 9000);
    assert_int_equal(c->retention_days, 180);
    assert_string_equal(c->store, "sqlite");
    assert_int_equal(c->sqlite_synchronous_full, 1);
    assert_int_equal(c->n_event_files, 0);
    assert_string_equal(c->event_socket, "");
    assert_int_equal(c->session_idle_s, 1800);
    assert_int_equal(c->cookie_secure, COOKIE_SECURE_AUTO);
    assert_int_equal(c->argon2_memory_kib, 65536);
    assert_string_equal(c->console_dir, "/usr/share/rampart/console");
    config_unref(c);
}

static void test_directives(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("# comment\n"
                           "listen [::1]:9443   # trailing\n"
                           "data_dir \"/var/lib/ram part\"\n"
                           "run_dir /run/x\n"
                           "log /var/log/rampartd.log\n"
                           "log_level debug\n"
                           "sqlite_synchronous normal\n"
                           "retention_days 365\n"
                           "events_file /a/events.jsonl\n"
                           "events_file /b/events.jsonl\n"
                           "events_socket /run/x/ev.sock\n"
                           "events_socket_mode 0666\n"
                           "ingest_queue 128k\n"
                           "ingest_batch 500\n"
                           "ingest_flush_ms 20\n"
                           "ingest_max_body 2m\n"
                           "http_threads 8\n"
                           "http_max_body 64k\n"
                           "cookie_secure on\n"
                           "session_idle_minutes 15\n"
                           "session_absolute_hours 8\n"
                           "login_account_failures 3\n"
                           "login_lockout_seconds 60\n"
                           "login_address_failures 10\n"
                           "login_address_window_seconds 120\n"
                           "argon2_memory_kib 19456\n"
                           "argon2_iterations 2\n"
                           "argon2_parallelism 2\n"
                           "console_dir \"/opt/rampart/con sole\"\n",
                           &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_string_equal(c->listen_host, "::1");
    assert_int_equal(c->listen_port, 9443);
    assert_string_equal(c->data_dir, "/var/lib/ram part");
    assert_string_equal(c->log_target, "/var/log/rampartd.log");
    assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(c->sqlite_synchronous_full, 0);
    assert_int_equal(c->retention_days, 365);
    assert_int_equal(c->n_event_files, 2);
    assert_string_equal(c->event_files[1], "/b/events.jsonl");
    assert_string_equal(c->event_socket, "/run/x/ev.sock");
    assert_int_equal(c->event_socket_mode, 0666);
    assert_int_equal(c->ingest_queue, 128 * 1024);
    assert_int_equal(c->ingest_batch, 500);
    assert_int_equal(c->ingest_max_body, 2 * 1024 * 1024);
    assert_int_equal(c->http_threads, 8);
    assert_int_equal(c->http_max_body, 64 * 1024);
    assert_int_equal(c->cookie_secure, COOKIE_SECURE_ON);
    assert_int_equal(c->session_idle_s, 15 * 60);
    assert_int_equal(c->session_absolute_s, 8 * 3600);
    assert_int_equal(c->login_account_failures, 3);
    assert_int_equal(c->argon2_memory_kib, 19456);
    assert_int_equal(c->argon2_parallelism, 2);
    assert_string_equal(c->console_dir, "/opt/rampart/con sole");
    config_unref(c);
    c = load("console_dir off\n", &err);
    assert_non_null(c);
    assert_string_equal(c->console_dir, "");
    config_unref(c);
}

/* The abnormal-login detector's settings (idanomaly.h). */
static void test_login_anomaly_directives(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("", &err);
    assert_non_null(c);
    assert_int_equal(c->login_anomaly.learning_s, 14 * 86400);
    assert_int_equal(c->login_anomaly.min_logins, 10);
    assert_int_equal(c->login_anomaly_unusual_percent, 5);
    config_unref(c);
    c = load("login_anomaly_learning_hours 2\nlogin_anomaly_min_logins 1\n"
             "login_anomaly_prefix4 32\nlogin_anomaly_prefix6 56\n"
             "login_anomaly_unusual_percent 0\n",
             &err);
    assert_non_null(c);
    assert_int_equal(c->login_anomaly.learning_s, 7200);
    assert_int_equal(c->login_anomaly.min_logins, 1);
    assert_int_equal(c->login_anomaly.prefix4, 32);
    assert_int_equal(c->login_anomaly.prefix6, 56);
    assert_int_equal(c->login_anomaly_unusual_percent, 0);
    config_unref(c);
    assert_null(load("login_anomaly_prefix4 40\n", &err));
    assert_null(load("login_anomaly_min_logins 0\n", &err));
}

static void test_distribution_directives(void **state)
{
    (void)state;
    static const char text[] = "gateway_token_file /run/rampart/gw.token\n"
                               "seed_app demo * / http://127.0.0.1:8081 waf=detect masking=block\n";
    rp_error_t err;
    ctl_config_t *c = config_load_string(text, sizeof(text) - 1, "t.conf", &err);
    assert_non_null(c);
    assert_string_equal(c->gateway_token_file, "/run/rampart/gw.token");
    assert_string_equal(c->seed_app.name, "demo");
    assert_string_equal(c->seed_app.host, "*");
    assert_string_equal(c->seed_app.path_prefix, "/");
    assert_string_equal(c->seed_app.upstream, "http://127.0.0.1:8081");
    assert_string_equal(c->seed_app.waf, "detect");
    assert_string_equal(c->seed_app.masking, "block");
    config_unref(c);
}

/* The WebAuthn relying party: a host name (never an IP address) and origins. */
static void test_webauthn_directives(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("listen 127.0.0.1:9000\n", &err);
    assert_non_null(c);
    assert_string_equal(c->webauthn_rp_id, "localhost");
    assert_string_equal(c->webauthn_origins, "");
    config_unref(c);
    c = load("webauthn_rp_id login.example.gov.cn\n"
             "webauthn_origins https://login.example.gov.cn,https://login.example.gov.cn:8443\n",
             &err);
    assert_non_null(c);
    assert_string_equal(c->webauthn_rp_id, "login.example.gov.cn");
    assert_string_equal(c->webauthn_origins,
                        "https://login.example.gov.cn,https://login.example.gov.cn:8443");
    config_unref(c);
    expect_error("webauthn_rp_id 127.0.0.1\n", 1, "an IP address is no RP ID");
    expect_error("webauthn_rp_id Login.Example\n", 1, "lower-case host name");
    expect_error("webauthn_rp_id .example\n", 1, "not a host name");
    expect_error("webauthn_origins login.example\n", 1, "not an origin");
    expect_error("webauthn_origins https://a.example/path\n", 1, "not an origin");
    expect_error("webauthn_origins https://a.example,ftp://b\n", 1, "not an origin");
}

static void test_identity_directives(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("listen 127.0.0.1:9000\n", &err);
    assert_non_null(c);
    assert_string_equal(c->identity_redis, "");
    assert_string_equal(c->session_key_alg, "hmac-sha256");
    config_unref(c);
    c = load("identity_redis redis://127.0.0.1:6380/1\nsession_key_algorithm hmac-sm3\n", &err);
    assert_non_null(c);
    assert_string_equal(c->identity_redis, "redis://127.0.0.1:6380/1");
    assert_string_equal(c->session_key_alg, "hmac-sm3");
    config_unref(c);
    c = load("identity_redis off\n", &err);
    assert_non_null(c);
    assert_string_equal(c->identity_redis, "");
    config_unref(c);
    expect_error("identity_redis 127.0.0.1:6379\n", 1, "expected redis://");
    expect_error("identity_redis redis://h:99999\n", 1, "bad Redis port");
    expect_error("session_key_algorithm hmac-md5\n", 1, "hmac-sha256 or hmac-sm3");
    c = load("seed_directory_user demo-auditor auditor /run/pw\n", &err);
    assert_non_null(c);
    assert_string_equal(c->seed_dir_user.name, "demo-auditor");
    assert_string_equal(c->seed_dir_user.role, "auditor");
    assert_string_equal(c->seed_dir_user.password_file, "/run/pw");
    config_unref(c);
    expect_error("seed_directory_user a b\n", 1, "NAME ROLE PASSWORD_FILE");
    expect_error("seed_directory_user a;b r /pw\n", 1, "not a directory name");
    expect_error("seed_directory_user a r pw\n", 1, "absolute path");
}

static void test_master_key_provider(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("", &err);
    assert_non_null(c);
    assert_string_equal(c->master_key_provider, "file");
    assert_string_equal(c->pkcs11_key_label, "rampart-master");
    config_unref(c);
    c = load("master_key_provider pkcs11\npkcs11_module /usr/lib/softhsm/libsofthsm2.so\n"
             "pkcs11_token hsm1\npkcs11_pin_file /etc/rampart/hsm.pin\npkcs11_key_label km\n",
             &err);
    assert_non_null(c);
    assert_string_equal(c->master_key_provider, "pkcs11");
    assert_string_equal(c->pkcs11_token, "hsm1");
    assert_string_equal(c->pkcs11_pin_file, "/etc/rampart/hsm.pin");
    assert_string_equal(c->pkcs11_key_label, "km");
    config_unref(c);
    expect_error("master_key_provider hsm\n", 0, "file or pkcs11");
    expect_error("master_key_provider pkcs11\npkcs11_token t\n", 0, "needs pkcs11_module");
    expect_error("pkcs11_pin_file relative.pin\n", 1, "absolute path");
    expect_error("pkcs11_token 0123456789012345678901234567890123\n", 1, "at most 32 bytes");
}

/* The identity service's settings (idconf.h): today's values by default,
 * each directive read into its field, bounds and whole-file rules. */
static void test_identity_settings(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("", &err);
    assert_non_null(c);
    assert_int_equal(c->id.pw_min_length, 12);
    assert_int_equal(c->id.pw_min_classes, 3);
    assert_int_equal(c->id.pw_history, 5);
    assert_int_equal(c->id.pw_max_age_days, 90);
    assert_int_equal(c->id.login_delay_after, 3);
    assert_int_equal(c->id.login_lock_after, 10);
    assert_int_equal(c->id.login_lock_s, 900);
    assert_int_equal(c->id.session_idle_s, 1800);
    assert_int_equal(c->id.session_absolute_s, 12 * 3600);
    assert_string_equal(c->id.totp_issuer, "Rampart");
    assert_int_equal(c->id.oidc_code_s, 60);
    assert_int_equal(c->id.oidc_access_s, 600);
    assert_int_equal(c->id.oidc_id_token_s, 600);
    assert_int_equal(c->login_lockout_max_s, 3600);
    config_unref(c);
    c = load("id_password_min_length 16\nid_password_min_classes 4\nid_password_history 0\n"
             "id_password_max_age_days 0\nid_login_delay_after 5\nid_login_lock_after 20\n"
             "id_login_lock_seconds 3600\nid_session_idle_seconds 300\n"
             "id_session_absolute_hours 8\nid_totp_issuer \"Tax Bureau 税务局\"\n"
             "oidc_code_seconds 30\noidc_access_token_seconds 300\noidc_id_token_seconds 120\n"
             "login_lockout_max_seconds 86400\n",
             &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_int_equal(c->id.pw_min_length, 16);
    assert_int_equal(c->id.pw_min_classes, 4);
    assert_int_equal(c->id.pw_history, 0);
    assert_int_equal(c->id.pw_max_age_days, 0);
    assert_int_equal(c->id.login_delay_after, 5);
    assert_int_equal(c->id.login_lock_after, 20);
    assert_int_equal(c->id.login_lock_s, 3600);
    assert_int_equal(c->id.session_idle_s, 300);
    assert_int_equal(c->id.session_absolute_s, 8 * 3600);
    assert_string_equal(c->id.totp_issuer, "Tax Bureau 税务局");
    assert_int_equal(c->id.oidc_code_s, 30);
    assert_int_equal(c->id.oidc_access_s, 300);
    assert_int_equal(c->id.oidc_id_token_s, 120);
    assert_int_equal(c->login_lockout_max_s, 86400);
    config_unref(c);
    expect_error("listen 127.0.0.1:9000\nid_password_min_length 6\n", 2, "from 8 to 128");
    expect_error("id_password_min_classes 5\n", 1, "from 1 to 4");
    expect_error("id_password_history 11\n", 1, "from 0 to 10");
    expect_error("id_password_max_age_days -1\n", 1, "from 0 to 3650");
    expect_error("id_login_lock_after 0\n", 1, "from 1 to 1000");
    expect_error("id_login_lock_seconds 1h\n", 1, "expected an integer");
    expect_error("id_session_idle_seconds 1\n", 1, "from 2 to 86400");
    expect_error("id_session_absolute_hours 721\n", 1, "from 1 to 720");
    expect_error("\nid_totp_issuer Acme:Login\n", 2, "no ':'");
    expect_error("id_totp_issuer \"\"\n", 1, "1 to 64 bytes");
    expect_error("oidc_code_seconds 601\n", 1, "from 10 to 600");
    expect_error("oidc_access_token_seconds 30\n", 1, "from 60 to 86400");
    expect_error("id_session_idle_seconds 60\nid_session_idle_seconds 60\n", 2, "set twice");
    expect_error("id_session_idle_seconds 7200\nid_session_absolute_hours 1\n", 0,
                 "id_session_absolute_hours must not be shorter");
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("listen 127.0.0.1:9000\nbogus 1\n", 2, "unknown directive \"bogus\"");
    expect_error("listen localhost:9000\n", 1, "not a numeric IP address");
    expect_error("listen 127.0.0.1:0\n", 1, "bad port");
    expect_error("listen 127.0.0.1\n", 1, "ADDRESS:PORT");
    expect_error("\n\nretention_days 0\n", 3, "from 1 to 36500");
    expect_error("retention_days 12x\n", 1, "expected an integer");
    expect_error("data_dir relative/path\n", 1, "absolute path");
    expect_error("data_dir /a\ndata_dir /b\n", 2, "set twice");
    expect_error("events_file /a\nevents_file /a\n", 2, "listed twice");
    expect_error("store mysql\n", 1, "not an available backend");
    expect_error("store postgres\n", 0, "needs a postgres directive");
    expect_error("postgres \"host=127.0.0.1\"\n", 0, "postgres is set but store is sqlite");
    expect_error("store postgres\npostgres \"host=h\"\nstore_max_size 1g\n", 0,
                 "sqlite store only");
    expect_error("store postgres\npostgres \"\"\n", 2, "empty connection string");
    expect_error("store postgres\npostgres host=h password=x\n", 2, "exactly one value");
    expect_error("sqlite_synchronous maybe\n", 1, "full or normal");
    expect_error("events_socket_mode 999\n", 1, "octal mode");
    expect_error("ingest_queue 1\n", 1, "size from");
    expect_error("ingest_queue 633333333107G\n", 1, "size from"); /* found by fuzz_ctl_config */
    expect_error("ingest_queue 9223372036854775807\n", 1, "size from");
    expect_error("console_dir build/console\n", 1, "absolute path");
    expect_error("log_level loud\n", 1, "debug, info, warn or error");
    expect_error("listen\n", 1, "exactly one value");
    expect_error("listen 127.0.0.1:1 127.0.0.1:2\n", 1, "exactly one value");
    expect_error("data_dir \"/unterminated\n", 1, "unterminated");
    expect_error("events_socket /" /* 120 bytes: too long for sun_path */
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 1, "at most 107 bytes");
    expect_error("gateway_token_file relative\n", 1,
                 "must be an absolute path (shorter than 1024) or off");
    expect_error("seed_app demo * /\n", 1, "NAME HOST PATH_PREFIX UPSTREAM");
    expect_error("seed_app demo * / http://127.0.0.1:1 masking=loud\n", 1, "masking=MODE");
    expect_error("seed_app de;mo * / http://127.0.0.1:1\n", 1, "seed_app: name");
    expect_error("seed_app demo h:80 / http://127.0.0.1:1\n", 1, "seed_app: host");
    expect_error("seed_app demo * /a{ http://127.0.0.1:1\n", 1, "seed_app: path prefix");
    expect_error("seed_app demo * / ftp://x\n", 1, "seed_app: upstream");
    expect_error("seed_app demo * / http://x:1 waf=maybe\n", 1, "waf=block");
    /* whole-file checks have no line */
    expect_error("session_idle_minutes 600\nsession_absolute_hours 1\n", 0, "must not be shorter");
    expect_error("ingest_queue 2048\ningest_batch 4096\n", 0, "must not exceed");
}

/* The connection string holds a password: no error repeats it. */
static void test_postgres_connection_string(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *c = load("store postgres\n"
                           "postgres \"host=127.0.0.1 port=5432 dbname=rampart password=s3cret\"\n",
                           &err);
    assert_non_null(c);
    assert_string_equal(c->store, "postgres");
    assert_string_equal(c->postgres_conninfo,
                        "host=127.0.0.1 port=5432 dbname=rampart password=s3cret");
    config_unref(c);
    c = load("store postgres\npostgres postgresql://rampart@db.example:5433/rampart\n", &err);
    assert_non_null(c);
    config_unref(c);
    const char *bad[] = {
        "store postgres\npostgres \"host=h password=hunter2 nonsense\"\n",
        "store postgres\npostgres \"host=h password=hunter2 bogus=1\"\n",
        "store postgres\npostgres \"host=h password='hunter2\"\n",
        "store postgres\npostgres postgresql://u:hunter2@h/db?bogus=1\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(load(bad[i], &err));
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.reason, "not a libpq connection string"));
        if (strstr(err.reason, "hunter2"))
            fail_msg("the password reached the error: %s", err.reason);
    }
    /* a restart-only directive */
    ctl_config_t *a = load("store postgres\npostgres \"host=a\"\n", &err);
    ctl_config_t *b = load("store postgres\npostgres \"host=b\"\n", &err);
    char changed[256];
    config_restart_only_changes(a, b, changed, sizeof(changed));
    assert_string_equal(changed, "postgres");
    config_unref(a);
    config_unref(b);
}

static void test_nul_byte_refused(void **state)
{
    (void)state;
    rp_error_t err;
    const char text[] = "listen 127.0.0.1:9000\nlog_level info\0x\n";
    assert_null(config_load_string(text, sizeof(text) - 1, "t.conf", &err));
    assert_int_equal(err.line, 2);
}

static void test_restart_only(void **state)
{
    (void)state;
    rp_error_t err;
    ctl_config_t *a = load("listen 127.0.0.1:9000\nretention_days 10\n", &err);
    ctl_config_t *b = load("listen 127.0.0.1:9001\nretention_days 20\n"
                           "events_file /x\n",
                           &err);
    assert_non_null(a);
    assert_non_null(b);
    char changed[256];
    config_restart_only_changes(a, b, changed, sizeof(changed));
    assert_string_equal(changed, "listen,events_file");
    config_keep_restart_only(b, a);
    assert_int_equal(b->listen_port, 9000);
    assert_int_equal(b->n_event_files, 0);
    assert_int_equal(b->retention_days, 20); /* reloadable: the new value stays */
    config_restart_only_changes(a, b, changed, sizeof(changed));
    assert_string_equal(changed, "");
    config_unref(a);
    config_unref(b);
}

static void test_slot_keeps_old_config_alive(void **state)
{
    (void)state;
    config_slot_t slot;
    config_slot_init(&slot, config_defaults());
    ctl_config_t *held = config_acquire(&slot);
    ctl_config_t *fresh = config_defaults();
    fresh->retention_days = 7;
    config_slot_swap(&slot, fresh);
    assert_int_equal(held->retention_days, 180); /* still valid after the swap */
    config_release(held);
    ctl_config_t *now = config_acquire(&slot);
    assert_int_equal(now->retention_days, 7);
    config_release(now);
    config_slot_clear(&slot);
}

static void test_shipped_example_loads(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof(path), "%s/etc/rampartd.conf", RP_SOURCE_DIR);
    rp_error_t err;
    ctl_config_t *c = config_load(path, &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    /* The example documents the defaults: it must equal them, and shows
     * the directives without a default commented out. */
    FILE *f = fopen(path, "r");
    char text[16384];
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    assert_non_null(strstr(text, "\n#postgres \""));
    assert_non_null(strstr(text, "\nstore sqlite "));
    ctl_config_t *d = config_defaults();
    assert_memory_equal((char *)c + offsetof(ctl_config_t, listen_host),
                        (char *)d + offsetof(ctl_config_t, listen_host),
                        sizeof(ctl_config_t) - offsetof(ctl_config_t, listen_host));
    config_unref(c);
    config_unref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_postgres_connection_string),
        cmocka_unit_test(test_distribution_directives),
        cmocka_unit_test(test_login_anomaly_directives),
        cmocka_unit_test(test_nul_byte_refused),
        cmocka_unit_test(test_restart_only),
        cmocka_unit_test(test_slot_keeps_old_config_alive),
        cmocka_unit_test(test_shipped_example_loads),
        cmocka_unit_test(test_webauthn_directives),
        cmocka_unit_test(test_identity_directives),
        cmocka_unit_test(test_identity_settings),
        cmocka_unit_test(test_master_key_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
