/*
 * op_string.c — the plain string comparisons: @streq, @contains,
 * @containsWord, @beginsWith, @endsWith, @within, @strmatch.
 *
 * All are case-sensitive byte comparisons, as in ModSecurity (rules that
 * want otherwise add t:lowercase). The compiled state is the parameter
 * itself; a dynamic operator gets the expanded parameter at execution
 * instead. Semantics of the edge cases, following ModSecurity v3:
 *   @contains / @strmatch  empty parameter matches everything;
 *   @beginsWith/@endsWith  empty parameter matches everything;
 *   @containsWord          the parameter must be bounded on both sides by
 *                          the value's ends or a non-word byte (word bytes:
 *                          ASCII letters, digits, '_'); empty parameter
 *                          matches everything;
 *   @within                matches when the VALUE occurs inside the
 *                          parameter; an empty value matches (ModSecurity:
 *                          "the empty string always matches").
 * On a match TX.0 is the matched text: the region of the value (for
 * @within, the whole value).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operator.h"

typedef struct {
    size_t len;
    char s[]; /* NUL-terminated copy of the parameter */
} str_t;

void *op_string_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len);
void op_string_free(void *state);

#define STR_EXEC(x)                                                                                \
    rp_op_result_t op_##x##_execute(const void *state, const char *value, size_t len,              \
                                    const char *param, size_t param_len, rp_op_captures_t *cap)
STR_EXEC(streq);
STR_EXEC(contains);
STR_EXEC(containsword);
STR_EXEC(beginswith);
STR_EXEC(endswith);
STR_EXEC(within);
STR_EXEC(strmatch);

void *op_string_compile(const char *param, size_t len, const char *base_dir, char *err,
                        size_t err_len)
{
    (void)base_dir;
    str_t *s = malloc(sizeof(*s) + len + 1);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->len = len;
    memcpy(s->s, param, len);
    s->s[len] = '\0';
    return s;
}

void op_string_free(void *state)
{
    free(state);
}

/* The parameter in effect: the expanded one when dynamic. */
static void param_of(const void *state, const char **p, size_t *n)
{
    if (*p)
        return;
    const str_t *s = state;
    *p = s->s;
    *n = s->len;
}

static rp_op_result_t hit(rp_op_captures_t *cap, const char *p, size_t len)
{
    if (cap) {
        cap->group[0].p = p;
        cap->group[0].len = len;
        cap->n = 1;
    }
    return RP_OP_MATCH;
}

static const char *find(const char *h, size_t hl, const char *n, size_t nl)
{
    if (nl == 0)
        return h;
    if (nl > hl)
        return NULL;
    return memmem(h, hl, n, nl);
}

STR_EXEC(streq)
{
    param_of(state, &param, &param_len);
    if (len == param_len && (len == 0 || memcmp(value, param, len) == 0))
        return hit(cap, value, len);
    return RP_OP_NOMATCH;
}

STR_EXEC(contains)
{
    param_of(state, &param, &param_len);
    const char *f = find(value, len, param, param_len);
    return f ? hit(cap, f, param_len) : RP_OP_NOMATCH;
}

STR_EXEC(strmatch)
{
    return op_contains_execute(state, value, len, param, param_len, cap);
}

static bool word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

STR_EXEC(containsword)
{
    param_of(state, &param, &param_len);
    if (param_len == 0)
        return hit(cap, value, 0);
    size_t off = 0;
    while (off < len) {
        const char *f = find(value + off, len - off, param, param_len);
        if (!f)
            break;
        size_t at = (size_t)(f - value), end = at + param_len;
        bool left = at == 0 || !word_byte((unsigned char)value[at - 1]);
        bool right = end == len || !word_byte((unsigned char)value[end]);
        if (left && right)
            return hit(cap, f, param_len);
        off = at + 1;
    }
    return RP_OP_NOMATCH;
}

STR_EXEC(beginswith)
{
    param_of(state, &param, &param_len);
    if (param_len <= len && (param_len == 0 || memcmp(value, param, param_len) == 0))
        return hit(cap, value, param_len);
    return RP_OP_NOMATCH;
}

STR_EXEC(endswith)
{
    param_of(state, &param, &param_len);
    if (param_len <= len &&
        (param_len == 0 || memcmp(value + len - param_len, param, param_len) == 0))
        return hit(cap, value + len - param_len, param_len);
    return RP_OP_NOMATCH;
}

STR_EXEC(within)
{
    param_of(state, &param, &param_len);
    if (find(param, param_len, value, len))
        return hit(cap, value, len);
    return RP_OP_NOMATCH;
}
