/*
 * body_json.c — streaming JSON (RFC 8259) for request bodies.
 *
 * A byte-at-a-time state machine: it never needs the whole body, only the
 * token in progress (bounded by max_field_size / max_name_size) and a stack
 * of open containers (bounded by max_depth). Every scalar is reported under
 * its flattened name — object members joined with '.', array elements by
 * index, {"a":{"b":[1,{"c":"x"}]}} giving a.b.0=1 and a.b.1.c=x — and every
 * object key is reported once more with RP_FIELD_KEY_ONLY (name = the key's
 * full path, value = the key) so detectors look at keys too. Members of the
 * top-level container have no leading '.'; a nested container reached
 * through an empty key keeps its '.', so {"":{"a":1}} is ".a", not "a". A
 * top-level scalar has the name "". Keys holding '.' are not escaped:
 * {"a.b":1} and {"a":{"b":1}} share a name, which is harmless for inspection.
 *
 * Strictness (RP_ERROR with a reason): anything RFC 8259 forbids — trailing
 * commas, unquoted or non-string keys, single quotes, control characters
 * in strings, leading zeros, "+1", ".5", "1.", NaN/Infinity, comments,
 * garbage after the top-level value, an unterminated document. Two
 * deliberate leniencies, both flagged rather than rejected, because the
 * value is still worth inspecting: an invalid escape (\x, \u12G4) or a lone
 * UTF-16 surrogate is kept as its raw text with RP_FIELD_BAD_ESCAPE. A
 * leading UTF-8 byte order mark is skipped. Raw bytes >= 0x80 pass through
 * unchecked. A body of zero bytes is accepted with no fields; whitespace
 * alone is an error.
 *
 * Limits: nesting deeper than max_depth, more than max_fields fields (keys
 * count), or a name longer than max_name_size stop the parser with
 * RP_LIMIT; a value longer than max_field_size is cut there, flagged
 * RP_FIELD_TRUNCATED, and parsing goes on. A limit of 0 means no limit.
 */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "body.h"

typedef enum {
    J_BOM,       /* inside a leading EF BB BF */
    J_VALUE,     /* a value must come */
    J_ARR_FIRST, /* after '[': a value or ']' */
    J_OBJ_FIRST, /* after '{': a key or '}' */
    J_KEY,       /* after ',' in an object: a key */
    J_COLON,     /* after a key */
    J_AFTER,     /* after a member/element: ',' or the close */
    J_DONE,      /* after the top-level value: whitespace only */
    J_STRING,
    J_NUMBER,
    J_LITERAL
} jstate_t;

typedef enum {
    S_CHAR,   /* plain string content */
    S_ESC,    /* after '\' */
    S_HEX,    /* in the four digits of \u */
    S_LOW_BS, /* after a high surrogate: a '\' for its low half? */
    S_LOW_U   /* after a high surrogate and '\': a 'u'? */
} sstate_t;

typedef enum {
    N_MINUS, /* after '-': a digit must come */
    N_ZERO,  /* a leading 0: no more integer digits */
    N_INT,
    N_DOT, /* after '.': a digit must come */
    N_FRAC,
    N_E,     /* after 'e': sign or digit */
    N_ESIGN, /* after the exponent sign: a digit */
    N_EXP
} nstate_t;

typedef struct {
    unsigned char is_obj;
    size_t index;  /* next array index */
    size_t prefix; /* path length naming this container */
} frame_t;

typedef struct {
    rp_body_proc_t proc;
    rp_body_limits_t lim;
    rp_field_fn fn;
    void *ctx;
    rp_arena_t *arena;

    jstate_t state;
    sstate_t sstate;
    nstate_t nstate;
    int in_key;      /* the string being read is an object key */
    unsigned vflags; /* flags of the token being read */
    unsigned hexn;   /* \u digits read so far */
    unsigned unit;   /* their value */
    unsigned high;   /* pending high surrogate */
    char hexraw[4];  /* the digits as written, for keeping bad escapes */
    char highraw[4];
    const char *lit; /* literal being matched: "true", "false", "null" */
    size_t litpos;

    rp_abuf_t tok;  /* the token (string content, number, literal) */
    rp_abuf_t path; /* the current flattened name */
    frame_t *stack;
    size_t depth, stack_cap;
    size_t nfields;
    size_t fed; /* bytes seen, to tell an empty body from a blank one */
    int finished;
    rp_status_t status;
} json_t;

static rp_status_t jstop(json_t *j, rp_status_t st, const char *why)
{
    j->status = st;
    j->proc.reason = why;
    return st;
}

static rp_status_t jnomem(json_t *j)
{
    return jstop(j, RP_NOMEM, "JSON: out of memory");
}

/* ' ', '\t', '\n', '\r' as bits of one word: one test instead of four. */
#define WS_BITS                                                                                    \
    ((UINT64_C(1) << ' ') | (UINT64_C(1) << '\t') | (UINT64_C(1) << '\n') | (UINT64_C(1) << '\r'))

static int is_ws(unsigned char c)
{
    return c <= ' ' && ((WS_BITS >> c) & 1);
}

static int is_digit(unsigned char c)
{
    return (unsigned char)(c - '0') < 10;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Add bytes to the token: a key beyond max_name_size is a limit (it will
 * be part of a name); a value beyond max_field_size is cut and flagged. */
static rp_status_t tok_put(json_t *j, const char *s, size_t n)
{
    if (j->in_key) {
        if (j->lim.max_name_size && n > j->lim.max_name_size - j->tok.len)
            return jstop(j, RP_LIMIT, "JSON: name too long");
    } else if (j->lim.max_field_size && n > j->lim.max_field_size - j->tok.len) {
        n = j->lim.max_field_size - j->tok.len;
        j->vflags |= RP_FIELD_TRUNCATED;
    }
    if (n && rp_abuf_append(&j->tok, s, n) != 0)
        return jnomem(j);
    return RP_OK;
}

static rp_status_t tok_utf8(json_t *j, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return tok_put(j, b, n);
}

/* Keep an escape that cannot be decoded as the text it was written as. */
static rp_status_t tok_raw_u(json_t *j, const char *digits, size_t n)
{
    rp_status_t st = tok_put(j, "\\u", 2);
    if (st == RP_OK)
        st = tok_put(j, digits, n);
    j->vflags |= RP_FIELD_BAD_ESCAPE;
    return st;
}

static rp_status_t emit(json_t *j, const char *value, size_t vlen, unsigned flags)
{
    if (j->lim.max_fields && j->nfields >= j->lim.max_fields)
        return jstop(j, RP_LIMIT, "JSON: too many fields");
    j->nfields++;
    const char *name = j->path.data ? j->path.data : "";
    rp_status_t st = j->fn(j->ctx, RP_SRC_JSON, name, j->path.len, value, vlen, flags);
    if (st != RP_OK)
        return jstop(j, st, "JSON: stopped by the field callback");
    return RP_OK;
}

static rp_status_t path_check(json_t *j)
{
    if (j->lim.max_name_size && j->path.len > j->lim.max_name_size)
        return jstop(j, RP_LIMIT, "JSON: name too long");
    return RP_OK;
}

static void path_cut(json_t *j, size_t len)
{
    j->path.len = len;
    if (j->path.data)
        j->path.data[len] = '\0';
}

/* A value begins: inside an array its name is the parent's plus the
 * index; inside an object the key already put it in path. */
static rp_status_t value_begin(json_t *j)
{
    if (j->depth == 0)
        return RP_OK;
    frame_t *f = &j->stack[j->depth - 1];
    if (f->is_obj)
        return RP_OK;
    /* ".<index>", written by hand: this runs for every array element and
     * snprintf's setup cost dominated it. */
    char num[24];
    char *e = num + sizeof(num), *d = e;
    size_t idx = f->index;
    do {
        *--d = (char)('0' + idx % 10);
        idx /= 10;
    } while (idx);
    if (j->depth > 1)
        *--d = '.';
    path_cut(j, f->prefix);
    if (rp_abuf_append(&j->path, d, (size_t)(e - d)) != 0)
        return jnomem(j);
    return path_check(j);
}

/* A value (scalar or container) has ended: back to the parent's name. */
static void value_end(json_t *j)
{
    if (j->depth == 0) {
        j->state = J_DONE;
        return;
    }
    frame_t *f = &j->stack[j->depth - 1];
    path_cut(j, f->prefix);
    if (!f->is_obj)
        f->index++;
    j->state = J_AFTER;
}

static rp_status_t push(json_t *j, int is_obj)
{
    if (j->lim.max_depth && j->depth >= j->lim.max_depth)
        return jstop(j, RP_LIMIT, "JSON: nesting too deep");
    if (j->depth == j->stack_cap) {
        size_t cap = j->stack_cap ? j->stack_cap * 2 : 8;
        frame_t *s = rp_arena_alloc(j->arena, cap * sizeof(*s));
        if (!s)
            return jnomem(j);
        if (j->depth)
            memcpy(s, j->stack, j->depth * sizeof(*s));
        j->stack = s;
        j->stack_cap = cap;
    }
    frame_t *f = &j->stack[j->depth++];
    f->is_obj = (unsigned char)is_obj;
    f->index = 0;
    f->prefix = j->path.len;
    j->state = is_obj ? J_OBJ_FIRST : J_ARR_FIRST;
    return RP_OK;
}

static rp_status_t key_end(json_t *j)
{
    frame_t *f = &j->stack[j->depth - 1];
    path_cut(j, f->prefix);
    if (j->depth > 1 && rp_abuf_putc(&j->path, '.') != 0)
        return jnomem(j);
    if (rp_abuf_append(&j->path, j->tok.data ? j->tok.data : "", j->tok.len) != 0)
        return jnomem(j);
    rp_status_t st = path_check(j);
    if (st != RP_OK)
        return st;
    size_t vlen = j->tok.len;
    unsigned flags = RP_FIELD_KEY_ONLY | (j->vflags & RP_FIELD_BAD_ESCAPE);
    if (j->lim.max_field_size && vlen > j->lim.max_field_size) {
        vlen = j->lim.max_field_size;
        flags |= RP_FIELD_TRUNCATED;
    }
    /* Cutting the key for its value must not cut the name (same buffer
     * only in spirit: the value is the token, the name is path). */
    char save = j->tok.data ? j->tok.data[vlen] : '\0';
    if (j->tok.data)
        j->tok.data[vlen] = '\0';
    st = emit(j, j->tok.data ? j->tok.data : "", vlen, flags);
    if (j->tok.data)
        j->tok.data[vlen] = save;
    j->state = J_COLON;
    return st;
}

static rp_status_t scalar_end(json_t *j)
{
    rp_status_t st = emit(j, j->tok.data ? j->tok.data : "", j->tok.len, j->vflags);
    value_end(j);
    return st;
}

static void token_begin(json_t *j, jstate_t st, int in_key)
{
    rp_abuf_clear(&j->tok);
    j->vflags = 0;
    j->in_key = in_key;
    j->state = st;
    j->sstate = S_CHAR;
}

/* A string has ended on its closing quote. */
static rp_status_t string_end(json_t *j)
{
    if (j->in_key)
        return key_end(j);
    return scalar_end(j);
}

/* A four-digit \u unit is complete. */
static rp_status_t unit_done(json_t *j)
{
    unsigned u = j->unit;
    rp_status_t st;
    if (j->high) {
        if (u >= 0xDC00 && u <= 0xDFFF) {
            uint32_t cp = 0x10000 + ((j->high - 0xD800) << 10) + (u - 0xDC00);
            j->high = 0;
            j->sstate = S_CHAR;
            return tok_utf8(j, cp);
        }
        /* The high half had no partner: keep it as written, then treat
         * this unit on its own. */
        j->high = 0;
        if ((st = tok_raw_u(j, j->highraw, 4)) != RP_OK)
            return st;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
        j->high = u;
        memcpy(j->highraw, j->hexraw, 4);
        j->sstate = S_LOW_BS;
        return RP_OK;
    }
    j->sstate = S_CHAR;
    if (u >= 0xDC00 && u <= 0xDFFF)
        return tok_raw_u(j, j->hexraw, 4);
    return tok_utf8(j, u);
}

/* One byte inside a string. Returns RP_AGAIN when the byte was not used
 * and must be looked at again in the state now set. */
static rp_status_t string_byte(json_t *j, unsigned char c)
{
    rp_status_t st;
    switch (j->sstate) {
    case S_CHAR:
        if (c == '"')
            return string_end(j);
        if (c == '\\') {
            j->sstate = S_ESC;
            return RP_OK;
        }
        if (c < 0x20)
            return jstop(j, RP_ERROR, "JSON: control character in string");
        return tok_put(j, (const char *)&c, 1);
    case S_ESC: {
        static const char from[] = "\"\\/bfnrt";
        static const char to[] = "\"\\/\b\f\n\r\t";
        const char *p = c ? strchr(from, c) : NULL;
        if (p) {
            j->sstate = S_CHAR;
            return tok_put(j, &to[p - from], 1);
        }
        if (c == 'u') {
            j->sstate = S_HEX;
            j->hexn = 0;
            j->unit = 0;
            return RP_OK;
        }
        /* Not an RFC escape: keep the backslash, then read c as content
         * (a quote after it still ends the string). */
        j->vflags |= RP_FIELD_BAD_ESCAPE;
        j->sstate = S_CHAR;
        if ((st = tok_put(j, "\\", 1)) != RP_OK)
            return st;
        return RP_AGAIN;
    }
    case S_HEX: {
        int h = hexval(c);
        if (h >= 0) {
            j->hexraw[j->hexn++] = (char)c;
            j->unit = (j->unit << 4) | (unsigned)h;
            return j->hexn == 4 ? unit_done(j) : RP_OK;
        }
        if (j->high) {
            j->high = 0;
            if ((st = tok_raw_u(j, j->highraw, 4)) != RP_OK)
                return st;
        }
        j->sstate = S_CHAR;
        if ((st = tok_raw_u(j, j->hexraw, j->hexn)) != RP_OK)
            return st;
        return RP_AGAIN;
    }
    case S_LOW_BS:
        if (c == '\\') {
            j->sstate = S_LOW_U;
            return RP_OK;
        }
        j->high = 0;
        j->sstate = S_CHAR;
        if ((st = tok_raw_u(j, j->highraw, 4)) != RP_OK)
            return st;
        return RP_AGAIN;
    case S_LOW_U:
        if (c == 'u') {
            j->sstate = S_HEX;
            j->hexn = 0;
            j->unit = 0;
            return RP_OK;
        }
        /* "\uD83D\n": the high half is lone; the '\' already read starts
         * an ordinary escape. */
        j->high = 0;
        j->sstate = S_ESC;
        if ((st = tok_raw_u(j, j->highraw, 4)) != RP_OK)
            return st;
        return RP_AGAIN;
    }
    return RP_OK;
}

/* The plain part of a string, taken in one go. */
/* Bytes that end a run of plain string content: '"', '\\' and the
 * control characters JSON forbids unescaped. One lookup per byte. */
static const unsigned char string_stop[256] = {
    1,         1,          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00-0x0f */
    1,         1,          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10-0x1f */
    ['"'] = 1, ['\\'] = 1,
};

static size_t string_run(const unsigned char *s, size_t len)
{
    size_t i = 0;
#ifdef __SSE2__
    /* 16 bytes per step: string content is most of a JSON body. A byte
     * stops the run when it is '"', '\\' or below 0x20 (as signed bytes,
     * 0x00-0x1f are the only ones in [0, 0x20); 0x80-0xff are negative
     * and so never "below" here, which is right: they are content). */
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i minus1 = _mm_set1_epi8(-1);
    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i ctl = _mm_and_si128(_mm_cmplt_epi8(v, space), _mm_cmpgt_epi8(v, minus1));
        __m128i stop =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)), ctl);
        int mask = _mm_movemask_epi8(stop);
        if (mask)
            return i + (size_t)__builtin_ctz((unsigned)mask);
        i += 16;
    }
#endif
    while (i < len && !string_stop[s[i]])
        i++;
    return i;
}

static int num_is_complete(nstate_t n)
{
    return n == N_ZERO || n == N_INT || n == N_FRAC || n == N_EXP;
}

/* One byte of a number; RP_AGAIN when it ends the number unused. */
static rp_status_t number_byte(json_t *j, unsigned char c)
{
    int digit = c >= '0' && c <= '9';
    nstate_t next;
    switch (j->nstate) {
    case N_MINUS:
        if (!digit)
            return jstop(j, RP_ERROR, "JSON: malformed number");
        next = c == '0' ? N_ZERO : N_INT;
        break;
    case N_ZERO:
        if (digit)
            return jstop(j, RP_ERROR, "JSON: number with a leading zero");
        /* fall through */
    case N_INT:
        if (digit)
            next = N_INT;
        else if (c == '.')
            next = N_DOT;
        else if (c == 'e' || c == 'E')
            next = N_E;
        else
            goto end;
        break;
    case N_DOT:
    case N_FRAC:
        if (digit)
            next = N_FRAC;
        else if (j->nstate == N_FRAC && (c == 'e' || c == 'E'))
            next = N_E;
        else if (j->nstate == N_FRAC)
            goto end;
        else
            return jstop(j, RP_ERROR, "JSON: malformed number");
        break;
    case N_E:
        if (c == '+' || c == '-') {
            next = N_ESIGN;
            break;
        }
        /* fall through */
    case N_ESIGN:
        if (!digit)
            return jstop(j, RP_ERROR, "JSON: malformed number");
        next = N_EXP;
        break;
    case N_EXP:
        if (digit) {
            next = N_EXP;
            break;
        }
        goto end;
    default:
        return jstop(j, RP_ERROR, "JSON: malformed number");
    }
    j->nstate = next;
    return tok_put(j, (const char *)&c, 1);
end : {
    rp_status_t st = scalar_end(j);
    return st == RP_OK ? RP_AGAIN : st;
}
}

static rp_status_t literal_byte(json_t *j, unsigned char c)
{
    if ((unsigned char)j->lit[j->litpos] != c)
        return jstop(j, RP_ERROR, "JSON: unexpected character");
    rp_status_t st = tok_put(j, (const char *)&c, 1);
    if (st != RP_OK)
        return st;
    if (j->lit[++j->litpos] == '\0')
        return scalar_end(j);
    return RP_OK;
}

/* The first byte of a value. */
static rp_status_t value_start(json_t *j, unsigned char c)
{
    rp_status_t st = value_begin(j);
    if (st != RP_OK)
        return st;
    switch (c) {
    case '{':
        return push(j, 1);
    case '[':
        return push(j, 0);
    case '"':
        token_begin(j, J_STRING, 0);
        return RP_OK;
    case 't':
        j->lit = "true";
        break;
    case 'f':
        j->lit = "false";
        break;
    case 'n':
        j->lit = "null";
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            token_begin(j, J_NUMBER, 0);
            j->nstate = c == '-' ? N_MINUS : c == '0' ? N_ZERO : N_INT;
            return tok_put(j, (const char *)&c, 1);
        }
        return jstop(j, RP_ERROR, "JSON: unexpected character");
    }
    token_begin(j, J_LITERAL, 0);
    j->litpos = 0;
    return literal_byte(j, c);
}

static rp_status_t close_container(json_t *j, int is_obj)
{
    if (j->depth == 0 || j->stack[j->depth - 1].is_obj != is_obj)
        return jstop(j, RP_ERROR, "JSON: mismatched bracket");
    j->depth--;
    value_end(j);
    return RP_OK;
}

/* One byte between tokens. */
static rp_status_t structure_byte(json_t *j, unsigned char c)
{
    if (is_ws(c) && j->state != J_BOM)
        return RP_OK;
    switch (j->state) {
    case J_BOM: {
        static const unsigned char bom[] = {0xEF, 0xBB, 0xBF};
        if (c != bom[j->litpos])
            return jstop(j, RP_ERROR, "JSON: unexpected character");
        if (++j->litpos == 3)
            j->state = J_VALUE;
        return RP_OK;
    }
    case J_ARR_FIRST:
        if (c == ']')
            return close_container(j, 0);
        return value_start(j, c);
    case J_VALUE:
        if (c == ']' && j->depth && !j->stack[j->depth - 1].is_obj)
            return jstop(j, RP_ERROR, "JSON: trailing comma");
        return value_start(j, c);
    case J_OBJ_FIRST:
        if (c == '}')
            return close_container(j, 1);
        /* fall through */
    case J_KEY:
        if (c == '"') {
            token_begin(j, J_STRING, 1);
            return RP_OK;
        }
        if (c == '}')
            return jstop(j, RP_ERROR, "JSON: trailing comma");
        return jstop(j, RP_ERROR, "JSON: object key must be a string");
    case J_COLON:
        if (c != ':')
            return jstop(j, RP_ERROR, "JSON: ':' expected after key");
        j->state = J_VALUE;
        return RP_OK;
    case J_AFTER:
        if (c == ',') {
            j->state = j->stack[j->depth - 1].is_obj ? J_KEY : J_VALUE;
            return RP_OK;
        }
        if (c == '}' || c == ']')
            return close_container(j, c == '}');
        return jstop(j, RP_ERROR, "JSON: ',' or close expected");
    case J_DONE:
        return jstop(j, RP_ERROR, "JSON: data after the top-level value");
    default:
        return jstop(j, RP_ERROR, "JSON: internal state");
    }
}

/*
 * The fast path. Between tokens, a token that lies whole in the chunk at
 * hand is taken in one step: a string by string_run() up to its closing
 * quote, a number by its grammar up to the byte that ends it, a literal by
 * one comparison; whitespace is skipped and a structural byte goes straight
 * to structure_byte(). The token then goes through the same helpers the
 * byte machine uses (value_begin, token_begin, tok_put, key_end,
 * scalar_end), so names, values, flags, limits and reasons are the same.
 * Whatever it is not sure of — an escape or a control byte in a string, a
 * token running past the chunk, a number or literal that is not well
 * formed — it leaves unconsumed to the byte machine, which decides it as it
 * always did. A body of one chunk (the usual case) is then read at a few
 * steps per token instead of one dispatch per byte.
 */

/* Length of a well-formed number at s followed, within len, by a byte the
 * byte machine would end it on (blank, ',', ']', '}'); else 0. */
static size_t number_span(const unsigned char *s, size_t len)
{
    size_t i = 0;
    if (s[0] == '-')
        i++;
    if (i == len)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (++i < len && is_digit(s[i]))
            ;
    } else {
        return 0;
    }
    if (i < len && s[i] == '.') {
        size_t first = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == first)
            return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t first = i;
        while (i < len && is_digit(s[i]))
            i++;
        if (i == first)
            return 0;
    }
    if (i == len)
        return 0; /* it may go on in the next chunk */
    unsigned char c = s[i];
    return c == ',' || c == ']' || c == '}' || is_ws(c) ? i : 0;
}

/* A whole scalar at s[0..n) (for strings, the content between the quotes)
 * as the byte machine would have read it. */
static rp_status_t fast_scalar(json_t *j, jstate_t kind, const char *s, size_t n)
{
    rp_status_t st = value_begin(j);
    if (st != RP_OK)
        return st;
    token_begin(j, kind, 0);
    if ((st = tok_put(j, s, n)) != RP_OK)
        return st;
    return scalar_end(j);
}

/* A whole key without escapes: written once, into the name, and reported
 * from there (the name ends with it, so it is NUL-terminated). One that
 * reaches a limit goes the byte machine's way, through the token. */
static rp_status_t fast_key(json_t *j, const char *key, size_t n)
{
    if ((j->lim.max_name_size && n > j->lim.max_name_size) ||
        (j->lim.max_field_size && n > j->lim.max_field_size)) {
        token_begin(j, J_STRING, 1);
        rp_status_t st = tok_put(j, key, n);
        return st == RP_OK ? key_end(j) : st;
    }
    frame_t *f = &j->stack[j->depth - 1];
    path_cut(j, f->prefix);
    if (j->depth > 1 && rp_abuf_putc(&j->path, '.') != 0)
        return jnomem(j);
    size_t at = j->path.len;
    if (rp_abuf_append(&j->path, key, n) != 0)
        return jnomem(j);
    rp_status_t st = path_check(j);
    if (st != RP_OK)
        return st;
    j->state = J_COLON;
    return emit(j, j->path.data + at, n, RP_FIELD_KEY_ONLY);
}

/* The first byte from i on that is not a blank (or len). Indentation
 * comes in runs of a newline and some blanks: 16 bytes at a time. */
static size_t skip_ws(const unsigned char *s, size_t i, size_t len)
{
    if (i < len && !is_ws(s[i]))
        return i;
#ifdef __SSE2__
    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
        unsigned other = ~(unsigned)_mm_movemask_epi8(ws) & 0xFFFFu;
        if (other)
            return i + (size_t)__builtin_ctz(other);
        i += 16;
    }
#endif
    while (i < len && is_ws(s[i]))
        i++;
    return i;
}

static int is_structural(jstate_t st)
{
    return st != J_BOM && st != J_STRING && st != J_NUMBER && st != J_LITERAL;
}

/* Runs while the parser is between tokens; *pos is where it stopped: the
 * end of the chunk, or a byte left to the byte machine. */
static rp_status_t fast_tokens(json_t *j, const unsigned char *s, size_t len, size_t *pos)
{
    size_t i = *pos;
    rp_status_t st = RP_OK;
    while (st == RP_OK && is_structural(j->state)) {
        i = skip_ws(s, i, len);
        if (i == len)
            break;
        unsigned char c = s[i];
        jstate_t state = j->state;
        /* the two most frequent structural steps, without the dispatch */
        if (c == ':' && state == J_COLON) {
            j->state = J_VALUE;
            i++;
            continue;
        }
        if (c == ',' && state == J_AFTER) {
            j->state = j->stack[j->depth - 1].is_obj ? J_KEY : J_VALUE;
            i++;
            continue;
        }
        if (c == '"' && state != J_COLON && state != J_AFTER && state != J_DONE) {
            size_t n = string_run(s + i + 1, len - i - 1);
            if (i + 1 + n == len || s[i + 1 + n] != '"')
                break; /* an escape, a control byte or the chunk's end */
            const char *content = (const char *)s + i + 1;
            if (state == J_OBJ_FIRST || state == J_KEY) {
                st = fast_key(j, content, n);
            } else {
                st = fast_scalar(j, J_STRING, content, n);
            }
            i += n + 2;
            continue;
        }
        if (state == J_VALUE || state == J_ARR_FIRST) {
            if (c == '-' || is_digit(c)) {
                size_t n = number_span(s + i, len - i);
                if (n == 0)
                    break;
                st = fast_scalar(j, J_NUMBER, (const char *)s + i, n);
                i += n;
                continue;
            }
            const char *lit = c == 't' ? "true" : c == 'f' ? "false" : c == 'n' ? "null" : NULL;
            if (lit) {
                size_t n = strlen(lit);
                if (len - i < n || memcmp(s + i, lit, n) != 0)
                    break;
                j->lit = lit;
                j->litpos = n;
                st = fast_scalar(j, J_LITERAL, lit, n);
                i += n;
                continue;
            }
        }
        /* one structural byte: exactly the byte machine's step */
        st = structure_byte(j, c);
        i++;
    }
    *pos = i;
    return st;
}

static rp_status_t json_feed(rp_body_proc_t *p, const char *data, size_t len)
{
    json_t *j = (json_t *)p;
    const unsigned char *s = (const unsigned char *)data;
    if (j->status != RP_OK)
        return j->status;
    if (j->finished)
        return jstop(j, RP_ERROR, "JSON: data after finish");
    if (len && j->fed == 0 && s[0] == 0xEF) {
        j->state = J_BOM;
        j->litpos = 0;
    }
    j->fed += len;

    size_t i = 0;
    while (i < len) {
        rp_status_t st;
        if (is_structural(j->state)) {
            if ((st = fast_tokens(j, s, len, &i)) != RP_OK)
                return st;
            if (i == len)
                break;
            /* the byte at i is the byte machine's */
        }
        if (j->state == J_STRING && j->sstate == S_CHAR) {
            size_t run = string_run(s + i, len - i);
            if (run) {
                if ((st = tok_put(j, (const char *)s + i, run)) != RP_OK)
                    return st;
                i += run;
                continue;
            }
        }
        unsigned char c = s[i];
        if (is_ws(c) && j->state != J_STRING && j->state != J_NUMBER && j->state != J_LITERAL &&
            j->state != J_BOM) {
            /* Pretty-printed bodies are mostly indentation: skip it whole. */
            while (++i < len && is_ws(s[i]))
                ;
            continue;
        }
        switch (j->state) {
        case J_STRING:
            st = string_byte(j, c);
            break;
        case J_NUMBER:
            st = number_byte(j, c);
            break;
        case J_LITERAL:
            st = literal_byte(j, c);
            break;
        default:
            st = structure_byte(j, c);
            break;
        }
        if (st == RP_AGAIN)
            continue; /* same byte, new state */
        if (st != RP_OK)
            return st;
        i++;
    }
    return RP_OK;
}

static rp_status_t json_finish(rp_body_proc_t *p)
{
    json_t *j = (json_t *)p;
    if (j->status != RP_OK || j->finished)
        return j->status;
    j->finished = 1;
    if (j->fed == 0)
        return RP_OK;
    if (j->state == J_NUMBER && j->depth == 0) {
        if (!num_is_complete(j->nstate))
            return jstop(j, RP_ERROR, "JSON: malformed number");
        rp_status_t st = scalar_end(j);
        if (st != RP_OK)
            return st;
    }
    if (j->state == J_STRING)
        return jstop(j, RP_ERROR, "JSON: unterminated string");
    if (j->state != J_DONE)
        return jstop(j, RP_ERROR, "JSON: unexpected end of document");
    return RP_OK;
}

rp_body_proc_t *rp_body_json_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                 void *ctx)
{
    json_t *j = rp_arena_calloc(a, sizeof(*j));
    if (!j)
        return NULL;
    j->proc.feed = json_feed;
    j->proc.finish = json_finish;
    j->lim = *lim;
    j->fn = fn;
    j->ctx = ctx;
    j->arena = a;
    j->state = J_VALUE;
    rp_abuf_init(&j->tok, a);
    rp_abuf_init(&j->path, a);
    return &j->proc;
}
