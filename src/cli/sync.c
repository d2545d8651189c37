/*
 * sync.c — `rampart sync`: the gateway side of distribution.
 *
 * Runs next to nginx on every gateway host. It long-polls rampartd for
 * the distribution bundle (GET /api/v1/bundle?since=V&wait=S, gateway
 * token), checks it exactly as rampartd does (hash, fields, every policy
 * compiled by the engine — bundle.c), installs it atomically and makes
 * nginx use it:
 *
 *   DIR/versions/V-HASH/bundle.json      what rampartd sent
 *   DIR/versions/V-HASH/switches         per-app protection switches, read by
 *                                        every worker (rampart_switches)
 *   DIR/versions/V-HASH/policies/P.policy
 *   DIR/versions/V-HASH/nginx/servers.conf  one server per host, a location
 *                                        per application
 *   DIR/current -> versions/V-HASH       swapped with rename(2)
 *
 * A version directory is complete before `current` points at it, and the
 * swap is one rename, so nginx and its workers only ever see a whole
 * bundle. When servers.conf changed (an application or a policy name
 * added or removed), nginx's master gets SIGHUP: it compiles the new
 * configuration while the old workers keep serving, then replaces them
 * gracefully (a configuration that fails keeps the old workers). When
 * only policy texts or switches changed, nothing is signalled: every
 * worker re-reads the switches file within 100 ms, and swaps in a policy
 * whose text changed within 100 ms too (docs/NGINX.md, "Policy changes"),
 * so keep-alive connections stay open. Every poll checks the gateway in
 * (its id, name, and the version and hash it runs).
 *
 * Beside it, a thread keeps the identity files (sync_identity.h): the
 * revocation list, long-polled, and the session and upstream keys. And
 * DIR/data-keys (sync_data_keys.h): the applications' field encryption keys.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "idrev_stream.h"
#include "sync.h"
#include "sync_data_keys.h"
#include "sync_identity.h"
#include "sync_revredis.h"

#define MAX_BUNDLE  (64u * 1024 * 1024)
#define KEEP_OLD    3
#define MAX_LISTENS 8
#define RETRY_PAUSE 1

typedef struct {
    const char *url, *token_file, *gateway_id, *name, *nginx_pid, *server_include, *redis;
    uid_t key_uid; /* --key-owner, or (uid_t)-1 */
    gid_t key_gid;
    const char *listen[MAX_LISTENS];
    int n_listen;
    int wait_s, once;
    char dir[PATH_MAX];
    char token[256];
} sync_opts_t;

typedef struct {
    long long version;
    char hash[65];
    char dir_name[96]; /* versions/<this> */
    json_t *bundle;    /* installed, verified */
    long long refused; /* a version refused: wait for a newer one */
} installed_t;

/* How often the data keys are fetched when no bundle changes (seconds). */
#define DATA_KEYS_EVERY 300

static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const char *level, const char *fmt, ...)
{
    char t[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(stderr, "time=%s level=%s msg=\"", t, level);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\"\n", stderr);
}

/* ---- files ------------------------------------------------------------ */

static int write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    int ok = fsync(fd) == 0;
    return close(fd) == 0 && ok ? 0 : -1;
}

static char *read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- what a bundle becomes on disk ------------------------------------ */

/* "APP waf=MODE identity=MODE ..." per application: the module's format
 * (docs/NGINX.md, rampart_switches). */
static char *switches_text(json_t *bundle)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    len += (size_t)snprintf(out, cap, "# rampart switches: bundle %lld %s\n",
                            (long long)json_integer_value(json_object_get(bundle, "version")),
                            json_string_value(json_object_get(bundle, "hash")));
    size_t i;
    json_t *app;
    json_array_foreach(json_object_get(bundle, "apps"), i, app)
    {
        char line[512];
        int n = snprintf(line, sizeof(line), "%s", json_string_value(json_object_get(app, "name")));
        json_t *sw = json_object_get(app, "switches");
        for (int p = 0; p < BUNDLE_PROTECTIONS; p++) {
            /* a bundle from an older control plane lacks the newer ones */
            const char *mode = json_string_value(json_object_get(sw, bundle_protections[p]));
            n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%s", bundle_protections[p],
                          mode ? mode : bundle_protection_defaults[p]);
        }
        n += snprintf(line + n, sizeof(line) - (size_t)n, "\n");
        if (len + (size_t)n + 1 > cap) {
            cap = (len + (size_t)n + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        memcpy(out + len, line, (size_t)n + 1);
        len += (size_t)n;
    }
    return out;
}

typedef struct {
    FILE *f;
    const sync_opts_t *o;
} conf_t;

static void location(conf_t *c, json_t *app)
{
    const char *policy = json_string_value(json_object_get(app, "policy"));
    fprintf(c->f, "    location ^~ %s {\n", json_string_value(json_object_get(app, "path_prefix")));
    fprintf(c->f, "        rampart on;\n        rampart_app %s;\n",
            json_string_value(json_object_get(app, "name")));
    if (policy)
        fprintf(c->f, "        rampart_policy %s/current/policies/%s.policy;\n", c->o->dir, policy);
    fprintf(c->f,
            "        proxy_pass %s;\n"
            "        proxy_http_version 1.1;\n"
            "        proxy_set_header Connection \"\";\n"
            "        proxy_set_header Host $host;\n"
            "        proxy_set_header X-Real-IP $remote_addr;\n"
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "    }\n",
            json_string_value(json_object_get(app, "upstream")));
}

/* 1 when an app of `host` (not "*") has this prefix: it wins over "*". */
static int host_has_prefix(json_t *apps, const char *host, const char *prefix)
{
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "host")), host) == 0 &&
            strcmp(json_string_value(json_object_get(a, "path_prefix")), prefix) == 0)
            return 1;
    }
    return 0;
}

/* One server for a host ("*": the default server) with its apps and the
 * "*" apps whose prefix it does not claim itself. */
static void server(conf_t *c, json_t *apps, const char *host)
{
    int any = strcmp(host, "*") == 0;
    fputs("server {\n", c->f);
    for (int i = 0; i < c->o->n_listen; i++)
        fprintf(c->f, "    listen %s%s;\n", c->o->listen[i], any ? " default_server" : "");
    fprintf(c->f, "    server_name %s;\n", any ? "_" : host);
    if (c->o->server_include)
        fprintf(c->f, "    include %s;\n", c->o->server_include);
    int has_root = 0;
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a)
    {
        const char *h = json_string_value(json_object_get(a, "host"));
        const char *prefix = json_string_value(json_object_get(a, "path_prefix"));
        int mine = strcmp(h, host) == 0;
        if (!mine && !(strcmp(h, "*") == 0 && !host_has_prefix(apps, host, prefix)))
            continue;
        location(c, a);
        has_root |= strcmp(prefix, "/") == 0;
    }
    if (!has_root)
        fputs("    location / { return 404; }\n", c->f);
    fputs("}\n", c->f);
}

static int seen_host_before(json_t *apps, size_t upto, const char *host)
{
    for (size_t j = 0; j < upto; j++)
        if (strcmp(json_string_value(json_object_get(json_array_get(apps, j), "host")), host) == 0)
            return 1;
    return 0;
}

static int write_servers(const sync_opts_t *o, json_t *bundle, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    conf_t c = {f, o};
    json_t *apps = json_object_get(bundle, "apps");
    fprintf(f, "# generated by rampart sync from bundle %lld — do not edit\n",
            (long long)json_integer_value(json_object_get(bundle, "version")));
    server(&c, apps, "*");
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a)
    {
        const char *h = json_string_value(json_object_get(a, "host"));
        if (strcmp(h, "*") != 0 && !seen_host_before(apps, i, h))
            server(&c, apps, h);
    }
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* ---- installing -------------------------------------------------------- */

static int write_version_dir(const sync_opts_t *o, json_t *bundle, const char *text,
                             const char *dir)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof(path), "%s/policies", dir);
    if (mkdir(dir, 0755) != 0 || mkdir(path, 0755) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/nginx", dir);
    if (mkdir(path, 0755) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/bundle.json", dir);
    if (write_file(path, text, strlen(text)) != 0)
        return -1;
    char *sw = switches_text(bundle);
    snprintf(path, sizeof(path), "%s/switches", dir);
    int rc = sw ? write_file(path, sw, strlen(sw)) : -1;
    free(sw);
    if (rc != 0)
        return -1;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(bundle, "policies"), i, p)
    {
        snprintf(path, sizeof(path), "%s/policies/%s.policy", dir,
                 json_string_value(json_object_get(p, "name")));
        json_t *t = json_object_get(p, "text");
        if (write_file(path, json_string_value(t), json_string_length(t)) != 0)
            return -1;
    }
    snprintf(path, sizeof(path), "%s/nginx/servers.conf", dir);
    return write_servers(o, bundle, path);
}

/* Points DIR/current at versions/name with one rename. */
static int swap_current(const sync_opts_t *o, const char *name)
{
    char link[PATH_MAX + 64], tmp[PATH_MAX + 64], target[160];
    snprintf(link, sizeof(link), "%s/current", o->dir);
    snprintf(tmp, sizeof(tmp), "%s/.current.tmp", o->dir);
    snprintf(target, sizeof(target), "versions/%s", name);
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, link) != 0)
        return -1;
    int fd = open(o->dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}

/* Removes version directories but the current one and the KEEP_OLD
 * newest others (kept for a look and a quick manual rollback). */
static void prune(const sync_opts_t *o, const char *current)
{
    char vdir[PATH_MAX + 16];
    snprintf(vdir, sizeof(vdir), "%s/versions", o->dir);
    DIR *d = opendir(vdir);
    if (!d)
        return;
    struct {
        char name[256];
        long long v;
    } list[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, current) == 0)
            continue;
        snprintf(list[n].name, sizeof(list[n].name), "%s", e->d_name);
        list[n].v = atoll(e->d_name);
        n++;
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        int newer = 0;
        for (int j = 0; j < n; j++)
            newer += list[j].v > list[i].v;
        if (newer >= KEEP_OLD) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof(path), "%s/%s", vdir, list[i].name);
            remove_tree(path);
        }
    }
}

/* What makes nginx's configuration differ: servers.conf only. A policy
 * changed under the same name is read by every worker from
 * current/policies/ on its own (docs/NGINX.md, "Policy changes"): no
 * reload, so keep-alive connections stay open; a new or removed policy
 * name changes servers.conf. */
static int needs_reload(const installed_t *old, const sync_opts_t *o, const char *new_dir)
{
    if (!old->bundle)
        return 1;
    char a[PATH_MAX + 200], b[PATH_MAX + 200];
    snprintf(a, sizeof(a), "%s/versions/%s/nginx/servers.conf", o->dir, old->dir_name);
    snprintf(b, sizeof(b), "%s/nginx/servers.conf", new_dir);
    char *ta = read_file(a, MAX_BUNDLE, NULL), *tb = read_file(b, MAX_BUNDLE, NULL);
    /* the first line names the version; compare what follows */
    const char *ra = ta ? strchr(ta, '\n') : NULL, *rb = tb ? strchr(tb, '\n') : NULL;
    int differ = !ra || !rb || strcmp(ra, rb) != 0;
    free(ta);
    free(tb);
    return differ;
}

static void reload_nginx(const sync_opts_t *o)
{
    if (!o->nginx_pid) {
        say("info", "no --nginx-pid: reload nginx to apply the new configuration");
        return;
    }
    char *text = read_file(o->nginx_pid, 64, NULL);
    long pid = text ? strtol(text, NULL, 10) : 0;
    free(text);
    if (pid <= 1) {
        say("info", "nginx not running (no pid in %s); it loads the bundle when it starts",
            o->nginx_pid);
        return;
    }
    if (kill((pid_t)pid, SIGHUP) != 0)
        say("error", "cannot signal nginx (pid %ld): %s", pid, strerror(errno));
    else
        say("info", "nginx reloading (pid %ld)", pid);
}

/* Verifies and installs; 0 installed (or already running), -1 refused. */
static int install(const sync_opts_t *o, installed_t *cur, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *bundle = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    char why[600];
    if (!bundle) {
        say("error", "bundle refused: not JSON (%s)", jerr.text);
        return -1;
    }
    json_t *trusted = cur->bundle ? json_object_get(cur->bundle, "policies") : NULL;
    if (bundle_verify(bundle, trusted, why, sizeof(why)) != 0) {
        say("error", "bundle refused, keeping version %lld: %s", cur->version, why);
        cur->refused = json_integer_value(json_object_get(bundle, "version"));
        json_decref(bundle);
        return -1;
    }
    long long version = json_integer_value(json_object_get(bundle, "version"));
    const char *hash = json_string_value(json_object_get(bundle, "hash"));
    if (strcmp(hash, cur->hash) == 0) {
        json_decref(bundle);
        return 0;
    }
    char name[96], dir[PATH_MAX + 128], vdir[PATH_MAX + 16];
    snprintf(name, sizeof(name), "%lld-%.12s", version, hash);
    snprintf(vdir, sizeof(vdir), "%s/versions", o->dir);
    mkdir(vdir, 0755);
    snprintf(dir, sizeof(dir), "%s/.%s.tmp", vdir, name);
    remove_tree(dir);
    char final[PATH_MAX + 128];
    snprintf(final, sizeof(final), "%s/%s", vdir, name);
    if (write_version_dir(o, bundle, text, dir) != 0) {
        say("error", "cannot write %s: %s", dir, strerror(errno));
        remove_tree(dir);
        json_decref(bundle);
        return -1;
    }
    remove_tree(final);
    if (rename(dir, final) != 0 || swap_current(o, name) != 0) {
        say("error", "cannot install %s: %s", final, strerror(errno));
        remove_tree(dir);
        json_decref(bundle);
        return -1;
    }
    int reload = needs_reload(cur, o, final);
    say("info", "bundle %lld installed (%s)%s", version, hash,
        reload ? "" : "; no reload: the workers re-read switches and policies");
    if (reload)
        reload_nginx(o);
    json_decref(cur->bundle);
    cur->bundle = bundle;
    cur->version = version;
    snprintf(cur->hash, sizeof(cur->hash), "%s", hash);
    snprintf(cur->dir_name, sizeof(cur->dir_name), "%s", name);
    prune(o, name);
    return 0;
}

/* The bundle DIR/current holds, after a restart of the sync. */
static void load_installed(const sync_opts_t *o, installed_t *cur)
{
    char link[PATH_MAX + 16], target[PATH_MAX], path[PATH_MAX + 32];
    snprintf(link, sizeof(link), "%s/current", o->dir);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 9 || strncmp(target, "versions/", 9) != 0)
        return;
    target[n] = '\0';
    snprintf(path, sizeof(path), "%s/bundle.json", link);
    size_t len;
    char *text = read_file(path, MAX_BUNDLE, &len);
    json_t *bundle = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    char why[600];
    if (!bundle || bundle_verify(bundle, NULL, why, sizeof(why)) != 0) {
        json_decref(bundle);
        return;
    }
    cur->bundle = bundle;
    cur->version = json_integer_value(json_object_get(bundle, "version"));
    snprintf(cur->hash, sizeof(cur->hash), "%s",
             json_string_value(json_object_get(bundle, "hash")));
    snprintf(cur->dir_name, sizeof(cur->dir_name), "%s", target + 9);
}

/* ---- HTTP -------------------------------------------------------------- */

/* A growing answer body, capped at MAX_BUNDLE (sync.h). */
size_t sync_collect(char *ptr, size_t size, size_t n, void *arg)
{
    sync_body_t *b = arg;
    size_t add = size * n;
    if (b->len + add > MAX_BUNDLE) {
        b->too_large = 1;
        return 0;
    }
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* One poll: GET the bundle; returns the HTTP status (0: no answer). */
static long poll_once(CURL *curl, const sync_opts_t *o, const installed_t *cur, sync_body_t *body)
{
    char *id = curl_easy_escape(curl, o->gateway_id, 0);
    char *name = curl_easy_escape(curl, o->name ? o->name : o->gateway_id, 0);
    char url[2048];
    snprintf(url, sizeof(url),
             "%s/api/v1/bundle?since=%lld&wait=%d&gateway=%s&name=%s&running=%lld%s%s", o->url,
             cur->refused > cur->version ? cur->refused : cur->version, o->once ? 0 : o->wait_s,
             id ? id : "", name ? name : "", cur->version, cur->hash[0] ? "&running_hash=" : "",
             cur->hash);
    curl_free(id);
    curl_free(name);
    char auth[300];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sync_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)o->wait_s + 15L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    explicit_bzero(auth, sizeof(auth));
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else
        say("warn", "rampartd did not answer: %s", curl_easy_strerror(rc));
    return status;
}

/* ---- the command -------------------------------------------------------- */

static void usage(void)
{
    fputs("usage: rampart sync --url URL --token-file FILE --dir DIR --gateway-id ID\n"
          "                    [--name NAME] [--listen ADDR:PORT]... [--server-include FILE]\n"
          "                    [--nginx-pid FILE] [--wait SECONDS] [--once]\n"
          "                    [--redis redis://HOST[:PORT][/DB]] [--key-owner USER]\n",
          stderr);
}

static int parse_opts(int argc, char **argv, sync_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->wait_s = 25;
    o->key_uid = (uid_t)-1;
    o->key_gid = (gid_t)-1;
    const char *dir = NULL, *key_owner = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--once") == 0) {
            o->once = 1;
            continue;
        }
        if (!v) {
            usage();
            return -1;
        }
        i++;
        if (strcmp(a, "--url") == 0)
            o->url = v;
        else if (strcmp(a, "--token-file") == 0)
            o->token_file = v;
        else if (strcmp(a, "--dir") == 0)
            dir = v;
        else if (strcmp(a, "--gateway-id") == 0)
            o->gateway_id = v;
        else if (strcmp(a, "--name") == 0)
            o->name = v;
        else if (strcmp(a, "--nginx-pid") == 0)
            o->nginx_pid = v;
        else if (strcmp(a, "--server-include") == 0)
            o->server_include = v;
        else if (strcmp(a, "--wait") == 0)
            o->wait_s = atoi(v);
        else if (strcmp(a, "--redis") == 0)
            o->redis = v;
        else if (strcmp(a, "--key-owner") == 0)
            key_owner = v;
        else if (strcmp(a, "--listen") == 0 && o->n_listen < MAX_LISTENS)
            o->listen[o->n_listen++] = v;
        else {
            usage();
            return -1;
        }
    }
    char why[200];
    if (!o->url || !o->token_file || !dir || !o->gateway_id) {
        usage();
        return -1;
    }
    if (!bundle_valid_name(o->gateway_id, why, sizeof(why)) ||
        (o->name && !bundle_valid_name(o->name, why, sizeof(why)))) {
        fprintf(stderr, "rampart sync: --gateway-id and --name %s\n", why);
        return -1;
    }
    if (o->wait_s < 1 || o->wait_s > 25) {
        fprintf(stderr, "rampart sync: --wait takes 1 to 25 seconds\n");
        return -1;
    }
    if (key_owner) {
        /* the nginx workers' user reads the key files (mode 0600) */
        struct passwd *pw = getpwnam(key_owner);
        if (!pw) {
            fprintf(stderr, "rampart sync: --key-owner: no user %s\n", key_owner);
            return -1;
        }
        o->key_uid = pw->pw_uid;
        o->key_gid = pw->pw_gid;
    }
    idrev_redis_addr_t redis_addr;
    if (o->redis && idrev_redis_parse_url(o->redis, &redis_addr, why, sizeof(why))) {
        fprintf(stderr, "rampart sync: --redis: %s\n", why);
        return -1;
    }
    if (o->n_listen == 0)
        o->listen[o->n_listen++] = "80";
    for (int i = 0; i < o->n_listen; i++)
        if (strspn(o->listen[i], "0123456789.:[]abcdefABCDEF") != strlen(o->listen[i])) {
            fprintf(stderr, "rampart sync: --listen takes ADDR:PORT or PORT\n");
            return -1;
        }
    if (o->server_include && strpbrk(o->server_include, " \t;{}\"'#$\\\n")) {
        fprintf(stderr, "rampart sync: --server-include: a plain path, please\n");
        return -1;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "rampart sync: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (!realpath(dir, o->dir) || strpbrk(o->dir, " \t;{}\"'#$\\\n")) {
        fprintf(stderr, "rampart sync: %s: not usable in an nginx configuration\n", dir);
        return -1;
    }
    char *token = read_file(o->token_file, sizeof(o->token) - 1, NULL);
    if (!token) {
        fprintf(stderr, "rampart sync: cannot read the token file %s\n", o->token_file);
        return -1;
    }
    token[strcspn(token, "\r\n")] = '\0';
    snprintf(o->token, sizeof(o->token), "%s", token);
    explicit_bzero(token, strlen(token));
    free(token);
    return 0;
}

int cmd_sync(int argc, char **argv)
{
    sync_opts_t o;
    if (parse_opts(argc, argv, &o) != 0)
        return 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    CURL *curl = curl_easy_init();
    if (!curl)
        return 1;
    installed_t cur;
    memset(&cur, 0, sizeof(cur));
    load_installed(&o, &cur);
    if (cur.bundle)
        say("info", "running bundle %lld (%s) from %s/current", cur.version, cur.hash, o.dir);
    int exit_code = 0, identity_failed = 0; /* logged; the bundle decides the exit */
    sync_identity_t *identity =
        sync_identity_start(o.url, o.token, o.dir, o.key_uid, o.key_gid, o.once, &identity_failed);
    /* revocations through Redis as well (docs/IDENTITY.md); not for --once */
    sync_revredis_t *revredis = identity && o.redis ? sync_revredis_start(o.redis, identity) : NULL;
    time_t keys_at = 0;
    for (;;) {
        sync_body_t body = {0};
        long status = poll_once(curl, &o, &cur, &body);
        int failed = 0;
        if (status == 200) {
            failed = install(&o, &cur, body.data ? body.data : "", body.len) != 0;
            sync_identity_keys_changed(identity); /* a new application has a key */
        } else if (status != 204 && status != 0) {
            say("error", "rampartd answered %ld: %.200s", status, body.data ? body.data : "");
            failed = 1;
        } else if (status == 0) {
            failed = 1;
        }
        free(body.data);
        /* data keys: at start, with each new bundle, and every few minutes
         * (a rotation changes no bundle); each delivery is audited */
        if (status == 200 || time(NULL) - keys_at >= DATA_KEYS_EVERY) {
            sync_data_keys_fetch(o.url, o.token, o.dir, o.key_uid, o.key_gid);
            keys_at = time(NULL);
        }
        if (o.once) {
            exit_code = failed; /* identity files are best effort: warned above */
            if (status == 200 && !failed) {
                /* report the version now running */
                sync_body_t again = {0};
                poll_once(curl, &o, &cur, &again);
                free(again.data);
            }
            break;
        }
        if (failed && !cur.refused)
            sleep(RETRY_PAUSE);
    }
    sync_revredis_stop(revredis);
    sync_identity_stop(identity);
    json_decref(cur.bundle);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    explicit_bzero(o.token, sizeof(o.token));
    return exit_code;
}
