/*
 * webshell_test.c — the shipped YARA rules (etc/rampart-webshell.yar):
 * every own sample in tests/data/webshell/shells is flagged, no file of
 * the ordinary corpus in tests/data/webshell/clean (nor the system's
 * JavaScript and PHP libraries under /usr/share, where installed) is; a
 * rule file with an error is refused with file:line; which names count as
 * scripts.
 */
#include "agent_test_util.h"

#include <dirent.h>
#include <ftw.h>

#include "webshell.h"

#define RULES RP_SOURCE_DIR "/etc/rampart-webshell.yar"
#define DATA  RP_SOURCE_DIR "/tests/data/webshell"

static webshell_t *open_rules(void)
{
    rp_error_t err;
    webshell_t *w = webshell_open(RULES, 2 * 1024 * 1024, &err);
    if (!w)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    return w;
}

/* Scans every file of dir; returns how many matched. */
static int scan_dir(webshell_t *w, const char *dir, int expect_match)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0, matched = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024], names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        int n = webshell_scan_file(w, path, names);
        assert_true(n >= 0);
        files++;
        if (n > 0)
            matched++;
        if ((n > 0) != expect_match)
            fail_msg("%s: %s%s", path, n ? "flagged by " : "not flagged", n ? names[0] : "");
    }
    closedir(d);
    assert_true(files >= 10);
    return matched;
}

static void test_samples_flagged_corpus_clean(void **state)
{
    (void)state;
    webshell_t *w = open_rules();
    scan_dir(w, DATA "/shells", 1);
    assert_int_equal(scan_dir(w, DATA "/clean", 0), 0);
    webshell_close(w);
}

static webshell_t *system_rules;
static int system_files, system_flagged;

static int scan_system_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || !S_ISREG(st->st_mode) ||
        !((n > 3 && strcmp(path + n - 3, ".js") == 0) ||
          (n > 4 && strcmp(path + n - 4, ".php") == 0)))
        return 0;
    char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX];
    system_files++;
    if (webshell_scan_file(system_rules, path, names) > 0) {
        system_flagged++;
        print_message("flagged: %s (%s)\n", path, names[0]);
    }
    return 0;
}

static void test_system_libraries_clean(void **state)
{
    (void)state;
    system_rules = open_rules();
    const char *roots[] = {"/usr/share/javascript", "/usr/share/php", "/usr/share/nodejs"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        nftw(roots[i], scan_system_file, 16, FTW_PHYS);
    print_message("system corpus: %d JS/PHP files, %d flagged\n", system_files, system_flagged);
    assert_int_equal(system_flagged, 0);
    webshell_close(system_rules);
}

static void test_bad_rules_name_file_and_line(void **state)
{
    (void)state;
    char dir[256], path[300];
    temp_dir(dir);
    snprintf(path, sizeof(path), "%s/bad.yar", dir);
    write_file(path, "rule ok { condition: true }\n\nrule broken {\n  strings: $a = \"x\"\n"
                     "  condition: $b }\n");
    rp_error_t err;
    assert_null(webshell_open(path, 1024, &err));
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 5);
    assert_true(strlen(err.reason) > 0);
    snprintf(path, sizeof(path), "%s/missing.yar", dir);
    assert_null(webshell_open(path, 1024, &err));
    temp_dir_remove(dir);
}

static void test_size_limit_and_scripts(void **state)
{
    (void)state;
    rp_error_t err;
    webshell_t *w = webshell_open(RULES, 16, &err);
    assert_non_null(w);
    char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX];
    /* larger than the limit: not read */
    assert_int_equal(webshell_scan_file(w, DATA "/shells/system_get.php", names), 0);
    const char *shell = "<?php @eval($_POST['p']);";
    assert_int_equal(webshell_scan(w, shell, strlen(shell), names), 1);
    assert_string_equal(names[0], "php_eval_of_request");
    webshell_close(w);
    assert_true(webshell_is_script("/srv/www/a.php"));
    assert_true(webshell_is_script("/srv/www/UP.PHTML"));
    assert_true(webshell_is_script("/srv/www/x.aspx"));
    assert_false(webshell_is_script("/srv/www/logo.png"));
    assert_false(webshell_is_script("/srv/www.php/readme"));
    assert_false(webshell_is_script("/srv/www/php"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_flagged_corpus_clean),
        cmocka_unit_test(test_system_libraries_clean),
        cmocka_unit_test(test_bad_rules_name_file_and_line),
        cmocka_unit_test(test_size_limit_and_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
