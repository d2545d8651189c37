/*
 * audit_sign.c — the audit log's SM2 key pair and signatures (see
 * audit_sign.h).
 */
#include "audit_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct audit_key {
    EVP_PKEY *pkey;
    unsigned char id[AUDIT_HASH_LEN];
};

static int is_sm2(EVP_PKEY *pkey)
{
    return pkey && EVP_PKEY_is_a(pkey, "SM2");
}

static audit_key_t *wrap(EVP_PKEY *pkey)
{
    if (!is_sm2(pkey)) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    audit_key_t *k = calloc(1, sizeof(*k));
    unsigned char *der = NULL;
    int n = k ? i2d_PUBKEY(pkey, &der) : -1;
    if (n <= 0 || audit_sm3(der, (size_t)n, k->id)) {
        OPENSSL_free(der);
        free(k);
        EVP_PKEY_free(pkey);
        return NULL;
    }
    OPENSSL_free(der);
    k->pkey = pkey;
    return k;
}

void audit_key_free(audit_key_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

audit_key_t *audit_key_from_public_pem(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return wrap(pkey);
}

audit_key_t *audit_key_from_public_file(const char *path, rp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->reason, sizeof(err->reason), "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    audit_key_t *k = wrap(pkey);
    if (!k)
        snprintf(err->reason, sizeof(err->reason), "%s is not an SM2 public key (PEM)", path);
    return k;
}

/* Writes data to path through a temporary file and rename, with mode. */
static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    int ok = fchmod(fd, mode) == 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int pem_of(EVP_PKEY *pkey, int private_key, strbuf_t *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = bio && (private_key ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                                 : PEM_write_bio_PUBKEY(bio, pkey)) == 1;
    char *data = NULL;
    long n = ok ? BIO_get_mem_data(bio, &data) : 0;
    if (ok && n > 0)
        strbuf_append(out, data, (size_t)n);
    BIO_free(bio);
    return ok && n > 0 && !out->failed ? 0 : -1;
}

int audit_key_public_pem(const audit_key_t *k, strbuf_t *out)
{
    return pem_of(k->pkey, 0, out);
}

void audit_key_id(const audit_key_t *k, unsigned char out[AUDIT_HASH_LEN])
{
    memcpy(out, k->id, AUDIT_HASH_LEN);
}

static audit_key_t *create_pair(const char *key_path, const char *pub_path, rp_error_t *err)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    if (!pkey) {
        snprintf(err->reason, sizeof(err->reason), "cannot generate an SM2 key pair");
        return NULL;
    }
    strbuf_t priv, pub;
    strbuf_init(&priv, 0);
    strbuf_init(&pub, 0);
    int rc = pem_of(pkey, 1, &priv) || pem_of(pkey, 0, &pub) ||
             write_file(key_path, priv.data, priv.len, 0600) ||
             write_file(pub_path, pub.data, pub.len, 0644);
    if (priv.data)
        OPENSSL_cleanse(priv.data, priv.cap);
    strbuf_free(&priv);
    strbuf_free(&pub);
    if (rc) {
        snprintf(err->reason, sizeof(err->reason), "cannot write the audit key pair %s: %s",
                 key_path, strerror(errno));
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return wrap(pkey);
}

audit_key_t *audit_key_load_or_create(const char *dir, rp_error_t *err)
{
    char key_path[1100], pub_path[1100];
    snprintf(key_path, sizeof(key_path), "%s/%s", dir, AUDIT_KEY_FILE);
    snprintf(pub_path, sizeof(pub_path), "%s/%s", dir, AUDIT_PUBKEY_FILE);
    struct stat st;
    if (stat(key_path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err->reason, sizeof(err->reason), "%s: %s", key_path, strerror(errno));
            return NULL;
        }
        return create_pair(key_path, pub_path, err);
    }
    if (st.st_mode & 077) {
        snprintf(err->reason, sizeof(err->reason),
                 "%s is readable by others (mode %03o); it must be 0600", key_path,
                 (unsigned)(st.st_mode & 0777));
        return NULL;
    }
    FILE *f = fopen(key_path, "rb");
    EVP_PKEY *pkey = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    audit_key_t *k = wrap(pkey);
    if (!k) {
        snprintf(err->reason, sizeof(err->reason), "%s is not an SM2 private key (PEM)", key_path);
        return NULL;
    }
    /* The public file is derived: rewrite it when missing. */
    if (stat(pub_path, &st) != 0) {
        strbuf_t pub;
        strbuf_init(&pub, 0);
        if (pem_of(k->pkey, 0, &pub) == 0)
            write_file(pub_path, pub.data, pub.len, 0644);
        strbuf_free(&pub);
    }
    return k;
}

static EVP_MD_CTX *sm2_context(const audit_key_t *k, int signing)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    /* The ID goes in after init (OpenSSL 3.0 refuses it as an init
     * parameter); Z = SM3(ENTL || ID || curve || key) is computed at the
     * first update, with it. */
    int ok =
        ctx &&
        (signing ? EVP_DigestSignInit_ex(ctx, &pctx, "SM3", NULL, NULL, k->pkey, NULL)
                 : EVP_DigestVerifyInit_ex(ctx, &pctx, "SM3", NULL, NULL, k->pkey, NULL)) == 1 &&
        EVP_PKEY_CTX_set1_id(pctx, AUDIT_SM2_ID, sizeof(AUDIT_SM2_ID) - 1) > 0;
    if (!ok) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int audit_sign(const audit_key_t *k, const void *msg, size_t len, unsigned char *sig,
               size_t *sig_len)
{
    EVP_MD_CTX *ctx = sm2_context(k, 1);
    int ok = ctx && EVP_DigestSign(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

int audit_verify_signature(const audit_key_t *k, const void *msg, size_t len,
                           const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *ctx = sm2_context(k, 0);
    int ok = ctx && EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}
