/*
 * fieldenc_rewrite.c — streaming rewriters that find the configured fields
 * of a JSON (RFC 8259) or application/x-www-form-urlencoded (WHATWG URL
 * standard, "application/x-www-form-urlencoded parsing") body and hand
 * their values to a callback; every other byte is copied as it came.
 *
 * JSON is checked strictly as it streams (structure, string escapes and
 * control characters, number and literal grammar, one top-level value): a
 * body this parser does not read exactly as the application's parser would
 * must not reach the application with a field left in clear. Only the value
 * being replaced is held back, so memory is bounded by the longest
 * configured value (RP_FE_VALUE_MAX), whatever the body's size.
 *
 * A field's path is its object keys joined by '.', keys decoded (so
 * "id\u004eumber" is idNumber); arrays do not add to it, so "phones"
 * names every element of an array of phones.
 */
#include <string.h>

#include "fieldenc_t.h"

enum {
    J_VALUE = 0,   /* a value must come */
    J_ARRAY_FIRST, /* after '[': a value or ']' */
    J_KEY_FIRST,   /* after '{': a key or '}' */
    J_KEY,         /* after ',' in an object: a key */
    J_COLON,
    J_AFTER,  /* after a value: ',' or the container's end */
    J_STRING, /* inside a string (key or value) */
    J_SCALAR, /* inside a number or literal */
    J_DONE,   /* the top-level value ended: only blanks */
    F_NAME,   /* form: a name */
    F_VALUE,  /* form: a value */
};

static int fail(rp_fe_rewriter_t *r, const char *why)
{
    r->failed = true;
    r->why = why;
    return -1;
}

void rp_fe_rewriter_init(rp_fe_rewriter_t *r, const rp_fe_rule_t *rule, bool form,
                         rp_arena_t *arena, rp_fe_value_fn fn, void *ctx)
{
    memset(r, 0, sizeof(*r));
    r->rule = rule;
    r->form = form;
    r->fn = fn;
    r->ctx = ctx;
    r->target = -1;
    r->state = form ? F_NAME : J_VALUE;
    rp_abuf_init(&r->cap, arena);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hexv(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int rp_fe_json_unescape(const char *raw, size_t len, rp_abuf_t *out)
{
    for (size_t i = 0; i < len;) {
        size_t run = i;
        while (run < len && raw[run] != '\\')
            run++;
        if (run > i && rp_abuf_append(out, raw + i, run - i) < 0)
            return -1;
        if (run == len)
            break;
        i = run + 1;
        if (i >= len)
            return -1;
        char c = raw[i++], o[4];
        size_t on = 1;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            o[0] = c;
            break;
        case 'b':
            o[0] = '\b';
            break;
        case 'f':
            o[0] = '\f';
            break;
        case 'n':
            o[0] = '\n';
            break;
        case 'r':
            o[0] = '\r';
            break;
        case 't':
            o[0] = '\t';
            break;
        case 'u': {
            uint32_t cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = i < len ? hexv(raw[i++]) : -1;
                if (h < 0)
                    return -1;
                cp = cp << 4 | (uint32_t)h;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return -1;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo = 0;
                if (i + 6 > len || raw[i] != '\\' || raw[i + 1] != 'u')
                    return -1;
                i += 2;
                for (int k = 0; k < 4; k++) {
                    int h = hexv(raw[i++]);
                    if (h < 0)
                        return -1;
                    lo = lo << 4 | (uint32_t)h;
                }
                if (lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            on = utf8_put(cp, o);
            break;
        }
        default:
            return -1;
        }
        if (rp_abuf_append(out, o, on) < 0)
            return -1;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need = c < 0x80                 ? 1
                  : c >= 0xc2 && c <= 0xdf ? 2
                  : c >= 0xe0 && c <= 0xef ? 3
                  : c >= 0xf0 && c <= 0xf4 ? 4
                                           : 0;
    if (!need || need > n)
        return 0;
    for (size_t k = 1; k < need; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return need;
}

int rp_fe_json_escape(const char *s, size_t len, rp_abuf_t *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    if (rp_abuf_putc(out, '"') < 0)
        return -1;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            if (rp_abuf_append(out, e, 2) < 0)
                return -1;
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (rp_abuf_append(out, e, 6) < 0)
                return -1;
            i++;
        } else {
            size_t n = utf8_len(u + i, len - i);
            /* bytes that are not UTF-8 become U+FFFD: the output stays JSON */
            if (n ? rp_abuf_append(out, s + i, n) < 0 : rp_abuf_append(out, "\xef\xbf\xbd", 3) < 0)
                return -1;
            i += n ? n : 1;
        }
    }
    return rp_abuf_putc(out, '"');
}

int rp_fe_form_decode(const char *raw, size_t len, rp_abuf_t *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];
        int h, l;
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < len + 0 && (h = hexv(raw[i + 1])) >= 0 &&
                   (l = hexv(raw[i + 2])) >= 0) {
            c = (char)(h << 4 | l);
            i += 2;
        }
        if (rp_abuf_putc(out, c) < 0)
            return -1;
    }
    return 0;
}

/* ---- JSON ---- */

/* The field the value about to start is, or -1. */
static int value_target(const rp_fe_rewriter_t *r)
{
    if (r->depth == 0 || r->path_len > RP_FE_FIELD_MAX)
        return -1;
    return rp_fe_field_index(r->rule, r->path, r->path_len);
}

static void path_set_key(rp_fe_rewriter_t *r)
{
    size_t base = r->base[r->depth];
    size_t n = base + (base ? 1 : 0) + (r->key_over ? RP_FE_FIELD_MAX + 1 : r->key_len);
    if (n <= RP_FE_FIELD_MAX) {
        if (base)
            r->path[base] = '.';
        memcpy(r->path + base + (base ? 1 : 0), r->key, r->key_len);
    }
    r->path_len = n;
}

static void key_put(rp_fe_rewriter_t *r, const char *s, size_t n)
{
    if (r->key_len + n > RP_FE_FIELD_MAX) {
        r->key_over = true;
        return;
    }
    memcpy(r->key + r->key_len, s, n);
    r->key_len += n;
}

/* A JSON number (RFC 8259 §6) or literal. */
static bool scalar_valid(const char *s, size_t n)
{
    if ((n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "null", 4) == 0)) ||
        (n == 5 && memcmp(s, "false", 5) == 0))
        return true;
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

static bool scalar_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '-' || c == '.';
}

/* A value ended: what may come next. */
static void value_done(rp_fe_rewriter_t *r)
{
    r->state = r->depth == 0 ? J_DONE : J_AFTER;
}

static int scalar_end(rp_fe_rewriter_t *r, rp_abuf_t *out)
{
    if (!scalar_valid(r->cap.data, r->cap.len))
        return fail(r, "not JSON: a bad number or literal");
    int rc = r->target >= 0
                 ? r->fn(r->ctx, r->target, RP_FE_JSON_SCALAR, r->cap.data, r->cap.len, out)
                 : rp_abuf_append(out, r->cap.data, r->cap.len);
    if (rc < 0)
        return r->failed ? -1 : fail(r, r->why ? r->why : "out of memory");
    rp_abuf_clear(&r->cap);
    r->target = -1;
    value_done(r);
    return 0;
}

static int open_container(rp_fe_rewriter_t *r, bool object)
{
    /* a field may hold an array of values, not objects or nested arrays */
    bool in_array = r->depth && !(r->is_object >> (r->depth - 1) & 1);
    if (r->target >= 0 && r->refuse_container && (object || in_array))
        return fail(r, "an encrypted field holds an object or array");
    if (r->depth == RP_FE_DEPTH)
        return fail(r, "JSON nested deeper than 64 levels");
    r->depth++;
    if (object)
        r->is_object |= 1ull << (r->depth - 1);
    else
        r->is_object &= ~(1ull << (r->depth - 1));
    r->base[r->depth] = (uint16_t)r->path_len;
    r->target = -1;
    r->state = object ? J_KEY_FIRST : J_ARRAY_FIRST;
    return 0;
}

static int close_container(rp_fe_rewriter_t *r, char c)
{
    bool object = r->depth && (r->is_object >> (r->depth - 1) & 1);
    if (!r->depth || (c == '}') != object)
        return fail(r, "not JSON: a bracket that closes nothing open");
    r->path_len = r->base[r->depth];
    r->depth--;
    value_done(r);
    return 0;
}

/* One byte of a string; the string's bytes go to out or the capture. */
static int string_byte(rp_fe_rewriter_t *r, char c)
{
    unsigned char u = (unsigned char)c;
    if (r->hex_left) {
        int h = hexv(c);
        if (h < 0)
            return fail(r, "not JSON: a bad \\u escape");
        r->cp = r->cp << 4 | (uint32_t)h;
        if (--r->hex_left == 0 && r->in_key) {
            uint32_t cp = r->cp;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                r->hi_surrogate = cp;
                return 0;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                if (!r->hi_surrogate)
                    return fail(r, "not JSON: a lone surrogate in a key");
                cp = 0x10000 + ((r->hi_surrogate - 0xd800) << 10) + (cp - 0xdc00);
            } else if (r->hi_surrogate) {
                return fail(r, "not JSON: a lone surrogate in a key");
            }
            r->hi_surrogate = 0;
            char o[4];
            key_put(r, o, utf8_put(cp, o));
        }
        return 0;
    }
    if (r->esc) {
        r->esc = false;
        static const char simple[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
        if (c == 'u') {
            r->hex_left = 4;
            r->cp = 0;
            return 0;
        }
        const char *k = strchr(simple, c);
        if (!k || !c)
            return fail(r, "not JSON: a bad escape");
        if (r->in_key) {
            if (r->hi_surrogate)
                return fail(r, "not JSON: a lone surrogate in a key");
            key_put(r, &decoded[k - simple], 1);
        }
        return 0;
    }
    if (u < 0x20)
        return fail(r, "not JSON: a control character in a string");
    if (c == '\\') {
        r->esc = true;
        return 0;
    }
    if (r->in_key && r->hi_surrogate && c != '"')
        return fail(r, "not JSON: a lone surrogate in a key");
    if (r->in_key && c != '"')
        key_put(r, &c, 1);
    return 0;
}

static int json_feed(rp_fe_rewriter_t *r, const char *in, size_t len, bool last, rp_abuf_t *out)
{
    size_t run = 0; /* bytes in[run, i) not yet copied to out */
#define FLUSH(upto)                                                                                \
    do {                                                                                           \
        if ((upto) > run && rp_abuf_append(out, in + run, (upto)-run) < 0)                         \
            return fail(r, "out of memory");                                                       \
        run = (upto);                                                                              \
    } while (0)
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        switch (r->state) {
        case J_STRING: {
            if (!r->in_key && !r->esc && !r->hex_left) {
                /* a value's plain run at once: up to a quote, a backslash
                 * or a control character */
                size_t j = i;
                while (j < len && in[j] != '"' && in[j] != '\\' && (unsigned char)in[j] >= 0x20)
                    j++;
                if (j > i) {
                    if (r->target >= 0) {
                        if (r->cap.len + (j - i) > RP_FE_VALUE_MAX)
                            return fail(r, "an encrypted field's value is longer than 64 KiB");
                        if (rp_abuf_append(&r->cap, in + i, j - i) < 0)
                            return fail(r, "out of memory");
                        run = j;
                    }
                    i = j - 1;
                    break;
                }
            }
            bool closing = c == '"' && !r->esc && !r->hex_left;
            if (closing && r->hi_surrogate)
                return fail(r, "not JSON: a lone surrogate in a key");
            if (string_byte(r, c) < 0)
                return -1;
            bool capturing = !r->in_key && r->target >= 0;
            if (capturing && !closing) {
                /* the value goes to the capture, not to out */
                if (r->cap.len == RP_FE_VALUE_MAX)
                    return fail(r, "an encrypted field's value is longer than 64 KiB");
                if (rp_abuf_putc(&r->cap, c) < 0)
                    return fail(r, "out of memory");
                run = i + 1;
                break;
            }
            if (!closing)
                break;
            if (capturing) {
                if (r->fn(r->ctx, r->target, RP_FE_JSON_STRING, r->cap.data ? r->cap.data : "",
                          r->cap.len, out) < 0)
                    return r->failed ? -1 : fail(r, r->why ? r->why : "out of memory");
                rp_abuf_clear(&r->cap);
                r->target = -1;
                run = i + 1;
                value_done(r);
            } else if (r->in_key) {
                r->in_key = false;
                path_set_key(r);
                r->state = J_COLON;
            } else {
                value_done(r);
            }
            break;
        }
        case J_SCALAR:
            if (scalar_char(c)) {
                if (r->cap.len == RP_FE_VALUE_MAX)
                    return fail(r, "a number longer than 64 KiB");
                if (rp_abuf_putc(&r->cap, c) < 0)
                    return fail(r, "out of memory");
                run = i + 1;
                break;
            }
            if (scalar_end(r, out) < 0)
                return -1;
            i--; /* this byte belongs to what follows the value */
            break;
        case J_DONE:
            if (!blank(c))
                return fail(r, "not JSON: bytes after the top-level value");
            break;
        case J_COLON:
            if (blank(c))
                break;
            if (c != ':')
                return fail(r, "not JSON: ':' expected after a key");
            r->state = J_VALUE;
            break;
        case J_KEY_FIRST:
        case J_KEY:
            if (blank(c))
                break;
            if (c == '}' && r->state == J_KEY_FIRST) {
                if (close_container(r, c) < 0)
                    return -1;
                break;
            }
            if (c != '"')
                return fail(r, "not JSON: a key expected");
            r->in_key = true;
            r->key_len = 0;
            r->key_over = false;
            r->hi_surrogate = 0;
            r->state = J_STRING;
            break;
        case J_AFTER:
            if (blank(c))
                break;
            if (c == ',') {
                r->state = r->is_object >> (r->depth - 1) & 1 ? J_KEY : J_VALUE;
                break;
            }
            if (c == '}' || c == ']') {
                if (close_container(r, c) < 0)
                    return -1;
                break;
            }
            return fail(r, "not JSON: ',' or a closing bracket expected");
        case J_VALUE:
        case J_ARRAY_FIRST:
            if (blank(c))
                break;
            if (c == ']' && r->state == J_ARRAY_FIRST) {
                if (close_container(r, c) < 0)
                    return -1;
                break;
            }
            r->target = value_target(r);
            if (c == '{' || c == '[') {
                if (open_container(r, c == '{') < 0)
                    return -1;
            } else if (c == '"') {
                r->in_key = false;
                r->esc = false;
                r->hex_left = 0;
                r->state = J_STRING;
                if (r->target >= 0) {
                    FLUSH(i);
                    run = i + 1; /* the quote is the callback's to write */
                }
            } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
                FLUSH(i);
                rp_abuf_clear(&r->cap);
                if (rp_abuf_putc(&r->cap, c) < 0)
                    return fail(r, "out of memory");
                run = i + 1;
                r->state = J_SCALAR;
            } else {
                return fail(r, "not JSON: a value expected");
            }
            break;
        }
    }
    FLUSH(len);
    if (!last)
        return 0;
    if (r->state == J_SCALAR && r->depth == 0 && scalar_end(r, out) < 0)
        return -1;
    if (r->state != J_DONE)
        return fail(r, "not JSON: the body ends inside a value");
    return 0;
#undef FLUSH
}

/* ---- application/x-www-form-urlencoded ---- */

static int form_value_end(rp_fe_rewriter_t *r, rp_abuf_t *out)
{
    if (r->target >= 0 && r->fn(r->ctx, r->target, RP_FE_FORM_VALUE, r->cap.data ? r->cap.data : "",
                                r->cap.len, out) < 0)
        return r->failed ? -1 : fail(r, r->why ? r->why : "out of memory");
    rp_abuf_clear(&r->cap);
    r->target = -1;
    r->key_len = 0;
    r->key_over = false;
    r->state = F_NAME;
    return 0;
}

static int form_feed(rp_fe_rewriter_t *r, const char *in, size_t len, bool last, rp_abuf_t *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (r->state == F_VALUE && r->target >= 0 && c != '&') {
            if (r->cap.len == RP_FE_VALUE_MAX)
                return fail(r, "an encrypted field's value is longer than 64 KiB");
            if (rp_abuf_putc(&r->cap, c) < 0)
                return fail(r, "out of memory");
            continue;
        }
        if (c == '&') {
            if (r->state == F_VALUE && form_value_end(r, out) < 0)
                return -1;
            r->key_len = 0;
            r->key_over = false;
        } else if (r->state == F_NAME && c == '=') {
            rp_abuf_t name;
            rp_abuf_init(&name, r->cap.arena);
            if (!r->key_over) {
                if (rp_fe_form_decode(r->key, r->key_len, &name) < 0)
                    return fail(r, "out of memory");
                r->target = rp_fe_field_index(r->rule, name.data ? name.data : "", name.len);
            }
            r->state = F_VALUE;
        } else if (r->state == F_NAME) {
            /* raw names up to three bytes per character of a field path */
            if (r->key_len < sizeof(r->key))
                r->key[r->key_len++] = c;
            else
                r->key_over = true;
        }
        if (rp_abuf_putc(out, c) < 0)
            return fail(r, "out of memory");
    }
    if (last && r->state == F_VALUE)
        return form_value_end(r, out);
    return 0;
}

int rp_fe_rewriter_feed(rp_fe_rewriter_t *r, const char *in, size_t len, bool last, rp_abuf_t *out)
{
    if (r->failed)
        return -1;
    if (r->done)
        return len ? fail(r, "bytes after the end") : 0;
    int rc = r->form ? form_feed(r, in, len, last, out) : json_feed(r, in, len, last, out);
    if (rc == 0 && last)
        r->done = true;
    return rc;
}
