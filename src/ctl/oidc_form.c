/*
 * oidc_form.c — form parameters (see oidc_form.h).
 */
#include "oidc_form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes in place; -1 on a malformed escape or a NUL. */
static int decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%') {
            int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);
            if (l < 0 || (h == 0 && l == 0))
                return -1;
            *o++ = (char)(h << 4 | l);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return 0;
}

int oidc_form_parse(const char *text, size_t len, oidc_form_t *f)
{
    memset(f, 0, sizeof(*f));
    if (memchr(text, '\0', len))
        return -1;
    f->buf = malloc(len + 1);
    if (!f->buf)
        return -1;
    memcpy(f->buf, text, len);
    f->buf[len] = '\0';
    char *save = NULL;
    for (char *pair = strtok_r(f->buf, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        char *value = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        if (!*pair || decode(pair) || decode(value) || f->n == OIDC_FORM_MAX)
            goto bad;
        for (int i = 0; i < f->n; i++)
            if (strcmp(f->name[i], pair) == 0)
                goto bad;
        f->name[f->n] = pair;
        f->value[f->n++] = value;
    }
    return 0;
bad:
    oidc_form_free(f);
    return -1;
}

const char *oidc_form_get(const oidc_form_t *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i][0] ? f->value[i] : NULL;
    return NULL;
}

void oidc_form_free(oidc_form_t *f)
{
    if (f->buf)
        secret_wipe(f->buf, strlen(f->buf)); /* client secrets, codes, tokens */
    free(f->buf);
    memset(f, 0, sizeof(*f));
}

size_t oidc_pct(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        if (o + (keep ? 1 : 3) >= cap)
            return 0;
        if (keep) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return o;
}
