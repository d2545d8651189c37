/*
 * mask_policy.c — the "mask" directives of a policy file (docs/POLICY.md,
 * "Response masking"): rules per path prefix, the body limit, how gzip
 * responses are handled, the key of the hash style.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mask_policy.h"
#include "normalize.h"
#include "policy_t.h"

static int why_set(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return -1;
}

const char *rp_mask_class_name(int cls)
{
    if (cls == RP_MASK_LABEL_NAME)
        return "name";
    if (cls == RP_MASK_LABEL_ADDRESS)
        return "address";
    return rp_data_class_name((rp_data_class_t)cls);
}

/* A class word of a policy: the class names and the short forms of the
 * examples (id, phone = mobile and landline, bankcard, card). Returns the
 * class bits (labels as 1u << RP_MASK_LABEL_*), 0 when unknown. */
static unsigned class_bits(const char *w, size_t n)
{
    static const struct {
        const char *word;
        unsigned bits;
    } alias[] = {
        {"id", RP_DC_BIT(RP_DC_RESIDENT_ID)},
        {"phone", RP_DC_BIT(RP_DC_MOBILE) | RP_DC_BIT(RP_DC_LANDLINE)},
        {"bankcard", RP_DC_BIT(RP_DC_BANK_CARD)},
        {"card", RP_DC_BIT(RP_DC_BANK_CARD)},
        {"name", 1u << RP_MASK_LABEL_NAME},
        {"address", 1u << RP_MASK_LABEL_ADDRESS},
    };
    for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
        if (strlen(alias[i].word) == n && memcmp(alias[i].word, w, n) == 0)
            return alias[i].bits;
    rp_data_class_t c = rp_data_class_from_name(w, n);
    return c == RP_DC_NONE ? 0 : RP_DC_BIT(c);
}

/* Splits a comma list into words; -1 on an empty item or one too long. */
static int word_list(const char *list, rp_mask_word_t *out, size_t cap, size_t *n, const char *what,
                     char *why, size_t why_len)
{
    *n = 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == 0)
            return why_set(why, why_len, "mask: %s: empty item in \"%s\"", what, list);
        if (l >= RP_MASK_NAME_MAX)
            return why_set(why, why_len, "mask: %s: \"%.*s\" longer than %d characters", what,
                           (int)l, p, RP_MASK_NAME_MAX - 1);
        if (*n == cap)
            return why_set(why, why_len, "mask: %s: more than %zu items", what, cap);
        memcpy(out[*n].name, p, l);
        out[*n].name[l] = '\0';
        out[*n].len = (unsigned char)l;
        (*n)++;
        if (!e)
            return 0;
        p = e + 1;
    }
}

static int parse_styles(rp_mask_rule_t *r, const char *list, char *why, size_t why_len)
{
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        const char *colon = memchr(p, ':', l);
        if (!colon)
            return why_set(why, why_len, "mask: styles: \"%.*s\" is not CLASS:STYLE", (int)l, p);
        unsigned bits = class_bits(p, (size_t)(colon - p));
        if (!bits)
            return why_set(why, why_len, "mask: styles: unknown class \"%.*s\"", (int)(colon - p),
                           p);
        size_t sl = l - (size_t)(colon + 1 - p);
        rp_mask_style_t st;
        if (sl == 7 && memcmp(colon + 1, "partial", 7) == 0)
            st = RP_MASK_PARTIAL;
        else if (sl == 4 && memcmp(colon + 1, "hash", 4) == 0)
            st = RP_MASK_HASH;
        else if (sl == 6 && memcmp(colon + 1, "redact", 6) == 0)
            st = RP_MASK_REDACT;
        else
            return why_set(why, why_len, "mask: styles: \"%.*s\" is not partial, hash or redact",
                           (int)sl, colon + 1);
        if (st == RP_MASK_HASH && (bits >> RP_DC_COUNT))
            return why_set(why, why_len,
                           "mask: styles: names and addresses are masked partial or redact");
        for (int c = 1; c < RP_MASK_CLASS_COUNT; c++)
            if (bits & (1u << c))
                r->style[c] = st;
        if (!e)
            return 0;
        p = e + 1;
    }
}

int rp_mask_rule_parse(rp_mask_rule_t *r, char **w, int nw, char *why, size_t why_len)
{
    const char *usage = "usage: mask PREFIX [classes=LIST|all] [styles=CLASS:STYLE,...] "
                        "[roles-clear=R,...] [groups-clear=G,...] [names=KEY,...] "
                        "[addresses=KEY,...] [keys=KEY,...] [format=auto|json|text] | mask PREFIX "
                        "off";
    if (nw < 2)
        return why_set(why, why_len, "%s", usage);
    if (w[1][0] != '/' || strlen(w[1]) >= sizeof(r->prefix))
        return why_set(why, why_len, "mask: the prefix must start with '/' and be shorter than %zu",
                       sizeof(r->prefix));
    memset(r, 0, sizeof(*r));
    snprintf(r->prefix, sizeof(r->prefix), "%s", w[1]);
    r->prefix_len = strlen(r->prefix);
    r->classes = RP_DC_ALL;
    if (nw == 3 && strcmp(w[2], "off") == 0) {
        r->off = true;
        return 0;
    }
    for (int i = 2; i < nw; i++) {
        const char *eq = strchr(w[i], '=');
        if (!eq || !eq[1])
            return why_set(why, why_len, "mask: \"%s\": %s", w[i], usage);
        size_t kl = (size_t)(eq - w[i]);
        const char *v = eq + 1;
#define KEY(s) (kl == sizeof(s) - 1 && memcmp(w[i], s, kl) == 0)
        if (KEY("classes")) {
            if (strcmp(v, "all") == 0) {
                r->classes = RP_DC_ALL;
                continue;
            }
            r->classes = 0;
            for (const char *p = v;;) {
                const char *e = strchr(p, ',');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                unsigned b = class_bits(p, l);
                if (!b || (b >> RP_DC_COUNT))
                    return why_set(why, why_len,
                                   "mask: classes: unknown class \"%.*s\" (resident_id or id, "
                                   "mobile, landline or phone, bank_card or bankcard, uscc, "
                                   "passport, email, plate)",
                                   (int)l, p);
                r->classes |= b;
                if (!e)
                    break;
                p = e + 1;
            }
        } else if (KEY("styles")) {
            if (parse_styles(r, v, why, why_len) != 0)
                return -1;
        } else if (KEY("roles-clear")) {
            if (word_list(v, r->roles, RP_MASK_MAX_LIST, &r->nroles, "roles-clear", why, why_len) !=
                0)
                return -1;
        } else if (KEY("groups-clear")) {
            if (word_list(v, r->groups, RP_MASK_MAX_LIST, &r->ngroups, "groups-clear", why,
                          why_len) != 0)
                return -1;
            for (size_t g = 0; g < r->ngroups; g++)
                if (r->groups[g].name[0] != '/')
                    return why_set(why, why_len, "mask: groups-clear: \"%s\" must start with '/'",
                                   r->groups[g].name);
        } else if (KEY("names")) {
            if (word_list(v, r->names, RP_MASK_MAX_FIELDS, &r->nnames, "names", why, why_len))
                return -1;
        } else if (KEY("addresses")) {
            if (word_list(v, r->addresses, RP_MASK_MAX_FIELDS, &r->naddresses, "addresses", why,
                          why_len))
                return -1;
        } else if (KEY("keys")) {
            if (word_list(v, r->keys, RP_MASK_MAX_FIELDS, &r->nkeys, "keys", why, why_len))
                return -1;
        } else if (KEY("format")) {
            if (strcmp(v, "auto") == 0)
                r->format = RP_MASK_FORMAT_AUTO;
            else if (strcmp(v, "json") == 0)
                r->format = RP_MASK_FORMAT_JSON;
            else if (strcmp(v, "text") == 0)
                r->format = RP_MASK_FORMAT_TEXT;
            else
                return why_set(why, why_len, "mask: format must be auto, json or text, got \"%s\"",
                               v);
        } else {
            return why_set(why, why_len, "mask: unknown option \"%.*s\"", (int)kl, w[i]);
        }
#undef KEY
    }
    return 0;
}

static int read_hash_key(rp_mask_rules_t *m, const char *file, const char *dir, char *why,
                         size_t why_len)
{
    char path[PATH_MAX];
    if (file[0] == '/' || !dir)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return why_set(why, why_len, "mask_hash_key: cannot open \"%s\": %s", path,
                       strerror(errno));
    char line[256] = "";
    char *got = NULL;
    while ((got = fgets(line, sizeof(line), f)) && (line[0] == '#' || line[0] == '\n'))
        ;
    fclose(f);
    size_t n = got ? strcspn(line, "\r\n= \t") : 0;
    /* base64url, padding optional: 16 to 64 bytes of key */
    uint8_t key[64 + 3];
    size_t k = 0, bits = 0;
    unsigned acc = 0;
    for (size_t i = 0; i < n; i++) {
        char c = line[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        if (v < 0 || k >= sizeof(key))
            return why_set(why, why_len, "mask_hash_key: \"%s\" does not hold one base64url key",
                           path);
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            key[k++] = (uint8_t)(acc >> bits);
        }
    }
    if (k < 16 || k > 64)
        return why_set(why, why_len, "mask_hash_key: \"%s\": the key must be 16 to 64 bytes", path);
    memcpy(m->hash_key, key, k);
    m->hash_key_len = k;
    return 0;
}

int rp_mask_directive(rp_mask_rules_t **rules, char **w, int nw, const char *dir, char *why,
                      size_t why_len)
{
    rp_mask_rules_t *m = *rules;
    if (!m) {
        if (!(m = calloc(1, sizeof(*m))))
            return why_set(why, why_len, "out of memory");
        m->body_limit = 8u * 1024 * 1024;
        m->discovery_interval = 60;
        *rules = m;
    }
    const char *d = w[0];
    if (strcmp(d, "mask") == 0) {
        if (m->n == RP_MASK_MAX_RULES)
            return why_set(why, why_len, "more than %d mask rules", RP_MASK_MAX_RULES);
        rp_mask_rule_t r;
        if (rp_mask_rule_parse(&r, w, nw, why, why_len) != 0)
            return -1;
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->rules[i].prefix, r.prefix) == 0)
                return why_set(why, why_len, "mask %s: given twice", r.prefix);
        rp_mask_rule_t *g = realloc(m->rules, (m->n + 1) * sizeof(*g));
        if (!g)
            return why_set(why, why_len, "out of memory");
        m->rules = g;
        g[m->n++] = r;
        for (int c = 1; c < RP_MASK_CLASS_COUNT; c++)
            m->hash_used |= !r.off && r.style[c] == RP_MASK_HASH;
        return 0;
    }
    if (strcmp(d, "mask_body_limit") == 0) {
        if (nw < 2 || nw > 3 || rp_policy_parse_size(w[1], &m->body_limit) != 0 ||
            m->body_limit < 1024)
            return why_set(why, why_len,
                           "usage: mask_body_limit SIZE [pass|refuse] (SIZE at least 1k, e.g. 8m)");
        if (nw == 3 && strcmp(w[2], "pass") != 0 && strcmp(w[2], "refuse") != 0)
            return why_set(why, why_len, "mask_body_limit: \"%s\" is not pass or refuse", w[2]);
        m->over = nw == 3 && strcmp(w[2], "refuse") == 0 ? RP_MASK_OVER_REFUSE : RP_MASK_OVER_PASS;
        return 0;
    }
    if (strcmp(d, "mask_encoding") == 0) {
        if (nw != 2 || (strcmp(w[1], "recode") != 0 && strcmp(w[1], "identity") != 0))
            return why_set(why, why_len, "usage: mask_encoding recode|identity");
        m->gzip = strcmp(w[1], "identity") == 0 ? RP_MASK_GZIP_IDENTITY : RP_MASK_GZIP_RECODE;
        return 0;
    }
    if (strcmp(d, "mask_hash_key") == 0) {
        if (nw != 2)
            return why_set(why, why_len, "usage: mask_hash_key FILE");
        return read_hash_key(m, w[1], dir, why, why_len);
    }
    if (strcmp(d, "mask_discovery") == 0) {
        char *end;
        unsigned long v = nw == 2 ? strtoul(w[1], &end, 10) : 0;
        if (nw != 2 || end == w[1] || *end || v > 86400)
            return why_set(why, why_len, "usage: mask_discovery SECONDS (0 to 86400; 0 = off)");
        m->discovery_interval = (unsigned)v;
        return 0;
    }
    return why_set(why, why_len, "unknown directive \"%s\"", d);
}

int rp_mask_rules_check(const rp_mask_rules_t *m, char *why, size_t why_len)
{
    if (m && m->hash_used && m->hash_key_len == 0)
        return why_set(why, why_len,
                       "mask: a rule uses the hash style but the policy has no mask_hash_key");
    return 0;
}

void rp_mask_rules_free(rp_mask_rules_t *m)
{
    if (!m)
        return;
    free(m->rules);
    explicit_bzero(m->hash_key, sizeof(m->hash_key));
    free(m);
}

bool rp_mask_prefix_covers(const char *prefix, size_t pl, const char *path, size_t len)
{
    if (pl > len || memcmp(path, prefix, pl) != 0)
        return false;
    /* on a segment boundary: "/api" covers "/api/x", not "/apix" */
    return pl == len || prefix[pl - 1] == '/' || path[pl] == '/';
}

const rp_mask_rule_t *rp_mask_rule_for(const rp_mask_rules_t *m, const char *path, size_t len)
{
    const rp_mask_rule_t *best = NULL;
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n; i++) {
        const rp_mask_rule_t *r = &m->rules[i];
        if (rp_mask_prefix_covers(r->prefix, r->prefix_len, path, len) &&
            (!best || r->prefix_len > best->prefix_len))
            best = r;
    }
    return best && !best->off ? best : NULL;
}

/* Is word (len n) one of the comma-separated items of list? With
 * subtree, an item also matches a word below it ("/org" vs "/org/hr"). */
static bool in_list(const char *list, size_t list_len, const rp_mask_word_t *w, bool subtree)
{
    size_t i = 0;
    while (i <= list_len) {
        size_t j = i;
        while (j < list_len && list[j] != ',' &&
               !(list[j] == '%' && j + 2 < list_len && list[j + 1] == '2' &&
                 (list[j + 2] | 32) == 'c'))
            j++;
        size_t l = j - i;
        if (l == w->len && memcmp(list + i, w->name, l) == 0)
            return true;
        if (subtree && l > w->len && memcmp(list + i, w->name, w->len) == 0 &&
            (list[i + w->len] == '/' || w->name[w->len - 1] == '/'))
            return true;
        i = j + (j < list_len && list[j] == '%' ? 3 : 1);
    }
    return false;
}

bool rp_mask_viewer_clear(const rp_mask_rule_t *r, const char *roles, size_t roles_len,
                          const char *groups, size_t groups_len)
{
    char decoded[1024];
    for (size_t i = 0; roles && i < r->nroles; i++)
        if (in_list(roles, roles_len, &r->roles[i], false))
            return true;
    /* group paths arrive percent-encoded ("%2Forg%2Fhr"): decode once */
    if (!groups || groups_len >= sizeof(decoded))
        return false;
    size_t n = 0;
    for (size_t i = 0; i < groups_len; i++) {
        if (groups[i] == '%' && i + 2 < groups_len && (groups[i + 1] | 32) == '2' &&
            (groups[i + 2] | 32) == 'f') {
            decoded[n++] = '/';
            i += 2;
        } else {
            decoded[n++] = groups[i];
        }
    }
    for (size_t i = 0; i < r->ngroups; i++)
        if (in_list(decoded, n, &r->groups[i], true))
            return true;
    return false;
}
