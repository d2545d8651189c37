/*
 * detect_harness.h — shared by the unit tests of Rampart's detectors
 * (detect_<name>_test.c), included after <cmocka.h>.
 *
 * Each detector's cases are data: tests/unit/data/<dir>/attacks.txt (every
 * line must be flagged) and benign.txt (no line may be flagged, look-alikes
 * of the attacks included), found through $RP_TEST_DATA. '#' lines and
 * empty lines are skipped, "\xNN" is a byte and "\\" a backslash. A failing
 * line is printed with its line number before the test fails, so one run
 * shows every regression.
 *
 * dh_hostile() feeds what must neither crash nor take more than linear
 * time: every byte value, NUL bytes, invalid UTF-8, and megabyte runs of
 * the patterns that open the detector's constructs.
 */
#ifndef RAMPART_TEST_DETECT_HARNESS_H
#define RAMPART_TEST_DETECT_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rampart/detect.h"

#define DH_MAX_LINE 8192

typedef bool (*dh_detector_t)(const char *, size_t, rp_detect_result_t *);

static long dh_next_case(FILE *f, char *buf, size_t cap, int *lineno)
{
    char line[DH_MAX_LINE];

    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n"), i, o = 0;

        (*lineno)++;
        line[n] = '\0';
        if (n == 0 || line[0] == '#') {
            continue;
        }
        for (i = 0; i < n && o < cap; i++) {
            if (line[i] == '\\' && line[i + 1] == 'x' && i + 3 < n + 1 && line[i + 2] &&
                line[i + 3]) {
                char hex[3] = {line[i + 2], line[i + 3], '\0'};
                char *end;
                long v = strtol(hex, &end, 16);
                if (*end == '\0') {
                    buf[o++] = (char)v;
                    i += 3;
                    continue;
                }
            }
            if (line[i] == '\\' && line[i + 1] == '\\') {
                buf[o++] = '\\';
                i++;
                continue;
            }
            buf[o++] = line[i];
        }
        return (long)o;
    }
    return -1;
}

/* Runs every case of data/<dir>/<name>; fails if any verdict is not
 * `expect`. */
static void dh_run_file(dh_detector_t fn, const char *dir, const char *name, bool expect)
{
    const char *data = getenv("RP_TEST_DATA");
    char path[1024], buf[DH_MAX_LINE];
    int lineno = 0, cases = 0, wrong = 0;
    long n;
    FILE *f;

    if (!data) {
        fail_msg("RP_TEST_DATA is not set (it should point at tests/unit/data)");
    }
    snprintf(path, sizeof(path), "%s/%s/%s", data, dir, name);
    f = fopen(path, "r");
    if (!f) {
        fail_msg("cannot open %s", path);
    }
    while ((n = dh_next_case(f, buf, sizeof(buf), &lineno)) >= 0) {
        rp_detect_result_t r;
        bool got;

        memset(&r, 0x55, sizeof(r));
        got = fn(buf, (size_t)n, &r);
        cases++;
        if (got != expect) {
            wrong++;
            print_message("%s/%s:%d: %s: %.*s\n", dir, name, lineno, expect ? "missed" : "flagged",
                          (int)n, buf);
            if (got) {
                print_message("    fingerprint %s at %zu+%zu\n", r.fingerprint, r.offset, r.length);
            }
        }
        if (got) {
            assert_true(strlen(r.fingerprint) < RP_FINGERPRINT_MAX);
            assert_true(r.offset <= (size_t)n);
            assert_true(r.length <= (size_t)n - r.offset);
        }
        /* The verdict must not depend on whether a result is wanted. */
        assert_int_equal(fn(buf, (size_t)n, NULL), got);
    }
    fclose(f);
    print_message("%s/%s: %d cases, %d wrong\n", dir, name, cases, wrong);
    assert_true(cases > 0);
    assert_int_equal(wrong, 0);
}

static void dh_expect(dh_detector_t fn, const char *in, const char *fingerprint)
{
    rp_detect_result_t r;

    if (!fn(in, strlen(in), &r)) {
        fail_msg("not flagged: %s", in);
    }
    assert_string_equal(r.fingerprint, fingerprint);
}

#define DH_BIG (1024 * 1024)

static double dh_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hostile input: NULL and empty, every byte value alone and in pairs,
 * invalid UTF-8, and for each pattern a megabyte of it repeated (the
 * verdict is free; the time is not: each call must stay well under a
 * second even under ASan). */
static void dh_hostile(dh_detector_t fn, const char *const *patterns)
{
    char *buf = malloc(DH_BIG + 64);
    rp_detect_result_t r;
    char two[2];
    size_t i, j;

    assert_non_null(buf);
    assert_false(fn(NULL, 0, &r));
    assert_false(fn(NULL, 10, NULL));
    assert_false(fn("", 0, &r));
    for (i = 0; i < 256; i++) {
        for (j = 0; j < 256; j++) {
            two[0] = (char)i;
            two[1] = (char)j;
            (void)fn(two, 1, &r);
            (void)fn(two, 2, &r);
        }
    }
    for (i = 0; i < DH_BIG; i++) {
        buf[i] = (char)(0x80 + (i * 7) % 0x80); /* continuation bytes, lead bytes, no ASCII */
    }
    (void)fn(buf, DH_BIG, &r);
    memset(buf, 0, DH_BIG);
    (void)fn(buf, DH_BIG, &r);
    for (; *patterns; patterns++) {
        size_t pl = strlen(*patterns);
        double t0;
        for (i = 0; i + pl <= DH_BIG; i += pl) {
            memcpy(buf + i, *patterns, pl);
        }
        t0 = dh_seconds();
        (void)fn(buf, i, &r);
        if (dh_seconds() - t0 > 2.0) {
            fail_msg("a megabyte of \"%s\" took %.2f s", *patterns, dh_seconds() - t0);
        }
    }
    free(buf);
}

#endif
