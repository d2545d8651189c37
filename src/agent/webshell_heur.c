/*
 * webshell_heur.c — webshell heuristics (see webshell_heur.h). The traits
 * follow what webshell analyses (NeoPI's entropy and longest-word tests,
 * the eval-of-decoded chains of PHP and JSP shells, dropped scripts in
 * upload directories) found to separate shells from ordinary code:
 *
 *   eval_of_decoded  3  an evaluator (eval, assert, create_function, exec,
 *                       compile, Execute) applied to decoded data: a decoder
 *                       call inside its argument, or a variable assigned
 *                       from a decoder; or a Java class defined from
 *                       bytes (defineClass) next to a decoder
 *   upload_script    3  a script in an upload directory, created within 7 days
 *   hidden_names     2  a decoder or evaluator name as a string literal,
 *                       whole or glued from pieces ('ba'.'se64_decode')
 *   char_codes       2  a name built from 8+ chr() calls in one line
 *   escaped_bytes    1  16+ \xNN escapes in one line
 *   variable_call    1  a PHP call through a variable: $f(...)
 *   encoded_blob     1  a base64 run of 1,024+ characters with entropy >= 5.5
 *   long_line        1  a line of 4,096+ characters
 *   high_entropy     1  the whole file (2 KiB+) at >= 5.8 bits per byte
 */
#include "webshell_heur.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RECENT_S (7 * 86400)

static const char *const decoders[] = {
    "base64_decode", "gzinflate",        "gzuncompress",        "gzdecode",     "str_rot13",
    "strrev",        "hex2bin",          "convert_uudecode",    "b64decode",    "decompress",
    "unhexlify",     "FromBase64String", "getDecoder().decode", "decodeBuffer", NULL};
static const char *const evaluators[] = {"eval",    "assert", "create_function", "exec", "compile",
                                         "Execute", NULL};

static void add(webshell_heur_t *h, const char *trait, int weight)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->traits[i], trait) == 0)
            return;
    if (h->n == WEBSHELL_HEUR_TRAITS)
        return; /* there are fewer traits than room: not reached */
    h->traits[h->n++] = trait;
    h->score += weight;
}

static int is_ident(int c)
{
    return isalnum(c) || c == '_';
}

/* The next occurrence of word in [p, end), or NULL. */
static const char *find_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    for (; p + n <= end; p++)
        if (*p == *word && memcmp(p, word, n) == 0)
            return p;
    return NULL;
}

static int starts_word(const char *data, const char *p)
{
    return p == data ||
           !(is_ident((unsigned char)p[-1]) || p[-1] == '$' || p[-1] == '>' || p[-1] == ':' ||
             (p[-1] == '.' && p - data >= 2 && p[-2] != '\'' && p[-2] != '"'));
}

/* The argument text of a call at p (the name's end): from '(' to the
 * matching ')' or at most 512 bytes. */
static size_t call_args(const char *p, const char *end, const char **args)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p != '(')
        return 0;
    int depth = 0;
    const char *q = p;
    for (; q < end && q - p < 512; q++) {
        depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
        if (depth == 0)
            break;
    }
    *args = p + 1;
    return (size_t)(q - p - 1 + (q < end && depth ? 1 : 0));
}

static int has_decoder(const char *p, size_t n)
{
    for (const char *const *d = decoders; *d; d++)
        if (find_word(p, p + n, *d))
            return 1;
    return 0;
}

/* Variables ($x, x) assigned from a decoder: "$x = base64_decode(" */
#define MAX_TAINTED 16
typedef struct {
    char name[MAX_TAINTED][32];
    int n;
} tainted_t;

static void note_tainted(const char *data, size_t len, tainted_t *t)
{
    const char *end = data + len;
    for (const char *p = data; p < end && t->n < MAX_TAINTED; p++) {
        if (*p != '=' || (p + 1 < end && p[1] == '=') || (p > data && strchr("=!<>", p[-1])))
            continue;
        /* the right side up to the end of the statement or line */
        const char *r = p + 1, *stop = r;
        while (stop < end && *stop != ';' && *stop != '\n' && stop - r < 512)
            stop++;
        if (!has_decoder(r, (size_t)(stop - r)))
            continue;
        /* the left side: the identifier just before '=' */
        const char *l = p;
        while (l > data && (l[-1] == ' ' || l[-1] == '\t'))
            l--;
        const char *name_end = l;
        while (l > data && is_ident((unsigned char)l[-1]))
            l--;
        size_t nl = (size_t)(name_end - l);
        if (nl == 0 || nl >= sizeof(t->name[0]))
            continue;
        memcpy(t->name[t->n], l, nl);
        t->name[t->n][nl] = '\0';
        t->n++;
    }
}

static int uses_tainted(const char *args, size_t n, const tainted_t *t)
{
    for (int i = 0; i < t->n; i++) {
        size_t nl = strlen(t->name[i]);
        for (const char *p = args; p + nl <= args + n; p++)
            if (memcmp(p, t->name[i], nl) == 0 && !is_ident((unsigned char)p[nl]) &&
                (p == args || !is_ident((unsigned char)p[-1])))
                return 1;
    }
    return 0;
}

static int eval_of_decoded(const char *data, size_t len)
{
    /* JSP "memory shells": a ClassLoader defining a class from decoded
     * request bytes */
    if (find_word(data, data + len, "defineClass") && has_decoder(data, len))
        return 1;
    tainted_t t = {.n = 0};
    note_tainted(data, len, &t);
    const char *end = data + len;
    for (const char *const *e = evaluators; *e; e++) {
        size_t n = strlen(*e);
        for (const char *p = find_word(data, end, *e); p; p = find_word(p + 1, end, *e)) {
            if (!starts_word(data, p) || (p + n < end && is_ident((unsigned char)p[n])))
                continue;
            const char *args;
            size_t an = call_args(p + n, end, &args);
            if (an && (has_decoder(args, an) || uses_tainted(args, an, &t)))
                return 1;
        }
    }
    return 0;
}

/* The text with string concatenations removed ('a'.'b' → 'ab', "a" + "b"
 * → "ab"), then a decoder or evaluator name quoted on its own. */
static int hidden_names(const char *data, size_t len)
{
    char *glued = malloc(len + 1);
    if (!glued)
        return 0;
    const char *end = data + len;
    size_t g = 0;
    for (const char *p = data; p < end; p++) {
        if ((*p == '\'' || *p == '"')) {
            const char *q = p + 1;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (q < end && (*q == '.' || *q == '+')) {
                q++;
                while (q < end && (*q == ' ' || *q == '\t'))
                    q++;
                if (q < end && (*q == '\'' || *q == '"')) {
                    p = q; /* skip the closing quote, the operator and the opening quote */
                    continue;
                }
            }
        }
        glued[g++] = *p ? *p : ' ';
    }
    glued[g] = '\0';
    int found = 0;
    const char *const *lists[] = {decoders, evaluators};
    for (int l = 0; l < 2 && !found; l++)
        for (const char *const *w = lists[l]; *w; w++) {
            size_t n = strlen(*w);
            if (n < 4 || strcmp(*w, "exec") == 0 || strcmp(*w, "compile") == 0 ||
                strcmp(*w, "eval") == 0)
                continue; /* too common as ordinary strings */
            for (const char *p = glued; !found && (p = strstr(p, *w)); p++)
                found =
                    p > glued && (p[-1] == '\'' || p[-1] == '"') && (p[n] == '\'' || p[n] == '"');
        }
    free(glued);
    return found;
}

static int count_in_line(const char *line, size_t n, const char *needle)
{
    int c = 0;
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(line + i, needle, k) == 0)
            c++;
    return c;
}

static double entropy(const unsigned char *p, size_t n)
{
    if (!n)
        return 0;
    size_t counts[256] = {0};
    for (size_t i = 0; i < n; i++)
        counts[p[i]]++;
    double h = 0;
    for (int i = 0; i < 256; i++)
        if (counts[i]) {
            double f = (double)counts[i] / (double)n;
            h -= f * log2(f);
        }
    return h;
}

static int is_b64(int c)
{
    return isalnum(c) || c == '+' || c == '/' || c == '=';
}

int webshell_in_upload_dir(const char *path)
{
    static const char *const names[] = {"upload",    "uploads", "attachment", "attachments",
                                        "userfiles", "files",   "images",     "img",
                                        "media",     NULL};
    const char *last = strrchr(path, '/');
    for (const char *p = path; p && p < last; p = strchr(p + 1, '/')) {
        const char *seg = p + 1, *seg_end = strchr(seg, '/');
        size_t n = (size_t)(seg_end - seg);
        for (const char *const *w = names; *w; w++)
            if (strlen(*w) == n && strncasecmp(seg, *w, n) == 0)
                return 1;
    }
    return 0;
}

int webshell_heuristics(const char *data, size_t len, const char *path, int64_t age_s,
                        webshell_heur_t *h)
{
    memset(h, 0, sizeof(*h));
    h->entropy = entropy((const unsigned char *)data, len);
    if (eval_of_decoded(data, len))
        add(h, "eval_of_decoded", 3);
    if (path && webshell_in_upload_dir(path) && age_s >= 0 && age_s <= RECENT_S)
        add(h, "upload_script", 3);
    if (hidden_names(data, len))
        add(h, "hidden_names", 2);
    const char *end = data + len;
    for (const char *line = data; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (n > h->longest_line)
            h->longest_line = n;
        if (count_in_line(line, n, "chr(") >= 8)
            add(h, "char_codes", 2);
        if (count_in_line(line, n, "\\x") >= 16)
            add(h, "escaped_bytes", 1);
        line += n + 1;
    }
    for (const char *p = data; p < end;) {
        if (!is_b64((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *q = p;
        while (q < end && is_b64((unsigned char)*q))
            q++;
        if (q - p >= 1024 && entropy((const unsigned char *)p, (size_t)(q - p)) >= 5.5)
            add(h, "encoded_blob", 1);
        p = q;
    }
    /* $f( or @$f( : a function chosen at run time */
    for (const char *p = data; p + 2 < end; p++) {
        if (*p != '$' || !(isalpha((unsigned char)p[1]) || p[1] == '_'))
            continue;
        const char *q = p + 1;
        while (q < end && is_ident((unsigned char)*q))
            q++;
        if (q < end && *q == '(' && (p == data || !is_ident((unsigned char)p[-1]))) {
            add(h, "variable_call", 1);
            break;
        }
    }
    if (h->longest_line >= 4096)
        add(h, "long_line", 1);
    if (len >= 2048 && h->entropy >= 5.8)
        add(h, "high_entropy", 1);
    return h->score >= WEBSHELL_HEUR_THRESHOLD;
}
