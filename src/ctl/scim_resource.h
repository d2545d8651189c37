/*
 * scim_resource.h — the directory's users and groups as SCIM 2.0
 * resources (RFC 7643 §4.1 User with the enterprise extension §4.3, §4.2
 * Group), in both directions. The mapping (docs/IDENTITY.md "SCIM"):
 *
 *   userName              name
 *   displayName           display_name (name.formatted mirrors it)
 *   name.givenName, name.familyName, externalId   attributes.givenName, ...
 *   emails[0].value       email (the primary one, else the first)
 *   phoneNumbers[0].value phone
 *   active                state: true is active; false turns an active
 *                         user disabled (locked/expired users stay so)
 *   enterprise department ou, without its leading "/" ("Finance" is
 *                         /Finance; "gov/finance" is /gov/finance)
 *   groups                the user's groups (read-only, RFC 7643 §4.1.2)
 *
 * A group's displayName is its display name, or its path without the
 * leading "/" when it has none; members are users by id.
 */
#ifndef RAMPART_CTL_SCIM_RESOURCE_H
#define RAMPART_CTL_SCIM_RESOURCE_H

#include <jansson.h>

#include "store_dir.h"

#define SCIM_USER_SCHEMA       "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_GROUP_SCHEMA      "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_ENTERPRISE_SCHEMA "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCIM_LIST_SCHEMA       "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCIM_PATCH_SCHEMA      "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCIM_ERROR_SCHEMA      "urn:ietf:params:scim:api:messages:2.0:Error"

/* The user as a SCIM resource; groups is an array of {value, display}
 * (taken), or NULL. base: the URL prefix of meta.location ("/scim/v2"). */
json_t *scim_user_json(const dir_user_t *u, json_t *groups, const char *base);
/* Sets u from a SCIM User (a replacement: absent attributes are
 * cleared, except active which then stays as it is). creating: u is new.
 * NULL, or what is wrong. */
const char *scim_user_apply(json_t *res, dir_user_t *u, int creating);

/* The group as a SCIM resource; members is an array of {value, display}
 * (taken), or NULL. */
json_t *scim_group_json(const dir_group_t *g, json_t *members, const char *base);
/* The group's displayName (the display name, else the path without "/"). */
const char *scim_group_name(const dir_group_t *g);

/* meta.version for a change time: a weak ETag, W/"<ms>" (RFC 7644 §3.14). */
void scim_version(int64_t updated, char out[32]);

#endif
