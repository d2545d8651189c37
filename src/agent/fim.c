/*
 * fim.c — file integrity monitoring (see fim.h).
 */
#include "fim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "fim_diff.h"
#include "fim_file.h"
#include "fim_who.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"
#include "webshell.h"

#define WATCH_MASK                                                                                 \
    (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM |              \
     IN_MOVED_TO | IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)
#define QUIET_MS       300  /* a written, not yet closed file is checked after this */
#define PENDING_MAX    4096 /* beyond: a full scan instead */
#define SAVE_DELAY_MS  5000 /* the baseline is saved at most this often */
#define DIFF_MAX_LINES 50
#define DIFF_MAX_BYTES (16 * 1024)

typedef struct {
    char *path;
    int64_t since_ms;
} pending_t;

struct fim {
    struct agent *ag; /* NULL when only building a baseline */
    const agent_config_t *cfg;
    int ifd;
    fim_who_t *who; /* NULL: inotify alone, changes without their writer */
    fim_hasher_t hasher;
    fim_baseline_t base;
    char baseline_path[AGENT_PATH_MAX + 32];
    char content_dir[AGENT_PATH_MAX + 32];
    char **wd_paths; /* watch descriptor → directory */
    size_t wd_cap;
    size_t n_watches;
    int watch_limit_logged;
    uint32_t gen;
    int enabled;
    int report;    /* the scan under way reports changes (not the first) */
    int rescan;    /* a full scan is due (overflow, switch, reload) */
    int full_scan; /* one is under way */
    int64_t next_scan_ms;
    int dirty;
    int64_t save_after_ms;
    pending_t pending[PENDING_MAX];
    size_t n_pending;
    char *content; /* fim_diff_max_size + 1 bytes */
    uint64_t scanned;
};

/* ---- helpers ---------------------------------------------------------- */

static int ignored(const fim_t *f, const char *path)
{
    for (size_t i = 0; i < f->cfg->n_fim_ignores; i++)
        if (fnmatch(f->cfg->fim_ignores[i], path, 0) == 0)
            return 1;
    return 0;
}

/* Under one of the watched roots (a root itself counts). */
static int watched(const fim_t *f, const char *path)
{
    for (size_t i = 0; i < f->cfg->n_fim_paths; i++)
        if (agent_path_under(path, f->cfg->fim_paths[i]))
            return 1;
    return 0;
}

static void content_path(const fim_t *f, const char *path, char *out, size_t size)
{
    unsigned char h[SECRET_SHA256_LEN];
    char hex[2 * SECRET_SHA256_LEN + 1];
    secret_sha256(path, strlen(path), h);
    agent_hex(h, sizeof(h), hex);
    snprintf(out, size, "%s/%s", f->content_dir, hex);
}

/* The kept copy of a text file, for the next diff; removed when the file
 * is no longer a small text file. Best effort: a missing copy only means
 * no diff in the event. */
static void keep_content(const fim_t *f, const char *path, const char *data, size_t len)
{
    char file[AGENT_PATH_MAX + 128];
    content_path(f, path, file, sizeof(file));
    if (len == SIZE_MAX || !fim_is_text(data, len)) {
        unlink(file);
        return;
    }
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    if (write(fd, data, len) != (ssize_t)len)
        log_kv(LOG_LEVEL_DEBUG, "fim: copy for diffs incomplete", "path", path, NULL);
    close(fd);
}

/* The kept copy into buf; its length, or SIZE_MAX when there is none. */
static size_t load_content(const fim_t *f, const char *path, char *buf, size_t max)
{
    char file[AGENT_PATH_MAX + 128];
    content_path(f, path, file, sizeof(file));
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return SIZE_MAX;
    ssize_t n = read(fd, buf, max);
    close(fd);
    return n < 0 ? SIZE_MAX : (size_t)n;
}

static const char *kind_name(uint32_t mode)
{
    return S_ISREG(mode)    ? "file"
           : S_ISDIR(mode)  ? "directory"
           : S_ISLNK(mode)  ? "symlink"
           : S_ISFIFO(mode) ? "fifo"
           : S_ISSOCK(mode) ? "socket"
                            : "device";
}

static json_t *entry_json(const fim_t *f, const fim_entry_t *e)
{
    char mode[8], mtime[TIME_RFC3339_MAX];
    snprintf(mode, sizeof(mode), "%04o", e->mode & 07777);
    time_format_rfc3339(e->mtime_ns / 1000000, mtime);
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "type", kind_name(e->mode),
                          "mode", mode, "uid", (json_int_t)e->uid, "gid", (json_int_t)e->gid,
                          "size", (json_int_t)e->size, "inode", (json_int_t)e->ino, "links",
                          (json_int_t)e->nlink, "mtime", mtime);
    if (e->has_hash) {
        char hex[2 * FIM_HASH_LEN + 1];
        agent_hex(e->hash, FIM_HASH_LEN, hex);
        json_object_set_new(o, f->cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256",
                            json_string(hex));
    }
    return o;
}

static void report(fim_t *f, const char *change, const char *path, const fim_entry_t *before,
                   const fim_entry_t *after, const char *attributes, const char *diff)
{
    if (!f->ag || !f->report || !f->enabled)
        return;
    json_t *d = json_pack("{s:s, s:s}", "change", change, "path", path);
    if (!d) { /* a path that is not UTF-8: reported with its bytes escaped */
        char esc[AGENT_PATH_MAX * 3];
        size_t o = 0;
        for (const char *p = path; *p && o + 4 < sizeof(esc); p++)
            o += (unsigned char)*p < 0x80
                     ? (size_t)snprintf(esc + o, 2, "%c", *p)
                     : (size_t)snprintf(esc + o, 5, "\\x%02x", (unsigned char)*p);
        d = json_pack("{s:s, s:s}", "change", change, "path", esc);
        path = json_string_value(json_object_get(d, "path"));
    }
    if (attributes)
        json_object_set_new(d, "attributes", json_string(attributes));
    if (before)
        json_object_set_new(d, "before", entry_json(f, before));
    if (after)
        json_object_set_new(d, "after", entry_json(f, after));
    if (diff && *diff)
        json_object_set_new(d, "diff", json_string(diff));
    { /* the kernel's word on who did it (fim_who.h) */
        fim_who_drain(f->who);
        json_t *writer = fim_who_lookup(f->who, path, time_now_ms());
        if (writer)
            json_object_set_new(d, "process", writer);
    }
    char detection[32];
    snprintf(detection, sizeof(detection), "fim.%s", change);
    agent_emit(f->ag, "fim", detection, "detect", path, NULL, d);
}

/* A script file under a web root, new or changed (or any at a full scan):
 * matched against the webshell rules. */
static void check_webshell(fim_t *f, const char *path, const fim_entry_t *e)
{
    struct agent *ag = f->ag;
    if (!ag || !ag->webshell || !ag->caps.webshell || !S_ISREG(e->mode) ||
        !webshell_is_script(path))
        return;
    int in_root = 0;
    for (size_t i = 0; i < f->cfg->n_webshell_roots && !in_root; i++)
        in_root = agent_path_under(path, f->cfg->webshell_roots[i]);
    if (!in_root)
        return;
    char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX];
    webshell_heur_t heur;
    int n =
        webshell_check_file(ag->webshell, path, names, f->cfg->webshell_heuristics ? &heur : NULL);
    if (n < 0)
        log_kv(LOG_LEVEL_WARN, "webshell: scan failed", "path", path, NULL);
    int suspicious = f->cfg->webshell_heuristics && heur.score >= WEBSHELL_HEUR_THRESHOLD;
    if (n <= 0 && !suspicious)
        return;
    json_t *rules = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(rules, json_string(names[i]));
    json_t *d = json_pack("{s:s, s:o}", "path", path, "rules", rules);
    if (!d)
        return;
    if (f->cfg->webshell_heuristics && heur.n) {
        json_t *traits = json_array();
        for (int i = 0; i < heur.n; i++)
            json_array_append_new(traits, json_string(heur.traits[i]));
        json_object_set_new(d, "heuristics",
                            json_pack("{s:i, s:o, s:f, s:I}", "score", heur.score, "traits", traits,
                                      "entropy", heur.entropy, "longest_line",
                                      (json_int_t)heur.longest_line));
    }
    if (n <= 0) /* the heuristics alone */
        snprintf(names[0], WEBSHELL_RULE_MAX, "heuristic");
    if (e->has_hash) {
        char hex[2 * FIM_HASH_LEN + 1];
        agent_hex(e->hash, FIM_HASH_LEN, hex);
        json_object_set_new(d, f->cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256",
                            json_string(hex));
    }
    char detection[WEBSHELL_RULE_MAX + 16];
    snprintf(detection, sizeof(detection), "webshell.%s", names[0]);
    log_kv(LOG_LEVEL_WARN, "webshell: suspicious script", "path", path, "rule", names[0], NULL);
    agent_emit(ag, "webshell", detection, "detect", path, NULL, d);
}

/* ---- watches ---------------------------------------------------------- */

static void add_watch(fim_t *f, const char *dir)
{
    if (f->ifd < 0)
        return;
    fim_who_watch(f->who, dir);
    int wd = inotify_add_watch(f->ifd, dir, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC && !f->watch_limit_logged) {
            log_kv(LOG_LEVEL_WARN,
                   "fim: inotify watch limit reached; the scheduled scans cover the rest",
                   "watches", LOG_INT(f->n_watches), "dir", dir, NULL);
            f->watch_limit_logged = 1;
        }
        return;
    }
    if ((size_t)wd >= f->wd_cap) {
        size_t cap = f->wd_cap ? f->wd_cap : 1024;
        while (cap <= (size_t)wd)
            cap *= 2;
        char **grown = realloc(f->wd_paths, cap * sizeof(*grown));
        if (!grown)
            return;
        memset(grown + f->wd_cap, 0, (cap - f->wd_cap) * sizeof(*grown));
        f->wd_paths = grown;
        f->wd_cap = cap;
    }
    if (!f->wd_paths[wd])
        f->n_watches++;
    free(f->wd_paths[wd]); /* the same directory again, or a renamed one */
    f->wd_paths[wd] = strdup(dir);
}

/* ---- checking one path ------------------------------------------------ */

static void walk(fim_t *f, char *path, size_t len, int depth);

/* Brings the baseline entry of path up to date, reporting the change. */
static void check_path(fim_t *f, char *path, int recurse)
{
    if (ignored(f, path) || !watched(f, path))
        return;
    fim_entry_t now;
    memset(&now, 0, sizeof(now));
    size_t clen = SIZE_MAX;
    int want_content = f->ag && f->cfg->fim_diff_max_size > 0;
    fim_file_status_t st = fim_file_read(&f->hasher, path, &now, want_content ? f->content : NULL,
                                         f->cfg->fim_diff_max_size, &clen);
    f->scanned++;
    fim_entry_t *old = fim_baseline_get(&f->base, path);
    if (st == FIM_FILE_GONE) {
        if (old) {
            report(f, "deleted", path, old, NULL, NULL, NULL);
            if (want_content && S_ISREG(old->mode))
                keep_content(f, path, NULL, SIZE_MAX);
            fim_baseline_remove(&f->base, path);
            f->dirty = 1;
        }
        return;
    }
    if (st == FIM_FILE_ERROR)
        return;
    now.path = path;
    now.seen = f->gen;
    if (!old) {
        report(f, "added", path, NULL, &now, NULL, NULL);
    } else if (!fim_entry_same(old, &now)) {
        char attrs[128];
        fim_entry_differences(old, &now, attrs, sizeof(attrs));
        strbuf_t diff;
        strbuf_init(&diff, DIFF_MAX_BYTES);
        if (want_content && clen != SIZE_MAX && strstr(attrs, "hash")) {
            char *prev = malloc(f->cfg->fim_diff_max_size + 1);
            size_t plen = prev ? load_content(f, path, prev, f->cfg->fim_diff_max_size) : SIZE_MAX;
            if (plen != SIZE_MAX && fim_is_text(prev, plen) && fim_is_text(f->content, clen))
                fim_diff_text(prev, plen, f->content, clen, DIFF_MAX_LINES, &diff);
            free(prev);
        }
        report(f, "modified", path, old, &now, attrs, diff.failed ? NULL : diff.data);
        strbuf_free(&diff);
    }
    if (!old || !fim_entry_same(old, &now))
        f->dirty = 1;
    if (!old || f->full_scan || old->has_hash != now.has_hash ||
        memcmp(old->hash, now.hash, FIM_HASH_LEN) != 0)
        check_webshell(f, path, &now);
    if (want_content && S_ISREG(now.mode) && (!old || !fim_entry_same(old, &now)))
        keep_content(f, path, f->content, clen);
    if (!fim_baseline_put(&f->base, &now))
        log_kv(LOG_LEVEL_ERROR, "fim: out of memory for the baseline", NULL);
    if (recurse && S_ISDIR(now.mode)) {
        size_t len = strlen(path);
        walk(f, path, len, 0);
    }
}

/* Walks the directory path (a PATH_MAX buffer holding len bytes): watches
 * it and checks every entry. Depth is bounded by PATH_MAX. */
static void walk(fim_t *f, char *path, size_t len, int depth)
{
    add_watch(f, path);
    DIR *d = opendir(path);
    if (!d) {
        log_kv(LOG_LEVEL_DEBUG, "fim: directory not readable", "dir", path, "error",
               strerror(errno), NULL);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
            continue;
        size_t n = strlen(name);
        if (len + 1 + n >= PATH_MAX)
            continue;
        char *end = path + len;
        if (len > 1 || path[0] != '/')
            *end++ = '/';
        memcpy(end, name, n + 1);
        size_t sub_len = (size_t)(end - path) + n;
        if (!ignored(f, path)) {
            check_path(f, path, 0);
            fim_entry_t *e = fim_baseline_get(&f->base, path);
            if (e && S_ISDIR(e->mode))
                walk(f, path, sub_len, depth + 1);
        }
        path[len] = '\0';
    }
    closedir(d);
}

/* ---- full scans ------------------------------------------------------- */

typedef struct {
    fim_t *f;
    char **gone;
    size_t n, cap;
} sweep_t;

static void collect_unseen(void *ctx, fim_entry_t *e)
{
    sweep_t *s = ctx;
    if (e->seen == s->f->gen)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **grown = realloc(s->gone, cap * sizeof(*grown));
        if (!grown)
            return;
        s->gone = grown;
        s->cap = cap;
    }
    s->gone[s->n++] = strdup(e->path);
}

static void full_scan(fim_t *f)
{
    int64_t started = time_mono_ns();
    f->gen++;
    f->scanned = 0;
    f->rescan = 0;
    f->full_scan = 1;
    char path[PATH_MAX];
    for (size_t i = 0; i < f->cfg->n_fim_paths; i++) {
        snprintf(path, sizeof(path), "%s", f->cfg->fim_paths[i]);
        check_path(f, path, 1);
    }
    /* what the walk did not meet is gone (or now ignored) */
    sweep_t s = {.f = f};
    fim_baseline_each(&f->base, collect_unseen, &s);
    for (size_t i = 0; i < s.n; i++) {
        if (s.gone[i]) {
            fim_entry_t *e = fim_baseline_get(&f->base, s.gone[i]);
            if (e && watched(f, s.gone[i]) && !ignored(f, s.gone[i]))
                report(f, "deleted", s.gone[i], e, NULL, NULL, NULL);
            fim_baseline_remove(&f->base, s.gone[i]);
            f->dirty = 1;
        }
        free(s.gone[i]);
    }
    free(s.gone);
    f->full_scan = 0;
    log_kv(LOG_LEVEL_INFO, "fim: scan done", "entries", LOG_INT(f->base.count), "checked",
           LOG_INT(f->scanned), "watches", LOG_INT(f->n_watches), "ms",
           LOG_INT((time_mono_ns() - started) / 1000000), NULL);
}

static void save(fim_t *f)
{
    if (fim_baseline_save(&f->base, f->baseline_path,
                          f->cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256"))
        log_kv(LOG_LEVEL_ERROR, "fim: cannot save the baseline", "file", f->baseline_path, "error",
               strerror(errno), NULL);
    f->dirty = 0;
}

/* ---- the interface ---------------------------------------------------- */

static fim_t *fim_new(const agent_config_t *cfg)
{
    fim_t *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->cfg = cfg;
    f->ifd = -1;
    fim_baseline_init(&f->base);
    if (fim_hasher_init(&f->hasher, cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256",
                        cfg->fim_hash_max_size)) {
        log_kv(LOG_LEVEL_ERROR, "fim: the hash algorithm is not available in OpenSSL", "hash",
               cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256", NULL);
        free(f);
        return NULL;
    }
    return f;
}

fim_t *fim_open(struct agent *ag)
{
    fim_t *f = fim_new(&ag->cfg);
    if (!f)
        return NULL;
    f->ag = ag;
    f->enabled = 1;
    f->content = malloc(ag->cfg.fim_diff_max_size + 1);
    f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (!f->content || f->ifd < 0) {
        log_kv(LOG_LEVEL_ERROR, "fim: cannot start inotify", "error", strerror(errno), NULL);
        fim_close(f);
        return NULL;
    }
    if (ag->cfg.fim_attribution)
        f->who = fim_who_open();
    snprintf(f->baseline_path, sizeof(f->baseline_path), "%s/fim.baseline", ag->cfg.state_dir);
    snprintf(f->content_dir, sizeof(f->content_dir), "%s/fim-content", ag->cfg.state_dir);
    if (mkdir(f->content_dir, 0700) && errno != EEXIST)
        log_kv(LOG_LEVEL_WARN, "fim: no directory for diffs", "dir", f->content_dir, NULL);
    return f;
}

void fim_close(fim_t *f)
{
    if (!f)
        return;
    if (f->ag && f->dirty)
        save(f);
    if (f->ifd >= 0)
        close(f->ifd);
    fim_who_close(f->who);
    for (size_t i = 0; i < f->wd_cap; i++)
        free(f->wd_paths[i]);
    free(f->wd_paths);
    for (size_t i = 0; i < f->n_pending; i++)
        free(f->pending[i].path);
    fim_baseline_free(&f->base);
    fim_hasher_free(&f->hasher);
    free(f->content);
    free(f);
}

int fim_fd(const fim_t *f)
{
    return f->ifd;
}

void fim_start(fim_t *f)
{
    const char *algo = f->cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256";
    int rc = fim_baseline_load(&f->base, f->baseline_path, algo);
    if (rc < 0)
        log_kv(LOG_LEVEL_WARN, "fim: baseline unreadable or of another hash; building a new one",
               "file", f->baseline_path, NULL);
    /* the first baseline reports nothing: there is nothing to compare to */
    f->report = rc == 0;
    if (f->enabled && f->cfg->n_fim_paths) {
        full_scan(f);
        save(f);
    }
    f->report = 1;
    f->next_scan_ms = time_now_ms() + f->cfg->fim_scan_interval_s * 1000LL;
}

static void add_pending(fim_t *f, const char *path)
{
    for (size_t i = 0; i < f->n_pending; i++)
        if (strcmp(f->pending[i].path, path) == 0) {
            f->pending[i].since_ms = time_now_ms();
            return;
        }
    if (f->n_pending == PENDING_MAX) {
        f->rescan = 1;
        return;
    }
    f->pending[f->n_pending].path = strdup(path);
    if (f->pending[f->n_pending].path)
        f->pending[f->n_pending++].since_ms = time_now_ms();
}

void fim_on_readable(fim_t *f)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    fim_who_drain(f->who); /* the writers of what follows; also keeps the queue short */
    for (;;) {
        ssize_t n = read(f->ifd, buf, sizeof(buf));
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                log_kv(LOG_LEVEL_WARN, "fim: inotify queue overflow; a full scan follows", NULL);
                f->rescan = 1;
                continue;
            }
            if (ev->wd < 0 || (size_t)ev->wd >= f->wd_cap || !f->wd_paths[ev->wd])
                continue;
            if (ev->mask & IN_IGNORED) {
                free(f->wd_paths[ev->wd]);
                f->wd_paths[ev->wd] = NULL;
                f->n_watches--;
                continue;
            }
            if (!f->enabled || !ev->len)
                continue;
            char path[PATH_MAX];
            int w = snprintf(path, sizeof(path), "%s/%s", f->wd_paths[ev->wd], ev->name);
            if (w < 0 || (size_t)w >= sizeof(path))
                continue;
            /* a file being written (or just created, before its first
             * close) is checked at its close or once quiet: one event
             * for "created with this content", not two */
            if (ev->mask == IN_MODIFY || ev->mask == IN_CREATE)
                add_pending(f, path);
            else
                check_path(f, path, (ev->mask & (IN_CREATE | IN_MOVED_TO)) != 0);
        }
    }
}

void fim_tick(fim_t *f, int64_t now)
{
    if (!f->enabled)
        return;
    for (size_t i = 0; i < f->n_pending;) {
        if (now - f->pending[i].since_ms >= QUIET_MS) {
            char *path = f->pending[i].path;
            f->pending[i] = f->pending[--f->n_pending];
            check_path(f, path, 0);
            free(path);
        } else {
            i++;
        }
    }
    if (f->rescan || now >= f->next_scan_ms) {
        full_scan(f);
        f->next_scan_ms = now + f->cfg->fim_scan_interval_s * 1000LL;
    }
    if (f->dirty && now >= f->save_after_ms) {
        save(f);
        f->save_after_ms = now + SAVE_DELAY_MS;
    }
}

void fim_set_enabled(fim_t *f, int enabled)
{
    if (enabled && !f->enabled)
        f->rescan = 1;
    f->enabled = enabled;
}

void fim_request_scan(fim_t *f)
{
    f->rescan = 1;
}

int fim_enabled(const fim_t *f)
{
    return f->enabled && f->cfg->n_fim_paths > 0;
}

void fim_reconfigure(fim_t *f, const agent_config_t *cfg)
{
    char *grown = realloc(f->content, cfg->fim_diff_max_size + 1);
    if (!grown) {
        log_kv(LOG_LEVEL_ERROR, "fim: out of memory; the previous settings stay", NULL);
        return;
    }
    f->content = grown;
    f->cfg = cfg;
    f->hasher.hash_max = cfg->fim_hash_max_size;
    f->rescan = 1;
}

int fim_build_baseline(const agent_config_t *cfg, const char *root, const char *out_path,
                       uint64_t *entries)
{
    static agent_config_t one;
    one = *cfg;
    snprintf(one.fim_paths[0], sizeof(one.fim_paths[0]), "%s", root);
    one.n_fim_paths = 1;
    fim_t *f = fim_new(&one);
    if (!f)
        return -1;
    full_scan(f);
    *entries = f->base.count;
    int rc =
        fim_baseline_save(&f->base, out_path, cfg->fim_hash == FIM_HASH_SM3 ? "sm3" : "sha256");
    fim_close(f);
    return rc;
}
