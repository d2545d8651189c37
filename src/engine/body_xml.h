/*
 * body_xml.h — teardown hook of the XML body processor.
 *
 * The XML processor holds a libxml2 push-parser context, which lives in
 * malloc'd memory outside the transaction's arena (libxml2 allocates for
 * itself). finish() frees it; when a transaction ends without finish()
 * (client gone, verdict before the body ended), its teardown must call
 * rp_body_xml_abort() on the processor rp_body_xml_new() returned.
 */
#ifndef RAMPART_BODY_XML_H
#define RAMPART_BODY_XML_H

#include "body.h"

/* Free the libxml2 context, if any. Idempotent; p may be NULL. p must come
 * from rp_body_xml_new(). After it, feed and finish return RP_ERROR. */
void rp_body_xml_abort(rp_body_proc_t *p);

#endif
