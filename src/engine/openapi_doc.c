/*
 * openapi_doc.c — an OpenAPI document's text to a jansson tree.
 *
 * JSON (RFC 8259) goes to jansson with duplicate keys refused. Anything
 * else is read as YAML 1.2's JSON-compatible subset through libyaml's
 * event parser: plain scalars resolve by the YAML core schema (null, true,
 * false, integers, floats), quoted ones stay strings. Aliases and merge
 * keys are refused: they are rare in specs and are how a small YAML file
 * expands into a huge tree ("billion laughs").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "openapi_t.h"

static void doc_error(rp_error_t *err, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void doc_error(rp_error_t *err, const char *name, unsigned line, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", name);
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
}

static bool looks_like_json(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')
            continue;
        return text[i] == '{';
    }
    return false;
}

/* Depth of arrays and objects, counted before jansson recurses into them. */
static bool json_too_deep(const char *text, size_t len)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > RP_OPENAPI_MAX_DEPTH * 2)
                return true;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
    }
    return false;
}

static json_t *parse_json(const char *text, size_t len, const char *name, rp_error_t *err)
{
    if (json_too_deep(text, len)) {
        doc_error(err, name, 0, "document nested deeper than %d levels", RP_OPENAPI_MAX_DEPTH * 2);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        doc_error(err, name, je.line > 0 ? (unsigned)je.line : 0, "JSON: %s", je.text);
    return doc;
}

static bool plain_is(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

/* A plain scalar by the YAML 1.2 core schema. */
static json_t *plain_scalar(const char *s, size_t len)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    if (plain_is(s, nulls))
        return json_null();
    if (plain_is(s, trues))
        return json_true();
    if (plain_is(s, falses))
        return json_false();
    if (len && len < 32 && strspn(s, "+-0123456789") == len && strpbrk(s, "0123456789")) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*end == '\0' && errno == 0)
            return json_integer(v);
    }
    if (len && len < 64 && strspn(s, "+-0123456789.eE") == len && strpbrk(s, "0123456789")) {
        char *end;
        double d = strtod(s, &end);
        if (*end == '\0' && isfinite(d))
            return json_real(d);
    }
    return json_stringn(s, len);
}

typedef struct {
    json_t *node;
    json_t *key; /* a mapping's pending key */
} yaml_frame_t;

/* Attach value to the open collection on top of the stack (steals it). */
static int yaml_attach(yaml_frame_t *top, json_t *value, const char **why)
{
    if (json_is_array(top->node))
        return json_array_append_new(top->node, value);
    if (!top->key) {
        if (!json_is_string(value)) {
            json_decref(value);
            *why = "mapping key is not a string";
            return -1;
        }
        if (strcmp(json_string_value(value), "<<") == 0) {
            json_decref(value);
            *why = "YAML merge keys are not supported";
            return -1;
        }
        top->key = value;
        return 0;
    }
    const char *k = json_string_value(top->key);
    if (json_object_get(top->node, k)) {
        json_decref(value);
        *why = "duplicate mapping key";
        return -1;
    }
    int rc = json_object_set_new(top->node, k, value);
    json_decref(top->key);
    top->key = NULL;
    return rc;
}

static json_t *parse_yaml(const char *text, size_t len, const char *name, rp_error_t *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        doc_error(err, name, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_frame_t stack[RP_OPENAPI_MAX_DEPTH * 2];
    int depth = 0;
    json_t *root = NULL;
    const char *why = NULL;
    unsigned line = 0;
    bool done = false;
    while (!done && !why) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            line = (unsigned)parser.problem_mark.line + 1;
            why = parser.problem ? parser.problem : "YAML syntax error";
            break;
        }
        line = (unsigned)ev.start_mark.line + 1;
        json_t *value = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            done = root != NULL || ev.type == YAML_STREAM_END_EVENT;
            break;
        case YAML_ALIAS_EVENT:
            why = "YAML aliases are not supported";
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            size_t n = ev.data.scalar.length;
            if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev.data.scalar.tag)
                value = plain_scalar(s, n);
            else
                value = json_stringn(s, n);
            if (!value)
                why = "scalar is not valid UTF-8";
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == (int)(sizeof(stack) / sizeof(stack[0]))) {
                why = "document nested too deeply";
                break;
            }
            stack[depth].node = ev.type == YAML_SEQUENCE_START_EVENT ? json_array() : json_object();
            stack[depth].key = NULL;
            if (!stack[depth].node)
                why = "out of memory";
            else
                depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            value = stack[--depth].node;
            break;
        default:
            break;
        }
        if (value && !why) {
            if (depth == 0) {
                if (root) {
                    json_decref(value);
                    why = "more than one YAML document";
                } else {
                    root = value;
                }
            } else if (yaml_attach(&stack[depth - 1], value, &why) != 0 && !why) {
                why = "out of memory";
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    while (depth > 0) {
        depth--;
        json_decref(stack[depth].key);
        json_decref(stack[depth].node);
    }
    if (why) {
        json_decref(root);
        doc_error(err, name, line, "YAML: %s", why);
        return NULL;
    }
    if (!root)
        doc_error(err, name, 0, "empty document");
    return root;
}

json_t *api_doc_parse(const char *text, size_t len, const char *name, rp_error_t *err)
{
    if (len > RP_OPENAPI_MAX_BYTES) {
        doc_error(err, name, 0, "document larger than %u bytes", RP_OPENAPI_MAX_BYTES);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        doc_error(err, name, 0, "NUL byte in document");
        return NULL;
    }
    return looks_like_json(text, len) ? parse_json(text, len, name, err)
                                      : parse_yaml(text, len, name, err);
}
