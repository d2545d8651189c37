/*
 * api_change.c — after a change is stored: log, publish, name it for the
 * audit log (see api_change.h).
 */
#include "api_change.h"

#include "audit_hook.h"
#include "log.h"
#include "publisher.h"
#include "timefmt.h"

int64_t api_changed(http_req_t *r, const char *action, const char *object, const char *detail)
{
    int64_t version = 0;
    int rc = publisher_publish(r->ctl->publisher, &version);
    log_kv(rc == STORE_OK ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "configuration changed", "action",
           action, "object", object, "detail", detail ? detail : "", "by", r->who.name,
           "bundle_version", LOG_INT(rc == STORE_OK ? version : 0), NULL);
    /* The dispatcher writes the result record (audit_hook.h) under this
     * name once the handler has replied. */
    audit_note(r, action, object);
    if (detail)
        audit_detail(r, "summary", json_string(detail));
    audit_detail(r, "bundle_version", json_integer(rc == STORE_OK ? version : 0));
    return rc == STORE_OK ? version : 0;
}

json_t *api_time_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(ms, t);
    return json_string(t);
}
