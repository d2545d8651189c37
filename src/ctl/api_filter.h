/*
 * api_filter.h — the event filter query parameters shared by
 * GET /api/v1/events and GET /api/v1/events/stats:
 *
 *   from, to   RFC 3339 or ms since the epoch; to is exclusive
 *   app, client, rule, category, action   exact matches
 *   q          free text: a substring of the event's JSON
 *
 * Anything malformed is a 400 naming the parameter.
 */
#ifndef RAMPART_CTL_API_FILTER_H
#define RAMPART_CTL_API_FILTER_H

#include "http.h"

/* Fills f from the query string, with [default_from, default_to) as the
 * range when from/to are absent. Returns 0, or -1 with a 400 queued and
 * *rc set. */
int api_filter_parse(http_req_t *r, store_filter_t *f, int64_t default_from, int64_t default_to,
                     enum MHD_Result *rc);

#endif
