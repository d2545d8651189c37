/*
 * proc_test.c — malicious-process traits (proc_rules.c) and the /proc
 * readers (proc_info.c): shells, web servers and miners by name and
 * arguments, world-writable executables, /proc/net/tcp lines (v4 and v6),
 * printable copies of hostile bytes, and this very process read back.
 */
#include "agent_test_util.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include "proc_info.h"
#include "proc_rules.h"

static void test_names(void **state)
{
    (void)state;
    const char *shells[] = {"bash", "sh",     "dash", "python3", "python3.11",
                            "perl", "php8.2", "nc",   "socat",   "busybox"};
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
        if (!proc_is_shell(shells[i]))
            fail_msg("%s is a shell", shells[i]);
    const char *others[] = {"nginx", "sleep", "bashful", "shx", "php-fpm8.2", "sshd", ""};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (proc_is_shell(others[i]))
            fail_msg("%s is no shell", others[i]);
    assert_true(proc_is_web_server("nginx"));
    assert_true(proc_is_web_server("php-fpm8.2"));
    assert_true(proc_is_web_server("java"));
    assert_false(proc_is_web_server("bash"));
    assert_false(proc_is_web_server("nginxx"));
}

static void test_miners(void **state)
{
    (void)state;
    assert_string_equal(proc_miner_trait("xmrig", "xmrig"), "miner_name");
    assert_non_null(proc_miner_trait("kworker", "./kworker -o stratum+tcp://pool.example:80"));
    assert_non_null(proc_miner_trait("x", "/tmp/x --donate-level 1 -t 4"));
    assert_string_equal(proc_miner_trait("x", "/tmp/x -o pool.example.com:3333 -u wallet"),
                        "pool_port");
    assert_null(proc_miner_trait("curl", "curl -o out.html http://example.com:8080/"));
    assert_null(proc_miner_trait("nginx", "nginx: worker process"));
    assert_null(proc_miner_trait("bash", "bash -c echo stratum"));
}

static void test_writable(void **state)
{
    (void)state;
    char dir[256], exe[300], why[600];
    temp_dir(dir);
    snprintf(exe, sizeof(exe), "%s/tool", dir);
    write_file(exe, "x");
    chmod(dir, 0755);
    chmod(exe, 0755);
    assert_false(proc_exe_writable("", exe, why, sizeof(why)));
    chmod(exe, 0757);
    assert_true(proc_exe_writable("", exe, why, sizeof(why)));
    assert_string_equal(why, "file mode 0757");
    chmod(exe, 0755);
    chmod(dir, 01777); /* like /tmp */
    assert_true(proc_exe_writable("", exe, why, sizeof(why)));
    assert_non_null(strstr(why, "directory"));
    assert_false(proc_exe_writable("", "/usr/bin/env", why, sizeof(why)));
    assert_false(proc_exe_writable("", "relative", why, sizeof(why)));
    /* seen through /proc/self/root, as the agent looks at other processes */
    assert_true(proc_exe_writable("/proc/self/root", exe, why, sizeof(why)));
    assert_non_null(strstr(why, dir));
    temp_dir_remove(dir);
}

static void test_tcp_lines(void **state)
{
    (void)state;
    proc_tcp_t t;
    assert_int_equal(proc_tcp_parse_line("  sl  local_address rem_address   st tx_queue rx_queue "
                                         "tr tm->when retrnsmt   uid  timeout inode",
                                         0, &t),
                     -1);
    assert_int_equal(proc_tcp_parse_line("   3: 0100007F:B7F2 0100007F:1F90 01 00000000:00000000 "
                                         "00:00000000 00000000     0        0 123456 1 0 20 4 30",
                                         0, &t),
                     0);
    assert_int_equal(t.state, PROC_TCP_ESTABLISHED);
    assert_int_equal(t.inode, 123456);
    assert_string_equal(t.local, "127.0.0.1:47090");
    assert_string_equal(t.remote, "127.0.0.1:8080");
    assert_string_equal(t.remote_ip, "127.0.0.1");
    assert_int_equal(
        proc_tcp_parse_line("   0: 00000000000000000000000001000000:0016 "
                            "00000000000000000000000000000000:0000 0A 00000000:00000000"
                            " 00:00000000 00000000     0        0 777 1",
                            1, &t),
        0);
    assert_int_equal(t.state, PROC_TCP_LISTEN);
    assert_string_equal(t.local, "[::1]:22");
    assert_int_equal(proc_tcp_parse_line("0: zz:1 00:0 01 0:0 0:0 0 0 0 1", 0, &t), -1);
    assert_int_equal(proc_tcp_parse_line("0: 0100007F:FFFFF 0100007F:1 01 0:0 0:0 0 0 0 1", 0, &t),
                     -1);
}

static void test_printable(void **state)
{
    (void)state;
    char out[32];
    proc_printable(out, sizeof(out), "bash\0-c\0id\0", 11);
    assert_string_equal(out, "bash -c id");
    proc_printable(out, sizeof(out), "a\x1b[2J\xff\xc3\xa9z", 9);
    assert_string_equal(out, "a?[2J?\xc3\xa9z");
    proc_printable(out, 4, "abcdef", 6);
    assert_string_equal(out, "abc");
    proc_printable(out, sizeof(out), "\xe6\x97\xa5\xe6", 4); /* a cut sequence */
    assert_string_equal(out, "\xe6\x97\xa5?");
}

static void test_self(void **state)
{
    (void)state;
    proc_info_t p;
    assert_int_equal(proc_info_read("/proc", getpid(), &p), 0);
    assert_int_equal(p.ppid, getppid());
    assert_int_equal(p.uid, getuid());
    assert_non_null(strstr(p.exe, "proc_test"));
    assert_false(p.exe_deleted);
    assert_non_null(strstr(p.cmdline, "proc_test"));
    assert_non_null(strstr(proc_name(&p), "proc_test"));
    assert_int_equal(proc_info_read("/proc", 0x7ffffff0, &p), -1);
    /* a TCP socket, a UNIX socket and a pipe, as seen through /proc */
    int tcp = socket(AF_INET, SOCK_STREAM, 0), unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    assert_true(proc_fd_socket("/proc", getpid(), tcp) != 0);
    assert_true(proc_fd_is_tcp("/proc", getpid(), tcp));
    assert_true(proc_fd_socket("/proc", getpid(), unix_fd) != 0);
    assert_false(proc_fd_is_tcp("/proc", getpid(), unix_fd));
    assert_int_equal(proc_fd_socket("/proc", getpid(), pipe_fds[0]), 0);
    assert_false(proc_fd_is_tcp("/proc", getpid(), pipe_fds[0]));
    close(tcp), close(unix_fd), close(pipe_fds[0]), close(pipe_fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),     cmocka_unit_test(test_miners),
        cmocka_unit_test(test_writable),  cmocka_unit_test(test_tcp_lines),
        cmocka_unit_test(test_printable), cmocka_unit_test(test_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
