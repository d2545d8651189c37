/*
 * fuzz_scim_filter.c — the SCIM filter parser (scim_filter.c) on
 * arbitrary bytes: every input is refused with a reason or accepted, and
 * an accepted filter is evaluated against a fixed User without fault.
 */
#include <stdlib.h>

#include "scim_filter.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *why = NULL;
    scim_filter_t *f = scim_filter_parse((const char *)data, size, &why);
    if (!f) {
        if (!why)
            abort();
        return 0;
    }
    if (size > SCIM_FILTER_MAX)
        abort();
    json_t *u = json_pack("{s:s, s:b, s:{s:s}, s:[{s:s, s:s}, {s:s}], s:{s:s}, s:I}", "userName",
                          "bjensen", "active", 1, "name", "familyName", "Jensen", "emails", "value",
                          "b@example.com", "type", "work", "value", "x",
                          "urn:ietf:params:"
                          "scim:schemas:extension:enterprise:2.0:User",
                          "department", "Tour", "count", (json_int_t)3);
    int m = scim_filter_match(f, u);
    if (m != 0 && m != 1)
        abort();
    json_decref(u);
    scim_filter_free(f);
    return 0;
}
