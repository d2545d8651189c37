/*
 * hs_cache.c — see hs_cache.h.
 *
 * Entry file DIR/<64 hex digits of the key>.hsdb:
 *   "RPHSDB1\n"  magic (8 bytes)
 *   key          SHA-256 of the inputs (32 bytes)
 *   length       of the serialised database, little-endian (8 bytes)
 *   digest       SHA-256 of the serialised database (32 bytes)
 *   database     hs_serialize_database()'s bytes
 * Written to a temporary file in DIR and renamed into place, so readers
 * see a whole entry or none, and concurrent writers of one key (two nginx
 * masters) both succeed.
 */
#include "hs_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rampart/policy.h"

#define MAGIC     "RPHSDB1\n"
#define MAGIC_LEN 8
#define HDR_LEN   (MAGIC_LEN + 32 + 8 + 32)

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static char *cache_dir;    /* guarded by dir_lock */
static bool dir_from_call; /* an explicit setting wins over the environment */
static atomic_ulong n_hits, n_misses, n_stored, n_rejected;

static void set_err(rp_error_t *err, const char *dir, const char *why)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", dir ? dir : "");
    err->line = 0;
    snprintf(err->reason, sizeof(err->reason), "compile cache: %s", why);
}

/* The directory is trusted with what the rules match: it must be ours. */
static rp_status_t check_dir(const char *dir, rp_error_t *err)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        set_err(err, dir, strerror(errno));
        return RP_ERROR;
    }
    if (stat(dir, &st) != 0) {
        set_err(err, dir, strerror(errno));
        return RP_ERROR;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_err(err, dir, "not a directory");
        return RP_ERROR;
    }
    if (st.st_uid != geteuid()) {
        set_err(err, dir, "not owned by this process's user");
        return RP_ERROR;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        set_err(err, dir, "writable by group or others");
        return RP_ERROR;
    }
    return RP_OK;
}

rp_status_t rp_compile_cache_set_dir(const char *dir, rp_error_t *err)
{
    char *copy = NULL;
    if (dir && *dir) {
        if (check_dir(dir, err) != RP_OK)
            return RP_ERROR;
        if (!(copy = strdup(dir))) {
            set_err(err, dir, "out of memory");
            return RP_ERROR;
        }
    }
    pthread_mutex_lock(&dir_lock);
    free(cache_dir);
    cache_dir = copy;
    dir_from_call = true;
    pthread_mutex_unlock(&dir_lock);
    return RP_OK;
}

/* The directory to use now (a copy the caller frees), or NULL. */
static char *current_dir(void)
{
    char *d = NULL;
    pthread_mutex_lock(&dir_lock);
    if (!dir_from_call) {
        dir_from_call = true; /* the environment is read once */
        const char *env = getenv("RAMPART_COMPILE_CACHE");
        if (env && *env) {
            rp_error_t e;
            if (check_dir(env, &e) == RP_OK)
                cache_dir = strdup(env);
            else
                fprintf(stderr, "rampart: %s: %s (RAMPART_COMPILE_CACHE ignored)\n", e.file,
                        e.reason);
        }
    }
    if (cache_dir)
        d = strdup(cache_dir);
    pthread_mutex_unlock(&dir_lock);
    return d;
}

void rp_compile_cache_stats(rp_compile_cache_stats_t *out)
{
    out->hits = atomic_load(&n_hits);
    out->misses = atomic_load(&n_misses);
    out->stored = atomic_load(&n_stored);
    out->rejected = atomic_load(&n_rejected);
}

/* ---- the key ------------------------------------------------------------ */

typedef enum { KIND_SINGLE = 1, KIND_MULTI, KIND_LIT_MULTI } kind_t;

static void put_u64(EVP_MD_CTX *md, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    EVP_DigestUpdate(md, b, 8);
}

static bool make_key(kind_t kind, const char *const *exprs, const unsigned *flags,
                     const unsigned *ids, const size_t *lens, unsigned n, unsigned mode,
                     unsigned char key[32])
{
    hs_platform_info_t plat;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
              hs_populate_platform(&plat) == HS_SUCCESS;
    if (ok) {
        const char *v = hs_version();
        EVP_DigestUpdate(md, MAGIC, MAGIC_LEN);
        EVP_DigestUpdate(md, v, strlen(v) + 1);
        put_u64(md, plat.tune);
        put_u64(md, plat.cpu_features);
        put_u64(md, kind);
        put_u64(md, mode);
        put_u64(md, n);
        for (unsigned i = 0; i < n; i++) {
            size_t len = lens ? lens[i] : strlen(exprs[i]);
            put_u64(md, len);
            EVP_DigestUpdate(md, exprs[i], len);
            put_u64(md, flags ? flags[i] : 0);
            put_u64(md, ids ? ids[i] : 0);
        }
        ok = EVP_DigestFinal_ex(md, key, NULL) == 1;
    }
    EVP_MD_CTX_free(md);
    return ok;
}

static void entry_path(char *out, size_t cap, const char *dir, const unsigned char key[32])
{
    int o = snprintf(out, cap, "%s/", dir);
    for (int i = 0; i < 32 && o > 0 && (size_t)o + 3 < cap; i++)
        o += snprintf(out + o, cap - (size_t)o, "%02x", key[i]);
    snprintf(out + o, cap - (size_t)o, ".hsdb");
}

/* ---- reading and writing entries ---------------------------------------- */

static hs_database_t *load_entry(const char *path, const unsigned char key[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    hs_database_t *db = NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        st.st_size < HDR_LEN || st.st_size > (off_t)1 << 31)
        goto out;
    size_t size = (size_t)st.st_size;
    if (!(buf = malloc(size)))
        goto out;
    for (size_t got = 0; got < size;) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len |= (uint64_t)(unsigned char)buf[MAGIC_LEN + 32 + i] << (8 * i);
    unsigned char digest[32];
    unsigned int dl = 0;
    if (memcmp(buf, MAGIC, MAGIC_LEN) != 0 || memcmp(buf + MAGIC_LEN, key, 32) != 0 ||
        len != size - HDR_LEN ||
        EVP_Digest(buf + HDR_LEN, len, digest, &dl, EVP_sha256(), NULL) != 1 ||
        memcmp(digest, buf + MAGIC_LEN + 40, 32) != 0) {
        atomic_fetch_add(&n_rejected, 1);
        goto out;
    }
    if (hs_deserialize_database(buf + HDR_LEN, len, &db) != HS_SUCCESS) {
        atomic_fetch_add(&n_rejected, 1);
        db = NULL;
    }
out:
    free(buf);
    close(fd);
    return db;
}

static void store_entry(const char *dir, const char *path, const unsigned char key[32],
                        const hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
        return;
    unsigned char hdr[HDR_LEN];
    unsigned int dl = 0;
    memcpy(hdr, MAGIC, MAGIC_LEN);
    memcpy(hdr + MAGIC_LEN, key, 32);
    for (int i = 0; i < 8; i++)
        hdr[MAGIC_LEN + 32 + i] = (unsigned char)((uint64_t)len >> (8 * i));
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir);
    int fd = -1;
    if (EVP_Digest(bytes, len, hdr + MAGIC_LEN + 40, &dl, EVP_sha256(), NULL) != 1 ||
        (fd = mkstemp(tmp)) < 0)
        goto out;
    bool ok = write(fd, hdr, HDR_LEN) == (ssize_t)HDR_LEN &&
              write(fd, bytes, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        atomic_fetch_add(&n_stored, 1);
    else
        unlink(tmp); /* a full disk costs the cache, never the load */
out:
    free(bytes);
}

/* ---- compile through the cache ------------------------------------------ */

static hs_error_t compile_now(kind_t kind, const char *const *exprs, const unsigned *flags,
                              const unsigned *ids, const size_t *lens, unsigned n, unsigned mode,
                              hs_database_t **db, hs_compile_error_t **err)
{
    switch (kind) {
    case KIND_SINGLE:
        return hs_compile(exprs[0], flags ? flags[0] : 0, mode, NULL, db, err);
    case KIND_MULTI:
        return hs_compile_multi(exprs, flags, ids, n, mode, NULL, db, err);
    default:
        return hs_compile_lit_multi(exprs, flags, ids, lens, n, mode, NULL, db, err);
    }
}

static hs_error_t compile_cached(kind_t kind, const char *const *exprs, const unsigned *flags,
                                 const unsigned *ids, const size_t *lens, unsigned n, unsigned mode,
                                 hs_database_t **db, hs_compile_error_t **err)
{
    char *dir = current_dir();
    unsigned char key[32];
    if (!dir || !make_key(kind, exprs, flags, ids, lens, n, mode, key)) {
        free(dir);
        return compile_now(kind, exprs, flags, ids, lens, n, mode, db, err);
    }
    char path[4200];
    entry_path(path, sizeof(path), dir, key);
    if ((*db = load_entry(path, key)) != NULL) {
        atomic_fetch_add(&n_hits, 1);
        free(dir);
        return HS_SUCCESS;
    }
    atomic_fetch_add(&n_misses, 1);
    hs_error_t e = compile_now(kind, exprs, flags, ids, lens, n, mode, db, err);
    if (e == HS_SUCCESS)
        store_entry(dir, path, key, *db);
    free(dir);
    return e;
}

hs_error_t rp_hs_compile(const char *expr, unsigned flags, unsigned mode, hs_database_t **db,
                         hs_compile_error_t **err)
{
    return compile_cached(KIND_SINGLE, &expr, &flags, NULL, NULL, 1, mode, db, err);
}

hs_error_t rp_hs_compile_multi(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                               unsigned n, unsigned mode, hs_database_t **db,
                               hs_compile_error_t **err)
{
    return compile_cached(KIND_MULTI, exprs, flags, ids, NULL, n, mode, db, err);
}

hs_error_t rp_hs_compile_lit_multi(const char *const *exprs, const unsigned *flags,
                                   const unsigned *ids, const size_t *lens, unsigned n,
                                   unsigned mode, hs_database_t **db, hs_compile_error_t **err)
{
    return compile_cached(KIND_LIT_MULTI, exprs, flags, ids, lens, n, mode, db, err);
}
