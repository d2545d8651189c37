/*
 * fim_test.c — file integrity pieces: the baseline table and its file
 * (odd names round trip, malformed files refused), differences between
 * entries, the text diff, and reading a path's state on bad input
 * (vanished file, unreadable file, symbolic link loop, FIFO, a file over
 * the hash limit), with SHA-256 and SM3 known answers.
 */
#include "agent_test_util.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "agent_sign.h"
#include "fim_baseline.h"
#include "fim_diff.h"
#include "fim_file.h"

static fim_entry_t entry(const char *path, uint64_t size)
{
    fim_entry_t e;
    memset(&e, 0, sizeof(e));
    e.path = (char *)path;
    e.size = size;
    e.mode = S_IFREG | 0644;
    e.ino = 42;
    e.nlink = 1;
    e.mtime_ns = 1795000000123456789LL;
    e.has_hash = 1;
    memset(e.hash, 0xab, FIM_HASH_LEN);
    return e;
}

static void test_table(void **state)
{
    (void)state;
    fim_baseline_t b;
    fim_baseline_init(&b);
    char path[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(path, sizeof(path), "/etc/f%d", i);
        fim_entry_t e = entry(path, (uint64_t)i);
        assert_non_null(fim_baseline_put(&b, &e));
    }
    assert_int_equal(b.count, 5000);
    for (int i = 0; i < 5000; i += 2) {
        snprintf(path, sizeof(path), "/etc/f%d", i);
        fim_baseline_remove(&b, path);
    }
    assert_int_equal(b.count, 2500);
    for (int i = 0; i < 5000; i++) {
        snprintf(path, sizeof(path), "/etc/f%d", i);
        fim_entry_t *e = fim_baseline_get(&b, path);
        if (i % 2)
            assert_true(e && e->size == (uint64_t)i);
        else
            assert_null(e);
    }
    fim_entry_t e = entry("/etc/f1", 999); /* replace keeps one entry */
    fim_baseline_put(&b, &e);
    assert_int_equal(b.count, 2500);
    assert_int_equal(fim_baseline_get(&b, "/etc/f1")->size, 999);
    fim_baseline_free(&b);
}

static void test_file_round_trip_and_malformed(void **state)
{
    (void)state;
    char dir[256], file[300];
    temp_dir(dir);
    snprintf(file, sizeof(file), "%s/fim.baseline", dir);
    fim_baseline_t b;
    fim_baseline_init(&b);
    const char *odd[] = {"/etc/plain",
                         "/etc/with space",
                         "/etc/new\nline",
                         "/etc/100%",
                         "/etc/\xe4\xb8\xad\xe6\x96\x87",
                         "/etc/tab\there"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        fim_entry_t e = entry(odd[i], i);
        e.has_hash = i != 2;
        fim_baseline_put(&b, &e);
    }
    assert_int_equal(fim_baseline_save(&b, file, "sha256"), 0);
    fim_baseline_t c;
    fim_baseline_init(&c);
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), 0);
    assert_int_equal(c.count, b.count);
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        fim_entry_t *x = fim_baseline_get(&c, odd[i]);
        assert_non_null(x);
        assert_true(fim_entry_same(x, fim_baseline_get(&b, odd[i])));
    }
    fim_baseline_free(&c);
    /* another algorithm's baseline is not used */
    assert_int_equal(fim_baseline_load(&c, file, "sm3"), -1);
    assert_int_equal(c.count, 0);
    /* damaged lines are refused, never half-loaded */
    write_file(file, "rampart-fim-baseline 1 sha256\n33188 1 1 0 0 5 7 - relative\n");
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), -1);
    write_file(file, "rampart-fim-baseline 1 sha256\n33188 1 1 0 0 5 7 zz /x\n");
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), -1);
    write_file(file, "rampart-fim-baseline 1 sha256\n33188 1 1 0 0 5 7 - /x%00y\n");
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), -1);
    write_file(file, "rampart-fim-baseline 1 sha256\n33188 1 1 0 0 5 7 - /x"); /* torn */
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), -1);
    assert_int_equal(c.count, 0);
    snprintf(file, sizeof(file), "%s/none", dir);
    assert_int_equal(fim_baseline_load(&c, file, "sha256"), 1);
    fim_baseline_free(&b);
    temp_dir_remove(dir);
}

static void test_differences(void **state)
{
    (void)state;
    fim_entry_t a = entry("/x", 10), b = a;
    char out[128];
    fim_entry_differences(&a, &b, out, sizeof(out));
    assert_string_equal(out, "");
    b.hash[3] ^= 1;
    b.mode = S_IFREG | 0755;
    b.uid = 1000;
    b.mtime_ns++;
    fim_entry_differences(&a, &b, out, sizeof(out));
    assert_string_equal(out, "hash,mode,owner,mtime");
    assert_false(fim_entry_same(&a, &b));
}

static void diff(const char *a, const char *b, const char *expected)
{
    strbuf_t out;
    strbuf_init(&out, 0);
    fim_diff_text(a, strlen(a), b, strlen(b), 3, &out);
    assert_string_equal(out.data ? out.data : "", expected);
    strbuf_free(&out);
}

static void test_text_diff(void **state)
{
    (void)state;
    diff("same\n", "same\n", "");
    diff("a\nb\nc\n", "a\nB\nc\n", "@@ line 2\n-b\n+B\n");
    diff("a\nb\n", "a\nb\nc\n", "@@ line 3\n+c\n");
    diff("a\nb\nc\n", "a\nc\n", "@@ line 2\n-b\n");
    diff("x\ny\n", "x\nzy\n", "@@ line 2\n-y\n+zy\n");
    diff("", "new\n", "@@ line 1\n+new\n");
    diff("no newline", "no newline!", "@@ line 1\n-no newline\n+no newline!\n");
    /* at most max_lines of each side */
    diff("1\n", "1\na\nb\nc\nd\ne\n", "@@ line 2\n+a\n+b\n+c\n+...\n");
    assert_true(fim_is_text("abc", 3));
    assert_false(fim_is_text("a\0c", 3));
}

static void hash_hex(fim_hasher_t *h, const char *path, char out[65])
{
    fim_entry_t e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(fim_file_read(h, path, &e, NULL, 0, NULL), FIM_FILE_OK);
    assert_true(e.has_hash);
    agent_hex(e.hash, FIM_HASH_LEN, out);
}

static void test_file_states(void **state)
{
    (void)state;
    char dir[256], p[300], hex[65];
    temp_dir(dir);
    fim_hasher_t h;
    assert_int_equal(fim_hasher_init(&h, "sha256", 1 << 20), 0);
    snprintf(p, sizeof(p), "%s/abc", dir);
    write_file(p, "abc");
    hash_hex(&h, p, hex); /* FIPS 180-4 example */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char content[16];
    size_t clen;
    fim_entry_t e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(fim_file_read(&h, p, &e, content, sizeof(content), &clen), FIM_FILE_OK);
    assert_int_equal(clen, 3);
    assert_memory_equal(content, "abc", 3);
    assert_int_equal(fim_file_read(&h, p, &e, content, 2, &clen), FIM_FILE_OK);
    assert_int_equal(clen, SIZE_MAX); /* too big to keep */

    /* over the hash limit: metadata only */
    fim_hasher_t small;
    assert_int_equal(fim_hasher_init(&small, "sha256", 2), 0);
    assert_int_equal(fim_file_read(&small, p, &e, NULL, 0, NULL), FIM_FILE_OK);
    assert_false(e.has_hash);
    assert_int_equal(e.size, 3);
    fim_hasher_free(&small);

    /* a vanished path */
    snprintf(p, sizeof(p), "%s/gone", dir);
    assert_int_equal(fim_file_read(&h, p, &e, NULL, 0, NULL), FIM_FILE_GONE);

    /* a symbolic link loop: recorded with its target text, never followed */
    snprintf(p, sizeof(p), "%s/loop", dir);
    assert_int_equal(symlink(p, p), 0);
    assert_int_equal(fim_file_read(&h, p, &e, NULL, 0, NULL), FIM_FILE_OK);
    assert_true(S_ISLNK(e.mode));
    assert_true(e.has_hash);

    /* a FIFO: no open, no blocking */
    snprintf(p, sizeof(p), "%s/fifo", dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(fim_file_read(&h, p, &e, NULL, 0, NULL), FIM_FILE_OK);
    assert_true(S_ISFIFO(e.mode));
    assert_false(e.has_hash);

    /* unreadable (when not root: root reads everything) */
    snprintf(p, sizeof(p), "%s/secret", dir);
    write_file(p, "s");
    chmod(p, 0);
    assert_int_equal(fim_file_read(&h, p, &e, NULL, 0, NULL), FIM_FILE_OK);
    assert_int_equal(e.mode & 07777, 0);
    if (geteuid() != 0)
        assert_false(e.has_hash);
    fim_hasher_free(&h);

    /* SM3 (GB/T 32905-2016, example 1: "abc") when OpenSSL has it */
    if (fim_hasher_init(&h, "sm3", 1 << 20) == 0) {
        snprintf(p, sizeof(p), "%s/abc", dir);
        hash_hex(&h, p, hex);
        assert_string_equal(hex,
                            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        fim_hasher_free(&h);
    }
    temp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),       cmocka_unit_test(test_file_round_trip_and_malformed),
        cmocka_unit_test(test_differences), cmocka_unit_test(test_text_diff),
        cmocka_unit_test(test_file_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
