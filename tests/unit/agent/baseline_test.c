/*
 * baseline_test.c — baseline checks (SCA): the policy parser's refusals
 * with file:line, every shipped policy in etc/baseline parsing, and the
 * shipped policies evaluated against a prepared root (sshd_config with an
 * Include and a Match block, login.defs, pam.d with @include, /proc/sys,
 * systemd unit links, /proc/PID/comm, account files, nginx with
 * sites-enabled) giving the expected result per check.
 */
#include "agent_test_util.h"

#include <sys/stat.h>

#include "baseline_check.h"
#include "baseline_policy.h"

static void expect_error(const char *text, unsigned line, const char *reason)
{
    rp_error_t err;
    policy_t *p = policy_parse(text, strlen(text), "t.policy", &err);
    if (p)
        fail_msg("accepted: %s", text);
    if (err.line != line || !strstr(err.reason, reason))
        fail_msg("%s:%u: %s (want line %u, \"%s\")", err.file, err.line, err.reason, line, reason);
    assert_string_equal(err.file, "t.policy");
}

#define HEAD       "policy p \"P\"\n"
#define CHECK_OPEN "check c \"C\"\n control \"8.1.4.1 a)\"\n rationale \"r\"\n remediation \"m\"\n"

static void test_parser_errors(void **state)
{
    (void)state;
    expect_error("check c \"C\"\n", 1, "starts with: policy");
    expect_error("", 0, "starts with: policy");
    expect_error(HEAD "policy q \"Q\"\n", 2, "policy is given twice");
    expect_error(HEAD "check bad/id \"C\"\n", 2, "expected: check ID");
    expect_error(HEAD CHECK_OPEN " sshd PermitRootLogin == no\n", 6, "has no end");
    expect_error(HEAD CHECK_OPEN "end\n", 6, "has no a condition");
    expect_error(HEAD "check c \"C\"\n sshd X == 1\nend\n", 4, "has no control");
    expect_error(HEAD CHECK_OPEN " sshd PermitRootLogin = no\nend\n", 6, "expected an operator");
    expect_error(HEAD CHECK_OPEN " sshd MaxAuthTries <= four\nend\n", 6, "needs an integer");
    expect_error(HEAD CHECK_OPEN " file_contains /etc/x \"(unclosed\"\nend\n", 6,
                 "bad regular expression");
    expect_error(HEAD CHECK_OPEN " file_mode /etc/x 0999\nend\n", 6, "octal mode");
    expect_error(HEAD CHECK_OPEN " file_mode etc/x 0644\nend\n", 6, "absolute path");
    expect_error(HEAD CHECK_OPEN " file_exists /etc/../root/.ssh\nend\n", 6, "without . or ..");
    expect_error(HEAD CHECK_OPEN " sysctl ../../etc/shadow == 1\nend\n", 6, "sysctl: a key");
    expect_error(HEAD CHECK_OPEN " service ssh running\nend\n", 6, "enabled, disabled");
    expect_error(HEAD CHECK_OPEN " pam ../shadow pam_unix.so\nend\n", 6, "without '/'");
    expect_error(HEAD CHECK_OPEN " pam common-auth pam_faillock.so deny>=x\nend\n", 6,
                 "need an integer");
    expect_error(HEAD CHECK_OPEN " frobnicate /etc\nend\n", 6, "unknown keyword");
    expect_error(HEAD CHECK_OPEN " control \"again\"\n", 6, "given twice");
    expect_error(HEAD CHECK_OPEN " file_exists /a\nend\ncheck c \"again\"\n", 8, "defined twice");
    expect_error(HEAD " control \"x\"\n", 2, "outside a check");
    expect_error(HEAD CHECK_OPEN " file_exists \"/a\n", 6, "");
    expect_error(HEAD "end extra\n", 2, "outside a check");
    const char nul[] = "policy p \"P\"\n\0x\n";
    rp_error_t err;
    assert_null(policy_parse(nul, sizeof(nul) - 1, "t.policy", &err));
    assert_int_equal(err.line, 2);
}

static void test_shipped_policies_parse(void **state)
{
    (void)state;
    const char *names[] = {"ssh",    "password", "pam",      "file-permissions",
                           "kernel", "services", "nginx-tls"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/etc/baseline/%s.policy", RP_SOURCE_DIR, names[i]);
        rp_error_t err;
        policy_t *p = policy_load(path, &err);
        if (!p)
            fail_msg("%s:%u: %s", err.file, err.line, err.reason);
        assert_true(p->n_checks >= 5);
        for (size_t j = 0; j < p->n_checks; j++)
            assert_non_null(strstr(p->checks[j].control, "GB/T 22239-2019 8.1.4."));
        policy_free(p);
    }
}

/* ---- a prepared root ------------------------------------------------------- */

static char root[256];

static void put(const char *rel, const char *text, mode_t mode)
{
    char path[600], dir[600];
    snprintf(path, sizeof(path), "%s%s", root, rel);
    snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
    assert_int_equal(system(dir), 0);
    write_file(path, text);
    assert_int_equal(chmod(path, mode), 0);
}

static void link_to(const char *rel, const char *target)
{
    char path[600], dir[600];
    snprintf(path, sizeof(path), "%s%s", root, rel);
    snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
    assert_int_equal(system(dir), 0);
    assert_int_equal(symlink(target, path), 0);
}

static void prepare_root(void)
{
    temp_dir(root);
    char text[512];
    /* the test's own user stands for root, so ownership checks hold
     * whoever runs the test */
    snprintf(text, sizeof(text),
             "root:x:%u:%u:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\n"
             "www-data:x:33:33::/var/www:/usr/sbin/nologin\n",
             (unsigned)getuid(), (unsigned)getgid());
    put("/etc/passwd", text, 0644);
    snprintf(text, sizeof(text), "root:x:%u:\nshadow:x:%u:\n", (unsigned)getgid(),
             (unsigned)getgid());
    put("/etc/group", text, 0664); /* group-writable: fails */
    put("/etc/shadow", "root:$y$j9T$abc:20000:0:99999:7:::\nnobody::20000::::::\n", 0640);
    put("/etc/ssh/sshd_config",
        "# test\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n"
        "PasswordAuthentication no\nMaxAuthTries=3\nX11Forwarding no\n"
        "Ciphers aes128-cbc,aes256-ctr\nMatch User backup\n  ClientAliveInterval 0\n",
        0600);
    put("/etc/ssh/sshd_config.d/10-hardening.conf",
        "PermitRootLogin no\nClientAliveInterval 300\nLoginGraceTime 30\n", 0644);
    put("/etc/login.defs",
        "PASS_MAX_DAYS\t90\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 7\nENCRYPT_METHOD YESCRYPT\n"
        "UMASK 022\n",
        0644);
    put("/etc/security/pwquality.conf", "minlen = 12\nminclass = 3\n", 0644);
    put("/etc/pam.d/common-password",
        "password requisite pam_pwquality.so retry=3\n"
        "password [success=1 default=ignore] pam_unix.so obscure yescrypt remember=5\n",
        0644);
    put("/etc/pam.d/common-auth",
        "auth required pam_faillock.so preauth\n"
        "auth [success=1 default=ignore] pam_unix.so nullok # a comment\n",
        0644);
    put("/etc/security/faillock.conf", "deny = 9\n", 0644);
    put("/etc/pam.d/su", "auth required pam_wheel.so group=sudo\n", 0644);
    put("/proc/sys/net/ipv4/ip_forward", "1\n", 0644);
    put("/proc/sys/kernel/randomize_va_space", "2\n", 0644);
    put("/proc/sys/net/ipv4/tcp_syncookies", "1\n", 0644);
    put("/proc/42/comm", "auditd\n", 0644);
    link_to("/etc/systemd/system/multi-user.target.wants/auditd.service",
            "/lib/systemd/system/auditd.service");
    put("/lib/systemd/system/auditd.service", "[Unit]\n", 0644);
    put("/lib/systemd/system/cups.service", "[Unit]\n", 0644);
    link_to("/etc/systemd/system/cups.service", "/dev/null");
    put("/lib/systemd/system/rpcbind.service", "[Unit]\n", 0644);
    link_to("/etc/systemd/system/sockets.target.wants/rpcbind.socket", "/x");
    put("/etc/nginx/nginx.conf",
        "http {\n    server_tokens off;\n    ssl_protocols TLSv1.2 "
        "TLSv1.3;\n    ssl_ciphers HIGH:!aNULL:!MD5;\n}\n",
        0644);
    put("/etc/nginx/sites-enabled/app", "server {\n  ssl_protocols TLSv1 TLSv1.2;\n}\n", 0644);
}

typedef struct {
    const char *policy, *check;
    check_result_t want;
} expectation_t;

static void test_shipped_policies_on_prepared_root(void **state)
{
    (void)state;
    prepare_root();
    static const expectation_t want[] = {
        /* ssh: the Include comes first, so its PermitRootLogin wins */
        {"ssh", "ssh.root_login", CHECK_PASS},
        {"ssh", "ssh.empty_passwords", CHECK_PASS}, /* sshd's default */
        {"ssh", "ssh.password_authentication", CHECK_PASS},
        {"ssh", "ssh.max_auth_tries", CHECK_PASS}, /* "MaxAuthTries=3" */
        {"ssh", "ssh.login_grace_time", CHECK_PASS},
        {"ssh", "ssh.idle_timeout", CHECK_PASS}, /* the Match block does not count */
        {"ssh", "ssh.x11_forwarding", CHECK_PASS},
        {"ssh", "ssh.ciphers", CHECK_FAIL},
        {"ssh", "ssh.macs", CHECK_PASS},
        {"ssh", "ssh.config_permissions", CHECK_PASS},
        {"ssh", "ssh.host_key_permissions", CHECK_NOT_APPLICABLE},
        {"password", "password.max_days", CHECK_PASS},
        {"password", "password.min_days", CHECK_FAIL},
        {"password", "password.hash", CHECK_PASS},
        {"password", "password.umask", CHECK_FAIL},
        {"password", "password.quality", CHECK_PASS},
        {"password", "password.no_empty", CHECK_FAIL},
        {"password", "password.uid0", CHECK_FAIL},
        {"pam", "pam.pwquality", CHECK_PASS},
        {"pam", "pam.no_nullok", CHECK_FAIL},
        {"pam", "pam.faillock", CHECK_FAIL}, /* deny = 9 */
        {"pam", "pam.remember", CHECK_PASS},
        {"pam", "pam.su_wheel", CHECK_PASS},
        {"file-permissions", "files.passwd", CHECK_PASS},
        {"file-permissions", "files.shadow", CHECK_PASS},
        {"file-permissions", "files.group", CHECK_FAIL},
        {"file-permissions", "files.sudoers", CHECK_NOT_APPLICABLE},
        {"kernel", "kernel.ip_forward", CHECK_FAIL},
        {"kernel", "kernel.aslr", CHECK_PASS},
        {"kernel", "kernel.syncookies", CHECK_PASS},
        {"kernel", "kernel.kptr_restrict", CHECK_NOT_APPLICABLE},
        {"services", "services.auditd", CHECK_PASS},
        {"services", "services.cups", CHECK_PASS},    /* masked */
        {"services", "services.rpcbind", CHECK_PASS}, /* the socket is enabled, not the service */
        {"services", "services.time_sync", CHECK_FAIL},
        {"nginx-tls", "nginx.server_tokens", CHECK_PASS},
        {"nginx-tls", "nginx.tls_protocols", CHECK_FAIL}, /* sites-enabled/app */
        {"nginx-tls", "nginx.tls_ciphers", CHECK_PASS},   /* !aNULL, !MD5 exclude */
        {"nginx-tls", "nginx.hsts", CHECK_FAIL},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/etc/baseline/%s.policy", RP_SOURCE_DIR, want[i].policy);
        rp_error_t err;
        policy_t *p = policy_load(path, &err);
        assert_non_null(p);
        const check_t *k = NULL;
        for (size_t j = 0; j < p->n_checks; j++)
            if (strcmp(p->checks[j].id, want[i].check) == 0)
                k = &p->checks[j];
        if (!k)
            fail_msg("no check %s", want[i].check);
        check_outcome_t o;
        baseline_evaluate(k, root, &o);
        if (o.result != want[i].want)
            fail_msg("%s: %s (%s), want %s", want[i].check, check_result_name(o.result), o.reason,
                     check_result_name(want[i].want));
        policy_free(p);
    }
    temp_dir_remove(root);
}

static void test_report_and_operators(void **state)
{
    (void)state;
    prepare_root();
    const char *text = HEAD CHECK_OPEN " sshd maxauthtries > 2\n sshd MaxAuthTries < 4\n"
                                       " sshd Ciphers ~ \"cbc\"\n login_defs UMASK != 027\nend\n"
                                       "check d \"D\"\n control \"x\"\n rationale \"r\"\n"
                                       " remediation \"m\"\n pam login pam_unix.so !nullok\nend\n"
                                       "check e \"E\"\n control \"x\"\n rationale \"r\"\n"
                                       " remediation \"m\"\n requires /nonexistent\n"
                                       " file_exists /etc/passwd\nend\n";
    put("/etc/pam.d/login", "@include common-auth\n", 0644);
    rp_error_t err;
    policy_t *p = policy_parse(text, strlen(text), "t.policy", &err);
    if (!p)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    json_t *r = baseline_report(&p, 1, root);
    assert_int_equal(json_integer_value(json_object_get(r, "passed")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "failed")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "not_applicable")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "score")), 50);
    json_t *checks = json_object_get(json_array_get(json_object_get(r, "policies"), 0), "checks");
    json_t *d = json_array_get(checks, 1);
    assert_string_equal(json_string_value(json_object_get(d, "result")), "fail");
    /* through @include common-auth */
    assert_non_null(strstr(json_string_value(json_object_get(d, "reason")), "common-auth:2"));
    json_decref(r);
    policy_free(p);
    /* nothing applies: no score */
    const char *na = HEAD CHECK_OPEN " requires /nonexistent\n file_exists /x\nend\n";
    p = policy_parse(na, strlen(na), "t.policy", &err);
    r = baseline_report(&p, 1, root);
    assert_true(json_is_null(json_object_get(r, "score")));
    json_decref(r);
    policy_free(p);
    temp_dir_remove(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_errors),
        cmocka_unit_test(test_shipped_policies_parse),
        cmocka_unit_test(test_shipped_policies_on_prepared_root),
        cmocka_unit_test(test_report_and_operators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
