/*
 * config_test.c — rampart-agent.conf: defaults, every directive, errors
 * that name file:line, the shipped etc/rampart-agent.conf.
 */
#include "test_util.h"

#include "agent_config.h"
#include "log.h"

static agent_config_t cfg; /* large: kept off the stack */

static int load(const char *text, rp_error_t *err)
{
    return agent_config_load_string(text, strlen(text), "a.conf", &cfg, err);
}

static void expect_error(const char *text, unsigned line, const char *reason_part)
{
    rp_error_t err;
    if (load(text, &err) == 0)
        fail_msg("accepted: %s", text);
    assert_string_equal(err.file, "a.conf");
    assert_int_equal(err.line, line);
    if (!strstr(err.reason, reason_part))
        fail_msg("reason \"%s\" lacks \"%s\"", err.reason, reason_part);
}

static void test_defaults(void **state)
{
    (void)state;
    rp_error_t err;
    assert_int_equal(load("", &err), 0);
    assert_string_equal(cfg.server, "http://127.0.0.1:9000");
    assert_string_equal(cfg.state_dir, "/var/lib/rampart-agent");
    assert_int_equal(cfg.heartbeat_s, 30);
    assert_int_equal(cfg.spool_max_size, 64 * 1024 * 1024);
    assert_int_equal(cfg.n_fim_paths, 0);
    assert_int_equal(cfg.fim_hash, FIM_HASH_SHA256);
    assert_int_equal(cfg.fim_scan_interval_s, 12 * 3600);
}

static void test_directives(void **state)
{
    (void)state;
    rp_error_t err;
    const char *text = "# agent\n"
                       "server https://ctl.example:9443/\n"
                       "server_ca /etc/ssl/ca.pem\n"
                       "enrol_token_file /etc/rampart/enrol.token\n"
                       "hostname web-01\n"
                       "heartbeat_seconds 5   # often\n"
                       "batch_max 100\n"
                       "state_dir \"/var/lib/rampart agent\"\n"
                       "spool_max_size 2m\n"
                       "log /var/log/rampart-agent.log\n"
                       "log_level debug\n"
                       "fim_path /etc\n"
                       "fim_path /srv/www\n"
                       "fim_ignore /etc/*.swp\n"
                       "fim_scan_interval_minutes 30\n"
                       "fim_hash sm3\n"
                       "fim_diff_max_size 16k\n"
                       "fim_hash_max_size 1g\n"
                       "webshell_root /srv/www/html\n"
                       "webshell_rules /etc/rampart/webshell.yar\n"
                       "webshell_max_size 512k\n"
                       "fim_attribution off\n"
                       "login_anomaly off\nlogin_learning_hours 0\nlogin_min_logins 1\n"
                       "login_prefix4 32\nlogin_prefix6 48\nlogin_unusual_percent 10\n";
    if (load(text, &err))
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_false(cfg.fim_attribution);
    assert_false(cfg.login_anomaly);
    assert_int_equal(cfg.login.learning_s, 0);
    assert_int_equal(cfg.login.min_logins, 1);
    assert_int_equal(cfg.login.prefix4, 32);
    assert_int_equal(cfg.login.prefix6, 48);
    assert_int_equal(cfg.login_unusual_percent, 10);
    assert_string_equal(cfg.server, "https://ctl.example:9443"); /* trailing / dropped */
    assert_string_equal(cfg.server_ca, "/etc/ssl/ca.pem");
    assert_string_equal(cfg.hostname, "web-01");
    assert_int_equal(cfg.heartbeat_s, 5);
    assert_int_equal(cfg.batch_max, 100);
    assert_string_equal(cfg.state_dir, "/var/lib/rampart agent");
    assert_int_equal(cfg.spool_max_size, 2 * 1024 * 1024);
    assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(cfg.n_fim_paths, 2);
    assert_string_equal(cfg.fim_paths[1], "/srv/www");
    assert_int_equal(cfg.n_fim_ignores, 1);
    assert_int_equal(cfg.fim_scan_interval_s, 1800);
    assert_int_equal(cfg.fim_hash, FIM_HASH_SM3);
    assert_int_equal(cfg.fim_diff_max_size, 16 * 1024);
    assert_int_equal(cfg.n_webshell_roots, 1);
    assert_string_equal(cfg.webshell_rules, "/etc/rampart/webshell.yar");
    assert_int_equal(cfg.webshell_max_size, 512 * 1024);
    /* off by default: processes, responses; the listen allow-list's defaults */
    assert_false(cfg.process_monitor);
    assert_int_equal(cfg.response_mode, RESPONSE_OFF);
    assert_true(cfg.n_process_listen_allow > 0);
    assert_string_equal(cfg.process_listen_allow[0], "/usr/sbin/*");
    /* on by default: attribution, login profiles learning 14 days */
    load("", &err);
    assert_true(cfg.fim_attribution);
    assert_true(cfg.login_anomaly);
    assert_int_equal(cfg.login.learning_s, 14 * 86400);
    assert_int_equal(cfg.login.prefix4, 24);
    assert_int_equal(cfg.login_unusual_percent, 5);
    assert_int_equal(load("login_prefix4 33\n", &err), -1);
    assert_int_equal(load("login_prefix6 8\n", &err), -1);
}

static void test_process_baseline_response(void **state)
{
    (void)state;
    rp_error_t err;
    const char *text = "process_monitor on\nprocess_scan_seconds 5\n"
                       "process_listen_allow /opt/app/bin/*\n"
                       "baseline_policy /usr/share/rampart/baseline/ssh.policy\n"
                       "baseline_root /srv/image\nbaseline_interval_minutes 60\n"
                       "response_mode dry-run\nresponse_rule bruteforce.source block 3600\n"
                       "response_rule webshell.* quarantine\nresponse_rule process.* kill\n"
                       "response_netns test-ns\nresponse_never_block 10.0.0.0/8\n"
                       "response_never_block 2001:db8::1\n";
    if (load(text, &err))
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_true(cfg.process_monitor);
    assert_int_equal(cfg.process_scan_s, 5);
    assert_int_equal(cfg.n_process_listen_allow, 1); /* given: no defaults */
    assert_int_equal(cfg.n_baseline_policies, 1);
    assert_string_equal(cfg.baseline_root, "/srv/image");
    assert_int_equal(cfg.baseline_interval_s, 3600);
    assert_int_equal(cfg.response_mode, RESPONSE_DRY_RUN);
    assert_int_equal(cfg.n_response_rules, 3);
    assert_int_equal(cfg.response_rules[0].action, RESPONSE_BLOCK);
    assert_int_equal(cfg.response_rules[0].seconds, 3600);
    assert_string_equal(cfg.response_rules[1].detection, "webshell.*");
    assert_int_equal(cfg.response_rules[2].action, RESPONSE_KILL);
    assert_string_equal(cfg.response_netns, "test-ns");
    assert_int_equal(cfg.n_response_never_block, 2);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("serverr http://x\n", 1, "unknown directive \"serverr\"");
    expect_error("\n\nserver ftp://x\n", 3, "http:// or https://");
    expect_error("state_dir relative/dir\n", 1, "absolute path");
    expect_error("heartbeat_seconds 0\n", 1, "from 1 to 3600");
    expect_error("heartbeat_seconds 5\nheartbeat_seconds 6\n", 2, "set twice");
    expect_error("spool_max_size 1k\n", 1, "expected a size");
    expect_error("fim_path /etc\nfim_path /etc\n", 2, "listed twice");
    expect_error("fim_hash md5\n", 1, "sha256 or sm3");
    expect_error("hostname \"a b\"\n", 1, "hostname");
    expect_error("log_level loud\n", 1, "log_level");
    expect_error("batch_max\n", 1, "exactly one value");
    expect_error("server \"http://x\n", 1, "unterminated");
    expect_error("fim_diff_max_size 2m\nfim_hash_max_size 1m\n", 0, "must not exceed");
    expect_error("fim_path /srv/www\nwebshell_root /srv/www2\n", 0, "not inside any fim_path");
    expect_error("fim_ignore relative\n", 1, "absolute path");
    expect_error("process_monitor yes\n", 1, "on or off");
    expect_error("process_listen_allow bin/*\n", 1, "absolute path");
    expect_error("response_mode armed\n", 1, "off, dry-run or active");
    expect_error("response_rule bruteforce.source\n", 1, "DETECTION ACTION");
    expect_error("response_rule bruteforce.source ban\n", 1, "block, kill or quarantine");
    expect_error("response_rule process.* kill 60\n", 1, "only block takes a duration");
    expect_error("response_rule x block 0\n", 1, "only block takes a duration");
    expect_error("response_netns ../x\n", 1, "network namespace name");
    expect_error("response_never_block 10.0.0.0/40\n", 1, "address or CIDR block");
    expect_error("baseline_interval_minutes 0\n", 1, "from 1 to");
}

static void test_shipped_example_loads(void **state)
{
    (void)state;
    rp_error_t err;
    if (agent_config_load(RP_SOURCE_DIR "/etc/rampart-agent.conf", &cfg, &err))
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_true(cfg.n_fim_paths > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_process_baseline_response),
        cmocka_unit_test(test_shipped_example_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
