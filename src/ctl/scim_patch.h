/*
 * scim_patch.h — SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's
 * SCIM JSON: the handler renders the stored resource, applies the
 * operations here, and writes the result back as a replacement, so PATCH
 * and PUT share one validation.
 *
 * Operations: add, replace, remove (any case, as Azure AD sends
 * "Replace"). Paths: attr, attr.sub, a schema-URN-qualified attribute,
 * attr[filter] and attr[filter].sub (scim_filter.h). Without a path, the
 * value is an object of attributes to add or replace. add on a
 * multi-valued attribute appends (skipping values already there);
 * remove with a value array removes those values (members).
 */
#ifndef RAMPART_CTL_SCIM_PATCH_H
#define RAMPART_CTL_SCIM_PATCH_H

#include <jansson.h>

#define SCIM_PATCH_MAX_OPS 100

/* Applies the PatchOp request body to res. NULL, or what is wrong with
 * *scim_type set to the RFC 7644 §3.12 scimType (invalidSyntax,
 * invalidPath, noTarget, invalidValue). */
const char *scim_patch_apply(json_t *res, json_t *body, const char **scim_type);

#endif
