/*
 * http_request.c — a strict HTTP/1.x request parser over a byte buffer
 * (RFC 9112), used where no web server did the parsing for us.
 *
 * Strict where smuggling and desync live (§6.3): Content-Length together
 * with Transfer-Encoding, differing repeated Content-Length, obs-fold,
 * whitespace between field name and colon, and bare CR are all errors.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rampart/http.h"

#define FAIL(msg)                                                                                  \
    do {                                                                                           \
        if (err)                                                                                   \
            snprintf(err->reason, sizeof(err->reason), "%s", msg);                                 \
        return RP_ERROR;                                                                           \
    } while (0)

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Find the end of a line starting at i: returns the index of its CR, or
 * len when the data ends first. *bad is set on a bare CR or LF. */
static size_t line_end(const char *d, size_t i, size_t len, int *bad)
{
    for (; i < len; i++) {
        if (d[i] == '\n') {
            *bad = 1;
            return i;
        }
        if (d[i] == '\r') {
            if (i + 1 >= len)
                return len;
            if (d[i + 1] != '\n')
                *bad = 1;
            return i;
        }
    }
    return len;
}

static int parse_size(const char *s, size_t n, size_t *out, int hex)
{
    if (n == 0 || n > 15)
        return -1;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && (c | 32) >= 'a' && (c | 32) <= 'f')
            d = (c | 32) - 'a' + 10;
        else
            return -1;
        v = v * (hex ? 16 : 10) + (size_t)d;
    }
    *out = v;
    return 0;
}

static rp_status_t parse_chunked(const char *d, size_t len, size_t i, rp_http_request_t *req,
                                 char *buf, size_t cap, rp_error_t *err)
{
    size_t out = 0;
    for (;;) {
        int bad = 0;
        size_t e = line_end(d, i, len, &bad);
        if (bad)
            FAIL("bad line ending in chunk size");
        if (e >= len)
            return RP_AGAIN;
        /* chunk-size [; extensions] */
        size_t n = 0;
        while (i + n < e && d[i + n] != ';' && d[i + n] != ' ' && d[i + n] != '\t')
            n++;
        size_t size;
        if (parse_size(d + i, n, &size, 1) != 0)
            FAIL("invalid chunk size");
        i = e + 2;
        if (size == 0)
            break;
        if (len - i < size + 2)
            return RP_AGAIN;
        if (out + size > cap)
            FAIL("chunked body larger than the buffer");
        memcpy(buf + out, d + i, size);
        out += size;
        i += size;
        if (d[i] != '\r' || d[i + 1] != '\n')
            FAIL("chunk data not followed by CRLF");
        i += 2;
    }
    /* Trailer fields, then the empty line. */
    for (;;) {
        int bad = 0;
        size_t e = line_end(d, i, len, &bad);
        if (bad)
            FAIL("bad line ending in trailer");
        if (e >= len)
            return RP_AGAIN;
        size_t n = e - i;
        i = e + 2;
        if (n == 0)
            break;
    }
    req->body = buf;
    req->body_len = out;
    req->consumed = i;
    return RP_OK;
}

rp_status_t rp_http_parse_request(const char *d, size_t len, rp_http_request_t *req, char *body_buf,
                                  size_t body_cap, rp_error_t *err)
{
    memset(req, 0, sizeof(*req));
    size_t i = 0;
    /* RFC 9112 §2.2: ignore at least one empty line before the request. */
    while (i + 1 < len && d[i] == '\r' && d[i + 1] == '\n')
        i += 2;
    int bad = 0;
    size_t e = line_end(d, i, len, &bad);
    if (bad)
        FAIL("request line must end with CRLF");
    if (e >= len)
        return RP_AGAIN;
    /* method SP request-target SP HTTP-version */
    size_t m = i;
    while (m < e && is_tchar((unsigned char)d[m]))
        m++;
    if (m == i || m >= e || d[m] != ' ')
        FAIL("malformed method");
    size_t t = m + 1;
    size_t te = t;
    while (te < e && d[te] != ' ')
        te++;
    if (te == t || te >= e)
        FAIL("malformed request target");
    for (size_t k = t; k < te; k++)
        if ((unsigned char)d[k] <= 0x20 || d[k] == 0x7f)
            FAIL("control character in request target");
    size_t v = te + 1;
    if (e - v != 8 || strncmp(d + v, "HTTP/1.", 7) != 0 || (d[v + 7] != '0' && d[v + 7] != '1'))
        FAIL("unsupported protocol version");
    req->method = d + i;
    req->method_len = m - i;
    req->uri = d + t;
    req->uri_len = te - t;
    req->protocol = d + v;
    req->protocol_len = 8;
    i = e + 2;

    long long content_length = -1;
    int chunked = 0, has_te = 0;
    for (;;) {
        bad = 0;
        e = line_end(d, i, len, &bad);
        if (bad)
            FAIL("header line must end with CRLF");
        if (e >= len)
            return RP_AGAIN;
        if (e == i) {
            i += 2;
            break;
        }
        if (d[i] == ' ' || d[i] == '\t')
            FAIL("obsolete line folding is not accepted");
        size_t c = i;
        while (c < e && is_tchar((unsigned char)d[c]))
            c++;
        if (c == i || c >= e || d[c] != ':')
            FAIL("malformed header field name");
        size_t vs = c + 1, ve = e;
        while (vs < ve && (d[vs] == ' ' || d[vs] == '\t'))
            vs++;
        while (ve > vs && (d[ve - 1] == ' ' || d[ve - 1] == '\t'))
            ve--;
        for (size_t k = vs; k < ve; k++)
            if (d[k] == '\0' || d[k] == '\r' || d[k] == '\n')
                FAIL("NUL or CR in header value");
        if (req->nheaders == RP_HTTP_MAX_HEADERS)
            FAIL("too many header fields");
        rp_http_header_t *h = &req->headers[req->nheaders++];
        h->name = d + i;
        h->name_len = c - i;
        h->value = d + vs;
        h->value_len = ve - vs;
        if (h->name_len == 14 && strncasecmp(h->name, "content-length", 14) == 0) {
            size_t n;
            if (parse_size(h->value, h->value_len, &n, 0) != 0)
                FAIL("invalid Content-Length");
            if (content_length >= 0 && (size_t)content_length != n)
                FAIL("conflicting Content-Length fields");
            content_length = (long long)n;
        } else if (h->name_len == 17 && strncasecmp(h->name, "transfer-encoding", 17) == 0) {
            has_te = 1;
            /* chunked must be the final coding (RFC 9112 §6.3). */
            chunked =
                h->value_len >= 7 && strncasecmp(h->value + h->value_len - 7, "chunked", 7) == 0;
            if (!chunked)
                FAIL("unsupported transfer coding");
        }
        i = e + 2;
    }
    if (has_te && content_length >= 0)
        FAIL("both Content-Length and Transfer-Encoding");
    if (chunked)
        return parse_chunked(d, len, i, req, body_buf, body_cap, err);
    if (content_length > 0) {
        if ((size_t)content_length > len - i)
            return RP_AGAIN;
        req->body = d + i;
        req->body_len = (size_t)content_length;
        i += (size_t)content_length;
    }
    req->consumed = i;
    return RP_OK;
}

rp_status_t rp_tx_run_request(rp_tx_t *tx, const rp_http_request_t *req)
{
    rp_status_t rc = rp_tx_request_line(tx, req->method, req->method_len, req->uri, req->uri_len,
                                        req->protocol, req->protocol_len);
    if (rc != RP_OK && rc != RP_BLOCK)
        return rc;
    for (size_t i = 0; i < req->nheaders; i++) {
        const rp_http_header_t *h = &req->headers[i];
        rc = rp_tx_request_header(tx, h->name, h->name_len, h->value, h->value_len);
        if (rc == RP_NOMEM || rc == RP_ERROR)
            return rc;
    }
    rc = rp_tx_request_headers_done(tx);
    if (rc == RP_NOMEM || rc == RP_ERROR)
        return rc;
    if (rc == RP_OK && req->body_len) {
        rc = rp_tx_request_body(tx, req->body, req->body_len);
        if (rc == RP_NOMEM || rc == RP_ERROR)
            return rc;
    }
    return rp_tx_request_end(tx);
}
