/*
 * fim_file.c — a path's attributes and hash (see fim_file.h).
 */
#include "fim_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (256 * 1024)

int fim_hasher_init(fim_hasher_t *h, const char *algo, size_t hash_max)
{
    memset(h, 0, sizeof(*h));
    h->md = EVP_MD_fetch(NULL, strcmp(algo, "sm3") == 0 ? "SM3" : "SHA256", NULL);
    h->ctx = EVP_MD_CTX_new();
    h->buf = malloc(READ_CHUNK);
    h->buf_size = READ_CHUNK;
    h->hash_max = hash_max;
    if (!h->md || !h->ctx || !h->buf || EVP_MD_get_size(h->md) != FIM_HASH_LEN) {
        fim_hasher_free(h);
        return -1;
    }
    return 0;
}

void fim_hasher_free(fim_hasher_t *h)
{
    EVP_MD_free(h->md);
    EVP_MD_CTX_free(h->ctx);
    free(h->buf);
    memset(h, 0, sizeof(*h));
}

static void fill_from_stat(fim_entry_t *e, const struct stat *st)
{
    e->ino = (uint64_t)st->st_ino;
    e->size = (uint64_t)st->st_size;
    e->nlink = (uint64_t)st->st_nlink;
    e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    e->mode = (uint32_t)st->st_mode;
    e->uid = (uint32_t)st->st_uid;
    e->gid = (uint32_t)st->st_gid;
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Hashes an open regular file; copies it into content when it fits.
 * 0, or -1 on a read error. */
static int hash_fd(fim_hasher_t *h, int fd, unsigned char out[FIM_HASH_LEN], char *content,
                   size_t content_max, size_t *content_len)
{
    size_t total = 0;
    int keep = content != NULL;
    if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL))
        return -1;
    for (;;) {
        ssize_t n = read(fd, h->buf, h->buf_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        if (keep && total + (size_t)n <= content_max)
            memcpy(content + total, h->buf, (size_t)n);
        else
            keep = 0;
        total += (size_t)n;
        if (!EVP_DigestUpdate(h->ctx, h->buf, (size_t)n))
            return -1;
    }
    unsigned int len = 0;
    if (!EVP_DigestFinal_ex(h->ctx, out, &len) || len != FIM_HASH_LEN)
        return -1;
    if (content_len)
        *content_len = keep ? total : SIZE_MAX;
    return 0;
}

static fim_file_status_t read_regular(fim_hasher_t *h, const char *path, const struct stat *lst,
                                      fim_entry_t *e, char *content, size_t content_max,
                                      size_t *content_len)
{
    if ((uint64_t)lst->st_size > h->hash_max)
        return FIM_FILE_OK; /* metadata only */
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
        if (fd < 0 && errno == EPERM) /* O_NOATIME needs ownership */
            fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? FIM_FILE_GONE
                                                                         : FIM_FILE_OK;
        struct stat before, after;
        if (fstat(fd, &before) || !S_ISREG(before.st_mode) ||
            (uint64_t)before.st_size > h->hash_max) {
            close(fd);
            return FIM_FILE_GONE; /* swapped for something else: look again */
        }
        int rc = hash_fd(h, fd, e->hash, content, content_max, content_len);
        int stable = fstat(fd, &after) == 0 && same_file_state(&before, &after);
        close(fd);
        if (rc)
            return FIM_FILE_OK; /* unreadable (EIO...): metadata only */
        fill_from_stat(e, &after);
        e->has_hash = 1;
        if (stable)
            break;
    }
    return FIM_FILE_OK;
}

fim_file_status_t fim_file_read(fim_hasher_t *h, const char *path, fim_entry_t *e, char *content,
                                size_t content_max, size_t *content_len)
{
    if (content_len)
        *content_len = SIZE_MAX;
    struct stat st;
    if (lstat(path, &st))
        return errno == ENOENT || errno == ENOTDIR ? FIM_FILE_GONE : FIM_FILE_ERROR;
    fill_from_stat(e, &st);
    e->has_hash = 0;
    if (S_ISREG(st.st_mode))
        return read_regular(h, path, &st, e, content, content_max, content_len);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof(target));
        if (n < 0)
            return errno == ENOENT ? FIM_FILE_GONE : FIM_FILE_OK;
        unsigned int len = 0;
        if (EVP_Digest(target, (size_t)n, e->hash, &len, h->md, NULL) && len == FIM_HASH_LEN)
            e->has_hash = 1;
    }
    return FIM_FILE_OK;
}
