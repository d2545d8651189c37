/*
 * fuzz_data_event.c — what rampartd takes out of a gateway's data event
 * (data_audit.c: the audit record's detail and the session claims;
 * exposure.c: the templated path) on arbitrary bytes: remote gateways send
 * whatever they like.
 *
 * Besides crashes and sanitizer reports, checks the bounds the audit
 * record promises (at most 32 record keys of at most 64 bytes, 16 classes,
 * claims of at most 256 bytes) and that a templated path is a fixed point
 * (templating it again changes nothing) within its buffer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "data_audit.h"
#include "event_parse.h"
#include "exposure.h"

static void check_claim(json_t *data, const char *key)
{
    json_t *v = data_audit_claim(data, key);
    if (!json_is_string(v) || json_string_length(v) > DATA_AUDIT_TEXT_MAX)
        abort();
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    event_t ev;
    reject_reason_t why;
    if (event_parse((const char *)data, size, &ev, &why, NULL, 0) != 0)
        return 0;
    if (ev.uri) {
        char a[64], b[64];
        exposure_template(ev.uri, ev.path_len, a, sizeof(a));
        if (strlen(a) >= sizeof(a))
            abort();
        exposure_template(a, strlen(a), b, sizeof(b));
        if (strcmp(a, b) != 0)
            abort();
    }
    json_t *doc = json_loadb(ev.raw, ev.raw_len, 0, NULL);
    if (doc) {
        json_t *detail = data_audit_detail(&ev, doc);
        if (!json_is_object(detail))
            abort();
        json_t *keys = json_object_get(detail, "keys"), *key;
        size_t i;
        if (json_array_size(keys) > DATA_AUDIT_MAX_KEYS)
            abort();
        json_array_foreach(keys, i, key)
        {
            if (json_string_length(key) > DATA_AUDIT_KEY_MAX)
                abort();
        }
        if (json_object_size(json_object_get(detail, "classes")) > DATA_AUDIT_MAX_CLASSES)
            abort();
        json_decref(detail);
        json_t *d = json_object_get(doc, "data");
        check_claim(d, "user");
        check_claim(d, "roles");
        check_claim(d, "groups");
        json_decref(doc);
    }
    event_clear(&ev);
    return 0;
}
