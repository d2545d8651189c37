/*
 * fieldenc_policy.c — the "encrypt" directive (docs/POLICY.md, "Field
 * encryption"):
 *
 *     encrypt PREFIX key=APP/FIELD fields=[$.]PATH[:CLASS],... [roles-clear=R,...]
 *             [groups-clear=G,...] [styles=CLASS:STYLE,...]
 *     encrypt PREFIX off
 *
 * Who sees clear values and how the others' values are masked are read by
 * the "mask" directive's own parser, so both spell them alike.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldenc_t.h"

static int fe_why(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fe_why(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return -1;
}

static bool key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static int parse_key(rp_fe_rule_t *r, const char *v, char *why, size_t why_len)
{
    size_t n = strlen(v);
    const char *slash = strchr(v, '/');
    bool ok = slash && slash != v && slash[1] && n <= RP_ENVELOPE_KEY_ID;
    for (size_t i = 0; ok && i < n; i++)
        ok = v + i == slash || key_char(v[i]);
    if (!ok)
        return fe_why(why, why_len,
                      "encrypt: key: \"%s\" is not APP/FIELD (A-Z a-z 0-9 . _ -, at most %d "
                      "characters)",
                      v, RP_ENVELOPE_KEY_ID);
    memcpy(r->key, v, n + 1);
    memcpy(r->key_id, v, n + 1);
    r->key_id[slash - v] = ':';
    return 0;
}

/* A class word: the class names and the short forms "mask" accepts. */
static rp_data_class_t field_class(const char *w, size_t n)
{
    static const struct {
        const char *word;
        rp_data_class_t cls;
    } alias[] = {{"id", RP_DC_RESIDENT_ID},
                 {"phone", RP_DC_MOBILE},
                 {"bankcard", RP_DC_BANK_CARD},
                 {"card", RP_DC_BANK_CARD}};
    for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
        if (strlen(alias[i].word) == n && memcmp(alias[i].word, w, n) == 0)
            return alias[i].cls;
    return rp_data_class_from_name(w, n);
}

static int parse_fields(rp_fe_rule_t *r, const char *v, char *why, size_t why_len)
{
    for (const char *p = v;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        bool anchored = l > 2 && p[0] == '$' && p[1] == '.';
        if (anchored) {
            p += 2;
            l -= 2;
        }
        const char *colon = memchr(p, ':', l);
        size_t pl = colon ? (size_t)(colon - p) : l;
        if (pl == 0 || pl >= RP_FE_FIELD_MAX || p[0] == '.' || p[pl - 1] == '.')
            return fe_why(why, why_len,
                          "encrypt: fields: \"%.*s\" is not a field path (a.b.c, shorter than "
                          "%d)",
                          (int)l, p, RP_FE_FIELD_MAX);
        if (r->nfields == RP_FE_MAX_FIELDS)
            return fe_why(why, why_len, "encrypt: fields: more than %d fields", RP_FE_MAX_FIELDS);
        rp_fe_field_t *f = &r->fields[r->nfields];
        memcpy(f->path, p, pl);
        f->path[pl] = '\0';
        f->len = pl;
        f->cls = RP_DC_NONE;
        f->anchored = anchored;
        if (colon) {
            f->cls = field_class(colon + 1, l - pl - 1);
            if (f->cls == RP_DC_NONE)
                return fe_why(why, why_len,
                              "encrypt: fields: unknown class \"%.*s\" (resident_id or id, "
                              "mobile or phone, landline, bank_card or bankcard, uscc, passport, "
                              "email, plate)",
                              (int)(l - pl - 1), colon + 1);
        }
        for (size_t i = 0; i < r->nfields; i++)
            if (r->fields[i].len == pl && memcmp(r->fields[i].path, p, pl) == 0)
                return fe_why(why, why_len, "encrypt: fields: \"%s\" given twice", f->path);
        r->nfields++;
        if (!e)
            return 0;
        p = e + 1;
    }
}

static int parse_rule(rp_fe_rule_t *r, char **w, int nw, char *why, size_t why_len)
{
    const char *usage = "usage: encrypt PREFIX key=APP/FIELD fields=PATH[:CLASS],... "
                        "[roles-clear=R,...] [groups-clear=G,...] [styles=CLASS:STYLE,...] | "
                        "encrypt PREFIX off";
    memset(r, 0, sizeof(*r));
    if (nw < 3)
        return fe_why(why, why_len, "%s", usage);
    if (w[1][0] != '/' || strlen(w[1]) >= sizeof(r->prefix))
        return fe_why(why, why_len,
                      "encrypt: the prefix must start with '/' and be shorter than %zu",
                      sizeof(r->prefix));
    snprintf(r->prefix, sizeof(r->prefix), "%s", w[1]);
    r->prefix_len = strlen(r->prefix);
    if (nw == 3 && strcmp(w[2], "off") == 0) {
        r->off = true;
        return 0;
    }
    /* the viewing options go to the mask parser as "mask PREFIX ..." */
    char *view[40];
    int nview = 0;
    view[nview++] = "mask";
    view[nview++] = w[1];
    for (int i = 2; i < nw; i++) {
        const char *eq = strchr(w[i], '=');
        if (!eq || !eq[1])
            return fe_why(why, why_len, "encrypt: \"%s\": %s", w[i], usage);
        size_t kl = (size_t)(eq - w[i]);
        if (kl == 3 && memcmp(w[i], "key", 3) == 0) {
            if (parse_key(r, eq + 1, why, why_len) != 0)
                return -1;
        } else if (kl == 6 && memcmp(w[i], "fields", 6) == 0) {
            if (parse_fields(r, eq + 1, why, why_len) != 0)
                return -1;
        } else if ((kl == 11 && memcmp(w[i], "roles-clear", 11) == 0) ||
                   (kl == 12 && memcmp(w[i], "groups-clear", 12) == 0) ||
                   (kl == 6 && memcmp(w[i], "styles", 6) == 0)) {
            if (nview == (int)(sizeof(view) / sizeof(view[0])))
                return fe_why(why, why_len, "encrypt: too many options");
            view[nview++] = w[i];
        } else {
            return fe_why(why, why_len, "encrypt: unknown option \"%.*s\"", (int)kl, w[i]);
        }
    }
    if (!r->key[0])
        return fe_why(why, why_len, "encrypt %s: key=APP/FIELD is required", r->prefix);
    if (!r->nfields)
        return fe_why(why, why_len, "encrypt %s: fields=PATH,... is required", r->prefix);
    char mwhy[256];
    if (rp_mask_rule_parse(&r->view, view, nview, mwhy, sizeof(mwhy)) != 0)
        return fe_why(why, why_len, "encrypt: %s", strncmp(mwhy, "mask: ", 6) ? mwhy : mwhy + 6);
    return 0;
}

int rp_fe_directive(rp_fe_rules_t **rules, char **w, int nw, char *why, size_t why_len)
{
    rp_fe_rules_t *m = *rules;
    if (!m) {
        if (!(m = calloc(1, sizeof(*m))))
            return fe_why(why, why_len, "out of memory");
        *rules = m;
    }
    if (m->n == RP_FE_MAX_RULES)
        return fe_why(why, why_len, "more than %d encrypt rules", RP_FE_MAX_RULES);
    rp_fe_rule_t r;
    if (parse_rule(&r, w, nw, why, why_len) != 0)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->rules[i].prefix, r.prefix) == 0)
            return fe_why(why, why_len, "encrypt %s: given twice", r.prefix);
    rp_fe_rule_t *g = realloc(m->rules, (m->n + 1) * sizeof(*g));
    if (!g)
        return fe_why(why, why_len, "out of memory");
    m->rules = g;
    g[m->n++] = r;
    for (size_t f = 0; !r.off && f < r.nfields; f++)
        m->hash_used |= r.view.style[r.fields[f].cls] == RP_MASK_HASH;
    return 0;
}

int rp_fe_rules_check(const rp_fe_rules_t *rules, const rp_mask_rules_t *masks, char *why,
                      size_t why_len)
{
    if (rules && rules->hash_used && (!masks || masks->hash_key_len == 0))
        return fe_why(why, why_len,
                      "encrypt: a rule masks with the hash style but the policy has no "
                      "mask_hash_key");
    return 0;
}

void rp_fe_rules_free(rp_fe_rules_t *rules)
{
    if (!rules)
        return;
    free(rules->rules);
    free(rules);
}

const rp_fe_rule_t *rp_fe_rule_for(const rp_fe_rules_t *m, const char *path, size_t len)
{
    const rp_fe_rule_t *best = NULL;
    for (size_t i = 0; m && i < m->n; i++) {
        const rp_fe_rule_t *r = &m->rules[i];
        /* longest prefix on segment boundaries, as "mask" matches */
        if (rp_mask_prefix_covers(r->prefix, r->prefix_len, path, len) &&
            (!best || r->prefix_len > best->prefix_len))
            best = r;
    }
    return best && !best->off ? best : NULL;
}

int rp_fe_field_index(const rp_fe_rule_t *rule, const char *path, size_t len)
{
    /* form names "a[b][c]" are the path "a.b.c" */
    char norm[RP_FE_FIELD_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = path[i];
        if (c == ']' && (i + 1 == len || path[i + 1] == '['))
            continue;
        if (n == sizeof(norm))
            return -1;
        norm[n++] = c == '[' ? '.' : c;
    }
    for (size_t i = 0; i < rule->nfields; i++) {
        const rp_fe_field_t *f = &rule->fields[i];
        if (f->len > n || memcmp(f->path, norm + n - f->len, f->len) != 0)
            continue;
        if (f->len == n || (!f->anchored && norm[n - f->len - 1] == '.'))
            return (int)i;
    }
    return -1;
}
