/*
 * fim_file.h — one path's current state for the baseline: lstat(2) and
 * the content hash, without ever following a symbolic link.
 *
 * Bad input is expected here: a file may vanish between the directory
 * listing and the open (GONE), be unreadable (its metadata is recorded
 * without a hash), be huge (hashed only up to hash_max, else metadata
 * only), or change while it is read (read again once, then recorded as
 * seen; the next inotify event or scan catches up). Regular files are
 * opened O_NOFOLLOW|O_NONBLOCK (a FIFO swapped in cannot block the agent)
 * and checked with fstat against the lstat, so a swap between the two is
 * noticed. Nothing read is ever executed or interpreted.
 */
#ifndef RAMPART_AGENT_FIM_FILE_H
#define RAMPART_AGENT_FIM_FILE_H

#include <openssl/evp.h>
#include <stddef.h>

#include "fim_baseline.h"

typedef enum { FIM_FILE_OK, FIM_FILE_GONE, FIM_FILE_ERROR } fim_file_status_t;

typedef struct {
    EVP_MD *md; /* "SHA256" or "SM3" */
    EVP_MD_CTX *ctx;
    size_t hash_max; /* files larger are not hashed */
    unsigned char *buf;
    size_t buf_size;
} fim_hasher_t;

/* algo: "sha256" or "sm3". 0 or -1 (the algorithm is unavailable). */
int fim_hasher_init(fim_hasher_t *h, const char *algo, size_t hash_max);
void fim_hasher_free(fim_hasher_t *h);

/* Fills e (e->path is left as is) from path. When content is given and the
 * file is a regular file of at most content_max bytes, its bytes are
 * copied there and *content_len set (else *content_len = SIZE_MAX). */
fim_file_status_t fim_file_read(fim_hasher_t *h, const char *path, fim_entry_t *e, char *content,
                                size_t content_max, size_t *content_len);

#endif
