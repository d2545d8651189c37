/*
 * rules_macro.c — %{...} macro expansion in msg, logdata, setvar values and
 * dynamic operator parameters.
 *
 * ModSecurity's grammar: %{VARIABLE} or %{COLLECTION.name}, names
 * case-insensitive (%{tx.score} and %{TX.score} are the same). A macro
 * that names nothing expands to the empty string, as in ModSecurity v3;
 * text that only looks like a macro ("%{" without "}") stays as written.
 */
#include <string.h>

#include "rules.h"

const char *rl_expand(rl_state_t *st, const char *text, size_t *len)
{
    size_t n = strlen(text);
    const char *m = memchr(text, '%', n) ? strstr(text, "%{") : NULL;
    if (!m) {
        *len = n;
        return text;
    }
    /* the whole text one macro ("%{tx.critical_anomaly_score}"): no copy */
    if (m == text && text[n - 1] == '}' && !memchr(text + 2, '%', n - 2)) {
        const char *v;
        size_t vl;
        if (!rl_var_value(st, text + 2, n - 3, &v, &vl)) {
            *len = 0;
            return "";
        }
        if (v[vl] == '\0') { /* callers may read it as a C string */
            *len = vl;
            return v;
        }
    }
    rp_abuf_t b;
    rp_abuf_init(&b, st->arena);
    const char *p = text;
    while (m) {
        const char *end = strchr(m + 2, '}');
        if (!end)
            break;
        rp_abuf_append(&b, p, (size_t)(m - p));
        const char *v;
        size_t vl;
        if (rl_var_value(st, m + 2, (size_t)(end - m - 2), &v, &vl))
            rp_abuf_append(&b, v, vl);
        p = end + 1;
        m = strstr(p, "%{");
    }
    rp_abuf_append(&b, p, strlen(p));
    if (!b.data) {
        *len = 0;
        return "";
    }
    *len = b.len;
    return b.data;
}
