/*
 * oidc_form.h — application/x-www-form-urlencoded parameters (the token
 * endpoint's body, RFC 6749 §3.2; query strings): percent-decoded, '+' as
 * space, and strict as RFC 6749 §3.1 asks — a parameter sent twice is an
 * error, so is a malformed escape, a NUL, or more than OIDC_FORM_MAX
 * parameters. Parameters without a value are treated as omitted.
 */
#ifndef RAMPART_CTL_OIDC_FORM_H
#define RAMPART_CTL_OIDC_FORM_H

#include <stddef.h>

#define OIDC_FORM_MAX 32

typedef struct {
    int n;
    char *name[OIDC_FORM_MAX], *value[OIDC_FORM_MAX]; /* point into buf */
    char *buf;
} oidc_form_t;

/* Parses text[0..len); 0, or -1 (malformed, repeated; nothing to free). */
int oidc_form_parse(const char *text, size_t len, oidc_form_t *f);
/* The value of name, or NULL (absent or empty). */
const char *oidc_form_get(const oidc_form_t *f, const char *name);
void oidc_form_free(oidc_form_t *f);

/* Percent-encodes s for a query component (RFC 3986 unreserved kept);
 * the length, or 0 when it does not fit. */
size_t oidc_pct(const char *s, char *out, size_t cap);

#endif
