/*
 * scim_filter.h — the filter expressions of SCIM 2.0 (RFC 7644 §3.4.2.2),
 * parsed from untrusted query text and evaluated against a resource as
 * its SCIM JSON.
 *
 * Grammar accepted: attrPath op value (eq ne co sw ew gt ge lt le),
 * attrPath pr, "not" "(" filter ")", "(" filter ")", filter and filter,
 * filter or filter (and binds tighter than or), attrPath "[" filter "]"
 * (a value filter on a multi-valued attribute). Attribute paths are
 * names with an optional sub-attribute ("emails.value") and an optional
 * schema URN prefix; operators and attribute names are case-insensitive.
 * Values: JSON strings, true, false, null, numbers.
 *
 * Bounds keep a hostile filter cheap: at most SCIM_FILTER_MAX bytes,
 * SCIM_FILTER_NODES nodes and SCIM_FILTER_DEPTH levels of nesting.
 */
#ifndef RAMPART_CTL_SCIM_FILTER_H
#define RAMPART_CTL_SCIM_FILTER_H

#include <jansson.h>
#include <stddef.h>

#define SCIM_FILTER_MAX   1024
#define SCIM_FILTER_NODES 64
#define SCIM_FILTER_DEPTH 16

typedef struct scim_filter scim_filter_t;

/* The parsed filter, or NULL and *why (a static message). */
scim_filter_t *scim_filter_parse(const char *text, size_t len, const char **why);
void scim_filter_free(scim_filter_t *f);

/* 1 when the resource (a JSON object) matches, else 0. Strings compare
 * without regard to case except for id and externalId (RFC 7643 §3.1
 * makes those case-exact). A multi-valued attribute matches when any
 * value does; a complex one compares its "value" sub-attribute. */
int scim_filter_match(const scim_filter_t *f, json_t *resource);

/* obj's member called name, matched without regard to case (NULL when
 * absent). */
json_t *scim_attr_get(json_t *obj, const char *name);

#endif
