/*
 * keyprov_file.c — the master key in a file (see keyprov.h): the default
 * provider, for installations without an HSM.
 *
 * The file holds one line per master version, newest last:
 *
 *     rpmk1 VERSION ALGORITHM HEX
 *
 * ALGORITHM is sm4-gcm (16-byte key) or aes-256-gcm (32 bytes). Blobs are
 * librampart envelopes (docs/CRYPTO.md) under key id "rampart-master" and
 * the master version, so a blob says which version wraps it and a wrong
 * or tampered blob fails authentication. Every change is written to a new
 * file, synced and renamed over the old one: a crash leaves either file,
 * never half of one. The material is never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyprov.h"
#include "secret.h"

#define MASTER_KEY_ID   "rampart-master"
#define MASTER_VERSIONS 32
#define LINE_MAX_LEN    256

typedef struct {
    uint32_t version;
    rp_aead_alg_t alg;
    uint8_t raw[32];
    size_t raw_len;
    rp_aead_key_t key;
} master_version_t;

typedef struct {
    keyprov_t base;
    char path[4096];
    pthread_rwlock_t lock;
    master_version_t v[MASTER_VERSIONS];
    int n;
} file_prov_t;

static const char *alg_text(rp_aead_alg_t alg)
{
    return alg == RP_AEAD_AES_256_GCM ? "aes-256-gcm" : "sm4-gcm";
}

static size_t alg_key_len(rp_aead_alg_t alg)
{
    return alg == RP_AEAD_AES_256_GCM ? 32 : 16;
}

static master_version_t *find(file_prov_t *f, uint32_t version)
{
    for (int i = 0; i < f->n; i++)
        if (f->v[i].version == version)
            return &f->v[i];
    return NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One line into f->v[f->n]; 0 or -1. */
static int parse_line(file_prov_t *f, const char *line)
{
    char alg[16], hex[80];
    unsigned long version;
    if (f->n >= MASTER_VERSIONS || sscanf(line, "rpmk1 %lu %15s %79s", &version, alg, hex) != 3 ||
        version == 0 || version > UINT32_MAX)
        return -1;
    master_version_t *m = &f->v[f->n];
    m->version = (uint32_t)version;
    if (strcmp(alg, "sm4-gcm") == 0)
        m->alg = RP_AEAD_SM4_GCM;
    else if (strcmp(alg, "aes-256-gcm") == 0)
        m->alg = RP_AEAD_AES_256_GCM;
    else
        return -1;
    m->raw_len = alg_key_len(m->alg);
    if (strlen(hex) != 2 * m->raw_len)
        return -1;
    for (size_t i = 0; i < m->raw_len; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        m->raw[i] = (uint8_t)(hi << 4 | lo);
    }
    secret_wipe(hex, sizeof(hex));
    if (find(f, m->version) != NULL || (f->n && m->version <= f->v[f->n - 1].version))
        return -1;
    if (!rp_aead_key_init(&m->key, m->alg, m->raw, m->raw_len))
        return -1;
    f->n++;
    return 0;
}

/* Writes every version to PATH.tmp, syncs, renames it over PATH. */
static int save(file_prov_t *f)
{
    char tmp[sizeof(f->path) + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    char line[LINE_MAX_LEN];
    int rc = 0;
    static const char head[] = "# rampartd master key: keep it out of backups of the store\n";
    if (write(fd, head, sizeof(head) - 1) != (ssize_t)(sizeof(head) - 1))
        rc = -1;
    for (int i = 0; i < f->n && rc == 0; i++) {
        const master_version_t *m = &f->v[i];
        int n = snprintf(line, sizeof(line), "rpmk1 %u %s ", m->version, alg_text(m->alg));
        for (size_t j = 0; j < m->raw_len; j++)
            n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", m->raw[j]);
        line[n++] = '\n';
        if (write(fd, line, (size_t)n) != n)
            rc = -1;
    }
    secret_wipe(line, sizeof(line));
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    close(fd);
    if (rc == 0 && rename(tmp, f->path) != 0)
        rc = -1;
    if (rc != 0) {
        unlink(tmp);
        return -1;
    }
    /* the rename itself must survive a crash */
    char dir[sizeof(f->path)];
    snprintf(dir, sizeof(dir), "%s", f->path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return 0;
}

/* Appends a new random version (not saved). */
static int add_version(file_prov_t *f, rp_aead_alg_t alg, uint32_t version)
{
    if (f->n >= MASTER_VERSIONS)
        return -1;
    master_version_t *m = &f->v[f->n];
    memset(m, 0, sizeof(*m));
    m->version = version;
    m->alg = alg;
    m->raw_len = alg_key_len(alg);
    if (secret_random(m->raw, m->raw_len) || !rp_aead_key_init(&m->key, alg, m->raw, m->raw_len)) {
        secret_wipe(m, sizeof(*m));
        return -1;
    }
    f->n++;
    return 0;
}

static uint32_t current(keyprov_t *p)
{
    file_prov_t *f = (file_prov_t *)p;
    pthread_rwlock_rdlock(&f->lock);
    uint32_t v = f->n ? f->v[f->n - 1].version : 0;
    pthread_rwlock_unlock(&f->lock);
    return v;
}

static int wrap(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                size_t cap, size_t *out_len)
{
    file_prov_t *f = (file_prov_t *)p;
    pthread_rwlock_rdlock(&f->lock);
    master_version_t *m = find(f, version);
    int rc = m && rp_envelope_seal_random(&m->key, MASTER_KEY_ID, version, in, len, out, cap,
                                          out_len) == RP_ENV_OK
                 ? 0
                 : -1;
    pthread_rwlock_unlock(&f->lock);
    return rc;
}

static int unwrap(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                  size_t cap, size_t *out_len)
{
    file_prov_t *f = (file_prov_t *)p;
    rp_envelope_t env;
    if (rp_envelope_parse(in, len, &env) != RP_ENV_OK || env.key_version != version ||
        env.ciphertext_len > cap)
        return -1;
    pthread_rwlock_rdlock(&f->lock);
    master_version_t *m = find(f, version);
    int rc =
        m && rp_envelope_open(&m->key, MASTER_KEY_ID, version, &env, out) == RP_ENV_OK ? 0 : -1;
    pthread_rwlock_unlock(&f->lock);
    if (rc == 0)
        *out_len = env.ciphertext_len;
    return rc;
}

static int rotate(keyprov_t *p, rp_aead_alg_t alg, uint32_t *version)
{
    file_prov_t *f = (file_prov_t *)p;
    pthread_rwlock_wrlock(&f->lock);
    uint32_t next = f->n ? f->v[f->n - 1].version + 1 : 1;
    int rc = add_version(f, alg, next);
    if (rc == 0 && save(f) != 0) {
        f->n--;
        secret_wipe(&f->v[f->n], sizeof(f->v[f->n]));
        rc = -1;
    }
    pthread_rwlock_unlock(&f->lock);
    if (rc == 0)
        *version = next;
    return rc;
}

static int retire(keyprov_t *p, uint32_t keep_from)
{
    file_prov_t *f = (file_prov_t *)p;
    pthread_rwlock_wrlock(&f->lock);
    master_version_t kept[MASTER_VERSIONS];
    int n = 0;
    for (int i = 0; i < f->n; i++)
        if (f->v[i].version >= keep_from)
            kept[n++] = f->v[i];
    int rc = 0;
    if (n && n < f->n) {
        master_version_t old[MASTER_VERSIONS];
        int old_n = f->n;
        memcpy(old, f->v, sizeof(old));
        memcpy(f->v, kept, sizeof(kept));
        f->n = n;
        if (save(f) != 0) {
            memcpy(f->v, old, sizeof(old));
            f->n = old_n;
            rc = -1;
        } else {
            for (int i = n; i < old_n; i++)
                secret_wipe(&f->v[i], sizeof(f->v[i]));
        }
        secret_wipe(old, sizeof(old));
    }
    secret_wipe(kept, sizeof(kept));
    pthread_rwlock_unlock(&f->lock);
    return rc;
}

static int has(keyprov_t *p, uint32_t version)
{
    file_prov_t *f = (file_prov_t *)p;
    pthread_rwlock_rdlock(&f->lock);
    int found = find(f, version) != NULL;
    pthread_rwlock_unlock(&f->lock);
    return found;
}

static void close_prov(keyprov_t *p)
{
    file_prov_t *f = (file_prov_t *)p;
    for (int i = 0; i < f->n; i++)
        rp_aead_key_wipe(&f->v[i].key);
    pthread_rwlock_destroy(&f->lock);
    secret_wipe(f, sizeof(*f));
    free(f);
}

static const keyprov_ops_t file_ops = {
    .name = "file",
    .current = current,
    .wrap = wrap,
    .unwrap = unwrap,
    .rotate = rotate,
    .retire = retire,
    .has = has,
    .close = close_prov,
};

static keyprov_t *fail(file_prov_t *f, rp_error_t *err, const char *why)
{
    snprintf(err->reason, sizeof(err->reason), "master key file: %s", why);
    if (f)
        close_prov(&f->base);
    return NULL;
}

static int load(file_prov_t *f, int fd, rp_error_t *err)
{
    FILE *in = fdopen(fd, "r");
    if (!in) {
        close(fd);
        return -1;
    }
    char line[LINE_MAX_LEN];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), in)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (parse_line(f, line) != 0) {
            err->line = lineno;
            rc = -1;
        }
    }
    secret_wipe(line, sizeof(line));
    fclose(in);
    return rc;
}

keyprov_t *keyprov_file_open(const char *path, int may_create, rp_error_t *err)
{
    file_prov_t *f = calloc(1, sizeof(*f));
    if (!f)
        return fail(NULL, err, "out of memory");
    f->base.ops = &file_ops;
    pthread_rwlock_init(&f->lock, NULL);
    snprintf(err->file, sizeof(err->file), "%s", path);
    if (strlen(path) >= sizeof(f->path))
        return fail(f, err, "path too long");
    snprintf(f->path, sizeof(f->path), "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && !may_create)
        return fail(f, err,
                    "missing, and the store holds data keys wrapped by it: restore the "
                    "master key file from its backup");
    if (fd < 0 && errno == ENOENT) {
        if (add_version(f, RP_AEAD_SM4_GCM, 1) || save(f))
            return fail(f, err, "cannot create it");
        return &f->base;
    }
    if (fd < 0)
        return fail(f, err, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(f, err, "not a regular file");
    }
    if (st.st_mode & 077) {
        close(fd);
        return fail(f, err,
                    "group or others may access it; chmod 600 it (rampartd will not use "
                    "a master key others can read)");
    }
    if (st.st_uid != geteuid()) {
        close(fd);
        return fail(f, err, "owned by another user; it must belong to the user rampartd runs as");
    }
    if (load(f, fd, err) != 0)
        return fail(f, err, "malformed (expected lines \"rpmk1 VERSION sm4-gcm|aes-256-gcm HEX\")");
    if (f->n == 0)
        return fail(f, err, "holds no master key version");
    return &f->base;
}
