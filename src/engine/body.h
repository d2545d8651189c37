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
    RP_FIELD_CONTENT = 1u << 5      /* multipart: the first bytes of a file's content */
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
