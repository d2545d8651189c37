/*
 * detect_ssrf.c — rp_detect_ssrf(): does this value point the server at a
 * place it should never fetch from?
 *
 *   dangerous schemes   gopher:// dict:// tftp:// ldap:// rmi:// jar:
 *                       netdoc: file:/ smb:// and the PHP stream wrappers
 *                       php:// phar:// expect:// glob:// — fetchers that
 *                       speak raw protocols or read local files
 *   internal hosts      http(s)/ftp/ws URLs whose host is loopback
 *                       (localhost, 127.0.0.0/8, ::1, 0.0.0.0, [::ffff:
 *                       127.0.0.1]), the cloud metadata services
 *                       (169.254.169.254 and all of 169.254/16,
 *                       metadata.google.internal, Alibaba's 100.100.100.200,
 *                       fd00:ec2::254), or an IPv4 address spelled as one
 *                       number, in hex or in octal (2130706433,
 *                       0x7f000001, 0177.0.0.1): only evasion writes those;
 *                       wildcard-DNS names that resolve to any address
 *                       (x.127.0.0.1.nip.io, sslip.io, localtest.me)
 *   callback hosts      the out-of-band interaction services scanners and
 *                       exploit kits use to confirm blind injections
 *                       (*.interact.sh, *.oast.*, *.burpcollaborator.net,
 *                       *.oastify.com, *.dnslog.cn, *.ceye.io ...), in a URL
 *                       or bare (user@x.interact.sh in a User-Agent)
 *
 * The userinfo trick (http://trusted@127.0.0.1/) is read as a browser and
 * curl read it: the host is after the last '@'. Private ranges (10/8,
 * 172.16/12, 192.168/16) are not flagged: intranet deployments send them
 * in every Referer. The transaction skips Referer and Origin values that
 * name the request's own Host.
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const bad_schemes[] = {
    "gopher", "dict",   "tftp", "ldap", "ldaps", "rmi", "jar", "netdoc", "smb", "php",
    "phar",   "expect", "glob", "ssh2", "ogg",   "rar", "zip", "file",   NULL,
};

static const char *const web_schemes[] = {"http", "https", "ftp", "ws", "wss", "sftp", NULL};

static const char *const callback_domains[] = {
    "interact.sh",     "oast.pro",  "oast.live",   "oast.site",
    "oast.online",     "oast.fun",  "oast.me",     "burpcollaborator.net",
    "oastify.com",     "dnslog.cn", "dnslog.link", "ceye.io",
    "requestrepo.com", "bxss.me",   "xss.ht",      "canarytokens.com",
    "requestbin.net",  NULL,
};

static const char *const wildcard_dns[] = {
    "nip.io", "xip.io", "sslip.io", "localtest.me", "lvh.me", "vcap.me", "localhost", NULL,
};

static bool scheme_char(unsigned char c)
{
    return du_is_alnum(c) || c == '+' || c == '-' || c == '.';
}

/* Does host[0..hl) end with "domain" on a label boundary (or equal it)? */
static bool host_ends_with(const char *h, size_t hl, const char *domain)
{
    size_t dl = strlen(domain);

    if (hl < dl || !du_prefix_ci(h + hl - dl, dl, domain)) {
        return false;
    }
    return hl == dl || h[hl - dl - 1] == '.';
}

/* Parses a dotted IPv4 address the way inet_aton does (1 to 4 parts, each
 * decimal, 0x hex or 0 octal). Returns true when it parsed; *odd is set
 * when the spelling is not the canonical four decimal parts. */
static bool parse_ipv4(const char *h, size_t hl, uint32_t *addr, bool *odd)
{
    uint64_t parts[4];
    size_t np = 0, k = 0;

    *odd = false;
    if (hl == 0 || hl > 64) {
        return false;
    }
    while (k < hl) {
        uint64_t v = 0;
        int base = 10;
        size_t start = k, digits = 0;
        if (np == 4) {
            return false;
        }
        if (h[k] == '0' && k + 1 < hl && (h[k + 1] == 'x' || h[k + 1] == 'X')) {
            base = 16;
            k += 2;
            *odd = true;
        } else if (h[k] == '0' && k + 1 < hl && du_is_digit((unsigned char)h[k + 1])) {
            base = 8;
            *odd = true;
        }
        while (k < hl && h[k] != '.') {
            unsigned char c = (unsigned char)h[k];
            int d = du_is_digit(c)                 ? c - '0'
                    : (base == 16 && du_is_hex(c)) ? (du_lower(c) - 'a' + 10)
                                                   : -1;
            if (d < 0 || d >= base) {
                return false;
            }
            v = v * (uint64_t)base + (uint64_t)d;
            if (v > 0xFFFFFFFFu) {
                return false;
            }
            k++;
            digits++;
        }
        (void)start;
        if (digits == 0) {
            return false;
        }
        parts[np++] = v;
        if (k < hl) {
            k++; /* '.' */
            if (k == hl) {
                return false;
            }
        }
    }
    if (np != 4) {
        *odd = true;
    }
    uint64_t a;
    switch (np) {
    case 1:
        a = parts[0];
        break;
    case 2:
        if (parts[0] > 255 || parts[1] > 0xFFFFFF) {
            return false;
        }
        a = (parts[0] << 24) | parts[1];
        break;
    case 3:
        if (parts[0] > 255 || parts[1] > 255 || parts[2] > 0xFFFF) {
            return false;
        }
        a = (parts[0] << 24) | (parts[1] << 16) | parts[2];
        break;
    default:
        if (parts[0] > 255 || parts[1] > 255 || parts[2] > 255 || parts[3] > 255) {
            return false;
        }
        a = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3];
        break;
    }
    *addr = (uint32_t)a;
    return true;
}

/* Is the host (as in a URL authority, brackets kept for IPv6) internal? */
static const char *internal_host(const char *h, size_t hl)
{
    uint32_t a;
    bool odd;
    const char *const *d;

    if (hl == 0) {
        return NULL;
    }
    /* a trailing dot resolves the same */
    if (h[hl - 1] == '.') {
        hl--;
    }
    if (h[0] == '[') {
        /* IPv6 literal: loopback, unspecified, v4-mapped loopback, AWS */
        if (du_prefix_ci(h, hl, "[::1]") || du_prefix_ci(h, hl, "[::]") ||
            du_prefix_ci(h, hl, "[0:0:0:0:0:0:0:1]") || du_prefix_ci(h, hl, "[::ffff:127.") ||
            du_prefix_ci(h, hl, "[::ffff:7f") || du_prefix_ci(h, hl, "[fd00:ec2::254]") ||
            du_prefix_ci(h, hl, "[::ffff:169.254.") ||
            du_prefix_ci(h, hl, "[0:0:0:0:0:ffff:127.")) {
            return "loopback";
        }
        return NULL;
    }
    if (parse_ipv4(h, hl, &a, &odd)) {
        if ((a >> 24) == 127 || a == 0) {
            return "loopback";
        }
        if ((a >> 16) == 0xA9FE /* 169.254/16 */ || a == 0x646464C8u /* 100.100.100.200 */) {
            return "metadata";
        }
        if (odd) {
            return "ip-enc";
        }
        return NULL;
    }
    if (du_prefix_ci(h, hl, "localhost") && (hl == 9 || h[9] == '.')) {
        return "loopback";
    }
    if (host_ends_with(h, hl, "metadata.google.internal") ||
        (hl == 8 && du_prefix_ci(h, hl, "metadata")) || host_ends_with(h, hl, "instance-data") ||
        host_ends_with(h, hl, "metadata.tencentyun.com")) {
        return "metadata";
    }
    for (d = wildcard_dns; *d; d++) {
        if (host_ends_with(h, hl, *d)) {
            return "dns";
        }
    }
    return NULL;
}

static const char *callback_host(const char *h, size_t hl)
{
    const char *const *d;

    while (hl > 0 && h[hl - 1] == '.') {
        hl--; /* "x.interact.sh." is the same name */
    }
    for (d = callback_domains; *d; d++) {
        if (host_ends_with(h, hl, *d)) {
            return "oast";
        }
    }
    return NULL;
}

/* The scheme ending at s[colon] (exclusive), on a token boundary. */
static size_t scheme_before(const char *s, size_t colon)
{
    size_t k = colon;

    while (k > 0 && scheme_char((unsigned char)s[k - 1]) && colon - k < 16) {
        k--;
    }
    while (k < colon && !du_is_alpha((unsigned char)s[k])) {
        k++;
    }
    return k;
}

static bool in_list_ci(const char *w, size_t n, const char *const *list)
{
    for (; *list; list++) {
        if (strlen(*list) == n && du_prefix_ci(w, n, *list)) {
            return true;
        }
    }
    return false;
}

/* A host name token around s[i..): letters, digits, '-', '.', '_' . */
static bool host_char(unsigned char c)
{
    return du_is_alnum(c) || c == '-' || c == '.' || c == '_';
}

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "ssrf:", fp, strlen(fp), off, len);
    return true;
}

bool rp_detect_ssrf(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i;

    if (!s || n < 5) {
        return false;
    }
    for (i = 1; i < n; i++) {
        if (s[i] == ':') {
            size_t st = scheme_before(s, i), sl = i - st;
            if (sl == 0) {
                continue;
            }
            if (in_list_ci(s + st, sl, bad_schemes)) {
                bool file = sl == 4 && du_prefix_ci(s + st, 4, "file");
                /* "gopher://", or "gopher:/" once a path was normalised */
                bool slashes = i + 2 < n && s[i + 1] == '/' && (s[i + 2] == '/' || sl > 3);
                /* file:/etc/passwd, file:///c:/x, file:\\host; jar:http://
                 * and netdoc:/ also without "//". */
                bool jar = sl == 3 && du_prefix_ci(s + st, 3, "jar") &&
                           (du_prefix_ci(s + i + 1, n - i - 1, "http") ||
                            du_prefix_ci(s + i + 1, n - i - 1, "file:") ||
                            du_prefix_ci(s + i + 1, n - i - 1, "ftp:"));
                bool netdoc =
                    sl == 6 && du_prefix_ci(s + st, 6, "netdoc") && i + 1 < n && s[i + 1] == '/';
                if (slashes || (file && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '\\')) ||
                    jar || netdoc) {
                    if (!(st > 0 && du_is_alnum((unsigned char)s[st - 1]))) {
                        char fp[16];
                        size_t k;
                        for (k = 0; k < sl && k < sizeof(fp) - 1; k++) {
                            fp[k] = (char)du_lower((unsigned char)s[st + k]);
                        }
                        fp[k] = '\0';
                        return hit(out, fp, st, i + 1 - st);
                    }
                }
                continue;
            }
            /* "http:/host" too: URL parsers accept one slash, and path
             * normalisation turns "//" into "/" */
            if (in_list_ci(s + st, sl, web_schemes) && i + 1 < n &&
                (s[i + 1] == '/' || s[i + 1] == '\\')) {
                size_t a = i + 2, e, at = SIZE_MAX, h, he;
                while (a < n && a < i + 4 && (s[a] == '/' || s[a] == '\\')) {
                    a++;
                }
                e = a;
                /* authority: up to / ? # or a blank */
                while (e < n && s[e] != '/' && s[e] != '?' && s[e] != '#' && s[e] != '\\' &&
                       !du_is_blank((unsigned char)s[e]) && e - a < 512) {
                    if (s[e] == '@') {
                        at = e;
                    }
                    e++;
                }
                h = at != SIZE_MAX ? at + 1 : a;
                he = h;
                if (he < e && s[he] == '[') {
                    while (he < e && s[he] != ']') {
                        he++;
                    }
                    if (he < e) {
                        he++;
                    }
                } else {
                    while (he < e && s[he] != ':') {
                        he++;
                    }
                }
                const char *why = internal_host(s + h, he - h);
                if (!why) {
                    why = callback_host(s + h, he - h);
                }
                if (why) {
                    return hit(out, why, st, e - st);
                }
                i = e > i ? e - 1 : i;
            }
            continue;
        }
        /* bare callback host names: x.interact.sh, root@y.oast.fun */
        if (s[i] == '.' && i + 2 < n && du_is_alpha((unsigned char)s[i + 1])) {
            size_t b = i, e = i + 1;
            while (b > 0 && host_char((unsigned char)s[b - 1]) && i - b < 256) {
                b--;
            }
            while (e < n && host_char((unsigned char)s[e]) && e - i < 256) {
                e++;
            }
            if (callback_host(s + b, e - b)) {
                return hit(out, "oast", b, e - b);
            }
            i = e - 1;
        }
    }
    return false;
}
