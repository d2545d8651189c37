/*
 * html_tokenizer.h — a reduced HTML tokenizer for attack detection.
 *
 * It follows the states of the HTML standard's tokenizer (data, tag open,
 * tag name, attribute name, attribute value in its three quote styles,
 * comments, markup declarations, bogus comments) closely enough to agree
 * with a browser on where tags and attributes are, and no further: it builds
 * no tree, decodes nothing eagerly and copies nothing. Every name and value
 * is reported as an offset/length into the caller's input, so the tokenizer
 * allocates nothing and runs in one linear pass.
 *
 * The caller chooses the state to start in, which is how a detector asks
 * "what would a browser see if this value were pasted into HTML text, into a
 * double-quoted, single-quoted or unquoted attribute value?". In the
 * attribute-value starts the tokenizer is inside an unnamed "pseudo" tag
 * until the value is closed and the tag ends.
 */
#ifndef RAMPART_HTML_TOKENIZER_H
#define RAMPART_HTML_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    HTML_START_DATA,     /* HTML text between tags */
    HTML_START_ATTR_DQ,  /* inside value="..." */
    HTML_START_ATTR_SQ,  /* inside value='...' */
    HTML_START_ATTR_UNQ, /* inside value=... */
} html_start_t;

/* Flags for html_tokenize(). */
enum {
    /* Do not honour comments, bogus comments and markup declarations, and let
     * a '<' inside a tag name start a new tag: what a careless filter or a
     * later rewrite might turn the input into. */
    HTML_LENIENT = 1u << 0,
};

/* Flags html_tokenize() reports back through *seen. */
enum {
    HTML_SEEN_COMMENT = 1u << 0, /* some input was swallowed by a comment */
    HTML_SEEN_NESTED = 1u << 1,  /* a tag name contained '<' ("<scr<script>") */
};

/* Callback verdicts. */
enum {
    HTML_CONTINUE = 0,
    HTML_STOP = 1,    /* the caller has what it wanted */
    HTML_RAWTEXT = 2, /* from tag_end: the element's content is raw text */
};

typedef struct {
    size_t start;    /* offset of '<', or 0 for the pseudo tag */
    size_t name_off; /* tag name, as written (case preserved) */
    size_t name_len;
    bool end_tag; /* </name ...> */
    bool pseudo;  /* the tag the input was injected into; name is empty */
} html_tag_t;

typedef struct {
    size_t name_off; /* attribute name, as written */
    size_t name_len;
    size_t value_off; /* raw value: character references not decoded */
    size_t value_len;
    bool has_value; /* an '=' was seen */
    char quote;     /* '"', '\'' or 0 for an unquoted value */
} html_attr_t;

typedef struct {
    /* A tag name is complete (ended by whitespace, '/' or '>'). */
    int (*tag_name)(void *ud, const char *s, const html_tag_t *tag);
    /* A start tag's attribute is complete (also when cut by end of input). */
    int (*attribute)(void *ud, const char *s, const html_tag_t *tag, const html_attr_t *attr);
    /* A start tag ended with '>'. May answer HTML_RAWTEXT. */
    int (*tag_end)(void *ud, const char *s, const html_tag_t *tag);
    /* Raw text content of an element for which tag_end answered
     * HTML_RAWTEXT, up to its end tag or the end of input. */
    int (*raw_text)(void *ud, const char *s, const html_tag_t *tag, size_t off, size_t len);
} html_callbacks_t;

/* Tokenizes s[0..n) from the given start state. Returns true when a callback
 * answered HTML_STOP. *seen (may be NULL) gets HTML_SEEN_* flags. */
bool html_tokenize(const char *s, size_t n, html_start_t start, unsigned flags,
                   const html_callbacks_t *cb, void *ud, unsigned *seen);

/* Character references, as decoded in attribute values: reads one character
 * from *p (< end), decoding &name; &#ddd; &#xhh; (semicolon optional for
 * numeric ones), and advances *p. ASCII comes back as itself; any other code
 * point, and NUL/invalid ones, as 0x80 (a "not ASCII" marker), except that
 * raw bytes >= 0x80 are returned unchanged. */
int html_next_char(const char **p, const char *end);

static inline bool html_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static inline bool html_is_alpha(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

static inline unsigned char html_lower(unsigned char c)
{
    return (unsigned char)(c - 'A') < 26 ? (unsigned char)(c | 0x20) : c;
}

/* Case-insensitive ASCII comparison of s[0..n) with a lowercase literal,
 * NUL bytes in s skipped. */
bool html_name_is(const char *s, size_t n, const char *lower);

#endif
