/*
 * api_scim.h — the SCIM 2.0 service (RFC 7643, RFC 7644) under /scim/v2
 * for provisioning the identity directory from an identity provider
 * (Okta, Azure AD/Entra ID, ...). docs/IDENTITY.md "SCIM" has the
 * endpoints and the attribute mapping (scim_resource.h).
 *
 * Callers authenticate like every API caller (a bearer API token, in
 * practice of role admin) and need directory:manage. Errors carry the
 * SCIM error schema (RFC 7644 §3.12); bodies are application/scim+json
 * (application/json is accepted too).
 */
#ifndef RAMPART_CTL_API_SCIM_H
#define RAMPART_CTL_API_SCIM_H

#include "http.h"

#define SCIM_BASE     "/scim/v2"
#define SCIM_PAGE_MAX 1000
#define SCIM_CONTENT  "application/scim+json"

/* ---- shared by api_scim*.c ---- */
enum MHD_Result scim_reply(http_req_t *r, unsigned status, json_t *obj);
enum MHD_Result scim_error(http_req_t *r, unsigned status, const char *scim_type,
                           const char *detail);
/* The request body as a JSON object, or NULL with the error queued. */
json_t *scim_body(http_req_t *r, enum MHD_Result *rc);
/* startIndex (1-based) and count of a list request; -1 with the error
 * queued when malformed. */
int scim_paging(http_req_t *r, long *start, long *count, enum MHD_Result *rc);
/* The id in the path as a number; 0 when it is not one. */
int64_t scim_path_id(http_req_t *r);
/* 412 when If-Match is given and is not the version; 0 to go on. */
int scim_if_match(http_req_t *r, int64_t updated, enum MHD_Result *rc);
/* A ListResponse of resources (taken). */
json_t *scim_list(json_t *resources, long total, long start);

/* ---- discovery (api_scim.c) ---- */
enum MHD_Result api_scim_service_config(http_req_t *r);
enum MHD_Result api_scim_resource_types(http_req_t *r);
enum MHD_Result api_scim_resource_type(http_req_t *r);
enum MHD_Result api_scim_schemas(http_req_t *r);
enum MHD_Result api_scim_schema(http_req_t *r);

/* ---- Users (api_scim_users.c) ---- */
enum MHD_Result api_scim_users_list(http_req_t *r);
enum MHD_Result api_scim_users_get(http_req_t *r);
enum MHD_Result api_scim_users_create(http_req_t *r);
enum MHD_Result api_scim_users_replace(http_req_t *r);
enum MHD_Result api_scim_users_patch(http_req_t *r);
enum MHD_Result api_scim_users_delete(http_req_t *r);

/* ---- Groups (api_scim_groups.c) ---- */
enum MHD_Result api_scim_groups_list(http_req_t *r);
enum MHD_Result api_scim_groups_get(http_req_t *r);
enum MHD_Result api_scim_groups_create(http_req_t *r);
enum MHD_Result api_scim_groups_replace(http_req_t *r);
enum MHD_Result api_scim_groups_patch(http_req_t *r);
enum MHD_Result api_scim_groups_delete(http_req_t *r);

#endif
