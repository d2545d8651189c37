/*
 * diff.c — unified line diff (see diff.h).
 *
 * Myers' greedy algorithm finds the furthest-reaching path for each edit
 * count d; keeping each step's frontier (only its 2d+3 live diagonals)
 * lets the path be walked back into an edit script. Memory is O(D^2) in
 * the number of edits D, which DIFF_MAX_EDITS bounds.
 */
#include "diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3

typedef struct {
    const char *p;
    size_t n;
    int newline; /* ends with '\n' */
} line_t;

typedef struct {
    char op;      /* '=', '-', '+' */
    int32_t a, b; /* line indexes in a and b (the one the op consumes) */
} edit_t;

static line_t *split_lines(const char *t, size_t len, int32_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n')
            n++;
    if (len && t[len - 1] != '\n')
        n++;
    if (n > DIFF_MAX_LINES) {
        *count = -1;
        return NULL;
    }
    line_t *lines = calloc(n ? n : 1, sizeof(*lines));
    if (!lines) {
        *count = -1;
        return NULL;
    }
    size_t k = 0, start = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\n') {
            lines[k++] = (line_t){t + start, i - start, 1};
            start = i + 1;
        }
    }
    if (start < len)
        lines[k++] = (line_t){t + start, len - start, 0};
    *count = (int32_t)k;
    return lines;
}

static int same(const line_t *x, const line_t *y)
{
    return x->n == y->n && x->newline == y->newline && memcmp(x->p, y->p, x->n) == 0;
}

/* The shortest edit script from a to b into *out (n_out edits), or -1
 * when it needs more than DIFF_MAX_EDITS edits (or memory). */
static int myers(const line_t *a, int32_t n, const line_t *b, int32_t m, edit_t **out,
                 int32_t *n_out)
{
    int32_t max = n + m;
    int32_t limit = max < DIFF_MAX_EDITS ? max : DIFF_MAX_EDITS;
    int32_t off = limit + 1;
    int32_t *v = calloc((size_t)(2 * limit + 3), sizeof(*v));
    int32_t **trace = calloc((size_t)limit + 1, sizeof(*trace));
    if (!v || !trace) {
        free(v);
        free(trace);
        return -1;
    }
    int32_t found = -1;
    for (int32_t d = 0; d <= limit && found < 0; d++) {
        /* the frontier before step d: diagonals -(d+1)..d+1 */
        trace[d] = malloc((size_t)(2 * d + 3) * sizeof(int32_t));
        if (!trace[d])
            break;
        memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof(int32_t));
        for (int32_t k = -d; k <= d; k += 2) {
            int32_t x;
            if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
                x = v[off + k + 1];
            else
                x = v[off + k - 1] + 1;
            int32_t y = x - k;
            while (x < n && y < m && same(&a[x], &b[y])) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    int rc = -1;
    if (found >= 0) {
        edit_t *ed = malloc((size_t)(n + m + 1) * sizeof(*ed));
        if (ed) {
            int32_t len = 0, x = n, y = m;
            for (int32_t d = found; d >= 0; d--) {
                const int32_t *tv = trace[d];
#define TV(k) tv[(k) + d + 1]
                int32_t k = x - y;
                int32_t pk = (k == -d || (k != d && TV(k - 1) < TV(k + 1))) ? k + 1 : k - 1;
                int32_t px = d ? TV(pk) : 0;
                int32_t py = px - pk;
                if (d == 0)
                    px = py = 0;
#undef TV
                while (x > px && y > py) {
                    x--;
                    y--;
                    ed[len++] = (edit_t){'=', x, y};
                }
                if (d > 0) {
                    if (x == px)
                        ed[len++] = (edit_t){'+', x, py};
                    else
                        ed[len++] = (edit_t){'-', px, y};
                    x = px;
                    y = py;
                }
            }
            for (int32_t i = 0; i < len / 2; i++) {
                edit_t t = ed[i];
                ed[i] = ed[len - 1 - i];
                ed[len - 1 - i] = t;
            }
            *out = ed;
            *n_out = len;
            rc = 0;
        }
    }
    for (int32_t d = 0; d <= limit; d++)
        free(trace[d]);
    free(trace);
    free(v);
    return rc;
}

/* Everything removed, then everything added. */
static edit_t *replace_all(int32_t n, int32_t m, int32_t *n_out)
{
    edit_t *ed = malloc((size_t)(n + m + 1) * sizeof(*ed));
    if (!ed)
        return NULL;
    int32_t len = 0;
    for (int32_t i = 0; i < n; i++)
        ed[len++] = (edit_t){'-', i, 0};
    for (int32_t j = 0; j < m; j++)
        ed[len++] = (edit_t){'+', n, j};
    *n_out = len;
    return ed;
}

static void put_line(strbuf_t *out, char mark, const line_t *l)
{
    strbuf_append(out, &mark, 1);
    strbuf_append(out, l->p, l->n);
    strbuf_puts(out, "\n");
    if (!l->newline)
        strbuf_puts(out, "\\ No newline at end of file\n");
}

/* "l,s" with GNU's conventions: ",1" omitted; an empty range names the
 * line before it. */
static void put_range(strbuf_t *out, char sign, int32_t start, int32_t count)
{
    if (count == 1)
        strbuf_printf(out, "%c%d", sign, start + 1);
    else
        strbuf_printf(out, "%c%d,%d", sign, count ? start + 1 : start, count);
}

static void put_hunk(strbuf_t *out, const edit_t *ed, int32_t s, int32_t e, const line_t *a,
                     const line_t *b)
{
    int32_t na = 0, nb = 0;
    for (int32_t i = s; i < e; i++) {
        na += ed[i].op != '+';
        nb += ed[i].op != '-';
    }
    strbuf_puts(out, "@@ ");
    put_range(out, '-', ed[s].a, na);
    strbuf_puts(out, " ");
    put_range(out, '+', ed[s].b, nb);
    strbuf_puts(out, " @@\n");
    for (int32_t i = s; i < e; i++) {
        if (ed[i].op == '+')
            put_line(out, '+', &b[ed[i].b]);
        else
            put_line(out, ed[i].op == '=' ? ' ' : '-', &a[ed[i].a]);
    }
}

void diff_unified(const char *a_text, size_t a_len, const char *b_text, size_t b_len,
                  const char *a_label, const char *b_label, strbuf_t *out)
{
    int32_t n, m, len = 0;
    line_t *a = split_lines(a_text, a_len, &n);
    line_t *b = split_lines(b_text, b_len, &m);
    edit_t *ed = NULL;
    if (n < 0 || m < 0) {
        strbuf_puts(out, "--- ");
        strbuf_puts(out, a_label);
        strbuf_puts(out, "\n+++ ");
        strbuf_puts(out, b_label);
        strbuf_puts(out, "\n(texts too long to compare line by line)\n");
        goto done;
    }
    if (myers(a, n, b, m, &ed, &len) != 0 && !(ed = replace_all(n, m, &len))) {
        out->failed = 1;
        goto done;
    }
    int header = 0;
    for (int32_t i = 0; i < len;) {
        if (ed[i].op == '=') {
            i++;
            continue;
        }
        /* a hunk: the change at i with up to CONTEXT lines before, and
         * every later change separated from it by at most 2*CONTEXT
         * unchanged lines */
        int32_t s = i;
        while (s > 0 && ed[s - 1].op == '=' && i - s < CONTEXT)
            s--;
        int32_t e = i;
        for (;;) {
            while (e < len && ed[e].op != '=')
                e++;
            int32_t run = 0;
            while (e + run < len && ed[e + run].op == '=')
                run++;
            if (e + run < len && run <= 2 * CONTEXT) {
                e += run;
                continue;
            }
            e += run < CONTEXT ? run : CONTEXT;
            break;
        }
        if (!header) {
            strbuf_printf(out, "--- %s\n+++ %s\n", a_label, b_label);
            header = 1;
        }
        put_hunk(out, ed, s, e, a, b);
        i = e;
    }
done:
    free(ed);
    free(a);
    free(b);
}
