/*
 * fuzz_event.c — rampartd's event parser (event_parse.c) on arbitrary
 * bytes: remote gateways send it whatever they like.
 *
 * Besides crashes and sanitizer reports, checks that an accepted event is
 * coherent (fields inside the event's block, NUL-terminated, the action
 * one of the known ones, the path a prefix of the URI) and that jansson,
 * a mature parser, also accepts it as JSON (number range aside: jansson
 * refuses integers beyond 64 bits and reals beyond double, which the
 * scanner lets pass in fields it does not read).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "event_parse.h"

static void check_inside(const event_t *ev, const char *s)
{
    if (!s)
        return;
    const char *block_end = ev->raw + 2 * ev->raw_len + 2;
    if (s < ev->raw || s >= block_end || !memchr(s, '\0', (size_t)(block_end - s)))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    event_t ev;
    reject_reason_t why;
    char detail[200];
    if (event_parse((const char *)data, size, &ev, &why, detail, sizeof(detail)) != 0) {
        if (why >= REJECT_REASON_COUNT || !memchr(detail, '\0', sizeof(detail)))
            abort();
        return 0;
    }
    if (ev.raw_len > size || memchr(ev.raw, '\0', ev.raw_len))
        abort();
    const char *strings[] = {ev.request_id, ev.app, ev.host,    ev.client,
                             ev.method,     ev.uri, ev.category};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        check_inside(&ev, strings[i]);
    if (!ev.action || (strcmp(ev.action, "allow") && strcmp(ev.action, "log") &&
                       strcmp(ev.action, "detect") && strcmp(ev.action, "block") &&
                       strcmp(ev.action, "redirect") && strcmp(ev.action, "challenge")))
        abort();
    if (ev.uri && ev.path_len > strlen(ev.uri))
        abort();
    if (ev.n_rules > EVENT_MAX_RULES)
        abort();
    for (size_t i = 0; i < ev.n_rules; i++) {
        check_inside(&ev, ev.rules[i]);
        if (!*ev.rules[i] || strlen(ev.rules[i]) > EVENT_RULE_MAX)
            abort();
    }
    json_error_t jerr;
    json_t *doc = json_loadb(ev.raw, ev.raw_len, 0, &jerr);
    if (!doc && !strstr(jerr.text, "too big") && !strstr(jerr.text, "overflow"))
        abort();
    if (doc && !json_is_object(doc))
        abort();
    json_decref(doc);
    event_clear(&ev);
    return 0;
}
