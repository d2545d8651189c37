/*
 * webauthn_cose.c — COSE_Key decoding and signature checks (see
 * webauthn_cose.h).
 *
 * Keys are built with EVP_PKEY_fromdata; EC keys are then checked with
 * EVP_PKEY_public_check_quick (not the point at infinity, on the curve),
 * so an invalid point is refused here rather than trusted later. P-256 has
 * cofactor 1, so the full check's extra n·Q = O multiplication would prove
 * nothing more and cost a scalar multiplication per login (RSA: see
 * from_params).
 */
#include "webauthn_cose.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <string.h>

#include "cbor.h"

#define COSE_KEY_KTY  1
#define COSE_KEY_ALG  3
#define COSE_KTY_EC2  2
#define COSE_KTY_RSA  3
#define COSE_EC2_CRV  (-1)
#define COSE_EC2_X    (-2)
#define COSE_EC2_Y    (-3)
#define COSE_CRV_P256 1
#define COSE_RSA_N    (-1)
#define COSE_RSA_E    (-2)

#define P256_COORD_LEN 32

/* check_public: run EVP_PKEY_public_check_quick — for EC keys only. OpenSSL's
 * RSA public check (SP 800-56B) runs Miller-Rabin with random bases over
 * the modulus: costly on every login, and for a malformed modulus its
 * verdict can change from one call to the next. An RSA key gets the
 * deterministic checks in rsa_key instead; a bogus modulus then only fails
 * its signatures. */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM *params, int check_public, char *err,
                             size_t err_size)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        snprintf(err, err_size, "the %s public key is not valid", type);
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    if (!check_public)
        return key;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!ctx || EVP_PKEY_public_check_quick(ctx) <= 0) {
        snprintf(err, err_size, "the %s public key fails its consistency check", type);
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return key;
}

static int bytes_of(const cbor_item_t *it, size_t exact_len)
{
    return it && it->type == CBOR_BYTES && (!exact_len || it->value == exact_len);
}

static EVP_PKEY *ec2_key(const cbor_item_t *map, char *err, size_t err_size)
{
    int64_t crv;
    if (cbor_int64(cbor_map_int(map, COSE_EC2_CRV), &crv) < 0 || crv != COSE_CRV_P256) {
        snprintf(err, err_size, "an ES256 key must be on P-256 (crv 1)");
        return NULL;
    }
    const cbor_item_t *x = cbor_map_int(map, COSE_EC2_X), *y = cbor_map_int(map, COSE_EC2_Y);
    if (!bytes_of(x, P256_COORD_LEN) || !bytes_of(y, P256_COORD_LEN)) {
        snprintf(err, err_size, "an ES256 key needs x and y of 32 bytes each");
        return NULL;
    }
    unsigned char point[1 + 2 * P256_COORD_LEN];
    point[0] = 0x04; /* uncompressed (SEC 1 §2.3.3) */
    memcpy(point + 1, x->data, P256_COORD_LEN);
    memcpy(point + 1 + P256_COORD_LEN, y->data, P256_COORD_LEN);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)),
        OSSL_PARAM_construct_end()};
    return from_params("EC", params, 1, err, err_size);
}

static EVP_PKEY *rsa_key(const cbor_item_t *map, char *err, size_t err_size)
{
    const cbor_item_t *n_item = cbor_map_int(map, COSE_RSA_N);
    const cbor_item_t *e_item = cbor_map_int(map, COSE_RSA_E);
    if (!bytes_of(n_item, 0) || !bytes_of(e_item, 0) || e_item->value > 8) {
        snprintf(err, err_size, "an RS256 key needs n and e (at most 8 bytes)");
        return NULL;
    }
    EVP_PKEY *key = NULL;
    BIGNUM *n = BN_bin2bn(n_item->data, (int)n_item->value, NULL);
    BIGNUM *e = BN_bin2bn(e_item->data, (int)e_item->value, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    if (!n || !e || !bld) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    int bits = BN_num_bits(n);
    if (bits < WEBAUTHN_RSA_MIN_BITS || bits > WEBAUTHN_RSA_MAX_BITS) {
        snprintf(err, err_size, "an RS256 modulus of %d bits (accepted: %d to %d)", bits,
                 WEBAUTHN_RSA_MIN_BITS, WEBAUTHN_RSA_MAX_BITS);
        goto done;
    }
    if (!BN_is_odd(n)) {
        snprintf(err, err_size, "an RS256 modulus must be odd");
        goto done;
    }
    if (!BN_is_odd(e) || BN_is_one(e)) {
        snprintf(err, err_size, "an RS256 public exponent must be odd and at least 3");
        goto done;
    }
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        !(params = OSSL_PARAM_BLD_to_param(bld))) {
        snprintf(err, err_size, "out of memory");
        goto done;
    }
    key = from_params("RSA", params, 0, err, err_size);
done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return key;
}

webauthn_result_t webauthn_cose_key_decode(const unsigned char *cbor, size_t len, EVP_PKEY **key,
                                           int64_t *alg, char *err, size_t err_size)
{
    *key = NULL;
    cbor_doc_t doc;
    cbor_limits_t limits = {.flags = CBOR_CANONICAL, .max_depth = 4, .max_items = 64};
    char why[128];
    if (cbor_decode(cbor, len, &limits, &doc, why, sizeof(why)) < 0) {
        snprintf(err, err_size, "credential public key: %s", why);
        return WEBAUTHN_ERR_PUBLIC_KEY;
    }
    webauthn_result_t r = WEBAUTHN_ERR_PUBLIC_KEY;
    const cbor_item_t *map = &doc.items[0];
    int64_t kty, key_alg;
    if (map->type != CBOR_MAP) {
        snprintf(err, err_size, "credential public key: not a COSE_Key map");
    } else if (cbor_int64(cbor_map_int(map, COSE_KEY_KTY), &kty) < 0 ||
               cbor_int64(cbor_map_int(map, COSE_KEY_ALG), &key_alg) < 0) {
        snprintf(err, err_size, "credential public key: kty and alg are required");
    } else if (key_alg == COSE_ALG_ES256 && kty == COSE_KTY_EC2) {
        *key = ec2_key(map, err, err_size);
    } else if (key_alg == COSE_ALG_RS256 && kty == COSE_KTY_RSA) {
        *key = rsa_key(map, err, err_size);
    } else {
        snprintf(err, err_size, "credential public key: unsupported kty %lld with alg %lld",
                 (long long)kty, (long long)key_alg);
        r = WEBAUTHN_ERR_ALGORITHM;
    }
    if (*key) {
        *alg = key_alg;
        r = WEBAUTHN_OK;
    }
    cbor_doc_free(&doc);
    return r;
}

int webauthn_alg_fits_key(EVP_PKEY *key, int64_t alg)
{
    if (alg == COSE_ALG_RS256)
        return EVP_PKEY_is_a(key, "RSA");
    if (alg != COSE_ALG_ES256 || !EVP_PKEY_is_a(key, "EC"))
        return 0;
    char group[32];
    size_t n;
    return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                          &n) &&
           (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"));
}

int webauthn_signature_verify(EVP_PKEY *key, int64_t alg, const unsigned char *part1,
                              size_t part1_len, const unsigned char *part2, size_t part2_len,
                              const unsigned char *sig, size_t sig_len)
{
    if (!key || !sig || !sig_len || !webauthn_alg_fits_key(key, alg))
        return 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) > 0 &&
             (!part1_len || EVP_DigestVerifyUpdate(md, part1, part1_len) > 0) &&
             (!part2_len || EVP_DigestVerifyUpdate(md, part2, part2_len) > 0) &&
             EVP_DigestVerifyFinal(md, sig, sig_len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}
