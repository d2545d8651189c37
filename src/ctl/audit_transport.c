/*
 * audit_transport.c — TCP and TLS connections of the audit export (see
 * audit_transport.h).
 */
#include "audit_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct audit_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
};

static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;
    do
        rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    return rc > 0 ? 0 : -1;
}

static int tcp_connect(const audit_dest_t *d, int timeout_ms, char *why, size_t why_size)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof(port), "%u", d->port);
    int gai = getaddrinfo(d->host, port, &hints, &res);
    if (gai) {
        snprintf(why, why_size, "cannot resolve %s: %s", d->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS && wait_fd(fd, POLLOUT, timeout_ms) == 0) {
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            errno = err;
            rc = err ? -1 : 0;
        }
        if (rc != 0) {
            snprintf(why, why_size, "cannot connect to %s:%u: %s", d->host, d->port,
                     strerror(errno ? errno : ETIMEDOUT));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int tls_start(audit_conn_t *c, const audit_dest_t *d, const char *ca_file, int timeout_ms,
                     char *why, size_t why_size)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx || SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL) != 1) {
        snprintf(why, why_size, "TLS set-up failed (CA file %s)", ca_file);
        return -1;
    }
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        snprintf(why, why_size, "TLS set-up failed");
        return -1;
    }
    unsigned char addr[16];
    int numeric = inet_pton(AF_INET, d->host, addr) == 1 || inet_pton(AF_INET6, d->host, addr) == 1;
    X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
    if (numeric ? X509_VERIFY_PARAM_set1_ip_asc(param, d->host) != 1
                : (SSL_set_tlsext_host_name(c->ssl, d->host) != 1 ||
                   SSL_set1_host(c->ssl, d->host) != 1)) {
        snprintf(why, why_size, "TLS set-up failed (name %s)", d->host);
        return -1;
    }
    for (;;) {
        int rc = SSL_connect(c->ssl);
        if (rc == 1)
            return 0;
        int e = SSL_get_error(c->ssl, rc);
        if ((e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, timeout_ms) == 0) ||
            (e == SSL_ERROR_WANT_WRITE && wait_fd(c->fd, POLLOUT, timeout_ms) == 0))
            continue;
        long verify = SSL_get_verify_result(c->ssl);
        snprintf(why, why_size, "TLS handshake with %s:%u failed: %s", d->host, d->port,
                 verify != X509_V_OK ? X509_verify_cert_error_string(verify)
                 : ERR_reason_error_string(ERR_peek_last_error())
                     ? ERR_reason_error_string(ERR_peek_last_error())
                     : "connection closed");
        ERR_clear_error();
        return -1;
    }
}

audit_conn_t *audit_conn_open(const audit_dest_t *dest, const char *ca_file, int timeout_ms,
                              char *why, size_t why_size)
{
    audit_conn_t *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    c->fd = tcp_connect(dest, timeout_ms, why, why_size);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    int tls = dest->scheme == AUDIT_DEST_TLS || dest->scheme == AUDIT_DEST_HTTPS;
    if (tls && tls_start(c, dest, ca_file, timeout_ms, why, why_size)) {
        audit_conn_close(c);
        return NULL;
    }
    return c;
}

int audit_conn_write(audit_conn_t *c, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n;
        if (c->ssl) {
            size_t written = 0;
            int rc = SSL_write_ex(c->ssl, p, len, &written);
            if (rc == 1) {
                n = (ssize_t)written;
            } else {
                int e = SSL_get_error(c->ssl, rc);
                if ((e == SSL_ERROR_WANT_WRITE && wait_fd(c->fd, POLLOUT, 10000) == 0) ||
                    (e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, 10000) == 0))
                    continue;
                ERR_clear_error();
                return -1;
            }
        } else {
            n = send(c->fd, p, len, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (wait_fd(c->fd, POLLOUT, 10000))
                    return -1;
                continue;
            }
            if (n <= 0)
                return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

long audit_conn_read(audit_conn_t *c, void *buf, size_t size, int timeout_ms)
{
    for (;;) {
        if (c->ssl) {
            size_t got = 0;
            int rc = SSL_read_ex(c->ssl, buf, size, &got);
            if (rc == 1)
                return (long)got;
            int e = SSL_get_error(c->ssl, rc);
            if (e == SSL_ERROR_ZERO_RETURN)
                return 0;
            if ((e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, timeout_ms) == 0) ||
                (e == SSL_ERROR_WANT_WRITE && wait_fd(c->fd, POLLOUT, timeout_ms) == 0))
                continue;
            ERR_clear_error();
            /* A peer that closes without close_notify ends the stream too. */
            return e == SSL_ERROR_SYSCALL ? 0 : -1;
        }
        ssize_t n = recv(c->fd, buf, size, 0);
        if (n >= 0)
            return (long)n;
        if ((errno != EAGAIN && errno != EINTR) || wait_fd(c->fd, POLLIN, timeout_ms))
            return -1;
    }
}

int audit_conn_alive(audit_conn_t *c, int wait_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
    int rc = poll(&p, 1, wait_ms);
    if (rc < 0)
        return errno == EINTR;
    if (rc == 0)
        return 1;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
        return 0;
    /* Readable: a syslog receiver says nothing, so bytes mean an end of
     * stream or a TLS alert; look without consuming. */
    char b;
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

/* Closing a socket with unread bytes in its receive buffer (a TLS 1.3
 * server's session tickets, say) sends RST, and an RST makes the peer's
 * kernel drop what its reader has not taken yet — the last records. So:
 * say we are done (close_notify, FIN), read until the peer's FIN, then
 * close. Bounded: CLOSE_DRAIN_ROUNDS waits of CLOSE_DRAIN_MS. */
#define CLOSE_DRAIN_ROUNDS 50
#define CLOSE_DRAIN_MS     20

void audit_conn_close(audit_conn_t *c)
{
    if (!c)
        return;
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0) {
        shutdown(c->fd, SHUT_WR);
        char discard[4096];
        for (int i = 0; i < CLOSE_DRAIN_ROUNDS; i++) {
            ssize_t n = recv(c->fd, discard, sizeof(discard), MSG_DONTWAIT);
            if (n > 0 || (n < 0 && errno == EINTR))
                continue;
            if (n == 0 || errno != EAGAIN || wait_fd(c->fd, POLLIN, CLOSE_DRAIN_MS))
                break;
        }
        close(c->fd);
    }
    free(c);
}

int audit_http_status(const char *data, size_t len)
{
    /* "HTTP/1." DIGIT SP 3DIGIT (RFC 9112 section 4) */
    if (len < 12 || memcmp(data, "HTTP/1.", 7) != 0 || data[7] < '0' || data[7] > '9' ||
        data[8] != ' ')
        return -1;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (data[i] < '0' || data[i] > '9')
            return -1;
        code = code * 10 + (data[i] - '0');
    }
    if (code < 100 || (len > 12 && data[12] != ' ' && data[12] != '\r'))
        return -1;
    return code;
}
