/*
 * hs_cache_test.c — the compile cache (src/engine/hs_cache.c): a second load
 * of the same patterns comes from the cache and matches the same; a damaged
 * entry is refused, compiled anew and replaced; a directory others may
 * write to is never used.
 */
#include "test_util.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hs_cache.h"
#include "rampart/rampart.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/rp-hscache-XXXXXX");
    assert_non_null(mkdtemp(dir));
    rp_error_t err;
    assert_int_equal(rp_compile_cache_set_dir(dir, &err), RP_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rp_compile_cache_set_dir(NULL, NULL);
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

static int matched;
static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags, (void)ctx;
    matched++;
    return 0;
}

static int scan(hs_database_t *db, const char *text)
{
    hs_scratch_t *s = NULL;
    assert_int_equal(hs_alloc_scratch(db, &s), HS_SUCCESS);
    matched = 0;
    assert_int_equal(hs_scan(db, text, (unsigned)strlen(text), 0, s, on_match, NULL), HS_SUCCESS);
    hs_free_scratch(s);
    return matched;
}

static hs_database_t *compile_lits(void)
{
    const char *lits[] = {"union", "select", "sleep("};
    size_t lens[] = {5, 6, 6};
    unsigned flags[] = {HS_FLAG_CASELESS, HS_FLAG_CASELESS, 0}, ids[] = {1, 2, 3};
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    assert_int_equal(rp_hs_compile_lit_multi(lits, flags, ids, lens, 3, HS_MODE_BLOCK, &db, &cerr),
                     HS_SUCCESS);
    return db;
}

static void entry_file(char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    out[0] = '\0';
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".hsdb"))
            snprintf(out, cap, "%s/%s", dir, e->d_name);
    closedir(d);
}

static void test_second_compile_hits(void **state)
{
    (void)state;
    rp_compile_cache_stats_t a, b;
    rp_compile_cache_stats(&a);
    hs_database_t *db1 = compile_lits();
    hs_database_t *db2 = compile_lits();
    rp_compile_cache_stats(&b);
    assert_int_equal(b.misses - a.misses, 1);
    assert_int_equal(b.stored - a.stored, 1);
    assert_int_equal(b.hits - a.hits, 1);
    assert_int_equal(scan(db1, "1 UNION SELECT sleep(5)"), 3);
    assert_int_equal(scan(db2, "1 UNION SELECT sleep(5)"), 3);
    assert_int_equal(scan(db2, "SLEEP(5)"), 0); /* case-sensitive literal stays so */
    hs_free_database(db1);
    hs_free_database(db2);

    /* other flags: another key, another entry */
    hs_database_t *db3 = NULL;
    hs_compile_error_t *cerr = NULL;
    assert_int_equal(rp_hs_compile("a[0-9]+b", 0, HS_MODE_BLOCK, &db3, &cerr), HS_SUCCESS);
    assert_int_equal(scan(db3, "xa12b"), 1);
    hs_free_database(db3);
    rp_compile_cache_stats(&a);
    assert_int_equal(a.misses - b.misses, 1);
}

static void test_damaged_entry_is_replaced(void **state)
{
    (void)state;
    hs_free_database(compile_lits());
    char path[512];
    entry_file(path, sizeof(path));
    assert_true(path[0]);
    /* flip a byte inside the serialised database */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 200, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
    rp_compile_cache_stats_t a, b;
    rp_compile_cache_stats(&a);
    hs_database_t *db = compile_lits();
    rp_compile_cache_stats(&b);
    assert_int_equal(b.rejected - a.rejected, 1);
    assert_int_equal(b.stored - a.stored, 1);
    assert_int_equal(scan(db, "union"), 1);
    hs_free_database(db);
    hs_free_database(compile_lits());
    rp_compile_cache_stats(&a);
    assert_int_equal(a.hits - b.hits, 1); /* the replacement is good */
}

static void test_unsafe_directory_refused(void **state)
{
    (void)state;
    char open_dir[80];
    snprintf(open_dir, sizeof(open_dir), "%s/shared", dir);
    assert_int_equal(mkdir(open_dir, 0700), 0);
    assert_int_equal(chmod(open_dir, 0777), 0);
    rp_error_t err;
    assert_int_equal(rp_compile_cache_set_dir(open_dir, &err), RP_ERROR);
    assert_non_null(strstr(err.reason, "writable by group or others"));
    assert_int_equal(rp_compile_cache_set_dir("/dev/null", &err), RP_ERROR);
    rmdir(open_dir);
    /* the failed calls left the cache as it was */
    hs_free_database(compile_lits());
    rp_compile_cache_stats_t a, b;
    rp_compile_cache_stats(&a);
    hs_free_database(compile_lits());
    rp_compile_cache_stats(&b);
    assert_int_equal(b.hits - a.hits, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_compile_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_entry_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_directory_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
