/*
 * quarantine.c — see quarantine.h. A rename when the quarantine is on the
 * same file system, else a copy (fsync'd) and an unlink; the file is
 * opened O_NOFOLLOW|O_NONBLOCK and checked with fstat, so a link or a
 * FIFO swapped in at the last moment is not followed or waited on.
 */
#include "quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_sign.h"
#include "timefmt.h"

static int fail(char *err, size_t size, const char *what, const char *path)
{
    snprintf(err, size, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

static void dir_of(const char *state_dir, char *out, size_t size)
{
    snprintf(out, size, "%s/quarantine", state_dir);
}

/* SHA-256 of an open file from its start, as hex. */
static int hash_fd(int fd, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[65536], md[32];
    unsigned len = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && lseek(fd, 0, SEEK_SET) == 0;
    ssize_t n;
    while (ok && (n = read(fd, buf, sizeof(buf))) > 0)
        ok = EVP_DigestUpdate(ctx, buf, (size_t)n);
    ok = ok && EVP_DigestFinal_ex(ctx, md, &len) && len == 32;
    EVP_MD_CTX_free(ctx);
    if (ok)
        agent_hex(md, 32, hex);
    return ok ? 0 : -1;
}

/* Copies from the open file to a new file at dst (mode 0400), fsync'd. */
static int copy_fd(int from, const char *dst)
{
    int to = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
    if (to < 0)
        return -1;
    char buf[65536];
    ssize_t n;
    int rc = lseek(from, 0, SEEK_SET) == 0 ? 0 : -1;
    while (!rc && (n = read(from, buf, sizeof(buf))) > 0)
        for (ssize_t done = 0; !rc && done < n;) {
            ssize_t w = write(to, buf + done, (size_t)(n - done));
            if (w <= 0)
                rc = -1;
            else
                done += w;
        }
    if (fsync(to))
        rc = -1;
    close(to);
    if (rc)
        unlink(dst);
    return rc;
}

static int write_meta(const char *path, json_t *meta)
{
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    char *text = json_dumps(meta, JSON_INDENT(2));
    int rc =
        text && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fsync(fd) == 0 ? 0 : -1;
    free(text);
    close(fd);
    return rc || rename(tmp, path) ? -1 : 0;
}

int quarantine_file(const char *state_dir, const char *path, const char *detection, char *id,
                    json_t **meta, char *err, size_t err_size)
{
    char dir[1100], dst[1200], meta_path[1200];
    dir_of(state_dir, dir, sizeof(dir));
    if (mkdir(dir, 0700) && errno != EEXIST)
        return fail(err, err_size, "cannot create", dir);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fail(err, err_size, "cannot open", path);
    struct stat st;
    char hex[65] = "";
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, err_size, "%s is not a regular file", path);
        return -1;
    }
    hash_fd(fd, hex);
    static unsigned counter;
    snprintf(id, QUARANTINE_ID_MAX, "q%012llx%04x", (unsigned long long)time_now_ms(),
             (counter++) & 0xffff);
    snprintf(dst, sizeof(dst), "%s/%s", dir, id);
    snprintf(meta_path, sizeof(meta_path), "%s/%s.json", dir, id);
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(time_now_ms(), t);
    *meta =
        json_pack("{s:s, s:s, s:i, s:i, s:i, s:I, s:s, s:s, s:s}", "id", id, "path", path, "mode",
                  (int)(st.st_mode & 07777), "uid", (int)st.st_uid, "gid", (int)st.st_gid, "size",
                  (json_int_t)st.st_size, "sha256", hex, "detection", detection, "quarantined", t);
    if (!*meta || write_meta(meta_path, *meta)) {
        close(fd);
        json_decref(*meta);
        *meta = NULL;
        return fail(err, err_size, "cannot record", meta_path);
    }
    /* the same file system: one rename; else a copy, then the original goes */
    int moved = rename(path, dst) == 0;
    if (moved)
        chmod(dst, 0400);
    else if (errno != EXDEV || copy_fd(fd, dst) || unlink(path)) {
        int saved = errno;
        close(fd);
        unlink(dst);
        unlink(meta_path);
        json_decref(*meta);
        *meta = NULL;
        errno = saved;
        return fail(err, err_size, "cannot move", path);
    }
    close(fd);
    return 0;
}

static int valid_id(const char *id)
{
    size_t n = strlen(id);
    return n == 17 && id[0] == 'q' && strspn(id + 1, "0123456789abcdef") == 16;
}

int quarantine_restore(const char *state_dir, const char *id, json_t **meta, char *err,
                       size_t err_size)
{
    *meta = NULL;
    if (!valid_id(id)) {
        snprintf(err, err_size, "not a quarantine id: q and 16 hex digits");
        return -1;
    }
    char dir[1100], src[1200], meta_path[1200];
    dir_of(state_dir, dir, sizeof(dir));
    snprintf(src, sizeof(src), "%s/%s", dir, id);
    snprintf(meta_path, sizeof(meta_path), "%s/%s.json", dir, id);
    json_error_t jerr;
    *meta = json_load_file(meta_path, 0, &jerr);
    const char *path = json_string_value(json_object_get(*meta, "path"));
    if (!path || path[0] != '/') {
        json_decref(*meta);
        *meta = NULL;
        snprintf(err, err_size, "no quarantined file %s", id);
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        snprintf(err, err_size, "%s exists again; not overwritten", path);
        return -1;
    }
    int fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(err, err_size, "cannot open", src);
    int rc = rename(src, path) == 0 ? 0 : errno == EXDEV && copy_fd(fd, path) == 0 ? 0 : -1;
    close(fd);
    if (rc)
        return fail(err, err_size, "cannot restore", path);
    unlink(src); /* after a copy */
    if (chown(path, (uid_t)json_integer_value(json_object_get(*meta, "uid")),
              (gid_t)json_integer_value(json_object_get(*meta, "gid"))) ||
        chmod(path, (mode_t)json_integer_value(json_object_get(*meta, "mode"))))
        snprintf(err, err_size, "restored, but mode or owner not: %s", strerror(errno));
    unlink(meta_path);
    return 0;
}
