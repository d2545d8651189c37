/*
 * status.c — names for the status vocabulary, for logs and tools.
 */
#include "rampart/status.h"

const char *rp_status_name(rp_status_t status)
{
    switch (status) {
    case RP_OK:
        return "ok";
    case RP_ERROR:
        return "error";
    case RP_AGAIN:
        return "again";
    case RP_BLOCK:
        return "block";
    case RP_DECLINED:
        return "declined";
    case RP_LIMIT:
        return "limit";
    case RP_NOMEM:
        return "nomem";
    }
    return "unknown";
}
