/*
 * soft_authenticator_core.c — the tests' software authenticator (see
 * soft_authenticator_core.h).
 *
 * State file: {"credentials": [{"rp_id", "id" (b64u), "user_handle" (b64u),
 * "alg", "key" (PKCS#8 PEM), "sign_count"}]}. Test keys only: the file holds
 * private keys in the clear.
 */
#include "soft_authenticator_core.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALG_ES256 (-7)
#define ALG_RS256 (-257)

struct soft_authn {
    json_t *credentials; /* array */
};

/* A fixed AAGUID naming this authenticator: "rampart-soft-aut". */
static const unsigned char soft_aaguid[16] = {'r', 'a', 'm', 'p', 'a', 'r', 't', '-',
                                              's', 'o', 'f', 't', '-', 'a', 'u', 't'};

static void say(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* --- bytes ------------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    int failed;
} bytes_t;

static void put(bytes_t *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 64;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_byte(bytes_t *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

/* CBOR heads in their shortest form (RFC 8949 §3, §4.2.1). */
static void cbor_head(bytes_t *b, unsigned major, uint64_t arg)
{
    major <<= 5;
    if (arg < 24) {
        put_byte(b, major | (unsigned)arg);
    } else if (arg <= 0xff) {
        put_byte(b, major | 24);
        put_byte(b, (unsigned)arg);
    } else if (arg <= 0xffff) {
        put_byte(b, major | 25);
        put_byte(b, (unsigned)(arg >> 8));
        put_byte(b, (unsigned)arg & 0xff);
    } else {
        put_byte(b, major | 26);
        for (int s = 24; s >= 0; s -= 8)
            put_byte(b, (unsigned)(arg >> s) & 0xff);
    }
}

static void cbor_int(bytes_t *b, int64_t v)
{
    if (v >= 0)
        cbor_head(b, 0, (uint64_t)v);
    else
        cbor_head(b, 1, (uint64_t)(-1 - v));
}

static void cbor_bytes(bytes_t *b, const unsigned char *p, size_t n)
{
    cbor_head(b, 2, n);
    put(b, p, n);
}

static void cbor_text(bytes_t *b, const char *s)
{
    cbor_head(b, 3, strlen(s));
    put(b, s, strlen(s));
}

/* --- base64url ------------------------------------------------------------ */

static char *b64u_encode(const unsigned char *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return out;
}

unsigned char *soft_b64u_decode(const char *text, size_t *len)
{
    size_t n = strlen(text);
    if (n % 4 == 1 || strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_") != n)
        return NULL;
    size_t pad = (4 - n % 4) % 4;
    char *std = malloc(n + pad + 1);
    unsigned char *out = malloc((n + pad) / 4 * 3 + 1);
    if (!std || !out) {
        free(std);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        std[i] = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
    memset(std + n, '=', pad);
    std[n + pad] = '\0';
    int got = EVP_DecodeBlock(out, (unsigned char *)std, (int)(n + pad));
    free(std);
    if (got < 0) {
        free(out);
        return NULL;
    }
    *len = (size_t)got - pad;
    return out;
}

static json_t *b64u_json(const unsigned char *p, size_t n)
{
    char *s = b64u_encode(p, n);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* --- keys ---------------------------------------------------------------- */

static void sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

/* The COSE_Key of a public key, CTAP2 canonical (keys 1, 3, -1, -2, -3). */
static int cose_public_key(EVP_PKEY *key, int64_t alg, bytes_t *out)
{
    if (alg == ALG_ES256) {
        unsigned char point[65];
        size_t n = 0;
        if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                             &n) ||
            n != 65)
            return -1;
        cbor_head(out, 5, 5);
        cbor_int(out, 1), cbor_int(out, 2); /* kty EC2 */
        cbor_int(out, 3), cbor_int(out, ALG_ES256);
        cbor_int(out, -1), cbor_int(out, 1); /* crv P-256 */
        cbor_int(out, -2), cbor_bytes(out, point + 1, 32);
        cbor_int(out, -3), cbor_bytes(out, point + 33, 32);
        return out->failed ? -1 : 0;
    }
    BIGNUM *n = NULL, *e = NULL;
    if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
        BN_free(n);
        return -1;
    }
    unsigned char nb[1024], eb[16];
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    BN_free(n);
    BN_free(e);
    cbor_head(out, 5, 4);
    cbor_int(out, 1), cbor_int(out, 3); /* kty RSA */
    cbor_int(out, 3), cbor_int(out, ALG_RS256);
    cbor_int(out, -1), cbor_bytes(out, nb, (size_t)nl);
    cbor_int(out, -2), cbor_bytes(out, eb, (size_t)el);
    return out->failed ? -1 : 0;
}

/* alg's signature over a || b (SHA-256; ECDSA DER or PKCS#1 v1.5). */
static int sign2(EVP_PKEY *key, const unsigned char *a, size_t a_len, const unsigned char *b,
                 size_t b_len, unsigned char *sig, size_t *sig_len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) > 0 &&
             EVP_DigestSignUpdate(md, a, a_len) > 0 && EVP_DigestSignUpdate(md, b, b_len) > 0 &&
             EVP_DigestSignFinal(md, sig, sig_len) > 0;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out = NULL;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
        long n = BIO_get_mem_data(bio, &data);
        if ((out = malloc((size_t)n + 1))) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(bio);
    return out;
}

static EVP_PKEY *key_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

/* --- state --------------------------------------------------------------- */

/* A credential's text member; "" when a hand-edited state file lacks it. */
static const char *field_of(json_t *cred, const char *name)
{
    const char *v = json_string_value(json_object_get(cred, name));
    return v ? v : "";
}

soft_authn_t *soft_authn_new(void)
{
    soft_authn_t *a = calloc(1, sizeof(*a));
    if (a && !(a->credentials = json_array())) {
        free(a);
        return NULL;
    }
    return a;
}

void soft_authn_free(soft_authn_t *a)
{
    if (!a)
        return;
    json_decref(a->credentials);
    free(a);
}

int soft_authn_load(soft_authn_t *a, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    json_error_t jerr;
    json_t *doc = json_loadf(f, 0, &jerr);
    fclose(f);
    json_t *list = json_object_get(doc, "credentials");
    if (!json_is_array(list)) {
        json_decref(doc);
        return -1;
    }
    json_decref(a->credentials);
    a->credentials = json_incref(list);
    json_decref(doc);
    return 0;
}

int soft_authn_save(const soft_authn_t *a, const char *path)
{
    json_t *doc = json_pack("{s:O}", "credentials", a->credentials);
    int r = doc ? json_dump_file(doc, path, JSON_INDENT(2)) : -1;
    json_decref(doc);
    return r == 0 ? 0 : -1;
}

/* --- the client's part: clientDataJSON --------------------------------------- */

static char *client_data(const char *type, const char *challenge_b64u, const char *origin,
                         unsigned faults)
{
    size_t clen;
    unsigned char *challenge = soft_b64u_decode(challenge_b64u, &clen);
    if (!challenge)
        return NULL;
    if ((faults & SOFT_FAULT_WRONG_CHALLENGE) && clen)
        challenge[0] ^= 0x01;
    char *text = b64u_encode(challenge, clen);
    free(challenge);
    if (!text)
        return NULL;
    if (faults & SOFT_FAULT_WRONG_TYPE)
        type = strcmp(type, "webauthn.create") ? "webauthn.create" : "webauthn.get";
    if (faults & SOFT_FAULT_WRONG_ORIGIN)
        origin = "https://evil.example";
    /* the member order browsers use (Level 2 §5.8.1.1) */
    size_t cap = strlen(text) + strlen(origin) + 128;
    char *json = malloc(cap);
    if (json)
        snprintf(json, cap,
                 "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\","
                 "\"crossOrigin\":%s}",
                 type, text, origin, faults & SOFT_FAULT_CROSS_ORIGIN ? "true" : "false");
    free(text);
    return json;
}

static json_t *options_of(const char *options_json, char *err, size_t err_size)
{
    json_error_t jerr;
    json_t *doc = json_loads(options_json, 0, &jerr);
    if (!json_is_object(doc)) {
        say(err, err_size, "options: not a JSON object (%s)", jerr.text);
        json_decref(doc);
        return NULL;
    }
    json_t *inner = json_object_get(doc, "publicKey");
    if (json_is_object(inner)) {
        json_incref(inner);
        json_decref(doc);
        return inner;
    }
    return doc;
}

/* authenticator data: rpIdHash | flags | counter [| attested credential data] */
static void auth_data(bytes_t *b, const char *rp_id, unsigned flags, uint32_t count,
                      unsigned faults)
{
    unsigned char hash[32];
    const char *hashed = faults & SOFT_FAULT_WRONG_RP ? "evil.example" : rp_id;
    sha256(hashed, strlen(hashed), hash);
    put(b, hash, 32);
    if (faults & SOFT_FAULT_NO_UP)
        flags &= ~0x01u;
    put_byte(b, flags);
    for (int s = 24; s >= 0; s -= 8)
        put_byte(b, (count >> s) & 0xff);
}

static char *credential_json(const unsigned char *id, size_t id_len, json_t *response)
{
    json_t *doc = json_pack("{s:o, s:o, s:s, s:s, s:o, s:{}}", "id", b64u_json(id, id_len), "rawId",
                            b64u_json(id, id_len), "type", "public-key", "authenticatorAttachment",
                            "platform", "response", response, "clientExtensionResults");
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static int64_t pick_alg(json_t *params, int64_t wanted)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        int64_t alg = json_integer_value(json_object_get(p, "alg"));
        if ((alg == ALG_ES256 || alg == ALG_RS256) && (!wanted || wanted == alg))
            return alg;
    }
    return 0;
}

static int excluded(const soft_authn_t *a, json_t *exclude, const char *rp_id)
{
    size_t i, k;
    json_t *ex, *cred;
    json_array_foreach(exclude, i, ex)
    {
        const char *id = json_string_value(json_object_get(ex, "id"));
        json_array_foreach(a->credentials, k, cred)
        {
            if (id && !strcmp(id, field_of(cred, "id")) && !strcmp(rp_id, field_of(cred, "rp_id")))
                return 1;
        }
    }
    return 0;
}

char *soft_authn_create(soft_authn_t *a, const char *options_json, const soft_params_t *p,
                        char *err, size_t err_size)
{
    err[0] = '\0';
    json_t *opt = options_of(options_json, err, err_size);
    if (!opt)
        return NULL;
    const char *rp_id = json_string_value(json_object_get(json_object_get(opt, "rp"), "id"));
    const char *user_id = json_string_value(json_object_get(json_object_get(opt, "user"), "id"));
    const char *challenge = json_string_value(json_object_get(opt, "challenge"));
    int64_t alg = pick_alg(json_object_get(opt, "pubKeyCredParams"), p->alg);
    const char *fmt = p->fmt ? p->fmt : "none";
    char *result = NULL, *cdj = NULL, *pem = NULL;
    EVP_PKEY *key = NULL;
    bytes_t ad = {0}, att = {0};
    if (!rp_id || !user_id || !challenge || !p->origin) {
        say(err, err_size, "options: rp.id, user.id and challenge are required");
        goto done;
    }
    if (!alg) {
        say(err, err_size, "NotSupportedError: no offered algorithm is supported");
        goto done;
    }
    if (strcmp(fmt, "none") && strcmp(fmt, "packed")) {
        say(err, err_size, "attestation format %s is not one this authenticator makes", fmt);
        goto done;
    }
    if (excluded(a, json_object_get(opt, "excludeCredentials"), rp_id)) {
        say(err, err_size, "InvalidStateError: a credential in excludeCredentials is here");
        goto done;
    }
    key = alg == ALG_ES256 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                           : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    unsigned char id[32];
    if (!key || RAND_bytes(id, sizeof(id)) != 1 || !(pem = key_pem(key)) ||
        !(cdj = client_data("webauthn.create", challenge, p->origin, p->faults))) {
        say(err, err_size, "key generation or client data failed");
        goto done;
    }
    auth_data(&ad, rp_id, 0x41 | (p->user_verified ? 0x04 : 0), 0, p->faults);
    put(&ad, soft_aaguid, sizeof(soft_aaguid));
    put_byte(&ad, sizeof(id) >> 8);
    put_byte(&ad, sizeof(id) & 0xff);
    put(&ad, id, sizeof(id));
    if (cose_public_key(key, alg, &ad) < 0 || ad.failed) {
        say(err, err_size, "encoding the public key failed");
        goto done;
    }
    cbor_head(&att, 5, 3);
    cbor_text(&att, "fmt");
    cbor_text(&att, fmt);
    cbor_text(&att, "attStmt");
    if (!strcmp(fmt, "packed")) {
        unsigned char hash[32], sig[512];
        size_t sig_len = sizeof(sig);
        sha256(cdj, strlen(cdj), hash);
        if (p->faults & SOFT_FAULT_BAD_SIGNATURE)
            hash[0] ^= 0x01;
        EVP_PKEY *signer = p->attestation_key ? p->attestation_key : key;
        if (sign2(signer, ad.p, ad.len, hash, sizeof(hash), sig, &sig_len) < 0) {
            say(err, err_size, "signing failed");
            goto done;
        }
        int64_t att_alg = !p->attestation_key            ? alg
                          : EVP_PKEY_is_a(signer, "RSA") ? ALG_RS256
                                                         : ALG_ES256;
        cbor_head(&att, 5, p->attestation_key ? 3 : 2);
        cbor_text(&att, "alg");
        cbor_int(&att, att_alg);
        cbor_text(&att, "sig");
        cbor_bytes(&att, sig, sig_len);
        if (p->attestation_key) {
            cbor_text(&att, "x5c");
            cbor_head(&att, 4, p->n_x5c);
            for (size_t i = 0; i < p->n_x5c; i++)
                cbor_bytes(&att, p->x5c[i], p->x5c_len[i]);
        }
    } else {
        cbor_head(&att, 5, 0);
    }
    cbor_text(&att, "authData");
    cbor_bytes(&att, ad.p, ad.len);
    if (att.failed)
        goto done;
    unsigned char other_id[32];
    const unsigned char *shown_id = id;
    if ((p->faults & SOFT_FAULT_WRONG_CREDENTIAL) && RAND_bytes(other_id, 32) == 1)
        shown_id = other_id;
    json_t *response = json_pack("{s:o, s:o, s:[s]}", "clientDataJSON",
                                 b64u_json((unsigned char *)cdj, strlen(cdj)), "attestationObject",
                                 b64u_json(att.p, att.len), "transports", "internal");
    result = response ? credential_json(shown_id, sizeof(id), response) : NULL;
    json_array_append_new(a->credentials,
                          json_pack("{s:s, s:o, s:s, s:I, s:s, s:i}", "rp_id", rp_id, "id",
                                    b64u_json(id, sizeof(id)), "user_handle", user_id, "alg",
                                    (json_int_t)alg, "key", pem, "sign_count", 0));
done:
    if (!result && err[0] == '\0')
        say(err, err_size, "out of memory");
    free(ad.p);
    free(att.p);
    free(cdj);
    free(pem);
    EVP_PKEY_free(key);
    json_decref(opt);
    return result;
}

/* The credential get() uses: one of allowCredentials, or (empty list) the
 * first for the RP — a discoverable credential. */
static json_t *find_credential(soft_authn_t *a, json_t *allow, const char *rp_id)
{
    size_t i, k;
    json_t *cred, *al;
    json_array_foreach(a->credentials, i, cred)
    {
        if (strcmp(rp_id, field_of(cred, "rp_id")))
            continue;
        if (json_array_size(allow) == 0)
            return cred;
        json_array_foreach(allow, k, al)
        {
            const char *id = json_string_value(json_object_get(al, "id"));
            if (id && !strcmp(id, field_of(cred, "id")))
                return cred;
        }
    }
    return NULL;
}

char *soft_authn_get(soft_authn_t *a, const char *options_json, const soft_params_t *p, char *err,
                     size_t err_size)
{
    err[0] = '\0';
    json_t *opt = options_of(options_json, err, err_size);
    if (!opt)
        return NULL;
    const char *rp_id = json_string_value(json_object_get(opt, "rpId"));
    const char *challenge = json_string_value(json_object_get(opt, "challenge"));
    char *result = NULL, *cdj = NULL;
    unsigned char *id = NULL, *user = NULL;
    size_t id_len = 0, user_len = 0;
    EVP_PKEY *key = NULL;
    bytes_t ad = {0};
    json_t *cred =
        rp_id ? find_credential(a, json_object_get(opt, "allowCredentials"), rp_id) : NULL;
    if (!rp_id || !challenge || !p->origin) {
        say(err, err_size, "options: rpId and challenge are required");
        goto done;
    }
    if (!cred) {
        say(err, err_size, "NotAllowedError: no credential for %s here", rp_id);
        goto done;
    }
    json_int_t count = json_integer_value(json_object_get(cred, "sign_count"));
    if (!(p->faults & SOFT_FAULT_COUNTER_REGRESSION))
        json_object_set_new(cred, "sign_count", json_integer(++count));
    key = key_from_pem(field_of(cred, "key"));
    id = soft_b64u_decode(field_of(cred, "id"), &id_len);
    user = soft_b64u_decode(field_of(cred, "user_handle"), &user_len);
    if (!key || !id || !user ||
        !(cdj = client_data("webauthn.get", challenge, p->origin, p->faults)))
        goto done;
    auth_data(&ad, rp_id, 0x01 | (p->user_verified ? 0x04 : 0), (uint32_t)count, p->faults);
    unsigned char hash[32], sig[512];
    size_t sig_len = sizeof(sig);
    sha256(cdj, strlen(cdj), hash);
    if (p->faults & SOFT_FAULT_BAD_SIGNATURE)
        hash[0] ^= 0x01;
    if (ad.failed || sign2(key, ad.p, ad.len, hash, sizeof(hash), sig, &sig_len) < 0)
        goto done;
    if ((p->faults & SOFT_FAULT_WRONG_CREDENTIAL) && id_len)
        id[0] ^= 0x01;
    json_t *response = json_pack("{s:o, s:o, s:o, s:o}", "clientDataJSON",
                                 b64u_json((unsigned char *)cdj, strlen(cdj)), "authenticatorData",
                                 b64u_json(ad.p, ad.len), "signature", b64u_json(sig, sig_len),
                                 "userHandle", b64u_json(user, user_len));
    result = response ? credential_json(id, id_len, response) : NULL;
done:
    if (!result && err[0] == '\0')
        say(err, err_size, "key, encoding or signing failed");
    free(ad.p);
    free(cdj);
    free(id);
    free(user);
    EVP_PKEY_free(key);
    json_decref(opt);
    return result;
}

unsigned soft_fault_by_name(const char *name)
{
    static const struct {
        const char *name;
        unsigned fault;
    } faults[] = {
        {"wrong-origin", SOFT_FAULT_WRONG_ORIGIN},
        {"wrong-challenge", SOFT_FAULT_WRONG_CHALLENGE},
        {"bad-signature", SOFT_FAULT_BAD_SIGNATURE},
        {"no-up", SOFT_FAULT_NO_UP},
        {"counter-regression", SOFT_FAULT_COUNTER_REGRESSION},
        {"wrong-type", SOFT_FAULT_WRONG_TYPE},
        {"wrong-rp", SOFT_FAULT_WRONG_RP},
        {"cross-origin", SOFT_FAULT_CROSS_ORIGIN},
        {"wrong-credential", SOFT_FAULT_WRONG_CREDENTIAL},
    };
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        if (!strcmp(name, faults[i].name))
            return faults[i].fault;
    return 0;
}
