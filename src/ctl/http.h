/*
 * http.h — one API request as the handlers see it, and the replies they
 * give. http_server.c runs libmicrohttpd (epoll, a pool of threads) and
 * feeds requests to api.c, which routes, authenticates and authorises
 * them before any handler runs.
 *
 * A request's memory lives in its http_req_t and is freed when
 * libmicrohttpd reports the request complete. Every reply carries
 * Cache-Control: no-store and the headers that keep an API answer from
 * being framed, sniffed or given a Referer.
 */
#ifndef RAMPART_CTL_HTTP_H
#define RAMPART_CTL_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "authz.h"
#include "ctl.h"
#include "strbuf.h"

#define HTTP_PATH_MAX 2048

typedef struct http_req http_req_t;
typedef enum MHD_Result (*http_handler_t)(http_req_t *r);

typedef enum { WHO_ANONYMOUS, WHO_SESSION, WHO_TOKEN, WHO_AGENT } who_kind_t;

/* Who is calling, once api.c has checked the credentials. */
typedef struct {
    who_kind_t kind;
    role_t role;
    int64_t user_id;  /* sessions */
    int64_t token_id; /* API tokens */
    int64_t agent_id; /* host agents (name: the host name) */
    char name[STORE_NAME_MAX + 1];
    int must_change; /* the account's password must change first */
    unsigned char session_hash[STORE_HASH_LEN];
    char session_token[64]; /* the cookie's value, for the CSRF check; wiped at the end */
} principal_t;

typedef struct route {
    const char *method;
    const char *pattern; /* '*' matches one path segment, given to the handler in r->arg */
    perm_t perm;
    http_handler_t handler;
    int ingest_body;       /* body limit: ingest_max_body instead of http_max_body */
    int while_must_change; /* allowed before the first password change */
    int quiet;             /* not in the access log (probes, scrapes, ingestion) */
    size_t metric;         /* latency histogram index, set at start */
} route_t;

struct http_req {
    ctl_t *ctl;
    struct MHD_Connection *conn;
    ctl_config_t *cfg; /* held for the request's life */
    char method[16];
    char path[HTTP_PATH_MAX];
    const route_t *route;
    char arg[256];
    size_t body_limit;
    strbuf_t body;
    int body_too_large;
    principal_t who;
    char client[64];
    int64_t started_ns;
    unsigned status;
    int replied;
    char headers[4][2][512]; /* extra reply headers: name, value */
    int n_headers;
    /* the request's audit record (audit_hook.h): what a handler adds */
    char audit_action[48];
    char audit_target[256];
    json_t *audit_detail;
    int audit_state; /* 0 none, 1 intent written, 2 result written */
    /* a handler that suspends keeps its state here until resumed */
    void *state;
    void (*state_free)(void *state);
};

const char *http_query(http_req_t *r, const char *name);
const char *http_header(http_req_t *r, const char *name);
const char *http_cookie(http_req_t *r, const char *name);

/* Queues a reply; body is malloc'd and taken (NULL for none). */
enum MHD_Result http_reply(http_req_t *r, unsigned status, const char *content_type, char *body,
                           size_t len);
/* Replies with obj as JSON (the reference is taken). */
enum MHD_Result http_reply_json(http_req_t *r, unsigned status, json_t *obj);
/* {"error": code, "message": message} */
enum MHD_Result http_reply_error(http_req_t *r, unsigned status, const char *code,
                                 const char *message);
/* Adds a header (e.g. Set-Cookie) to the coming reply; at most four. */
void http_add_header(http_req_t *r, const char *name, const char *value);

/* The body as a JSON object; on failure the 400/415 reply is queued, the
 * result is NULL and *rc is what the handler returns. */
json_t *http_json_body(http_req_t *r, enum MHD_Result *rc);

/* Whether cookies get the Secure attribute (cookie_secure, or auto: when
 * the listener is not on loopback, TLS must be in front of it). */
int http_cookie_secure(const http_req_t *r);

/* Suspends the request until http_resume; the handler is called again
 * then. Must be called from a handler. */
void http_suspend(http_req_t *r);
void http_resume(http_req_t *r);

typedef struct http_server http_server_t;

typedef struct {
    /* First look at a request (headers read, no body yet): route it and
     * set r->body_limit, or reply (404, 405, 413) and return nonzero. */
    int (*begin)(http_req_t *r);
    /* The complete request. */
    enum MHD_Result (*dispatch)(http_req_t *r);
} http_api_t;

http_server_t *http_server_start(ctl_t *ctl, const http_api_t *api, rp_error_t *err);
/* Stops accepting connections; requests in flight continue. */
void http_server_quiesce(http_server_t *s);
/* Waits up to timeout_ms for the requests in flight to finish. */
void http_server_drain(http_server_t *s, int timeout_ms);
void http_server_stop(http_server_t *s);

#endif
