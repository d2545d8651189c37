/*
 * scim_resource.c — directory users and groups as SCIM resources (see
 * scim_resource.h). Writing goes through dir_user_from_json, so a SCIM
 * client is held to the same checks as the admin API and the importers.
 */
#include "scim_resource.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_record.h"
#include "scim_filter.h"
#include "timefmt.h"

void scim_version(int64_t updated, char out[32])
{
    snprintf(out, 32, "W/\"%" PRId64 "\"", updated);
}

static json_t *meta(const char *type, const char *base, const char *plural, int64_t id,
                    int64_t created, int64_t updated)
{
    char c[TIME_RFC3339_MAX], m[TIME_RFC3339_MAX], loc[128], version[32];
    time_format_rfc3339(created, c);
    time_format_rfc3339(updated, m);
    snprintf(loc, sizeof(loc), "%s/%s/%" PRId64, base, plural, id);
    scim_version(updated, version);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "resourceType", type, "created", c,
                     "lastModified", m, "location", loc, "version", version);
}

static void set_if(json_t *obj, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(obj, key, json_string(value));
}

json_t *scim_user_json(const dir_user_t *u, json_t *groups, const char *base)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, u->id);
    json_t *attrs = json_loads(u->attributes, 0, NULL);
    json_t *res = json_pack("{s:[s], s:s, s:s, s:b}", "schemas", SCIM_USER_SCHEMA, "id", id,
                            "userName", u->name, "active", strcmp(u->state, "active") == 0);
    set_if(res, "externalId", json_string_value(json_object_get(attrs, "externalId")));
    set_if(res, "displayName", u->display_name);
    json_t *name = json_object();
    set_if(name, "formatted", u->display_name);
    set_if(name, "givenName", json_string_value(json_object_get(attrs, "givenName")));
    set_if(name, "familyName", json_string_value(json_object_get(attrs, "familyName")));
    json_object_set_new(res, "name", name);
    json_decref(attrs);
    if (u->email[0])
        json_object_set_new(
            res, "emails",
            json_pack("[{s:s, s:s, s:b}]", "value", u->email, "type", "work", "primary", 1));
    if (u->phone[0])
        json_object_set_new(res, "phoneNumbers",
                            json_pack("[{s:s, s:s}]", "value", u->phone, "type", "work"));
    if (u->ou[0]) {
        json_array_append_new(json_object_get(res, "schemas"), json_string(SCIM_ENTERPRISE_SCHEMA));
        json_object_set_new(res, SCIM_ENTERPRISE_SCHEMA,
                            json_pack("{s:s}", "department", u->ou + 1));
    }
    json_object_set_new(res, "groups", groups ? groups : json_array());
    json_object_set_new(res, "meta", meta("User", base, "Users", u->id, u->created, u->updated));
    return res;
}

/* The "value" of the primary element of a multi-valued attribute, else
 * of the first; "" when there is none. NULL when malformed. */
static const char *primary_value(json_t *multi)
{
    if (!multi || json_is_null(multi))
        return "";
    if (!json_is_array(multi))
        return NULL;
    json_t *pick = json_array_get(multi, 0);
    size_t i;
    json_t *e;
    json_array_foreach(multi, i, e) if (json_is_true(scim_attr_get(e, "primary"))) pick = e;
    if (!pick)
        return "";
    json_t *v = json_is_object(pick) ? scim_attr_get(pick, "value") : NULL;
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

/* A string attribute ("" when absent or null); NULL when of another type. */
static const char *string_attr(json_t *obj, const char *name)
{
    json_t *v = obj ? scim_attr_get(obj, name) : NULL;
    if (!v || json_is_null(v))
        return "";
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Sets or removes key in the attributes object. */
static void attr_put(json_t *attrs, const char *key, const char *value)
{
    if (value[0])
        json_object_set_new(attrs, key, json_string(value));
    else
        json_object_del(attrs, key);
}

/* The active attribute: a boolean, or (as Azure AD sends it) the
 * strings "True"/"False". -1 absent, 0/1, -2 malformed. */
static int active_of(json_t *res)
{
    json_t *v = scim_attr_get(res, "active");
    if (!v || json_is_null(v))
        return -1;
    if (json_is_boolean(v))
        return json_is_true(v);
    const char *s = json_string_value(v);
    if (s && strcasecmp(s, "true") == 0)
        return 1;
    if (s && strcasecmp(s, "false") == 0)
        return 0;
    return -2;
}

const char *scim_user_apply(json_t *res, dir_user_t *u, int creating)
{
    if (!json_is_object(res))
        return "a User is a JSON object";
    const char *user_name = string_attr(res, "userName");
    json_t *name = scim_attr_get(res, "name");
    json_t *ent = scim_attr_get(res, SCIM_ENTERPRISE_SCHEMA);
    const char *display = string_attr(res, "displayName");
    const char *given = string_attr(name, "givenName"), *family = string_attr(name, "familyName");
    const char *external = string_attr(res, "externalId");
    const char *email = primary_value(scim_attr_get(res, "emails"));
    const char *phone = primary_value(scim_attr_get(res, "phoneNumbers"));
    const char *dept = string_attr(ent, "department");
    int active = active_of(res);
    if (!user_name || !user_name[0])
        return "userName: required, 1-64 of A-Z a-z 0-9 . _ - @";
    if ((name && !json_is_object(name) && !json_is_null(name)) || !given || !family)
        return "name: an object of strings";
    if (!display || !external)
        return "displayName, externalId: strings";
    if (!email || !phone)
        return "emails, phoneNumbers: arrays of {value}";
    if ((ent && !json_is_object(ent) && !json_is_null(ent)) || !dept)
        return "enterprise extension: an object; department a string";
    if (active == -2)
        return "active: true or false";
    if (!display[0]) /* RFC 7643 §4.1.1: name.formatted is the full name */
        display = string_attr(name, "formatted") ? string_attr(name, "formatted") : "";
    char ou[DIR_PATH_MAX + 2];
    snprintf(ou, sizeof(ou), "%s%s", dept[0] && dept[0] != '/' ? "/" : "", dept);
    json_t *attrs = creating ? json_object() : json_loads(u->attributes, 0, NULL);
    if (!json_is_object(attrs)) {
        json_decref(attrs);
        attrs = json_object();
    }
    attr_put(attrs, "externalId", external);
    attr_put(attrs, "givenName", given);
    attr_put(attrs, "familyName", family);
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", user_name, "display_name",
                            display, "email", email, "phone", phone, "ou", ou, "attributes", attrs);
    const char *state = NULL;
    if (active == 1)
        state = "active";
    else if (active == 0 && (creating || strcmp(u->state, "active") == 0))
        state = "disabled";
    if (state)
        json_object_set_new(obj, "state", json_string(state));
    const char *why = obj ? dir_user_from_json(obj, u, creating) : "out of memory";
    json_decref(obj);
    return why;
}

const char *scim_group_name(const dir_group_t *g)
{
    return g->display_name[0] ? g->display_name : g->path + 1;
}

json_t *scim_group_json(const dir_group_t *g, json_t *members, const char *base)
{
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, g->id);
    json_t *res =
        json_pack("{s:[s], s:s, s:s, s:o}", "schemas", SCIM_GROUP_SCHEMA, "id", id, "displayName",
                  scim_group_name(g), "members", members ? members : json_array());
    json_object_set_new(res, "meta", meta("Group", base, "Groups", g->id, g->created, g->created));
    return res;
}
