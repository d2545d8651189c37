/*
 * body_form.c — application/x-www-form-urlencoded request bodies
 * (WHATWG URL "application/x-www-form-urlencoded parser").
 *
 * The body is a sequence of '&'-separated "name=value" pairs. Only '&'
 * separates: ';' is data, as in every browser today, so a WAF that split on
 * ';' would inspect different fields than the application sees. The first
 * '=' splits name from value; a pair without '=' is a name alone (reported
 * with RP_FIELD_KEY_ONLY and an empty value); empty pairs ("a=1&&b=2", a
 * trailing '&') carry nothing and are skipped. Names and values are decoded
 * with rp_url_decode() ('+' is a space) and the decoding anomalies
 * (RP_ARG_*) of name and value are ORed into the field's flags.
 *
 * Streaming: raw bytes of the current pair are kept until its '&' arrives,
 * so a chunk boundary can fall anywhere, even inside a %XX escape. Memory
 * is bounded by the limits: a raw value stops growing at max_field_size
 * bytes (the rest is counted away and the field is flagged
 * RP_FIELD_TRUNCATED); a raw name longer than 6 * max_name_size + 5 bytes
 * cannot decode to max_name_size bytes or less (the longest escape, %uXXXX,
 * yields at least one byte per six), so it stops the parser with RP_LIMIT
 * right away instead of being buffered.
 *
 * A limit of 0 means "no limit" for that limit.
 */
#include <stdint.h>
#include <string.h>

#include "body.h"
#include "urldecode.h"

typedef struct {
    rp_body_proc_t proc; /* first: the transaction only sees this */
    rp_arena_t *arena;
    rp_body_limits_t lim;
    rp_field_fn fn;
    void *ctx;
    rp_abuf_t name; /* raw bytes of the pair being read */
    rp_abuf_t value;
    size_t name_cap; /* raw name bytes beyond this are an RP_LIMIT */
    size_t nfields;
    int in_value;       /* the pair's '=' has been seen */
    int truncated;      /* value bytes were dropped */
    int finished;       /* finish() ran: more data is an error */
    rp_status_t status; /* sticky: once stopped, stays stopped */
} form_t;

static rp_status_t form_stop(form_t *f, rp_status_t st, const char *why)
{
    f->status = st;
    f->proc.reason = why;
    return st;
}

/* When a raw value was cut, its tail may hold the start of an escape whose
 * rest was dropped ("%4", "%u00", or the high half of a %u surrogate pair):
 * decoding it would invent a BAD_ENCODING the application never sees, so
 * the partial escape goes with the rest of the cut. */
/* Third hex digit of a high surrogate D800-DBFF. */
static int is_high_nibble(char c)
{
    return c == '8' || c == '9' || c == 'a' || c == 'b' || c == 'A' || c == 'B';
}

static size_t trim_partial_escape(const char *s, size_t len)
{
    for (;;) {
        size_t i = len;
        size_t back = len < 5 ? len : 5;
        while (i > len - back && s[i - 1] != '%')
            i--;
        if (i > len - back) {
            size_t pct = i - 1, tail = len - pct;
            int is_u = tail > 1 && (s[pct + 1] == 'u' || s[pct + 1] == 'U');
            if (is_u || tail < 3) {
                len = pct;
                continue;
            }
        }
        /* A complete high surrogate as the very last escape lost its pair. */
        if (len >= 6 && s[len - 6] == '%' && (s[len - 5] == 'u' || s[len - 5] == 'U') &&
            (s[len - 4] == 'd' || s[len - 4] == 'D') && is_high_nibble(s[len - 3])) {
            len -= 6;
            continue;
        }
        return len;
    }
}

/* Do not end a cut value in the middle of a UTF-8 character that was whole
 * before the cut: that would be an INVALID_UTF8 of our own making. */
static size_t trim_partial_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned char c = p[len - k];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (c >= 0xC0 && c <= 0xF4 && need > k)
            return len - k;
        break;
    }
    return len;
}

static rp_status_t form_emit(form_t *f)
{
    if (f->name.len == 0 && f->value.len == 0 && !f->in_value && !f->truncated)
        return RP_OK; /* empty pair */

    if (f->lim.max_fields && f->nfields >= f->lim.max_fields)
        return form_stop(f, RP_LIMIT, "form: too many fields");

    /* Both buffers must exist even when empty: decoding writes the NUL. */
    if ((!f->name.data && rp_abuf_append(&f->name, "", 0) != 0) ||
        (!f->value.data && rp_abuf_append(&f->value, "", 0) != 0))
        return form_stop(f, RP_NOMEM, "form: out of memory");

    unsigned flags = 0;
    size_t nlen = rp_url_decode(f->name.data, f->name.data, f->name.len, 1, &flags);
    if (f->lim.max_name_size && nlen > f->lim.max_name_size)
        return form_stop(f, RP_LIMIT, "form: field name too long");

    unsigned vflags = 0;
    size_t vlen;
    if (f->truncated) {
        size_t raw = trim_partial_escape(f->value.data, f->value.len);
        vlen = rp_url_decode(f->value.data, f->value.data, raw, 1, &vflags);
        if (vlen > f->lim.max_field_size)
            vlen = f->lim.max_field_size;
        vlen = trim_partial_utf8(f->value.data, vlen);
        f->value.data[vlen] = '\0';
        /* The escape-level flags stand; the content-level ones are judged
         * on what is actually reported. */
        vflags = (vflags & (RP_ARG_BAD_ENCODING | RP_ARG_UNICODE_ENCODED)) |
                 rp_url_decoded_flags(f->value.data, vlen) | RP_FIELD_TRUNCATED;
    } else {
        vlen = rp_url_decode(f->value.data, f->value.data, f->value.len, 1, &vflags);
    }
    flags |= vflags;
    if (!f->in_value)
        flags |= RP_FIELD_KEY_ONLY;

    f->nfields++;
    rp_status_t st = f->fn(f->ctx, RP_SRC_FORM, f->name.data, nlen, f->value.data, vlen, flags);
    if (st != RP_OK)
        return form_stop(f, st, "form: stopped by the field callback");
    return RP_OK;
}

static rp_status_t form_next_pair(form_t *f)
{
    rp_status_t st = form_emit(f);
    rp_abuf_clear(&f->name);
    rp_abuf_clear(&f->value);
    f->in_value = 0;
    f->truncated = 0;
    return st;
}

/* Append a run of pair bytes (no '&' inside) to the name or the value. */
static rp_status_t form_take(form_t *f, const char *s, size_t n)
{
    if (!f->in_value) {
        const char *eq = memchr(s, '=', n);
        size_t k = eq ? (size_t)(eq - s) : n;
        if (f->name_cap && k > f->name_cap - f->name.len)
            return form_stop(f, RP_LIMIT, "form: field name too long");
        if (rp_abuf_append(&f->name, s, k) != 0)
            return form_stop(f, RP_NOMEM, "form: out of memory");
        if (!eq)
            return RP_OK;
        f->in_value = 1;
        s += k + 1;
        n -= k + 1;
    }
    size_t room = n;
    if (f->lim.max_field_size) {
        room = f->lim.max_field_size - f->value.len;
        if (room < n)
            f->truncated = 1;
        else
            room = n;
    }
    if (room && rp_abuf_append(&f->value, s, room) != 0)
        return form_stop(f, RP_NOMEM, "form: out of memory");
    return RP_OK;
}

static rp_status_t form_feed(rp_body_proc_t *p, const char *data, size_t len)
{
    form_t *f = (form_t *)p;
    if (f->status != RP_OK)
        return f->status;
    if (f->finished)
        return form_stop(f, RP_ERROR, "form: data after finish");
    while (len) {
        const char *amp = memchr(data, '&', len);
        size_t n = amp ? (size_t)(amp - data) : len;
        rp_status_t st = form_take(f, data, n);
        if (st != RP_OK)
            return st;
        if (!amp)
            break;
        st = form_next_pair(f);
        if (st != RP_OK)
            return st;
        data += n + 1;
        len -= n + 1;
    }
    return RP_OK;
}

static rp_status_t form_finish(rp_body_proc_t *p)
{
    form_t *f = (form_t *)p;
    if (f->status != RP_OK || f->finished)
        return f->status;
    f->finished = 1;
    return form_next_pair(f);
}

rp_body_proc_t *rp_body_form_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                 void *ctx)
{
    form_t *f = rp_arena_calloc(a, sizeof(*f));
    if (!f)
        return NULL;
    f->proc.feed = form_feed;
    f->proc.finish = form_finish;
    f->arena = a;
    f->lim = *lim;
    f->fn = fn;
    f->ctx = ctx;
    rp_abuf_init(&f->name, a);
    rp_abuf_init(&f->value, a);
    if (lim->max_name_size)
        f->name_cap =
            lim->max_name_size > (SIZE_MAX - 5) / 6 ? SIZE_MAX : lim->max_name_size * 6 + 5;
    return &f->proc;
}
