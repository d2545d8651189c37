/*
 * api_inventory.h — the API inventory learnt from gateways' discovery
 * observations (docs/API-SECURITY.md, "API discovery and inventory").
 *
 * Observations (category "api-discovery" events, src/engine/tx_discover.c)
 * fold into one inventory per application: endpoints by method and path
 * template, with counts, first and last sight, statuses, authentication
 * seen, parameters and types, and the sensitive data classes responses
 * held. Segments whose form says they are values were templated by the
 * gateway ({id}, {uuid}, ...); rampartd templates them again (it does not
 * trust the sender) and folds literal segments that take more than
 * INVENTORY_MAX_LITERALS values at one position into {value}. Endpoints
 * per application and parameters per endpoint are capped, and what the
 * caps refuse is counted, so hostile paths cannot grow the inventory.
 *
 * Flags: shadow (the gateway's policy has an OpenAPI spec and no operation
 * matched), unused (an operation of that spec, which gateways list at most
 * once a minute, no endpoint was matched to), risky (called without authentication and the response
 * carried resident ID, mobile, landline or bank card numbers).
 *
 * Thread-safe: one lock around each operation.
 */
#ifndef RAMPART_CTL_API_INVENTORY_H
#define RAMPART_CTL_API_INVENTORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define INVENTORY_MAX_ENDPOINTS 1000 /* per application */
#define INVENTORY_MAX_PARAMS    64   /* per endpoint */
#define INVENTORY_MAX_LITERALS  16   /* values of one segment position before {value} */
#define INVENTORY_MAX_APPS      1000
#define INVENTORY_MAX_SPEC_OPS  500 /* operations of a spec an observation lists */
#define OBSERVATION_MAX_BYTES   (64 * 1024)

typedef struct inventory inventory_t;

/* A validated observation: the event's JSON (owned) and its app. */
typedef struct {
    json_t *doc; /* the whole event */
    const char *app;
    const char *method;
    const char *path;
    int64_t ts; /* ms */
} observation_t;

/* Parses and validates an observation event. 0, or -1 with why. */
int observation_parse(const char *text, size_t n, observation_t *o, char *why, size_t why_size);
void observation_clear(observation_t *o);

inventory_t *inventory_new(void);
void inventory_free(inventory_t *inv);

/* Folds one observation into its application's inventory. */
void inventory_observe(inventory_t *inv, const observation_t *o);

/* Replaces an application's inventory by a stored document (its
 * inventory_app_json form); -1 when doc has not that shape. */
int inventory_load_app(inventory_t *inv, const char *app, const char *doc);

/* The application's inventory: {"app","endpoints":[...],"overflow":N,
 * "updated":ms,"unused":[{"method","path"}]}, each endpoint with its shadow and risky flags; filter
 * NULL, "shadow" or "risky". NULL when the app has none. New reference. */
json_t *inventory_app_json(inventory_t *inv, const char *app, const char *filter);

/* A draft OpenAPI 3.1 document of the app's endpoints. New reference. */
json_t *inventory_openapi(inventory_t *inv, const char *app);

/* Calls fn for each application changed since the last call (for
 * persisting), with its document text. */
typedef void (*inventory_dirty_fn)(void *ctx, const char *app, const char *doc, int64_t updated);
void inventory_take_dirty(inventory_t *inv, inventory_dirty_fn fn, void *ctx);

/* Templating (exposed for tests): the template of a path with value
 * segments as {kind}; out must hold RP_SHAPE_MAX bytes. */
size_t inventory_template(const char *path, char *out);

#endif
