/*
 * body_xml.c — XML request bodies through libxml2's push parser and SAX2.
 *
 * libxml2 does the XML (well-formedness, encodings, character references)
 * and calls us back; we keep only what inspection needs and build no tree.
 * Reported fields (source RP_SRC_XML):
 *
 *   element text   under the dotted path of local names (Envelope.Body.
 *                  login.user), one field per run of text between tags, so
 *                  <a>x<b>y</b>z</a> gives a=x, a.b=y, a=z. Comments, CDATA
 *                  and entity references do not break a run: "SEL<!---->ECT"
 *                  is inspected as "SELECT". Whitespace-only runs are skipped.
 *   attributes     path@name (local name; namespace declarations are not
 *                  attributes and are not reported).
 *   DOCTYPE        "!DOCTYPE" with RP_FIELD_ENTITY_DECL, value = the SYSTEM
 *                  id, else the PUBLIC id, else "" — for any DOCTYPE, since
 *                  a request body has no business carrying one.
 *   <!ENTITY>      "!ENTITY:name" ("!ENTITY:%name" for parameter entities)
 *                  with RP_FIELD_ENTITY_DECL, value = SYSTEM id, PUBLIC id,
 *                  or the replacement text.
 *
 * Entities are never expanded and nothing is ever loaded: no
 * XML_PARSE_NOENT, no DTD loading or validation, XML_PARSE_NONET, no
 * XInclude, and our SAX handlers neither store declarations nor resolve
 * anything (getEntity, getParameterEntity and resolveEntity return NULL,
 * externalSubset does nothing). Consequently a reference to a general
 * entity other than the five predefined ones is, per XML 1.0 WFC "Entity
 * Declared", a well-formedness error (RP_ERROR) in a document without an
 * external subset; with an external subset (not loaded) libxml2 only warns
 * and the reference is kept in the text as the literal "&name;".
 *
 * Errors: malformed XML is RP_ERROR (fields reported before the error may
 * depend on the chunk split: libxml2 2.9's push parser finds some errors
 * earlier or later depending on it; the verdict and reason do not); nesting deeper than max_depth
 * (libxml2 itself stops at 256 without XML_PARSE_HUGE, as RP_ERROR), more than max_fields fields,
 * or a path longer than max_name_size is RP_LIMIT; text and attribute values are cut at
 * max_field_size and flagged RP_FIELD_TRUNCATED. libxml2 must buffer a whole tag, comment or PI
 * before parsing it; when its unparsed input exceeds 2 * max_field_size + 64 KiB we stop with
 * RP_LIMIT, so its memory is bounded by our limits, not only by its own 10 MB ones. A body of zero
 * bytes is accepted with no fields. A limit of 0 means no limit.
 *
 * libxml2 globals: xmlInitParser() runs once (pthread_once); no global
 * setting is changed. Errors go to a structured handler on this parser's
 * SAX block, never to stderr; the few libxml2 raises without a context
 * (encoding conversion, I/O) are caught by setting the calling thread's
 * structured handler around each xmlParseChunk() call and restoring it
 * right after. The context lives outside the arena: see
 * body_xml.h for the teardown rule.
 */
#include "body_xml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <pthread.h>
#include <string.h>

#define XML_LOOKAHEAD_SLACK 65536

typedef struct {
    rp_body_proc_t proc;
    rp_body_limits_t lim;
    rp_field_fn fn;
    void *ctx;
    rp_arena_t *arena;
    xmlParserCtxtPtr ctxt;

    rp_abuf_t path;
    size_t *prefix; /* path length before each open element's name */
    size_t depth, cap;
    rp_abuf_t text; /* the current run of text */
    unsigned tflags;
    rp_abuf_t scratch; /* attribute / declaration values */

    int first_error;  /* first libxml2 error code seen */
    rp_abuf_t prolog; /* input held back until we know whether a DOCTYPE comes */
    size_t scan;      /* prolog bytes already looked at */
    int has_doctype;  /* the prolog holds a DOCTYPE: parse it whole */
    int streaming;    /* the prolog question is settled: feed as it comes */
    size_t nfields;
    size_t fed;
    int finished;
    rp_status_t status;
} xmlp_t;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
    xmlInitParser();
}

static rp_status_t xstop(xmlp_t *x, rp_status_t st, const char *why)
{
    if (x->status != RP_OK)
        return x->status;
    x->status = st;
    x->proc.reason = why;
    if (x->ctxt)
        xmlStopParser(x->ctxt);
    return st;
}

static void xnomem(xmlp_t *x)
{
    xstop(x, RP_NOMEM, "XML: out of memory");
}

static void emit(xmlp_t *x, const char *name, size_t nlen, const char *v, size_t vlen,
                 unsigned flags)
{
    if (x->status != RP_OK)
        return;
    if (x->lim.max_name_size && nlen > x->lim.max_name_size) {
        xstop(x, RP_LIMIT, "XML: name too long");
        return;
    }
    if (x->lim.max_field_size && vlen > x->lim.max_field_size) {
        vlen = x->lim.max_field_size;
        flags |= RP_FIELD_TRUNCATED;
    }
    if (x->lim.max_fields && x->nfields >= x->lim.max_fields) {
        xstop(x, RP_LIMIT, "XML: too many fields");
        return;
    }
    /* The value must be NUL-terminated at its (possibly cut) length. */
    rp_abuf_clear(&x->scratch);
    if (rp_abuf_append(&x->scratch, v, vlen) != 0) {
        xnomem(x);
        return;
    }
    x->nfields++;
    rp_status_t st = x->fn(x->ctx, RP_SRC_XML, name, nlen, x->scratch.data, vlen, flags);
    if (st != RP_OK)
        xstop(x, st, "XML: stopped by the field callback");
}

static void text_put(xmlp_t *x, const char *s, size_t n)
{
    if (x->status != RP_OK)
        return;
    if (x->lim.max_field_size && n > x->lim.max_field_size - x->text.len) {
        n = x->lim.max_field_size - x->text.len;
        x->tflags |= RP_FIELD_TRUNCATED;
    }
    if (n && rp_abuf_append(&x->text, s, n) != 0)
        xnomem(x);
}

static void text_flush(xmlp_t *x)
{
    int blank = 1;
    for (size_t i = 0; i < x->text.len && blank; i++) {
        char c = x->text.data[i];
        blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
    if (!blank)
        emit(x, x->path.data ? x->path.data : "", x->path.len, x->text.data, x->text.len,
             x->tflags);
    rp_abuf_clear(&x->text);
    x->tflags = 0;
}

static void path_cut(xmlp_t *x, size_t len)
{
    x->path.len = len;
    if (x->path.data)
        x->path.data[len] = '\0';
}

/* ---- SAX2 callbacks ---- */

static void on_start(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
    xmlp_t *x = ud;
    (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces, (void)nb_defaulted;
    text_flush(x);
    if (x->status != RP_OK)
        return;
    if (x->lim.max_depth && x->depth >= x->lim.max_depth) {
        xstop(x, RP_LIMIT, "XML: nesting too deep");
        return;
    }
    if (x->depth == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        size_t *s = rp_arena_alloc(x->arena, cap * sizeof(*s));
        if (!s) {
            xnomem(x);
            return;
        }
        if (x->depth)
            memcpy(s, x->prefix, x->depth * sizeof(*s));
        x->prefix = s;
        x->cap = cap;
    }
    x->prefix[x->depth++] = x->path.len;
    if ((x->depth > 1 && rp_abuf_putc(&x->path, '.') != 0) ||
        rp_abuf_append(&x->path, (const char *)localname, strlen((const char *)localname)) != 0) {
        xnomem(x);
        return;
    }
    if (x->lim.max_name_size && x->path.len > x->lim.max_name_size) {
        xstop(x, RP_LIMIT, "XML: name too long");
        return;
    }
    size_t base = x->path.len;
    for (int i = 0; i < nb_attributes && x->status == RP_OK; i++) {
        const char *an = (const char *)attributes[i * 5];
        const char *vb = (const char *)attributes[i * 5 + 3];
        const char *ve = (const char *)attributes[i * 5 + 4];
        if (rp_abuf_putc(&x->path, '@') != 0 || rp_abuf_append(&x->path, an, strlen(an)) != 0) {
            xnomem(x);
            return;
        }
        emit(x, x->path.data, x->path.len, vb, (size_t)(ve - vb), 0);
        path_cut(x, base);
    }
}

static void on_end(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    xmlp_t *x = ud;
    (void)localname, (void)prefix, (void)uri;
    text_flush(x);
    if (x->depth)
        path_cut(x, x->prefix[--x->depth]);
}

static void on_text(void *ud, const xmlChar *ch, int len)
{
    text_put(ud, (const char *)ch, (size_t)len);
}

static void on_reference(void *ud, const xmlChar *name)
{
    xmlp_t *x = ud;
    /* Inside an attribute value the reference is simply dropped from the
     * value by libxml2; it is not element text. */
    if (x->ctxt && x->ctxt->instate == XML_PARSER_START_TAG)
        return;
    text_put(x, "&", 1);
    text_put(x, (const char *)name, strlen((const char *)name));
    text_put(x, ";", 1);
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    (void)name;
    const char *v = system_id     ? (const char *)system_id
                    : external_id ? (const char *)external_id
                                  : "";
    emit(ud, "!DOCTYPE", 8, v, strlen(v), RP_FIELD_ENTITY_DECL);
}

static void entity_field(xmlp_t *x, const xmlChar *name, int parameter, const xmlChar *public_id,
                         const xmlChar *system_id, const xmlChar *content)
{
    if (x->status != RP_OK)
        return;
    /* Built in path's storage past its end, so path itself is untouched. */
    size_t keep = x->path.len;
    const char *tag = parameter ? "!ENTITY:%" : "!ENTITY:";
    if (rp_abuf_append(&x->path, tag, strlen(tag)) != 0 ||
        rp_abuf_append(&x->path, (const char *)name, strlen((const char *)name)) != 0) {
        xnomem(x);
        return;
    }
    const char *v = system_id   ? (const char *)system_id
                    : public_id ? (const char *)public_id
                    : content   ? (const char *)content
                                : "";
    emit(x, x->path.data + keep, x->path.len - keep, v, strlen(v), RP_FIELD_ENTITY_DECL);
    path_cut(x, keep);
}

static void on_entity_decl(void *ud, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    int parameter = type == XML_INTERNAL_PARAMETER_ENTITY || type == XML_EXTERNAL_PARAMETER_ENTITY;
    entity_field(ud, name, parameter, public_id, system_id, content);
}

static void on_unparsed_entity(void *ud, const xmlChar *name, const xmlChar *public_id,
                               const xmlChar *system_id, const xmlChar *notation)
{
    (void)notation;
    entity_field(ud, name, 0, public_id, system_id, NULL);
}

static void on_external_subset(void *ud, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    /* Never load it. */
    (void)ud, (void)name, (void)external_id, (void)system_id;
}

static xmlEntityPtr no_entity(void *ud, const xmlChar *name)
{
    (void)ud, (void)name;
    return NULL;
}

static xmlParserInputPtr no_resolve(void *ud, const xmlChar *public_id, const xmlChar *system_id)
{
    (void)ud, (void)public_id, (void)system_id;
    return NULL;
}

static void on_error(void *ud, xmlErrorPtr err)
{
    xmlp_t *x = ud;
    if (err && err->level >= XML_ERR_ERROR && !x->first_error)
        x->first_error = err->code;
}

/* One reason for every well-formedness error: libxml2's push parser (2.9)
 * may detect an error at a different point, under a different code,
 * depending on where the chunks split (a '>' inside a DOCTYPE literal), so
 * a finer reason would make the outcome split-dependent. */
static const char *error_reason(int code)
{
    (void)code;
    return "XML: malformed document";
}

static xmlSAXHandler sax_handler(void)
{
    xmlSAXHandler h;
    memset(&h, 0, sizeof(h));
    h.initialized = XML_SAX2_MAGIC;
    h.startElementNs = on_start;
    h.endElementNs = on_end;
    h.characters = on_text;
    h.ignorableWhitespace = on_text;
    h.cdataBlock = on_text;
    h.reference = on_reference;
    h.internalSubset = on_doctype;
    h.externalSubset = on_external_subset;
    h.entityDecl = on_entity_decl;
    h.unparsedEntityDecl = on_unparsed_entity;
    h.getEntity = no_entity;
    h.getParameterEntity = no_entity;
    h.resolveEntity = no_resolve;
    h.serror = on_error;
    return h;
}

/* ---- processor ---- */

static void xml_free_ctxt(xmlp_t *x)
{
    if (x->ctxt) {
        /* libxml2 keeps entity declarations in a scratch document of its
         * own (SAX compatibility mode) that the context does not own. */
        if (x->ctxt->myDoc) {
            xmlFreeDoc(x->ctxt->myDoc);
            x->ctxt->myDoc = NULL;
        }
        xmlFreeParserCtxt(x->ctxt);
        x->ctxt = NULL;
    }
}

static rp_status_t xml_after_chunk(xmlp_t *x)
{
    if (x->status != RP_OK)
        return x->status;
    if (!x->ctxt->wellFormed || x->ctxt->instate == XML_PARSER_EOF) {
        if (!x->ctxt->wellFormed)
            return xstop(x, RP_ERROR, error_reason(x->first_error));
        return RP_OK;
    }
    xmlParserInputPtr in = x->ctxt->input;
    if (x->lim.max_field_size && in && in->end && in->cur &&
        (size_t)(in->end - in->cur) > 2 * x->lim.max_field_size + XML_LOOKAHEAD_SLACK)
        return xstop(x, RP_LIMIT, "XML: markup too large");
    return RP_OK;
}

static size_t markup_bound(const xmlp_t *x)
{
    return x->lim.max_field_size ? 2 * x->lim.max_field_size + XML_LOOKAHEAD_SLACK : 1u << 20;
}

static rp_status_t xml_push(xmlp_t *x, const char *data, size_t len, int terminate)
{
    if (!x->ctxt) {
        pthread_once(&xml_once, xml_init_once);
        xmlSAXHandler h = sax_handler();
        x->ctxt = xmlCreatePushParserCtxt(&h, x, NULL, 0, NULL);
        if (!x->ctxt)
            return xstop(x, RP_NOMEM, "XML: out of memory");
        xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET);
    }
    /* xmlParseChunk takes an int size. */
    do {
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        /* Encoding and I/O errors are raised without the context, to the
         * thread's generic handler (stderr by default): route them to ours
         * for the duration of the call only, then put the thread's back. */
        xmlStructuredErrorFunc saved_fn = xmlStructuredError;
        void *saved_ctx = xmlStructuredErrorContext;
        xmlSetStructuredErrorFunc(x, on_error);
        /* Some failures (encoding conversion) only show in the return
         * value: wellFormed is left untouched. */
        if (xmlParseChunk(x->ctxt, data, n, terminate && (size_t)n == len) != 0 &&
            x->ctxt->wellFormed)
            x->ctxt->wellFormed = 0;
        xmlSetStructuredErrorFunc(saved_ctx, saved_fn);
        rp_status_t st = xml_after_chunk(x);
        if (st != RP_OK) {
            xml_free_ctxt(x);
            return st;
        }
        data += n;
        len -= (size_t)n;
    } while (len);
    return RP_OK;
}

/* Where the held-back prolog stands: 1 a DOCTYPE is there, -1 the root
 * element has begun without one, 0 not known yet. Scans only what is new
 * since the last call (from *scan), so byte-by-byte feeding stays linear. */
static int prolog_verdict(const rp_abuf_t *b, size_t *scan)
{
    size_t from = *scan > 8 ? *scan - 8 : 0;
    *scan = b->len;
    if (b->len >= 9 && memmem(b->data + from, b->len - from, "<!DOCTYPE", 9))
        return 1;
    for (size_t i = from; i + 1 < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i + 1];
        if (b->data[i] == '<' &&
            (c == '_' || c == ':' || c >= 0x80 || (unsigned)((c | 32) - 'a') < 26u))
            return -1;
    }
    return 0;
}

static rp_status_t xml_feed(rp_body_proc_t *p, const char *data, size_t len)
{
    xmlp_t *x = (xmlp_t *)p;
    if (x->status != RP_OK)
        return x->status;
    if (x->finished)
        return xstop(x, RP_ERROR, "XML: data after finish");
    if (len == 0)
        return RP_OK;
    x->fed += len;
    if (x->streaming)
        return xml_push(x, data, len, 0);

    /* libxml2 2.9's push parser reads a DOCTYPE differently depending on
     * where the chunks split (a '>' inside a quoted literal ends it early).
     * So the prolog is held back until the root element shows; a document
     * with a DOCTYPE is parsed in one piece at finish(), and may not exceed
     * the markup bound. */
    if (rp_abuf_append(&x->prolog, data, len) != 0)
        return xstop(x, RP_NOMEM, "XML: out of memory");
    int v = x->has_doctype ? 1 : prolog_verdict(&x->prolog, &x->scan);
    x->has_doctype = v == 1;
    if (x->prolog.len > markup_bound(x)) {
        if (v == 1)
            return xstop(x, RP_LIMIT, "XML: markup too large");
        v = -1;
    }
    /* libxml2 guesses the encoding from the first four bytes: give it at
     * least those in its first chunk, or the guess depends on the split. */
    if (v >= 0 || x->prolog.len < 4)
        return RP_OK;
    x->streaming = 1;
    rp_status_t st = xml_push(x, x->prolog.data, x->prolog.len, 0);
    rp_abuf_clear(&x->prolog);
    return st;
}

static rp_status_t xml_finish(rp_body_proc_t *p)
{
    xmlp_t *x = (xmlp_t *)p;
    if (x->status != RP_OK || x->finished)
        return x->status;
    x->finished = 1;
    if (x->fed == 0)
        return RP_OK;
    rp_status_t st;
    if (!x->streaming)
        st = xml_push(x, x->prolog.data, x->prolog.len, 1);
    else
        st = xml_push(x, "", 0, 1);
    xml_free_ctxt(x);
    return st;
}

void rp_body_xml_abort(rp_body_proc_t *p)
{
    if (!p)
        return;
    xmlp_t *x = (xmlp_t *)p;
    xml_free_ctxt(x);
    if (x->status == RP_OK) {
        x->status = RP_ERROR;
        x->proc.reason = "XML: aborted";
    }
}

rp_body_proc_t *rp_body_xml_new(rp_arena_t *a, const rp_body_limits_t *lim, rp_field_fn fn,
                                void *ctx)
{
    xmlp_t *x = rp_arena_calloc(a, sizeof(*x));
    if (!x)
        return NULL;
    x->proc.feed = xml_feed;
    x->proc.finish = xml_finish;
    x->lim = *lim;
    x->fn = fn;
    x->ctx = ctx;
    x->arena = a;
    rp_abuf_init(&x->path, a);
    rp_abuf_init(&x->text, a);
    rp_abuf_init(&x->scratch, a);
    rp_abuf_init(&x->prolog, a);
    return &x->proc;
}
