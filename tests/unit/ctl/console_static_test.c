/*
 * console_static_test.c — the console's file serving: which paths are
 * accepted (no traversal, no hidden files), the SPA route rule, MIME
 * types, cache policy, and opening below console_dir without following
 * symbolic links out of it. The HTTP answers themselves (headers, 304,
 * fallback) are checked against a running rampartd in
 * tests/integration/test_console_static.py.
 */
#include "ctl_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "console_static.h"

static void expect_rel(const char *url, const char *rel)
{
    char out[HTTP_PATH_MAX];
    if (console_path_check(url, out, sizeof(out)) != 0)
        fail_msg("refused: %s", url);
    assert_string_equal(out, rel);
}

static void expect_refused(const char *url)
{
    char out[HTTP_PATH_MAX];
    if (console_path_check(url, out, sizeof(out)) == 0)
        fail_msg("accepted: %s -> %s", url, out);
}

static void test_paths_accepted(void **state)
{
    (void)state;
    expect_rel("/", "index.html");
    expect_rel("/index.html", "index.html");
    expect_rel("/assets/index-3fA_9c~d.js", "assets/index-3fA_9c~d.js");
    expect_rel("/events", "events");
    expect_rel("/users/alice", "users/alice");
    expect_rel("/favicon.svg", "favicon.svg");
}

static void test_traversal_refused(void **state)
{
    (void)state;
    /* libmicrohttpd has percent-decoded the path: these are what arrive
     * for %2e%2e, %2f, %5c, %00 and friends. */
    expect_refused("/..");
    expect_refused("/../etc/passwd");
    expect_refused("/assets/../../etc/passwd");
    expect_refused("/assets/..");
    expect_refused("/./index.html");
    expect_refused("/.git/config");
    expect_refused("/assets/.hidden");
    expect_refused("/..\\etc\\passwd");
    expect_refused("/assets\\..\\x");
    expect_refused("//etc/passwd");
    expect_refused("/assets//x.js");
    expect_refused("/assets/");
    expect_refused("");
    expect_refused("index.html");
    expect_refused("/a b");
    expect_refused("/a%2e%2e");
    expect_refused("/a:b");
    expect_refused("/caf\xc3\xa9");
    char long_segment[300];
    long_segment[0] = '/';
    memset(long_segment + 1, 'a', 256);
    long_segment[257] = '\0';
    expect_refused(long_segment);
    /* too long for the output buffer: refused, not truncated */
    char small[8];
    assert_int_equal(console_path_check("/assets/abcdefgh", small, sizeof(small)), -1);
}

static void test_routes_and_files(void **state)
{
    (void)state;
    assert_true(console_path_is_route("events"));
    assert_true(console_path_is_route("users/alice"));
    assert_true(console_path_is_route("index"));
    assert_false(console_path_is_route("index.html"));
    assert_false(console_path_is_route("assets/missing.js"));
    assert_false(console_path_is_route("favicon.ico"));
    assert_false(console_path_is_route("v1.2/x.css"));
    assert_true(console_path_is_route("v1.2/x"));
}

static void test_mime_types(void **state)
{
    (void)state;
    assert_string_equal(console_mime_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(console_mime_type("assets/index-ab12.js"),
                        "text/javascript; charset=utf-8");
    assert_string_equal(console_mime_type("assets/index-ab12.CSS"), "text/css; charset=utf-8");
    assert_string_equal(console_mime_type("favicon.svg"), "image/svg+xml");
    assert_string_equal(console_mime_type("assets/font.woff2"), "font/woff2");
    assert_string_equal(console_mime_type("assets/x.map"), "application/json");
    assert_string_equal(console_mime_type("README"), "application/octet-stream");
    assert_string_equal(console_mime_type("a.b/README"), "application/octet-stream");
    assert_string_equal(console_mime_type("x.exe"), "application/octet-stream");
}

static void test_cache_policy(void **state)
{
    (void)state;
    assert_string_equal(console_cache_control("assets/index-ab12.js"),
                        "public, max-age=31536000, immutable");
    assert_string_equal(console_cache_control("index.html"), "no-cache");
    assert_string_equal(console_cache_control("favicon.svg"), "no-cache");
    assert_string_equal(console_cache_control("assetsx/y.js"), "no-cache");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_open_stays_below_root(void **state)
{
    (void)state;
    char dir[256], root[300], path[400], outside[300];
    temp_dir(dir);
    snprintf(root, sizeof(root), "%s/console", dir);
    assert_int_equal(mkdir(root, 0700), 0);
    snprintf(path, sizeof(path), "%s/assets", root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/index.html", root);
    write_file(path, "<!doctype html>");
    snprintf(path, sizeof(path), "%s/assets/app.js", root);
    write_file(path, "x");
    snprintf(outside, sizeof(outside), "%s/secret.txt", dir);
    write_file(outside, "secret");
    /* links that would lead out of the root: a file and a directory */
    snprintf(path, sizeof(path), "%s/leak.txt", root);
    assert_int_equal(symlink(outside, path), 0);
    snprintf(path, sizeof(path), "%s/up", root);
    assert_int_equal(symlink(dir, path), 0);

    struct stat st;
    int fd = console_open(root, "index.html", &st);
    assert_true(fd >= 0);
    assert_int_equal(st.st_size, 15);
    close(fd);
    fd = console_open(root, "assets/app.js", &st);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(console_open(root, "leak.txt", &st), -1);
    assert_int_equal(console_open(root, "up/secret.txt", &st), -1);
    assert_int_equal(console_open(root, "missing.js", &st), -1);
    assert_int_equal(console_open(root, "assets", &st), -1); /* a directory is not a file */
    assert_int_equal(console_open(root, "index.html/x", &st), -1);
    snprintf(path, sizeof(path), "%s/nowhere", dir);
    assert_int_equal(console_open(path, "index.html", &st), -1);
    temp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_accepted),   cmocka_unit_test(test_traversal_refused),
        cmocka_unit_test(test_routes_and_files), cmocka_unit_test(test_mime_types),
        cmocka_unit_test(test_cache_policy),     cmocka_unit_test(test_open_stays_below_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
