/*
 * body.h — the streaming request-body processors' common contract.
 *
 * Each processor (form, multipart, JSON, XML) is fed body chunks as they
 * arrive, in any split, and reports every field it finds through an
 * rp_field_fn callback. Malformed input stops the processor with RP_ERROR
 * and a static reason; a limit (depth, field count, field size) stops it
 * with RP_LIMIT. Processors allocate only from the arena they are given.
 */
#ifndef RAMPART_BODY_H
#define RAMPART_BODY_H

#include <stddef.h>

#include "arena.h"
#include "rampart/status.h"
#include "rampart/transaction.h"

/* Flags a processor attaches to a field (bit set). */
enum {
    RP_FIELD_FILE = 1u << 0,        /* multipart: this field is a file part */
    RP_FIELD_ENTITY_DECL = 1u << 1, /* XML: a DTD / entity declaration */
    RP_FIELD_BAD_ESCAPE = 1u << 2,  /* JSON: invalid \u escape or lone surrogate */
    RP_FIELD_TRUNCATED = 1u << 3,   /* value cut at max_field_size */
    RP_FIELD_KEY_ONLY = 1u << 4,    /* no value (e.g. form "a&b") */
    RP_FIELD_CONTENT = 1u << 5,     /* multipart: the first bytes of a file's content */
    RP_FIELD_PART_HEADER = 1u << 6, /* multipart (opt-in): one header line of a part */
    RP_FIELD_FILE_SIZE = 1u << 7    /* multipart (opt-in): a file part's full size, decimal */
};

/* Called once per field. name and value are NUL-terminated and valid only
 * during the call. Return RP_OK to continue; anything else aborts the
 * processor and is returned from feed/finish. */
typedef rp_status_t (*rp_field_fn)(void *ctx, rp_source_t src, const char *name, size_t name_len,
                                   const char *value, size_t value_len, unsigned flags);

typedef struct {
    size_t max_depth;      /* JSON/XML nesting */
    size_t max_fields;     /* fields reported before RP_LIMIT */
    size_t max_field_size; /* longer values are truncated and flagged */
    size_t max_name_size;  /* longer names are an RP_LIMIT */
} rp_body_limits_t;

/* One interface over the four processors, so the transaction holds one
 * pointer whatever the content type. */
typedef struct rp_body_proc rp_body_proc_t;

struct rp_body_proc {
    rp_status_t (*feed)(rp_body_proc_t *p, const char *data, size_t len);
    rp_status_t (*finish)(rp_body_proc_t *p);
    /* Static text saying why the last RP_ERROR/RP_LIMIT happened. */
    const char *reason;
};

/* application/x-www-form-urlencoded: '&'-separated, '+' and %XX decoded,
 * the decoding flags (RP_ARG_*) of each field passed as flags. */
rp_body_proc_t *rp_body_form_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                 void *ctx);

/* multipart/form-data (RFC 7578) with the boundary taken from the
 * Content-Type; strict: anything ambiguous is RP_ERROR. Text parts are
 * fields (RP_SRC_MULTIPART); for file parts the file name is reported as an
 * RP_SRC_FILENAME field with RP_FIELD_FILE when the part's headers end, and
 * the first RP_FILE_SNIFF bytes of its content (at most max_field_size) as
 * an RP_SRC_FILE field with RP_FIELD_FILE | RP_FIELD_CONTENT at its end; the
 * rest of the content is only counted. */
#define RP_FILE_SNIFF (64u * 1024)
rp_body_proc_t *rp_body_multipart_new(rp_arena_t *a, const rp_body_limits_t *lim,
                                      const char *boundary, size_t boundary_len, rp_field_fn fn,
                                      void *ctx);

/* Opt-in, before the first feed: also report what ModSecurity's
 * MULTIPART_PART_HEADERS and FILES_SIZES hold, through the same callback.
 *  - Each header line of a part, as RP_SRC_MULTIPART with
 *    RP_FIELD_PART_HEADER: name is the part's name, value the line as sent
 *    without its CRLF ("Content-Type: text/plain"). The lines of a part are
 *    reported in order when its header block ends, before its file name. When
 *    the processor refuses a header block, the lines read so far, the
 *    offending one included (as far as it was read), are reported before
 *    RP_ERROR, under the name if one was parsed, else "".
 *  - Each file part's full content size, as RP_SRC_FILE with RP_FIELD_FILE |
 *    RP_FIELD_FILE_SIZE, value in decimal, right after its RP_FIELD_CONTENT
 *    field.
 * Neither counts against max_fields nor is cut at max_field_size (a header
 * block is at most 8 KiB). p must come from rp_body_multipart_new. */
void rp_body_multipart_meta(rp_body_proc_t *p);

/* What the multipart processor saw, as ModSecurity's MULTIPART_* flags name
 * it. Rampart refuses every one of these constructs (RP_ERROR), except an
 * apostrophe inside a name or filename value, which ModSecurity flags as
 * INVALID_QUOTING and Rampart accepts (it is unambiguous); so a bit mostly
 * says why the body was refused. */
enum {
    RP_MP_DATA_BEFORE = 1u << 0,        /* data before the first boundary */
    RP_MP_DATA_AFTER = 1u << 1,         /* data after the close delimiter */
    RP_MP_HEADER_FOLDING = 1u << 2,     /* a folded part header */
    RP_MP_LF_LINE = 1u << 3,            /* a line ending in a bare LF */
    RP_MP_CRLF_LF_LINES = 1u << 4,      /* ... after lines ending in CRLF */
    RP_MP_INVALID_QUOTING = 1u << 5,    /* ' in name/filename; ' quoting; broken quotes */
    RP_MP_INVALID_PART = 1u << 6,       /* a part without a name */
    RP_MP_UNMATCHED_BOUNDARY = 1u << 7, /* the boundary in another case */
};
unsigned rp_body_multipart_flags(const rp_body_proc_t *p);

/* Streaming JSON (RFC 8259). Names are flattened with '.', array elements
 * by index: {"a":{"b":[1,{"c":"x"}]}} gives a.b.0=1 and a.b.1.c=x. A bare
 * top-level scalar has the name "". Object keys are also reported so they
 * can be inspected: as fields of source RP_SRC_JSON with RP_FIELD_KEY_ONLY. */
rp_body_proc_t *rp_body_json_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                 void *ctx);

/* XML through libxml2's push parser: no entity expansion, no DTD loading,
 * no network. Element text is reported under its dotted element path
 * (root.child), attributes as path@attr; DOCTYPE/entity declarations are
 * reported with RP_FIELD_ENTITY_DECL. */
rp_body_proc_t *rp_body_xml_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                void *ctx);

/* Extract the boundary parameter from a multipart Content-Type value.
 * Returns RP_OK and points *b into ct, or RP_ERROR when absent/invalid
 * (RFC 2046: 1-70 chars from the bchars set, optionally quoted). */
rp_status_t rp_multipart_boundary(const char *ct, size_t ct_len, const char **b, size_t *b_len);

#endif
