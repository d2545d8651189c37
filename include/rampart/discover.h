/*
 * rampart/discover.h — API discovery (docs/API-SECURITY.md, "API discovery
 * and inventory").
 *
 * A gateway whose policy says `discover on` reports, per worker and at most
 * once per path shape and interval, one observation of a request: method,
 * path shape, parameter names and types, authentication, response status,
 * content type and the sensitive data classes the response held, with the
 * count of requests of that shape since the last report. rampartd folds the
 * observations into each application's inventory.
 *
 * The path shape replaces the segments whose form says they are values
 * (numbers, UUIDs, hex, resident ID numbers, dates, phone numbers, e-mail
 * addresses, long tokens) by a named parameter, so no identifier leaves the
 * gateway and the number of shapes stays bounded by the application's
 * routes. rampartd uses the same functions.
 */
#ifndef RAMPART_DISCOVER_H
#define RAMPART_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/transaction.h"

/* Longest path shape and most segments kept; longer paths are cut and end
 * in "/{rest}". */
#define RP_SHAPE_MAX          256
#define RP_SHAPE_MAX_SEGMENTS 16

/* The parameter a segment stands for ("id", "uuid", "hex", "idcard",
 * "date", "phone", "email", "token"), or NULL when it reads as a literal
 * route word. */
const char *rp_segment_kind(const char *s, size_t n);

/* The shape of a path (no query): value segments become {kind}, segments
 * already written {name} stay. Writes a NUL-terminated shape of at most
 * RP_SHAPE_MAX - 1 bytes to out (size >= RP_SHAPE_MAX) and returns its
 * length. */
size_t rp_path_shape(const char *path, size_t len, char *out);

/* The type and format of a parameter value: type is "integer", "number",
 * "boolean" or "string"; format is NULL or "date", "date-time", "email",
 * "uuid", "idcard", "phone". */
void rp_value_type(const char *v, size_t n, const char **type, const char **format);

/* The observation event of this transaction (one JSON line, category
 * "api-discovery"), or NULL when the policy does not discover or this
 * request was not sampled. Call once, after the response. */
const char *rp_tx_api_event(rp_tx_t *tx, size_t *len);

#endif
