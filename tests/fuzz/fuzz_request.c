/*
 * fuzz_request.c — whole raw requests: the HTTP parser, then every request
 * step of a transaction on the default policy, body fed in input-derived
 * chunks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/http.h"
#include "rampart/rampart.h"

static rp_policy_t *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "limit body 1m\nevents all\n";
    if (!policy)
        policy = rp_policy_load_string(text, sizeof(text) - 1, "fuzz", NULL);
    if (!policy)
        abort();
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
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
        for (size_t off = 0; off < req.body_len; off += chunk) {
            size_t n = req.body_len - off < chunk ? req.body_len - off : chunk;
            rp_tx_request_body(tx, req.body + off, n);
        }
        rp_tx_request_end(tx);
        size_t len;
        const char *ev = rp_tx_event(tx, &len);
        if (!ev || len == 0 || ev[0] != '{' || ev[len - 1] != '}')
            abort(); /* events all: there must be one JSON object */
        rp_tx_free(tx);
    }
    free(buf);
    return 0;
}
