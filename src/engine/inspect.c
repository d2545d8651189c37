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
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "clean_cache.h"
#include "detect_gate.h"
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

/* Whether the detector belongs to an API protection switched to detect. */
static bool protection_detects(const rp_tx_t *tx, const char *detector)
{
    static const struct {
        const char *detector;
        rp_protection_t protection;
    } owners[] = {{"openapi", RP_PROTECTION_OPENAPI},
                  {"ratelimit", RP_PROTECTION_RATELIMIT},
                  {"abuse", RP_PROTECTION_RATELIMIT},
                  {"bot", RP_PROTECTION_BOT},
                  {"baseline", RP_PROTECTION_BASELINE}};
    for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
        if (strcmp(detector, owners[i].detector) == 0)
            return tx->protection[owners[i].protection] == RP_MODE_DETECT;
    return false;
}

rp_match_t *rp_tx_add_match(rp_tx_t *tx, const char *detector, const char *category,
                            const char *target, const char *detail, const char *excerpt, int score,
                            bool blocks, int status)
{
    if (blocks && tx->protection_detect && protection_detects(tx, detector))
        blocks = false;
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
 *                   value is one word to the detectors, and neither an SQL
 *                   injection nor a script can be a single word: every shape
 *                   needs an operator, a quote, a bracket, a blank or markup.
 *                   Keys and most field values of real traffic are plain.
 *                   tests/unit/transaction_test.c pins this invariant. Only
 *                   run_plain_detectors() looks at plain values (Base64
 *                   serialized objects, full-width path separators).
 *   PROF_PERCENT    a '%' (maybe an escape to decode once more)
 *   PROF_NOT_B64    a byte outside the Base64 alphabets (and ' ', a '+'
 *                   decoded as a form space)
 *   PROF_UPPER/LOWER  letter cases present (encoded text mixes them)
 *   PROF_HIGH       a byte >= 0x80 (7-bit text is valid UTF-8 as it is)
 */
/* (The PROF_* values are in tx_t.h, for the tests.) */

static const unsigned char byte_profile[256] = {
    5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* 0x00 */
    5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  5,  /* 0x10 */
    1,  5,  5,  5,  5,  7,  5,  5,  5,  5,  5,  1,  5,  1,  5,  1,  /* 0x20 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  5,  5,  5,  1,  5,  5,  /* 0x30 */
    5,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  /* 0x40 */
    8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  5,  5,  5,  5,  0,  /* 0x50 */
    5,  16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, /* 0x60 */
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 5,  5,  5,  5,  5,  /* 0x70 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0x80 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0x90 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xa0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xb0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xc0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xd0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xe0 */
    36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, 36, /* 0xf0 */
};

/* The profile, and in the same pass whether every byte >= 0x80 lies in a
 * well-formed three-byte UTF-8 sequence (*cjk_valid): then the value is
 * valid UTF-8 and needs no rp_utf8_check(). Chinese text is exactly that,
 * so it is read once instead of twice. Words of eight ASCII bytes go
 * through the table without a test per byte. */
static unsigned value_profile(const char *s, size_t len, bool *cjk_valid)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned acc = 0;
    size_t i = 0;
    bool valid = true;
    while (i < len) {
        if (len >= 8) {
            /* the last word of a value overlaps the one before: bytes
             * looked up twice change no bit */
            size_t at = len - i >= 8 ? i : len - 8;
            uint64_t w;
            memcpy(&w, u + at, 8);
            uint64_t high = w & UINT64_C(0x8080808080808080);
            if (!high) {
                const unsigned char *b = u + at;
                acc |= byte_profile[b[0]] | byte_profile[b[1]] | byte_profile[b[2]] |
                       byte_profile[b[3]] | byte_profile[b[4]] | byte_profile[b[5]] |
                       byte_profile[b[6]] | byte_profile[b[7]];
                i = at + 8;
                continue;
            }
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
            if (at == i) {
                /* the ASCII bytes before the word's first high byte (text
                 * mixing digits and Chinese), then that byte's run below */
                size_t ascii = (size_t)__builtin_ctzll(high) / 8;
                for (size_t k = 0; k < ascii; k++)
                    acc |= byte_profile[u[i + k]];
                i += ascii;
            }
#endif
        }
        unsigned char c = u[i];
        if (c < 0x80) {
            acc |= byte_profile[c];
            i++;
            continue;
        }
        size_t run = rp_utf8_three_byte_run(s + i, len - i);
        if (run == 0) {
            /* something else: the rest byte by byte, rp_utf8_check judges */
            valid = false;
            for (; i < len; i++)
                acc |= byte_profile[u[i]];
            break;
        }
        acc |= byte_profile[c]; /* the same for every byte >= 0x80 */
        i += run;
    }
    *cjk_valid = valid;
    return acc;
}

unsigned rp_value_profile(const char *s, size_t len, bool *cjk_valid)
{
    return value_profile(s, len, cjk_valid);
}

bool rp_value_is_plain(const char *s, size_t len)
{
    bool cjk_valid;
    return !(value_profile(s, len, &cjk_valid) & PROF_NOT_PLAIN);
}

static bool must_stop(const rp_tx_t *tx)
{
    return tx->blocking && tx->mode == RP_MODE_BLOCK;
}

/* Rampart's other detectors, indexed by rp_detector_t: the name is the
 * policy's "detect NAME" and the event's category. */
const char *const rp_detector_names[RP_DET_COUNT] = {
    "cmdi", "ssti", "deser", "nosql", "traversal", "ssrf", "ldap", "crlf",
};

static bool (*const detector_fns[RP_DET_COUNT])(const char *, size_t, rp_detect_result_t *) = {
    rp_detect_cmdi,      rp_detect_ssti, rp_detect_deser, rp_detect_nosql,
    rp_detect_traversal, rp_detect_ssrf, rp_detect_ldap,  rp_detect_crlf,
};

static void add_detector_match(rp_tx_t *tx, const char *det, rp_source_t src, const char *name,
                               size_t name_len, const char *value, size_t value_len,
                               const rp_detect_result_t *r)
{
    rp_tx_add_match(tx, det, det, rp_target_name(tx, src, name, name_len),
                    rp_arena_strndup(tx->arena, r->fingerprint, strlen(r->fingerprint)),
                    make_excerpt(tx, name, name_len, value, value_len, r->offset, r->length), 5,
                    true, 0);
}

static bool header_named(rp_source_t src, const char *name, size_t name_len, const char *lower)
{
    return src == RP_SRC_HEADER && strlen(lower) == name_len &&
           strncasecmp(name, lower, name_len) == 0;
}

/* A Referer or Origin naming the request's own Host ("http://127.0.0.1:8080/"
 * when the site itself is served from loopback) is navigation, not a URL
 * the application will fetch. */
static bool self_reference(const rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                           const char *value, size_t value_len)
{
    if (!tx->host || !(header_named(src, name, name_len, "referer") ||
                       header_named(src, name, name_len, "origin")))
        return false;
    const char *p = memchr(value, ':', value_len);
    if (!p || (size_t)(value + value_len - p) < 3 || p[1] != '/' || p[2] != '/')
        return false;
    p += 3;
    size_t rest = (size_t)(value + value_len - p), hl = strlen(tx->host), al = 0;
    while (al < rest && p[al] != '/' && p[al] != '?' && p[al] != '#')
        al++;
    return al == hl && strncasecmp(p, tx->host, hl) == 0;
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
    /* detectors that provably cannot match this value are not called */
    unsigned cand = p->detectors ? p->detectors & rp_detect_gate(value, value_len) : 0;
    for (int d = 0; d < RP_DET_COUNT && cand && !must_stop(tx); d++) {
        if (!(cand & (1u << d)) || !detector_fns[d](value, value_len, &r))
            continue;
        if (d == RP_DET_SSRF && self_reference(tx, src, name, name_len, value, value_len)) {
            tx->verdict_used_context = true;
            continue;
        }
        add_detector_match(tx, rp_detector_names[d], src, name, name_len, value, value_len, &r);
    }
}

/* A plain value (one word of [A-Za-z0-9_] and non-ASCII bytes) cannot hold
 * SQL, markup, a shell command, a template or a URL; two detectors still
 * have something to say about it: a serialized object in Base64 is one long
 * alphanumeric word ("rO0ABXNyABFqYXZh..."), and full-width dots and
 * slashes ("．．／．．／") are non-ASCII bytes. */
static void run_plain_detectors(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                                const char *value, size_t value_len, unsigned prof)
{
    const rp_policy_t *p = tx->policy;
    unsigned want = p->detectors & ((1u << RP_DET_DESER) | (1u << RP_DET_TRAVERSAL));
    if (value_len < 24 && !(prof & PROF_NOT_B64))
        return; /* neither a Base64 payload nor a non-ASCII separator */
    unsigned cand = want ? want & rp_detect_gate(value, value_len) : 0;
    rp_detect_result_t r;
    if ((cand & (1u << RP_DET_DESER)) && value_len >= 24 && rp_detect_deser(value, value_len, &r))
        add_detector_match(tx, rp_detector_names[RP_DET_DESER], src, name, name_len, value,
                           value_len, &r);
    else if ((prof & PROF_NOT_B64) && (cand & (1u << RP_DET_TRAVERSAL)) &&
             rp_detect_traversal(value, value_len, &r))
        add_detector_match(tx, rp_detector_names[RP_DET_TRAVERSAL], src, name, name_len, value,
                           value_len, &r);
}

/*
 * US-ASCII decoding of bytes that are not UTF-8. A page served as US-ASCII
 * (or sniffed as such by an old browser) drops the high bit of every byte, so
 * 0xBC reads as '<' and 0xBE as '>': "\xBCscript\xBE" is a script tag there.
 * That reading only applies to bytes a UTF-8 decoder would reject — inside
 * valid UTF-8 (Chinese text, where 0xBC and 0xBE are ordinary continuation
 * bytes) the application sees characters, not 7-bit ASCII. This projection
 * keeps valid UTF-8 sequences and masks the high bit of every other byte;
 * the XSS detector reads the result. It stands in for CRS rule 941310, which
 * applies the 7-bit reading to every byte and so fires on Chinese HTML
 * (policies/seclang/tuning.conf).
 */
static void inspect_7bit(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                         const char *value, size_t value_len)
{
    char *d = rp_arena_alloc(tx->arena, value_len + 1);
    if (!d)
        return;
    bool changed = false;
    size_t i = 0;
    while (i < value_len) {
        unsigned f = 0;
        size_t step = rp_utf8_step(value + i, value_len - i, &f);
        if (f) {
            d[i] = (char)((unsigned char)value[i] & 0x7f);
            changed = true;
            i++;
            continue;
        }
        memcpy(d + i, value + i, step);
        i += step;
    }
    d[value_len] = '\0';
    rp_detect_result_t r;
    if (changed && tx->policy->detect_xss && rp_detect_xss(d, value_len, &r)) {
        char fp[RP_FINGERPRINT_MAX];
        snprintf(fp, sizeof(fp), "7bit:%s", r.fingerprint);
        rp_tx_add_match(tx, "xss", "xss", rp_target_name(tx, src, name, name_len),
                        rp_arena_strndup(tx->arena, fp, strlen(fp)),
                        make_excerpt(tx, name, name_len, d, value_len, r.offset, r.length), 5, true,
                        0);
    }
}

/* Keys of JSON bodies: a MongoDB operator where a field name belongs
 * ({"password": {"$ne": null}}), and polymorphic type tags naming a class
 * ({"@type": "com.sun.rowset.JdbcRowSetImpl"}) — the value alone does not
 * show that it sits under such a key. */
static void inspect_json_key(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                             size_t value_len, unsigned flags)
{
    const rp_policy_t *p = tx->policy;
    rp_detect_result_t r = {.offset = 0, .length = value_len};
    if (flags & RP_FIELD_KEY_ONLY) {
        if ((p->detectors & (1u << RP_DET_NOSQL)) && rp_detect_nosql_key(value, value_len)) {
            snprintf(r.fingerprint, sizeof(r.fingerprint), "nosql:key");
            add_detector_match(tx, rp_detector_names[RP_DET_NOSQL], RP_SRC_JSON, name, name_len,
                               value, value_len, &r);
        }
        return;
    }
    if (!(p->detectors & (1u << RP_DET_DESER)))
        return;
    const char *dot = name_len ? memrchr(name, '.', name_len) : NULL;
    const char *key = dot ? dot + 1 : name;
    if (rp_detect_deser_type_key(key, name_len - (size_t)(key - name), value, value_len)) {
        snprintf(r.fingerprint, sizeof(r.fingerprint), "deser:type");
        add_detector_match(tx, rp_detector_names[RP_DET_DESER], RP_SRC_JSON, name, name_len, value,
                           value_len, &r);
    }
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
    bool cjk_valid;
    unsigned prof = value_profile(value, value_len, &cjk_valid);
    if (prof & PROF_NOT_PLAIN)
        run_detectors(tx, src, name, name_len, value, value_len);
    else
        run_plain_detectors(tx, src, name, name_len, value, value_len, prof);
    if ((prof & PROF_HIGH) && !cjk_valid && !must_stop(tx) && rp_utf8_check(value, value_len) != 0)
        inspect_7bit(tx, src, name, name_len, value, value_len);
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
         * would misalign the Base64 quanta. Splitting is not a decoding:
         * a segment has the path's layer budget ("/<Base64 of %-escapes>"). */
        size_t i = 0;
        while (i < value_len && !must_stop(tx)) {
            size_t j = i;
            while (j < value_len && value[j] != '/')
                j++;
            if (j - i >= RP_BASE64_MIN && j - i < value_len)
                inspect_layers(tx, src, name, name_len, value + i, j - i, depth);
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

/*
 * Frameworks that route "/news/{id}.html" hand the application the path
 * variable without its view suffix (Spring's suffix patterns, Struts ".do"
 * and ".action", PHP front controllers). What the application sees of
 * "/news/| id.html" is "| id", so the path is judged once more without the
 * suffix of its last segment.
 */
static void inspect_path_variable(rp_tx_t *tx, const char *path, size_t len)
{
    static const char *const suffixes[] = {
        ".html", ".htm", ".shtml", ".jsp", ".jspx", ".do", ".action",
        ".json", ".xml", ".php",   ".asp", ".aspx", NULL,
    };
    /* Each suffix holds one '.', its first byte: only the one as long as
     * what follows the path's last '.' can match. */
    const char *dot = len ? memrchr(path, '.', len) : NULL;
    if (!dot || dot == path)
        return;
    size_t tail = len - (size_t)(dot - path);
    for (const char *const *sf = suffixes; *sf; sf++) {
        size_t sl = strlen(*sf);
        if (sl == tail && strncasecmp(path + len - sl, *sf, sl) == 0) {
            if (!rp_value_is_plain(path, len - sl))
                run_detectors(tx, RP_SRC_PATH, "", 0, path, len - sl);
            return;
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

    /* Header and cookie values repeat from request to request: one the
     * detectors passed before (same policy, name and value) passes again.
     * So do the keys of a JSON API's documents (its schema); what a key's
     * inspection finds does not depend on the path it sits at, so keys are
     * remembered by the key alone (a path of its own would only miss on
     * "items.0.id", "items.1.id"). JSON values are never looked up. */
    bool json_key = src == RP_SRC_JSON && flags == RP_FIELD_KEY_ONLY;
    bool cacheable = src == RP_SRC_HEADER || src == RP_SRC_COOKIE || json_key;
    const char *cache_name = json_key ? "" : name;
    size_t cache_name_len = json_key ? 0 : name_len;
    if (cacheable &&
        rp_clean_cache_hit(p->serial, src, cache_name, cache_name_len, value, value_len))
        return RP_OK;
    size_t matches_before = tx->nmatches + tx->nmatches_dropped;
    tx->verdict_used_context = false;

    inspect_layers(tx, src, name, name_len, value, value_len, 0);
    if (!must_stop(tx) && src == RP_SRC_PATH)
        inspect_path_variable(tx, value, value_len);
    if (!must_stop(tx) && src == RP_SRC_JSON)
        inspect_json_key(tx, name, name_len, value, value_len, flags);
    /* Argument names are attacker-controlled too (?1'or'1'='1=x). */
    if (name_len > 0 && !must_stop(tx) &&
        (src == RP_SRC_QUERY || src == RP_SRC_FORM || src == RP_SRC_MULTIPART ||
         src == RP_SRC_COOKIE))
        if (!rp_value_is_plain(name, name_len))
            run_detectors(tx, src, name, name_len, name, name_len);
    if (cacheable && tx->nmatches + tx->nmatches_dropped == matches_before &&
        !tx->verdict_used_context)
        rp_clean_cache_put(p->serial, src, cache_name, cache_name_len, value, value_len);
    return must_stop(tx) ? RP_BLOCK : RP_OK;
}
