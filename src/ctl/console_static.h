/*
 * console_static.h — rampartd serves the built web console (console/,
 * Vite's output) from console_dir at "/".
 *
 * The files are public: they hold no data, and every /api call still
 * needs a session cookie with its CSRF token, or a bearer token. A GET or
 * HEAD that no API route matches (and that is not under /api/) lands
 * here:
 *
 *   /                      index.html
 *   /assets/index-3f1a.js  the file, cached for a year (Vite names every
 *                          asset after its content hash: immutable)
 *   /events, /users/x      a client route of the single-page app: index.html
 *   /missing.js            404 (a name with a dot is a file, never a route)
 *
 * A path is accepted only if every segment is 1-255 of [A-Za-z0-9._~-]
 * and does not start with '.', so "..", hidden files, backslashes and
 * encoded separators never reach the file system; the file is then opened
 * one segment at a time below console_dir with O_NOFOLLOW, so a symbolic
 * link cannot lead out of it either. Every answer carries a strict
 * Content-Security-Policy (only this origin; no inline script or style),
 * X-Frame-Options DENY, nosniff and Referrer-Policy no-referrer.
 */
#ifndef RAMPART_CTL_CONSOLE_STATIC_H
#define RAMPART_CTL_CONSOLE_STATIC_H

#include <stddef.h>
#include <sys/stat.h>

#include "http.h"

/* The console's Content-Security-Policy (CSP Level 3): nothing from any
 * other origin, no inline code, no framing. */
#define CONSOLE_CSP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "                  \
    "form-action 'self'; frame-ancestors 'none'"

/* Whether the request is the console's: GET or HEAD, outside /api/. */
int console_static_claims(const http_req_t *r);

/* Serves the request (a file, the SPA fallback, 304 or 404). */
enum MHD_Result console_static_serve(http_req_t *r);

/* The relative file name for a URL path ("/" is "index.html"), written to
 * rel; -1 when the path is not acceptable (see above). */
int console_path_check(const char *url, char *rel, size_t rel_size);

/* Whether a relative name is a client route of the app (its last segment
 * has no dot), answered with index.html when no such file exists. */
int console_path_is_route(const char *rel);

/* Content-Type for a file name, by its extension. */
const char *console_mime_type(const char *name);

/* Cache-Control for a relative name: immutable for assets/, else no-cache. */
const char *console_cache_control(const char *rel);

/* Opens root/rel read-only, segment by segment without following links;
 * the descriptor of a regular file, with *st filled, or -1 (errno). */
int console_open(const char *root, const char *rel, struct stat *st);

#endif
