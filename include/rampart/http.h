/*
 * http.h — parse raw HTTP/1.x requests from bytes, for hosts that are not a
 * web server (the rampart CLI, tests, fuzzing), and run one through a
 * transaction.
 *
 * The parser follows RFC 9112: request line, header fields, and a body
 * framed by Content-Length or chunked transfer coding. It is strict where
 * request smuggling lives: both Content-Length and Transfer-Encoding,
 * repeated differing Content-Length, obs-fold, whitespace before the colon
 * and bare CR are errors.
 */
#ifndef RAMPART_HTTP_H
#define RAMPART_HTTP_H

#include <stddef.h>

#include "rampart/status.h"
#include "rampart/transaction.h"

#define RP_HTTP_MAX_HEADERS 256

typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} rp_http_header_t;

typedef struct {
    const char *method;
    size_t method_len;
    const char *uri;
    size_t uri_len;
    const char *protocol;
    size_t protocol_len;
    rp_http_header_t headers[RP_HTTP_MAX_HEADERS];
    size_t nheaders;
    const char *body; /* points into data, or into body_buf when chunked */
    size_t body_len;
    size_t consumed; /* bytes of data this request took */
} rp_http_request_t;

/* Parse one request at the start of data. Pointers in *req point into data
 * (or body_buf, which needs len bytes for a chunked body). Returns RP_OK,
 * RP_AGAIN when data ends before the request does, or RP_ERROR with the
 * reason in err->reason (err may be NULL). */
rp_status_t rp_http_parse_request(const char *data, size_t len, rp_http_request_t *req,
                                  char *body_buf, size_t body_cap, rp_error_t *err);

/* Feed a parsed request through every request step of tx. Returns the
 * final request status (RP_OK or RP_BLOCK), or an error status. */
rp_status_t rp_tx_run_request(rp_tx_t *tx, const rp_http_request_t *req);

#endif
