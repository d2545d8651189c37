/*
 * fuzz_tx.h — one raw request through a whole transaction, shared by the
 * fuzz targets that drive the engine end to end (fuzz_request.c,
 * fuzz_rules.c): parse, every request step with the body fed in
 * input-derived chunks, optionally the response (the request body again as
 * a text/html response body), then the event, which must be one JSON
 * object since the policies say "events all".
 */
#ifndef RAMPART_FUZZ_TX_H
#define RAMPART_FUZZ_TX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "rampart/http.h"
#include "rampart/rampart.h"

static inline void fuzz_tx_body(rp_tx_t *tx, const char *body, size_t len, size_t chunk,
                                bool response)
{
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        const void *out;
        size_t out_len;
        if (response)
            rp_tx_response_body(tx, body + off, n, &out, &out_len);
        else
            rp_tx_request_body(tx, body + off, n);
    }
}

static inline void fuzz_tx_run(rp_policy_t *policy, const uint8_t *data, size_t size,
                               bool with_response)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return;
    rp_http_request_t req;
    if (rp_http_parse_request((const char *)data, size, &req, buf, size, NULL) == RP_OK) {
        rp_tx_t *tx = rp_tx_new(policy);
        rp_tx_connection(tx, "127.0.0.1", 9, 1, "127.0.0.1", 9, 2);
        rp_tx_request_line(tx, req.method, req.method_len, req.uri, req.uri_len, req.protocol,
                           req.protocol_len);
        for (size_t i = 0; i < req.nheaders; i++)
            rp_tx_request_header(tx, req.headers[i].name, req.headers[i].name_len,
                                 req.headers[i].value, req.headers[i].value_len);
        rp_tx_request_headers_done(tx);
        size_t chunk = size % 13 + 1;
        fuzz_tx_body(tx, req.body, req.body_len, chunk, false);
        rp_tx_request_end(tx);
        if (with_response) {
            rp_tx_response_status(tx, 200);
            rp_tx_response_header(tx, "Content-Type", 12, "text/html", 9);
            if (rp_tx_response_headers_done(tx) == RP_OK) {
                const void *out;
                size_t out_len;
                fuzz_tx_body(tx, req.body, req.body_len, chunk, true);
                rp_tx_response_end(tx, &out, &out_len);
            }
        }
        size_t len;
        const char *ev = rp_tx_event(tx, &len);
        if (!ev || len == 0 || ev[0] != '{' || ev[len - 1] != '}')
            abort(); /* events all: there must be one JSON object */
        rp_tx_free(tx);
    }
    free(buf);
}

#endif
