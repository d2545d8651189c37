/*
 * inspect.c — what happens to each value the transaction finds.
 *
 * Every argument, cookie, header, path and body field comes through
 * rp_inspect_value: its decoding anomalies are weighed by the policy, then
 * the detectors run on it (and on its second decoding when it was double
 * encoded, since some back ends decode twice). Matches carry a masked
 * excerpt so events show evidence without leaking citizens' data or secrets.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "normalize.h"
#include "rampart/detect.h"
#include "tx_t.h"
#include "urldecode.h"

#define EXCERPT_MAX     96
#define EXCERPT_CONTEXT 24

const char *rp_source_name(rp_source_t src)
{
    switch (src) {
    case RP_SRC_PATH:
        return "path";
    case RP_SRC_QUERY:
        return "query";
    case RP_SRC_COOKIE:
        return "cookie";
    case RP_SRC_HEADER:
        return "header";
    case RP_SRC_FORM:
        return "form";
    case RP_SRC_MULTIPART:
        return "multipart";
    case RP_SRC_FILENAME:
        return "filename";
    case RP_SRC_JSON:
        return "json";
    case RP_SRC_XML:
        return "xml";
    case RP_SRC_BODY:
        return "body";
    case RP_SRC_FILE:
        return "file";
    }
    return "unknown";
}

const char *rp_target_name(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len)
{
    const char *s = rp_source_name(src);
    size_t sl = strlen(s);
    if (name_len > 128)
        name_len = 128;
    char *t = rp_arena_alloc(tx->arena, sl + 1 + name_len + 1);
    if (!t)
        return s;
    memcpy(t, s, sl);
    t[sl] = ':';
    memcpy(t + sl + 1, name, name_len);
    t[sl + 1 + name_len] = '\0';
    return t;
}

rp_match_t *rp_tx_add_match(rp_tx_t *tx, const char *detector, const char *category,
                            const char *target, const char *detail, const char *excerpt, int score,
                            bool blocks, int status)
{
    if (blocks && !tx->blocking) {
        tx->blocking = true;
        tx->block_status = status ? status : tx->policy->block_status;
    }
    if (tx->nmatches == tx->matches_cap) {
        size_t cap = tx->matches_cap ? tx->matches_cap * 2 : 8;
        rp_match_t *n =
            tx->nmatches < RP_MAX_MATCHES ? rp_arena_alloc(tx->arena, cap * sizeof(*n)) : NULL;
        if (!n) {
            tx->nmatches_dropped++;
            return NULL;
        }
        if (tx->nmatches)
            memcpy(n, tx->matches, tx->nmatches * sizeof(*n));
        tx->matches = n;
        tx->matches_cap = cap;
    }
    rp_match_t *m = &tx->matches[tx->nmatches++];
    memset(m, 0, sizeof(*m));
    m->severity = -1;
    m->detector = detector;
    m->category = category;
    m->target = target;
    m->detail = detail;
    m->excerpt = excerpt;
    m->score = score;
    return m;
}

/* A short, masked copy of value around [off, off+len), cut on UTF-8
 * character boundaries so the event stays valid text. */
static const char *make_excerpt(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                                size_t value_len, size_t off, size_t len)
{
    if (rp_secret_name(name, name_len))
        return "[redacted]";
    size_t start = off > EXCERPT_CONTEXT ? off - EXCERPT_CONTEXT : 0;
    size_t end = off + len + EXCERPT_CONTEXT;
    if (end > value_len || end < off)
        end = value_len;
    if (end - start > EXCERPT_MAX)
        end = start + EXCERPT_MAX;
    while (start > 0 && start < value_len && ((unsigned char)value[start] & 0xC0) == 0x80)
        start--;
    while (end < value_len && end > start && ((unsigned char)value[end] & 0xC0) == 0x80)
        end--;
    char *e = rp_arena_strndup(tx->arena, value + start, end - start);
    if (!e)
        return "";
    rp_mask_sensitive(e, end - start);
    return e;
}

static const struct {
    unsigned flag;
    rp_anomaly_t anomaly;
} anomaly_flags[] = {
    {RP_ARG_BAD_ENCODING, RP_ANOM_BAD_ENCODING},
    {RP_ARG_DOUBLE_ENCODED, RP_ANOM_DOUBLE_ENCODING},
    {RP_ARG_UNICODE_ENCODED, RP_ANOM_UNICODE_ENCODING},
    {RP_ARG_INVALID_UTF8, RP_ANOM_INVALID_UTF8},
    {RP_ARG_OVERLONG_UTF8, RP_ANOM_OVERLONG_UTF8},
    {RP_ARG_NUL, RP_ANOM_NUL},
    {RP_FIELD_ENTITY_DECL, RP_ANOM_XML_ENTITY},
    {RP_FIELD_BAD_ESCAPE, RP_ANOM_BAD_ENCODING},
};

#define ANOMALY_FLAGS                                                                              \
    (RP_ARG_BAD_ENCODING | RP_ARG_DOUBLE_ENCODED | RP_ARG_UNICODE_ENCODED | RP_ARG_INVALID_UTF8 |  \
     RP_ARG_OVERLONG_UTF8 | RP_ARG_NUL | RP_FIELD_ENTITY_DECL | RP_FIELD_BAD_ESCAPE)

static void weigh_anomalies(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                            const char *value, size_t value_len, unsigned flags)
{
    for (size_t i = 0; i < sizeof(anomaly_flags) / sizeof(anomaly_flags[0]); i++) {
        if (!(flags & anomaly_flags[i].flag))
            continue;
        rp_anomaly_t an = anomaly_flags[i].anomaly;
        rp_anomaly_action_t act = tx->policy->anomaly[an];
        if (act == RP_ANOMALY_IGNORE)
            continue;
        /* One match per kind of anomaly and transaction is evidence enough. */
        bool seen = false;
        for (size_t m = 0; m < tx->nmatches; m++)
            if (tx->matches[m].detail == rp_anomaly_names[an])
                seen = true;
        if (seen)
            continue;
        rp_tx_add_match(tx, "protocol", "protocol", rp_target_name(tx, src, name, name_len),
                        rp_anomaly_names[an],
                        make_excerpt(tx, name, name_len, value, value_len, 0, value_len),
                        act == RP_ANOMALY_BLOCK ? 5 : 0, act == RP_ANOMALY_BLOCK, 0);
    }
}

/*
 * One pass over a value tells which inspections it needs:
 *   PROF_NOT_PLAIN  a byte other than [A-Za-z0-9_] or non-ASCII. A "plain"
 *                   value is one word to both detectors, and neither an SQL
 *                   injection nor a script can be a single word: every shape
 *                   needs an operator, a quote, a bracket, a blank or markup.
 *                   Keys and most field values of real traffic are plain.
 *                   tests/unit/transaction_test.c pins this invariant.
 *   PROF_PERCENT    a '%' (maybe an escape to decode once more)
 *   PROF_NOT_B64    a byte outside the Base64 alphabets (and ' ', a '+'
 *                   decoded as a form space)
 *   PROF_UPPER/LOWER  letter cases present (encoded text mixes them)
 */
enum { PROF_NOT_PLAIN = 1, PROF_PERCENT = 2, PROF_NOT_B64 = 4, PROF_UPPER = 8, PROF_LOWER = 16 };

static const unsigned char byte_profile[256] = {
    5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* 0x00 */
    5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* 0x10 */
    1,  5,  5,  5,  5,  7,  5,  5,  5,  5,  5,  1,  5,  1,  5,  1,  /* 0x20 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  5,  5,  5,  1,  5,  5,  /* 0x30 */
    5,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  /* 0x40 */
    8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  5,  5,  5,  5,  0,  /* 0x50 */
    5,  16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, /* 0x60 */
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 5,  5,  5,  5,  5,  /* 0x70 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0x80 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0x90 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xa0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xb0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xc0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xd0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xe0 */
    4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  /* 0xf0 */
};

static unsigned value_profile(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= byte_profile[u[i]];
    return acc;
}

bool rp_value_is_plain(const char *s, size_t len)
{
    return !(value_profile(s, len) & PROF_NOT_PLAIN);
}

static void run_detectors(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                          const char *value, size_t value_len)
{
    const rp_policy_t *p = tx->policy;
    rp_detect_result_t r;
    if (p->detect_sqli && rp_detect_sqli(value, value_len, &r)) {
        rp_tx_add_match(tx, "sqli", "sqli", rp_target_name(tx, src, name, name_len),
                        rp_arena_strndup(tx->arena, r.fingerprint, strlen(r.fingerprint)),
                        make_excerpt(tx, name, name_len, value, value_len, r.offset, r.length), 5,
                        true, 0);
    }
    if (p->detect_xss && rp_detect_xss(value, value_len, &r)) {
        rp_tx_add_match(tx, "xss", "xss", rp_target_name(tx, src, name, name_len),
                        rp_arena_strndup(tx->arena, r.fingerprint, strlen(r.fingerprint)),
                        make_excerpt(tx, name, name_len, value, value_len, r.offset, r.length), 5,
                        true, 0);
    }
}

static bool must_stop(const rp_tx_t *tx)
{
    return tx->blocking && tx->mode == RP_MODE_BLOCK;
}

/* Decoded text is worth inspecting; decoded binary (images, random ids
 * that happen to use the Base64 alphabet) is not. A few NUL bytes are
 * tolerated: splitting a keyword with NUL ("scr\0ipt") is itself an
 * evasion trick. */
static bool looks_textual(const char *s, size_t len)
{
    size_t nul = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0 && ++nul <= 2)
            continue;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return false;
    }
    return rp_utf8_check(s, len) == 0;
}

#define MAX_DECODE_LAYERS 2

/*
 * Run the detectors on a value and on what it becomes when an application
 * decodes it once more: percent-encoding left inside JSON or multipart
 * values (or encoded twice), and Base64-wrapped parameters. Bounded to
 * MAX_DECODE_LAYERS so cost stays linear.
 */
static void inspect_layers(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                           const char *value, size_t value_len, int depth)
{
    unsigned prof = value_profile(value, value_len);
    if (prof & PROF_NOT_PLAIN)
        run_detectors(tx, src, name, name_len, value, value_len);
    if (must_stop(tx) || depth == MAX_DECODE_LAYERS || value_len == 0)
        return;
    if ((prof & PROF_PERCENT) && rp_url_has_escape(value, value_len)) {
        char *d = rp_arena_alloc(tx->arena, value_len + 1);
        if (d) {
            unsigned f = 0;
            size_t n = rp_url_decode(d, value, value_len, 0, &f);
            if (n < value_len)
                inspect_layers(tx, src, name, name_len, d, n, depth + 1);
        }
    }
    if (must_stop(tx))
        return;
    if (src == RP_SRC_PATH) {
        /* Path segments are decoded one by one: the '/' between them
         * would misalign the Base64 quanta. */
        size_t i = 0;
        while (i < value_len && !must_stop(tx)) {
            size_t j = i;
            while (j < value_len && value[j] != '/')
                j++;
            if (j - i >= RP_BASE64_MIN && j - i < value_len)
                inspect_layers(tx, src, name, name_len, value + i, j - i, depth + 1);
            i = j + 1;
        }
        if (value_len < RP_BASE64_MIN || memchr(value, '/', value_len))
            return;
    }
    bool b64_bytes = !(prof & PROF_NOT_B64) && (prof & PROF_UPPER) && (prof & PROF_LOWER);
    if (b64_bytes && rp_base64_plausible(value, value_len)) {
        char *d = rp_arena_alloc(tx->arena, value_len / 4 * 3 + 4);
        if (d) {
            size_t n = rp_base64_decode(d, value, value_len);
            if (n != SIZE_MAX && n > 0 && looks_textual(d, n))
                inspect_layers(tx, src, name, name_len, d, n, depth + 1);
        }
    }
}

rp_status_t rp_inspect_value(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                             const char *value, size_t value_len, unsigned flags)
{
    const rp_policy_t *p = tx->policy;
    if (must_stop(tx))
        return RP_BLOCK;
    if (++tx->nargs > p->limits.args) {
        if (tx->nargs == p->limits.args + 1)
            rp_tx_add_match(tx, "limit", "limit", "args", "too many arguments", "", 5, true, 0);
        return must_stop(tx) ? RP_BLOCK : RP_OK;
    }
    /* Uploaded files are inspected only when they are text (HTML, SVG,
     * CSV, scripts): binary formats are not a grammar the detectors read. */
    if (src == RP_SRC_FILE && !looks_textual(value, value_len))
        return RP_OK;
    if (flags & ANOMALY_FLAGS)
        weigh_anomalies(tx, src, name, name_len, value, value_len, flags);
    if (value_len > p->limits.field_size)
        value_len = p->limits.field_size;

    inspect_layers(tx, src, name, name_len, value, value_len, 0);
    /* Argument names are attacker-controlled too (?1'or'1'='1=x). */
    if (name_len > 0 && !must_stop(tx) &&
        (src == RP_SRC_QUERY || src == RP_SRC_FORM || src == RP_SRC_MULTIPART ||
         src == RP_SRC_COOKIE))
        if (!rp_value_is_plain(name, name_len))
            run_detectors(tx, src, name, name_len, name, name_len);
    return must_stop(tx) ? RP_BLOCK : RP_OK;
}
