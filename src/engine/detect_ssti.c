/*
 * detect_ssti.c — rp_detect_ssti(): does this value hold an expression a
 * server-side template engine, expression language, include processor or
 * logging lookup would evaluate?
 *
 * Three families, one question ("would the server run this?"):
 *
 *   expressions in template delimiters
 *       {{ }} Jinja2, Twig, Handlebars, Angular    ${ } JSP/Spring EL,
 *       FreeMarker, Thymeleaf, Groovy, Mako        #{ } *{ } Thymeleaf, JSF,
 *       Ruby, Spring SpEL                          %{ } Struts OGNL
 *       <% %> ERB, JSP, ASP, EJS                   @( ) Razor
 *       <?php ?> <?= ?> PHP
 *       {% %} Jinja2/Twig statements
 *     count only when the inside is an expression, not a placeholder:
 *     arithmetic on numbers ({{7*7}}, ${1337*1338}), a call (system('id'),
 *     T(java.lang.Runtime)), a dunder attribute (__class__), an index by
 *     string (['os']), or one of the objects SSTI payloads reach for
 *     (config, self, request, _self, pageContext, getClass, constructor...).
 *     "{{ user.name }}" or "${total}" in a value is a placeholder and stays
 *     clean.
 *   template directives
 *       FreeMarker <#assign ...>, [#assign], ?new(), ?api
 *       Velocity #set( #foreach( #evaluate( $x.getClass(
 *       Smarty {php} {$smarty. {system(
 *       server-side includes <!--#exec --> <!--#include -->, ESI <esi:include>
 *   Log4j lookups: ${jndi:...} after resolving the nested lookups attackers
 *     hide it in (${${lower:j}ndi:, ${${::-j}${::-n}di:, ${env:X:-j}), and
 *     the lookups that read secrets (${env:...}, ${sys:...}, ${java:...}).
 *
 * Pure, allocation-free and linear: every construct is judged in a bounded
 * window after its opening delimiter.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

#define WINDOW      512 /* how far an expression is looked at */
#define LOOKUP_OUT  256 /* resolved Log4j lookup text kept */
#define LOOKUP_DEEP 8   /* nesting of Log4j lookups followed */

/* ---- expression judgement ------------------------------------------------ */

static const char *const reached_for[] = {
    "config",
    "self",
    "_self",
    "request",
    "settings",
    "application",
    "pageContext",
    "applicationScope",
    "sessionScope",
    "requestScope",
    "getClass",
    "forName",
    "constructor",
    "Runtime",
    "ProcessBuilder",
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed_messages",
    "__builtins__",
    "freemarker",
    "java",
    "javax",
    "exec",
    "popen",
    "system",
    "eval",
    "subprocess",
    "_context",
    "getRuntime",
    "ScriptEngineManager",
    "MethodUtils",
    "ClassLoader",
    NULL,
};

static bool ident_start(unsigned char c)
{
    return du_is_alpha(c) || c == '_';
}

/* Is the text between delimiters an expression a payload would write? */
static bool expression_like(const char *c, size_t m, const char **why)
{
    size_t i = 0;

    if (m > WINDOW) {
        m = WINDOW;
    }
    while (i < m) {
        unsigned char ch = (unsigned char)c[i];
        /* arithmetic on literals: 7*7, 7 * '7', 1337*1338 */
        if (du_is_digit(ch) || ch == '\'' || ch == '"') {
            size_t j = i;
            bool d1 = false, d2 = false;
            while (j < m && (du_is_digit((unsigned char)c[j]) || c[j] == '\'' || c[j] == '"')) {
                d1 |= du_is_digit((unsigned char)c[j]);
                j++;
            }
            while (j < m && c[j] == ' ') {
                j++;
            }
            if (j < m && (c[j] == '*' || c[j] == '+' || c[j] == '/' || c[j] == '%') &&
                (i == 0 || !du_is_ident((unsigned char)c[i - 1]))) {
                j++;
                while (j < m && c[j] == ' ') {
                    j++;
                }
                while (j < m && (du_is_digit((unsigned char)c[j]) || c[j] == '\'' || c[j] == '"')) {
                    d2 |= du_is_digit((unsigned char)c[j]);
                    j++;
                }
                if (d1 && d2) {
                    *why = "math";
                    return true;
                }
            }
            i = j > i ? j : i + 1;
            continue;
        }
        if (ch == '_' && i + 1 < m && c[i + 1] == '_' && i + 2 < m &&
            du_is_alpha((unsigned char)c[i + 2])) {
            size_t j = i + 2;
            while (j < m && du_is_alpha((unsigned char)c[j])) {
                j++;
            }
            if (j + 1 < m && c[j] == '_' && c[j + 1] == '_') {
                *why = "dunder";
                return true;
            }
        }
        if (ch == '[') {
            size_t j = i + 1;
            while (j < m && c[j] == ' ') {
                j++;
            }
            if (j < m && (c[j] == '\'' || c[j] == '"')) {
                *why = "index";
                return true;
            }
        }
        if (ident_start(ch) && (i == 0 || !du_is_ident((unsigned char)c[i - 1]))) {
            size_t j = i, k;
            const char *const *w;
            while (j < m && du_is_ident((unsigned char)c[j])) {
                j++;
            }
            for (k = j; k < m && c[k] == ' '; k++) {
            }
            if (k < m && c[k] == '(') {
                *why = "call";
                return true;
            }
            for (w = reached_for; *w; w++) {
                if (strlen(*w) == j - i && memcmp(*w, c + i, j - i) == 0) {
                    *why = "object";
                    return true;
                }
            }
            i = j;
            continue;
        }
        i++;
    }
    return false;
}

/* The next occurrence of a closing delimiter at or after a position,
 * found lazily: the search only ever moves forward, so finding the closer
 * of every opener in a value costs one pass over it. */
typedef struct {
    const char *lit;
    size_t len;
    size_t pos;     /* last occurrence found (n: none left) */
    size_t scanned; /* searched up to here */
    size_t judged;  /* content before this was already judged */
} closer_t;

static size_t next_closer(const char *s, size_t n, closer_t *c, size_t from)
{
    size_t k;

    if (c->pos >= from && c->scanned > 0) {
        return c->pos;
    }
    k = from > c->scanned ? from : c->scanned;
    for (; k + c->len <= n; k++) {
        if (s[k] == c->lit[0] && memcmp(s + k, c->lit, c->len) == 0) {
            c->pos = k;
            c->scanned = k + 1;
            return k;
        }
    }
    c->pos = n;
    c->scanned = n;
    return n;
}

/* The content between an opener ending at `from` and its closer, if the
 * closer is near enough and this content was not already judged as part of
 * an earlier opener's: returns its length, or SIZE_MAX. */
static size_t content_len(const char *s, size_t n, closer_t *c, size_t from)
{
    size_t e = next_closer(s, n, c, from);

    if (e >= n || e - from > WINDOW || from < c->judged) {
        return SIZE_MAX;
    }
    c->judged = e;
    return e - from;
}

/* ---- Log4j lookups -------------------------------------------------------- */

typedef struct {
    char buf[LOOKUP_OUT];
    size_t len;
} lbuf_t;

static void lb_put(lbuf_t *b, const char *s, size_t n)
{
    size_t room = sizeof(b->buf) - b->len;
    if (n > room) {
        n = room;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

/* Resolves the lookup whose "${" ends at s[*i]: appends its value to out
 * and leaves *i after its "}". Returns false if it is not closed within the
 * window. */
static bool resolve_lookup(const char *s, size_t n, size_t *i, int depth, lbuf_t *out)
{
    lbuf_t in = {{0}, 0};
    size_t start = *i;

    while (*i < n && *i - start < 4 * WINDOW) {
        unsigned char c = (unsigned char)s[*i];
        if (c == '$' && *i + 1 < n && s[*i + 1] == '{' && depth < LOOKUP_DEEP) {
            *i += 2;
            if (!resolve_lookup(s, n, i, depth + 1, &in)) {
                return false;
            }
            continue;
        }
        if (c == '}') {
            (*i)++;
            /* the lookup's value */
            const char *v = in.buf;
            size_t vl = in.len, k;
            if (du_prefix_ci(v, vl, "lower:") || du_prefix_ci(v, vl, "upper:")) {
                bool up = du_lower((unsigned char)v[0]) == 'u';
                for (k = 6; k < vl; k++) {
                    char ch =
                        (char)(up ? (unsigned char)(v[k] >= 'a' && v[k] <= 'z' ? v[k] - 32 : v[k])
                                  : du_lower((unsigned char)v[k]));
                    lb_put(out, &ch, 1);
                }
                return true;
            }
            for (k = 0; k + 1 < vl; k++) {
                if (v[k] == ':' && v[k + 1] == '-') {
                    lb_put(out, v + k + 2, vl - k - 2); /* ${x:-default} */
                    return true;
                }
            }
            if (du_prefix_ci(v, vl, "date:")) {
                for (k = 5; k < vl; k++) {
                    if (v[k] != '\'') {
                        lb_put(out, v + k, 1);
                    }
                }
                return true;
            }
            lb_put(out, "${", 2);
            lb_put(out, v, vl);
            lb_put(out, "}", 1);
            return true;
        }
        lb_put(&in, s + *i, 1);
        (*i)++;
    }
    return false;
}

static const char *const lookup_names[] = {
    "jndi:", "env:",    "sys:",    "java:",   "ctx:",   "main:",       "bundle:",
    "k8s:",  "docker:", "spring:", "web:",    "log4j:", "jvmrunargs:", "sd:",
    "map:",  "marker:", "event:",  "base64:", NULL,
};

/* At "${" (s[i]): a Log4j lookup? */
static bool log4j_lookup(const char *s, size_t n, size_t i, size_t *end, const char **fp)
{
    lbuf_t out = {{0}, 0};
    size_t j = i + 2;
    const char *const *ln;

    if (!resolve_lookup(s, n, &j, 1, &out)) {
        return false;
    }
    *end = j;
    /* out is "${...}" when the outer lookup was not one that rewrites. */
    if (out.len > 2 && out.buf[0] == '$' && out.buf[1] == '{') {
        for (ln = lookup_names; *ln; ln++) {
            if (du_prefix_ci(out.buf + 2, out.len - 2, *ln)) {
                *fp = ln == lookup_names ? "jndi" : "lookup";
                return true;
            }
        }
    }
    return false;
}

/* ---- directives ------------------------------------------------------------ */

static bool word_in(const char *s, size_t n, const char *const *list, size_t *wl)
{
    for (; *list; list++) {
        size_t l = strlen(*list);
        if (l <= n && du_prefix_ci(s, n, *list) && (l == n || !du_is_alnum((unsigned char)s[l]))) {
            *wl = l;
            return true;
        }
    }
    return false;
}

static const char *const ftl_directives[] = {
    "assign",  "list",   "if",    "include", "import", "macro",   "function", "setting",
    "attempt", "global", "local", "ftl",     "visit",  "recurse", "noparse",  NULL,
};

static const char *const ssi_directives[] = {
    "exec",  "include",  "echo", "config", "set",       "printenv",
    "fsize", "flastmod", "if",   "elif",   "spinclude", NULL,
};

static const char *const esi_tags[] = {
    "include", "vars", "eval", "choose", "inline", "remove", "try", "debug", "assign", NULL,
};

static const char *const jinja_statements[] = {
    "for",  "if",   "set",  "import", "include", "extends", "block", "macro", "print",
    "with", "from", "call", "filter", "do",      "load",    "debug", NULL,
};

static const char *const velocity_directives[] = {
    "set(", "foreach(", "evaluate(", "include(", "parse(", "define(", "macro(", NULL,
};

static const char *const smarty_calls[] = {
    "php}",      "$smarty.",           "system(",         "exec(",
    "passthru(", "shell_exec(",        "popen(",          "eval(",
    "assert(",   "file_get_contents(", "Smarty_Internal", "include file=",
    NULL,
};

static const char *const member_calls[] = {
    "getClass(",  "forName(",     "getRuntime(", "inspect(",
    "getMethod(", "newInstance(", "invoke(",     NULL,
};

/* ---- scanner ---------------------------------------------------------------- */

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "ssti:", fp, strlen(fp), off, len);
    return true;
}

/* Bytes that can open a construct; a value without any is skipped. */
static bool worth_scanning(const char *s, size_t n)
{
    return memchr(s, '{', n) || memchr(s, '<', n) || memchr(s, '#', n) || memchr(s, '?', n) ||
           memchr(s, '@', n) || memchr(s, '$', n) || memchr(s, '[', n);
}

bool rp_detect_ssti(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i, e, wl, m, lookups = 0;
    const char *why = NULL;
    closer_t brace = {"}", 1, 0, 0, 0}, brace2 = {"}}", 2, 0, 0, 0}, paren = {")", 1, 0, 0, 0},
             pct = {"%>", 2, 0, 0, 0}, stmt = {"%}", 2, 0, 0, 0};
    closer_t lookup_brace = {"}", 1, 0, 0, 0};

    if (!s || n < 3 || !worth_scanning(s, n)) {
        return false;
    }
    for (i = 0; i + 2 < n; i++) {
        unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];
        switch (c) {
        case '$':
            if (d == '{') {
                const char *fp = NULL;
                /* Lookups are resolved only where a '}' follows, and a
                 * bounded number of times per value. */
                if (lookups < 256 && next_closer(s, n, &lookup_brace, i + 2) < n) {
                    lookups++;
                    if (log4j_lookup(s, n, i, &e, &fp)) {
                        return hit(out, fp, i, e - i);
                    }
                }
                m = content_len(s, n, &brace, i + 2);
                if (m != SIZE_MAX && expression_like(s + i + 2, m, &why)) {
                    return hit(out, why, i, m + 3);
                }
            } else if (ident_start(d)) {
                /* Velocity: $x.getClass().forName(...), $class.inspect(...) */
                size_t j = i + 1;
                while (j < n && j < i + 64 && du_is_ident((unsigned char)s[j])) {
                    j++;
                }
                if (j + 1 < n && s[j] == '.' && word_in(s + j + 1, n - j - 1, member_calls, &wl)) {
                    return hit(out, "velocity", i, j + 1 + wl - i);
                }
            }
            break;
        case '{':
            if (d == '{') {
                m = content_len(s, n, &brace2, i + 2);
                if (m != SIZE_MAX && expression_like(s + i + 2, m, &why)) {
                    return hit(out, why, i, m + 4);
                }
            } else if (d == '%') {
                size_t j = i + 2;
                while (j < n && j < i + 8 && (s[j] == ' ' || s[j] == '-' || s[j] == '+')) {
                    j++;
                }
                if (word_in(s + j, n - j, jinja_statements, &wl)) {
                    e = next_closer(s, n, &stmt, j);
                    if (e < n && e - j <= WINDOW) {
                        return hit(out, "jinja", i, e + 2 - i);
                    }
                }
            } else {
                for (const char *const *w = smarty_calls; *w; w++) {
                    if (du_prefix(s + i + 1, n - i - 1, *w)) {
                        return hit(out, "smarty", i, strlen(*w) + 1);
                    }
                }
            }
            break;
        case '#':
        case '*':
        case '%':
            if (d == '{') {
                m = content_len(s, n, &brace, i + 2);
                if (m != SIZE_MAX && expression_like(s + i + 2, m, &why)) {
                    return hit(out, why, i, m + 3);
                }
            } else if (c == '#' && du_is_alpha(d) &&
                       (i == 0 || !du_is_ident((unsigned char)s[i - 1]))) {
                if (word_in(s + i + 1, n - i - 1, velocity_directives, &wl)) {
                    return hit(out, "velocity", i, wl + 1);
                }
            }
            break;
        case '@':
            /* Razor "@(7*7)"; a call is not enough here: "@(zhang(at)x.cn)"
             * is how people hide an address in prose */
            if (d == '(') {
                m = content_len(s, n, &paren, i + 2);
                if (m != SIZE_MAX && expression_like(s + i + 2, m, &why) &&
                    strcmp(why, "call") != 0) {
                    return hit(out, why, i, m + 3);
                }
            }
            break;
        case '<':
            if (d == '%') {
                /* <%= expr %>, <% code %>, <%@ directive %>, <%! decl %> */
                size_t j = i + 2;
                if (s[j] == '=' || s[j] == '-' || s[j] == '@' || s[j] == '!' || s[j] == '#') {
                    j++;
                }
                m = content_len(s, n, &pct, j);
                if (m != SIZE_MAX && expression_like(s + j, m, &why)) {
                    return hit(out, why, i, j + m + 2 - i);
                }
            } else if (d == '?' && (du_prefix_ci(s + i + 2, n - i - 2, "php") || s[i + 2] == '=')) {
                /* <?php code ?>, <?= expr ?>: PHP's own template tags */
                size_t j = i + (s[i + 2] == '=' ? 3 : 5);
                size_t lim = n - j < WINDOW ? n - j : WINDOW;
                if (j <= n && (expression_like(s + j, lim, &why) || memchr(s + j, '`', lim) ||
                               du_find_ci(s + j, lim, "$_") < lim)) {
                    return hit(out, "php", i, j - i);
                }
            } else if (d == '#' || (d == '/' && s[i + 2] == '#')) {
                size_t j = i + (d == '#' ? 2 : 3);
                if (word_in(s + j, n - j, ftl_directives, &wl)) {
                    return hit(out, "freemarker", i, j + wl - i);
                }
            } else if (d == '!' && i + 4 < n && s[i + 2] == '-' && s[i + 3] == '-' &&
                       s[i + 4] == '#') {
                size_t j = i + 5;
                if (word_in(s + j, n - j, ssi_directives, &wl)) {
                    return hit(out, "ssi", i, j + wl - i);
                }
            } else if ((d == 'e' || d == 'E') && du_prefix_ci(s + i + 1, n - i - 1, "esi:")) {
                size_t j = i + 5;
                if (word_in(s + j, n - j, esi_tags, &wl)) {
                    return hit(out, "esi", i, j + wl - i);
                }
            }
            break;
        case '[':
            if (d == '#' && word_in(s + i + 2, n - i - 2, ftl_directives, &wl)) {
                return hit(out, "freemarker", i, wl + 2);
            }
            break;
        case '?':
            /* FreeMarker built-ins that instantiate or reach the API */
            if ((du_prefix(s + i + 1, n - i - 1, "new(") ||
                 du_prefix(s + i + 1, n - i - 1, "api.") ||
                 du_prefix(s + i + 1, n - i - 1, "eval")) &&
                i > 0 &&
                (du_is_ident((unsigned char)s[i - 1]) || s[i - 1] == '"' || s[i - 1] == ')' ||
                 s[i - 1] == '\'')) {
                return hit(out, "freemarker", i, 4);
            }
            break;
        default:
            break;
        }
    }
    return false;
}
