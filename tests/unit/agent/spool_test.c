/*
 * spool_test.c — the agent's disk spool: order, acknowledgement, the size
 * bound and its drop counter, survival across reopen, a torn tail cut at
 * open, compaction keeping pending records.
 */
#include "agent_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "spool.h"

typedef struct {
    char seen[64][64];
    size_t n;
} collect_t;

static int collect(void *ctx, const char *data, size_t len)
{
    collect_t *c = ctx;
    snprintf(c->seen[c->n++], 64, "%.*s", (int)len, data);
    return 0;
}

static spool_t *open_spool(const char *dir, size_t max)
{
    rp_error_t err;
    spool_t *sp = spool_open(dir, max, &err);
    if (!sp)
        fail_msg("%s: %s", err.file, err.reason);
    return sp;
}

static void test_order_ack_and_reopen(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    spool_t *sp = open_spool(dir, 1 << 20);
    char rec[32];
    for (int i = 0; i < 10; i++) {
        int n = snprintf(rec, sizeof(rec), "{\"n\":%d}", i);
        assert_int_equal(spool_append(sp, rec, (size_t)n), SPOOL_OK);
    }
    assert_int_equal(spool_sync(sp), 0);
    collect_t c = {0};
    uint64_t next;
    assert_int_equal(spool_peek(sp, 4, 1 << 20, collect, &c, &next), 4);
    assert_string_equal(c.seen[0], "{\"n\":0}");
    assert_string_equal(c.seen[3], "{\"n\":3}");
    assert_int_equal(spool_ack(sp, next, 4), 0);
    spool_stats_t st;
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 6);
    spool_close(sp);

    /* a restart resumes after the acknowledged records */
    sp = open_spool(dir, 1 << 20);
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 6);
    memset(&c, 0, sizeof(c));
    assert_int_equal(spool_peek(sp, 100, 1 << 20, collect, &c, &next), 6);
    assert_string_equal(c.seen[0], "{\"n\":4}");
    assert_int_equal(spool_ack(sp, next, 6), 0);
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.file_bytes, 0); /* emptied once all delivered */
    spool_close(sp);
    temp_dir_remove(dir);
}

static void test_bound_counts_drops(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    spool_t *sp = open_spool(dir, 100); /* room for 3 records of 20 + 8 bytes */
    char rec[21];
    memset(rec, 'x', 20);
    for (int i = 0; i < 5; i++)
        spool_append(sp, rec, 20);
    spool_stats_t st;
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 3);
    assert_int_equal(st.dropped, 2);
    assert_true(st.pending_bytes <= 100);
    assert_int_equal(spool_append(sp, "", 0), SPOOL_DROPPED);

    /* after one is delivered, a new one fits again: compaction reclaims
     * the acknowledged record's room and keeps the pending ones in order */
    collect_t c = {0};
    uint64_t next;
    assert_int_equal(spool_peek(sp, 1, 1 << 20, collect, &c, &next), 1);
    assert_int_equal(spool_ack(sp, next, 1), 0);
    assert_int_equal(spool_append(sp, "{\"last\":1}", 10), SPOOL_OK);
    spool_close(sp);
    sp = open_spool(dir, 100);
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 3);
    assert_int_equal(st.dropped, 3); /* persisted with the cursor */
    memset(&c, 0, sizeof(c));
    assert_int_equal(spool_peek(sp, 10, 1 << 20, collect, &c, &next), 3);
    assert_string_equal(c.seen[2], "{\"last\":1}");
    spool_close(sp);
    temp_dir_remove(dir);
}

static void test_torn_tail_is_cut(void **state)
{
    (void)state;
    char dir[256], path[300];
    temp_dir(dir);
    spool_t *sp = open_spool(dir, 1 << 20);
    assert_int_equal(spool_append(sp, "{\"a\":1}", 7), SPOOL_OK);
    assert_int_equal(spool_append(sp, "{\"b\":2}", 7), SPOOL_OK);
    spool_close(sp);
    /* a crash in the middle of the third append: half a header and a
     * record whose checksum does not match */
    snprintf(path, sizeof(path), "%s/events.spool", dir);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x07\x00\x00\x00\x01\x02\x03\x04{\"c\":3}", 15), 15);
    assert_int_equal(write(fd, "\x05\x00", 2), 2);
    close(fd);
    sp = open_spool(dir, 1 << 20);
    spool_stats_t st;
    spool_stats(sp, &st);
    assert_int_equal(st.pending, 2);
    struct stat s;
    assert_int_equal(stat(path, &s), 0);
    assert_int_equal(s.st_size, 2 * (8 + 7));
    assert_int_equal(spool_append(sp, "{\"d\":4}", 7), SPOOL_OK);
    collect_t c = {0};
    uint64_t next;
    assert_int_equal(spool_peek(sp, 10, 1 << 20, collect, &c, &next), 3);
    assert_string_equal(c.seen[2], "{\"d\":4}");
    spool_close(sp);
    temp_dir_remove(dir);
}

static void test_peek_byte_limit(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    spool_t *sp = open_spool(dir, 1 << 20);
    for (int i = 0; i < 5; i++)
        assert_int_equal(spool_append(sp, "0123456789", 10), SPOOL_OK);
    collect_t c = {0};
    uint64_t next;
    assert_int_equal(spool_peek(sp, 100, 25, collect, &c, &next), 2);
    /* a single record larger than the limit is still given */
    memset(&c, 0, sizeof(c));
    assert_int_equal(spool_peek(sp, 100, 3, collect, &c, &next), 1);
    spool_close(sp);
    temp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_ack_and_reopen),
        cmocka_unit_test(test_bound_counts_drops),
        cmocka_unit_test(test_torn_tail_is_cut),
        cmocka_unit_test(test_peek_byte_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
