/*
 * http_server.c — libmicrohttpd under rampartd's API (see http.h).
 *
 * libmicrohttpd runs its own threads: epoll, a pool of http_threads
 * threads sharing the listening socket, suspend/resume for requests that
 * wait on the ingest writer. rampartd creates the listening socket itself
 * so a bind failure is reported plainly and the socket can be quiesced at
 * shutdown (no new connections while the queue drains).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

#define CONNECTION_LIMIT   1024
#define CONNECTION_TIMEOUT 30 /* seconds of inactivity */

struct http_server {
    ctl_t *ctl;
    const http_api_t *api;
    struct MHD_Daemon *daemon;
    int listen_fd;   /* owned by libmicrohttpd once started... */
    int quiesced_fd; /* ...until quiesced: then ours to close after the stop */
    atomic_int in_flight;
    size_t unmatched_metric;
};

/* ------------------------------------------------------------------ */
/* request helpers                                                     */

const char *http_query(http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static int reply_has_header(const http_req_t *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i][0], name) == 0)
            return 1;
    return 0;
}

void http_add_header(http_req_t *r, const char *name, const char *value)
{
    if (r->n_headers == 4)
        return;
    snprintf(r->headers[r->n_headers][0], sizeof(r->headers[0][0]), "%s", name);
    snprintf(r->headers[r->n_headers][1], sizeof(r->headers[0][1]), "%s", value);
    r->n_headers++;
}

int http_cookie_secure(const http_req_t *r)
{
    switch (r->cfg->cookie_secure) {
    case COOKIE_SECURE_ON:
        return 1;
    case COOKIE_SECURE_OFF:
        return 0;
    case COOKIE_SECURE_AUTO:
        break;
    }
    const char *h = r->cfg->listen_host;
    return !(strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0);
}

enum MHD_Result http_reply(http_req_t *r, unsigned status, const char *content_type, char *body,
                           size_t len)
{
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer_with_free_callback(len, body, free)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    /* a handler may set its own Cache-Control (public documents) and
     * WWW-Authenticate (OAuth's Basic and Bearer challenges) */
    if (!reply_has_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
    if (status == 401 && !reply_has_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"rampartd\"");
    int has_retry_after = 0;
    for (int i = 0; i < r->n_headers; i++)
        has_retry_after |= strcasecmp(r->headers[i][0], MHD_HTTP_HEADER_RETRY_AFTER) == 0;
    if ((status == 503 || status == 429) && !has_retry_after)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    for (int i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->replied = 1;
    return rc;
}

enum MHD_Result http_reply_json(http_req_t *r, unsigned status, json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text)
        return http_reply(r, 500, "application/json",
                          strdup("{\"error\":\"internal\",\"message\":\"out of memory\"}"),
                          strlen("{\"error\":\"internal\",\"message\":\"out of memory\"}"));
    size_t len = strlen(text);
    /* jansson allocates with malloc by default, so free() releases it. */
    return http_reply(r, status, "application/json", text, len);
}

enum MHD_Result http_reply_error(http_req_t *r, unsigned status, const char *code,
                                 const char *message)
{
    return http_reply_json(r, status, json_pack("{s:s, s:s}", "error", code, "message", message));
}

json_t *http_json_body(http_req_t *r, enum MHD_Result *rc)
{
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    /* Only JSON bodies: a cross-site form cannot send this content type
     * without a CORS preflight, which rampartd never grants. */
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        *rc = http_reply_error(r, 415, "unsupported_media_type",
                               "the body must be JSON (Content-Type: application/json)");
        return NULL;
    }
    json_error_t jerr;
    json_t *obj =
        json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(obj)) {
        json_decref(obj);
        *rc = http_reply_error(r, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return obj;
}

void http_suspend(http_req_t *r)
{
    MHD_suspend_connection(r->conn);
}

void http_resume(http_req_t *r)
{
    MHD_resume_connection(r->conn);
}

/* ------------------------------------------------------------------ */
/* libmicrohttpd callbacks                                             */

static void client_address(struct MHD_Connection *c, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server_t *s = cls;
    http_req_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&s->in_flight, 1);
        r->ctl = s->ctl;
        r->conn = conn;
        r->cfg = config_acquire(&s->ctl->config);
        r->started_ns = time_mono_ns();
        r->who.role = ROLE_NONE;
        strbuf_init(&r->body, 0);
        snprintf(r->method, sizeof(r->method), "%s", method);
        client_address(conn, r->client, sizeof(r->client));
        if (strlen(url) >= sizeof(r->path)) {
            http_reply_error(r, 414, "uri_too_long", "the path is too long");
            return MHD_YES;
        }
        snprintf(r->path, sizeof(r->path), "%s", url);
        r->body_limit = r->cfg->http_max_body;
        if (s->api->begin(r))
            return MHD_YES;
        const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > r->body_limit) {
            http_reply_error(r, 413, "payload_too_large", "the body is larger than allowed");
            return MHD_YES;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->replied && !r->body_too_large) {
            if (r->body.len + *upload_data_size > r->body_limit) {
                r->body_too_large = 1;
                strbuf_free(&r->body);
            } else {
                strbuf_append(&r->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->replied)
        return MHD_YES;
    if (r->body_too_large || r->body.failed)
        return http_reply_error(r, 413, "payload_too_large", "the body is larger than allowed");
    return s->api->dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    http_server_t *s = cls;
    http_req_t *r = *con_cls;
    if (!r)
        return;
    int64_t took = time_mono_ns() - r->started_ns;
    unsigned status = r->replied ? r->status : 499; /* client went away first */
    metrics_observe_http(&s->ctl->metrics, r->route ? r->route->metric : s->unmatched_metric,
                         status, took);
    if (!r->route || !r->route->quiet)
        log_kv(LOG_LEVEL_INFO, "request", "method", r->method, "path", r->path, "status",
               LOG_INT(status), "ms", LOG_INT(took / 1000000), "client", r->client, "who",
               r->who.kind == WHO_ANONYMOUS ? "-" : r->who.name, NULL);
    if (r->state_free)
        r->state_free(r->state);
    json_decref(r->audit_detail);
    /* Bodies may hold passwords; the principal holds the session token. */
    if (r->body.data)
        secret_wipe(r->body.data, r->body.cap);
    strbuf_free(&r->body);
    secret_wipe(&r->who, sizeof(r->who));
    config_release(r->cfg);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_kv(LOG_LEVEL_WARN, "http server", "detail", line, NULL);
}

/* ------------------------------------------------------------------ */
/* start and stop                                                      */

static int listen_socket(const ctl_config_t *cfg, int *v6, rp_error_t *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    *v6 = strchr(cfg->listen_host, ':') != NULL;
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(cfg->listen_port);
        inet_pton(AF_INET6, cfg->listen_host, &a->sin6_addr);
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(cfg->listen_port);
        inet_pton(AF_INET, cfg->listen_host, &a->sin_addr);
        len = sizeof(*a);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 1024) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot listen on %s%s%s:%u: %s", *v6 ? "[" : "",
                 cfg->listen_host, *v6 ? "]" : "", cfg->listen_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

http_server_t *http_server_start(ctl_t *ctl, const http_api_t *api, rp_error_t *err)
{
    http_server_t *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return NULL;
    }
    s->ctl = ctl;
    s->api = api;
    s->quiesced_fd = -1;
    s->unmatched_metric = metrics_route(&ctl->metrics, "unmatched");
    ctl_config_t *cfg = config_acquire(&ctl->config);
    int v6;
    s->listen_fd = listen_socket(cfg, &v6, err);
    if (s->listen_fd < 0) {
        config_release(cfg);
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    /* The logger goes first, or libmicrohttpd prints early messages itself. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->http_threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_END);
    config_release(cfg);
    if (!s->daemon) {
        snprintf(err->reason, sizeof(err->reason), "cannot start the HTTP server");
        close(s->listen_fd);
        free(s);
        return NULL;
    }
    return s;
}

void http_server_quiesce(http_server_t *s)
{
    if (s && s->daemon && s->quiesced_fd < 0)
        s->quiesced_fd = MHD_quiesce_daemon(s->daemon);
}

void http_server_drain(http_server_t *s, int timeout_ms)
{
    for (int waited = 0; s && atomic_load(&s->in_flight) > 0 && waited < timeout_ms; waited += 10) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

void http_server_stop(http_server_t *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s->quiesced_fd >= 0)
        close(s->quiesced_fd);
    free(s);
}
