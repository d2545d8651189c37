/*
 * fim_diff.c — the changed middle of two texts (see fim_diff.h).
 */
#include "fim_diff.h"

#include <string.h>

int fim_is_text(const char *s, size_t n)
{
    return memchr(s, '\0', n) == NULL;
}

/* Emits the lines of [p, end) with a prefix, at most max of them. */
static void emit_lines(const char *p, const char *end, char prefix, size_t max, strbuf_t *out)
{
    size_t shown = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (shown == max) {
            strbuf_printf(out, "%c...\n", prefix);
            return;
        }
        strbuf_append(out, &prefix, 1);
        strbuf_append(out, p, (size_t)(stop - p));
        strbuf_append(out, "\n", 1);
        shown++;
        p = nl ? nl + 1 : end;
    }
}

void fim_diff_text(const char *a, size_t alen, const char *b, size_t blen, size_t max_lines,
                   strbuf_t *out)
{
    /* common prefix, cut back to a line start */
    size_t pre = 0;
    while (pre < alen && pre < blen && a[pre] == b[pre])
        pre++;
    if (pre == alen && pre == blen)
        return;
    while (pre > 0 && a[pre - 1] != '\n')
        pre--;
    /* common suffix within what is left, shortened until it starts a line
     * in both texts */
    size_t suf = 0;
    while (suf < alen - pre && suf < blen - pre && a[alen - 1 - suf] == b[blen - 1 - suf])
        suf++;
    while (suf > 0 && !((alen - suf == pre || a[alen - suf - 1] == '\n') &&
                        (blen - suf == pre || b[blen - suf - 1] == '\n')))
        suf--;
    size_t line = 1;
    for (size_t i = 0; i < pre; i++)
        line += a[i] == '\n';
    strbuf_printf(out, "@@ line %zu\n", line);
    emit_lines(a + pre, a + alen - suf, '-', max_lines, out);
    emit_lines(b + pre, b + blen - suf, '+', max_lines, out);
}
