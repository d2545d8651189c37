/*
 * sync_data_keys.c — `rampart sync`'s data keys file (docs/CRYPTO.md,
 * "Field encryption at the gateway"): DIR/data-keys, mode 0600, the
 * encryption keys of the applications' encrypted fields as rampartd's
 * POST /api/v1/gateway/data-keys gives them, for nginx's rampart_data_keys.
 *
 * The answer is checked with the gateway's own parser before it replaces
 * the file, and the file is rewritten only when it changed, so nginx
 * reloads it only after a rotation. Key material is wiped from memory
 * after use and never printed.
 */
#include "sync_data_keys.h"

#include "sync.h"
#include "sync_identity.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rampart/fieldenc.h"

#define HEADER "# rampart data keys: written by rampart sync, read by rampart_data_keys\n"

/* Does the file hold exactly these bytes? */
static int same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    struct stat st;
    int same = 0;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size == len) {
        char *buf = malloc(len + 1);
        if (buf && read(fd, buf, len + 1) == (ssize_t)len)
            same = memcmp(buf, data, len) == 0;
        if (buf) {
            explicit_bzero(buf, len);
            free(buf);
        }
    }
    close(fd);
    return same;
}

int sync_data_keys_fetch(const char *base_url, const char *token, const char *dir, uid_t owner_uid,
                         gid_t owner_gid)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return -1;
    char url[2048], auth[300];
    snprintf(url, sizeof(url), "%s/api/v1/gateway/data-keys", base_url);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    sync_body_t a = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sync_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    explicit_bzero(auth, sizeof(auth));
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    int result = -1;
    if (status != 200) {
        char detail[160];
        /* the body of an error answer may be shown; a 200's never is */
        snprintf(detail, sizeof(detail), "%s %ld",
                 rc == CURLE_OK ? "answered" : curl_easy_strerror(rc), status);
        sync_identity_say(status == 404 ? "info" : "warn", "data keys not fetched", detail);
        goto out;
    }
    size_t hl = strlen(HEADER), len = hl + a.len;
    char *text = malloc(len + 1);
    if (!text)
        goto out;
    memcpy(text, HEADER, hl);
    if (a.len)
        memcpy(text + hl, a.data, a.len);
    text[len] = '\0';
    rp_error_t err = {0};
    rp_data_keys_t *k = rp_data_keys_parse(text, len, "rampartd's answer", &err);
    if (!k) {
        char detail[320];
        snprintf(detail, sizeof(detail), "line %u: %s", err.line, err.reason);
        sync_identity_say("error", "rampartd's data keys do not parse; the file is kept", detail);
    } else {
        char path[4200];
        snprintf(path, sizeof(path), "%s/data-keys", dir);
        result = 0;
        if (!same_content(path, text, len)) {
            result = sync_write_atomic(path, text, len, 0600, owner_uid, owner_gid);
            char detail[64];
            snprintf(detail, sizeof(detail), "%zu key versions", rp_data_keys_count(k));
            sync_identity_say(result ? "error" : "info",
                              result ? "cannot write the data keys file" : "data keys file written",
                              detail);
        }
        rp_data_keys_unref(k);
    }
    explicit_bzero(text, len);
    free(text);
out:
    if (a.data) {
        explicit_bzero(a.data, a.len);
        free(a.data);
    }
    return result;
}
