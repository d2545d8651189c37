/*
 * body_multipart.c — multipart/form-data request bodies (RFC 7578 on top of
 * RFC 2046 §5.1), streaming, and the boundary parameter of Content-Type.
 *
 * WAF evasion through multipart lives in the gaps between parsers: one
 * parser sees a boundary where another does not, a header one ignores,
 * a quote one honours. So this parser is strict and refuses (RP_ERROR with
 * a static reason) everything whose reading is not unique:
 *
 *   body    The first bytes must be "--boundary", optionally after one CRLF
 *           (an empty preamble, RFC 2046 "[preamble CRLF]"); any other
 *           preamble is refused. A delimiter is CRLF "--boundary" and must be
 *           followed by CRLF (next part) or "--" (the close delimiter):
 *           transport padding and any other byte are refused, so
 *           "--boundaryX" inside content is an error, not data. A delimiter
 *           preceded by a bare LF, or matching the boundary only when case
 *           is ignored, is refused too (lenient parsers accept both). After
 *           the close delimiter only SP, HT, CR and LF may follow (an empty
 *           epilogue); anything else is refused. finish() without a close
 *           delimiter is refused. A body of zero bytes is accepted, no fields.
 *   headers Lines end in CRLF (bare CR or LF refused); no folding; every line
 *           has a colon right after a non-empty token name; at most 8 KiB
 *           per part's header block. Exactly one Content-Disposition, of
 *           type form-data, with a non-empty name; parameters are
 *           token=token or token="quoted" with no whitespace around '=';
 *           inside quotes \" stands for '"' and \\ for '\' (the
 *           quoted-pair of RFC 7230, as PHP, Go and ModSecurity read it) and
 *           any other backslash is an ordinary byte (browsers send Windows
 *           paths unescaped); a quoted value in which ';' follows an escaped
 *           quote is refused, since a parser that does not honour the escape
 *           would see another parameter start there; a value opening with a
 *           single quote is refused (PHP and ModSecurity strip those quotes,
 *           so the name would differ); name and filename at most once; name*
 *           and filename* (RFC 5987) are refused, as RFC 7578 §4.2 forbids
 *           them. At most one Content-Type. A
 *           Content-Transfer-Encoding other than 7bit, 8bit or binary is
 *           refused: base64 or quoted-printable would hide the content from
 *           inspection. Other headers are ignored.
 *
 * Reporting: a part without filename is a text field (RP_SRC_MULTIPART,
 * name, content) reported at its closing delimiter; a part with a filename
 * parameter (even empty) is a file: its file name is reported as soon as
 * its headers end, as RP_SRC_FILENAME with RP_FIELD_FILE, and its content
 * is only counted. Limits: more than max_fields parts, or a name longer
 * than max_name_size, is RP_LIMIT; a text value or file name longer than
 * max_field_size is cut there and flagged RP_FIELD_TRUNCATED. A limit of 0
 * means no limit.
 *
 * For the SecLang rules (opt-in, rp_body_multipart_meta): each part's header
 * lines as sent (MULTIPART_PART_HEADERS), also those of a header block being
 * refused, so rules about invalid header characters (CRS 922130) still see
 * the offending line; a control character in a header line therefore stops
 * the processor at the end of that line rather than at the character. And
 * each file's full size (FILES_SIZES). rp_body_multipart_flags() tells which
 * of ModSecurity's MULTIPART_* conditions were seen.
 *
 * Streaming: the delimiter is searched for with a matcher that holds back
 * at most its own length (boundary + 4 bytes), so chunks may split anywhere
 * and memory stays bounded by the limits whatever the input.
 */
#include <stdio.h>
#include <string.h>

#include "body.h"

#define MP_MAX_HEADERS  8192
#define MP_MAX_BOUNDARY 70

typedef enum {
    M_PREAMBLE, /* matching the first "--boundary" */
    M_AFTER_B,  /* after a boundary: CRLF or "--" */
    M_AFTER_CR, /* after boundary CR: LF */
    M_AFTER_DASH,
    M_HEADERS,
    M_HEADER_CR, /* a header line's CR: LF must follow */
    M_BODY,
    M_EPILOGUE
} mstate_t;

typedef struct {
    rp_body_proc_t proc;
    rp_body_limits_t lim;
    rp_field_fn fn;
    void *ctx;

    mstate_t state;
    char pat[4 + MP_MAX_BOUNDARY]; /* "\n--" + boundary, case-folded */
    char bnd[MP_MAX_BOUNDARY];     /* the boundary as given */
    size_t blen, plen;
    size_t pos; /* preamble: bytes of "--boundary" matched */
    int lead;   /* preamble: 1 after a leading CR, 2 after CRLF */

    /* delimiter matcher in part content */
    char hold[4 + MP_MAX_BOUNDARY];
    size_t m;    /* pattern bytes matched */
    int cr_held; /* a CR is held just before hold[] */
    int virt;    /* the held CRLF is the header block's own, not content */

    rp_abuf_t line;       /* header line being read */
    rp_abuf_t hdrs;       /* meta: the part's header lines, each ended by '\n' */
    rp_abuf_t unq;        /* a quoted parameter value, unescaped */
    const char *bad_line; /* why the header line being read is refused */
    size_t hdr_bytes;
    int seen_cd, seen_ct, seen_cte;
    int has_name, has_filename;
    rp_abuf_t name, filename, value;
    int is_file;
    unsigned vflags;
    size_t file_bytes;

    size_t nfields;
    size_t fed;
    int finished;
    int meta;       /* rp_body_multipart_meta() */
    unsigned flags; /* RP_MP_* */
    int seen_crlf;  /* a line ended in CRLF (for RP_MP_CRLF_LF_LINES) */
    rp_status_t status;
} mp_t;

static rp_status_t mstop(mp_t *p, rp_status_t st, const char *why)
{
    p->status = st;
    p->proc.reason = why;
    return st;
}

static rp_status_t merr(mp_t *p, const char *why)
{
    return mstop(p, RP_ERROR, why);
}

static rp_status_t mnomem(mp_t *p)
{
    return mstop(p, RP_NOMEM, "multipart: out of memory");
}

/* Refuse, noting the ModSecurity flag the construct raises. */
static rp_status_t mflag(mp_t *p, unsigned flag, const char *why)
{
    p->flags |= flag;
    return merr(p, why);
}

static rp_status_t lf_line(mp_t *p, const char *why)
{
    p->flags |= RP_MP_LF_LINE | (p->seen_crlf ? RP_MP_CRLF_LF_LINES : 0);
    return merr(p, why);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ci_eq(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_bchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c && strchr("'()+_,-./:=? ", c) != NULL;
}

static size_t skip_ows(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t token_end(const char *s, size_t i, size_t n)
{
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    return i;
}

/* ---- reporting ---- */

static rp_status_t report(mp_t *p, rp_source_t src, const rp_abuf_t *val, unsigned flags)
{
    /* A file part reports its name and its content: one part, one count. */
    if (!(flags & RP_FIELD_CONTENT)) {
        if (p->lim.max_fields && p->nfields >= p->lim.max_fields)
            return mstop(p, RP_LIMIT, "multipart: too many parts");
        p->nfields++;
    }
    rp_status_t st =
        p->fn(p->ctx, src, p->name.data, p->name.len, val->data ? val->data : "", val->len, flags);
    if (st != RP_OK)
        return mstop(p, st, "multipart: stopped by the field callback");
    return RP_OK;
}

/* Append to a value, cutting at max_field_size. */
static rp_status_t value_put(mp_t *p, rp_abuf_t *b, const char *s, size_t n)
{
    if (p->lim.max_field_size && n > p->lim.max_field_size - b->len) {
        n = p->lim.max_field_size - b->len;
        p->vflags |= RP_FIELD_TRUNCATED;
    }
    if (n && rp_abuf_append(b, s, n) != 0)
        return mnomem(p);
    return RP_OK;
}

static rp_status_t content(mp_t *p, const char *s, size_t n)
{
    if (p->is_file) {
        /* Keep a bounded prefix: enough to tell text from binary and to
         * inspect text uploads, never the whole file. */
        size_t cap = RP_FILE_SNIFF;
        if (p->lim.max_field_size && p->lim.max_field_size < cap)
            cap = p->lim.max_field_size;
        p->file_bytes += n;
        size_t room = p->value.len < cap ? cap - p->value.len : 0;
        if (n > room)
            n = room;
        if (n && rp_abuf_append(&p->value, s, n) != 0)
            return mnomem(p);
        return RP_OK;
    }
    return value_put(p, &p->value, s, n);
}

/* ---- part headers ---- */

/* A quoted-string from s[i] (the opening quote), unescaped into p->unq:
 * \" is '"', \\ is '\', any other backslash an ordinary byte. Returns the
 * index after the closing quote; 0 means malformed. */
static size_t quoted_value(mp_t *p, const char *s, size_t i, size_t n, rp_status_t *st)
{
    rp_abuf_clear(&p->unq);
    size_t k = i + 1, run = k;
    int escaped_quote = 0;
    for (; k < n && s[k] != '"'; k++) {
        if (s[k] == '\\' && k + 1 < n && (s[k + 1] == '"' || s[k + 1] == '\\')) {
            if (k > run && rp_abuf_append(&p->unq, s + run, k - run) != 0) {
                *st = mnomem(p);
                return 0;
            }
            escaped_quote |= s[k + 1] == '"';
            run = ++k; /* the escaped byte starts the next run */
        } else if (s[k] == ';' && escaped_quote) {
            /* Where the escape is not honoured, the value ends at the
             * escaped quote and a parameter starts here. */
            *st = mflag(p, RP_MP_INVALID_QUOTING,
                        "multipart: ';' after an escaped quote in Content-Disposition");
            return 0;
        }
    }
    if (k == n) {
        *st = mflag(p, RP_MP_INVALID_QUOTING, "multipart: unbalanced quote in Content-Disposition");
        return 0;
    }
    if ((k > run && rp_abuf_append(&p->unq, s + run, k - run) != 0) ||
        (!p->unq.data && rp_abuf_append(&p->unq, "", 0) != 0)) {
        *st = mnomem(p);
        return 0;
    }
    return k + 1;
}

/* A parameter value: token or quoted-string. On success *vs and *vl point to
 * it (into s, or into p->unq for a quoted-string) and the index after it is
 * returned; 0 means malformed. */
static size_t param_value(mp_t *p, const char *s, size_t i, size_t n, const char **vs, size_t *vl,
                          rp_status_t *st)
{
    if (i < n && s[i] == '"') {
        size_t e = quoted_value(p, s, i, n, st);
        if (e) {
            *vs = p->unq.data;
            *vl = p->unq.len;
        }
        return e;
    }
    if (i < n && s[i] == '\'') {
        *st = mflag(p, RP_MP_INVALID_QUOTING,
                    "multipart: single-quoted parameter value in Content-Disposition");
        return 0;
    }
    size_t e = token_end(s, i, n);
    if (e == i) {
        *st = merr(p, "multipart: empty or invalid parameter value");
        return 0;
    }
    *vs = s + i;
    *vl = e - i;
    return e;
}

static rp_status_t disposition(mp_t *p, const char *s, size_t n)
{
    size_t i = token_end(s, 0, n);
    if (!ci_eq(s, i, "form-data"))
        return merr(p, "multipart: Content-Disposition is not form-data");
    for (;;) {
        i = skip_ows(s, i, n);
        if (i == n)
            return RP_OK;
        if (s[i] != ';')
            return mflag(p, s[i - 1] == '"' ? RP_MP_INVALID_QUOTING : 0,
                         "multipart: malformed Content-Disposition");
        i = skip_ows(s, i + 1, n);
        size_t ns = i;
        i = token_end(s, i, n);
        if (i == ns)
            return merr(p, "multipart: empty parameter in Content-Disposition");
        if (i == n || s[i] != '=')
            return merr(p, "multipart: parameter without '=' in Content-Disposition");
        const char *pn = s + ns;
        size_t pl = i - ns;
        if (pn[pl - 1] == '*')
            return merr(p, "multipart: RFC 5987 parameter (name*, filename*) refused");
        const char *vs;
        size_t vl;
        rp_status_t st = RP_OK;
        i = param_value(p, s, i + 1, n, &vs, &vl, &st);
        if (!i)
            return st;
        int is_name = ci_eq(pn, pl, "name"), is_filename = ci_eq(pn, pl, "filename");
        if ((is_name || is_filename) && memchr(vs, '\'', vl))
            p->flags |= RP_MP_INVALID_QUOTING; /* as ModSecurity; accepted */
        if (is_name) {
            if (p->has_name)
                return merr(p, "multipart: duplicate name parameter");
            p->has_name = 1;
            if (p->lim.max_name_size && vl > p->lim.max_name_size)
                return mstop(p, RP_LIMIT, "multipart: field name too long");
            if (rp_abuf_append(&p->name, vs, vl) != 0)
                return mnomem(p);
        } else if (is_filename) {
            if (p->has_filename)
                return merr(p, "multipart: duplicate filename parameter");
            p->has_filename = 1;
            if ((st = value_put(p, &p->filename, vs, vl)) != RP_OK)
                return st;
            if (!p->filename.data && rp_abuf_append(&p->filename, "", 0) != 0)
                return mnomem(p);
        }
    }
}

static rp_status_t header_line(mp_t *p, const char *s, size_t n)
{
    if (s[0] == ' ' || s[0] == '\t')
        return mflag(p, RP_MP_HEADER_FOLDING, "multipart: folded part header");
    size_t c = token_end(s, 0, n);
    if (c == n || s[c] != ':')
        return merr(p, memchr(s, ':', n) ? "multipart: invalid part header name"
                                         : "multipart: part header without colon");
    if (c == 0)
        return merr(p, "multipart: invalid part header name");
    size_t v = skip_ows(s, c + 1, n), e = n;
    while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (ci_eq(s, c, "content-disposition")) {
        if (p->seen_cd++)
            return merr(p, "multipart: duplicate Content-Disposition");
        return disposition(p, s + v, e - v);
    }
    if (ci_eq(s, c, "content-type")) {
        if (p->seen_ct++)
            return merr(p, "multipart: duplicate Content-Type");
        return RP_OK;
    }
    if (ci_eq(s, c, "content-transfer-encoding")) {
        if (p->seen_cte++)
            return merr(p, "multipart: duplicate Content-Transfer-Encoding");
        if (!ci_eq(s + v, e - v, "7bit") && !ci_eq(s + v, e - v, "8bit") &&
            !ci_eq(s + v, e - v, "binary"))
            return merr(p, "multipart: Content-Transfer-Encoding refused");
    }
    return RP_OK;
}

/* meta: keep the header line just read, for report_lines(). */
static rp_status_t keep_line(mp_t *p)
{
    if (!p->meta)
        return RP_OK;
    if ((p->line.len && rp_abuf_append(&p->hdrs, p->line.data, p->line.len) != 0) ||
        rp_abuf_putc(&p->hdrs, '\n') != 0)
        return mnomem(p);
    return RP_OK;
}

/* meta: report the kept header lines, in order, under the part's name. */
static rp_status_t report_lines(mp_t *p)
{
    char *s = p->hdrs.data;
    size_t n = p->hdrs.len, i = 0;
    while (i < n) {
        char *nl = memchr(s + i, '\n', n - i); /* every kept line ends in '\n' */
        *nl = '\0';
        rp_status_t st = p->fn(p->ctx, RP_SRC_MULTIPART, p->name.data ? p->name.data : "",
                               p->name.len, s + i, (size_t)(nl - (s + i)), RP_FIELD_PART_HEADER);
        if (st != RP_OK)
            return mstop(p, st, "multipart: stopped by the field callback");
        i = (size_t)(nl - s) + 1;
    }
    rp_abuf_clear(&p->hdrs);
    return RP_OK;
}

/* The part's header block has just been refused (status and reason are
 * set): meta still reports the lines read, the offending one as far as it
 * was read, so rules can see what was refused. */
static rp_status_t headers_refused(mp_t *p)
{
    rp_status_t st = p->status;
    if (!p->meta || st == RP_NOMEM)
        return st;
    if (p->line.len) {
        if (keep_line(p) != RP_OK)
            return p->status;
        rp_abuf_clear(&p->line);
    }
    rp_status_t r = report_lines(p);
    return r != RP_OK ? r : st;
}

static void part_reset(mp_t *p)
{
    rp_abuf_clear(&p->line);
    rp_abuf_clear(&p->hdrs);
    p->bad_line = NULL;
    rp_abuf_clear(&p->name);
    rp_abuf_clear(&p->filename);
    rp_abuf_clear(&p->value);
    p->hdr_bytes = 0;
    p->seen_cd = p->seen_ct = p->seen_cte = 0;
    p->has_name = p->has_filename = 0;
    p->is_file = 0;
    p->vflags = 0;
    p->file_bytes = 0;
}

/* The empty line ending a part's headers. */
static rp_status_t headers_done(mp_t *p)
{
    if (!p->seen_cd) {
        merr(p, "multipart: part without Content-Disposition");
        return headers_refused(p);
    }
    if (!p->has_name || p->name.len == 0) {
        mflag(p, RP_MP_INVALID_PART, "multipart: part without a name");
        return headers_refused(p);
    }
    rp_status_t st = report_lines(p);
    if (st != RP_OK)
        return st;
    p->state = M_BODY;
    /* The CRLF ending the headers also serves as the CRLF of a delimiter
     * for an empty part, and "--boundary" right here is refused. */
    p->m = 1;
    p->hold[0] = '\n';
    p->cr_held = 1;
    p->virt = 1;
    if (p->has_filename) {
        p->is_file = 1;
        unsigned flags = RP_FIELD_FILE | p->vflags;
        p->vflags = 0;
        return report(p, RP_SRC_FILENAME, &p->filename, flags);
    }
    return RP_OK;
}

static rp_status_t header_byte(mp_t *p, char c)
{
    rp_status_t st;
    if (p->state == M_HEADER_CR) {
        if (c != '\n') {
            merr(p, "multipart: bare CR in part header");
            return headers_refused(p);
        }
        p->state = M_HEADERS;
        p->seen_crlf = 1;
        if (p->line.len == 0)
            return headers_done(p);
        if ((st = keep_line(p)) != RP_OK)
            return st;
        if (p->bad_line)
            merr(p, p->bad_line);
        else
            st = header_line(p, p->line.data, p->line.len);
        rp_abuf_clear(&p->line);
        if (p->status == RP_OK)
            return RP_OK;
        return st == RP_NOMEM ? st : headers_refused(p);
    }
    if (++p->hdr_bytes > MP_MAX_HEADERS) {
        merr(p, "multipart: part headers too long");
        return headers_refused(p);
    }
    if (c == '\r') {
        p->state = M_HEADER_CR;
        return RP_OK;
    }
    if (c == '\n') {
        lf_line(p, "multipart: bare LF in part header");
        return headers_refused(p);
    }
    /* Refused at the end of the line, so the whole line can be reported. */
    if ((unsigned char)c < 0x20 && c != '\t' && !p->bad_line)
        p->bad_line = "multipart: control character in part header";
    if (rp_abuf_putc(&p->line, c) != 0)
        return mnomem(p);
    return RP_OK;
}

/* ---- part content and delimiters ---- */

static rp_status_t delimiter(mp_t *p)
{
    if (!p->cr_held)
        return lf_line(p, "multipart: boundary after a bare LF");
    if (memcmp(p->hold + 3, p->bnd, p->blen) != 0)
        return mflag(p, RP_MP_UNMATCHED_BOUNDARY, "multipart: boundary with different case");
    p->m = 0;
    p->cr_held = 0;
    p->virt = 0;
    p->state = M_AFTER_B;
    if (!p->is_file)
        return report(p, RP_SRC_MULTIPART, &p->value, p->vflags);
    rp_status_t st = report(p, RP_SRC_FILE, &p->value, RP_FIELD_FILE | RP_FIELD_CONTENT);
    if (st != RP_OK || !p->meta)
        return st;
    char size[24];
    int k = snprintf(size, sizeof(size), "%zu", p->file_bytes);
    st = p->fn(p->ctx, RP_SRC_FILE, p->name.data, p->name.len, size, (size_t)k,
               RP_FIELD_FILE | RP_FIELD_FILE_SIZE);
    if (st != RP_OK)
        return mstop(p, st, "multipart: stopped by the field callback");
    return RP_OK;
}

/* Give back the held bytes as content: they were not a delimiter. */
static rp_status_t unhold(mp_t *p)
{
    rp_status_t st = RP_OK;
    if (p->cr_held && !p->virt)
        st = content(p, "\r", 1);
    if (st == RP_OK && p->m > (size_t)p->virt)
        st = content(p, p->hold + p->virt, p->m - (size_t)p->virt);
    p->m = 0;
    p->cr_held = 0;
    p->virt = 0;
    return st;
}

static rp_status_t body_byte(mp_t *p, char c)
{
    rp_status_t st;
    if (p->m) {
        if (lower((unsigned char)c) == p->pat[p->m]) {
            p->hold[p->m++] = c;
            return p->m == p->plen ? delimiter(p) : RP_OK;
        }
        /* The pattern holds no CR or LF after its first byte, so a
         * mismatch cannot hide the start of another delimiter. */
        if ((st = unhold(p)) != RP_OK)
            return st;
    }
    if (c == '\n') {
        p->m = 1;
        p->hold[0] = '\n';
        return RP_OK;
    }
    if (p->cr_held) {
        p->cr_held = 0;
        if ((st = content(p, "\r", 1)) != RP_OK)
            return st;
    }
    if (c == '\r') {
        p->cr_held = 1;
        return RP_OK;
    }
    return content(p, &c, 1);
}

/* ---- driver ---- */

static rp_status_t mp_byte(mp_t *p, char c)
{
    switch (p->state) {
    case M_PREAMBLE: {
        /* An optional CRLF (the empty preamble), then "--boundary". */
        if (p->pos == 0 && p->lead == 0 && c == '\r') {
            p->lead = 1;
            return RP_OK;
        }
        if (p->lead == 1) {
            if (c != '\n')
                return mflag(p, RP_MP_DATA_BEFORE, "multipart: data before the first boundary");
            p->lead = 2;
            return RP_OK;
        }
        char want = p->pos < 2 ? '-' : p->bnd[p->pos - 2];
        if (c != want)
            return mflag(p, RP_MP_DATA_BEFORE, "multipart: data before the first boundary");
        if (++p->pos == p->blen + 2)
            p->state = M_AFTER_B;
        return RP_OK;
    }
    case M_AFTER_B:
        if (c == '\r')
            p->state = M_AFTER_CR;
        else if (c == '-')
            p->state = M_AFTER_DASH;
        else if (c == '\n')
            return lf_line(p, "multipart: unexpected data after boundary");
        else
            return merr(p, "multipart: unexpected data after boundary");
        return RP_OK;
    case M_AFTER_CR:
        if (c != '\n')
            return merr(p, "multipart: unexpected data after boundary");
        p->seen_crlf = 1;
        part_reset(p);
        p->state = M_HEADERS;
        return RP_OK;
    case M_AFTER_DASH:
        if (c != '-')
            return merr(p, "multipart: unexpected data after boundary");
        p->state = M_EPILOGUE;
        return RP_OK;
    case M_HEADERS:
    case M_HEADER_CR:
        return header_byte(p, c);
    case M_BODY:
        return body_byte(p, c);
    case M_EPILOGUE:
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return mflag(p, RP_MP_DATA_AFTER, "multipart: data after the close delimiter");
        return RP_OK;
    }
    return merr(p, "multipart: internal state");
}

static rp_status_t mp_feed(rp_body_proc_t *proc, const char *data, size_t len)
{
    mp_t *p = (mp_t *)proc;
    if (p->status != RP_OK)
        return p->status;
    if (p->finished)
        return merr(p, "multipart: data after finish");
    p->fed += len;
    size_t i = 0;
    while (i < len) {
        /* Plain content goes through in runs, not byte by byte. */
        if (p->state == M_BODY && p->m == 0 && !p->cr_held) {
            size_t k = i;
            while (k < len && data[k] != '\r' && data[k] != '\n')
                k++;
            if (k > i) {
                rp_status_t st = content(p, data + i, k - i);
                if (st != RP_OK)
                    return st;
                i = k;
                continue;
            }
        }
        rp_status_t st = mp_byte(p, data[i++]);
        if (st != RP_OK)
            return st;
    }
    return RP_OK;
}

static rp_status_t mp_finish(rp_body_proc_t *proc)
{
    mp_t *p = (mp_t *)proc;
    if (p->status != RP_OK || p->finished)
        return p->status;
    p->finished = 1;
    if (p->fed == 0 || p->state == M_EPILOGUE)
        return RP_OK;
    return merr(p, "multipart: missing close delimiter");
}

rp_body_proc_t *rp_body_multipart_new(rp_arena_t *a, const rp_body_limits_t *lim,
                                      const char *boundary, size_t boundary_len, rp_field_fn fn,
                                      void *ctx)
{
    mp_t *p = rp_arena_calloc(a, sizeof(*p));
    if (!p)
        return NULL;
    /* The constructor cannot fail for bad input, only for memory: a
     * boundary rp_multipart_boundary() would refuse gives a processor that
     * answers RP_ERROR to its first call. The matcher relies on it holding
     * no CR or LF. */
    int bad =
        boundary_len == 0 || boundary_len > MP_MAX_BOUNDARY || boundary[boundary_len - 1] == ' ';
    for (size_t i = 0; !bad && i < boundary_len; i++)
        bad = !is_bchar((unsigned char)boundary[i]);
    if (bad) {
        boundary_len = 1;
        boundary = "-";
        mstop(p, RP_ERROR, "multipart: invalid boundary");
    }
    p->proc.feed = mp_feed;
    p->proc.finish = mp_finish;
    p->lim = *lim;
    p->fn = fn;
    p->ctx = ctx;
    p->state = M_PREAMBLE;
    memcpy(p->bnd, boundary, boundary_len);
    p->blen = boundary_len;
    memcpy(p->pat, "\n--", 3);
    for (size_t i = 0; i < boundary_len; i++)
        p->pat[3 + i] = (char)lower((unsigned char)boundary[i]);
    p->plen = 3 + boundary_len;
    rp_abuf_init(&p->line, a);
    rp_abuf_init(&p->hdrs, a);
    rp_abuf_init(&p->unq, a);
    rp_abuf_init(&p->name, a);
    rp_abuf_init(&p->filename, a);
    rp_abuf_init(&p->value, a);
    return &p->proc;
}

void rp_body_multipart_meta(rp_body_proc_t *proc)
{
    ((mp_t *)proc)->meta = 1;
}

unsigned rp_body_multipart_flags(const rp_body_proc_t *proc)
{
    return ((const mp_t *)proc)->flags;
}

/* ---- Content-Type: boundary parameter ---- */

/* "boundary=" hidden in another parameter's quoted value is what a naive
 * substring search would pick up: a different boundary than ours. */
static int hides_boundary(const char *s, size_t n)
{
    static const char key[] = "boundary=";
    for (size_t i = 0; i + sizeof(key) - 1 <= n; i++)
        if (ci_eq(s + i, sizeof(key) - 1, key))
            return 1;
    return 0;
}

rp_status_t rp_multipart_boundary(const char *ct, size_t ct_len, const char **b, size_t *b_len)
{
    size_t i = skip_ows(ct, 0, ct_len), e;
    const char *found = NULL;
    size_t found_len = 0;

    /* type "/" subtype */
    e = token_end(ct, i, ct_len);
    if (e == i || e == ct_len || ct[e] != '/')
        return RP_ERROR;
    i = e + 1;
    e = token_end(ct, i, ct_len);
    if (e == i)
        return RP_ERROR;
    i = e;
    for (;;) {
        i = skip_ows(ct, i, ct_len);
        if (i == ct_len)
            break;
        if (ct[i] != ';')
            return RP_ERROR;
        i = skip_ows(ct, i + 1, ct_len);
        size_t ns = i;
        i = token_end(ct, i, ct_len);
        if (i == ns || i == ct_len || ct[i] != '=')
            return RP_ERROR;
        size_t nl = i - ns;
        const char *vs;
        size_t vl;
        i++;
        if (i < ct_len && ct[i] == '"') {
            const char *q = memchr(ct + i + 1, '"', ct_len - i - 1);
            if (!q)
                return RP_ERROR;
            vs = ct + i + 1;
            vl = (size_t)(q - vs);
            /* quoted-pair would give the value two spellings: refused. */
            if (memchr(vs, '\\', vl) || hides_boundary(vs, vl))
                return RP_ERROR;
            i = (size_t)(q - ct) + 1;
        } else {
            e = token_end(ct, i, ct_len);
            if (e == i)
                return RP_ERROR;
            vs = ct + i;
            vl = e - i;
            i = e;
        }
        if (ci_eq(ct + ns, nl, "boundary")) {
            if (found)
                return RP_ERROR;
            found = vs;
            found_len = vl;
        }
    }
    if (!found || found_len == 0 || found_len > MP_MAX_BOUNDARY || found[found_len - 1] == ' ')
        return RP_ERROR;
    for (size_t k = 0; k < found_len; k++)
        if (!is_bchar((unsigned char)found[k]))
            return RP_ERROR;
    *b = found;
    *b_len = found_len;
    return RP_OK;
}
