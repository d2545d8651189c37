/*
 * console_static.c — the web console's files (see console_static.h).
 *
 * Files are sent from their descriptor (libmicrohttpd uses sendfile) with
 * a weak ETag from inode, size and modification time, so a browser
 * revalidating index.html gets 304 until a new build replaces it.
 */
#include "console_static.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SEGMENT_MAX 255

int console_static_claims(const http_req_t *r)
{
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return 0;
    return strncmp(r->path, "/api/", 5) != 0 && strcmp(r->path, "/api") != 0;
}

static int segment_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '~';
}

int console_path_check(const char *url, char *rel, size_t rel_size)
{
    if (url[0] != '/')
        return -1;
    if (strcmp(url, "/") == 0) {
        if (rel_size < sizeof("index.html"))
            return -1;
        memcpy(rel, "index.html", sizeof("index.html"));
        return 0;
    }
    const char *p = url + 1;
    size_t out = 0;
    for (;;) {
        size_t n = 0;
        if (*p == '.') /* "..", "." and hidden files alike */
            return -1;
        while (p[n] && p[n] != '/') {
            if (!segment_char_ok(p[n]))
                return -1;
            n++;
        }
        if (n == 0 || n > SEGMENT_MAX || out + n + 1 >= rel_size)
            return -1;
        memcpy(rel + out, p, n);
        out += n;
        p += n;
        if (*p == '\0')
            break;
        rel[out++] = '/';
        p++; /* past '/'; an empty segment after it ("a//b", "a/") is refused above */
    }
    rel[out] = '\0';
    return 0;
}

int console_path_is_route(const char *rel)
{
    const char *last = strrchr(rel, '/');
    return strchr(last ? last + 1 : rel, '.') == NULL;
}

const char *console_mime_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"}, /* RFC 9239 */
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"woff", "font/woff"},
        {"ttf", "font/ttf"},
        {"txt", "text/plain; charset=utf-8"},
    };
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

const char *console_cache_control(const char *rel)
{
    /* Vite puts every hashed output under assets/; a new build has new
     * names, so the old ones never change. */
    if (strncmp(rel, "assets/", 7) == 0)
        return "public, max-age=31536000, immutable";
    return "no-cache";
}

int console_open(const char *root, const char *rel, struct stat *st)
{
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    char seg[SEGMENT_MAX + 1];
    const char *p = rel;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || n > SEGMENT_MAX) {
            close(dir);
            errno = ENOENT;
            return -1;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        int last = p[n] == '\0';
        int fd = openat(dir, seg,
                        last ? O_RDONLY | O_NOFOLLOW | O_CLOEXEC
                             : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(dir);
        if (fd < 0) {
            errno = saved;
            return -1;
        }
        if (last) {
            if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
                close(fd);
                errno = ENOENT;
                return -1;
            }
            return fd;
        }
        dir = fd;
        p += n + 1;
    }
}

static void security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", CONSOLE_CSP);
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(resp, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
}

static enum MHD_Result queue(http_req_t *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->replied = 1;
    return rc;
}

static enum MHD_Result not_found(http_req_t *r, const char *why)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(why), (void *)why, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    security_headers(resp);
    return queue(r, 404, resp);
}

enum MHD_Result console_static_serve(http_req_t *r)
{
    const char *root = r->cfg->console_dir;
    if (!root[0])
        return not_found(r, "not found (the console is off: console_dir off)\n");
    char rel[HTTP_PATH_MAX];
    if (console_path_check(r->path, rel, sizeof(rel)))
        return not_found(r, "not found\n");
    struct stat st;
    int fd = console_open(root, rel, &st);
    if (fd < 0 && console_path_is_route(rel)) {
        snprintf(rel, sizeof(rel), "index.html"); /* a client route: the app routes it */
        fd = console_open(root, rel, &st);
    }
    if (fd < 0)
        return not_found(r, strcmp(rel, "index.html") == 0
                                ? "not found (no console in console_dir; build it: make build)\n"
                                : "not found\n");

    char etag[96];
    snprintf(etag, sizeof(etag), "W/\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_ino,
             (uint64_t)st.st_size,
             (uint64_t)st.st_mtim.tv_sec * UINT64_C(1000000000) + (uint64_t)st.st_mtim.tv_nsec);
    const char *inm = http_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    unsigned status;
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else {
        /* takes the descriptor, closed when the response is destroyed */
        resp = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
        if (!resp) {
            close(fd);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, console_mime_type(rel));
        status = 200;
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, console_cache_control(rel));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    security_headers(resp);
    return queue(r, status, resp);
}
