/*
 * sync_identity.c — the identity files of `rampart sync` (see
 * sync_identity.h).
 */
#include "sync_identity.h"

#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WAIT_S       25
#define RESYNC_S     600 /* the whole list now and then: drops what rampartd pruned */
#define RETRY_PAUSE  1
#define NAME_MAX_APP 64

struct sync_identity {
    char url[1024], token[256], dir[4096];
    pthread_t thread;
    pthread_mutex_t lock; /* entries, seq and the file: the feed and Redis both merge */
    int running;
    atomic_int stop, keys_wanted;
    long long seq;
    time_t last_full;
    char keys_version[32];
    uid_t owner_uid; /* key files' owner, or (uid_t)-1: the sync's own user */
    gid_t owner_gid;
    json_t *entries; /* the list as last written: [{seq, kind, id, t}] */
};

void sync_identity_say(const char *level, const char *msg, const char *detail)
{
    char ts[32];
    time_t now = time(NULL);
    struct tm tm; /* gmtime_r: the identity and data-keys threads log too */
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(stderr, "time=%s level=%s msg=\"%s%s%s\"\n", ts, level, msg, detail ? ": " : "",
            detail ? detail : "");
}

int sync_write_atomic(const char *path, const char *data, size_t len, mode_t mode, uid_t uid,
                      gid_t gid)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    int ok = off == len && fchmod(fd, mode) == 0 &&
             (uid == (uid_t)-1 || fchown(fd, uid, gid) == 0) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int abort_if_stopping(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&((sync_identity_t *)arg)->stop);
}

/* GETs path; the JSON answer, or NULL (logged). */
static json_t *get_json(sync_identity_t *s, CURL *curl, const char *path, long timeout)
{
    char url[2048], auth[300];
    snprintf(url, sizeof(url), "%s%s", s->url, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    sync_body_t a = {0};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sync_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_if_stopping);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    explicit_bzero(auth, sizeof(auth));
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    json_t *doc = status == 200 && a.data ? json_loads(a.data, 0, NULL) : NULL;
    if (!doc && !atomic_load(&s->stop)) {
        char detail[160];
        snprintf(detail, sizeof(detail), "%s: %s %ld", path,
                 rc == CURLE_OK ? "answered" : curl_easy_strerror(rc), status);
        sync_identity_say("warn", "identity feed", detail);
    }
    if (a.data)
        explicit_bzero(a.data, a.len);
    free(a.data);
    return doc;
}

/* A field of the feed as it goes into a file: base64url, digits. */
static int safe_field(const char *v, size_t max)
{
    size_t n = v ? strlen(v) : 0;
    return n > 0 && n <= max &&
           strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static int write_revocations(sync_identity_t *s)
{
    size_t cap = 64 + json_array_size(s->entries) * 64, len = 0;
    char *text = malloc(cap);
    if (!text)
        return -1;
    len += (size_t)snprintf(text, cap, "# rampart revocations seq=%lld\n", s->seq);
    size_t i;
    json_t *e;
    json_array_foreach(s->entries, i, e)
    {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *id = json_string_value(json_object_get(e, "id"));
        json_int_t t = json_integer_value(json_object_get(e, "t"));
        if (!kind || (strcmp(kind, "sid") && strcmp(kind, "user")) || !safe_field(id, 22))
            continue; /* never write what the gateway would refuse */
        len += (size_t)snprintf(text + len, cap - len, "%s %s %lld\n", kind, id, (long long)t);
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/revocations", s->dir);
    int rc = sync_write_atomic(path, text, len, 0644, (uid_t)-1, (gid_t)-1);
    free(text);
    return rc;
}

/* Entries with seq above the list's (the other path may have brought
 * some already), in order. Lock held. */
static int append_new(sync_identity_t *s, json_t *entries)
{
    int added = 0;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        long long seq = json_integer_value(json_object_get(e, "seq"));
        if (seq <= s->seq)
            continue;
        json_array_append(s->entries, e);
        s->seq = seq;
        added = 1;
    }
    return added;
}

/* One round of the feed: 0 when it answered (and the file is current). */
static int poll_revocations(sync_identity_t *s, CURL *curl, int wait_s)
{
    time_t now = time(NULL);
    int full = now - s->last_full >= RESYNC_S;
    pthread_mutex_lock(&s->lock);
    long long since = s->seq;
    pthread_mutex_unlock(&s->lock);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/gateway/revocations?since=%lld&wait=%d", full ? 0 : since,
             full ? 0 : wait_s);
    json_t *doc = get_json(s, curl, path, wait_s + 15L);
    if (!doc)
        return -1;
    json_t *entries = json_object_get(doc, "entries");
    long long seq = json_integer_value(json_object_get(doc, "seq"));
    int complete = full || json_is_true(json_object_get(doc, "complete"));
    const char *keys = json_string_value(json_object_get(doc, "keys"));
    if (keys && strcmp(keys, s->keys_version) != 0)
        atomic_store(&s->keys_wanted, 1);
    pthread_mutex_lock(&s->lock);
    int changed = complete || seq != s->seq;
    if (complete) {
        json_array_clear(s->entries);
        s->seq = 0;
        s->last_full = now;
    }
    changed |= append_new(s, entries);
    if (seq > s->seq)
        s->seq = seq;
    int failed = changed && write_revocations(s);
    pthread_mutex_unlock(&s->lock);
    json_decref(doc);
    if (failed) {
        sync_identity_say("error", "cannot write the revocations file", s->dir);
        return -1;
    }
    return 0;
}

long long sync_identity_seq(sync_identity_t *s)
{
    pthread_mutex_lock(&s->lock);
    long long seq = s->seq;
    pthread_mutex_unlock(&s->lock);
    return seq;
}

int sync_identity_merge(sync_identity_t *s, const idrev_t *entries, size_t n)
{
    json_t *add = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            add, json_pack("{s:I, s:s, s:s, s:I}", "seq", (json_int_t)entries[i].seq, "kind",
                           entries[i].kind, "id", entries[i].ident, "t", (json_int_t)entries[i].t));
    pthread_mutex_lock(&s->lock);
    int rc = append_new(s, add) ? write_revocations(s) : 0;
    pthread_mutex_unlock(&s->lock);
    json_decref(add);
    if (rc)
        sync_identity_say("error", "cannot write the revocations file", s->dir);
    return rc;
}

static int fetch_keys(sync_identity_t *s, CURL *curl)
{
    json_t *doc = get_json(s, curl, "/api/v1/gateway/identity-keys", 20L);
    if (!doc)
        return -1;
    char text[4096];
    size_t len = (size_t)snprintf(text, sizeof(text), "# rampart session keys\n");
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(doc, "session"), i, k)
    {
        const char *kid = json_string_value(json_object_get(k, "kid"));
        const char *alg = json_string_value(json_object_get(k, "alg"));
        const char *key = json_string_value(json_object_get(k, "key"));
        if (!safe_field(kid, 16) || !alg ||
            (strcmp(alg, "hmac-sha256") && strcmp(alg, "hmac-sm3")) || !safe_field(key, 64))
            continue;
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %s %s %lld\n", kid, alg, key,
                                (long long)json_integer_value(json_object_get(k, "not_after")));
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s/identity-keys", s->dir);
    int rc = len < sizeof(text) - 1
                 ? sync_write_atomic(path, text, len, 0600, s->owner_uid, s->owner_gid)
                 : -1;
    snprintf(path, sizeof(path), "%s/upstream-keys", s->dir);
    if ((mkdir(path, 0700) != 0 && errno != EEXIST) ||
        (s->owner_uid != (uid_t)-1 && chown(path, s->owner_uid, s->owner_gid) != 0))
        rc = -1;
    const char *app;
    json_t *v;
    json_object_foreach(json_object_get(doc, "upstream"), app, v)
    {
        const char *key = json_string_value(v);
        if (!safe_field(app, NAME_MAX_APP) || !safe_field(key, 64))
            continue; /* app names are A-Z a-z 0-9 . _ - @; a dot or @ is left out */
        char body[200];
        int n = snprintf(body, sizeof(body), "# rampart upstream key: %s\n%s\n", app, key);
        snprintf(path, sizeof(path), "%s/upstream-keys/%s", s->dir, app);
        if (sync_write_atomic(path, body, (size_t)n, 0600, s->owner_uid, s->owner_gid))
            rc = -1;
        explicit_bzero(body, sizeof(body));
    }
    explicit_bzero(text, sizeof(text));
    const char *version = json_string_value(json_object_get(doc, "version"));
    if (rc == 0 && version)
        snprintf(s->keys_version, sizeof(s->keys_version), "%s", version);
    json_decref(doc);
    if (rc)
        sync_identity_say("error", "cannot write the identity key files", s->dir);
    return rc;
}

static void *identity_main(void *arg)
{
    sync_identity_t *s = arg;
    CURL *curl = curl_easy_init();
    while (curl && !atomic_load(&s->stop)) {
        int failed = 0;
        if (atomic_exchange(&s->keys_wanted, 0) && fetch_keys(s, curl)) {
            atomic_store(&s->keys_wanted, 1);
            failed = 1;
        }
        if (!failed && poll_revocations(s, curl, WAIT_S))
            failed = 1;
        if (failed && !atomic_load(&s->stop))
            sleep(RETRY_PAUSE);
    }
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

sync_identity_t *sync_identity_start(const char *url, const char *token, const char *dir,
                                     uid_t owner_uid, gid_t owner_gid, int once, int *failed)
{
    sync_identity_t *s = calloc(1, sizeof(*s));
    *failed = 0;
    if (!s)
        return NULL;
    snprintf(s->url, sizeof(s->url), "%s", url);
    snprintf(s->token, sizeof(s->token), "%s", token);
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    s->owner_uid = owner_uid;
    s->owner_gid = owner_gid;
    s->entries = json_array();
    pthread_mutex_init(&s->lock, NULL);
    atomic_store(&s->keys_wanted, 1);
    if (once) {
        CURL *curl = curl_easy_init();
        *failed = !curl || fetch_keys(s, curl) || poll_revocations(s, curl, 0);
        if (curl)
            curl_easy_cleanup(curl);
        sync_identity_stop(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, identity_main, s) != 0) {
        sync_identity_stop(s);
        *failed = 1;
        return NULL;
    }
    s->running = 1;
    return s;
}

void sync_identity_keys_changed(sync_identity_t *s)
{
    if (s)
        atomic_store(&s->keys_wanted, 1);
}

void sync_identity_stop(sync_identity_t *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    if (s->running)
        pthread_join(s->thread, NULL);
    json_decref(s->entries);
    pthread_mutex_destroy(&s->lock);
    explicit_bzero(s->token, sizeof(s->token));
    free(s);
}
