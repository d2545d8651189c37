/*
 * html_tokenizer.c — the tokenizer states of the HTML standard (section
 * "Tokenization"), reduced to what tells tags and attributes apart.
 *
 * One loop, one byte at a time, one state variable; names and values are
 * remembered as offsets into the input and handed to callbacks when they are
 * complete. Where the standard reports a parse error and recovers, we recover
 * the same way, because that recovery is exactly what attackers rely on:
 * '/' between attributes, a quote inside an attribute name, a missing space
 * after a quoted value, "<!-->" closing a comment at once.
 *
 * Deliberate reductions: no tree construction (so no foreign-content CDATA,
 * no RCDATA for <title>/<textarea>: treating their content as markup can only
 * find more), raw text only when the caller asks for it (for <style>), end
 * tag attributes parsed but not reported (browsers drop them), and a tag cut
 * off by the end of input still reports what it has (the application may
 * have truncated the payload, the browser may have more input after it).
 */
#include "html_tokenizer.h"

#include <string.h>

/* NUL bytes are skipped: a browser turns them into U+FFFD, but filters and
 * older engines drop them, and no honest name contains one. */
bool html_name_is(const char *s, size_t n, const char *lower)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '\0') {
            continue;
        }
        if (lower[k] == '\0' || html_lower((unsigned char)s[i]) != (unsigned char)lower[k]) {
            return false;
        }
        k++;
    }
    return lower[k] == '\0';
}

/* Named references worth knowing: the ASCII ones an attacker uses to hide
 * "javascript:" or "alert(1)", plus the common legacy ones. A reference to
 * any other name is left undecoded, which keeps the '&' and is harmless. */
static const struct {
    const char *name;
    char c;
} named_refs[] = {
    {"Tab", '\t'},        {"NewLine", '\n'},     {"excl", '!'},   {"quot", '"'},
    {"QUOT", '"'},        {"num", '#'},          {"dollar", '$'}, {"percnt", '%'},
    {"amp", '&'},         {"AMP", '&'},          {"apos", '\''},  {"lpar", '('},
    {"rpar", ')'},        {"ast", '*'},          {"midast", '*'}, {"plus", '+'},
    {"comma", ','},       {"period", '.'},       {"sol", '/'},    {"colon", ':'},
    {"semi", ';'},        {"lt", '<'},           {"LT", '<'},     {"equals", '='},
    {"gt", '>'},          {"GT", '>'},           {"quest", '?'},  {"commat", '@'},
    {"lsqb", '['},        {"lbrack", '['},       {"bsol", '\\'},  {"rsqb", ']'},
    {"rbrack", ']'},      {"Hat", '^'},          {"lowbar", '_'}, {"UnderBar", '_'},
    {"grave", '`'},       {"lcub", '{'},         {"lbrace", '{'}, {"verbar", '|'},
    {"vert", '|'},        {"VerticalLine", '|'}, {"rcub", '}'},   {"rbrace", '}'},
    {"nbsp", (char)0x80},
};

static bool is_digit(unsigned char c)
{
    return (unsigned char)(c - '0') < 10;
}

static int hex_value(unsigned char c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    c = html_lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* &#...: the code point saturates so that a flood of digits stays linear and
 * cannot wrap around into ASCII. */
static int numeric_ref(const char **p, const char *end)
{
    const char *q = *p + 2; /* past "&#" */
    unsigned long cp = 0;
    bool hex = false, any = false;

    if (q < end && (*q == 'x' || *q == 'X')) {
        hex = true;
        q++;
    }
    while (q < end) {
        int v = hex ? hex_value((unsigned char)*q) : (is_digit((unsigned char)*q) ? *q - '0' : -1);
        if (v < 0) {
            break;
        }
        cp = cp * (hex ? 16 : 10) + (unsigned long)v;
        if (cp > 0x10FFFF) {
            cp = 0x110000;
        }
        any = true;
        q++;
    }
    if (!any) {
        return -1;
    }
    if (q < end && *q == ';') {
        q++;
    }
    *p = q;
    if (cp == 0 || cp >= 0x80) {
        return 0x80;
    }
    return (int)cp;
}

static int named_ref(const char **p, const char *end)
{
    const char *q = *p + 1;
    size_t len = 0, i;

    while (q + len < end && len < 16 && html_is_alpha((unsigned char)q[len])) {
        len++;
    }
    if (len == 0) {
        return -1;
    }
    for (i = 0; i < sizeof(named_refs) / sizeof(named_refs[0]); i++) {
        size_t nl = strlen(named_refs[i].name);
        if (nl > len || memcmp(q, named_refs[i].name, nl) != 0) {
            continue;
        }
        /* Without ';' browsers only decode the legacy names; decoding all of
         * them here only ever makes a value look more like what it hides. */
        if (q + nl < end && q[nl] == ';') {
            *p = q + nl + 1;
        } else {
            *p = q + nl;
        }
        return (unsigned char)named_refs[i].c;
    }
    return -1;
}

int html_next_char(const char **p, const char *end)
{
    const char *q = *p;
    int c;

    if (*q == '&' && q + 1 < end) {
        c = q[1] == '#' ? numeric_ref(p, end) : named_ref(p, end);
        if (c >= 0) {
            return c;
        }
    }
    *p = q + 1;
    return (unsigned char)*q;
}

typedef enum {
    S_DATA,
    S_TAG_OPEN,
    S_END_TAG_OPEN,
    S_TAG_NAME,
    S_BEFORE_ATTR_NAME,
    S_ATTR_NAME,
    S_AFTER_ATTR_NAME,
    S_BEFORE_ATTR_VALUE,
    S_ATTR_VALUE_DQ,
    S_ATTR_VALUE_SQ,
    S_ATTR_VALUE_UNQ,
    S_AFTER_ATTR_VALUE_QUOTED,
    S_SELF_CLOSING,
    S_BOGUS_COMMENT,
} state_t;

typedef struct {
    const char *s;
    size_t n;
    const html_callbacks_t *cb;
    void *ud;
    html_tag_t tag;
    html_attr_t attr;
    bool in_attr;
} tokenizer_t;

static bool emit_tag_name(tokenizer_t *t)
{
    return t->cb->tag_name && t->cb->tag_name(t->ud, t->s, &t->tag) == HTML_STOP;
}

/* Attributes of end tags are dropped, as browsers drop them. */
static bool emit_attr(tokenizer_t *t)
{
    bool stop = false;

    if (t->in_attr && !t->tag.end_tag && t->cb->attribute) {
        stop = t->cb->attribute(t->ud, t->s, &t->tag, &t->attr) == HTML_STOP;
    }
    t->in_attr = false;
    return stop;
}

static void begin_attr(tokenizer_t *t, size_t i)
{
    memset(&t->attr, 0, sizeof(t->attr));
    t->attr.name_off = i;
    t->in_attr = true;
}

static void begin_value(tokenizer_t *t, size_t i, char quote)
{
    t->attr.has_value = true;
    t->attr.quote = quote;
    t->attr.value_off = i;
}

/* Looks for "</name" followed by a tag-name terminator, case-insensitively.
 * Only called for short names, so this stays linear. */
static size_t find_end_tag(const tokenizer_t *t, size_t from)
{
    const char *name = t->s + t->tag.name_off;
    size_t nl = t->tag.name_len, i;

    for (i = from; i + 2 + nl <= t->n; i++) {
        size_t k;
        if (t->s[i] != '<' || t->s[i + 1] != '/') {
            continue;
        }
        for (k = 0; k < nl; k++) {
            if (html_lower((unsigned char)t->s[i + 2 + k]) != html_lower((unsigned char)name[k])) {
                break;
            }
        }
        if (k < nl) {
            continue;
        }
        if (i + 2 + nl == t->n) {
            return i;
        }
        unsigned char c = (unsigned char)t->s[i + 2 + nl];
        if (html_is_space(c) || c == '/' || c == '>') {
            return i;
        }
    }
    return t->n;
}

/* '>' closed a start or end tag: returns where to continue, or n + 1 to stop. */
static size_t close_tag(tokenizer_t *t, size_t i)
{
    int v;
    size_t end;

    if (t->tag.end_tag || !t->cb->tag_end) {
        return i + 1;
    }
    v = t->cb->tag_end(t->ud, t->s, &t->tag);
    if (v == HTML_STOP) {
        return t->n + 1;
    }
    if (v != HTML_RAWTEXT || t->tag.name_len > 16) {
        return i + 1;
    }
    end = find_end_tag(t, i + 1);
    if (t->cb->raw_text &&
        t->cb->raw_text(t->ud, t->s, &t->tag, i + 1, end - (i + 1)) == HTML_STOP) {
        return t->n + 1;
    }
    return end;
}

/* "<!": a comment, or a doctype/CDATA/anything else read as a bogus comment.
 * Returns the offset just past the construct. */
static size_t skip_markup_decl(const char *s, size_t n, size_t i)
{
    size_t j;

    if (i + 3 < n && s[i + 2] == '-' && s[i + 3] == '-') {
        j = i + 4;
        /* "<!-->" and "<!--->" are complete (empty) comments. */
        if (j < n && s[j] == '>') {
            return j + 1;
        }
        if (j + 1 < n && s[j] == '-' && s[j + 1] == '>') {
            return j + 2;
        }
        for (; j + 2 < n; j++) {
            if (s[j] == '-' && s[j + 1] == '-') {
                if (s[j + 2] == '>') {
                    return j + 3;
                }
                if (s[j + 2] == '!' && j + 3 < n && s[j + 3] == '>') {
                    return j + 4;
                }
            }
        }
        return n;
    }
    for (j = i + 2; j < n; j++) {
        if (s[j] == '>') {
            return j + 1;
        }
    }
    return n;
}

static void new_tag(tokenizer_t *t, size_t lt, size_t name_off, bool end_tag)
{
    memset(&t->tag, 0, sizeof(t->tag));
    t->tag.start = lt;
    t->tag.name_off = name_off;
    t->tag.end_tag = end_tag;
    t->in_attr = false;
}

bool html_tokenize(const char *s, size_t n, html_start_t start, unsigned flags,
                   const html_callbacks_t *cb, void *ud, unsigned *seen)
{
    tokenizer_t t = {.s = s, .n = n, .cb = cb, .ud = ud};
    const bool lenient = (flags & HTML_LENIENT) != 0;
    state_t st = S_DATA;
    size_t i = 0, lt = 0;
    unsigned found = 0;
    bool stop = false;

    if (start != HTML_START_DATA) {
        /* Inside the value of an attribute we cannot name, of a tag we
         * cannot name: only what comes after the value is interesting. */
        t.tag.pseudo = true;
        t.in_attr = false;
        st = start == HTML_START_ATTR_DQ   ? S_ATTR_VALUE_DQ
             : start == HTML_START_ATTR_SQ ? S_ATTR_VALUE_SQ
                                           : S_ATTR_VALUE_UNQ;
    }

    while (i < n && !stop) {
        unsigned char c = (unsigned char)s[i];

        switch (st) {
        case S_DATA: {
            const char *lp = memchr(s + i, '<', n - i);
            if (!lp) {
                i = n;
                break;
            }
            lt = (size_t)(lp - s);
            i = lt + 1;
            st = S_TAG_OPEN;
            break;
        }
        case S_TAG_OPEN:
            if (html_is_alpha(c)) {
                new_tag(&t, lt, i, false);
                st = S_TAG_NAME;
            } else if (c == '/') {
                i++;
                st = S_END_TAG_OPEN;
            } else if (lenient) {
                st = S_DATA; /* '<' is text; look again from here */
            } else if (c == '!') {
                found |= HTML_SEEN_COMMENT;
                i = skip_markup_decl(s, n, lt);
                st = S_DATA;
            } else if (c == '?') {
                found |= HTML_SEEN_COMMENT;
                st = S_BOGUS_COMMENT;
            } else {
                st = S_DATA; /* "< 3", "a<=b": text */
            }
            break;
        case S_END_TAG_OPEN:
            if (html_is_alpha(c)) {
                new_tag(&t, lt, i, true);
                st = S_TAG_NAME;
            } else if (c == '>') {
                i++;
                st = S_DATA; /* "</>" is dropped */
            } else if (lenient) {
                st = S_DATA;
            } else {
                found |= HTML_SEEN_COMMENT;
                st = S_BOGUS_COMMENT;
            }
            break;
        case S_BOGUS_COMMENT: {
            const char *gt = memchr(s + i, '>', n - i);
            i = gt ? (size_t)(gt - s) + 1 : n;
            st = S_DATA;
            break;
        }
        case S_TAG_NAME:
            if (html_is_space(c) || c == '/' || c == '>') {
                t.tag.name_len = i - t.tag.name_off;
                stop = emit_tag_name(&t);
                st = S_BEFORE_ATTR_NAME; /* it handles '/' and '>' */
            } else if (c == '<' && lenient) {
                lt = i; /* "<scr<script>": a filter removing the inner tag */
                i++;
                st = S_TAG_OPEN;
            } else {
                if (c == '<') {
                    found |= HTML_SEEN_NESTED;
                }
                i++;
            }
            break;
        case S_BEFORE_ATTR_NAME:
            if (html_is_space(c)) {
                i++;
            } else if (c == '/') {
                i++;
                st = S_SELF_CLOSING;
            } else if (c == '>') {
                i = close_tag(&t, i);
                stop = i > n;
                st = S_DATA;
            } else {
                /* '=' here starts a name ("missing attribute name" error). */
                begin_attr(&t, i);
                i++;
                st = S_ATTR_NAME;
            }
            break;
        case S_ATTR_NAME:
            if (html_is_space(c) || c == '/' || c == '>') {
                t.attr.name_len = i - t.attr.name_off;
                st = S_AFTER_ATTR_NAME;
            } else if (c == '=') {
                t.attr.name_len = i - t.attr.name_off;
                i++;
                st = S_BEFORE_ATTR_VALUE;
            } else {
                i++;
            }
            break;
        case S_AFTER_ATTR_NAME:
            if (html_is_space(c)) {
                i++;
            } else if (c == '=') {
                i++;
                st = S_BEFORE_ATTR_VALUE;
            } else {
                stop = emit_attr(&t);
                st = S_BEFORE_ATTR_NAME; /* '/', '>' or a new name */
            }
            break;
        case S_BEFORE_ATTR_VALUE:
            if (html_is_space(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                begin_value(&t, i + 1, (char)c);
                i++;
                st = c == '"' ? S_ATTR_VALUE_DQ : S_ATTR_VALUE_SQ;
            } else if (c == '>') {
                begin_value(&t, i, 0); /* "missing attribute value": empty */
                stop = emit_attr(&t);
                st = S_BEFORE_ATTR_NAME;
            } else {
                begin_value(&t, i, 0);
                st = S_ATTR_VALUE_UNQ;
            }
            break;
        case S_ATTR_VALUE_DQ:
        case S_ATTR_VALUE_SQ: {
            const char *q = memchr(s + i, st == S_ATTR_VALUE_DQ ? '"' : '\'', n - i);
            size_t e = q ? (size_t)(q - s) : n;
            t.attr.value_len = e - t.attr.value_off;
            stop = emit_attr(&t);
            i = q ? e + 1 : n;
            st = S_AFTER_ATTR_VALUE_QUOTED;
            break;
        }
        case S_ATTR_VALUE_UNQ:
            if (html_is_space(c) || c == '>') {
                t.attr.value_len = i - t.attr.value_off;
                stop = emit_attr(&t);
                st = S_BEFORE_ATTR_NAME;
            } else {
                i++;
            }
            break;
        case S_AFTER_ATTR_VALUE_QUOTED:
            if (c == '/') {
                i++;
                st = S_SELF_CLOSING;
            } else {
                /* Whitespace, '>', or a name glued to the closing quote
                 * ("missing whitespace between attributes"). */
                st = S_BEFORE_ATTR_NAME;
            }
            break;
        case S_SELF_CLOSING:
            st = S_BEFORE_ATTR_NAME; /* '>' closes; anything else reconsumed */
            break;
        }
    }

    /* End of input inside a tag: report what is complete enough to judge. */
    if (!stop) {
        switch (st) {
        case S_TAG_NAME:
            /* A bare "<script" is not reported: it is as likely a search for
             * the word as a cut payload, and it carries nothing yet. */
            break;
        case S_ATTR_NAME:
            t.attr.name_len = n - t.attr.name_off;
            stop = emit_attr(&t);
            break;
        case S_AFTER_ATTR_NAME:
            stop = emit_attr(&t);
            break;
        case S_ATTR_VALUE_UNQ:
            t.attr.value_len = n - t.attr.value_off;
            stop = emit_attr(&t);
            break;
        default:
            break;
        }
    }
    if (seen) {
        *seen = found;
    }
    return stop;
}
