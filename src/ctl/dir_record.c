/*
 * dir_record.c — directory users as JSON and their validation (see
 * dir_record.h).
 */
#include "dir_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_names.h"
#include "timefmt.h"

static int utf8_ok(const unsigned char *s)
{
    while (*s) {
        int extra = *s < 0x80             ? 0
                    : (*s & 0xe0) == 0xc0 ? 1
                    : (*s & 0xf0) == 0xe0 ? 2
                    : (*s & 0xf8) == 0xf0 ? 3
                                          : -1;
        if (extra < 0 || (extra == 1 && *s < 0xc2))
            return 0;
        if (*s < 0x20 || *s == 0x7f)
            return 0;
        s++;
        for (int i = 0; i < extra; i++, s++)
            if ((*s & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

int dir_valid_text(const char *s, size_t max)
{
    return s && strlen(s) <= max && utf8_ok((const unsigned char *)s);
}

int dir_valid_path(const char *path)
{
    if (!path || path[0] != '/' || !dir_valid_text(path, DIR_PATH_MAX) || strpbrk(path, ";,"))
        return 0;
    const char *p = path + 1;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n > 64 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (!p[n])
            return 1;
        p += n + 1;
    }
}

int dir_valid_state(const char *state)
{
    static const char *const states[] = {"active", "locked", "disabled", "expired"};
    for (size_t i = 0; state && i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(state, states[i]) == 0)
            return 1;
    return 0;
}

static int valid_email(const char *s)
{
    if (!*s)
        return 1;
    const char *at = strchr(s, '@');
    return dir_valid_text(s, DIR_TEXT_MAX) && at && at > s && at[1] && !strchr(at + 1, '@') &&
           !strpbrk(s, " \t<>\",;");
}

static int valid_phone(const char *s)
{
    return strlen(s) <= DIR_PHONE_MAX && strspn(s, "0123456789 +-().") == strlen(s);
}

/* The string field key of obj into out: 1 when set, 0 when absent, -1 when
 * not a string or refused by ok(). */
static int string_field(json_t *obj, const char *key, char *out, size_t size,
                        int (*ok)(const char *))
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    const char *s = json_string_value(v);
    if (!s || strlen(s) >= size || !ok(s))
        return -1;
    snprintf(out, size, "%s", s);
    return 1;
}

static int text_ok(const char *s)
{
    return dir_valid_text(s, DIR_TEXT_MAX);
}

static int ou_ok(const char *s)
{
    return !*s || dir_valid_path(s);
}

const char *dir_user_from_json(json_t *obj, dir_user_t *u, int creating)
{
    if (!json_is_object(obj))
        return "a user is a JSON object";
    const char *known[] = {"name",       "display_name", "email", "phone",    "ou",       "state",
                           "attributes", "groups",       "roles", "password", "temporary"};
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0]))
            return "unknown field (allowed: name, display_name, email, phone, ou, state, "
                   "attributes, groups, roles, password, temporary)";
    }
    if (creating) {
        memset(u, 0, sizeof(*u));
        snprintf(u->state, sizeof(u->state), "active");
        snprintf(u->attributes, sizeof(u->attributes), "{}");
        snprintf(u->pw_history, sizeof(u->pw_history), "[]");
        const char *name = json_string_value(json_object_get(obj, "name"));
        if (!api_valid_name(name))
            return "name: 1-64 of A-Z a-z 0-9 . _ - @";
        snprintf(u->name, sizeof(u->name), "%s", name);
    } else if (json_object_get(obj, "name") &&
               !(json_string_value(json_object_get(obj, "name")) &&
                 strcasecmp(json_string_value(json_object_get(obj, "name")), u->name) == 0)) {
        return "name: cannot change (create a new user)";
    }
    if (string_field(obj, "display_name", u->display_name, sizeof(u->display_name), text_ok) < 0)
        return "display_name: up to 256 bytes of text without control characters";
    if (string_field(obj, "email", u->email, sizeof(u->email), valid_email) < 0)
        return "email: an address like name@example.gov";
    if (string_field(obj, "phone", u->phone, sizeof(u->phone), valid_phone) < 0)
        return "phone: up to 32 of digits, space and + - ( ) .";
    if (string_field(obj, "ou", u->ou, sizeof(u->ou), ou_ok) < 0)
        return "ou: a path like /gov/city/office (segments without / . ..) or \"\"";
    if (string_field(obj, "state", u->state, sizeof(u->state), dir_valid_state) < 0)
        return "state: active, locked, disabled or expired";
    json_t *attrs = json_object_get(obj, "attributes");
    if (attrs) {
        char *text =
            json_is_object(attrs) ? json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        int ok = text && strlen(text) <= DIR_ATTR_MAX;
        if (ok)
            snprintf(u->attributes, sizeof(u->attributes), "%s", text);
        free(text);
        if (!ok)
            return "attributes: a JSON object of at most 4096 bytes";
    }
    return NULL;
}

json_t *dir_user_to_json(const dir_user_t *u, json_t *groups, json_t *roles)
{
    char created[TIME_RFC3339_MAX], updated[TIME_RFC3339_MAX], changed[TIME_RFC3339_MAX];
    char last_login[TIME_RFC3339_MAX];
    time_format_rfc3339(u->created, created);
    time_format_rfc3339(u->updated, updated);
    time_format_rfc3339(u->pw_changed, changed);
    time_format_rfc3339(u->last_login, last_login);
    json_t *attrs = json_loads(u->attributes, 0, NULL);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:I, s:s, s:s, s:s*, "
                          "s:s*}",
                          "id", (json_int_t)u->id, "name", u->name, "display_name", u->display_name,
                          "email", u->email, "phone", u->phone, "ou", u->ou, "state", u->state,
                          "attributes", attrs ? attrs : json_object(), "has_password",
                          u->pw_hash[0] != '\0', "mfa_totp", u->totp_state == DIR_TOTP_ACTIVE,
                          "failures", (json_int_t)u->failures, "created", created, "updated",
                          updated, "password_changed", u->pw_changed ? changed : NULL, "last_login",
                          u->last_login ? last_login : NULL);
    if (o && groups)
        json_object_set_new(o, "groups", groups);
    if (o && roles)
        json_object_set_new(o, "roles", roles);
    return o;
}

const char *dir_names_from_json(json_t *arr, dir_kind_t kind, const char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) > 256)
        return kind == DIR_GROUPS ? "groups: an array of up to 256 group paths"
                                  : "roles: an array of up to 256 role names";
    *names = calloc(json_array_size(arr) + 1, sizeof(**names));
    if (!*names)
        return "out of memory";
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (kind == DIR_GROUPS ? !dir_valid_path(s) : !api_valid_name(s)) {
            free(*names);
            *names = NULL;
            return kind == DIR_GROUPS ? "groups: each a path like /gov/city"
                                      : "roles: each 1-64 of A-Z a-z 0-9 . _ - @";
        }
        (*names)[(*n)++] = s;
    }
    return NULL;
}
