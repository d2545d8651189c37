/*
 * tx_openapi.c — OpenAPI positive security inside a transaction.
 *
 * The headers are kept (arena copies) as they arrive; when they are done
 * the route, method, parameters and content type are checked, so a request
 * that does not fit the spec is refused before its body is read. When the
 * operation has a JSON schema for the body (or a body size limit) the body
 * is buffered up to the policy's body limit and checked at request end.
 * Violations are matches of detector "openapi", category "api", blocking
 * when the operation is in block mode.
 */
#include <string.h>

#include "rampart/openapi.h"
#include "tx_t.h"

static void api_violation(void *ctx, const char *target, const char *reason, bool blocks)
{
    rp_tx_t *tx = ctx;
    const char *t = rp_arena_strndup(tx->arena, target, strlen(target));
    const char *r = rp_arena_strndup(tx->arena, reason, strlen(reason));
    rp_tx_add_match(tx, "openapi", "api", t ? t : "openapi", r ? r : "violation", "",
                    blocks ? 5 : 0, blocks, 0);
}

rp_status_t rp_tx_api_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                             size_t value_len)
{
    if (tx->napi_headers == tx->api_headers_cap) {
        size_t cap = tx->api_headers_cap ? tx->api_headers_cap * 2 : 16;
        rp_api_field_t *n = rp_arena_alloc(tx->arena, cap * sizeof(*n));
        if (!n)
            return RP_NOMEM;
        if (tx->napi_headers)
            memcpy(n, tx->api_headers, tx->napi_headers * sizeof(*n));
        tx->api_headers = n;
        tx->api_headers_cap = cap;
    }
    rp_api_field_t *f = &tx->api_headers[tx->napi_headers];
    f->name = rp_arena_strndup(tx->arena, name, name_len);
    f->value = rp_arena_strndup(tx->arena, value, value_len);
    if (!f->name || !f->value)
        return RP_NOMEM;
    f->name_len = name_len;
    f->value_len = value_len;
    tx->napi_headers++;
    return RP_OK;
}

bool rp_tx_api_head(rp_tx_t *tx, bool has_body)
{
    rp_api_request_t req = {
        .method = tx->method,
        .target = tx->uri,
        .target_len = strlen(tx->uri),
        .headers = tx->api_headers,
        .nheaders = tx->napi_headers,
        .has_body = has_body,
    };
    int violations;
    tx->api_op = rp_openapi_check_head(tx->policy->openapi, &req, api_violation, tx, &violations);
    tx->api_body = tx->api_op && has_body && rp_openapi_wants_body(tx->api_op, tx->content_type);
    if (tx->api_body)
        rp_abuf_init(&tx->api_buf, tx->arena);
    return tx->api_body;
}

rp_status_t rp_tx_api_body(rp_tx_t *tx, const void *data, size_t len)
{
    if (!tx->api_body)
        return RP_OK;
    size_t max = rp_openapi_max_body(tx->api_op);
    if (max && tx->api_buf.len + len > max) {
        /* over the operation's limit: report now, stop buffering */
        api_violation(tx, "body", "body larger than x-rampart-max-body",
                      rp_openapi_op_blocks(tx->api_op));
        tx->api_body = false;
        return RP_OK;
    }
    return rp_abuf_append(&tx->api_buf, data, len) == 0 ? RP_OK : RP_NOMEM;
}

void rp_tx_api_end(rp_tx_t *tx)
{
    if (!tx->api_body || tx->body_truncated)
        return;
    rp_openapi_check_body(tx->api_op, tx->content_type, tx->api_buf.data ? tx->api_buf.data : "",
                          tx->api_buf.len, api_violation, tx);
}
