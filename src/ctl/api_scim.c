/*
 * api_scim.c — what the SCIM handlers share (replies, errors, bodies,
 * paging, ETags) and the discovery endpoints of RFC 7644 §4:
 * ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 §5-7), the
 * schemas describing exactly the attributes scim_resource.c maps.
 */
#include "api_scim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scim_resource.h"

enum MHD_Result scim_reply(http_req_t *r, unsigned status, json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text)
        return http_reply_error(r, 500, "internal", "out of memory");
    return http_reply(r, status, SCIM_CONTENT, text, strlen(text));
}

enum MHD_Result scim_error(http_req_t *r, unsigned status, const char *scim_type,
                           const char *detail)
{
    char code[8];
    snprintf(code, sizeof(code), "%u", status);
    json_t *e = json_pack("{s:[s], s:s, s:s}", "schemas", SCIM_ERROR_SCHEMA, "status", code,
                          "detail", detail);
    if (scim_type)
        json_object_set_new(e, "scimType", json_string(scim_type));
    return scim_reply(r, status, e);
}

json_t *scim_body(http_req_t *r, enum MHD_Result *rc)
{
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || (strncasecmp(ct, SCIM_CONTENT, strlen(SCIM_CONTENT)) != 0 &&
                strncasecmp(ct, "application/json", 16) != 0)) {
        *rc = scim_error(r, 415, NULL, "the body must be application/scim+json");
        return NULL;
    }
    json_t *obj =
        json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        *rc = scim_error(r, 400, "invalidSyntax", "the body must be a JSON object");
        return NULL;
    }
    return obj;
}

/* A non-negative integer query parameter; -1 when malformed. */
static long query_number(http_req_t *r, const char *name, long absent)
{
    const char *v = http_query(r, name);
    if (!v)
        return absent;
    char *end;
    long n = strtol(v, &end, 10);
    return (*end || end == v || n < -1000000 || n > 1000000) ? -2 : n;
}

int scim_paging(http_req_t *r, long *start, long *count, enum MHD_Result *rc)
{
    *start = query_number(r, "startIndex", 1);
    *count = query_number(r, "count", 100);
    if (*start == -2 || *count == -2) {
        *rc = scim_error(r, 400, "invalidValue", "startIndex and count: integers");
        return -1;
    }
    /* RFC 7644 §3.4.2.4: below 1 means 1, a negative count means 0 */
    if (*start < 1)
        *start = 1;
    if (*count < 0)
        *count = 0;
    if (*count > SCIM_PAGE_MAX)
        *count = SCIM_PAGE_MAX;
    return 0;
}

int64_t scim_path_id(http_req_t *r)
{
    char *end;
    long long id = strtoll(r->arg, &end, 10);
    return (*end || end == r->arg || id < 1) ? 0 : (int64_t)id;
}

int scim_if_match(http_req_t *r, int64_t updated, enum MHD_Result *rc)
{
    const char *want = http_header(r, "If-Match");
    char version[32];
    scim_version(updated, version);
    if (!want || strcmp(want, "*") == 0 || strcmp(want, version) == 0)
        return 0;
    *rc = scim_error(r, 412, NULL, "the resource changed (If-Match does not match meta.version)");
    return -1;
}

json_t *scim_list(json_t *resources, long total, long start)
{
    return json_pack("{s:[s], s:I, s:I, s:I, s:o}", "schemas", SCIM_LIST_SCHEMA, "totalResults",
                     (json_int_t)total, "startIndex", (json_int_t)start, "itemsPerPage",
                     (json_int_t)json_array_size(resources), "Resources", resources);
}

/* ---- discovery ----------------------------------------------------------------------- */

enum MHD_Result api_scim_service_config(http_req_t *r)
{
    json_t *c = json_pack(
        "{s:[s], s:s, s:{s:b}, s:{s:b, s:I, s:I}, s:{s:b}, s:{s:b}, s:{s:b, s:I}, s:{s:b},"
        " s:{s:b}, s:[{s:s, s:s, s:s, s:b}], s:{s:s}}",
        "schemas", "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
        "documentationUri", "docs/IDENTITY.md#scim", "patch", "supported", 1, "bulk", "supported",
        0, "maxOperations", (json_int_t)0, "maxPayloadSize", (json_int_t)0, "changePassword",
        "supported", 1, "sort", "supported", 0, "filter", "supported", 1, "maxResults",
        (json_int_t)SCIM_PAGE_MAX, "etag", "supported", 1, "xmlDataFormat", "supported", 0,
        "authenticationSchemes", "type", "oauthbearertoken", "name", "Bearer token", "description",
        "a rampartd API token (Authorization: Bearer rp_...)", "primary", 1, "meta", "resourceType",
        "ServiceProviderConfig");
    return scim_reply(r, 200, c);
}

static json_t *resource_type(const char *name)
{
    int user = strcmp(name, "User") == 0;
    json_t *t = json_pack(
        "{s:[s], s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "schemas",
        "urn:ietf:params:scim:schemas:core:2.0:ResourceType", "id", name, "name", name, "endpoint",
        user ? "/Users" : "/Groups", "schema", user ? SCIM_USER_SCHEMA : SCIM_GROUP_SCHEMA, "meta",
        "resourceType", "ResourceType", "location",
        user ? SCIM_BASE "/ResourceTypes/User" : SCIM_BASE "/ResourceTypes/Group");
    if (user)
        json_object_set_new(
            t, "schemaExtensions",
            json_pack("[{s:s, s:b}]", "schema", SCIM_ENTERPRISE_SCHEMA, "required", 0));
    return t;
}

enum MHD_Result api_scim_resource_types(http_req_t *r)
{
    json_t *list = json_pack("[o, o]", resource_type("User"), resource_type("Group"));
    return scim_reply(r, 200, scim_list(list, 2, 1));
}

enum MHD_Result api_scim_resource_type(http_req_t *r)
{
    if (strcmp(r->arg, "User") != 0 && strcmp(r->arg, "Group") != 0)
        return scim_error(r, 404, NULL, "resource types: User, Group");
    return scim_reply(r, 200, resource_type(r->arg));
}

/* One attribute definition (RFC 7643 §7); flags: m multi-valued, r
 * required, x case-exact, o read-only, u unique (server). */
typedef struct {
    const char *name, *type, *flags, *subs; /* subs: comma-separated string sub-attributes */
} attr_def_t;

static json_t *attribute(const attr_def_t *a)
{
    int ro = strchr(a->flags, 'o') != NULL;
    json_t *j = json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:s, s:s, s:s}", "name", a->name, "type",
                          a->type, "multiValued", strchr(a->flags, 'm') != NULL, "description",
                          a->name, "required", strchr(a->flags, 'r') != NULL, "caseExact",
                          strchr(a->flags, 'x') != NULL, "mutability",
                          ro                                 ? "readOnly"
                          : strcmp(a->name, "password") == 0 ? "writeOnly"
                                                             : "readWrite",
                          "returned", strcmp(a->name, "password") == 0 ? "never" : "default",
                          "uniqueness", strchr(a->flags, 'u') ? "server" : "none");
    if (a->subs) {
        json_t *subs = json_array();
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", a->subs);
        for (char *save, *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
            attr_def_t sub = {s, strcmp(s, "primary") == 0 ? "boolean" : "string", ro ? "o" : "",
                              NULL};
            json_array_append_new(subs, attribute(&sub));
        }
        json_object_set_new(j, "type", json_string("complex"));
        json_object_set_new(j, "subAttributes", subs);
    }
    return j;
}

static json_t *schema(const char *id, const char *name, const attr_def_t *defs, size_t n)
{
    json_t *attrs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(attrs, attribute(&defs[i]));
    char loc[160];
    snprintf(loc, sizeof(loc), SCIM_BASE "/Schemas/%s", id);
    return json_pack("{s:[s], s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "schemas",
                     "urn:ietf:params:scim:schemas:core:2.0:Schema", "id", id, "name", name,
                     "description", name, "attributes", attrs, "meta", "resourceType", "Schema",
                     "location", loc);
}

static const attr_def_t user_attrs[] = {
    {"userName", "string", "ru", NULL},
    {"externalId", "string", "x", NULL},
    {"name", "complex", "", "formatted,givenName,familyName"},
    {"displayName", "string", "", NULL},
    {"active", "boolean", "", NULL},
    {"password", "string", "", NULL},
    {"emails", "complex", "m", "value,type,primary"},
    {"phoneNumbers", "complex", "m", "value,type"},
    {"groups", "complex", "mo", "value,display"},
};
static const attr_def_t group_attrs[] = {
    {"displayName", "string", "ru", NULL},
    {"members", "complex", "m", "value,display"},
};
static const attr_def_t enterprise_attrs[] = {
    {"department", "string", "", NULL},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static json_t *schema_by_id(const char *id)
{
    if (strcmp(id, SCIM_USER_SCHEMA) == 0)
        return schema(id, "User", user_attrs, N(user_attrs));
    if (strcmp(id, SCIM_GROUP_SCHEMA) == 0)
        return schema(id, "Group", group_attrs, N(group_attrs));
    if (strcmp(id, SCIM_ENTERPRISE_SCHEMA) == 0)
        return schema(id, "EnterpriseUser", enterprise_attrs, N(enterprise_attrs));
    return NULL;
}

enum MHD_Result api_scim_schemas(http_req_t *r)
{
    json_t *list = json_pack("[o, o, o]", schema_by_id(SCIM_USER_SCHEMA),
                             schema_by_id(SCIM_GROUP_SCHEMA), schema_by_id(SCIM_ENTERPRISE_SCHEMA));
    return scim_reply(r, 200, scim_list(list, 3, 1));
}

enum MHD_Result api_scim_schema(http_req_t *r)
{
    json_t *s = schema_by_id(r->arg);
    return s ? scim_reply(r, 200, s) : scim_error(r, 404, NULL, "no such schema");
}
