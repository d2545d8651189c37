/*
 * event_parse.c — validating gateway events in one pass (see
 * event_parse.h).
 *
 * The scanner walks the whole text once: it checks the JSON grammar
 * (RFC 8259), the UTF-8 of every string (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF; \u escapes likewise, and \u0000 is
 * refused so stored text never hides a NUL), and decodes the values
 * rampartd reads into the event's own block. Everything else is checked
 * and left as it is in raw. A grammar error wins over a field error, as
 * with any JSON parser that validates before looking at the contents; the
 * first field error in document order is the one reported.
 *
 * Limits follow what the gateway can produce (event.c cuts the URI to 512
 * bytes and rule text to 512) with generous margins, so only a broken or
 * hostile sender is refused.
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

/* The top-level members rampartd reads. */
enum {
    F_TIME,
    F_ACTION,
    F_REQUEST_ID,
    F_APP,
    F_HOST,
    F_CLIENT,
    F_METHOD,
    F_URI,
    F_CATEGORY,
    F_STATUS,
    F_SCORE,
    F_MATCHES,
    F_COUNT
};

static const struct {
    const char *name;
    size_t max; /* string fields: longest decoded value */
} fields[F_COUNT] = {
    [F_TIME] = {"time", 64},     [F_ACTION] = {"action", 16}, [F_REQUEST_ID] = {"request_id", 128},
    [F_APP] = {"app", 256},      [F_HOST] = {"host", 1024},   [F_CLIENT] = {"client", 64},
    [F_METHOD] = {"method", 32}, [F_URI] = {"uri", 16384},    [F_CATEGORY] = {"category", 64},
    [F_STATUS] = {"status", 0},  [F_SCORE] = {"score", 0},    [F_MATCHES] = {"matches", 0},
};

typedef struct {
    const unsigned char *p, *end;
    char *out; /* next free byte of the decode area */
    int depth;
    /* the first grammar error */
    int bad_json;
    reject_reason_t json_why;
    const char *json_msg;
    /* the first field error */
    int bad_field;
    reject_reason_t field_why;
    char field_msg[160];
} scan_t;

static int grammar(scan_t *s, const char *msg)
{
    if (!s->bad_json) {
        s->bad_json = 1;
        s->json_why = REJECT_INVALID_JSON;
        s->json_msg = msg;
    }
    return -1;
}

static void field_error(scan_t *s, reject_reason_t why, const char *field, const char *msg)
{
    if (s->bad_field)
        return;
    s->bad_field = 1;
    s->field_why = why;
    snprintf(s->field_msg, sizeof(s->field_msg), "%s: %s", field, msg);
}

static void skip_ws(scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* Length of the well-formed UTF-8 sequence at p, or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (p[2] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi ? 4 : 0;
    }
    return 0;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *v)
{
    if (end - p < 4)
        return -1;
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Scans the string at s->p (a '"'). With buf, decodes into it (cap bytes,
 * NUL-terminated; *len is the decoded length, or cap when it did not fit).
 * A decoded string is never longer than its JSON form, so the event's
 * decode area (as large as the text) always has room. */
static int scan_string(scan_t *s, char *buf, size_t cap, size_t *len)
{
    s->p++;
    size_t o = 0;
    int fits = 1;
    for (;;) {
        if (s->p >= s->end)
            return grammar(s, "unterminated string");
        unsigned char c = *s->p;
        char bytes[4];
        size_t n;
        if (c == '"') {
            s->p++;
            break;
        }
        if (c < 0x20)
            return grammar(s, "control character in a string");
        if (c == '\\') {
            if (s->end - s->p < 2)
                return grammar(s, "unterminated escape");
            unsigned char e = s->p[1];
            s->p += 2;
            n = 1;
            switch (e) {
            case '"':
            case '\\':
            case '/':
                bytes[0] = (char)e;
                break;
            case 'b':
                bytes[0] = '\b';
                break;
            case 'f':
                bytes[0] = '\f';
                break;
            case 'n':
                bytes[0] = '\n';
                break;
            case 'r':
                bytes[0] = '\r';
                break;
            case 't':
                bytes[0] = '\t';
                break;
            case 'u': {
                unsigned cp, lo;
                if (hex4(s->p, s->end, &cp))
                    return grammar(s, "bad \\u escape");
                s->p += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return grammar(s, "lone low surrogate");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
                        hex4(s->p + 2, s->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return grammar(s, "lone high surrogate");
                    s->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                if (cp == 0)
                    return grammar(s, "\\u0000 in a string");
                n = put_utf8(bytes, cp);
                break;
            }
            default:
                return grammar(s, "bad escape");
            }
        } else if (c < 0x80) {
            bytes[0] = (char)c;
            n = 1;
            s->p++;
        } else {
            n = utf8_sequence(s->p, s->end);
            if (!n)
                return grammar(s, "invalid UTF-8");
            memcpy(bytes, s->p, n);
            s->p += n;
        }
        if (buf && fits) {
            if (o + n < cap) {
                memcpy(buf + o, bytes, n);
                o += n;
            } else {
                fits = 0;
            }
        }
    }
    if (buf) {
        buf[fits ? o : 0] = '\0';
        *len = fits ? o : cap;
    }
    return 0;
}

/* An object member's name (into buf as scan_string does) and the ':' after
 * it, with the white space around. */
static int scan_member_name(scan_t *s, char *buf, size_t cap, size_t *len)
{
    if (s->p >= s->end || *s->p != '"')
        return grammar(s, "expected a member name");
    if (scan_string(s, buf, cap, len))
        return -1;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return grammar(s, "expected ':'");
    s->p++;
    skip_ws(s);
    return 0;
}

/* Scans a number; *is_int and *v say whether it is an integer that fits
 * int64_t, and its value. */
static int scan_number(scan_t *s, int *is_int, int64_t *v)
{
    int neg = 0;
    if (s->p < s->end && *s->p == '-') {
        neg = 1;
        s->p++;
    }
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return grammar(s, "bad number");
    int overflow = 0;
    uint64_t mag = 0;
    if (*s->p == '0') {
        s->p++;
    } else {
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
            unsigned d = (unsigned)(*s->p - '0');
            if (mag > (UINT64_MAX - d) / 10)
                overflow = 1;
            else
                mag = mag * 10 + d;
            s->p++;
        }
    }
    int integer = 1;
    if (s->p < s->end && *s->p == '.') {
        integer = 0;
        s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return grammar(s, "bad number");
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        integer = 0;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return grammar(s, "bad number");
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    *is_int = integer && !overflow && mag <= limit;
    *v = *is_int ? (neg ? (int64_t)(0 - mag) : (int64_t)mag) : 0;
    return 0;
}

static int scan_literal(scan_t *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return grammar(s, "unexpected character");
    s->p += n;
    return 0;
}

static int scan_value(scan_t *s);

static int scan_container(scan_t *s, int object)
{
    if (++s->depth > EVENT_MAX_DEPTH)
        return grammar(s, "nested too deeply");
    s->p++;
    skip_ws(s);
    char close = object ? '}' : ']';
    if (s->p < s->end && *s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    for (;;) {
        if (object) {
            if (scan_member_name(s, NULL, 0, NULL))
                return -1;
        }
        if (scan_value(s))
            return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == close) {
            s->p++;
            s->depth--;
            return 0;
        }
        return grammar(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int scan_value(scan_t *s)
{
    if (s->p >= s->end)
        return grammar(s, "unexpected end");
    int is_int;
    int64_t v;
    switch (*s->p) {
    case '{':
        return scan_container(s, 1);
    case '[':
        return scan_container(s, 0);
    case '"':
        return scan_string(s, NULL, 0, NULL);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        return scan_number(s, &is_int, &v);
    }
}

static int at_null(const scan_t *s)
{
    return s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0;
}

/* A string value decoded into the event's block (NULL for null); a field
 * error for any other type. */
static int take_string(scan_t *s, int f, const char **out)
{
    if (s->p < s->end && *s->p == '"') {
        size_t len;
        char *dst = s->out;
        if (scan_string(s, dst, (size_t)-1, &len))
            return -1;
        s->out += len + 1;
        if (fields[f].max && len > fields[f].max) {
            char msg[64];
            snprintf(msg, sizeof(msg), "longer than %zu bytes", fields[f].max);
            field_error(s, f == F_TIME ? REJECT_BAD_TIME : REJECT_BAD_FIELD, fields[f].name, msg);
        }
        *out = dst;
        return 0;
    }
    if (!at_null(s))
        field_error(s,
                    f == F_TIME     ? REJECT_BAD_TIME
                    : f == F_ACTION ? REJECT_BAD_ACTION
                                    : REJECT_BAD_FIELD,
                    fields[f].name, "expected a string");
    return scan_value(s);
}

static int take_integer(scan_t *s, int f, int *has, int64_t *out)
{
    if (s->p < s->end && (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))) {
        int is_int;
        if (scan_number(s, &is_int, out))
            return -1;
        if (!is_int)
            field_error(s, REJECT_BAD_FIELD, fields[f].name, "expected an integer");
        *has = is_int;
        return 0;
    }
    if (!at_null(s))
        field_error(s, REJECT_BAD_FIELD, fields[f].name, "expected an integer");
    return scan_value(s);
}

/* One element of "matches": its rule_id or detector becomes a rule key. */
static int take_match(scan_t *s, event_t *ev)
{
    if (s->p >= s->end || *s->p != '{') {
        field_error(s, REJECT_BAD_FIELD, "matches", "every element must be an object");
        return scan_value(s);
    }
    if (++s->depth > EVENT_MAX_DEPTH)
        return grammar(s, "nested too deeply");
    s->p++;
    skip_ws(s);
    const char *rule_id = NULL, *detector = NULL;
    int seen_rule = 0, seen_detector = 0;
    if (s->p < s->end && *s->p == '}') {
        s->p++;
    } else {
        for (;;) {
            char key[16];
            size_t klen;
            if (scan_member_name(s, key, sizeof(key), &klen))
                return -1;
            const char **slot = NULL;
            int *seen = NULL;
            if (klen == 7 && strcmp(key, "rule_id") == 0) {
                slot = &rule_id;
                seen = &seen_rule;
            } else if (klen == 8 && strcmp(key, "detector") == 0) {
                slot = &detector;
                seen = &seen_detector;
            }
            if (slot) {
                if ((*seen)++)
                    field_error(s, REJECT_BAD_FIELD, "matches", "a member is repeated");
                if (s->p < s->end && *s->p == '"') {
                    size_t len;
                    char *dst = s->out;
                    if (scan_string(s, dst, (size_t)-1, &len))
                        return -1;
                    s->out += len + 1;
                    if (len > EVENT_RULE_MAX)
                        field_error(s, REJECT_BAD_FIELD, "matches",
                                    "rule_id/detector longer than 64 bytes");
                    *slot = dst;
                } else {
                    if (!at_null(s))
                        field_error(s, REJECT_BAD_FIELD, "matches",
                                    "rule_id/detector must be strings");
                    if (scan_value(s))
                        return -1;
                }
            } else if (scan_value(s)) {
                return -1;
            }
            skip_ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                skip_ws(s);
                continue;
            }
            if (s->p < s->end && *s->p == '}') {
                s->p++;
                break;
            }
            return grammar(s, "expected ',' or '}'");
        }
    }
    s->depth--;
    const char *k = rule_id && *rule_id ? rule_id : detector;
    if (!k || !*k)
        return 0;
    for (size_t r = 0; r < ev->n_rules; r++)
        if (strcmp(ev->rules[r], k) == 0)
            return 0;
    if (ev->n_rules < EVENT_MAX_RULES)
        ev->rules[ev->n_rules++] = k;
    return 0;
}

static int take_matches(scan_t *s, event_t *ev)
{
    if (s->p >= s->end || *s->p != '[') {
        if (!at_null(s))
            field_error(s, REJECT_BAD_FIELD, "matches", "expected an array");
        return scan_value(s);
    }
    if (++s->depth > EVENT_MAX_DEPTH)
        return grammar(s, "nested too deeply");
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        s->depth--;
        return 0;
    }
    for (;;) {
        if (take_match(s, ev))
            return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            skip_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            s->depth--;
            return 0;
        }
        return grammar(s, "expected ',' or ']'");
    }
}

static int field_index(const char *key, size_t len)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strlen(fields[f].name) == len && memcmp(fields[f].name, key, len) == 0)
            return f;
    return -1;
}

static int scan_event(scan_t *s, event_t *ev, const char **time_text)
{
    const char **strings[F_COUNT] = {
        [F_TIME] = time_text,     [F_ACTION] = &ev->action, [F_REQUEST_ID] = &ev->request_id,
        [F_APP] = &ev->app,       [F_HOST] = &ev->host,     [F_CLIENT] = &ev->client,
        [F_METHOD] = &ev->method, [F_URI] = &ev->uri,       [F_CATEGORY] = &ev->category,
    };
    unsigned seen = 0;
    skip_ws(s);
    if (s->p >= s->end || *s->p != '{') {
        if (scan_value(s) == 0) {
            skip_ws(s);
            if (s->p == s->end) {
                s->bad_json = 1;
                s->json_why = REJECT_NOT_OBJECT;
                s->json_msg = "the event is not a JSON object";
                return -1;
            }
            return grammar(s, "data after the JSON value");
        }
        return -1;
    }
    s->depth = 1;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
    } else {
        for (;;) {
            char key[16];
            size_t klen;
            if (scan_member_name(s, key, sizeof(key), &klen))
                return -1;
            int f = klen < sizeof(key) ? field_index(key, klen) : -1;
            int rc;
            if (f >= 0 && (seen & 1u << f)) {
                field_error(s, REJECT_BAD_FIELD, fields[f].name, "appears twice (ambiguous event)");
                rc = scan_value(s);
            } else if (f == F_STATUS) {
                rc = take_integer(s, f, &ev->has_status, &ev->status);
            } else if (f == F_SCORE) {
                rc = take_integer(s, f, &ev->has_score, &ev->score);
            } else if (f == F_MATCHES) {
                rc = take_matches(s, ev);
            } else if (f >= 0) {
                rc = take_string(s, f, strings[f]);
            } else {
                rc = scan_value(s);
            }
            if (rc)
                return -1;
            if (f >= 0)
                seen |= 1u << f;
            skip_ws(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                skip_ws(s);
                continue;
            }
            if (s->p < s->end && *s->p == '}') {
                s->p++;
                break;
            }
            return grammar(s, "expected ',' or '}'");
        }
    }
    skip_ws(s);
    if (s->p != s->end)
        return grammar(s, "data after the JSON value");
    return 0;
}

static int reject(reject_reason_t reason, reject_reason_t *why, char *detail, size_t size,
                  const char *text)
{
    *why = reason;
    if (detail && size)
        snprintf(detail, size, "%s", text);
    return -1;
}

int event_parse(const char *text, size_t n, event_t *ev, reject_reason_t *why, char *detail,
                size_t detail_size)
{
    memset(ev, 0, sizeof(*ev));
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' ||
                     text[n - 1] == '\t'))
        n--;
    while (n > 0 && (text[0] == ' ' || text[0] == '\t' || text[0] == '\r' || text[0] == '\n')) {
        text++;
        n--;
    }
    if (n > EVENT_MAX_BYTES)
        return reject(REJECT_TOO_LARGE, why, detail, detail_size,
                      "the event is larger than 64 KiB");
    /* One block: the raw text, then the decoded strings (never longer). */
    char *block = malloc(2 * n + 2);
    if (!block)
        return reject(REJECT_TOO_LARGE, why, detail, detail_size, "out of memory");
    memcpy(block, text, n);
    block[n] = '\0';
    ev->raw = block;
    ev->raw_len = n;
    scan_t s = {.p = (const unsigned char *)block,
                .end = (const unsigned char *)block + n,
                .out = block + n + 1};
    const char *time_text = NULL;
    int rc = scan_event(&s, ev, &time_text);
    if (rc || s.bad_json) {
        char msg[200];
        snprintf(msg, sizeof(msg), "not valid JSON: %s at byte %zu",
                 s.json_msg ? s.json_msg : "syntax error",
                 (size_t)(s.p - (const unsigned char *)block));
        reject_reason_t r = s.bad_json ? s.json_why : REJECT_INVALID_JSON;
        event_clear(ev);
        return reject(r, why, detail, detail_size,
                      r == REJECT_NOT_OBJECT ? "the event is not a JSON object" : msg);
    }
    if (s.bad_field) {
        event_clear(ev);
        return reject(s.field_why, why, detail, detail_size, s.field_msg);
    }
    if (!time_text) {
        event_clear(ev);
        return reject(REJECT_BAD_TIME, why, detail, detail_size, "time: missing");
    }
    if (time_parse_rfc3339(time_text, strlen(time_text), &ev->ts)) {
        event_clear(ev);
        return reject(REJECT_BAD_TIME, why, detail, detail_size, "time: not an RFC 3339 date-time");
    }
    const char *action = ev->action;
    ev->action = NULL;
    for (size_t i = 0; action && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(action, actions[i]) == 0)
            ev->action = actions[i];
    if (!ev->action) {
        event_clear(ev);
        return reject(REJECT_BAD_ACTION, why, detail, detail_size,
                      action ? "action: not one of allow, log, detect, block, redirect, challenge"
                             : "action: missing");
    }
    if (ev->has_status && (ev->status < 0 || ev->status > 999)) {
        event_clear(ev);
        return reject(REJECT_BAD_FIELD, why, detail, detail_size,
                      "status: expected an integer from 0 to 999");
    }
    if (ev->uri)
        ev->path_len = strcspn(ev->uri, "?#");
    return 0;
}

void event_clear(event_t *ev)
{
    free(ev->raw);
    memset(ev, 0, sizeof(*ev));
}
