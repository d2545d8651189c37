/*
 * webshell_heur_test.c — webshell heuristics (webshell_heur.c): each
 * sample of tests/data/webshell/heuristic (shells the YARA rules were not
 * written for: payloads decoded into variables, glued or char-coded
 * function names, a compressed Python body, a JSP class loader, a packed
 * blob) is flagged; the ordinary corpus of tests/data/webshell/clean and
 * the system's Python, Perl and PHP code (the false-positive check, where
 * installed) is not; a script appearing in an upload directory is flagged
 * while it is recent.
 */
#include "agent_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "webshell.h"
#include "webshell_heur.h"

#define DATA RP_SOURCE_DIR "/tests/data/webshell"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(4 << 20);
    *len = fread(buf, 1, (4 << 20) - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static int judge(const char *path, webshell_heur_t *h)
{
    size_t len;
    char *text = slurp(path, &len);
    assert_non_null(text);
    int r = webshell_heuristics(text, len, path, -1, h);
    free(text);
    return r;
}

static int judge_dir(const char *dir, int expect)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        webshell_heur_t h;
        int r = judge(path, &h);
        if (r != expect)
            fail_msg("%s: score %d (%s%s%s)", path, h.score, h.n ? h.traits[0] : "",
                     h.n > 1 ? ", " : "", h.n > 1 ? h.traits[1] : "");
        files++;
    }
    closedir(d);
    return files;
}

static void test_samples_and_corpus(void **state)
{
    (void)state;
    assert_true(judge_dir(DATA "/heuristic", 1) >= 6);
    assert_true(judge_dir(DATA "/clean", 0) >= 10);
}

static int system_files, system_flagged;

static int judge_system_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size > (2 << 20) ||
        !webshell_is_script(path))
        return 0;
    webshell_heur_t h;
    system_files++;
    if (judge(path, &h)) {
        system_flagged++;
        print_message("flagged: %s (score %d: %s, %s)\n", path, h.score, h.traits[0],
                      h.n > 1 ? h.traits[1] : "");
    }
    return 0;
}

static void test_system_code_is_not_flagged(void **state)
{
    (void)state;
    const char *roots[] = {"/usr/lib/python3",     "/usr/lib/python3.11", "/usr/share/perl5",
                           "/usr/share/perl",      "/usr/share/php",      "/usr/lib/cgi-bin",
                           "/usr/share/javascript"};
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        nftw(roots[i], judge_system_file, 16, FTW_PHYS);
    print_message("heuristics on the system's code: %d script files, %d flagged\n", system_files,
                  system_flagged);
    assert_int_equal(system_flagged, 0);
}

static void test_upload_directories(void **state)
{
    (void)state;
    const char *info = "<?php phpinfo();\n";
    webshell_heur_t h;
    assert_true(webshell_in_upload_dir("/var/www/html/uploads/2026/a.php"));
    assert_true(webshell_in_upload_dir("/srv/site/Images/x.php"));
    assert_false(webshell_in_upload_dir("/var/www/html/index.php"));
    assert_false(webshell_in_upload_dir("/var/www/uploads.php"));
    assert_false(webshell_in_upload_dir("/var/www/my-uploads/x.php"));
    assert_int_equal(webshell_heuristics(info, strlen(info), "/var/www/uploads/info.php", 60, &h),
                     1);
    assert_string_equal(h.traits[0], "upload_script");
    /* old (a week and more), or of unknown age, or elsewhere: no trait */
    assert_int_equal(
        webshell_heuristics(info, strlen(info), "/var/www/uploads/info.php", 8 * 86400, &h), 0);
    assert_int_equal(webshell_heuristics(info, strlen(info), "/var/www/uploads/info.php", -1, &h),
                     0);
    assert_int_equal(webshell_heuristics(info, strlen(info), "/var/www/info.php", 60, &h), 0);
}

static void test_hostile_input(void **state)
{
    (void)state;
    /* unbalanced calls, NUL bytes, a lone '$' at the end, an empty file */
    const char text[] = "eval(base64_decode(\0 $x = gzinflate(\n eval($x $";
    webshell_heur_t h;
    webshell_heuristics(text, sizeof(text) - 1, NULL, -1, &h);
    assert_true(h.score >= 0);
    assert_int_equal(webshell_heuristics("", 0, "/x/uploads/a.php", 1, &h), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_and_corpus),
        cmocka_unit_test(test_system_code_is_not_flagged),
        cmocka_unit_test(test_upload_directories),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
