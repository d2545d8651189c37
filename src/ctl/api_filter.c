/*
 * api_filter.c — event filter parameters (see api_filter.h).
 */
#include "api_filter.h"

#include <stdio.h>
#include <string.h>

#include "timefmt.h"

#define VALUE_MAX 256

static int bad(http_req_t *r, enum MHD_Result *rc, const char *message)
{
    *rc = http_reply_error(r, 400, "bad_request", message);
    return -1;
}

int api_filter_parse(http_req_t *r, store_filter_t *f, int64_t default_from, int64_t default_to,
                     enum MHD_Result *rc)
{
    memset(f, 0, sizeof(*f));
    f->from = default_from;
    f->to = default_to;
    const char *from = http_query(r, "from");
    const char *to = http_query(r, "to");
    if (from && time_parse_param(from, &f->from))
        return bad(r, rc, "from: expected an RFC 3339 time or ms since the epoch");
    if (to && time_parse_param(to, &f->to))
        return bad(r, rc, "to: expected an RFC 3339 time or ms since the epoch");
    if (f->from >= f->to)
        return bad(r, rc, "from must be before to");
    static const struct {
        const char *name;
        size_t offset;
    } equal[] = {
        {"app", offsetof(store_filter_t, app)},
        {"client", offsetof(store_filter_t, client)},
        {"rule", offsetof(store_filter_t, rule)},
        {"category", offsetof(store_filter_t, category)},
        {"action", offsetof(store_filter_t, action)},
        {"q", offsetof(store_filter_t, text)},
    };
    for (size_t i = 0; i < sizeof(equal) / sizeof(equal[0]); i++) {
        const char *v = http_query(r, equal[i].name);
        if (!v)
            continue;
        if (!*v || strlen(v) > VALUE_MAX) {
            char msg[80];
            snprintf(msg, sizeof(msg), "%s: expected 1 to %d bytes", equal[i].name, VALUE_MAX);
            return bad(r, rc, msg);
        }
        *(const char **)((char *)f + equal[i].offset) = v;
    }
    if (f->action) {
        static const char *const actions[] = {"allow", "log",      "detect",
                                              "block", "redirect", "challenge"};
        int known = 0;
        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
            known |= strcmp(f->action, actions[i]) == 0;
        if (!known)
            return bad(r, rc, "action: one of allow, log, detect, block, redirect, challenge");
    }
    return 0;
}
