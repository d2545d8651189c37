/*
 * bruteforce_test.c — sshd log lines to alerts: the parser on real and
 * hostile lines (an account name posing as another address), the three
 * detections with their window, the bound on tracked keys; and following
 * a log across rotation, truncation and over-long lines.
 */
#include "agent_test_util.h"

#include "bruteforce.h"
#include "log_tail.h"

static void expect(const char *line, auth_kind_t kind, const char *user, const char *source)
{
    char u[BF_KEY_MAX + 1], s[BF_KEY_MAX + 1];
    auth_kind_t got = auth_parse_sshd(line, strlen(line), u, s);
    if (got != kind)
        fail_msg("%s: kind %d, want %d", line, got, kind);
    if (kind != AUTH_OTHER) {
        assert_string_equal(u, user);
        assert_string_equal(s, source);
    }
}

static void test_parser(void **state)
{
    (void)state;
    expect("Failed password for root from 127.0.0.1 port 58150 ssh2", AUTH_FAILED, "root",
           "127.0.0.1");
    expect("Nov 26 14:10:01 web sshd[812]: Failed password for invalid user admin from "
           "203.0.113.7 port 4242 ssh2",
           AUTH_FAILED, "admin", "203.0.113.7");
    expect("sshd[9]: Accepted publickey for deploy from 2001:db8::5 port 22 ssh2: ED25519 SHA256:x",
           AUTH_ACCEPTED, "deploy", "2001:db8::5");
    expect("Failed keyboard-interactive/pam for bob from 10.1.2.3 port 1 ssh2", AUTH_FAILED, "bob",
           "10.1.2.3");
    /* an account name carrying " from ADDR port": the real address is the last one */
    expect("Failed password for invalid user x from 9.9.9.9 port 1 from 198.51.100.4 port 5 ssh2",
           AUTH_FAILED, "x from 9.9.9.9 port 1", "198.51.100.4");
    /* control bytes in the name are neutralised */
    expect("Failed password for invalid user a\x1b[2Jb from 192.0.2.1 port 7 ssh2", AUTH_FAILED,
           "a?[2Jb", "192.0.2.1");
    /* not an address where one must be */
    expect("Failed password for root from evil.example port 1 ssh2", AUTH_OTHER, "", "");
    expect("Failed password for root from  port 1 ssh2", AUTH_OTHER, "", "");
    expect("Invalid user nobodyx from 127.0.0.1 port 58138", AUTH_OTHER, "", "");
    expect("Connection closed by authenticating user root 127.0.0.1 port 58150 [preauth]",
           AUTH_OTHER, "", "");
    expect("", AUTH_OTHER, "", "");
}

static int feed(bf_t *b, const char *line, int64_t now, bf_alert_t out[2])
{
    return bf_line(b, line, strlen(line), now, out);
}

static void test_detections(void **state)
{
    (void)state;
    bf_t *b = bf_new(3, 60);
    bf_alert_t a[2];
    int64_t t = 1000000;
    /* one address guessing one account: both keys reach 3 together */
    assert_int_equal(feed(b, "Failed password for root from 10.0.0.1 port 1 ssh2", t, a), 0);
    assert_int_equal(feed(b, "Failed password for root from 10.0.0.1 port 2 ssh2", t + 1, a), 0);
    assert_int_equal(feed(b, "Failed password for root from 10.0.0.1 port 3 ssh2", t + 2, a), 2);
    assert_int_equal(a[0].kind, BF_SOURCE);
    assert_string_equal(a[0].source, "10.0.0.1");
    assert_int_equal(a[0].failures, 3);
    assert_int_equal(a[1].kind, BF_ACCOUNT);
    /* once per window */
    assert_int_equal(feed(b, "Failed password for root from 10.0.0.1 port 4 ssh2", t + 3, a), 0);
    /* then the password works: success after failures */
    assert_int_equal(feed(b, "Accepted password for root from 10.0.0.1 port 5 ssh2", t + 4, a), 1);
    assert_int_equal(a[0].kind, BF_SUCCESS_AFTER_FAILURES);
    assert_int_equal(a[0].failures, 4);
    assert_string_equal(bf_kind_name(a[0].kind), "bruteforce.success_after_failures");
    /* a normal login is nothing */
    assert_int_equal(feed(b, "Accepted publickey for ann from 10.0.0.9 port 5 ssh2", t + 5, a), 0);
    /* distributed guessing of one account */
    assert_int_equal(feed(b, "Failed password for ops from 10.1.0.1 port 1 ssh2", t, a), 0);
    assert_int_equal(feed(b, "Failed password for ops from 10.1.0.2 port 1 ssh2", t, a), 0);
    assert_int_equal(feed(b, "Failed password for ops from 10.1.0.3 port 1 ssh2", t, a), 1);
    assert_int_equal(a[0].kind, BF_ACCOUNT);
    assert_string_equal(a[0].user, "ops");
    /* failures spread wider than the window never add up */
    for (int i = 0; i < 10; i++)
        assert_int_equal(feed(b, "Failed password for slow from 10.2.0.1 port 1 ssh2",
                              t + (int64_t)i * 61000, a),
                         0);
    /* many addresses: the table stays bounded and still works */
    char line[128];
    for (int i = 0; i < 3 * BF_TRACKED; i++) {
        snprintf(line, sizeof(line), "Failed password for u%d from 10.%d.%d.%d port 1 ssh2", i,
                 (i >> 16) & 255, (i >> 8) & 255, i & 255);
        feed(b, line, t + 100000 + i, a);
    }
    for (int i = 0; i < 2; i++)
        feed(b, "Failed password for z from 192.0.2.200 port 1 ssh2", t + 200000, a);
    assert_int_equal(feed(b, "Failed password for z from 192.0.2.200 port 1 ssh2", t + 200000, a),
                     2);
    bf_free(b);
}

typedef struct {
    char lines[16][LOG_TAIL_LINE_MAX];
    size_t lens[16];
    int n;
} got_t;

static void collect(void *ctx, const char *line, size_t len)
{
    got_t *g = ctx;
    if (g->n < 16) {
        memcpy(g->lines[g->n], line, len + 1);
        g->lens[g->n++] = len;
    }
}

static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_tail_rotation(void **state)
{
    (void)state;
    char dir[256], path[300], old[300];
    temp_dir(dir);
    snprintf(path, sizeof(path), "%s/auth.log", dir);
    snprintf(old, sizeof(old), "%s/auth.log.1", dir);
    write_file(path, "history\n");
    log_tail_t t;
    log_tail_init(&t, path, 1);
    got_t g = {0};
    assert_int_equal(log_tail_poll(&t, collect, &g), 0); /* history skipped */
    append(path, "one\ntw");
    assert_int_equal(log_tail_poll(&t, collect, &g), 1);
    append(path, "o\n");
    assert_int_equal(log_tail_poll(&t, collect, &g), 1);
    assert_string_equal(g.lines[1], "two");
    /* rotation: the old file's last line, then the new file from its start */
    append(path, "three\n");
    assert_int_equal(rename(path, old), 0);
    write_file(path, "four\n");
    assert_int_equal(log_tail_poll(&t, collect, &g), 2);
    assert_string_equal(g.lines[2], "three");
    assert_string_equal(g.lines[3], "four");
    /* truncation in place (seen when the file is shorter than what was read) */
    write_file(path, "5\n");
    assert_int_equal(log_tail_poll(&t, collect, &g), 1);
    assert_string_equal(g.lines[4], "5");
    /* an over-long line is cut, its rest skipped */
    char *big = malloc(3 * LOG_TAIL_LINE_MAX + 8);
    memset(big, 'A', 3 * LOG_TAIL_LINE_MAX);
    strcpy(big + 3 * LOG_TAIL_LINE_MAX, "\nsix\n");
    append(path, big);
    free(big);
    assert_int_equal(log_tail_poll(&t, collect, &g), 2);
    assert_int_equal(g.lens[5], LOG_TAIL_LINE_MAX - 1);
    assert_string_equal(g.lines[6], "six");
    log_tail_close(&t);
    /* a file that appears later is read from its start */
    snprintf(path, sizeof(path), "%s/later.log", dir);
    log_tail_init(&t, path, 1);
    assert_int_equal(log_tail_poll(&t, collect, &g), 0);
    write_file(path, "seven\n");
    assert_int_equal(log_tail_poll(&t, collect, &g), 1);
    log_tail_close(&t);
    temp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser),
        cmocka_unit_test(test_detections),
        cmocka_unit_test(test_tail_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
