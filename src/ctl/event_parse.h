/*
 * event_parse.h — one gateway event (src/engine/event.c's compact JSON
 * line) validated into the record rampartd stores.
 *
 * The stored record keeps the event's original JSON (raw) for the detail
 * view and export, plus the fields the store indexes and filters on. An
 * event that is not JSON, not an object, has no valid time or action, or
 * carries a field of the wrong type or size is rejected with one of a
 * fixed set of reasons (they label a metric, so the set is closed).
 *
 * Parsing is a single strict pass over the text (RFC 8259 grammar, UTF-8
 * per RFC 3629, no \u0000) that builds no tree and makes one allocation
 * per event: ingestion runs at tens of thousands of events per second and
 * a general JSON library's tree cost more than the store's insert.
 */
#ifndef RAMPART_CTL_EVENT_PARSE_H
#define RAMPART_CTL_EVENT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_MAX_BYTES (64 * 1024) /* a datagram-sized event, with margin */
#define EVENT_MAX_RULES 32          /* distinct rule keys kept per event */
#define EVENT_RULE_MAX  64          /* bytes of one rule key */
#define EVENT_MAX_DEPTH 32          /* nesting of arrays and objects */

typedef enum {
    REJECT_INVALID_JSON,
    REJECT_NOT_OBJECT,
    REJECT_BAD_TIME,
    REJECT_BAD_ACTION,
    REJECT_BAD_FIELD,
    REJECT_TOO_LARGE,
    REJECT_REASON_COUNT
} reject_reason_t;

/* "invalid_json", "not_object", "bad_time", "bad_action", "bad_field",
 * "too_large". */
const char *reject_reason_name(reject_reason_t why);

typedef struct {
    char *raw; /* owned (one block with the decoded strings): the JSON as stored; NULL: none */
    size_t raw_len;
    int64_t ts; /* event time, ms since the epoch */
    /* Decoded, NUL-terminated, inside raw's block; NULL when absent or null. */
    const char *request_id, *app, *host, *client, *method, *uri, *action, *category;
    size_t path_len; /* uri[0..path_len) is the path (before '?' or '#') */
    int has_status, has_score;
    int64_t status, score;
    /* Distinct keys of the matches, in order: the SecLang rule id when the
     * match has one, else the detector's name ("sqli"). */
    const char *rules[EVENT_MAX_RULES];
    size_t n_rules;
} event_t;

/* Parses one event from text (a line or a datagram; surrounding
 * whitespace is ignored). Returns 0 and fills ev (event_clear it later),
 * or -1 with *why and a human-readable detail ("client: expected a
 * string"); detail may be NULL. */
int event_parse(const char *text, size_t n, event_t *ev, reject_reason_t *why, char *detail,
                size_t detail_size);

void event_clear(event_t *ev);

#endif
