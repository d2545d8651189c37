/*
 * baseline_check.c — evaluating baseline checks below a root (see
 * baseline_check.h). The files' formats: sshd_config(5) (first value
 * wins, Include, Match blocks end the global part), pam.conf(5) and
 * Debian's @include, login.defs(5), sysctl(8)'s /proc/sys, and
 * systemd.unit(5)'s enablement symlinks (.wants/.requires, a link to
 * /dev/null masks).
 */
#include "baseline_check.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX      (4 * 1024 * 1024) /* a checked file read whole */
#define INCLUDE_DEPTH 4
#define PATH_BUF      2048

const char *check_result_name(check_result_t r)
{
    return r == CHECK_PASS ? "pass" : r == CHECK_FAIL ? "fail" : "not_applicable";
}

static int outcome(check_outcome_t *o, check_result_t r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int outcome(check_outcome_t *o, check_result_t r, const char *fmt, ...)
{
    o->result = r;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
    va_end(ap);
    return r == CHECK_PASS;
}

static void rooted(const char *root, const char *path, char *out, size_t size)
{
    if (strcmp(root, "/") == 0)
        snprintf(out, size, "%s", path);
    else
        snprintf(out, size, "%s%s", root, path);
}

/* A regular file read whole (bounded); NULL when absent or unreadable.
 * Read to its end rather than to st_size: /proc files report size 0. */
static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX) {
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            char *more = cap < FILE_MAX ? realloc(buf, cap * 2 + 1) : NULL;
            if (!more)
                break; /* bounded: the rest is not read */
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static int regex_match(const void *re, const char *s, size_t n)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = md ? pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL) : -1;
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* The number (1-based) of the first line matching re, or 0. */
static unsigned first_matching_line(const void *re, const char *text, size_t len)
{
    unsigned line = 1;
    for (size_t at = 0; at <= len; line++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - text - at) : len - at;
        if (regex_match(re, text + at, n))
            return line;
        if (!nl)
            break;
        at += n + 1;
    }
    return 0;
}

/* ---- compared values ------------------------------------------------------ */

static const char *const op_names[] = {"==", "!=", ">=", "<=", ">", "<", "~", "!~"};

static int compare(const cond_t *c, const char *actual, const char *what, check_outcome_t *o)
{
    int ok;
    if (c->op == OP_EQ || c->op == OP_NE)
        ok = (strcasecmp(actual, c->value) == 0) == (c->op == OP_EQ);
    else if (c->op == OP_MATCH || c->op == OP_NOMATCH)
        ok = regex_match(c->re, actual, strlen(actual)) == (c->op == OP_MATCH);
    else {
        char *end;
        errno = 0;
        long long v = strtoll(actual, &end, 10);
        if (end == actual || *end || errno)
            return outcome(o, CHECK_FAIL, "%s is \"%.200s\", not a number", what, actual);
        ok = c->op == OP_GE   ? v >= c->number
             : c->op == OP_LE ? v <= c->number
             : c->op == OP_GT ? v > c->number
                              : v < c->number;
    }
    return outcome(o, ok ? CHECK_PASS : CHECK_FAIL, "%s is \"%.200s\" (wanted %s %.100s)", what,
                   actual, op_names[c->op], c->value);
}

/* ---- files ------------------------------------------------------------------ */

/* uid or gid of a name in ROOT/etc/passwd or group (or the number itself) */
static long lookup_id(const char *root, const char *file, const char *name)
{
    char *end;
    long n = strtol(name, &end, 10);
    if (!*end && end != name)
        return n;
    char path[PATH_BUF];
    rooted(root, file, path, sizeof(path));
    size_t len;
    char *text = slurp(path, &len);
    long id = -1;
    size_t nl = strlen(name);
    for (char *line = text; line && *line && id < 0;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        /* name:x:ID:... */
        char *colon1 = strchr(line, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
        if (colon2 && (size_t)(colon1 - line) == nl && strncmp(line, name, nl) == 0)
            id = strtol(colon2 + 1, NULL, 10);
        line = next;
    }
    free(text);
    return id;
}

/* file_contains / file_not_contains on one file or, when the path has a
 * wildcard, on every file it matches (nginx's conf.d, sites-enabled) */
static int check_contents(const cond_t *c, const char *root, check_outcome_t *o)
{
    char path[PATH_BUF];
    rooted(root, c->path, path, sizeof(path));
    glob_t g;
    memset(&g, 0, sizeof(g));
    const char *single[] = {path, NULL};
    char *const *files = (char *const *)single;
    if (strpbrk(c->path, "*?[")) {
        if (glob(path, 0, NULL, &g) != 0) {
            globfree(&g);
            return c->kind == COND_FILE_NOT_CONTAINS
                       ? outcome(o, CHECK_PASS, "no file matches %s", c->path)
                       : outcome(o, CHECK_FAIL, "no file matches %s", c->path);
        }
        files = g.gl_pathv;
    }
    int read_any = 0;
    unsigned line = 0;
    const char *hit = NULL;
    for (size_t i = 0; files[i] && !line; i++) {
        size_t len;
        char *text = slurp(files[i], &len);
        if (!text)
            continue;
        read_any = 1;
        line = first_matching_line(c->re, text, len);
        free(text);
        hit = files[i] + (strcmp(root, "/") ? strlen(root) : 0);
    }
    char where[PATH_BUF + 16];
    snprintf(where, sizeof(where), "%s:%u", hit ? hit : c->path, line);
    int rc;
    if (!read_any)
        rc = c->kind == COND_FILE_NOT_CONTAINS
                 ? outcome(o, CHECK_PASS, "%s does not exist", c->path)
                 : outcome(o, CHECK_FAIL, "%s does not exist or cannot be read", c->path);
    else if (c->kind == COND_FILE_CONTAINS)
        rc = line ? outcome(o, CHECK_PASS, "%s matches", where)
                  : outcome(o, CHECK_FAIL, "no line of %s matches %.200s", c->path, c->value);
    else
        rc = line ? outcome(o, CHECK_FAIL, "%s matches %.200s", where, c->value)
                  : outcome(o, CHECK_PASS, "no line of %s matches", c->path);
    globfree(&g);
    return rc;
}

static int check_file(const cond_t *c, const char *root, check_outcome_t *o)
{
    char path[PATH_BUF];
    rooted(root, c->path, path, sizeof(path));
    struct stat st;
    int exists = stat(path, &st) == 0;
    switch (c->kind) {
    case COND_FILE_EXISTS:
        return outcome(o, exists ? CHECK_PASS : CHECK_FAIL, "%s %s", c->path,
                       exists ? "exists" : "does not exist");
    case COND_FILE_ABSENT:
        return outcome(o, exists ? CHECK_FAIL : CHECK_PASS, "%s %s", c->path,
                       exists ? "exists" : "does not exist");
    case COND_FILE_MODE: {
        if (!exists)
            return outcome(o, CHECK_NOT_APPLICABLE, "%s does not exist", c->path);
        unsigned mode = (unsigned)st.st_mode & 07777;
        return outcome(o, (mode & ~c->mode) ? CHECK_FAIL : CHECK_PASS,
                       "%s has mode %04o (at most %04o)", c->path, mode, c->mode);
    }
    case COND_FILE_OWNER: {
        if (!exists)
            return outcome(o, CHECK_NOT_APPLICABLE, "%s does not exist", c->path);
        long uid = lookup_id(root, "/etc/passwd", c->value);
        long gid = lookup_id(root, "/etc/group", c->group);
        int ok = uid >= 0 && gid >= 0 && (long)st.st_uid == uid && (long)st.st_gid == gid;
        return outcome(o, ok ? CHECK_PASS : CHECK_FAIL, "%s is owned by %ld:%ld (wanted %s:%s)",
                       c->path, (long)st.st_uid, (long)st.st_gid, c->value, c->group);
    }
    default:
        break;
    }
    return check_contents(c, root, o);
}

/* ---- sysctl, services, processes -------------------------------------------- */

static int check_sysctl(const cond_t *c, const char *root, check_outcome_t *o)
{
    char rel[PATH_BUF], path[PATH_BUF];
    snprintf(rel, sizeof(rel), "/proc/sys/%s", c->path);
    for (char *p = rel + 10; *p; p++)
        if (*p == '.')
            *p = '/';
    rooted(root, rel, path, sizeof(path));
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return outcome(o, CHECK_NOT_APPLICABLE, "%s is not a kernel parameter here", c->path);
    /* "4096\t87380" → "4096 87380" */
    char *w = text;
    for (char *r = text; *r; r++)
        if (!isspace((unsigned char)*r) || (w > text && w[-1] != ' '))
            *w++ = isspace((unsigned char)*r) ? ' ' : *r;
    while (w > text && w[-1] == ' ')
        w--;
    *w = '\0';
    char what[300];
    snprintf(what, sizeof(what), "%.200s", c->path);
    int rc = compare(c, text, what, o);
    free(text);
    return rc;
}

static int unit_masked(const char *root, const char *unit)
{
    char rel[PATH_BUF], path[PATH_BUF], target[64];
    snprintf(rel, sizeof(rel), "/etc/systemd/system/%s", unit);
    rooted(root, rel, path, sizeof(path));
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    return strcmp(target, "/dev/null") == 0;
}

static int path_glob_any(const char *pattern)
{
    glob_t g;
    int found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    return found;
}

static int check_service(const cond_t *c, const char *root, check_outcome_t *o)
{
    char unit[300], pattern[PATH_BUF], rel[PATH_BUF];
    snprintf(unit, sizeof(unit), strchr(c->path, '.') ? "%.250s" : "%.250s.service", c->path);
    int masked = unit_masked(root, unit);
    int enabled = 0, present = 0;
    static const char *const wants[] = {"/etc/systemd/system/*.wants/%s",
                                        "/etc/systemd/system/*.requires/%s"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(rel, sizeof(rel), wants[i], unit);
        rooted(root, rel, pattern, sizeof(pattern));
        enabled |= path_glob_any(pattern);
    }
    static const char *const dirs[] = {"/etc/systemd/system/", "/run/systemd/system/",
                                       "/lib/systemd/system/", "/usr/lib/systemd/system/"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(rel, sizeof(rel), "%s%s", dirs[i], unit);
        rooted(root, rel, pattern, sizeof(pattern));
        struct stat st;
        present |= lstat(pattern, &st) == 0 && !(i == 0 && masked);
    }
    enabled &= !masked;
    const char *state = masked ? "masked" : enabled ? "enabled" : present ? "disabled" : "absent";
    int ok = strcmp(c->value, "enabled") == 0    ? enabled
             : strcmp(c->value, "masked") == 0   ? masked
             : strcmp(c->value, "disabled") == 0 ? !enabled
                                                 : !present && !enabled;
    return outcome(o, ok ? CHECK_PASS : CHECK_FAIL, "%s is %s (wanted %s)", unit, state, c->value);
}

static int check_process(const cond_t *c, const char *root, check_outcome_t *o)
{
    char dir[PATH_BUF];
    rooted(root, "/proc", dir, sizeof(dir));
    DIR *d = opendir(dir);
    int running = 0;
    struct dirent *e;
    while (d && !running && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[PATH_BUF + 300], comm[64] = "";
        snprintf(path, sizeof(path), "%s/%.32s/comm", dir, e->d_name);
        FILE *f = fopen(path, "re");
        if (f && fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = '\0';
        if (f)
            fclose(f);
        running = strcmp(comm, c->path) == 0;
    }
    if (d)
        closedir(d);
    int ok = (strcmp(c->value, "running") == 0) == running;
    return outcome(o, ok ? CHECK_PASS : CHECK_FAIL, "%s is %s (wanted %s)", c->path,
                   running ? "running" : "not running", c->value);
}

/* ---- sshd_config and login.defs ------------------------------------------------ */

typedef struct {
    const char *key;
    char value[256];
    char where[PATH_BUF + 16];
    int found;
} lookup_t;

/* sshd's compiled-in defaults (OpenSSH 9, sshd_config(5)) of the keywords
 * policies check; Debian's sshd_config sets UsePAM and KbdInteractive. */
static const char *sshd_default(const char *key)
{
    static const char *const defaults[][2] = {
        {"permitrootlogin", "prohibit-password"},
        {"passwordauthentication", "yes"},
        {"permitemptypasswords", "no"},
        {"x11forwarding", "no"},
        {"maxauthtries", "6"},
        {"logingracetime", "120"},
        {"clientaliveinterval", "0"},
        {"clientalivecountmax", "3"},
        {"ignorerhosts", "yes"},
        {"hostbasedauthentication", "no"},
        {"pubkeyauthentication", "yes"},
        {"loglevel", "INFO"},
        {"allowtcpforwarding", "yes"},
        {"permituserenvironment", "no"},
        {"maxsessions", "10"},
        {"strictmodes", "yes"},
        {"banner", "none"},
        {"usepam", "no"},
        {"allowagentforwarding", "yes"},
        {"permittunnel", "no"},
        {"maxstartups", "10:30:100"},
        {"usedns", "no"},
        {"gatewayports", "no"},
        {"kbdinteractiveauthentication", "yes"},
        {"ciphers", "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
                    "aes128-gcm@openssh.com,aes256-gcm@openssh.com"},
        {"macs", "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
                 "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
                 "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"},
    };
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (strcasecmp(key, defaults[i][0]) == 0)
            return defaults[i][1];
    return NULL;
}

/* Splits "Keyword value" or "Keyword=value"; 0 for blank and comment lines. */
static int split_keyword(char *line, char **key, char **value)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return 0;
    *key = line;
    while (*line && !isspace((unsigned char)*line) && *line != '=')
        line++;
    if (*line)
        *line++ = '\0';
    while (isspace((unsigned char)*line) || *line == '=')
        line++;
    *value = line;
    char *end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return 1;
}

/* 1 when a Match block began (the global part ends there). */
static int sshd_scan(const char *root, const char *path, lookup_t *l, int depth)
{
    char full[PATH_BUF];
    rooted(root, path, full, sizeof(full));
    size_t len;
    char *text = slurp(full, &len);
    if (!text)
        return 0;
    unsigned line_no = 0;
    int matched = 0;
    for (char *line = text; line && !matched && !l->found;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        char *key, *value;
        if (split_keyword(line, &key, &value)) {
            if (strcasecmp(key, "Match") == 0) {
                matched = 1;
            } else if (strcasecmp(key, "Include") == 0 && depth < INCLUDE_DEPTH) {
                /* each pattern; relative ones are below /etc/ssh */
                char *save = NULL;
                for (char *pat = strtok_r(value, " \t", &save); pat && !matched && !l->found;
                     pat = strtok_r(NULL, " \t", &save)) {
                    char rel[PATH_BUF], abs[PATH_BUF];
                    snprintf(rel, sizeof(rel), pat[0] == '/' ? "%s" : "/etc/ssh/%s", pat);
                    rooted(root, rel, abs, sizeof(abs));
                    glob_t g;
                    if (glob(abs, 0, NULL, &g) == 0)
                        for (size_t i = 0; i < g.gl_pathc && !matched && !l->found; i++)
                            matched = sshd_scan(
                                root, g.gl_pathv[i] + (strcmp(root, "/") ? strlen(root) : 0), l,
                                depth + 1);
                    globfree(&g);
                }
            } else if (strcasecmp(key, l->key) == 0) {
                snprintf(l->value, sizeof(l->value), "%s", value);
                snprintf(l->where, sizeof(l->where), "%s:%u", path, line_no);
                l->found = 1;
            }
        }
        line = next;
    }
    free(text);
    return matched;
}

static int check_sshd(const cond_t *c, const char *root, check_outcome_t *o)
{
    char probe[PATH_BUF];
    rooted(root, "/etc/ssh/sshd_config", probe, sizeof(probe));
    if (access(probe, F_OK))
        return outcome(o, CHECK_NOT_APPLICABLE, "/etc/ssh/sshd_config does not exist");
    lookup_t l = {.key = c->path};
    sshd_scan(root, "/etc/ssh/sshd_config", &l, 0);
    if (!l.found) {
        const char *d = sshd_default(c->path);
        if (!d)
            return outcome(o, CHECK_FAIL, "%s is not set", c->path);
        snprintf(l.value, sizeof(l.value), "%s", d);
        snprintf(l.where, sizeof(l.where), "sshd's default");
    }
    char what[PATH_BUF + 100];
    snprintf(what, sizeof(what), "%s (%s)", c->path, l.where);
    return compare(c, l.value, what, o);
}

static int check_login_defs(const cond_t *c, const char *root, check_outcome_t *o)
{
    char path[PATH_BUF];
    rooted(root, "/etc/login.defs", path, sizeof(path));
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return outcome(o, CHECK_FAIL, "/etc/login.defs does not exist");
    lookup_t l = {.key = c->path};
    unsigned line_no = 0;
    for (char *line = text; line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        char *key, *value;
        if (split_keyword(line, &key, &value) && strcmp(key, c->path) == 0) {
            snprintf(l.value, sizeof(l.value), "%s", value); /* the last one counts */
            snprintf(l.where, sizeof(l.where), "/etc/login.defs:%u", line_no);
            l.found = 1;
        }
        line = next;
    }
    free(text);
    if (!l.found)
        return outcome(o, CHECK_FAIL, "%s is not set in /etc/login.defs", c->path);
    char what[PATH_BUF + 100];
    snprintf(what, sizeof(what), "%s (%s)", c->path, l.where);
    return compare(c, l.value, what, o);
}

/* ---- PAM ------------------------------------------------------------------------ */

typedef struct {
    const cond_t *c;
    int lines;     /* lines using the module */
    char bad[256]; /* the first argument constraint a line breaks */
    char where[PATH_BUF + 16];
} pam_scan_t;

static const char *pam_arg_value(char **args, int n, const char *key)
{
    size_t kl = strlen(key);
    for (int i = 0; i < n; i++)
        if (strncmp(args[i], key, kl) == 0 && (args[i][kl] == '=' || !args[i][kl]))
            return args[i][kl] == '=' ? args[i] + kl + 1 : "";
    return NULL;
}

static void pam_check_line(pam_scan_t *s, char **args, int n, const char *where)
{
    s->lines++;
    for (size_t i = 0; i < s->c->n_args && !s->bad[0]; i++) {
        const pam_arg_t *a = &s->c->args[i];
        const char *v = pam_arg_value(args, n, a->key);
        int ok = a->kind == PAM_ARG_FLAG      ? v != NULL
                 : a->kind == PAM_ARG_NO_FLAG ? v == NULL
                 : a->kind == PAM_ARG_EQ      ? v && strcmp(v, a->value) == 0
                 : !v || !*v                  ? 0
                 : a->kind == PAM_ARG_GE      ? strtoll(v, NULL, 10) >= a->number
                                              : strtoll(v, NULL, 10) <= a->number;
        if (!ok) {
            snprintf(s->bad, sizeof(s->bad), "%s%s%s", a->kind == PAM_ARG_NO_FLAG ? "!" : "",
                     a->key,
                     a->kind == PAM_ARG_NO_FLAG ? " (present)"
                     : v && *v                  ? " (is too weak)"
                                                : " (missing)");
            snprintf(s->where, sizeof(s->where), "%s", where);
        }
    }
}

static void pam_scan(const char *root, const char *file, pam_scan_t *s, int depth)
{
    char rel[PATH_BUF], path[PATH_BUF];
    snprintf(rel, sizeof(rel), "/etc/pam.d/%s", file);
    rooted(root, rel, path, sizeof(path));
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        return;
    unsigned line_no = 0;
    for (char *line = text; line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        line[strcspn(line, "#")] = '\0';
        char *words[32];
        int n = 0;
        char *save = NULL;
        for (char *w = strtok_r(line, " \t", &save); w && n < 32; w = strtok_r(NULL, " \t", &save))
            words[n++] = w;
        if (n >= 2 && strcmp(words[0], "@include") == 0 && depth < INCLUDE_DEPTH &&
            !strchr(words[1], '/')) {
            pam_scan(root, words[1], s, depth + 1);
        } else if (n >= 3) {
            /* type control module args; control may be "[a=b c=d]" */
            int m = 2;
            if (words[1][0] == '[')
                for (m = 1; m < n && !strchr(words[m], ']'); m++)
                    ;
            if (words[1][0] == '[')
                m++;
            if (m < n) {
                const char *slash = strrchr(words[m], '/');
                const char *module = slash ? slash + 1 : words[m];
                char where[PATH_BUF + 16];
                snprintf(where, sizeof(where), "/etc/pam.d/%s:%u", file, line_no);
                if (strcmp(module, s->c->value) == 0)
                    pam_check_line(s, words + m + 1, n - m - 1, where);
            }
        }
        line = next;
    }
    free(text);
}

static int check_pam(const cond_t *c, const char *root, check_outcome_t *o)
{
    pam_scan_t s = {.c = c};
    pam_scan(root, c->path, &s, 0);
    if (!s.lines)
        return outcome(o, CHECK_FAIL, "%s is not used in /etc/pam.d/%s", c->value, c->path);
    if (s.bad[0])
        return outcome(o, CHECK_FAIL, "%s: %s breaks %s", s.where, c->value, s.bad);
    return outcome(o, CHECK_PASS, "every %s line of /etc/pam.d/%s complies", c->value, c->path);
}

/* ---- checks and reports ------------------------------------------------------------ */

static int evaluate_cond(const cond_t *c, const char *root, check_outcome_t *o)
{
    switch (c->kind) {
    case COND_SYSCTL:
        return check_sysctl(c, root, o);
    case COND_SERVICE:
        return check_service(c, root, o);
    case COND_PROCESS:
        return check_process(c, root, o);
    case COND_SSHD:
        return check_sshd(c, root, o);
    case COND_PAM:
        return check_pam(c, root, o);
    case COND_LOGIN_DEFS:
        return check_login_defs(c, root, o);
    default:
        return check_file(c, root, o);
    }
}

void baseline_evaluate(const check_t *k, const char *root, check_outcome_t *out)
{
    if (k->requires) {
        char path[PATH_BUF];
        rooted(root, k->requires, path, sizeof(path));
        if (access(path, F_OK)) {
            outcome(out, CHECK_NOT_APPLICABLE, "%s does not exist", k->requires);
            return;
        }
    }
    /* all conditions hold; the first that does not decides */
    for (size_t i = 0; i < k->n_conds; i++) {
        evaluate_cond(&k->conds[i], root, out);
        if (out->result != CHECK_PASS)
            return;
    }
}

static json_t *score(int passed, int failed)
{
    return passed + failed
               ? json_integer((passed * 100 + (passed + failed) / 2) / (passed + failed))
               : json_null();
}

json_t *baseline_report(policy_t *const *policies, size_t n, const char *root)
{
    json_t *list = json_array();
    int all[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const policy_t *p = policies[i];
        json_t *checks = json_array();
        int count[3] = {0, 0, 0};
        for (size_t j = 0; j < p->n_checks; j++) {
            const check_t *k = &p->checks[j];
            check_outcome_t o;
            baseline_evaluate(k, root, &o);
            count[o.result]++;
            json_t *item =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", k->id, "title", k->title,
                          "control", k->control, "result", check_result_name(o.result), "reason",
                          o.reason, "rationale", k->rationale, "remediation", k->remediation);
            if (item)
                json_array_append_new(checks, item);
        }
        for (int r = 0; r < 3; r++)
            all[r] += count[r];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:i, s:o}", "id", p->id,
                                        "title", p->title, "file", p->file, "score",
                                        score(count[0], count[1]), "passed", count[0], "failed",
                                        count[1], "not_applicable", count[2], "checks", checks));
    }
    return json_pack("{s:o, s:i, s:i, s:i, s:o}", "score", score(all[0], all[1]), "passed", all[0],
                     "failed", all[1], "not_applicable", all[2], "policies", list);
}
