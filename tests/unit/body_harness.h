/*
 * body_harness.h — the harness shared by the body-processor unit tests
 * (body_form_test.c, body_json_test.c, body_multipart_test.c,
 * body_xml_test.c): run a processor over an input in a given split, record
 * the fields it reports as text lines "name=value [FLAGS]" so table rows can
 * state them exactly, check that every split gives the same result, and
 * check allocation failure on every path.
 *
 * A header of static functions, configured by macros the test defines
 * before including it:
 *
 *   NEW_PROC(a, lim, fn, ctx)  required: build the processor under test in
 *                              arena a with limits lim, reporting fields to
 *                              fn(ctx, ...); an rp_body_proc_t * (NULL
 *                              allowed only when the arena runs out).
 *   EXPECTED_SOURCE(flags)     required: the rp_source_t every field with
 *                              these flags must be reported with.
 *   FREE_PROC(p)               optional: release what the processor holds
 *                              outside its arena, after the run (default:
 *                              nothing).
 *   EXTRA_FLAG_NAMES           optional: more {bit, "NAME"} rows, comma
 *                              terminated, for flags only this processor
 *                              reports; they are printed after KEY and before
 *                              the RP_ARG_* flags. A flag without a name
 *                              fails the test.
 *
 * It provides sink_t and sink_field() (the field callback that logs into a
 * sink_t, and can stop the processor after stop_after fields with
 * stop_with), run_t and run_split(), check_invariance(), check_nomem(),
 * body_case_t and check_row() for tables of bodies, open_proc(),
 * feed_filler() and check_callback_stops().
 */
#ifndef BODY_HARNESS_H
#define BODY_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "body.h"

#if !defined(NEW_PROC) || !defined(EXPECTED_SOURCE)
#error "define NEW_PROC and EXPECTED_SOURCE before including body_harness.h"
#endif
#ifndef FREE_PROC
#define FREE_PROC(p) ((void)(p))
#endif
#ifndef EXTRA_FLAG_NAMES
#define EXTRA_FLAG_NAMES
#endif

typedef struct {
    char log[16384];
    size_t len;
    int overflow;
    rp_status_t stop_with; /* callback verdict to return after stop_after */
    size_t stop_after;
    size_t seen;
} sink_t;

static inline void sink_put(sink_t *s, const char *p, size_t n)
{
    if (s->len + n >= sizeof(s->log)) {
        s->overflow = 1;
        return;
    }
    memcpy(s->log + s->len, p, n);
    s->len += n;
    s->log[s->len] = '\0';
}

static inline void sink_esc(sink_t *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char b[8];
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            snprintf(b, sizeof(b), "\\x%02x", c);
            sink_put(s, b, 4);
        } else {
            sink_put(s, (const char *)&c, 1);
        }
    }
}

static const struct {
    unsigned bit;
    const char *name;
} flag_names[] = {
    {RP_FIELD_FILE, "FILE"},
    {RP_FIELD_ENTITY_DECL, "ENTITY"},
    {RP_FIELD_BAD_ESCAPE, "BADESC"},
    {RP_FIELD_TRUNCATED, "TRUNC"},
    {RP_FIELD_KEY_ONLY, "KEY"},
    EXTRA_FLAG_NAMES /* this processor's own flags, if any */
    {RP_ARG_BAD_ENCODING, "BADENC"},
    {RP_ARG_DOUBLE_ENCODED, "DOUBLE"},
    {RP_ARG_UNICODE_ENCODED, "UNICODE"},
    {RP_ARG_INVALID_UTF8, "INVUTF8"},
    {RP_ARG_OVERLONG_UTF8, "OVERLONG"},
    {RP_ARG_NUL, "NUL"},
};

static inline rp_status_t sink_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                                     const char *value, size_t value_len, unsigned flags)
{
    sink_t *s = ctx;
    /* The contract: both strings NUL-terminated at their length. */
    assert_int_equal(name[name_len], '\0');
    assert_int_equal(value[value_len], '\0');
    assert_int_equal(src, EXPECTED_SOURCE(flags));
    sink_esc(s, name, name_len);
    sink_put(s, "=", 1);
    sink_esc(s, value, value_len);
    if (flags) {
        const char *sep = " [";
        for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
            if (flags & flag_names[i].bit) {
                sink_put(s, sep, strlen(sep));
                sink_put(s, flag_names[i].name, strlen(flag_names[i].name));
                sep = "+";
                flags &= ~flag_names[i].bit;
            }
        }
        assert_int_equal(flags, 0); /* no undocumented bit */
        sink_put(s, "]", 1);
    }
    sink_put(s, "\n", 1);
    s->seen++;
    if (s->stop_after && s->seen >= s->stop_after)
        return s->stop_with;
    return RP_OK;
}

typedef struct {
    rp_status_t status;
    const char *reason;
    sink_t sink;
} run_t;

/* Feed in pieces: split1/split2 are cut points (0 = none); step > 0 feeds
 * that many bytes at a time instead. */
static inline void run_split(const char *in, size_t len, const rp_body_limits_t *lim, size_t split1,
                             size_t split2, size_t step, run_t *r)
{
    memset(r, 0, sizeof(*r));
    rp_arena_t *a = rp_arena_new(0, 0);
    assert_non_null(a);
    rp_body_proc_t *p = NEW_PROC(a, lim, sink_field, &r->sink);
    assert_non_null(p);
    rp_status_t st = RP_OK;
    size_t cuts[4] = {0}, n = 0;
    if (split1 && split1 < len)
        cuts[n++] = split1;
    if (split2 > split1 && split2 < len)
        cuts[n++] = split2;
    cuts[n++] = len;
    size_t off = 0;
    if (step) {
        while (st == RP_OK && off < len) {
            size_t k = len - off < step ? len - off : step;
            st = p->feed(p, in + off, k);
            off += k;
        }
    } else {
        for (size_t i = 0; i < n && st == RP_OK; i++) {
            st = p->feed(p, in + off, cuts[i] - off);
            off = cuts[i];
        }
    }
    if (st == RP_OK)
        st = p->finish(p);
    r->status = st;
    r->reason = p->reason;
    if (st == RP_ERROR || st == RP_LIMIT || st == RP_NOMEM)
        assert_non_null(r->reason);
    FREE_PROC(p);
    rp_arena_free(a);
}

/* Whole, split at every byte, split at every pair of bytes for short
 * inputs, and byte by byte: all must give the same fields and verdict. */
static inline void check_invariance(const char *in, size_t len, const rp_body_limits_t *lim,
                                    const char *want_log, rp_status_t want_status,
                                    const char *label)
{
    static run_t base, r;
    run_split(in, len, lim, 0, 0, 0, &base);
    if (base.status != want_status || strcmp(base.sink.log, want_log) != 0) {
        print_error("%s: status %d (%s)\n--- got:\n%s--- want:\n%s", label, base.status,
                    base.reason ? base.reason : "", base.sink.log, want_log);
        fail();
    }
    assert_false(base.sink.overflow);
    for (size_t k = 1; k < len; k++) {
        run_split(in, len, lim, k, 0, 0, &r);
        if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
            print_error("%s: split at %zu: status %d\n%s", label, k, r.status, r.sink.log);
            fail();
        }
        assert_string_equal(r.reason ? r.reason : "", base.reason ? base.reason : "");
    }
    if (len <= 96) {
        for (size_t k = 1; k < len; k++) {
            for (size_t m = k + 1; m < len; m++) {
                run_split(in, len, lim, k, m, 0, &r);
                if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
                    print_error("%s: split at %zu,%zu: status %d\n%s", label, k, m, r.status,
                                r.sink.log);
                    fail();
                }
            }
        }
    }
    for (size_t step = 1; step <= 7; step++) {
        run_split(in, len, lim, 0, 0, step, &r);
        if (r.status != base.status || strcmp(r.sink.log, base.sink.log) != 0) {
            print_error("%s: step %zu: status %d\n%s", label, step, r.status, r.sink.log);
            fail();
        }
    }
}

/* Out-of-memory on every path: cap the arena at every size up to what a
 * normal run uses; the processor must answer RP_NOMEM (or succeed), never
 * crash, and NULL from the constructor is allowed. */
static inline void check_nomem(const char *in, size_t len, const rp_body_limits_t *lim)
{
    for (size_t cap = 64; cap < 64 * 1024; cap += cap / 8 + 16) {
        rp_arena_t *a = rp_arena_new(64, cap);
        if (!a)
            continue;
        sink_t s;
        memset(&s, 0, sizeof(s));
        rp_body_proc_t *p = NEW_PROC(a, lim, sink_field, &s);
        if (p) {
            rp_status_t st = RP_OK;
            for (size_t i = 0; i < len && st == RP_OK; i += 3)
                st = p->feed(p, in + i, len - i < 3 ? len - i : 3);
            if (st == RP_OK)
                st = p->finish(p);
            assert_true(st == RP_OK || st == RP_NOMEM || st == RP_ERROR || st == RP_LIMIT);
            FREE_PROC(p);
        }
        rp_arena_free(a);
    }
}

/* A table row: a body, the limits it runs under, and the verdict and the
 * field log (as sink_field() writes it) it must give. */
typedef struct {
    const char *in;
    const rp_body_limits_t *lim;
    rp_status_t status;
    const char *fields;
} body_case_t;

/* check_invariance() over the first len bytes of row number i of a table
 * of kind's bodies. */
static inline void check_row(const char *kind, size_t i, const body_case_t *c, size_t len)
{
    char label[32];
    snprintf(label, sizeof(label), "%s row %zu", kind, i);
    check_invariance(c->in, len, c->lim, c->fields, c->status, label);
}

/* A processor under test over a fresh unbounded arena (*a, for the caller
 * to free), logging into *s, which is cleared first. */
static inline rp_body_proc_t *open_proc(rp_arena_t **a, const rp_body_limits_t *lim, sink_t *s)
{
    *a = rp_arena_new(0, 0);
    assert_non_null(*a);
    memset(s, 0, sizeof(*s));
    rp_body_proc_t *p = NEW_PROC(*a, lim, sink_field, s);
    assert_non_null(p);
    return p;
}

/* Feed n chunks of 4096 bytes of c, each of which must be accepted. */
static inline void feed_filler(rp_body_proc_t *p, char c, int n)
{
    char chunk[4096];
    memset(chunk, c, sizeof(chunk));
    for (int i = 0; i < n; i++)
        assert_int_equal(p->feed(p, chunk, sizeof(chunk)), RP_OK);
}

/* A callback that answers RP_BLOCK after stop_after fields stops the
 * processor: feeding in, then more (unless NULL), and finish() all answer
 * RP_BLOCK, and no field past the stop is reported. */
static inline void check_callback_stops(const rp_body_limits_t *lim, size_t stop_after,
                                        const char *in, const char *more, const char *want_log)
{
    rp_arena_t *a;
    sink_t s;
    rp_body_proc_t *p = open_proc(&a, lim, &s);
    s.stop_after = stop_after;
    s.stop_with = RP_BLOCK;
    assert_int_equal(p->feed(p, in, strlen(in)), RP_BLOCK);
    if (more)
        assert_int_equal(p->feed(p, more, strlen(more)), RP_BLOCK);
    assert_int_equal(p->finish(p), RP_BLOCK);
    assert_string_equal(s.log, want_log);
    FREE_PROC(p);
    rp_arena_free(a);
}

#endif /* BODY_HARNESS_H */
