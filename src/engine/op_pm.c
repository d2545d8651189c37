/*
 * op_pm.c — @pm and @pmFromFile: case-insensitive phrase matching with one
 * Vectorscan literal database per operator.
 *
 * Semantics (ModSecurity's Aho-Corasick @pm): the value matches when any
 * phrase occurs anywhere in it, ASCII case ignored; bytes >= 0x80 compare
 * exactly. TX.0 is the first phrase found, i.e. the occurrence that ends
 * earliest in the value — what a left-to-right automaton reports first.
 *
 * Phrases of @pm: the parameter (one pair of surrounding double quotes
 * stripped) split on whitespace; |hex| blocks give raw bytes, e.g.
 * "|3c 2f|script" is "</script". Spaces inside a hex block separate hex
 * digits, not phrases (ModSecurity decodes first and splits afterwards, so a
 * "|20|" there would cut a phrase in two; ours keeps the space).
 *
 * Phrases of @pmFromFile: one per line of each file; the parameter lists one
 * or more files separated by spaces, relative to base_dir unless absolute.
 * Blank lines and lines whose first non-blank character is '#' are skipped,
 * a trailing '\r' is dropped, and nothing else is trimmed — as ModSecurity
 * v3 reads them. Remote (http/https) lists are refused.
 *
 * Database: every phrase as a literal (hs_compile_lit_multi, so NUL and
 * regex metacharacters need no escaping) with HS_FLAG_CASELESS |
 * HS_FLAG_SINGLEMATCH, block mode. The match callback stops the scan at the
 * first report.
 *
 * Scratch. hs_scan needs a scratch space that only one scan may use at a
 * time and that is large enough for the database. Allocating or cloning one
 * per call costs microseconds; instead each thread keeps one scratch
 * (a _Thread_local pointer, freed by a pthread key destructor at thread
 * exit), allocated on its first scan and grown by hs_alloc_scratch, which
 * only ever enlarges it to fit both the old and the new database. Calling
 * hs_alloc_scratch before every scan would be correct but costs a database
 * walk, so each database gets a process-unique serial at compile time and
 * the thread remembers, in a small direct-mapped table, the serials its
 * scratch is already known to fit. Because scratch only grows, an entry
 * never becomes wrong; a collision just costs one more hs_alloc_scratch.
 */
#include <errno.h>
#include <hs/hs.h>

#include "hs_cache.h"
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "operator.h"

void *op_pm_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len);
void *op_pmfile_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len);
size_t op_pm_phrases(const void *state, const char *const **phrases, const size_t **lens);
void op_pm_free(void *state);
uint64_t op_hs_serial(void);
hs_scratch_t *op_hs_scratch(const hs_database_t *db, uint64_t serial);
rp_op_result_t op_pm_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap);

typedef struct {
    hs_database_t *db;
    uint64_t serial;
    size_t n;
    size_t *lens;   /* phrase lengths by id, to find where a match starts */
    char **phrases; /* the phrases themselves, for the rule engine's prefilter */
} pm_t;

/* ---- phrase list under construction ---- */

typedef struct {
    char **p;
    size_t *len;
    size_t n, cap;
} phrases_t;

static void phrases_free(phrases_t *ph)
{
    for (size_t i = 0; i < ph->n; i++)
        free(ph->p[i]);
    free(ph->p);
    free(ph->len);
}

static int phrases_add(phrases_t *ph, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    if (ph->n == ph->cap) {
        size_t ncap = ph->cap ? 2 * ph->cap : 64;
        char **np = realloc(ph->p, ncap * sizeof(*np));
        if (!np)
            return -1;
        ph->p = np;
        size_t *nl = realloc(ph->len, ncap * sizeof(*nl));
        if (!nl)
            return -1;
        ph->len = nl;
        ph->cap = ncap;
    }
    char *c = malloc(len + 1);
    if (!c)
        return -1;
    memcpy(c, s, len);
    c[len] = '\0';
    ph->p[ph->n] = c;
    ph->len[ph->n] = len;
    ph->n++;
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Split an inline @pm parameter into phrases; see the top comment. */
static int parse_inline(phrases_t *ph, const char *s, size_t len, char *err, size_t err_len)
{
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        s++;
        len -= 2;
    }
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t bl = 0;
    bool hex = false;
    for (size_t i = 0; i <= len; i++) {
        int c = i < len ? (unsigned char)s[i] : -1;
        if (hex) {
            if (c == -1) {
                snprintf(err, err_len, "@pm: unterminated |hex| block");
                free(buf);
                return -1;
            }
            if (c == '|') {
                hex = false;
            } else if (!is_blank(c)) {
                int hi = hexval(c), lo = i + 1 < len ? hexval((unsigned char)s[i + 1]) : -1;
                if (hi < 0 || lo < 0) {
                    snprintf(err, err_len, "@pm: invalid hex digits at offset %zu", i);
                    free(buf);
                    return -1;
                }
                buf[bl++] = (char)(hi * 16 + lo);
                i++;
            }
            continue;
        }
        if (c == '|') {
            hex = true;
        } else if (c == -1 || is_blank(c)) {
            if (phrases_add(ph, buf, bl) < 0) {
                snprintf(err, err_len, "out of memory");
                free(buf);
                return -1;
            }
            bl = 0;
        } else {
            buf[bl++] = (char)c;
        }
    }
    free(buf);
    return 0;
}

static int read_file_phrases(phrases_t *ph, const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "@pmFromFile: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        size_t l = (size_t)n;
        if (l && line[l - 1] == '\n')
            l--;
        if (l && line[l - 1] == '\r')
            l--;
        size_t k = 0;
        while (k < l && is_blank((unsigned char)line[k]))
            k++;
        if (k == l || line[k] == '#')
            continue;
        if (phrases_add(ph, line, l) < 0) {
            snprintf(err, err_len, "out of memory");
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, err_len, "@pmFromFile: error reading %s", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* ---- database ---- */

static _Atomic uint64_t pm_serial_next = 1;

/* A process-unique number for a new database (also used by op_rx.c). */
uint64_t op_hs_serial(void)
{
    return atomic_fetch_add(&pm_serial_next, 1);
}

/* Vectorscan 5.4's literal API refuses a phrase whose first byte is NUL
 * (it tests expression[0] as if it were a C string). Such lists go through
 * the regex API instead, every byte written as \xNN: the same literal
 * matcher results, only a slower compile. */
static bool any_leading_nul(const phrases_t *ph)
{
    for (size_t i = 0; i < ph->n; i++)
        if (ph->p[i][0] == '\0')
            return true;
    return false;
}

static hs_error_t compile_escaped(const phrases_t *ph, const unsigned *flags, const unsigned *ids,
                                  hs_database_t **db, hs_compile_error_t **cerr)
{
    char **esc = calloc(ph->n, sizeof(*esc));
    hs_error_t e = HS_NOMEM;
    size_t i;
    if (!esc)
        return e;
    for (i = 0; i < ph->n; i++) {
        esc[i] = malloc(4 * ph->len[i] + 1);
        if (!esc[i])
            goto out;
        for (size_t k = 0; k < ph->len[i]; k++)
            snprintf(esc[i] + 4 * k, 5, "\\x%02x", (unsigned char)ph->p[i][k]);
    }
    e = rp_hs_compile_multi((const char *const *)esc, flags, ids, (unsigned)ph->n, HS_MODE_BLOCK,
                            db, cerr);
out:
    for (i = 0; i < ph->n; i++)
        free(esc[i]);
    free(esc);
    return e;
}

static void *pm_build(phrases_t *ph, const char *what, char *err, size_t err_len)
{
    if (ph->n == 0) {
        snprintf(err, err_len, "%s: no phrases", what);
        return NULL;
    }
    if (ph->n > UINT_MAX) {
        snprintf(err, err_len, "%s: too many phrases", what);
        return NULL;
    }
    pm_t *pm = calloc(1, sizeof(*pm));
    unsigned *flags = malloc(ph->n * sizeof(*flags));
    unsigned *ids = malloc(ph->n * sizeof(*ids));
    if (!pm || !flags || !ids) {
        free(pm);
        free(flags);
        free(ids);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < ph->n; i++) {
        flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
        ids[i] = (unsigned)i;
    }
    hs_compile_error_t *cerr = NULL;
    hs_error_t e;
    if (any_leading_nul(ph)) {
        e = compile_escaped(ph, flags, ids, &pm->db, &cerr);
    } else {
        e = rp_hs_compile_lit_multi((const char *const *)ph->p, flags, ids, ph->len,
                                    (unsigned)ph->n, HS_MODE_BLOCK, &pm->db, &cerr);
    }
    free(flags);
    free(ids);
    if (e != HS_SUCCESS) {
        snprintf(err, err_len, "%s: Vectorscan cannot compile the phrases: %s", what,
                 cerr && cerr->message ? cerr->message : "unknown error");
        hs_free_compile_error(cerr);
        free(pm);
        return NULL;
    }
    /* Take the phrase and length arrays over. */
    pm->lens = ph->len;
    ph->len = NULL;
    pm->phrases = ph->p;
    ph->p = NULL;
    pm->n = ph->n;
    ph->n = 0;
    pm->serial = op_hs_serial();
    return pm;
}

void *op_pm_compile(const char *param, size_t len, const char *base_dir, char *err, size_t err_len)
{
    (void)base_dir;
    phrases_t ph = {0};
    void *pm = NULL;
    if (parse_inline(&ph, param, len, err, err_len) == 0)
        pm = pm_build(&ph, "@pm", err, err_len);
    phrases_free(&ph);
    return pm;
}

void *op_pmfile_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len)
{
    phrases_t ph = {0};
    void *pm = NULL;
    size_t i = 0, nfiles = 0;
    int rc = 0;
    while (rc == 0 && i < len) {
        while (i < len && is_blank((unsigned char)param[i]))
            i++;
        size_t s = i;
        while (i < len && !is_blank((unsigned char)param[i]))
            i++;
        if (i == s)
            break;
        size_t fl = i - s;
        if ((fl > 7 && strncasecmp(param + s, "http://", 7) == 0) ||
            (fl > 8 && strncasecmp(param + s, "https://", 8) == 0)) {
            snprintf(err, err_len, "@pmFromFile: remote phrase lists are not supported: %.*s",
                     (int)(fl > 200 ? 200 : fl), param + s);
            rc = -1;
            break;
        }
        char path[4096];
        int pl;
        if (param[s] == '/' || !base_dir || !base_dir[0])
            pl = snprintf(path, sizeof(path), "%.*s", (int)fl, param + s);
        else
            pl = snprintf(path, sizeof(path), "%s/%.*s", base_dir, (int)fl, param + s);
        if (pl < 0 || (size_t)pl >= sizeof(path)) {
            snprintf(err, err_len, "@pmFromFile: path too long");
            rc = -1;
            break;
        }
        rc = read_file_phrases(&ph, path, err, err_len);
        nfiles++;
    }
    if (rc == 0 && nfiles == 0) {
        snprintf(err, err_len, "@pmFromFile: no file given");
        rc = -1;
    }
    if (rc == 0)
        pm = pm_build(&ph, "@pmFromFile", err, err_len);
    phrases_free(&ph);
    return pm;
}

/* The phrases of a compiled @pm / @pmFromFile (operator.c's
 * rp_op_literals). */
size_t op_pm_phrases(const void *state, const char *const **phrases, const size_t **lens)
{
    const pm_t *pm = state;
    *phrases = (const char *const *)pm->phrases;
    *lens = pm->lens;
    return pm->n;
}

void op_pm_free(void *state)
{
    pm_t *pm = state;
    if (!pm)
        return;
    hs_free_database(pm->db);
    for (size_t i = 0; i < pm->n; i++)
        free(pm->phrases[i]);
    free(pm->phrases);
    free(pm->lens);
    free(pm);
}

/* ---- per-thread scratch ---- */

#define PM_FIT_SLOTS 4096 /* serials are sequential: no collision below 4096 live databases */

typedef struct {
    hs_scratch_t *scratch;
    uint64_t fits[PM_FIT_SLOTS]; /* serials the scratch is known to fit */
} pm_thread_t;

static pthread_key_t pm_key;
static pthread_once_t pm_once = PTHREAD_ONCE_INIT;
static bool pm_key_ok;
static _Thread_local pm_thread_t *pm_tls;

static void pm_thread_free(void *p)
{
    pm_thread_t *t = p;
    if (!t)
        return;
    hs_free_scratch(t->scratch);
    free(t);
}

static void pm_key_init(void)
{
    pm_key_ok = pthread_key_create(&pm_key, pm_thread_free) == 0;
}

/* This thread's scratch, known to fit db (serial from op_hs_serial()).
 * Shared with op_rx.c's Vectorscan pre-check. */
hs_scratch_t *op_hs_scratch(const hs_database_t *db, uint64_t serial)
{
    pm_thread_t *t = pm_tls;
    if (!t) {
        pthread_once(&pm_once, pm_key_init);
        t = calloc(1, sizeof(*t));
        if (!t)
            return NULL;
        if (pm_key_ok)
            pthread_setspecific(pm_key, t);
        pm_tls = t;
    }
    uint64_t *slot = &t->fits[serial % PM_FIT_SLOTS];
    if (*slot != serial) {
        if (hs_alloc_scratch(db, &t->scratch) != HS_SUCCESS)
            return NULL;
        *slot = serial;
    }
    return t->scratch;
}

/* ---- scan ---- */

typedef struct {
    bool hit;
    unsigned id;
    unsigned long long to;
} pm_hit_t;

static int pm_on_match(unsigned int id, unsigned long long from, unsigned long long to,
                       unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    pm_hit_t *h = ctx;
    h->hit = true;
    h->id = id;
    h->to = to;
    return 1; /* first phrase is enough: stop */
}

rp_op_result_t op_pm_execute(const void *state, const char *value, size_t len, const char *param,
                             size_t param_len, rp_op_captures_t *cap)
{
    (void)param;
    (void)param_len;
    const pm_t *pm = state;
    if (len > UINT_MAX)
        return RP_OP_FAIL;
    hs_scratch_t *s = op_hs_scratch(pm->db, pm->serial);
    if (!s)
        return RP_OP_FAIL;
    pm_hit_t h = {0};
    hs_error_t e = hs_scan(pm->db, value, (unsigned)len, 0, s, pm_on_match, &h);
    if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
        return RP_OP_FAIL;
    if (!h.hit)
        return RP_OP_NOMATCH;
    if (cap && h.id < pm->n && h.to <= len && pm->lens[h.id] <= h.to) {
        cap->group[0].p = value + (h.to - pm->lens[h.id]);
        cap->group[0].len = pm->lens[h.id];
        cap->n = 1;
    }
    return RP_OP_MATCH;
}
