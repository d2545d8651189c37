/*
 * openapi.h — OpenAPI 3.0/3.1 positive security: a spec compiled into
 * routes, and checks of requests against it.
 *
 * A spec (JSON or YAML) is loaded once, its local $refs resolved
 * (#/components/...; remote references and reference cycles are refused),
 * and compiled into a segment matcher over the path templates with, per
 * operation, its parameters and request bodies as compiled JSON Schemas.
 * The compiled spec is immutable: any number of threads may check
 * requests against it at once.
 *
 * Violations are reported through a callback with a target ("query:page",
 * "header:X-Request-Id", "json:/applicant/idNumber", "path", "body") and a
 * reason ("string longer than maxLength 18"); both strings are valid for
 * the call only. blocks is false when the operation is in detect mode
 * (x-rampart-mode: detect, or the spec's default mode).
 */
#ifndef RAMPART_OPENAPI_H
#define RAMPART_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/status.h"

typedef struct rp_openapi rp_openapi_t;
typedef struct rp_api_op rp_api_op_t;

/* Limits that keep a hostile spec bounded in time and memory. */
#define RP_OPENAPI_MAX_BYTES        (16u * 1024 * 1024) /* spec file */
#define RP_OPENAPI_MAX_DEPTH        64                  /* nesting of a YAML/JSON node or schema */
#define RP_OPENAPI_MAX_ENUM         4096                /* values in one enum */
#define RP_OPENAPI_MAX_SCHEMAS      100000              /* compiled schema nodes */
#define RP_OPENAPI_MAX_COST         1000000             /* schema nodes a body check may visit */
#define RP_OPENAPI_MAX_PATHS        10000               /* path templates */
#define RP_OPENAPI_MAX_PATH_SEGMENT 64                  /* segments in a path template */

/* Load and compile a spec. block_default says what operations without
 * x-rampart-mode do. On failure NULL, and err holds the file, the YAML or
 * JSON line when the text does not parse (else 0), and a reason that starts
 * with the JSON pointer of the offending node. */
rp_openapi_t *rp_openapi_load(const char *path, bool block_default, rp_error_t *err);
rp_openapi_t *rp_openapi_load_string(const char *text, size_t len, const char *name,
                                     bool block_default, rp_error_t *err);
void rp_openapi_free(rp_openapi_t *api);

size_t rp_openapi_operation_count(const rp_openapi_t *api);

typedef void (*rp_api_report_fn)(void *ctx, const char *target, const char *reason, bool blocks);

/* A request header or any name/value pair, not NUL-terminated. */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} rp_api_field_t;

typedef struct {
    const char *method; /* NUL-terminated, e.g. "POST" */
    const char *target; /* raw request target: path and query, percent-encoded */
    size_t target_len;
    const rp_api_field_t *headers; /* Cookie headers included: cookies are read from them */
    size_t nheaders;
    bool has_body; /* Content-Length > 0 or chunked */
} rp_api_request_t;

/* Match the route and check method, path, query, header and cookie
 * parameters, content type and whether a required body is present.
 * Returns the matched operation (NULL when none matched: a violation was
 * reported) and the count of violations in *violations. */
const rp_api_op_t *rp_openapi_check_head(const rp_openapi_t *api, const rp_api_request_t *req,
                                         rp_api_report_fn fn, void *ctx, int *violations);

/* Whether op wants its body checked (a JSON schema or a size limit), and
 * the largest body it accepts (0: no limit of its own). */
bool rp_openapi_wants_body(const rp_api_op_t *op, const char *content_type);
size_t rp_openapi_max_body(const rp_api_op_t *op);
bool rp_openapi_op_blocks(const rp_api_op_t *op);
/* The operation's path template as the spec writes it ("/citizens/{id}"). */
const char *rp_openapi_op_template(const rp_api_op_t *op);

/* Check a complete request body against op's schema for its media type.
 * Returns the count of violations. */
int rp_openapi_check_body(const rp_api_op_t *op, const char *content_type, const char *body,
                          size_t len, rp_api_report_fn fn, void *ctx);

#endif
