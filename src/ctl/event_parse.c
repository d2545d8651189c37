/*
 * event_parse.c — validating gateway events (see event_parse.h).
 *
 * Limits follow what the gateway can produce (event.c cuts the URI to 512
 * bytes and rule text to 512) with generous margins, so only a broken or
 * hostile sender is refused. jansson already refuses invalid UTF-8 and
 * \u0000 inside strings, which keeps every stored text valid UTF-8
 * without NULs.
 */
#include "event_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static const char *reason_names[REJECT_REASON_COUNT] = {
    "invalid_json", "not_object", "bad_time", "bad_action", "bad_field", "too_large",
};

const char *reject_reason_name(reject_reason_t why)
{
    return why < REJECT_REASON_COUNT ? reason_names[why] : "unknown";
}

static const char *const actions[] = {"allow", "log", "detect", "block", "redirect", "challenge"};

typedef struct {
    const char *name;
    size_t max;
    size_t offset;
} string_field_t;

static const string_field_t string_fields[] = {
    {"request_id", 128, offsetof(event_t, request_id)},
    {"app", 256, offsetof(event_t, app)},
    {"host", 1024, offsetof(event_t, host)},
    {"client", 64, offsetof(event_t, client)},
    {"method", 32, offsetof(event_t, method)},
    {"uri", 16384, offsetof(event_t, uri)},
    {"category", 64, offsetof(event_t, category)},
};

static int reject(reject_reason_t reason, reject_reason_t *why, char *detail, size_t size,
                  const char *text)
{
    *why = reason;
    if (detail && size)
        snprintf(detail, size, "%s", text);
    return -1;
}

static int fields_from_object(event_t *ev, reject_reason_t *why, char *detail, size_t size)
{
    json_t *o = ev->json;
    char msg[160];
    if (!json_is_object(o))
        return reject(REJECT_NOT_OBJECT, why, detail, size, "the event is not a JSON object");

    json_t *t = json_object_get(o, "time");
    if (!json_is_string(t))
        return reject(REJECT_BAD_TIME, why, detail, size, "time: missing or not a string");
    if (time_parse_rfc3339(json_string_value(t), json_string_length(t), &ev->ts))
        return reject(REJECT_BAD_TIME, why, detail, size, "time: not an RFC 3339 date-time");

    json_t *a = json_object_get(o, "action");
    if (!json_is_string(a))
        return reject(REJECT_BAD_ACTION, why, detail, size, "action: missing or not a string");
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(json_string_value(a), actions[i]) == 0)
            ev->action = actions[i];
    if (!ev->action)
        return reject(REJECT_BAD_ACTION, why, detail, size,
                      "action: not one of allow, log, detect, block, redirect, challenge");

    for (size_t i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
        const string_field_t *f = &string_fields[i];
        json_t *v = json_object_get(o, f->name);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            snprintf(msg, sizeof(msg), "%s: expected a string", f->name);
            return reject(REJECT_BAD_FIELD, why, detail, size, msg);
        }
        if (json_string_length(v) > f->max) {
            snprintf(msg, sizeof(msg), "%s: longer than %zu bytes", f->name, f->max);
            return reject(REJECT_BAD_FIELD, why, detail, size, msg);
        }
        *(const char **)((char *)ev + f->offset) = json_string_value(v);
    }
    if (ev->uri)
        ev->path_len = strcspn(ev->uri, "?#");

    json_t *st = json_object_get(o, "status");
    if (st && !json_is_null(st)) {
        if (!json_is_integer(st) || json_integer_value(st) < 0 || json_integer_value(st) > 999)
            return reject(REJECT_BAD_FIELD, why, detail, size,
                          "status: expected an integer from 0 to 999");
        ev->has_status = 1;
        ev->status = json_integer_value(st);
    }
    json_t *sc = json_object_get(o, "score");
    if (sc && !json_is_null(sc)) {
        if (!json_is_integer(sc))
            return reject(REJECT_BAD_FIELD, why, detail, size, "score: expected an integer");
        ev->has_score = 1;
        ev->score = json_integer_value(sc);
    }

    json_t *m = json_object_get(o, "matches");
    if (m && !json_is_null(m)) {
        if (!json_is_array(m))
            return reject(REJECT_BAD_FIELD, why, detail, size, "matches: expected an array");
        size_t i;
        json_t *match;
        json_array_foreach(m, i, match)
        {
            if (!json_is_object(match))
                return reject(REJECT_BAD_FIELD, why, detail, size,
                              "matches: every element must be an object");
            json_t *key = json_object_get(match, "rule_id");
            if (!json_is_string(key) || json_string_length(key) == 0)
                key = json_object_get(match, "detector");
            if (!key || json_is_null(key))
                continue;
            if (!json_is_string(key) || json_string_length(key) == 0 ||
                json_string_length(key) > EVENT_RULE_MAX)
                return reject(REJECT_BAD_FIELD, why, detail, size,
                              "matches: rule_id/detector must be a string of 1 to 64 bytes");
            const char *k = json_string_value(key);
            int seen = 0;
            for (size_t r = 0; r < ev->n_rules && !seen; r++)
                seen = strcmp(ev->rules[r], k) == 0;
            if (!seen && ev->n_rules < EVENT_MAX_RULES)
                ev->rules[ev->n_rules++] = k;
        }
    }
    return 0;
}

int event_parse(const char *text, size_t n, event_t *ev, reject_reason_t *why, char *detail,
                size_t detail_size)
{
    memset(ev, 0, sizeof(*ev));
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' ||
                     text[n - 1] == '\t'))
        n--;
    if (n > EVENT_MAX_BYTES)
        return reject(REJECT_TOO_LARGE, why, detail, detail_size,
                      "the event is larger than 64 KiB");
    json_error_t jerr;
    ev->json = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!ev->json) {
        char msg[200];
        snprintf(msg, sizeof(msg), "not JSON: %s at byte %d", jerr.text, jerr.position);
        return reject(REJECT_INVALID_JSON, why, detail, detail_size, msg);
    }
    if (fields_from_object(ev, why, detail, detail_size)) {
        event_clear(ev);
        return -1;
    }
    ev->raw = malloc(n + 1);
    if (!ev->raw) {
        event_clear(ev);
        return reject(REJECT_TOO_LARGE, why, detail, detail_size, "out of memory");
    }
    memcpy(ev->raw, text, n);
    ev->raw[n] = '\0';
    ev->raw_len = n;
    return 0;
}

int event_from_json(json_t *obj, event_t *ev, reject_reason_t *why, char *detail,
                    size_t detail_size)
{
    memset(ev, 0, sizeof(*ev));
    ev->json = json_incref(obj);
    if (fields_from_object(ev, why, detail, detail_size)) {
        event_clear(ev);
        return -1;
    }
    ev->raw = json_dumps(obj, JSON_COMPACT);
    if (!ev->raw) {
        event_clear(ev);
        return reject(REJECT_TOO_LARGE, why, detail, detail_size, "out of memory");
    }
    ev->raw_len = strlen(ev->raw);
    if (ev->raw_len > EVENT_MAX_BYTES) {
        event_clear(ev);
        return reject(REJECT_TOO_LARGE, why, detail, detail_size,
                      "the event is larger than 64 KiB");
    }
    return 0;
}

void event_clear(event_t *ev)
{
    json_decref(ev->json);
    free(ev->raw);
    memset(ev, 0, sizeof(*ev));
}
