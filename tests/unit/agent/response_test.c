/*
 * response_test.c — active response's building blocks: address parsing
 * for nft (only a parsed address reaches the nft script), and the
 * quarantine: a file moved out with its metadata, links refused, restored
 * with its mode, never over a file that took its place, ids checked;
 * the rules rampartd pushes: accepted whole or refused whole.
 */
#include "agent_test_util.h"

#include <sys/stat.h>

#include "agent.h"
#include "quarantine.h"
#include "response.h"
#include "response_nft.h"

static void test_addresses(void **state)
{
    (void)state;
    char out[64];
    int v6;
    assert_int_equal(nft_parse_address("203.0.113.7", out, sizeof(out), &v6), 0);
    assert_string_equal(out, "203.0.113.7");
    assert_false(v6);
    assert_int_equal(nft_parse_address("2001:DB8:0::1", out, sizeof(out), &v6), 0);
    assert_string_equal(out, "2001:db8::1");
    assert_true(v6);
    const char *bad[] = {"", "1.2.3", "1.2.3.4 }; flush ruleset; {", "1.2.3.4/8", "::g", "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(nft_parse_address(bad[i], out, sizeof(out), &v6), -1);
    assert_int_equal(nft_parse_address(NULL, out, sizeof(out), &v6), -1);
}

static void test_never_block(void **state)
{
    (void)state;
    assert_int_equal(nft_cidr_match("10.0.0.0/8", "10.200.3.4"), 1);
    assert_int_equal(nft_cidr_match("10.0.0.0/8", "11.0.0.1"), 0);
    assert_int_equal(nft_cidr_match("192.0.2.7", "192.0.2.7"), 1);
    assert_int_equal(nft_cidr_match("192.0.2.7", "192.0.2.8"), 0);
    assert_int_equal(nft_cidr_match("192.0.2.0/25", "192.0.2.127"), 1);
    assert_int_equal(nft_cidr_match("192.0.2.0/25", "192.0.2.128"), 0);
    assert_int_equal(nft_cidr_match("0.0.0.0/0", "203.0.113.1"), 1);
    assert_int_equal(nft_cidr_match("2001:db8::/32", "2001:db8:ffff::1"), 1);
    assert_int_equal(nft_cidr_match("2001:db8::/32", "2001:db9::1"), 0);
    assert_int_equal(nft_cidr_match("2001:db8::/32", "10.0.0.1"), 0); /* other family */
    assert_int_equal(nft_cidr_match("10.0.0.0/33", "10.0.0.1"), -1);
    assert_int_equal(nft_cidr_match("10.0.0.0/", "10.0.0.1"), -1);
    assert_int_equal(nft_cidr_match("ten/8", "10.0.0.1"), -1);
}

static void test_quarantine(void **state)
{
    (void)state;
    char dir[256], state_dir[300], file[300], link[300], id[QUARANTINE_ID_MAX], err[512];
    temp_dir(dir);
    snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
    assert_int_equal(mkdir(state_dir, 0700), 0);
    snprintf(file, sizeof(file), "%s/shell.php", dir);
    write_file(file, "<?php eval($_POST['x']);");
    chmod(file, 0640);
    json_t *meta = NULL;
    assert_int_equal(quarantine_file(state_dir, file, "webshell.php_eval_of_request", id, &meta,
                                     err, sizeof(err)),
                     0);
    assert_int_equal(access(file, F_OK), -1);
    assert_string_equal(json_string_value(json_object_get(meta, "path")), file);
    assert_int_equal(json_integer_value(json_object_get(meta, "mode")), 0640);
    assert_int_equal(strlen(json_string_value(json_object_get(meta, "sha256"))), 64);
    json_decref(meta);
    char held[400];
    snprintf(held, sizeof(held), "%s/quarantine/%s", state_dir, id);
    struct stat st;
    assert_int_equal(stat(held, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0400);

    /* something took its place: not overwritten */
    write_file(file, "new");
    assert_int_equal(quarantine_restore(state_dir, id, &meta, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "exists again"));
    json_decref(meta);
    unlink(file);
    assert_int_equal(quarantine_restore(state_dir, id, &meta, err, sizeof(err)), 0);
    json_decref(meta);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(access(held, F_OK), -1);
    /* again: gone; malformed ids */
    assert_int_equal(quarantine_restore(state_dir, id, &meta, err, sizeof(err)), -1);
    assert_int_equal(quarantine_restore(state_dir, "../../etc/passwd", &meta, err, sizeof(err)),
                     -1);
    /* a link is not followed, a directory is no file */
    snprintf(link, sizeof(link), "%s/link.php", dir);
    assert_int_equal(symlink(file, link), 0);
    assert_int_equal(quarantine_file(state_dir, link, "x", id, &meta, err, sizeof(err)), -1);
    assert_int_equal(quarantine_file(state_dir, dir, "x", id, &meta, err, sizeof(err)), -1);
    assert_int_equal(access(file, F_OK), 0);
    temp_dir_remove(dir);
}

/* Rules pushed by rampartd: a valid list replaces the previous one; a
 * malformed one is refused whole and the previous rules stay. */
static void test_pushed_rules(void **state)
{
    (void)state;
    static agent_t ag;
    response_t *r = response_open(&ag);
    assert_non_null(r);
    json_t *ok = json_loads("[{\"detection\":\"bruteforce.*\",\"action\":\"block\","
                            "\"seconds\":600,\"mode\":\"dry-run\"},"
                            "{\"detection\":\"webshell.*\",\"action\":\"quarantine\","
                            "\"mode\":\"off\"}]",
                            0, NULL);
    assert_int_equal(response_set_pushed(r, ok), 0);
    assert_int_equal(response_pushed_count(r), 2);
    const char *bad[] = {
        "{}",
        "[{\"detection\":\"x\",\"action\":\"reboot\",\"mode\":\"active\"}]",
        "[{\"detection\":\"x\",\"action\":\"kill\",\"mode\":\"sometimes\"}]",
        "[{\"detection\":\"x\",\"action\":\"block\",\"mode\":\"active\",\"seconds\":-1}]",
        "[{\"detection\":\"x\",\"action\":\"block\",\"mode\":\"active\",\"seconds\":9999999}]",
        "[{\"action\":\"kill\",\"mode\":\"active\"}]",
        "[{\"detection\":\"\",\"action\":\"kill\",\"mode\":\"active\"}]",
        "[1]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *b = json_loads(bad[i], 0, NULL);
        assert_non_null(b);
        assert_int_equal(response_set_pushed(r, b), -1);
        assert_int_equal(response_pushed_count(r), 2);
        json_decref(b);
    }
    json_t *many = json_array();
    for (int i = 0; i <= AGENT_MAX_RESPONSES; i++)
        json_array_append_new(many, json_pack("{s:s, s:s, s:s}", "detection", "a", "action", "kill",
                                              "mode", "active"));
    assert_int_equal(response_set_pushed(r, many), -1);
    json_t *none = json_array();
    assert_int_equal(response_set_pushed(r, none), 0);
    assert_int_equal(response_pushed_count(r), 0);
    json_decref(many);
    json_decref(none);
    json_decref(ok);
    response_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_never_block),
        cmocka_unit_test(test_quarantine),
        cmocka_unit_test(test_pushed_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
