/*
 * idcrypt.c — sealing identity secrets at rest (see idcrypt.h).
 */
#include "idcrypt.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rampart/crypto.h"
#include "secret.h"

#define KEK_LEN 32

static rp_aead_key_t kek;
static int have_kek;
static pthread_mutex_t kek_lock = PTHREAD_MUTEX_INITIALIZER;

static int read_or_create(const char *path, unsigned char raw[KEK_LEN], rp_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        ssize_t n = read(fd, raw, KEK_LEN);
        close(fd);
        if (n == KEK_LEN)
            return 0;
        snprintf(err->reason, sizeof(err->reason), "%s: not a 32-byte key", path);
        return -1;
    }
    if (errno != ENOENT || secret_random(raw, KEK_LEN)) {
        snprintf(err->reason, sizeof(err->reason), "%s: cannot read or create", path);
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    int ok = fd >= 0 && write(fd, raw, KEK_LEN) == KEK_LEN && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        snprintf(err->reason, sizeof(err->reason), "%s: cannot write", path);
        return -1;
    }
    return 0;
}

int idcrypt_init(const char *data_dir, rp_error_t *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/identity.key", data_dir);
    snprintf(err->file, sizeof(err->file), "%s", path);
    unsigned char raw[KEK_LEN];
    if (read_or_create(path, raw, err))
        return -1;
    pthread_mutex_lock(&kek_lock);
    have_kek = rp_aead_key_init(&kek, RP_AEAD_AES_256_GCM, raw, KEK_LEN);
    pthread_mutex_unlock(&kek_lock);
    secret_wipe(raw, sizeof(raw));
    if (!have_kek)
        snprintf(err->reason, sizeof(err->reason), "cannot use the identity key");
    return have_kek ? 0 : -1;
}

void idcrypt_close(void)
{
    pthread_mutex_lock(&kek_lock);
    if (have_kek)
        rp_aead_key_wipe(&kek);
    have_kek = 0;
    pthread_mutex_unlock(&kek_lock);
}

int idcrypt_seal(const char *purpose, const unsigned char *plain, size_t len,
                 char out[IDCRYPT_SEALED_MAX])
{
    unsigned char buf[RP_GCM_NONCE + IDCRYPT_MAX_PLAIN + RP_GCM_TAG];
    if (!have_kek || len > IDCRYPT_MAX_PLAIN || secret_random(buf, RP_GCM_NONCE))
        return -1;
    rp_aead_seal(&kek, buf, (const uint8_t *)purpose, strlen(purpose), plain, len,
                 buf + RP_GCM_NONCE, buf + RP_GCM_NONCE + len);
    secret_base64url(buf, RP_GCM_NONCE + len + RP_GCM_TAG, out);
    return 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

int idcrypt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1)) /* non-canonical trailing bits */
        return -1;
    return (int)o;
}

int idcrypt_open(const char *purpose, const char *sealed, unsigned char out[IDCRYPT_MAX_PLAIN])
{
    unsigned char buf[RP_GCM_NONCE + IDCRYPT_MAX_PLAIN + RP_GCM_TAG];
    int n = idcrypt_b64url_decode(sealed, strlen(sealed), buf, sizeof(buf));
    if (!have_kek || n < RP_GCM_NONCE + RP_GCM_TAG)
        return -1;
    size_t len = (size_t)n - RP_GCM_NONCE - RP_GCM_TAG;
    if (!rp_aead_open(&kek, buf, (const uint8_t *)purpose, strlen(purpose), buf + RP_GCM_NONCE, len,
                      out, buf + RP_GCM_NONCE + len))
        return -1;
    return (int)len;
}
