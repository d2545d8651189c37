/*
 * rx_factors.c — necessary literal factors of a PCRE2 pattern.
 *
 * The idea is RE2's prefilter and Hyperscan's literal decomposition: walk
 * the pattern and keep, for each piece, what we know about the strings it
 * can match:
 *   EXACT    the piece matches exactly one of a small set of strings
 *            (literals, tiny classes, their products and unions; at most
 *            EXACT_MAX_N strings of at most EXACT_MAX_LEN bytes);
 *   FACTORS  every string it matches contains one of a set of strings;
 *   NONE     nothing known (".", big classes, "x*", backreferences...).
 * FACTORS and NONE pieces also carry affixes: sets every match starts
 * (pre) or ends (suf) with, so that "a(?:b\d|c\s)" still yields {ab, ac}.
 * A sequence multiplies adjacent EXACT pieces, and what precedes a piece
 * with that piece's prefixes; it keeps the best candidate (longest
 * shortest factor, then fewest). An alternation unions its branches (all
 * must have factors); a repetition keeps its piece's factors and affixes
 * when it must occur at least once. Zero-width items (anchors, \b,
 * lookarounds) are EXACT {""}: they join their neighbours without
 * consuming anything.
 *
 * rp_rx_factors_deleting runs the same analysis on the images of the
 * strings under N, which deletes a set of bytes: literals and class
 * members in the set become "" (see the comment above it).
 *
 * Everything is lower-cased: the prefilter compares without ASCII case, a
 * superset of what a case-sensitive pattern accepts. Bytes above 0x7f under
 * (?i) are treated as unknown rather than trusting PCRE2's tables.
 *
 * Soundness comes first: a wrong factor set lets attacks past the rule, -1
 * only costs time. So every construct not understood exactly, and every
 * spelling whose meaning differs between PCRE2 versions ("x{,3}",
 * "x{ 2 }"), is refused. Work is bounded: nesting depth, pattern size, set
 * sizes and a budget of bytes copied.
 */
#include "rx_factors.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_MAX_N   64   /* strings in an EXACT set */
#define EXACT_MAX_LEN 32   /* bytes of one EXACT string */
#define FACT_MAX_N    4096 /* strings in a FACTORS set */
#define MAX_DEPTH     256  /* group nesting */
#define MAX_PATTERN   (256u * 1024)
#define MAX_WORK      ((size_t)64 * 1024 * 1024) /* bytes copied, all sets together */
#define QUANT_INF     UINT32_MAX

/* ------------------------------------------------------------ string sets */

typedef struct {
    unsigned char *buf; /* the strings back to back */
    size_t used, cap;
    size_t *off, *len;
    size_t n, ncap;
} sset_t;

typedef enum { K_NONE, K_EXACT, K_FACT } kind_t;

/* What is known of a piece. For FACTORS and NONE also its affixes: every
 * match starts with a string of pre and ends with one of suf (an empty set:
 * unknown); for EXACT, set is both. */
typedef struct {
    kind_t kind;
    sset_t set; /* EXACT: the strings; FACTORS: the factors; NONE: empty */
    sset_t pre, suf;
} info_t;

typedef struct {
    uint64_t w[4];
} bset_t;

typedef struct {
    const unsigned char *p, *end;
    bool caseless;
    bool qmode; /* inside \Q...\E */
    unsigned depth;
    bool err; /* unsupported syntax, a limit, or no memory: the answer is -1 */
    size_t work;
    bset_t del; /* bytes deleted from the subject (rp_rx_factors_deleting) */
} rx_t;

static void sset_free(sset_t *s)
{
    free(s->buf);
    free(s->off);
    free(s->len);
    memset(s, 0, sizeof(*s));
}

static int fail(rx_t *st)
{
    st->err = true;
    return -1;
}

static int sset_add(rx_t *st, sset_t *s, const unsigned char *b, size_t n)
{
    st->work += n + 1;
    if (st->work > MAX_WORK)
        return fail(st);
    if (s->n == s->ncap) {
        size_t nc = s->ncap ? 2 * s->ncap : 4;
        size_t *o = realloc(s->off, nc * sizeof(*o));
        if (!o)
            return fail(st);
        s->off = o;
        size_t *l = realloc(s->len, nc * sizeof(*l));
        if (!l)
            return fail(st);
        s->len = l;
        s->ncap = nc;
    }
    if (s->used + n > s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 32;
        while (nc < s->used + n)
            nc *= 2;
        unsigned char *nb = realloc(s->buf, nc);
        if (!nb)
            return fail(st);
        s->buf = nb;
        s->cap = nc;
    }
    if (n)
        memcpy(s->buf + s->used, b, n);
    s->off[s->n] = s->used;
    s->len[s->n] = n;
    s->used += n;
    s->n++;
    return 0;
}

static const unsigned char *sset_str(const sset_t *s, size_t i)
{
    return s->buf ? s->buf + s->off[i] : (const unsigned char *)"";
}

static size_t sset_maxlen(const sset_t *s)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        m = s->len[i] > m ? s->len[i] : m;
    return m;
}

static size_t sset_minlen(const sset_t *s)
{
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++)
        m = s->len[i] < m ? s->len[i] : m;
    return m;
}

static bool sset_has_empty(const sset_t *s)
{
    return s->n > 0 && sset_minlen(s) == 0;
}

static bool sset_is_epsilon(const sset_t *s)
{
    return s->n == 1 && s->len[0] == 0;
}

typedef struct {
    const unsigned char *p;
    size_t len;
} ref_t;

static int ref_cmp(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = m ? memcmp(x->p, y->p, m) : 0;
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sort and drop duplicates, so sizes compare against the limits. */
static int sset_dedup(rx_t *st, sset_t *s)
{
    if (s->n < 2)
        return 0;
    ref_t *r = malloc(s->n * sizeof(*r));
    if (!r)
        return fail(st);
    for (size_t i = 0; i < s->n; i++)
        r[i] = (ref_t){sset_str(s, i), s->len[i]};
    qsort(r, s->n, sizeof(*r), ref_cmp);
    sset_t out = {0};
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++)
        if (i == 0 || ref_cmp(&r[i - 1], &r[i]) != 0)
            rc = sset_add(st, &out, r[i].p, r[i].len);
    free(r);
    if (rc) {
        sset_free(&out);
        return -1;
    }
    sset_free(s);
    *s = out;
    return 0;
}

static int sset_append(rx_t *st, sset_t *dst, const sset_t *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (sset_add(st, dst, sset_str(src, i), src->len[i]))
            return -1;
    return 0;
}

/* out = a x b (every string of a followed by every string of b). Returns 1
 * without touching out when the product would exceed the EXACT limits. */
static int sset_cross(rx_t *st, const sset_t *a, const sset_t *b, sset_t *out)
{
    if (a->n > EXACT_MAX_N || b->n > EXACT_MAX_N || a->n * b->n > EXACT_MAX_N ||
        sset_maxlen(a) + sset_maxlen(b) > EXACT_MAX_LEN)
        return 1;
    unsigned char tmp[EXACT_MAX_LEN];
    *out = (sset_t){0};
    for (size_t i = 0; i < a->n; i++) {
        for (size_t j = 0; j < b->n; j++) {
            memcpy(tmp, sset_str(a, i), a->len[i]);
            memcpy(tmp + a->len[i], sset_str(b, j), b->len[j]);
            if (sset_add(st, out, tmp, a->len[i] + b->len[j])) {
                sset_free(out);
                return -1;
            }
        }
    }
    if (sset_dedup(st, out)) {
        sset_free(out);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- piece results */

static info_t info_none(void)
{
    return (info_t){K_NONE, {0}, {0}, {0}};
}

static void info_free(info_t *in)
{
    sset_free(&in->set);
    sset_free(&in->pre);
    sset_free(&in->suf);
    in->kind = K_NONE;
}

static info_t info_bytes(rx_t *st, const unsigned char *b, size_t n)
{
    info_t in = {K_EXACT, {0}, {0}, {0}};
    if (sset_add(st, &in.set, b, n))
        info_free(&in);
    return in;
}

static info_t info_epsilon(rx_t *st)
{
    return info_bytes(st, NULL, 0);
}

static int sset_copy(rx_t *st, const sset_t *src, sset_t *dst)
{
    *dst = (sset_t){0};
    if (sset_append(st, dst, src)) {
        sset_free(dst);
        return -1;
    }
    return 0;
}

/* Cut every string to its first (or last) keep bytes. */
static int sset_cut(rx_t *st, sset_t *s, size_t keep, bool from_end)
{
    sset_t out = {0};
    for (size_t i = 0; i < s->n; i++) {
        size_t l = s->len[i] < keep ? s->len[i] : keep;
        const unsigned char *p = sset_str(s, i) + (from_end ? s->len[i] - l : 0);
        if (sset_add(st, &out, p, l)) {
            sset_free(&out);
            return -1;
        }
    }
    sset_free(s);
    *s = out;
    return sset_dedup(st, s);
}

/* An affix set made fit: "" in it means nothing is known (empty set);
 * too many or too long strings are cut shorter (a prefix of a prefix is
 * a prefix) until the EXACT limits hold. */
static void affix_norm(rx_t *st, sset_t *s, bool suffix)
{
    if (s->n == 0 || sset_has_empty(s) || sset_dedup(st, s)) {
        sset_free(s);
        return;
    }
    while (s->n > EXACT_MAX_N || sset_maxlen(s) > EXACT_MAX_LEN) {
        size_t keep = sset_maxlen(s) - 1;
        if (keep > EXACT_MAX_LEN)
            keep = EXACT_MAX_LEN;
        if (keep == 0 || sset_cut(st, s, keep, suffix)) {
            sset_free(s);
            return;
        }
    }
}

/* A candidate factor set: usable unless empty or holding "". */
static bool usable(const sset_t *s)
{
    return s->n > 0 && !sset_has_empty(s);
}

/* Is factor set a better prefilter than b? Longer shortest factor, then
 * fewer factors. */
static bool better(const sset_t *a, const sset_t *b)
{
    size_t ma = sset_minlen(a), mb = sset_minlen(b);
    if (ma != mb)
        return ma > mb;
    return a->n < b->n;
}

/* Offer a candidate factor set; takes it. */
static void consider(sset_t *best, sset_t cand)
{
    if (usable(&cand) && (best->n == 0 || better(&cand, best))) {
        sset_free(best);
        *best = cand;
    } else {
        sset_free(&cand);
    }
}

/* EXACT → FACTORS (or NONE when it holds ""), its strings as affixes. */
static void demote(rx_t *st, info_t *in)
{
    if (in->kind != K_EXACT)
        return;
    if (sset_copy(st, &in->set, &in->pre) || sset_copy(st, &in->set, &in->suf)) {
        info_free(in);
        return;
    }
    affix_norm(st, &in->pre, false);
    affix_norm(st, &in->suf, true);
    in->kind = K_FACT;
    if (!usable(&in->set)) {
        sset_free(&in->set);
        in->kind = K_NONE;
    }
}

/* Union of two affix sets into a (both taken); unknown if either is. */
static void affix_union(rx_t *st, sset_t *a, sset_t *b, bool suffix)
{
    if (a->n == 0 || b->n == 0 || sset_append(st, a, b))
        sset_free(a);
    else
        affix_norm(st, a, suffix);
    sset_free(b);
}

/* One branch more for an alternation (both taken): EXACT while every
 * branch is and the union stays small, else FACTORS as long as every
 * branch has some, and the union of the affixes. */
static info_t alt_merge(rx_t *st, info_t a, info_t b)
{
    if (st->err) {
        info_free(&a);
        info_free(&b);
        return info_none();
    }
    if (a.kind == K_EXACT && b.kind == K_EXACT) {
        if (sset_append(st, &a.set, &b.set) || sset_dedup(st, &a.set)) {
            info_free(&a);
            info_free(&b);
            return info_none();
        }
        info_free(&b);
        if (a.set.n > EXACT_MAX_N)
            demote(st, &a);
        return a;
    }
    demote(st, &a);
    demote(st, &b);
    if (a.kind == K_FACT && b.kind == K_FACT && sset_append(st, &a.set, &b.set) == 0) {
        /* Duplicates are common (shared suffixes): drop them before judging. */
        if (a.set.n > FACT_MAX_N && sset_dedup(st, &a.set) == 0 && a.set.n > FACT_MAX_N)
            sset_free(&a.set);
    } else {
        sset_free(&a.set);
    }
    a.kind = a.set.n ? K_FACT : K_NONE;
    affix_union(st, &a.pre, &b.pre, false);
    affix_union(st, &a.suf, &b.suf, true);
    sset_free(&b.set);
    return a;
}

/* X{min,max} as an EXACT set: the union of the powers X^min..X^max, when
 * it stays small. 1: it does not; -1: error. Each power grows the longest
 * string (X is not {""}), so the loop ends within EXACT_MAX_LEN + 1 rounds. */
static int repeat_exact(rx_t *st, const sset_t *x, uint32_t min, uint32_t max, sset_t *out)
{
    if (max == QUANT_INF)
        return 1;
    sset_t acc = {0}, pw = {0};
    int rc = sset_add(st, &pw, NULL, 0);
    if (rc == 0 && min == 0)
        rc = sset_add(st, &acc, NULL, 0);
    for (uint32_t k = 1; k <= max && rc == 0; k++) {
        sset_t next;
        rc = sset_cross(st, &pw, x, &next);
        if (rc)
            break;
        sset_free(&pw);
        pw = next;
        if (k >= min) {
            rc = sset_append(st, &acc, &pw) || sset_dedup(st, &acc) ? -1 : 0;
            if (rc == 0 && acc.n > EXACT_MAX_N)
                rc = 1;
        }
    }
    sset_free(&pw);
    if (rc)
        sset_free(&acc);
    else
        *out = acc;
    return rc;
}

/* X^j for the largest j <= min (min >= 1) that fits the EXACT limits: it
 * starts, and ends, every match of X{min,}. */
static int power_prefix(rx_t *st, const sset_t *x, uint32_t min, sset_t *out)
{
    sset_t pw;
    if (sset_copy(st, x, &pw))
        return -1;
    for (uint32_t j = 1; j < min; j++) {
        sset_t next;
        int rc = sset_cross(st, &pw, x, &next);
        if (rc < 0) {
            sset_free(&pw);
            return -1;
        }
        if (rc)
            break;
        sset_free(&pw);
        pw = next;
    }
    *out = pw;
    return 0;
}

/* X{min,max} (x taken). A repetition that must occur keeps the factors and
 * affixes of one copy; one that may not knows nothing. */
static info_t quantify(rx_t *st, info_t x, uint32_t min, uint32_t max)
{
    if (max == 0) {
        info_free(&x);
        return info_epsilon(st);
    }
    if (x.kind == K_EXACT && sset_is_epsilon(&x.set))
        return x;
    if (x.kind != K_EXACT) {
        if (min == 0)
            info_free(&x);
        return x;
    }
    sset_t r;
    int rc = repeat_exact(st, &x.set, min, max, &r);
    if (rc == 0) {
        sset_free(&x.set);
        x.set = r;
        return x;
    }
    if (rc < 0 || min == 0 || power_prefix(st, &x.set, min, &r)) {
        info_free(&x);
        return info_none();
    }
    /* X^j starts and ends every match: factors, prefix and suffix. */
    sset_free(&x.set);
    x.set = r;
    demote(st, &x);
    return x;
}

/* ------------------------------------------------------------- byte sets */

static void bs_add(bset_t *b, unsigned c)
{
    b->w[c >> 6] |= (uint64_t)1 << (c & 63);
}

static bool bs_has(const bset_t *b, unsigned c)
{
    return (b->w[c >> 6] >> (c & 63)) & 1;
}

static void bs_range(bset_t *b, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        bs_add(b, c);
}

static void bs_or(bset_t *a, const bset_t *b)
{
    for (int i = 0; i < 4; i++)
        a->w[i] |= b->w[i];
}

static bset_t bs_not(const bset_t *b)
{
    bset_t r;
    for (int i = 0; i < 4; i++)
        r.w[i] = ~b->w[i];
    return r;
}

static bool bs_any_high(const bset_t *b)
{
    return b->w[2] || b->w[3];
}

static unsigned lower(unsigned c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_alpha(unsigned c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned c)
{
    return is_alpha(c) || is_digit(c);
}

/* A class item as two sets: bytes it surely holds and bytes it may hold.
 * They differ where PCRE2's character tables could (locale-built tables
 * put letters above 0x7f into \w); a positive class takes "may", a negated
 * one the complement of "sure", so both stay supersets. */
typedef struct {
    bset_t sure, may;
} cset_t;

static void cs_char(cset_t *cs, unsigned c)
{
    bs_add(&cs->sure, c);
    bs_add(&cs->may, c);
}

static void cs_or(cset_t *cs, const bset_t *sure, bool locale)
{
    bs_or(&cs->sure, sure);
    bs_or(&cs->may, sure);
    if (locale)
        bs_range(&cs->may, 0x80, 0xff);
}

/* The set of a type escape (\d \s \w \h \v and their negations) or POSIX
 * name, added to cs (negated: sure and may swap through the complement). */
static void cs_named(cset_t *cs, const bset_t *base, bool locale, bool negated)
{
    if (!negated) {
        cs_or(cs, base, locale);
        return;
    }
    bset_t may = *base;
    if (locale)
        bs_range(&may, 0x80, 0xff);
    bset_t s = bs_not(&may), m = bs_not(base);
    bs_or(&cs->sure, &s);
    bs_or(&cs->may, &m);
}

/* \d \s \w \h \v (upper case: negated). 0: not a type escape. */
static int type_escape(unsigned e, cset_t *cs)
{
    bset_t b = {{0}};
    bool locale = true;
    switch (lower(e)) {
    case 'd':
        bs_range(&b, '0', '9');
        break;
    case 's':
        bs_range(&b, 9, 13);
        bs_add(&b, ' ');
        break;
    case 'w':
        bs_range(&b, '0', '9');
        bs_range(&b, 'a', 'z');
        bs_range(&b, 'A', 'Z');
        bs_add(&b, '_');
        break;
    case 'h': /* fixed lists in PCRE2, not tables */
        bs_add(&b, 9);
        bs_add(&b, ' ');
        bs_add(&b, 0xa0);
        locale = false;
        break;
    case 'v':
        bs_range(&b, 10, 13);
        bs_add(&b, 0x85);
        locale = false;
        break;
    default:
        return 0;
    }
    cs_named(cs, &b, locale, e >= 'A' && e <= 'Z');
    return 1;
}

/* [:name:] → its ASCII set; 0 when unknown. */
static int posix_set(const unsigned char *name, size_t n, bset_t *b)
{
    static const char *const names[] = {"alpha",  "digit", "alnum", "space", "upper",
                                        "lower",  "punct", "print", "graph", "cntrl",
                                        "xdigit", "blank", "word",  "ascii"};
    size_t k = 0;
    while (k < sizeof(names) / sizeof(names[0]) &&
           !(strlen(names[k]) == n && memcmp(names[k], name, n) == 0))
        k++;
    *b = (bset_t){{0}};
    for (unsigned c = 0; c < 128; c++) {
        bool alpha = is_alpha(c), digit = is_digit(c), graph = c > 32 && c < 127;
        bool in;
        switch (k) {
        case 0:
            in = alpha;
            break;
        case 1:
            in = digit;
            break;
        case 2:
            in = alpha || digit;
            break;
        case 3:
            in = (c >= 9 && c <= 13) || c == ' ';
            break;
        case 4:
            in = c >= 'A' && c <= 'Z';
            break;
        case 5:
            in = c >= 'a' && c <= 'z';
            break;
        case 6:
            in = graph && !alpha && !digit;
            break;
        case 7:
            in = graph || c == ' ';
            break;
        case 8:
            in = graph;
            break;
        case 9:
            in = c < 32 || c == 127;
            break;
        case 10:
            in = digit || ((c | 32) >= 'a' && (c | 32) <= 'f');
            break;
        case 11:
            in = c == ' ' || c == '\t';
            break;
        case 12:
            in = alpha || digit || c == '_';
            break;
        case 13:
            in = true;
            break;
        default:
            return 0;
        }
        if (in)
            bs_add(b, c);
    }
    return 1;
}

/* What byte b of a match becomes in N(m): 1 and *out (lower-cased) when
 * it stays, 0 when it is deleted, -1 when only its other case is: a factor
 * would then depend on the subject's case, so nothing is claimed. */
static int kept(const rx_t *st, unsigned b, unsigned char *out)
{
    if (bs_has(&st->del, b))
        return 0;
    if (is_alpha(b) && bs_has(&st->del, b ^ 32))
        return -1;
    *out = (unsigned char)lower(b);
    return 1;
}

/* A finished class (or type escape) as a piece: EXACT when at most four
 * bytes remain after folding case, else NONE. Deleted members add "". */
static info_t class_info(rx_t *st, cset_t cs, bool negated)
{
    if (st->caseless) {
        /* PCRE2 adds the other case of every letter before negating. */
        for (unsigned c = 'a'; c <= 'z'; c++) {
            if (bs_has(&cs.sure, c) || bs_has(&cs.sure, c - 32)) {
                bs_add(&cs.sure, c);
                bs_add(&cs.sure, c - 32);
            }
            if (bs_has(&cs.may, c) || bs_has(&cs.may, c - 32)) {
                bs_add(&cs.may, c);
                bs_add(&cs.may, c - 32);
            }
        }
        if (bs_any_high(&cs.may))
            bs_range(&cs.may, 0x80, 0xff);
    }
    bset_t r = negated ? bs_not(&cs.sure) : cs.may;
    bset_t folded = {{0}};
    unsigned n = 0;
    bool empty = false;
    for (unsigned c = 0; c < 256; c++) {
        if (!bs_has(&r, c))
            continue;
        unsigned char b = 0;
        int k = kept(st, c, &b);
        if (k < 0)
            return info_none();
        empty |= k == 0;
        if (k == 1 && !bs_has(&folded, b)) {
            bs_add(&folded, b);
            n++;
        }
    }
    if ((n == 0 && !empty) || n > 4)
        return info_none();
    info_t in = {K_EXACT, {0}, {0}, {0}};
    if (empty && sset_add(st, &in.set, NULL, 0))
        info_free(&in);
    for (unsigned c = 0; c < 256 && !st->err; c++) {
        unsigned char b = (unsigned char)c;
        if (bs_has(&folded, c) && sset_add(st, &in.set, &b, 1)) {
            info_free(&in);
            break;
        }
    }
    return in;
}

/* ------------------------------------------------------------- the parser */

static bool at(const rx_t *st, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(st->end - st->p) >= n && memcmp(st->p, s, n) == 0;
}

static int peek(const rx_t *st)
{
    return st->p < st->end ? *st->p : -1;
}

static info_t parse_alt(rx_t *st);

static info_t literal(rx_t *st, unsigned c)
{
    if (st->caseless && c >= 0x80)
        return info_none(); /* its other case is the tables' business */
    unsigned char b = 0;
    int k = kept(st, c, &b);
    /* (?i) matches the other case too; kept() refuses a letter whose cases
     * are not both deleted or both kept, so then c speaks for both */
    if (k < 0 || (st->caseless && is_alpha(c) && kept(st, c ^ 32, &b) < 0))
        return info_none();
    return info_bytes(st, &b, (size_t)k);
}

static int hexval(unsigned c)
{
    if (is_digit(c))
        return (int)(c - '0');
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (int)((c | 32) - 'a' + 10);
    return -1;
}

/* Digits of base 8 or 16 up to '}', after "\x{" or "\o{"; at most 0xff
 * (no PCRE2_UTF: larger code points are compile errors). */
static int braced_number(rx_t *st, int base, unsigned *ch)
{
    unsigned v = 0, nd = 0;
    while (peek(st) >= 0 && peek(st) != '}') {
        int d = hexval((unsigned)peek(st));
        if (d < 0 || d >= base)
            return fail(st);
        v = v * (unsigned)base + (unsigned)d;
        if (v > 0xff)
            return fail(st);
        st->p++;
        nd++;
    }
    if (peek(st) != '}' || nd == 0)
        return fail(st);
    st->p++;
    *ch = v;
    return 1;
}

/* An escape that stands for one byte; st->p is after the backslash.
 * 1: *ch set; 0: not a one-byte escape (nothing consumed); -1: error. */
static int escape_char(rx_t *st, bool in_class, unsigned *ch)
{
    if (st->p >= st->end)
        return fail(st);
    unsigned c = *st->p;
    unsigned v = 0;
    switch (c) {
    case 'a':
        v = 7;
        break;
    case 'e':
        v = 0x1b;
        break;
    case 'f':
        v = 0x0c;
        break;
    case 'n':
        v = 0x0a;
        break;
    case 'r':
        v = 0x0d;
        break;
    case 't':
        v = 0x09;
        break;
    case 'b':
        if (!in_class)
            return 0;
        v = 8;
        break;
    case 'x':
        st->p++;
        if (peek(st) == '{') {
            st->p++;
            return braced_number(st, 16, ch);
        }
        for (int k = 0; k < 2 && peek(st) >= 0 && hexval((unsigned)peek(st)) >= 0; k++)
            v = v * 16 + (unsigned)hexval(*st->p++);
        *ch = v;
        return 1;
    case 'o':
        st->p++;
        if (peek(st) != '{')
            return fail(st);
        st->p++;
        return braced_number(st, 8, ch);
    case 'c':
        st->p++;
        if (peek(st) < 32 || peek(st) > 126)
            return fail(st);
        c = *st->p++;
        *ch = (c >= 'a' && c <= 'z' ? c - 32 : c) ^ 0x40;
        return 1;
    default:
        if (c >= '0' && c <= '7' && (c == '0' || in_class)) {
            /* \0 plus up to two octal digits; in a class \1..\7 too, up to three */
            unsigned nd = 0;
            while (nd < 3 && peek(st) >= '0' && peek(st) <= '7') {
                v = v * 8 + (unsigned)(*st->p++ - '0');
                nd++;
            }
            if (v > 0xff)
                return fail(st);
            *ch = v;
            return 1;
        }
        if (is_alnum(c))
            return 0;
        v = c; /* any other non-alphanumeric byte stands for itself */
        break;
    }
    st->p++;
    *ch = v;
    return 1;
}

/* \p{..} / \pL: the property, skipped. */
static int skip_property(rx_t *st)
{
    if (peek(st) == '{') {
        while (peek(st) >= 0 && peek(st) != '}')
            st->p++;
        if (peek(st) != '}')
            return fail(st);
        st->p++;
        return 0;
    }
    if (peek(st) < 0)
        return fail(st);
    st->p++;
    return 0;
}

/* A name made of word characters, then the terminator. */
static int skip_name(rx_t *st, int term)
{
    const unsigned char *s = st->p;
    while (peek(st) >= 0 && (is_alnum((unsigned)peek(st)) || peek(st) == '_'))
        st->p++;
    if (st->p == s || peek(st) != term)
        return fail(st);
    st->p++;
    return 0;
}

/* \g and \k forms: backreferences and subroutine calls, all unknown. */
static int skip_reference(rx_t *st, unsigned kind)
{
    int open = peek(st);
    int close = open == '{' ? '}' : open == '<' ? '>' : open == '\'' ? '\'' : 0;
    if (close) {
        st->p++;
        if (kind == 'g' && (peek(st) == '-' || peek(st) == '+'))
            st->p++;
        return skip_name(st, close);
    }
    if (kind != 'g')
        return fail(st);
    if (peek(st) == '-' || peek(st) == '+')
        st->p++;
    if (peek(st) < 0 || !is_digit((unsigned)peek(st)))
        return fail(st);
    while (peek(st) >= 0 && is_digit((unsigned)peek(st)))
        st->p++;
    return 0;
}

/* Outside a class, after the backslash. */
static info_t parse_escape(rx_t *st)
{
    if (st->p >= st->end) {
        fail(st);
        return info_none();
    }
    unsigned e = *st->p;
    cset_t cs = {{{0}}, {{0}}};
    switch (e) {
    case 'b':
    case 'B':
    case 'A':
    case 'Z':
    case 'z':
    case 'G':
    case 'K':
        st->p++;
        return info_epsilon(st);
    case 'd':
    case 'D':
    case 's':
    case 'S':
    case 'w':
    case 'W':
    case 'h':
    case 'H':
    case 'v':
    case 'V':
        st->p++;
        type_escape(e, &cs);
        return class_info(st, cs, false);
    case 'N':
        st->p++;
        if (at(st, "{U+")) /* a named code point: UTF mode only */
            fail(st);
        return info_none();
    case 'R':
    case 'X':
    case 'C':
        st->p++;
        return info_none();
    case 'p':
    case 'P':
        st->p++;
        skip_property(st);
        return info_none();
    case 'g':
    case 'k':
        st->p++;
        skip_reference(st, e);
        return info_none();
    default:
        break;
    }
    if (e >= '1' && e <= '9') {
        /* A backreference, or an octal escape when there are fewer groups:
         * unknown either way, and all digits go so none is read as a literal. */
        while (peek(st) >= 0 && is_digit((unsigned)peek(st)))
            st->p++;
        return info_none();
    }
    unsigned ch;
    int rc = escape_char(st, false, &ch);
    if (rc == 1)
        return literal(st, ch);
    if (rc == 0)
        fail(st); /* \L \u \Q in the wrong place, or unknown letters */
    return info_none();
}

/* One byte of a class: a literal or a one-byte escape. 1: *ch; 0: a
 * class escape or POSIX set, added to cs; -1: error. */
static int class_atom(rx_t *st, cset_t *cs, unsigned *ch)
{
    if (st->p >= st->end)
        return fail(st);
    unsigned c = *st->p;
    if (c == '[' && st->end - st->p >= 2 &&
        (st->p[1] == ':' || st->p[1] == '.' || st->p[1] == '=')) {
        if (st->p[1] != ':')
            return fail(st); /* collating elements: PCRE2 refuses them */
        const unsigned char *q = st->p + 2;
        bool neg = q < st->end && *q == '^';
        q += neg;
        const unsigned char *name = q;
        while (q < st->end && *q >= 'a' && *q <= 'z')
            q++;
        bset_t b;
        if (st->end - q < 2 || q[0] != ':' || q[1] != ']' ||
            !posix_set(name, (size_t)(q - name), &b))
            return fail(st); /* includes [[:<:]], whatever PCRE2 makes of it */
        st->p = q + 2;
        bool ascii = q - name == 5 && memcmp(name, "ascii", 5) == 0;
        cs_named(cs, &b, !ascii, neg);
        return 0;
    }
    st->p++;
    if (c != '\\') {
        *ch = c;
        return 1;
    }
    if (st->p >= st->end)
        return fail(st);
    unsigned e = *st->p;
    if (type_escape(e, cs)) {
        st->p++;
        return 0;
    }
    if (e == 'p' || e == 'P') {
        st->p++;
        if (skip_property(st))
            return -1;
        bset_t none = {{0}};
        cs_named(cs, &none, true, false); /* any byte may have the property */
        return 0;
    }
    int rc = escape_char(st, true, ch);
    if (rc == 0)
        return fail(st); /* \Q \E \N \R \X \B \8 ... in a class */
    return rc;
}

/* After '['. */
static info_t parse_class(rx_t *st)
{
    bool negated = false;
    if (peek(st) == '^') {
        negated = true;
        st->p++;
    }
    cset_t cs = {{{0}}, {{0}}};
    bool first = true;
    for (;;) {
        if (st->p >= st->end) {
            fail(st);
            return info_none();
        }
        if (*st->p == ']' && !first) {
            st->p++;
            break;
        }
        first = false;
        unsigned lo, hi;
        int rc = class_atom(st, &cs, &lo);
        if (rc < 0)
            return info_none();
        bool dash = peek(st) == '-' && st->end - st->p >= 2 && st->p[1] != ']';
        if (rc == 0) {
            if (dash) { /* "[\d-z]": an error in PCRE2 */
                fail(st);
                return info_none();
            }
            continue;
        }
        if (!dash) {
            cs_char(&cs, lo);
            continue;
        }
        st->p++;
        cset_t dummy = {{{0}}, {{0}}};
        rc = class_atom(st, &dummy, &hi);
        if (rc != 1 || hi < lo) {
            fail(st);
            return info_none();
        }
        for (unsigned c = lo; c <= hi; c++)
            cs_char(&cs, c);
        /* "[a-c-e]": read differently by different engines; refuse. */
        if (peek(st) == '-' && st->end - st->p >= 2 && st->p[1] != ']') {
            fail(st);
            return info_none();
        }
    }
    return class_info(st, cs, negated);
}

/* Option letters after "(?" up to ':' or ')'. Only i changes our answer;
 * x (extended) changes the syntax, so it is refused. */
static int parse_flags(rx_t *st, bool *caseless)
{
    bool on = true;
    if (peek(st) == '^') {
        *caseless = false;
        st->p++;
    }
    for (;;) {
        int c = peek(st);
        switch (c) {
        case ':':
        case ')':
            return 0;
        case '-':
            if (!on)
                return fail(st);
            on = false;
            break;
        case 'i':
            *caseless = on;
            break;
        case 'm':
        case 's':
        case 'n':
        case 'J':
        case 'U':
            break;
        case 'x':
            if (on)
                return fail(st);
            break;
        default:
            return fail(st);
        }
        st->p++;
    }
}

/* The body of a group up to its ')'; flags set inside end with it. */
static info_t group_body(rx_t *st, bool caseless)
{
    if (++st->depth > MAX_DEPTH) {
        fail(st);
        return info_none();
    }
    bool saved = st->caseless;
    st->caseless = caseless;
    info_t in = parse_alt(st);
    st->caseless = saved;
    st->depth--;
    if (peek(st) != ')' || st->err) {
        fail(st);
        info_free(&in);
        return info_none();
    }
    st->p++;
    return in;
}

/* A lookaround: parsed for syntax, zero-width for us. */
static info_t lookaround(rx_t *st)
{
    info_t in = group_body(st, st->caseless);
    info_free(&in);
    return st->err ? info_none() : info_epsilon(st);
}

/* A subroutine call or recursion, "(?R)" "(?1)" "(?-1)" "(?&n)" "(?P>n)":
 * it matches something we do not follow. */
static info_t call(rx_t *st)
{
    if (peek(st) == '+' || peek(st) == '-')
        st->p++;
    skip_name(st, ')');
    return info_none();
}

/* After '('. *noise: the group was only an option setting like "(?i)". */
static info_t parse_group(rx_t *st, bool *noise)
{
    *noise = false;
    if (peek(st) == '*') { /* verbs, (*ACCEPT), (*UTF), alpha assertions */
        fail(st);
        return info_none();
    }
    if (peek(st) != '?')
        return group_body(st, st->caseless);
    st->p++;
    int c = peek(st);
    switch (c) {
    case ':':
    case '|':
    case '>':
        st->p++;
        return group_body(st, st->caseless);
    case '=':
    case '!':
        st->p++;
        return lookaround(st);
    case '<':
        st->p++;
        if (peek(st) == '=' || peek(st) == '!') {
            st->p++;
            return lookaround(st);
        }
        if (skip_name(st, '>'))
            return info_none();
        return group_body(st, st->caseless);
    case '\'':
        st->p++;
        if (skip_name(st, '\''))
            return info_none();
        return group_body(st, st->caseless);
    case 'P':
        st->p++;
        if (peek(st) == '<') {
            st->p++;
            if (skip_name(st, '>'))
                return info_none();
            return group_body(st, st->caseless);
        }
        if (peek(st) == '=' || peek(st) == '>') { /* backreference, call */
            st->p++;
            skip_name(st, ')');
            return info_none();
        }
        fail(st);
        return info_none();
    case 'R':
    case '&':
        st->p += c == '&';
        return call(st);
    default:
        break;
    }
    if ((c == '+' || c == '-') ? st->end - st->p >= 2 && is_digit(st->p[1])
                               : c >= 0 && is_digit((unsigned)c))
        return call(st);
    /* Conditionals "(?(", callouts "(?C", and the rest end here. */
    bool caseless = st->caseless;
    if (parse_flags(st, &caseless))
        return info_none();
    if (*st->p++ == ':')
        return group_body(st, caseless);
    st->caseless = caseless; /* to the end of the enclosing group */
    *noise = true;
    return info_none();
}

/* "{n}" "{n,}" "{n,m}" at st->p: 1 and the bounds; 0: a literal '{';
 * -1: a spelling newer PCRE2 reads as a quantifier ("{,m}", spaces). */
static int brace_quant(rx_t *st, uint32_t *min, uint32_t *max)
{
    const unsigned char *q = st->p + 1, *e = st->end;
    uint32_t v[2] = {0, QUANT_INF};
    int nd[2] = {0, 0}, part = 0;
    bool blanks = false;
    for (; q < e && *q != '}'; q++) {
        if (is_digit(*q)) {
            if (part == 1 && nd[1] == 0)
                v[1] = 0;
            v[part] = v[part] * 10 + (*q - '0');
            if (v[part] > 65535)
                return fail(st);
            nd[part]++;
        } else if (*q == ',' && part == 0) {
            part = 1;
        } else if (*q == ' ' || *q == '\t') {
            blanks = true;
        } else {
            return 0;
        }
    }
    if (q >= e || (nd[0] == 0 && nd[1] == 0))
        return 0;
    if (blanks || nd[0] == 0)
        return fail(st);
    *min = v[0];
    *max = part == 0 ? v[0] : v[1];
    if (*max < *min)
        return fail(st);
    st->p = q + 1;
    return 1;
}

/* A quantifier at st->p: 1 and its bounds, 0 none, -1 error. */
static int parse_quant(rx_t *st, uint32_t *min, uint32_t *max)
{
    switch (peek(st)) {
    case '*':
        *min = 0;
        *max = QUANT_INF;
        break;
    case '+':
        *min = 1;
        *max = QUANT_INF;
        break;
    case '?':
        *min = 0;
        *max = 1;
        break;
    case '{':
        return brace_quant(st, min, max);
    default:
        return 0;
    }
    st->p++;
    return 1;
}

static bool quant_follows(rx_t *st)
{
    const unsigned char *save = st->p;
    uint32_t a, b;
    int rc = parse_quant(st, &a, &b);
    st->p = save;
    return rc != 0;
}

/* One item of a sequence; *noise when there was none (an option setting,
 * a comment, an empty \Q\E), so a quantifier cannot follow. */
static info_t parse_atom(rx_t *st, bool *noise)
{
    *noise = false;
    unsigned c = *st->p++;
    switch (c) {
    case '(':
        return parse_group(st, noise);
    case '[':
        return parse_class(st);
    case '.':
        return info_none();
    case '^':
    case '$':
        return info_epsilon(st);
    case '\\':
        return parse_escape(st);
    case '*':
    case '+':
    case '?':
        fail(st);
        return info_none();
    case '{':
        st->p--;
        if (quant_follows(st) || st->err) {
            fail(st);
            return info_none();
        }
        st->p++;
        return literal(st, c);
    default:
        return literal(st, c);
    }
}

/* A concatenation being read. Until the first break, run is the exact set
 * of what was read; after it, a suffix set of it (every match of the part
 * read ends with one of run), and pre a prefix set of the whole. Adjacent
 * pieces meet in the subject: run followed by the next piece's prefix set
 * is a factor set. */
typedef struct {
    sset_t run, pre;
    sset_t best; /* best factor set found */
    bool broken; /* the sequence is not EXACT */
} seq_t;

/* The first break: what the sequence starts with (taken). */
static void seq_first_break(rx_t *st, seq_t *q, sset_t pre)
{
    if (!q->broken) {
        q->pre = pre;
        affix_norm(st, &q->pre, false);
        q->broken = true;
    } else {
        sset_free(&pre);
    }
}

/* Append one item (taken). */
static void seq_push(rx_t *st, seq_t *q, info_t item)
{
    sset_t prod, copy;
    if (item.kind == K_EXACT) {
        int rc = sset_cross(st, &q->run, &item.set, &prod);
        if (rc == 0) {
            sset_free(&q->run);
            q->run = prod;
        } else if (rc > 0 && sset_copy(st, &q->run, &copy) == 0) {
            /* too big: what was read is a candidate, a new run starts */
            seq_first_break(st, q, copy);
            consider(&q->best, q->run);
            q->run = item.set;
            item.set = (sset_t){0};
        }
        info_free(&item);
        return;
    }
    int rc = item.pre.n ? sset_cross(st, &q->run, &item.pre, &prod) : 1;
    if (rc == 0 && sset_copy(st, &prod, &copy) == 0) {
        seq_first_break(st, q, copy);
        consider(&q->best, prod);
    } else if (rc == 0) {
        sset_free(&prod);
    } else if (rc > 0 && sset_copy(st, &q->run, &copy) == 0) {
        seq_first_break(st, q, copy);
        consider(&q->best, q->run);
        q->run = (sset_t){0};
        consider(&q->best, item.pre);
        item.pre = (sset_t){0};
    }
    sset_free(&q->run);
    consider(&q->best, item.set);
    item.set = (sset_t){0};
    /* what follows meets the item's suffix; unknown: a new empty run */
    q->run = item.suf;
    item.suf = (sset_t){0};
    if (q->run.n == 0)
        sset_add(st, &q->run, NULL, 0);
    info_free(&item);
}

/* A concatenation, up to '|' or ')' or the end. */
static info_t parse_seq(rx_t *st)
{
    seq_t q = {{0}, {0}, {0}, false};
    sset_add(st, &q.run, NULL, 0);
    while (!st->err && st->p < st->end) {
        info_t item = info_none();
        bool noise = false, quantifiable = true;
        if (st->qmode) {
            if (at(st, "\\E")) {
                st->p += 2;
                st->qmode = false;
                noise = true;
            } else {
                item = literal(st, *st->p++);
                quantifiable = at(st, "\\E");
                if (quantifiable) {
                    st->p += 2;
                    st->qmode = false;
                }
            }
        } else if (*st->p == '|' || *st->p == ')') {
            break;
        } else if (at(st, "\\Q")) {
            st->p += 2;
            st->qmode = true;
            continue;
        } else if (at(st, "\\E")) {
            st->p += 2;
            noise = true;
        } else if (at(st, "(?#")) {
            const unsigned char *close = memchr(st->p, ')', (size_t)(st->end - st->p));
            if (!close) {
                fail(st);
                break;
            }
            st->p = close + 1;
            noise = true;
        } else {
            item = parse_atom(st, &noise);
        }
        if (noise) {
            /* PCRE2 may apply it to the item before, or refuse: we refuse. */
            if (quant_follows(st))
                fail(st);
            continue;
        }
        uint32_t min, max;
        int quant = quantifiable && !st->err ? parse_quant(st, &min, &max) : 0;
        if (quant > 0) {
            if (peek(st) == '?' || peek(st) == '+') /* lazy, possessive: same strings */
                st->p++;
            if (quant_follows(st))
                fail(st);
        }
        if (st->err) {
            info_free(&item);
            break;
        }
        seq_push(st, &q, quant > 0 ? quantify(st, item, min, max) : item);
    }
    info_t r = info_none();
    if (st->err) {
        sset_free(&q.run);
        sset_free(&q.pre);
        sset_free(&q.best);
        return r;
    }
    if (!q.broken) {
        r.kind = K_EXACT;
        r.set = q.run;
        return r;
    }
    sset_t copy;
    if (sset_copy(st, &q.run, &copy) == 0)
        consider(&q.best, copy);
    r.kind = q.best.n ? K_FACT : K_NONE;
    r.set = q.best;
    r.pre = q.pre;
    r.suf = q.run;
    affix_norm(st, &r.suf, true);
    return r;
}

static info_t parse_alt(rx_t *st)
{
    info_t acc = parse_seq(st);
    while (!st->err && peek(st) == '|') {
        st->p++;
        acc = alt_merge(st, acc, parse_seq(st));
    }
    if (st->err)
        info_free(&acc);
    else if (acc.kind == K_FACT && sset_dedup(st, &acc.set))
        info_free(&acc);
    return acc;
}

/* ----------------------------------------------------------------- public */

static bool contains(const unsigned char *h, size_t hl, const unsigned char *n, size_t nl)
{
    return nl <= hl && memmem(h, hl, n, nl) != NULL;
}

/* Both entry points: del empty, or the bytes N deletes. */
static int analyse(const char *re, size_t len, const bset_t *del, rp_factors_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!re || len > MAX_PATTERN)
        return -1;
    rx_t st = {.p = (const unsigned char *)re, .end = (const unsigned char *)re + len, .del = *del};
    info_t r = parse_alt(&st);
    if (!st.err && st.p != st.end) /* an unmatched ')' */
        st.err = true;
    if (r.kind == K_EXACT && !usable(&r.set))
        info_free(&r);
    if (st.err || r.kind == K_NONE || !usable(&r.set) || sset_dedup(&st, &r.set)) {
        info_free(&r);
        return -1;
    }
    /* A factor that contains another adds nothing: whoever holds it holds
     * the shorter one. Keep the shorter ones only. */
    sset_t *s = &r.set;
    bool minimise = s->n <= 1024; /* quadratic: not on hostile sizes */
    bool *drop = calloc(s->n, sizeof(*drop));
    out->s = calloc(s->n, sizeof(*out->s));
    out->len = calloc(s->n, sizeof(*out->len));
    if (!drop || !out->s || !out->len)
        goto nomem;
    for (size_t i = 0; i < s->n && minimise; i++)
        for (size_t j = 0; j < s->n && !drop[i]; j++)
            if (j != i && !drop[j] && s->len[j] <= s->len[i] && (s->len[j] < s->len[i] || j < i) &&
                contains(sset_str(s, i), s->len[i], sset_str(s, j), s->len[j]))
                drop[i] = true;
    for (size_t i = 0; i < s->n; i++) {
        if (drop[i])
            continue;
        char *f = malloc(s->len[i] + 1);
        if (!f)
            goto nomem;
        memcpy(f, sset_str(s, i), s->len[i]);
        f[s->len[i]] = '\0';
        out->s[out->n] = f;
        out->len[out->n++] = s->len[i];
    }
    free(drop);
    info_free(&r);
    return 0;
nomem:
    free(drop);
    info_free(&r);
    rp_factors_free(out);
    return -1;
}

int rp_rx_factors(const char *re, size_t len, rp_factors_t *out)
{
    bset_t none = {{0}};
    return analyse(re, len, &none, out);
}

/* N maps a concatenation to the concatenation of the images (N(uv) =
 * N(u)N(v)), a union to the union, a repetition to the repetition: the
 * analysis, run on the images of single bytes (kept(): a deleted byte is
 * ""), computes the factors of N(L) for the pattern's language L. And when
 * m is a substring of s (s = u m v), N(m) is a contiguous substring of
 * N(s) = N(u)N(m)N(v): a factor of N(m) can be searched in N(s). */
int rp_rx_factors_deleting(const char *re, size_t len, const char *deleted, size_t deleted_len,
                           rp_factors_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!deleted && deleted_len)
        return -1;
    bset_t del = {{0}};
    for (size_t i = 0; i < deleted_len; i++)
        bs_add(&del, (unsigned char)deleted[i]);
    return analyse(re, len, &del, out);
}

void rp_factors_free(rp_factors_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->s[i]);
    free(f->s);
    free(f->len);
    memset(f, 0, sizeof(*f));
}
