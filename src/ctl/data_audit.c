/*
 * data_audit.c — data-access events into the audit log (see
 * data_audit.h).
 */
#include "data_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_log.h"
#include "log.h"
#include "timefmt.h"

/* s cut to at most max bytes, at a UTF-8 character boundary. */
static json_t *bounded(const char *s, size_t max)
{
    if (!s)
        return json_string("");
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    json_t *v = json_stringn(s, n);
    return v ? v : json_string("");
}

static const char *text_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* The session's claims as the gateway reports them are percent-encoded
 * (docs/DATA-CLASSES.md); the record holds them decoded, bounded. A
 * malformed escape or a NUL keeps the text as it came. */
json_t *data_audit_claim(json_t *data, const char *key)
{
    const char *s = text_of(data, key);
    if (!s)
        return json_string("");
    char out[DATA_AUDIT_TEXT_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; s[i] && n < DATA_AUDIT_TEXT_MAX; i++) {
        if (s[i] != '%') {
            out[n++] = s[i];
            continue;
        }
        int hi = hex_digit(s[i + 1]), lo = hi < 0 ? -1 : hex_digit(s[i + 2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return bounded(s, DATA_AUDIT_TEXT_MAX);
        out[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[n] = '\0';
    json_t *v = bounded(out, DATA_AUDIT_TEXT_MAX);
    return json_string_length(v) || !out[0] ? v : (json_decref(v), bounded(s, DATA_AUDIT_TEXT_MAX));
}

static json_t *classes_of(json_t *data)
{
    json_t *out = json_object();
    const char *name;
    json_t *count;
    size_t n = 0;
    json_object_foreach(json_object_get(data, "classes"), name, count)
    {
        if (n == DATA_AUDIT_MAX_CLASSES)
            break;
        if (!json_is_integer(count) || json_integer_value(count) < 0 || strlen(name) > 32)
            continue;
        json_object_set_new(out, name, json_integer(json_integer_value(count)));
        n++;
    }
    return out;
}

static json_t *keys_of(json_t *data, json_int_t *dropped)
{
    json_t *out = json_array();
    json_t *keys = json_object_get(data, "keys"), *key;
    size_t i;
    json_array_foreach(keys, i, key)
    {
        if (i == DATA_AUDIT_MAX_KEYS)
            break;
        if (json_is_string(key))
            json_array_append_new(out, bounded(json_string_value(key), DATA_AUDIT_KEY_MAX));
    }
    json_t *d = json_object_get(data, "keys_dropped");
    *dropped = json_is_integer(d) && json_integer_value(d) > 0 ? json_integer_value(d) : 0;
    if (json_array_size(keys) > DATA_AUDIT_MAX_KEYS)
        *dropped += (json_int_t)(json_array_size(keys) - DATA_AUDIT_MAX_KEYS);
    return out;
}

json_t *data_audit_detail(const event_t *ev, json_t *doc)
{
    json_t *data = json_object_get(doc, "data");
    char when[TIME_RFC3339_MAX];
    time_format_rfc3339(ev->ts, when);
    json_int_t dropped = 0;
    json_t *keys = keys_of(data, &dropped);
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:s, s:o, s:o, s:I}", "app",
        bounded(ev->app, DATA_AUDIT_TEXT_MAX), "host", bounded(ev->host, DATA_AUDIT_TEXT_MAX),
        "route", bounded(text_of(data, "route"), DATA_AUDIT_TEXT_MAX), "request_id",
        bounded(ev->request_id, 64), "view", bounded(text_of(data, "view"), 16), "limited",
        json_is_true(json_object_get(data, "limited")), "groups", data_audit_claim(data, "groups"),
        "time", when, "classes", classes_of(data), "keys", keys, "keys_dropped", dropped);
}

int data_audit_record(ctl_t *ctl, const event_t *ev, json_t *doc)
{
    json_t *data = json_object_get(doc, "data");
    json_t *detail = data_audit_detail(ev, doc);
    json_t *user = data_audit_claim(data, "user");
    json_t *roles = data_audit_claim(data, "roles");
    char *detail_text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char path[1024];
    snprintf(path, sizeof(path), "%.*s", (int)(ev->path_len < 1023 ? ev->path_len : 1023),
             ev->uri ? ev->uri : "");
    const char *actor = json_string_value(user);
    audit_entry_t e = {
        .actor = actor && actor[0] ? actor : "anonymous",
        .role = json_string_value(roles),
        .client = ev->client,
        .action = "data.access",
        .method = ev->method,
        .path = path,
        .target = ev->app,
        .outcome = "success",
        .detail = detail_text,
        .status = ev->has_status ? (int)ev->status : 0,
    };
    int rc = detail_text ? audit_log_append(ctl->audit, &e, NULL) : STORE_ERROR;
    if (rc != STORE_OK)
        log_kv(LOG_LEVEL_ERROR, "data-access event without its audit record", "request_id",
               ev->request_id ? ev->request_id : "", NULL);
    free(detail_text);
    json_decref(detail);
    json_decref(user);
    json_decref(roles);
    return rc;
}
