/*
 * scim_patch.c — RFC 7644 §3.5.2 PATCH operations on SCIM JSON (see
 * scim_patch.h).
 */
#include "scim_patch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scim_filter.h"

#define PATH_MAX_LEN 512

typedef enum { P_ADD, P_REPLACE, P_REMOVE } patch_op_t;

typedef struct {
    char attr[PATH_MAX_LEN];   /* the attribute, URN prefix removed */
    char urn[PATH_MAX_LEN];    /* the extension's URN, "" for the core schema */
    char filter[PATH_MAX_LEN]; /* the value filter between [ ], "" for none */
    char sub[PATH_MAX_LEN];    /* the sub-attribute, "" for none */
} path_t;

static const char *err(const char **scim_type, const char *type, const char *why)
{
    *scim_type = type;
    return why;
}

/* The object's own spelling of name (attribute names are case-insensitive). */
static const char *key_of(json_t *obj, const char *name)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) if (strcasecmp(key, name) == 0) return key;
    return name;
}

static int parse_path(const char *text, path_t *p)
{
    memset(p, 0, sizeof(*p));
    size_t len = strlen(text);
    if (len == 0 || len >= PATH_MAX_LEN)
        return -1;
    char buf[PATH_MAX_LEN];
    memcpy(buf, text, len + 1);
    char *bracket = strchr(buf, '[');
    if (bracket) {
        char *close = strrchr(bracket, ']');
        if (!close)
            return -1;
        *close = '\0';
        snprintf(p->filter, sizeof(p->filter), "%s", bracket + 1);
        if (close[1] == '.')
            snprintf(p->sub, sizeof(p->sub), "%s", close + 2);
        else if (close[1])
            return -1;
        *bracket = '\0';
    }
    char *name = buf;
    if (strncasecmp(buf, "urn:", 4) == 0) {
        char *colon = strrchr(buf, ':');
        *colon = '\0';
        name = colon + 1;
        static const char core[] = "urn:ietf:params:scim:schemas:core:2.0:";
        if (strncasecmp(buf, core, sizeof(core) - 1) != 0)
            snprintf(p->urn, sizeof(p->urn), "%s", buf);
    }
    if (!bracket) {
        char *dot = strchr(name, '.');
        if (dot) {
            *dot = '\0';
            snprintf(p->sub, sizeof(p->sub), "%s", dot + 1);
        }
    }
    snprintf(p->attr, sizeof(p->attr), "%s", name);
    return p->attr[0] ? 0 : -1;
}

/* Whether arr holds an element with the same "value" as e. */
static int has_value(json_t *arr, json_t *e)
{
    json_t *v = json_is_object(e) ? scim_attr_get(e, "value") : e;
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        json_t *xv = json_is_object(x) ? scim_attr_get(x, "value") : x;
        if (v && xv && json_equal(v, xv))
            return 1;
    }
    return 0;
}

/* add, replace or remove obj[key] (no filter). */
static const char *apply_simple(json_t *obj, const char *name, patch_op_t op, json_t *value,
                                const char **scim_type)
{
    const char *key = key_of(obj, name);
    json_t *cur = json_object_get(obj, key);
    if (op == P_REMOVE) {
        if (json_is_array(cur) && json_is_array(value)) {
            /* remove these values (group members, RFC 7644 §3.5.2.2) */
            for (size_t i = json_array_size(cur); i-- > 0;)
                if (has_value(value, json_array_get(cur, i)))
                    json_array_remove(cur, i);
            return NULL;
        }
        json_object_del(obj, key);
        return NULL;
    }
    if (!value)
        return err(scim_type, "invalidValue", "add and replace need a value");
    if (op == P_ADD && json_is_array(cur)) {
        json_t *items = json_is_array(value) ? value : NULL;
        if (!items)
            return err(scim_type, "invalidValue", "add to a multi-valued attribute: an array");
        size_t i;
        json_t *e;
        json_array_foreach(items, i, e) if (!has_value(cur, e)) json_array_append(cur, e);
        return NULL;
    }
    json_object_set(obj, key, value);
    return NULL;
}

/* The operation on the elements of a multi-valued attribute that match
 * a value filter. */
static const char *apply_filtered(json_t *obj, const path_t *p, patch_op_t op, json_t *value,
                                  const char **scim_type)
{
    const char *why = NULL;
    scim_filter_t *f = scim_filter_parse(p->filter, strlen(p->filter), &why);
    if (!f)
        return err(scim_type, "invalidFilter", why);
    json_t *arr = json_object_get(obj, key_of(obj, p->attr));
    int matched = 0;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *e = json_array_get(arr, i);
        if (!scim_filter_match(f, e))
            continue;
        matched++;
        if (p->sub[0])
            why = apply_simple(e, p->sub, op, value, scim_type);
        else if (op == P_REMOVE)
            json_array_remove(arr, i);
        else if (json_is_object(value))
            json_array_set(arr, i, value);
        else
            why = err(scim_type, "invalidValue", "an element's value: an object");
        if (why)
            break;
    }
    scim_filter_free(f);
    if (why || matched || op == P_REMOVE)
        return why;
    if (!p->sub[0])
        return err(scim_type, "noTarget", "no element matches the path's filter");
    /* replace emails[type eq "work"].value with none yet: a new element */
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(obj, p->attr, arr);
    }
    json_t *e = json_object();
    json_object_set(e, p->sub, value);
    json_array_append_new(arr, e);
    return NULL;
}

static const char *apply_path(json_t *res, const char *path_text, patch_op_t op, json_t *value,
                              const char **scim_type)
{
    path_t p;
    if (parse_path(path_text, &p))
        return err(scim_type, "invalidPath", "path: attr, attr.sub or attr[filter].sub");
    json_t *obj = res;
    if (p.urn[0]) {
        obj = json_object_get(res, key_of(res, p.urn));
        if (!obj) {
            if (op == P_REMOVE)
                return NULL;
            obj = json_object();
            json_object_set_new(res, p.urn, obj);
        }
        if (!json_is_object(obj))
            return err(scim_type, "invalidPath", "an extension is an object");
    }
    if (p.filter[0])
        return apply_filtered(obj, &p, op, value, scim_type);
    if (!p.sub[0])
        return apply_simple(obj, p.attr, op, value, scim_type);
    const char *key = key_of(obj, p.attr);
    json_t *parent = json_object_get(obj, key);
    if (json_is_array(parent)) { /* emails.value: every element */
        size_t i;
        json_t *e;
        json_array_foreach(parent, i, e) if (json_is_object(e))
            apply_simple(e, p.sub, op, value, scim_type);
        return NULL;
    }
    if (!json_is_object(parent)) {
        if (op == P_REMOVE)
            return NULL;
        parent = json_object();
        json_object_set_new(obj, key, parent);
    }
    return apply_simple(parent, p.sub, op, value, scim_type);
}

static const char *apply_one(json_t *res, json_t *operation, const char **scim_type)
{
    const char *name = json_string_value(scim_attr_get(operation, "op"));
    json_t *path = scim_attr_get(operation, "path");
    json_t *value = scim_attr_get(operation, "value");
    patch_op_t op;
    if (name && strcasecmp(name, "add") == 0)
        op = P_ADD;
    else if (name && strcasecmp(name, "replace") == 0)
        op = P_REPLACE;
    else if (name && strcasecmp(name, "remove") == 0)
        op = P_REMOVE;
    else
        return err(scim_type, "invalidSyntax", "op: add, replace or remove");
    if (path && !json_is_string(path))
        return err(scim_type, "invalidPath", "path: a string");
    if (path)
        return apply_path(res, json_string_value(path), op, value, scim_type);
    if (op == P_REMOVE)
        return err(scim_type, "noTarget", "remove needs a path");
    if (!json_is_object(value))
        return err(scim_type, "invalidValue", "without a path, the value is an object");
    const char *key;
    json_t *v;
    json_object_foreach(value, key, v)
    {
        /* an extension's object merges attribute by attribute */
        if (strncasecmp(key, "urn:", 4) == 0 && json_is_object(v)) {
            json_t *ext = json_object_get(res, key_of(res, key));
            if (!json_is_object(ext)) {
                ext = json_object();
                json_object_set_new(res, key, ext);
            }
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2) json_object_set(ext, key_of(ext, k2), v2);
            continue;
        }
        const char *why = apply_path(res, key, op, v, scim_type);
        if (why)
            return why;
    }
    return NULL;
}

const char *scim_patch_apply(json_t *res, json_t *body, const char **scim_type)
{
    json_t *ops = scim_attr_get(body, "Operations");
    if (!json_is_array(ops) || json_array_size(ops) == 0 ||
        json_array_size(ops) > SCIM_PATCH_MAX_OPS)
        return err(scim_type, "invalidSyntax", "Operations: an array of 1-100 operations");
    size_t i;
    json_t *operation;
    json_array_foreach(ops, i, operation)
    {
        if (!json_is_object(operation))
            return err(scim_type, "invalidSyntax", "an operation is an object");
        const char *why = apply_one(res, operation, scim_type);
        if (why)
            return why;
    }
    return NULL;
}
