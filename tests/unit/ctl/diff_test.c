/*
 * diff_test.c — the unified diff: exact output for known cases (GNU diff's
 * conventions), and for random edits that applying the hunks to the old
 * text gives the new one and that the script is no longer than needed.
 */
#include "ctl_test_util.h"

#include "diff.h"

static char *run(const char *a, const char *b)
{
    strbuf_t out;
    strbuf_init(&out, 0);
    diff_unified(a, strlen(a), b, strlen(b), "a", "b", &out);
    assert_false(out.failed);
    return out.data ? out.data : strdup("");
}

static void expect(const char *a, const char *b, const char *want)
{
    char *got = run(a, b);
    assert_string_equal(got, want);
    free(got);
}

static void test_known_cases(void **state)
{
    (void)state;
    expect("same\n", "same\n", "");
    expect("", "", "");
    expect("", "x\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
    expect("x\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n");
    expect("mode block\ndetect xss off\n", "mode block\ndetect xss on\n",
           "--- a\n+++ b\n@@ -1,2 +1,2 @@\n mode block\n-detect xss off\n+detect xss on\n");
    /* the last line without a newline differs from the same line with one */
    expect("a\nb", "a\nb\n",
           "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
    /* context is three lines; changes further apart make two hunks */
    expect("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n",
           "--- a\n+++ b\n"
           "@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
           "@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n");
    /* up to six unchanged lines between changes keep one hunk */
    expect("1\n2\n3\n4\n5\n6\n7\n8\n", "X\n2\n3\n4\n5\n6\n7\nY\n",
           "--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+Y\n");
    /* Chinese text is just bytes */
    expect("规则\n", "规则一\n", "--- a\n+++ b\n@@ -1 +1 @@\n-规则\n+规则一\n");
}

/* Applies a unified diff (as produced here) to a, line by line. */
static char *apply(const char *a, const char *diff)
{
    size_t cap = strlen(a) + strlen(diff) + 1, n = 0;
    char *out = calloc(1, cap);
    const char *ap = a;
    const char *d = strstr(diff, "@@");
    while (d && *d) {
        int a_start, a_count = 1;
        if (sscanf(d, "@@ -%d,%d", &a_start, &a_count) < 1)
            fail_msg("bad hunk header");
        if (!strchr(d, ','))
            a_count = 1;
        /* copy unchanged lines before the hunk (a_start is 1-based, or the
         * line before an empty range) */
        int first = a_count ? a_start - 1 : a_start;
        int line = 0;
        for (const char *p = a; p < ap; p++)
            line += *p == '\n';
        while (line < first) {
            const char *e = strchr(ap, '\n');
            size_t len = e ? (size_t)(e - ap + 1) : strlen(ap);
            memcpy(out + n, ap, len);
            n += len;
            ap += len;
            line++;
        }
        d = strchr(d, '\n') + 1;
        while (*d && strncmp(d, "@@", 2) != 0) {
            const char *e = strchr(d, '\n');
            size_t len = (size_t)(e - d);
            int no_newline = strncmp(e + 1, "\\ No newline", 12) == 0;
            if (d[0] == ' ' || d[0] == '-') {
                const char *ae = strchr(ap, '\n');
                ap += ae ? (size_t)(ae - ap + 1) : strlen(ap);
            }
            if (d[0] == ' ' || d[0] == '+') {
                memcpy(out + n, d + 1, len - 1);
                n += len - 1;
                if (!no_newline)
                    out[n++] = '\n';
            }
            d = e + 1;
            if (no_newline)
                d = strchr(d, '\n') + 1;
        }
    }
    strcpy(out + n, ap);
    return out;
}

static void test_random_edits(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 300; round++) {
        char a[512] = "", b[512] = "";
        int n = rand() % 30, edits = 0;
        char lines[64];
        int m = 0;
        for (int i = 0; i < n; i++)
            lines[m++] = (char)('a' + rand() % 5);
        char blines[128];
        int bm = 0;
        for (int i = 0; i < m; i++) {
            int r = rand() % 10;
            if (r == 0) {
                edits++;
                continue; /* delete */
            }
            if (r == 1) {
                blines[bm++] = (char)('x' + rand() % 3); /* insert */
                edits++;
            }
            blines[bm++] = lines[i];
        }
        for (int i = 0; i < m; i++)
            snprintf(a + strlen(a), sizeof(a) - strlen(a), "%c\n", lines[i]);
        for (int i = 0; i < bm; i++)
            snprintf(b + strlen(b), sizeof(b) - strlen(b), "%c\n", blines[i]);
        char *d = run(a, b);
        char *patched = apply(a, d);
        assert_string_equal(patched, b);
        /* never more changed lines than the edits made */
        int changed = 0;
        for (const char *p = strstr(d, "@@"); p && *p; p = strchr(p, '\n') + 1) {
            if ((p[0] == '-' || p[0] == '+') && p[1] != '-' && p[1] != '+')
                changed++;
            if (!strchr(p, '\n'))
                break;
        }
        assert_true(changed <= edits);
        free(patched);
        free(d);
    }
}

static void test_too_many_edits_still_correct(void **state)
{
    (void)state;
    /* two texts with no line in common: more edits than DIFF_MAX_EDITS
     * would allow are shown as one replacing hunk */
    size_t n = DIFF_MAX_EDITS + 10;
    char *a = malloc(n * 3 + 1), *b = malloc(n * 3 + 1);
    size_t la = 0, lb = 0;
    for (size_t i = 0; i < n; i++) {
        la += (size_t)sprintf(a + la, "a\n");
        lb += (size_t)sprintf(b + lb, "b\n");
    }
    char *d = run(a, b);
    char *patched = apply(a, d);
    assert_string_equal(patched, b);
    free(patched);
    free(d);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_cases),
        cmocka_unit_test(test_random_edits),
        cmocka_unit_test(test_too_many_edits_still_correct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
