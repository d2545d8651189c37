/*
 * detect_traversal.c — rp_detect_traversal(): does this value make a file
 * path reach outside the directory the application meant, or name a file
 * no request has a reason to name?
 *
 *   traversal    two or more "../" steps in a row ("../../etc"), or one
 *                step towards a sensitive file; either slash, the
 *                full-width forms IIS folds to ASCII ("．．／"), overlong
 *                UTF-8 dots and slashes (C0 AE, C0 AF) that lenient
 *                decoders accept, Tomcat's "..;/" and "..%00/" NUL cuts
 *   evasions     shapes that only exist to survive a filter that deletes
 *                "../" once: "....//", "...\\", "..././", ".../"; they
 *                count on their own
 *   sensitive    well-known files and directories an attacker reads or
 *   files        writes through a path parameter: /etc/passwd, /etc/shadow,
 *                /proc/self/environ, ~/.ssh/id_rsa, .aws/credentials,
 *                WEB-INF/web.xml, win.ini, system32/config/sam,
 *                ntuser.dat, .git/config, .env, .htpasswd, wp-config.php...
 *                matched on a path boundary, either slash, any case
 *   UNC paths    \\host\share\... to an administrative share (c$, admin$,
 *                ipc$) or to a loopback address: SMB relay and credential
 *                leaks
 *
 * One "../" alone is a relative link ("../img/a.png" in rich text) and
 * stays clean. The request path itself reaches here with its dot segments
 * already resolved (an escape above "/" is the path_traversal anomaly), so
 * for paths this detector adds the evasions and the sensitive names.
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

/* A dot at s[i]: '.', U+FF0E (EF BC 8E), or the overlong encodings of '.'
 * (C0 AE, E0 80 AE) that lenient UTF-8 decoders accept. Returns its length
 * or 0. */
static size_t dot_at(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '.') {
        return 1;
    }
    if (i + 1 < n && (unsigned char)s[i] == 0xC0 && (unsigned char)s[i + 1] == 0xAE) {
        return 2;
    }
    if (i + 2 < n && (unsigned char)s[i] == 0xE0 && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0xAE) {
        return 3;
    }
    if (i + 2 < n && (unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
        (unsigned char)s[i + 2] == 0x8E) {
        return 3;
    }
    return 0;
}

/* A path separator at s[i]: '/', '\', U+FF0F (EF BC 8F), U+FF3C (EF BC BC),
 * U+2215 (E2 88 95), overlong '/' and '\' (C0 AF, E0 80 AF, C1 9C).
 * Returns its length or 0. */
static size_t slash_at(const char *s, size_t n, size_t i)
{
    if (i < n && (s[i] == '/' || s[i] == '\\')) {
        return 1;
    }
    if (i + 1 < n && (((unsigned char)s[i] == 0xC0 && (unsigned char)s[i + 1] == 0xAF) ||
                      ((unsigned char)s[i] == 0xC1 && (unsigned char)s[i + 1] == 0x9C))) {
        return 2;
    }
    if (i + 2 < n && (unsigned char)s[i] == 0xE0 && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0xAF) {
        return 3;
    }
    if (i + 2 < n && (unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
        ((unsigned char)s[i + 2] == 0x8F || (unsigned char)s[i + 2] == 0xBC)) {
        return 3;
    }
    if (i + 2 < n && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x88 &&
        (unsigned char)s[i + 2] == 0x95) {
        return 3;
    }
    return 0;
}

/* Reads one traversal step at s[*i]: dots then separators (with ';' or a
 * NUL byte allowed between them). Returns 0 (no step), 1 (a "../" step) or
 * 2 (a step shaped to survive a filter). */
static int step_at(const char *s, size_t n, size_t *i)
{
    size_t k = *i, l, dots = 0, slashes = 0;
    bool junk = false;

    while ((l = dot_at(s, n, k)) > 0 && dots < 8) {
        dots++;
        k += l;
    }
    if (dots < 2) {
        return 0;
    }
    while (k < n && (s[k] == ';' || s[k] == '\0')) {
        junk = true;
        k++;
    }
    while ((l = slash_at(s, n, k)) > 0 && slashes < 8) {
        slashes++;
        k += l;
    }
    if (slashes == 0) {
        /* ".." ending the value is a step too ("a/../.."); "wait..." not */
        if (k < n || dots != 2 || junk) {
            return 0;
        }
        *i = k;
        return 1;
    }
    *i = k;
    /* "..././": what "../" deletion leaves behind is "../" */
    if (dots == 2 && slashes == 1 && dot_at(s, n, k) == 1 && slash_at(s, n, k + 1) == 1) {
        *i = k + 2;
        return 2;
    }
    if (dots > 2 || slashes > 1 || junk) {
        return 2;
    }
    return 1;
}

/* Byte classes of the scan: T_FIRST a first letter of a sensitive name
 * (either case), T_DOT a byte that can start a dot ('.', or the lead byte
 * of a full-width or overlong one), T_BOUND a byte after which a path can
 * start: separators, and what precedes a path in text (file:etc/passwd,
 * =etc/passwd, "etc/passwd", ~/.ssh, a blank). */
enum { T_FIRST = 1, T_DOT = 2, T_BOUND = 4 };

static const unsigned char tclass[256] = {
    ['e'] = T_FIRST, ['p'] = T_FIRST,  ['v'] = T_FIRST,         ['w'] = T_FIRST, ['b'] = T_FIRST,
    ['s'] = T_FIRST, ['n'] = T_FIRST,  ['r'] = T_FIRST,         ['i'] = T_FIRST, ['a'] = T_FIRST,
    ['m'] = T_FIRST, ['E'] = T_FIRST,  ['P'] = T_FIRST,         ['V'] = T_FIRST, ['W'] = T_FIRST,
    ['B'] = T_FIRST, ['S'] = T_FIRST,  ['N'] = T_FIRST,         ['R'] = T_FIRST, ['I'] = T_FIRST,
    ['A'] = T_FIRST, ['M'] = T_FIRST,  ['.'] = T_FIRST | T_DOT, [0xEF] = T_DOT,  [0xC0] = T_DOT,
    [0xE0] = T_DOT,  ['/'] = T_BOUND,  ['\\'] = T_BOUND,        [':'] = T_BOUND, ['='] = T_BOUND,
    ['"'] = T_BOUND, ['\''] = T_BOUND, ['~'] = T_BOUND,         [' '] = T_BOUND, ['\t'] = T_BOUND,
    ['('] = T_BOUND, ['<'] = T_BOUND,  ['>'] = T_BOUND,         ['|'] = T_BOUND, [';'] = T_BOUND,
    [','] = T_BOUND,
};

/* ---- sensitive files ----------------------------------------------------- */

/* Lower case, '/' for either slash. A name ending in '/' is a directory.
 * Grouped by first character, so a word start costs one switch. */
static const char *const sensitive_dot[] = {
    ".ssh/id_rsa",
    ".ssh/id_dsa",
    ".ssh/id_ecdsa",
    ".ssh/id_ed25519",
    ".ssh/authorized_keys",
    ".ssh/known_hosts",
    ".bash_history",
    ".bashrc",
    ".mysql_history",
    ".aws/credentials",
    ".docker/config.json",
    ".kube/config",
    ".git/config",
    ".git/head",
    ".svn/entries",
    ".htaccess",
    ".htpasswd",
    ".env",
    NULL,
};
static const char *const sensitive_a[] = {
    "applicationhost.config",
    NULL,
};
static const char *const sensitive_b[] = {
    "boot.ini",
    NULL,
};
static const char *const sensitive_e[] = {
    "etc/passwd",  "etc/shadow",  "etc/group",       "etc/gshadow",   "etc/master.passwd",
    "etc/sudoers", "etc/hosts",   "etc/hostname",    "etc/issue",     "etc/os-release",
    "etc/crontab", "etc/profile", "etc/resolv.conf", "etc/ssh/",      "etc/mysql/",
    "etc/nginx/",  "etc/httpd/",  "etc/apache2/",    "etc/security/", NULL,
};
static const char *const sensitive_i[] = {
    "inetpub/wwwroot/",
    NULL,
};
static const char *const sensitive_m[] = {
    "meta-inf/manifest.mf",
    NULL,
};
static const char *const sensitive_n[] = {
    "ntuser.dat",
    NULL,
};
static const char *const sensitive_p[] = {
    "proc/self/", "proc/version", "proc/cpuinfo", "proc/net/", "proc/mounts", "php.ini", NULL,
};
static const char *const sensitive_r[] = {
    "repair/sam",
    NULL,
};
static const char *const sensitive_s[] = {
    "system.ini",
    "system32/config/sam",
    "system32/drivers/etc/hosts",
    NULL,
};
static const char *const sensitive_v[] = {
    "var/run/secrets/",
    "var/log/",
    NULL,
};
static const char *const sensitive_w[] = {
    "wp-config.php",     "web-inf/web.xml", "web-inf/classes/", "win.ini",
    "windows/system32/", "winnt/system32/", "web.config",       NULL,
};

static const char *const *sensitive_names(unsigned char c)
{
    switch (c) {
    case '.':
        return sensitive_dot;
    case 'a':
        return sensitive_a;
    case 'b':
        return sensitive_b;
    case 'e':
        return sensitive_e;
    case 'i':
        return sensitive_i;
    case 'm':
        return sensitive_m;
    case 'n':
        return sensitive_n;
    case 'p':
        return sensitive_p;
    case 'r':
        return sensitive_r;
    case 's':
        return sensitive_s;
    case 'v':
        return sensitive_v;
    case 'w':
        return sensitive_w;
    default:
        return NULL;
    }
}

/* Does s[i..) read as the sensitive name nm, case-insensitively with either
 * slash? Returns the length read, or 0. */
static size_t name_at(const char *s, size_t n, size_t i, const char *nm)
{
    size_t k = i, j;

    for (j = 0; nm[j]; j++) {
        size_t l;
        if (nm[j] == '/') {
            l = slash_at(s, n, k);
            if (l == 0) {
                return 0;
            }
            k += l;
            /* "etc//passwd" */
            while ((l = slash_at(s, n, k)) > 0) {
                k += l;
            }
            continue;
        }
        if (k >= n || du_lower((unsigned char)s[k]) != (unsigned char)nm[j]) {
            return 0;
        }
        k++;
    }
    /* A file name must end there ("etc/passwd.bak" is still passwd; "win.ini"
     * must not be the start of "win.inia"); directories already ended. */
    if (nm[j - 1] != '/' && k < n && (du_is_alnum((unsigned char)s[k]) || s[k] == '_')) {
        /* allow an extension-like suffix on files: ".html", ".bak" */
        if (s[k - 1] != '.' && s[k] != '.') {
            return 0;
        }
    }
    return k - i;
}

/* A sensitive name starting at s[i] (on a path boundary; after a slash or
 * at the value's start when slash_before). A bare file name ("win.ini",
 * ".env") counts only after a slash or as the whole start of the value:
 * "the .env file" is prose. */
static size_t sensitive_at(const char *s, size_t n, size_t i, bool slash_before)
{
    unsigned char c = du_lower((unsigned char)s[i]);
    unsigned char c2 = i + 1 < n ? du_lower((unsigned char)s[i + 1]) : 0;
    const char *const *nm = sensitive_names(c);

    for (; nm && *nm; nm++) {
        if ((unsigned char)(*nm)[0] != c || (unsigned char)(*nm)[1] != c2) {
            continue;
        }
        if (!slash_before && !strchr(*nm, '/')) {
            continue;
        }
        {
            size_t l = name_at(s, n, i, *nm);
            if (l) {
                return l;
            }
        }
    }
    return 0;
}

/* Does a separator end right before s[i]? */
static bool slash_before(const char *s, size_t n, size_t i)
{
    return (i >= 1 && slash_at(s, n, i - 1) == 1) || (i >= 2 && slash_at(s, n, i - 2) == 2) ||
           (i >= 3 && slash_at(s, n, i - 3) == 3);
}

static bool path_boundary(const char *s, size_t n, size_t i)
{
    if (i == 0 || (tclass[(unsigned char)s[i - 1]] & T_BOUND)) {
        return true;
    }
    /* a multi-byte separator ends in a continuation byte */
    return (unsigned char)s[i - 1] >= 0x80 && slash_before(s, n, i);
}

/* \\host\share: an administrative share or a loopback host. */
static bool unc_path(const char *s, size_t n, size_t *end)
{
    size_t k = 0, host, hl;

    while (k < n && (s[k] == ' ' || s[k] == '"' || s[k] == '\'')) {
        k++;
    }
    if (k + 2 >= n || s[k] != '\\' || s[k + 1] != '\\') {
        return false;
    }
    host = k + 2;
    k = host;
    while (k < n && s[k] != '\\' && s[k] != '/' && k - host < 256) {
        k++;
    }
    hl = k - host;
    if (k >= n || hl == 0) {
        return false;
    }
    size_t share = k + 1, e = share;
    while (e < n && s[e] != '\\' && s[e] != '/') {
        e++;
    }
    bool admin = e > share && s[e - 1] == '$';
    bool loop = (hl >= 3 && memcmp(s + host, "::1", 3) == 0) ||
                (hl >= 4 && memcmp(s + host, "127.", 4) == 0) ||
                du_prefix_ci(s + host, hl, "localhost");
    if (admin || loop) {
        *end = e;
        return true;
    }
    return false;
}

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "path:", fp, strlen(fp), off, len);
    return true;
}

/* Every construct needs an ASCII '.', '/' or '\', or one of the
 * multi-byte dots and slashes. */
static bool worth_scanning(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' || c == '/' || c == '\\') {
            return true;
        }
        if ((c == 0xEF || c == 0xE2 || c == 0xC0 || c == 0xC1 || c == 0xE0) &&
            (dot_at(s, n, i) || slash_at(s, n, i))) {
            return true;
        }
    }
    return false;
}

bool rp_detect_traversal(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i = 0, e;
    size_t run = 0, run_start = 0;
    bool evasion = false;

    if (!s || n < 3 || !worth_scanning(s, n)) {
        return false;
    }
    if (unc_path(s, n, &e)) {
        return hit(out, "unc", 0, e);
    }
    while (i < n) {
        size_t k = i;
        unsigned char tc = tclass[(unsigned char)s[i]];
        if (tc == 0 && run == 0) {
            i++;
            continue;
        }
        int st = ((tc & T_DOT) && (i == 0 || !du_is_alnum((unsigned char)s[i - 1])))
                     ? step_at(s, n, &k)
                     : 0;
        if (st) {
            if (run == 0) {
                run_start = i;
            }
            run++;
            evasion |= st == 2;
            if (evasion) {
                return hit(out, "evasion", run_start, k - run_start);
            }
            if (run >= 2) {
                return hit(out, "dotdot", run_start, k - run_start);
            }
            i = k;
            continue;
        }
        /* "./" between steps keeps the run going */
        if (run > 0 && dot_at(s, n, i) == 1 && slash_at(s, n, i + 1)) {
            i += 1 + slash_at(s, n, i + 1);
            continue;
        }
        if ((tc & T_FIRST) && path_boundary(s, n, i) &&
            (e = sensitive_at(s, n, i,
                              i == 0 || s[i - 1] == '/' || s[i - 1] == '\\' ||
                                  ((unsigned char)s[i - 1] >= 0x80 && slash_before(s, n, i)))) >
                0) {
            return hit(out, run > 0 ? "dotdot" : "file", run > 0 ? run_start : i,
                       i + e - (run > 0 ? run_start : i));
        }
        run = 0;
        i++;
    }
    return false;
}
