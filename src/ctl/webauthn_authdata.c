/*
 * webauthn_authdata.c — authenticator data parsing (see
 * webauthn_authdata.h).
 */
#include "webauthn_authdata.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cbor.h"
#include "secret.h"

/* The CBOR item at in[0..len): its length through *used, or -1. A COSE key
 * is small, an extensions map modest: tight limits keep the cost bounded. */
static int measure_cbor(const unsigned char *in, size_t len, int want_map, size_t *used,
                        const char *what, char *err, size_t err_size)
{
    cbor_doc_t doc;
    cbor_limits_t limits = {.flags = CBOR_PREFIX, .max_depth = 8, .max_items = 256};
    char why[128];
    if (cbor_decode(in, len, &limits, &doc, why, sizeof(why)) < 0) {
        snprintf(err, err_size, "authenticator data: %s: %s", what, why);
        return -1;
    }
    int is_map = doc.items[0].type == CBOR_MAP;
    *used = doc.consumed;
    cbor_doc_free(&doc);
    if (want_map && !is_map) {
        snprintf(err, err_size, "authenticator data: %s is not a CBOR map", what);
        return -1;
    }
    return 0;
}

int webauthn_authdata_parse(const unsigned char *in, size_t len, webauthn_authdata_t *out,
                            char *err, size_t err_size)
{
    memset(out, 0, sizeof(*out));
    if (!in || len < WEBAUTHN_AUTHDATA_MIN_LEN) {
        snprintf(err, err_size, "authenticator data: %zu bytes, at least %d expected", len,
                 WEBAUTHN_AUTHDATA_MIN_LEN);
        return -1;
    }
    out->rp_id_hash = in;
    out->flags = in[32];
    out->sign_count =
        (uint32_t)in[33] << 24 | (uint32_t)in[34] << 16 | (uint32_t)in[35] << 8 | (uint32_t)in[36];
    size_t pos = WEBAUTHN_AUTHDATA_MIN_LEN;
    if (out->flags & WEBAUTHN_FLAG_AT) {
        if (len - pos < WEBAUTHN_AAGUID_LEN + 2) {
            snprintf(err, err_size, "authenticator data: attested credential data truncated");
            return -1;
        }
        out->aaguid = in + pos;
        pos += WEBAUTHN_AAGUID_LEN;
        size_t id_len = (size_t)in[pos] << 8 | in[pos + 1];
        pos += 2;
        if (id_len == 0 || id_len > WEBAUTHN_CREDENTIAL_ID_MAX) {
            snprintf(err, err_size, "authenticator data: a credential id of %zu bytes", id_len);
            return -1;
        }
        if (len - pos < id_len) {
            snprintf(err, err_size, "authenticator data: credential id truncated");
            return -1;
        }
        out->credential_id = in + pos;
        out->credential_id_len = id_len;
        pos += id_len;
        out->public_key = in + pos;
        if (measure_cbor(in + pos, len - pos, 1, &out->public_key_len, "credential public key", err,
                         err_size) < 0)
            return -1;
        pos += out->public_key_len;
    }
    if (out->flags & WEBAUTHN_FLAG_ED) {
        out->extensions = in + pos;
        if (measure_cbor(in + pos, len - pos, 1, &out->extensions_len, "extensions", err,
                         err_size) < 0)
            return -1;
        pos += out->extensions_len;
    }
    if (pos != len) {
        snprintf(err, err_size, "authenticator data: %zu unexpected bytes at the end", len - pos);
        return -1;
    }
    return 0;
}

webauthn_result_t webauthn_authdata_check(const webauthn_authdata_t *ad,
                                          const webauthn_ceremony_t *ceremony, char *err,
                                          size_t err_size)
{
    unsigned char rp_hash[SECRET_SHA256_LEN];
    const char *rp_id = ceremony->rp_id ? ceremony->rp_id : "";
    secret_sha256(rp_id, strlen(rp_id), rp_hash);
    if (!ceremony->rp_id || CRYPTO_memcmp(rp_hash, ad->rp_id_hash, sizeof(rp_hash))) {
        snprintf(err, err_size, "authenticator data: rpIdHash is not that of our RP ID");
        return WEBAUTHN_ERR_RP_ID;
    }
    if ((ad->flags & WEBAUTHN_FLAG_BS) && !(ad->flags & WEBAUTHN_FLAG_BE)) {
        snprintf(err, err_size, "authenticator data: backed up (BS) but not backup eligible (BE)");
        return WEBAUTHN_ERR_MALFORMED;
    }
    if (!(ad->flags & WEBAUTHN_FLAG_UP)) {
        snprintf(err, err_size, "authenticator data: the user was not present (UP)");
        return WEBAUTHN_ERR_USER_PRESENCE;
    }
    if (ceremony->require_user_verification && !(ad->flags & WEBAUTHN_FLAG_UV)) {
        snprintf(err, err_size, "authenticator data: the user was not verified (UV)");
        return WEBAUTHN_ERR_USER_VERIFICATION;
    }
    return WEBAUTHN_OK;
}
