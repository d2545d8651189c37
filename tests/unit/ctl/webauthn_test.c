/*
 * webauthn_test.c — WebAuthn (webauthn_*.c), CBOR (cbor.c) and base64url
 * (base64url.c): ceremonies end to end against the tests' software
 * authenticator (tests/support/soft_authenticator_core.c), every refusal it
 * can provoke, hand-made malformed input, packed x5c chains made here with
 * OpenSSL, and the W3C WebAuthn Level 3 specification's own test vectors
 * (none, packed self and packed x5c with ES256; packed x5c with RS256),
 * verified as published.
 */
#include "test_util.h"

#include <ctype.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base64url.h"
#include "cbor.h"
#include "secret.h"
#include "soft_authenticator_core.h"
#include "webauthn.h"
#include "webauthn_assertion.h"
#include "webauthn_authdata.h"
#include "webauthn_client_data.h"
#include "webauthn_cose.h"
#include "webauthn_options.h"
#include "webauthn_register.h"

#define RP_ID  "login.example.test"
#define ORIGIN "https://login.example.test"

static const char *const origins[] = {"https://other.example.test", ORIGIN};
static const unsigned char user_handle[] = {0x75, 0x73, 0x65, 0x72, 0x2d, 0x34, 0x32};

/* --- helpers ------------------------------------------------------------- */

/* Hex to bytes; spaces (used to mark a field in a vector) are skipped. */
static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        assert_true(n < cap);
        assert_true(isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]));
        assert_int_equal(sscanf(p, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
        p += 2;
    }
    return n;
}

static char *creation_options(const unsigned char *challenge, const char *uv,
                              const webauthn_credential_ref_t *exclude, size_t n_exclude)
{
    webauthn_creation_request_t req = {.rp_id = RP_ID,
                                       .rp_name = "Rampart",
                                       .user_handle = user_handle,
                                       .user_handle_len = sizeof(user_handle),
                                       .user_name = "alice",
                                       .user_display_name = "Alice",
                                       .challenge = challenge,
                                       .challenge_len = WEBAUTHN_CHALLENGE_LEN,
                                       .exclude = exclude,
                                       .n_exclude = n_exclude,
                                       .user_verification = uv};
    json_t *o = webauthn_creation_options(&req);
    assert_non_null(o);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static char *request_options(const unsigned char *challenge, const webauthn_credential_t *cred)
{
    webauthn_credential_ref_t allow = {cred->credential_id, cred->credential_id_len};
    webauthn_request_request_t req = {.rp_id = RP_ID,
                                      .challenge = challenge,
                                      .challenge_len = WEBAUTHN_CHALLENGE_LEN,
                                      .allow = &allow,
                                      .n_allow = 1};
    json_t *o = webauthn_request_options(&req);
    assert_non_null(o);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

typedef struct {
    int require_uv;
    const int64_t *algorithms;
    size_t n_algorithms;
    X509_STORE *anchors;
} reg_policy_t;

/* One registration: options from the library, the soft authenticator's
 * answer, parse and verify. */
static webauthn_result_t do_register(soft_authn_t *a, const soft_params_t *p,
                                     const reg_policy_t *rp, webauthn_credential_t *out)
{
    unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
    assert_int_equal(webauthn_challenge(challenge), 0);
    char *options = creation_options(challenge, "preferred", NULL, 0);
    char err[256];
    char *answer = soft_authn_create(a, options, p, err, sizeof(err));
    if (!answer)
        fail_msg("soft authenticator: %s", err);
    webauthn_response_t resp;
    webauthn_result_t r = webauthn_response_parse(answer, strlen(answer), WEBAUTHN_REGISTRATION,
                                                  &resp, err, sizeof(err));
    assert_int_equal(r, WEBAUTHN_OK);
    webauthn_registration_policy_t policy = {
        .ceremony = {.rp_id = RP_ID,
                     .origins = origins,
                     .n_origins = 2,
                     .challenge = challenge,
                     .challenge_len = sizeof(challenge),
                     .require_user_verification = rp ? rp->require_uv : 0},
        .algorithms = rp ? rp->algorithms : NULL,
        .n_algorithms = rp ? rp->n_algorithms : 0,
        .attestation_anchors = rp ? rp->anchors : NULL};
    r = webauthn_registration_verify(&policy, &resp, out, err, sizeof(err));
    assert_true(r == WEBAUTHN_OK || err[0] != '\0');
    webauthn_response_clear(&resp);
    free(answer);
    free(options);
    return r;
}

static webauthn_result_t do_assert(soft_authn_t *a, const soft_params_t *p,
                                   const webauthn_credential_t *cred, uint32_t stored_count,
                                   int require_uv, int refuse_cloned,
                                   webauthn_assertion_result_t *res)
{
    unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
    assert_int_equal(webauthn_challenge(challenge), 0);
    char *options = request_options(challenge, cred);
    char err[256];
    char *answer = soft_authn_get(a, options, p, err, sizeof(err));
    if (!answer)
        fail_msg("soft authenticator: %s", err);
    webauthn_response_t resp;
    assert_int_equal(webauthn_response_parse(answer, strlen(answer), WEBAUTHN_AUTHENTICATION, &resp,
                                             err, sizeof(err)),
                     WEBAUTHN_OK);
    assert_non_null(resp.user_handle);
    webauthn_assertion_policy_t policy = {.ceremony = {.rp_id = RP_ID,
                                                       .origins = origins,
                                                       .n_origins = 2,
                                                       .challenge = challenge,
                                                       .challenge_len = sizeof(challenge),
                                                       .require_user_verification = require_uv},
                                          .refuse_cloned = refuse_cloned};
    webauthn_stored_credential_t stored = {.credential_id = cred->credential_id,
                                           .credential_id_len = cred->credential_id_len,
                                           .public_key = cred->public_key,
                                           .public_key_len = cred->public_key_len,
                                           .sign_count = stored_count,
                                           .user_handle = user_handle,
                                           .user_handle_len = sizeof(user_handle)};
    webauthn_result_t r = webauthn_assertion_verify(&policy, &stored, &resp, res, err, sizeof(err));
    assert_true(r == WEBAUTHN_OK || err[0] != '\0');
    webauthn_response_clear(&resp);
    free(answer);
    free(options);
    return r;
}

/* --- CBOR and base64url ------------------------------------------------------ */

static int decodes(const char *hex, unsigned flags)
{
    unsigned char buf[256];
    size_t n = unhex(hex, buf, sizeof(buf));
    cbor_doc_t doc;
    cbor_limits_t limits = {.flags = flags};
    char err[128];
    int r = cbor_decode(buf, n, &limits, &doc, err, sizeof(err));
    if (r == 0)
        cbor_doc_free(&doc);
    else
        assert_int_equal(strncmp(err, "offset ", 7), 0);
    return r == 0;
}

static void test_cbor_accepts(void **state)
{
    (void)state;
    /* {1: 2, 3: -7, "a": [h'01', true, null], -1: "é"} */
    unsigned char buf[64];
    size_t n = unhex("a40102032661618341"
                     "01f5f62062c3a9",
                     buf, sizeof(buf));
    cbor_doc_t doc;
    char err[128];
    assert_int_equal(cbor_decode(buf, n, NULL, &doc, err, sizeof(err)), 0);
    const cbor_item_t *root = &doc.items[0];
    assert_int_equal(root->type, CBOR_MAP);
    assert_int_equal(root->value, 4);
    assert_int_equal(root->span, doc.n_items);
    int64_t v;
    assert_int_equal(cbor_int64(cbor_map_int(root, 3), &v), 0);
    assert_int_equal(v, -7);
    const cbor_item_t *arr = cbor_map_text(root, "a");
    assert_non_null(arr);
    assert_int_equal(arr->type, CBOR_ARRAY);
    assert_int_equal(cbor_child(arr, 1)->type, CBOR_TRUE);
    assert_int_equal(cbor_child(arr, 2)->type, CBOR_NULL);
    assert_null(cbor_child(arr, 3));
    assert_true(cbor_text_is(cbor_map_int(root, -1), "\xc3\xa9"));
    assert_null(cbor_map_int(root, 7));
    cbor_doc_free(&doc);
    /* the largest values */
    assert_true(decodes("1bffffffffffffffff", 0));
    assert_true(decodes("3bffffffffffffffff", 0));
    assert_true(decodes("a0", CBOR_CANONICAL));
    assert_true(decodes("a2012002f4", CBOR_CANONICAL)); /* {1: -1, 2: false} */
}

static void test_cbor_refusals(void **state)
{
    (void)state;
    assert_false(decodes("", 0));                   /* nothing */
    assert_false(decodes("9f0102ff", 0));           /* indefinite array */
    assert_false(decodes("5f4101ff", 0));           /* indefinite bytes */
    assert_false(decodes("c11a514b67b0", 0));       /* a tag */
    assert_false(decodes("f93c00", 0));             /* half float */
    assert_false(decodes("fb3ff0000000000000", 0)); /* double */
    assert_false(decodes("f0", 0));                 /* simple value 16 */
    assert_false(decodes("f818", 0));               /* one-byte simple value */
    assert_false(decodes("ff", 0));                 /* a lone break */
    assert_false(decodes("1c", 0));                 /* reserved additional information */
    assert_false(decodes("a201020103", 0));         /* duplicate key 1 */
    assert_false(decodes("a2616101616102", 0));     /* duplicate key "a" */
    assert_false(decodes("a21801010102", 0));       /* 1 twice, once in a longer head */
    assert_false(decodes("a1800102", 0));           /* an array as a key */
    assert_false(decodes("0102", 0));               /* trailing bytes */
    assert_false(decodes("5a00010000", 0));         /* a string longer than the input */
    assert_false(decodes("9bffffffffffffffff", 0)); /* an absurd array */
    assert_false(decodes("62c328", 0));             /* invalid UTF-8 */
    assert_false(decodes("63eda080", 0));           /* a UTF-16 surrogate in UTF-8 */
    assert_false(decodes("62c0af", 0));             /* an overlong form */
    assert_false(decodes("1817", CBOR_CANONICAL));  /* 23 in two bytes */
    assert_false(decodes("190017", CBOR_CANONICAL));
    assert_true(decodes("1817", 0));
    assert_false(decodes("a203010102", CBOR_CANONICAL)); /* keys out of order */
    assert_true(decodes("a203010102", 0));
    assert_false(decodes("a220010102", CBOR_CANONICAL)); /* -1 (0x20) before 1 (0x01) */
    /* nesting beyond the limit */
    unsigned char deep[40];
    memset(deep, 0x81, sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = 0x00;
    cbor_doc_t doc;
    char err[128];
    assert_int_equal(cbor_decode(deep, sizeof(deep), NULL, &doc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "deeper"));
    /* more items than allowed */
    unsigned char many[20] = {0x93};
    cbor_limits_t few = {.max_items = 10};
    assert_int_equal(cbor_decode(many, sizeof(many), &few, &doc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "items"));
    /* CBOR_PREFIX reports how much the item took */
    cbor_limits_t prefix = {.flags = CBOR_PREFIX};
    assert_int_equal(
        cbor_decode((const unsigned char *)"\x82\x01\x02\xff", 4, &prefix, &doc, err, sizeof(err)),
        0);
    assert_int_equal(doc.consumed, 3);
    cbor_doc_free(&doc);
}

static void test_base64url(void **state)
{
    (void)state;
    unsigned char out[16];
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vYmFy"), out, sizeof(out)), 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vYg"), out, sizeof(out)), 4);
    assert_int_equal(base64url_decode(STR_AND_LEN("-_8"), out, sizeof(out)), 2);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(base64url_decode(STR_AND_LEN(""), out, sizeof(out)), 0);
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vYg=="), out, sizeof(out)), -1); /* padding */
    assert_int_equal(base64url_decode(STR_AND_LEN("+/8"), out, sizeof(out)), -1);      /* base64 */
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9v Yg"), out, sizeof(out)), -1);
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vY"), out, sizeof(out)), -1); /* 6 bits */
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vYh"), out, sizeof(out)),
                     -1);                                                    /* stray bits */
    assert_int_equal(base64url_decode(STR_AND_LEN("Zm9vYmFy"), out, 5), -1); /* too small */
}

/* --- round trips with the soft authenticator -------------------------------------- */

static void round_trip(int64_t alg, const char *fmt, webauthn_attestation_type_t expected)
{
    soft_authn_t *a = soft_authn_new();
    soft_params_t p = {.origin = ORIGIN, .alg = alg, .fmt = fmt, .user_verified = 1};
    webauthn_credential_t cred;
    assert_int_equal(do_register(a, &p, NULL, &cred), WEBAUTHN_OK);
    assert_int_equal(cred.algorithm, alg);
    assert_int_equal(cred.attestation, expected);
    assert_string_equal(cred.fmt, fmt);
    assert_int_equal(cred.credential_id_len, 32);
    assert_memory_equal(cred.aaguid, "rampart-soft-aut", 16);
    assert_true(cred.flags & WEBAUTHN_FLAG_UV);
    assert_int_equal(cred.sign_count, 0);
    webauthn_assertion_result_t res;
    uint32_t count = cred.sign_count;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(do_assert(a, &p, &cred, count, 1, 1, &res), WEBAUTHN_OK);
        assert_int_equal(res.sign_count, count + 1);
        assert_false(res.clone_warning);
        assert_true(res.user_verified);
        count = res.sign_count;
    }
    webauthn_credential_clear(&cred);
    soft_authn_free(a);
}

/* both algorithms, both attestation formats */
static void test_round_trips(void **state)
{
    (void)state;
    round_trip(COSE_ALG_ES256, "none", WEBAUTHN_ATTESTATION_NONE);
    round_trip(COSE_ALG_ES256, "packed", WEBAUTHN_ATTESTATION_SELF);
    round_trip(COSE_ALG_RS256, "none", WEBAUTHN_ATTESTATION_NONE);
    round_trip(COSE_ALG_RS256, "packed", WEBAUTHN_ATTESTATION_SELF);
}

/* --- refusals in registration ------------------------------------------------ */

static webauthn_result_t register_with(unsigned faults, const char *fmt, int uv,
                                       const reg_policy_t *rp)
{
    soft_authn_t *a = soft_authn_new();
    soft_params_t p = {.origin = ORIGIN, .fmt = fmt, .user_verified = uv, .faults = faults};
    webauthn_credential_t cred;
    webauthn_result_t r = do_register(a, &p, rp, &cred);
    if (r == WEBAUTHN_OK)
        webauthn_credential_clear(&cred);
    else
        assert_null(cred.credential_id);
    soft_authn_free(a);
    return r;
}

static void test_registration_refusals(void **state)
{
    (void)state;
    assert_int_equal(register_with(SOFT_FAULT_WRONG_ORIGIN, "none", 0, NULL), WEBAUTHN_ERR_ORIGIN);
    assert_int_equal(register_with(SOFT_FAULT_WRONG_CHALLENGE, "none", 0, NULL),
                     WEBAUTHN_ERR_CHALLENGE);
    assert_int_equal(register_with(SOFT_FAULT_WRONG_TYPE, "none", 0, NULL), WEBAUTHN_ERR_TYPE);
    assert_int_equal(register_with(SOFT_FAULT_CROSS_ORIGIN, "none", 0, NULL),
                     WEBAUTHN_ERR_CROSS_ORIGIN);
    assert_int_equal(register_with(SOFT_FAULT_WRONG_RP, "none", 0, NULL), WEBAUTHN_ERR_RP_ID);
    assert_int_equal(register_with(SOFT_FAULT_NO_UP, "none", 0, NULL), WEBAUTHN_ERR_USER_PRESENCE);
    assert_int_equal(register_with(SOFT_FAULT_BAD_SIGNATURE, "packed", 0, NULL),
                     WEBAUTHN_ERR_SIGNATURE);
    assert_int_equal(register_with(SOFT_FAULT_WRONG_CREDENTIAL, "none", 0, NULL),
                     WEBAUTHN_ERR_CREDENTIAL);
    reg_policy_t uv = {.require_uv = 1};
    assert_int_equal(register_with(0, "none", 0, &uv), WEBAUTHN_ERR_USER_VERIFICATION);
    assert_int_equal(register_with(0, "none", 1, &uv), WEBAUTHN_OK);
    /* a policy that accepts RS256 only refuses the ES256 key */
    static const int64_t rs256_only[] = {COSE_ALG_RS256};
    reg_policy_t rs = {.algorithms = rs256_only, .n_algorithms = 1};
    assert_int_equal(register_with(0, "none", 0, &rs), WEBAUTHN_ERR_ALGORITHM);
}

/* --- refusals in authentication ---------------------------------------------- */

typedef struct {
    soft_authn_t *a;
    webauthn_credential_t cred;
} enrolled_t;

static void enrol(enrolled_t *e, int64_t alg)
{
    e->a = soft_authn_new();
    soft_params_t p = {.origin = ORIGIN, .alg = alg};
    assert_int_equal(do_register(e->a, &p, NULL, &e->cred), WEBAUTHN_OK);
}

static void unenrol(enrolled_t *e)
{
    webauthn_credential_clear(&e->cred);
    soft_authn_free(e->a);
}

static webauthn_result_t assert_with(enrolled_t *e, unsigned faults, int uv, int require_uv)
{
    soft_params_t p = {.origin = ORIGIN, .faults = faults, .user_verified = uv};
    webauthn_assertion_result_t res;
    return do_assert(e->a, &p, &e->cred, 1000, require_uv, 0, &res);
}

static void test_assertion_refusals(void **state)
{
    (void)state;
    int64_t algs[] = {COSE_ALG_ES256, COSE_ALG_RS256};
    for (size_t i = 0; i < 2; i++) {
        enrolled_t e;
        enrol(&e, algs[i]);
        assert_int_equal(assert_with(&e, SOFT_FAULT_WRONG_ORIGIN, 0, 0), WEBAUTHN_ERR_ORIGIN);
        assert_int_equal(assert_with(&e, SOFT_FAULT_WRONG_CHALLENGE, 0, 0), WEBAUTHN_ERR_CHALLENGE);
        assert_int_equal(assert_with(&e, SOFT_FAULT_WRONG_TYPE, 0, 0), WEBAUTHN_ERR_TYPE);
        assert_int_equal(assert_with(&e, SOFT_FAULT_CROSS_ORIGIN, 0, 0), WEBAUTHN_ERR_CROSS_ORIGIN);
        assert_int_equal(assert_with(&e, SOFT_FAULT_WRONG_RP, 0, 0), WEBAUTHN_ERR_RP_ID);
        assert_int_equal(assert_with(&e, SOFT_FAULT_NO_UP, 0, 0), WEBAUTHN_ERR_USER_PRESENCE);
        assert_int_equal(assert_with(&e, SOFT_FAULT_BAD_SIGNATURE, 0, 0), WEBAUTHN_ERR_SIGNATURE);
        assert_int_equal(assert_with(&e, SOFT_FAULT_WRONG_CREDENTIAL, 0, 0),
                         WEBAUTHN_ERR_CREDENTIAL);
        assert_int_equal(assert_with(&e, 0, 0, 1), WEBAUTHN_ERR_USER_VERIFICATION);
        unenrol(&e);
    }
}

static void test_counter_regression(void **state)
{
    (void)state;
    enrolled_t e;
    enrol(&e, COSE_ALG_ES256);
    soft_params_t good = {.origin = ORIGIN};
    soft_params_t replayed = {.origin = ORIGIN, .faults = SOFT_FAULT_COUNTER_REGRESSION};
    webauthn_assertion_result_t res;
    assert_int_equal(do_assert(e.a, &good, &e.cred, 0, 0, 0, &res), WEBAUTHN_OK);
    assert_int_equal(res.sign_count, 1);
    assert_false(res.clone_warning);
    /* the same counter again: a warning, the stored counter unchanged */
    assert_int_equal(do_assert(e.a, &replayed, &e.cred, 1, 0, 0, &res), WEBAUTHN_OK);
    assert_true(res.clone_warning);
    assert_int_equal(res.sign_count, 1);
    /* ... and a refusal when the policy says so */
    assert_int_equal(do_assert(e.a, &replayed, &e.cred, 1, 0, 1, &res), WEBAUTHN_ERR_CLONED);
    /* a stored counter ahead of the authenticator's: a regression too */
    assert_int_equal(do_assert(e.a, &good, &e.cred, 50, 0, 0, &res), WEBAUTHN_OK);
    assert_true(res.clone_warning);
    unenrol(&e);
}

static void test_assertion_wrong_user_and_key(void **state)
{
    (void)state;
    enrolled_t e, other;
    enrol(&e, COSE_ALG_ES256);
    enrol(&other, COSE_ALG_ES256);
    unsigned char challenge[WEBAUTHN_CHALLENGE_LEN];
    assert_int_equal(webauthn_challenge(challenge), 0);
    char *options = request_options(challenge, &e.cred);
    soft_params_t p = {.origin = ORIGIN};
    char err[256];
    char *answer = soft_authn_get(e.a, options, &p, err, sizeof(err));
    assert_non_null(answer);
    webauthn_response_t resp;
    assert_int_equal(webauthn_response_parse(answer, strlen(answer), WEBAUTHN_AUTHENTICATION, &resp,
                                             err, sizeof(err)),
                     WEBAUTHN_OK);
    webauthn_assertion_policy_t policy = {.ceremony = {.rp_id = RP_ID,
                                                       .origins = origins,
                                                       .n_origins = 2,
                                                       .challenge = challenge,
                                                       .challenge_len = sizeof(challenge)}};
    webauthn_stored_credential_t stored = {.credential_id = e.cred.credential_id,
                                           .credential_id_len = e.cred.credential_id_len,
                                           .public_key = e.cred.public_key,
                                           .public_key_len = e.cred.public_key_len,
                                           .user_handle = (const unsigned char *)"someone-else",
                                           .user_handle_len = 12};
    webauthn_assertion_result_t res;
    assert_int_equal(webauthn_assertion_verify(&policy, &stored, &resp, &res, err, sizeof(err)),
                     WEBAUTHN_ERR_CREDENTIAL);
    /* the right id with another credential's key: the signature fails */
    stored.user_handle = NULL;
    stored.public_key = other.cred.public_key;
    stored.public_key_len = other.cred.public_key_len;
    assert_int_equal(webauthn_assertion_verify(&policy, &stored, &resp, &res, err, sizeof(err)),
                     WEBAUTHN_ERR_SIGNATURE);
    /* an origin list without the page's origin */
    stored.public_key = e.cred.public_key;
    stored.public_key_len = e.cred.public_key_len;
    policy.ceremony.n_origins = 1;
    assert_int_equal(webauthn_assertion_verify(&policy, &stored, &resp, &res, err, sizeof(err)),
                     WEBAUTHN_ERR_ORIGIN);
    policy.ceremony.n_origins = 2;
    assert_int_equal(webauthn_assertion_verify(&policy, &stored, &resp, &res, err, sizeof(err)),
                     WEBAUTHN_OK);
    webauthn_response_clear(&resp);
    free(answer);
    free(options);
    unenrol(&other);
    unenrol(&e);
}

/* --- packed attestation with certificates (x5c) ------------------------------- */

/* A certificate for key, issued by issuer (NULL: self-signed). aaguid:
 * the id-fido-gen-ce-aaguid extension's value, or NULL for none. */
static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, const char *ou, int ca,
                       const unsigned char *aaguid)
{
    static long serial = 1;
    X509 *c = X509_new();
    assert_non_null(c);
    assert_true(X509_set_version(c, X509_VERSION_3));
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400);
    assert_true(X509_set_pubkey(c, key));
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"CN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Rampart Test", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)(ca ? "Test CA" : "Soft Authenticator"), -1,
                               -1, 0);
    assert_true(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name));
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : c, c, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "CA:FALSE");
    assert_non_null(bc);
    X509_add_ext(c, bc, -1);
    X509_EXTENSION_free(bc);
    if (aaguid) {
        unsigned char der[18] = {0x04, 0x10};
        memcpy(der + 2, aaguid, 16);
        ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(value, der, sizeof(der));
        ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
        X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value);
        assert_non_null(ext);
        X509_add_ext(c, ext, -1);
        X509_EXTENSION_free(ext);
        ASN1_OBJECT_free(oid);
        ASN1_OCTET_STRING_free(value);
    }
    assert_true(X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return c;
}

typedef struct {
    unsigned char *der[2];
    size_t len[2];
} chain_t;

static void chain_of(chain_t *ch, X509 *leaf, X509 *next)
{
    X509 *certs[2] = {leaf, next};
    for (int i = 0; i < 2; i++) {
        ch->der[i] = NULL;
        int n = i2d_X509(certs[i], &ch->der[i]);
        assert_true(n > 0);
        ch->len[i] = (size_t)n;
    }
}

static void chain_free(chain_t *ch)
{
    OPENSSL_free(ch->der[0]);
    OPENSSL_free(ch->der[1]);
}

static webauthn_result_t register_x5c(EVP_PKEY *att_key, chain_t *ch, X509_STORE *anchors,
                                      unsigned faults, webauthn_attestation_type_t *type)
{
    soft_authn_t *a = soft_authn_new();
    soft_params_t p = {.origin = ORIGIN,
                       .fmt = "packed",
                       .faults = faults,
                       .attestation_key = att_key,
                       .x5c = (const unsigned char *const *)ch->der,
                       .x5c_len = ch->len,
                       .n_x5c = 2};
    reg_policy_t rp = {.anchors = anchors};
    webauthn_credential_t cred;
    webauthn_result_t r = do_register(a, &p, &rp, &cred);
    *type = cred.attestation;
    webauthn_credential_clear(&cred);
    soft_authn_free(a);
    return r;
}

/* A registration whose statement is signed by att_key, certified by a leaf
 * made with these properties under ca. */
static webauthn_result_t leaf_case(EVP_PKEY *att_key, EVP_PKEY *ca_key, X509 *ca, const char *ou,
                                   int leaf_is_ca, const unsigned char *aaguid, X509_STORE *anchors)
{
    X509 *leaf = make_cert(att_key, ca_key, ca, ou, leaf_is_ca, aaguid);
    chain_t ch;
    chain_of(&ch, leaf, ca);
    webauthn_attestation_type_t type;
    webauthn_result_t r = register_x5c(att_key, &ch, anchors, 0, &type);
    chain_free(&ch);
    X509_free(leaf);
    return r;
}

static void test_packed_x5c(void **state)
{
    (void)state;
    EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *other_ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *att_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_true(ca_key && other_ca_key && att_key);
    const char *ou = "Authenticator Attestation";
    X509 *ca = make_cert(ca_key, NULL, NULL, "Test", 1, NULL);
    X509 *other_ca = make_cert(other_ca_key, NULL, NULL, "Test", 1, NULL);
    X509_STORE *anchors = X509_STORE_new(), *other_anchors = X509_STORE_new();
    X509_STORE_add_cert(anchors, ca);
    X509_STORE_add_cert(other_anchors, other_ca);
    webauthn_attestation_type_t type;
    chain_t ch;

    /* a good chain, with the soft authenticator's AAGUID in the certificate */
    X509 *leaf = make_cert(att_key, ca_key, ca, ou, 0, (const unsigned char *)"rampart-soft-aut");
    chain_of(&ch, leaf, ca);
    assert_int_equal(register_x5c(att_key, &ch, NULL, 0, &type), WEBAUTHN_OK);
    assert_int_equal(type, WEBAUTHN_ATTESTATION_BASIC);
    assert_int_equal(register_x5c(att_key, &ch, anchors, 0, &type), WEBAUTHN_OK);
    assert_int_equal(type, WEBAUTHN_ATTESTATION_TRUSTED);
    assert_int_equal(register_x5c(att_key, &ch, other_anchors, 0, &type), WEBAUTHN_ERR_ATTESTATION);
    assert_int_equal(register_x5c(att_key, &ch, NULL, SOFT_FAULT_BAD_SIGNATURE, &type),
                     WEBAUTHN_ERR_SIGNATURE);
    /* signed by a key that is not the certificate's */
    assert_int_equal(register_x5c(other_ca_key, &ch, NULL, 0, &type), WEBAUTHN_ERR_SIGNATURE);
    chain_free(&ch);
    /* x5c[1] did not issue x5c[0] */
    chain_of(&ch, leaf, other_ca);
    assert_int_equal(register_x5c(att_key, &ch, NULL, 0, &type), WEBAUTHN_ERR_ATTESTATION);
    chain_free(&ch);
    X509_free(leaf);
    /* §8.2.1 requirements: the OU, CA false, the AAGUID (none at all is fine) */
    const unsigned char *other_aaguid = (const unsigned char *)"another-aaguid!!";
    assert_int_equal(leaf_case(att_key, ca_key, ca, "Engineering", 0, NULL, NULL),
                     WEBAUTHN_ERR_ATTESTATION);
    assert_int_equal(leaf_case(att_key, ca_key, ca, ou, 1, NULL, NULL), WEBAUTHN_ERR_ATTESTATION);
    assert_int_equal(leaf_case(att_key, ca_key, ca, ou, 0, other_aaguid, NULL),
                     WEBAUTHN_ERR_ATTESTATION);
    assert_int_equal(leaf_case(att_key, ca_key, ca, ou, 0, NULL, anchors), WEBAUTHN_OK);

    X509_STORE_free(anchors);
    X509_STORE_free(other_anchors);
    X509_free(ca);
    X509_free(other_ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(other_ca_key);
    EVP_PKEY_free(att_key);
}

/* --- the W3C Level 3 test vectors ------------------------------------------------ */

/* Web Authentication Level 3 (W3C Candidate Recommendation), §16 "Test
 * Vectors": RP ID example.org, origin https://example.org; each vector is a
 * registration and an assertion of the same credential, as published (hex).
 * §16.2: ES256, attestation none. */

static const char w3c_reg_challenge[] =
    "00c30fb78531c464d2b6771dab8d7b603c01162f2fa486bea70f283ae556e130";
static const char w3c_reg_client_data[] =
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765"
    "223a22414d4d507434557878475453746e63647134313759447742466938767049612d70"
    "77386f4f755657345441222c226f726967696e223a2268747470733a2f2f6578616d706c"
    "652e6f7267222c2263726f73734f726967696e223a66616c73652c226578747261446174"
    "61223a22636c69656e74446174614a534f4e206d617920626520657874656e6465642077"
    "697468206164646974696f6e616c206669656c647320696e20746865206675747572652c"
    "207375636820617320746869733a20426b5165446a646354427258426941774a544c4535"
    "51227d";
static const char w3c_reg_attestation[] =
    "a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc3743295"
    "8b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b559000000008446ccb9ab"
    "1db374750b2367ff6f3a1f0020f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33"
    "ad94ff3ec330084be4a5010203262001215820afefa16f97ca9b2d23eb86ccb64098d20d"
    "b90856062eb249c33a9b672f26df61225820930a56b87a2fca66334b03458abf879717c1"
    "2cc68ed73290af2e2664796b9220";
static const char w3c_credential_id[] =
    "f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4";
static const char w3c_aaguid[] = "8446ccb9ab1db374750b2367ff6f3a1f";
static const char w3c_auth_challenge[] =
    "39c0e7521417ba54d43e8dc95174f423dee9bf3cd804ff6d65c857c9abf4d408";
static const char w3c_auth_data[] =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000";
static const char w3c_auth_client_data[] =
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a22"
    "4f63446e55685158756c5455506f334a5558543049393770767a7a59425039745a636858"
    "79617630314167222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f"
    "7267222c2263726f73734f726967696e223a66616c73657d";
static const char w3c_signature[] =
    "3046022100f50a4e2e4409249c4a853ba361282f09841df4dd4547a13a87780218deffcd"
    "380221008480ac0f0b93538174f575bf11a1dd5d78c6e486013f937295ea13653e331e87";

/* §16.3: ES256, packed self attestation */
static const char w3c_self_reg_challenge[] =
    "7869c2b772d4b58eba9378cf8f29e26cf935aa77df0da89fa99c0bdc0a76f7e5";
static const char w3c_self_reg_client_data[] =
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2265476e43"
    "74334c55745936366b336a506a796e6962506b31716e666644616966715a774c33417032392d55222c226f"
    "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
    "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
    "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
    "2c207375636820617320746869733a205539685458764b453255526b4d6e625f307859485667227d";
static const char w3c_self_reg_attestation[] =
    "a363666d74667061636b65646761747453746d74a263616c672663736967584630440220067a20754ab925"
    "005dbf378097c92120031581c73228d1fb4f5b881bcd7da98302207fc7b147558c7c0eba3af18bd9d121fa"
    "3d3a26d17fe3f220272178f473b6006d68617574684461746158a4bfabc37432958b063360d3ad6461c9c4"
    "735ae7f8edd46592a5e0f01452b2e4b55d00000000df850e09db6afbdfab51697791506cfc0020455ef34e"
    "2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58ca5010203262001215820eb151c8176"
    "b225cc651559fecf07af450fd85802046656b34c18f6cf193843c5225820927b8aa427a2be1b8834d233a2"
    "d34f61f13bfd44119c325d5896e183fee484f2";
static const char w3c_self_credential_id[] =
    "455ef34e2043a87db3d4afeb39bbcb6cc32df9347c789a865ecdca129cbef58c";
static const char w3c_self_auth_challenge[] =
    "4478a10b1352348dd160c1353b0d469b5db19eb91c27f7dfa6fed39fe26af20b";
static const char w3c_self_auth_data[] =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50900000000";
static const char w3c_self_auth_client_data[] =
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a225248696843784e"
    "534e493352594d45314f7731476d3132786e726b634a5f6666707637546e2d4a71386773222c226f726967"
    "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
    "73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e"
    "6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c2073"
    "75636820617320746869733a206754623533727a36456853576f6d58477a696d433151227d";
static const char w3c_self_signature[] =
    "304402203310b9431903c401f1be2bdc8d23a4007682dbbddcf846994947b7f465daf84002204e94dd0004"
    "7b316061b3b99772b7efd95994a83ef584b3b6b825ea3550251b66";

/* §16.7: ES256, packed attestation with x5c under §16.1's attestation CA */
static const char w3c_x5c_reg_challenge[] =
    "c1184a5fddf8045e13dc47f54b61f5a656b666b59018f16d870e9256e9952012";
static const char w3c_x5c_reg_client_data[] =
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a227752684b"
    "58393334424634543345663153324831706c61325a725751475046746877365356756d56494249222c226f"
    "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
    "66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d6179206265206578"
    "74656e6465642077697468206164646974696f6e616c206669656c647320696e2074686520667574757265"
    "2c207375636820617320746869733a20396138624e596a4b436757724258552d66436c316167227d";
static const char w3c_x5c_reg_attestation[] =
    "a363666d74667061636b65646761747453746d74a363616c6726637369675847304502203f19ec4b229f46"
    "ab8c45eff29b904ff10c0390dc40bf1216f04a78f4ceba3425022100fe7041a32759aff05a0f9f26c70a99"
    "9c7a284451ba89234a1d3483c25e21925b637835638159022530820221308201c8a00302010202110088c2"
    "20f83c8ef1feafe94deae45faad0300a06082a8648ce3d0403023062311e301c06035504030c1557656241"
    "7574686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c41"
    "757468656e74696361746f72204174746573746174696f6e204341310b3009060355040613024141302017"
    "0d3234303130313030303030305a180f33303234303130313030303030305a305f311e301c06035504030c"
    "15576562417574686e207465737420766563746f7273310c300a060355040a0c0357334331223020060355"
    "040b0c1941757468656e74696361746f72204174746573746174696f6e310b300906035504061302414130"
    "59301306072a8648ce3d020106082a8648ce3d03010703420004a91ba4389409dd38a428141940ca8feb1a"
    "c0d7b4350558104a3777a49322f3798440f378b3398ab2d3bb7bf91322c92eb23556f59ad0a836fec4c766"
    "3b0e4dc3a360305e300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d060355"
    "1d0e04160414a589ba72d060842ab11f74fb246bdedab16f9b9b301f0603551d2304183016801445aff715"
    "b0dd786741fee996ebc16547a3931b1e300a06082a8648ce3d040302034700304402201726b9d85ecd8a5e"
    "d51163722ca3a20886fd9b242a0aa0453d442116075defd502207ef471e530ac87961a88a7f0d0c17b091f"
    "fc6b9238d30f79f635b417be5910e768617574684461746158a4bfabc37432958b063360d3ad6461c9c473"
    "5ae7f8edd46592a5e0f01452b2e4b54d00000000876ca4f52071c3e9b25509ef2cdf7ed60020c9a6f5b346"
    "2d02873fea0c56862234f99f081728084e511bb7760201a89054a5a50102032620012158201cf27f25da59"
    "1208a4239c2e324f104f585525479a29edeedd830f48e77aeae522582059e4b7da6c0106e206ce390c93ab"
    "98a15a5ec3887e57f0cc2bece803b920c423";
static const char w3c_x5c_credential_id[] =
    "c9a6f5b3462d02873fea0c56862234f99f081728084e511bb7760201a89054a5";
static const char w3c_x5c_auth_challenge[] =
    "b1106fa46a57bef1781511c0557dc898a03413d5f0f17d244630c194c7e1adb5";
static const char w3c_x5c_auth_data[] =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b50d00000000";
static const char w3c_x5c_auth_client_data[] =
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a2273524276704770"
    "587676463446524841565833496d4b4130453958773858306b526a44426c4d6668726255222c226f726967"
    "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
    "73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e"
    "6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c2073"
    "75636820617320746869733a20415a4d77794d78496244382d756775464e7036723851227d";
static const char w3c_x5c_signature[] =
    "30450220694969d3ee928de6f02ef23a9c644d7d779916451734a94b432542f498a1ebe90221008b0819c8"
    "24218a97152cd099c55bfb1477b29d900a49a64018314f9bfccda163";
/* "Packed Attestation with RS256 Credential" (#sctn-test-vectors-packed-rs256): x5c under
 * the same root, a 3482-bit RSA credential key, (2^1279 - 1)(2^2203 - 1) as §16 says. */
static const char w3c_rs_reg_challenge[] =
    "bea8f0770009bd57f2c0df6fea9f743a27e4b61bbe923c862c7aad7a9fc8e4a6";
static const char w3c_rs_reg_client_data[] =
    "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a2276716a77"
    "6477414a76566679774e3976367039304f69666b7468752d6b6a79474c48717465705f49354b59222c226f"
    "726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a"
    "66616c73657d";
static const char w3c_rs_reg_attestation[] =
    "a363666d74667061636b65646761747453746d74a363616c672663736967584730450221008b8c5c6ea8c1"
    "42c032e0be69e1353d44461c5c9109941cdda951b976eb95b6b302204d52f406c19e254b3ff9589bd18070"
    "fb055ac8db12fdd0a6734bea9d7168e900637835638159022630820222308201c7a00302010202101f6fb7"
    "a5ece81b45896b983a995da5f3300a06082a8648ce3d0403023062311e301c06035504030c155765624175"
    "74686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c4175"
    "7468656e74696361746f72204174746573746174696f6e204341310b30090603550406130241413020170d"
    "3234303130313030303030305a180f33303234303130313030303030305a305f311e301c06035504030c15"
    "576562417574686e207465737420766563746f7273310c300a060355040a0c035733433122302006035504"
    "0b0c1941757468656e74696361746f72204174746573746174696f6e310b30090603550406130241413059"
    "301306072a8648ce3d020106082a8648ce3d03010703420004b7b36b7542a11120b443c794d0c99fdc25a0"
    "6b76586413d81e086163ef6fe147a557afc34e2861d9057d6d465d4705a0310550bdeeb5f35ee35b9425ab"
    "859981a360305e300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603551d"
    "0e04160414fb37b647bccfb9e54d989eaaacc1633868703fb3301f0603551d2304183016801445aff715b0"
    "dd786741fee996ebc16547a3931b1e300a06082a8648ce3d0403020349003046022100b86bc129d92afca7"
    "d9869a39f70f139a305b4073a39eb654d81424bed5757d91022100cf9f7c60cab7c4a7d3e7f0020f281a93"
    "d4fd0a9f95121b989f56932a68885fba68617574684461746159021bbfabc37432958b063360d3ad6461c9"
    "c4735ae7f8edd46592a5e0f01452b2e4b55d00000000428f8878298b9862a36ad8c7527bfef20020992a18"
    "acc83f67533600c1138a4b4c4bd236de13629cf025ed17cb00b00b74dfa4010303390100205901b403ffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffff7ffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffff80000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000012143010001";
static const char w3c_rs_credential_id[] =
    "992a18acc83f67533600c1138a4b4c4bd236de13629cf025ed17cb00b00b74df";
static const char w3c_rs_auth_challenge[] =
    "295f59f5fa8fe62c5aca9e27626c78c8da376ae6d8cd2dd29aebad601e1bc4c5";
static const char w3c_rs_auth_data[] =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000";
static const char w3c_rs_auth_client_data[] =
    "7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a224b56395a396671"
    "50356978617970346e596d7834794e6f33617562597a5333536d75757459423462784d55222c226f726967"
    "696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c"
    "73657d";
static const char w3c_rs_signature[] =
    "01063d52d7c39b4d432fc7063c5d93e582bdcb16889cd71f888d67d880ea730a428498d3bc8e1ee11f2b1e"
    "cbe6c292b118c55ffaaddefa8cad0a54dd137c51f1eec673f1bb6c4d1789d6826a222b22d0f585fc901fdc"
    "933212e579d199b89d672aa44891333e6a1355536025e82b25590256c3538229b55737083b2f6b9377e49e"
    "2472f11952f79fdd0da180b5ffd901b4049a8f081bb40711bef76c62aed943571f2d0575304cb549d68d88"
    "92f95086a30f93716aee818f8dc06e96c0d5e0ed4cfa9fd8773d90464b68cf140f7986666ff9c9e3302acd"
    "0535d60d769f465e2ab57ef8aabc89fccfef7ba32a64154a8b3d26be2298f470b8cc5377dbe3dfd4b0b45f"
    "8f01e63bde6cfc76b62771f9b70aa27cf40152cad93aa5acd784fd4b90f676e2ea828d0bf2400aebbaae41"
    "53e5838f537f88b6228346782a93a899be66ec77de45b3efcf311da6321c92e6b0cd11bfe653bf3e98cee8"
    "e341f02d67dbb6f9c98d9e8178090cfb5b70fbc6d541599ac794ae2f1d4de1286ec8de8c2daf7b1d15c843"
    "8e90d924df5c19045220a4c8438c1b979bbe016cf3d0eeec23c3999d4882cc645b776de930756612cdc6dd"
    "398160ff02a6";
/* §16.1: the attestation trust root */
static const char w3c_attestation_ca[] =
    "30820207308201ada003020102021100ed7f905d8bd0b414d1784913170a90b6300a06082a8648ce3d0403"
    "023062311e301c06035504030c15576562417574686e207465737420766563746f7273310c300a06035504"
    "0a0c0357334331253023060355040b0c1c41757468656e74696361746f72204174746573746174696f6e20"
    "4341310b30090603550406130241413020170d3234303130313030303030305a180f333032343031303130"
    "30303030305a3062311e301c06035504030c15576562417574686e207465737420766563746f7273310c30"
    "0a060355040a0c0357334331253023060355040b0c1c41757468656e74696361746f722041747465737461"
    "74696f6e204341310b30090603550406130241413059301306072a8648ce3d020106082a8648ce3d030107"
    "034200043269300e5ff7b699015f70cf80a8763bf705bc2e2af0c1b39cff718b7c35880ca30f319078d91b"
    "03389a006fdfc8a1dcd84edfa07d30aa13474a248a0dab5baaa3423040300f0603551d130101ff04053003"
    "0101ff300e0603551d0f0101ff040403020106301d0603551d0e0416041445aff715b0dd786741fee996eb"
    "c16547a3931b1e300a06082a8648ce3d04030203480030450220483063b6bb08dcc83da33a02c11d2f4220"
    "3176893554d138c614a36908724cc8022100f5ef2c912d4500b3e2f5b591d0622491e9f220dfd1f9734ec4"
    "84bb7e90887663";

typedef struct {
    const char *reg_challenge, *reg_client_data, *attestation, *credential_id;
    const char *auth_challenge, *auth_data, *auth_client_data, *signature;
} w3c_vector_t;

static const w3c_vector_t w3c_none = {
    w3c_reg_challenge,  w3c_reg_client_data, w3c_reg_attestation,  w3c_credential_id,
    w3c_auth_challenge, w3c_auth_data,       w3c_auth_client_data, w3c_signature};
static const w3c_vector_t w3c_self = {w3c_self_reg_challenge,    w3c_self_reg_client_data,
                                      w3c_self_reg_attestation,  w3c_self_credential_id,
                                      w3c_self_auth_challenge,   w3c_self_auth_data,
                                      w3c_self_auth_client_data, w3c_self_signature};
static const w3c_vector_t w3c_rsa = {
    w3c_rs_reg_challenge,  w3c_rs_reg_client_data, w3c_rs_reg_attestation,  w3c_rs_credential_id,
    w3c_rs_auth_challenge, w3c_rs_auth_data,       w3c_rs_auth_client_data, w3c_rs_signature};
static const w3c_vector_t w3c_x5c = {w3c_x5c_reg_challenge,    w3c_x5c_reg_client_data,
                                     w3c_x5c_reg_attestation,  w3c_x5c_credential_id,
                                     w3c_x5c_auth_challenge,   w3c_x5c_auth_data,
                                     w3c_x5c_auth_client_data, w3c_x5c_signature};

static const char *const w3c_origins[] = {"https://example.org"};

/* The vector's bytes, decoded once per check. */
typedef struct {
    unsigned char reg_challenge[32], reg_client_data[512], attestation[2048], credential_id[32];
    unsigned char auth_challenge[32], auth_data[64], auth_client_data[512], signature[512];
    webauthn_registration_policy_t reg_policy;
    webauthn_response_t reg;
    webauthn_assertion_policy_t auth_policy;
    webauthn_response_t auth;
} w3c_bytes_t;

static void w3c_decode(const w3c_vector_t *v, w3c_bytes_t *b)
{
    memset(b, 0, sizeof(*b));
    b->reg_policy.ceremony =
        (webauthn_ceremony_t){.rp_id = "example.org",
                              .origins = w3c_origins,
                              .n_origins = 1,
                              .challenge = b->reg_challenge,
                              .challenge_len = unhex(v->reg_challenge, b->reg_challenge, 32)};
    b->reg.client_data_json = b->reg_client_data;
    b->reg.client_data_json_len = unhex(v->reg_client_data, b->reg_client_data, 512);
    b->reg.attestation_object = b->attestation;
    b->reg.attestation_object_len = unhex(v->attestation, b->attestation, 2048);
    b->reg.credential_id = b->credential_id;
    b->reg.credential_id_len = unhex(v->credential_id, b->credential_id, 32);
    b->auth_policy.ceremony = b->reg_policy.ceremony;
    b->auth_policy.ceremony.challenge = b->auth_challenge;
    b->auth_policy.ceremony.challenge_len = unhex(v->auth_challenge, b->auth_challenge, 32);
    b->auth_policy.refuse_cloned = 1;
    b->auth.credential_id = b->credential_id;
    b->auth.credential_id_len = b->reg.credential_id_len;
    b->auth.client_data_json = b->auth_client_data;
    b->auth.client_data_json_len = unhex(v->auth_client_data, b->auth_client_data, 512);
    b->auth.authenticator_data = b->auth_data;
    b->auth.authenticator_data_len = unhex(v->auth_data, b->auth_data, 64);
    b->auth.signature = b->signature;
    b->auth.signature_len = unhex(v->signature, b->signature, 512);
}

static webauthn_stored_credential_t stored_of(const webauthn_credential_t *c)
{
    return (webauthn_stored_credential_t){.credential_id = c->credential_id,
                                          .credential_id_len = c->credential_id_len,
                                          .public_key = c->public_key,
                                          .public_key_len = c->public_key_len,
                                          .sign_count = c->sign_count};
}

/* Both ceremonies of a vector verify as published. */
static void w3c_check(const w3c_vector_t *v, X509_STORE *anchors,
                      webauthn_attestation_type_t expected, int64_t alg)
{
    w3c_bytes_t *b = malloc(sizeof(*b));
    assert_non_null(b);
    w3c_decode(v, b);
    b->reg_policy.attestation_anchors = anchors;
    webauthn_credential_t cred;
    char err[256];
    if (webauthn_registration_verify(&b->reg_policy, &b->reg, &cred, err, sizeof(err)))
        fail_msg("W3C registration: %s", err);
    assert_int_equal(cred.attestation, expected);
    assert_int_equal(cred.algorithm, alg);
    assert_memory_equal(cred.credential_id, b->credential_id, 32);
    webauthn_stored_credential_t stored = stored_of(&cred);
    webauthn_assertion_result_t res;
    if (webauthn_assertion_verify(&b->auth_policy, &stored, &b->auth, &res, err, sizeof(err)))
        fail_msg("W3C assertion: %s", err);
    assert_false(res.clone_warning); /* zero on both sides: no counter */
    /* one flipped bit in the signed data */
    b->auth_data[36] ^= 1;
    assert_int_equal(
        webauthn_assertion_verify(&b->auth_policy, &stored, &b->auth, &res, err, sizeof(err)),
        WEBAUTHN_ERR_SIGNATURE);
    webauthn_credential_clear(&cred);
    free(b);
}

static void test_w3c_vectors(void **state)
{
    (void)state;
    w3c_check(&w3c_none, NULL, WEBAUTHN_ATTESTATION_NONE, COSE_ALG_ES256);
    w3c_check(&w3c_self, NULL, WEBAUTHN_ATTESTATION_SELF, COSE_ALG_ES256);
    w3c_check(&w3c_x5c, NULL, WEBAUTHN_ATTESTATION_BASIC, COSE_ALG_ES256);
    w3c_check(&w3c_rsa, NULL, WEBAUTHN_ATTESTATION_BASIC, COSE_ALG_RS256);
    /* §16.7 under its published root: trusted; under another root: refused */
    unsigned char der[1024];
    size_t n = unhex(w3c_attestation_ca, der, sizeof(der));
    const unsigned char *p = der;
    X509 *root = d2i_X509(NULL, &p, (long)n);
    assert_non_null(root);
    X509_STORE *anchors = X509_STORE_new();
    X509_STORE_add_cert(anchors, root);
    w3c_check(&w3c_x5c, anchors, WEBAUTHN_ATTESTATION_TRUSTED, COSE_ALG_ES256);
    w3c_check(&w3c_rsa, anchors, WEBAUTHN_ATTESTATION_TRUSTED, COSE_ALG_RS256);
    X509_STORE_free(anchors);
    X509_free(root);
    EVP_PKEY *other_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *other = make_cert(other_key, NULL, NULL, "Test", 1, NULL);
    anchors = X509_STORE_new();
    X509_STORE_add_cert(anchors, other);
    w3c_bytes_t *b = malloc(sizeof(*b));
    assert_non_null(b);
    w3c_decode(&w3c_x5c, b);
    b->reg_policy.attestation_anchors = anchors;
    webauthn_credential_t cred;
    char err[256];
    assert_int_equal(webauthn_registration_verify(&b->reg_policy, &b->reg, &cred, err, sizeof(err)),
                     WEBAUTHN_ERR_ATTESTATION);
    X509_STORE_free(anchors);
    X509_free(other);
    EVP_PKEY_free(other_key);

    /* §16.2 refused under another RP ID, when UV is required, with the
     * other ceremony's challenge, and with a credential id not its own */
    w3c_decode(&w3c_none, b);
    b->reg_policy.ceremony.rp_id = "example.com";
    assert_int_equal(webauthn_registration_verify(&b->reg_policy, &b->reg, &cred, err, sizeof(err)),
                     WEBAUTHN_ERR_RP_ID);
    b->reg_policy.ceremony.rp_id = "example.org";
    b->reg_policy.ceremony.require_user_verification = 1;
    assert_int_equal(webauthn_registration_verify(&b->reg_policy, &b->reg, &cred, err, sizeof(err)),
                     WEBAUTHN_ERR_USER_VERIFICATION);
    b->reg_policy.ceremony.require_user_verification = 0;
    assert_int_equal(webauthn_registration_verify(&b->reg_policy, &b->reg, &cred, err, sizeof(err)),
                     WEBAUTHN_OK);
    assert_false(cred.flags & WEBAUTHN_FLAG_UV);
    assert_true(cred.flags & WEBAUTHN_FLAG_BE);
    unsigned char aaguid[16];
    unhex(w3c_aaguid, aaguid, sizeof(aaguid));
    assert_memory_equal(cred.aaguid, aaguid, sizeof(aaguid));
    webauthn_stored_credential_t stored = stored_of(&cred);
    webauthn_assertion_result_t res;
    b->auth_policy.ceremony.challenge = b->reg_challenge;
    assert_int_equal(
        webauthn_assertion_verify(&b->auth_policy, &stored, &b->auth, &res, err, sizeof(err)),
        WEBAUTHN_ERR_CHALLENGE);
    b->auth_policy.ceremony.challenge = b->auth_challenge;
    b->credential_id[0] ^= 1;
    assert_int_equal(
        webauthn_assertion_verify(&b->auth_policy, &stored, &b->auth, &res, err, sizeof(err)),
        WEBAUTHN_ERR_CREDENTIAL);
    webauthn_credential_clear(&cred);
    free(b);
}

/* --- hand-made malformed input ------------------------------------------------ */

static const char w3c_reg_auth_data[] =
    "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b559000000008446ccb9ab"
    "1db374750b2367ff6f3a1f0020f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33"
    "ad94ff3ec330084be4a5010203262001215820afefa16f97ca9b2d23eb86ccb64098d20d"
    "b90856062eb249c33a9b672f26df61225820930a56b87a2fca66334b03458abf879717c1"
    "2cc68ed73290af2e2664796b9220";

static void test_authdata_parse(void **state)
{
    (void)state;
    unsigned char ad[256];
    size_t n = unhex(w3c_reg_auth_data, ad, sizeof(ad));
    webauthn_authdata_t out;
    char err[200];
    assert_int_equal(webauthn_authdata_parse(ad, n, &out, err, sizeof(err)), 0);
    assert_int_equal(out.flags, 0x59);
    assert_int_equal(out.credential_id_len, 32);
    assert_int_equal(out.public_key_len, 77);
    assert_null(out.extensions);
    /* every truncation is refused */
    for (size_t len = 0; len < n; len++)
        assert_int_equal(webauthn_authdata_parse(ad, len, &out, err, sizeof(err)), -1);
    /* a trailing byte without ED */
    ad[n] = 0xa0;
    assert_int_equal(webauthn_authdata_parse(ad, n + 1, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unexpected"));
    /* with ED: one map of extensions, {"credProtect": 1} */
    ad[32] |= WEBAUTHN_FLAG_ED;
    size_t ext = unhex("a16b6372656450726f7465637401", ad + n, sizeof(ad) - n);
    assert_int_equal(webauthn_authdata_parse(ad, n + ext, &out, err, sizeof(err)), 0);
    assert_int_equal(out.extensions_len, ext);
    assert_int_equal(webauthn_authdata_parse(ad, n + ext - 1, &out, err, sizeof(err)), -1);
    ad[n] = 0x80; /* an array where the map belongs */
    assert_int_equal(webauthn_authdata_parse(ad, n + 1, &out, err, sizeof(err)), -1);
    /* a credential id longer than the data, and an empty one */
    ad[32] &= (unsigned char)~WEBAUTHN_FLAG_ED;
    ad[53] = 0xff;
    assert_int_equal(webauthn_authdata_parse(ad, n, &out, err, sizeof(err)), -1);
    ad[53] = 0x00;
    ad[54] = 0x00;
    assert_int_equal(webauthn_authdata_parse(ad, n, &out, err, sizeof(err)), -1);
    /* the counter is big-endian */
    unsigned char small[37] = {0};
    small[32] = WEBAUTHN_FLAG_UP;
    small[33] = 0x01, small[36] = 0x02;
    assert_int_equal(webauthn_authdata_parse(small, sizeof(small), &out, err, sizeof(err)), 0);
    assert_int_equal(out.sign_count, 0x01000002);
    /* the checks both ceremonies share: BS needs BE */
    static const char *const none[] = {NULL};
    webauthn_ceremony_t c = {.rp_id = "", .origins = none};
    memset(small, 0, 32);
    secret_sha256("", 0, small);
    assert_int_equal(webauthn_authdata_check(&out, &c, err, sizeof(err)), WEBAUTHN_OK);
    small[32] = WEBAUTHN_FLAG_UP | WEBAUTHN_FLAG_BS;
    assert_int_equal(webauthn_authdata_parse(small, sizeof(small), &out, err, sizeof(err)), 0);
    assert_int_equal(webauthn_authdata_check(&out, &c, err, sizeof(err)), WEBAUTHN_ERR_MALFORMED);
    small[32] |= WEBAUTHN_FLAG_BE;
    assert_int_equal(webauthn_authdata_parse(small, sizeof(small), &out, err, sizeof(err)), 0);
    assert_int_equal(webauthn_authdata_check(&out, &c, err, sizeof(err)), WEBAUTHN_OK);
}

static webauthn_result_t cose(const char *hex)
{
    unsigned char buf[600];
    size_t n = unhex(hex, buf, sizeof(buf));
    EVP_PKEY *key;
    int64_t alg;
    char err[200];
    webauthn_result_t r = webauthn_cose_key_decode(buf, n, &key, &alg, err, sizeof(err));
    if (r == WEBAUTHN_OK)
        EVP_PKEY_free(key);
    else
        assert_null(key);
    return r;
}

#define W3C_X "afefa16f97ca9b2d23eb86ccb64098d20db90856062eb249c33a9b672f26df61"
#define W3C_Y "930a56b87a2fca66334b03458abf879717c12cc68ed73290af2e2664796b9220"

static void test_cose_keys(void **state)
{
    (void)state;
    assert_int_equal(cose("a5010203262001215820" W3C_X "225820" W3C_Y), WEBAUTHN_OK);
    /* y off the curve */
    assert_int_equal(cose("a5010203262001215820" W3C_X "225820" W3C_X), WEBAUTHN_ERR_PUBLIC_KEY);
    /* x of 31 bytes */
    assert_int_equal(cose("a501020326200121581f" W3C_X "225820" W3C_Y), WEBAUTHN_ERR_PUBLIC_KEY);
    /* P-384 named */
    assert_int_equal(cose("a5010203262002215820" W3C_X "225820" W3C_Y), WEBAUTHN_ERR_PUBLIC_KEY);
    /* alg missing */
    assert_int_equal(cose("a401022001215820" W3C_X "225820" W3C_Y), WEBAUTHN_ERR_PUBLIC_KEY);
    /* keys out of canonical order (3 before 1) */
    assert_int_equal(cose("a5032601022001215820" W3C_X "225820" W3C_Y), WEBAUTHN_ERR_PUBLIC_KEY);
    /* EdDSA (OKP, -8) and ES256 on an RSA key type: algorithms we do not take */
    assert_int_equal(cose("a4010103272006215820" W3C_X), WEBAUTHN_ERR_ALGORITHM);
    assert_int_equal(cose("a5010303262001215820" W3C_X "225820" W3C_Y), WEBAUTHN_ERR_ALGORITHM);
    /* not a map, trailing bytes */
    assert_int_equal(cose("8101"), WEBAUTHN_ERR_PUBLIC_KEY);
    assert_int_equal(cose("a5010203262001215820" W3C_X "225820" W3C_Y "00"),
                     WEBAUTHN_ERR_PUBLIC_KEY);
    /* RSA: a 1024-bit modulus, an even exponent */
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(rsa);
    BIGNUM *n = NULL;
    assert_true(EVP_PKEY_get_bn_param(rsa, "n", &n));
    unsigned char nb[128];
    assert_int_equal(BN_bn2bin(n, nb), 128);
    BN_free(n);
    EVP_PKEY_free(rsa);
    char hex[600] = "a4010303390100205880";
    for (size_t i = 0; i < 128; i++)
        sprintf(hex + strlen(hex), "%02x", nb[i]);
    char with_e[620];
    snprintf(with_e, sizeof(with_e), "%s2143010001", hex);
    assert_int_equal(cose(with_e), WEBAUTHN_ERR_PUBLIC_KEY);
    /* 2048 bits made of the 1024-bit modulus twice (a valid size) with e = 2 */
    char big[1200] = "a401030339010020590100";
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < 128; i++)
            sprintf(big + strlen(big), "%02x", nb[i]);
    size_t modulus_end = strlen(big);
    strcat(big, "214102");
    assert_int_equal(cose(big), WEBAUTHN_ERR_PUBLIC_KEY);
    /* ... with e = 65537 it is accepted (the signatures would tell) */
    strcpy(big + modulus_end, "2143010001");
    assert_int_equal(cose(big), WEBAUTHN_OK);
    /* ... and refused with an even modulus */
    big[modulus_end - 1] = '0';
    assert_int_equal(cose(big), WEBAUTHN_ERR_PUBLIC_KEY);
}

/* The W3C registration with its attestation object edited. */
static webauthn_result_t w3c_registration_with(const char *att_hex)
{
    static const char *const w3c_origins[] = {"https://example.org"};
    unsigned char challenge[32], client_data[512], att[2048];
    webauthn_response_t resp = {0};
    resp.client_data_json = client_data;
    resp.client_data_json_len = unhex(w3c_reg_client_data, client_data, sizeof(client_data));
    resp.attestation_object = att;
    resp.attestation_object_len = unhex(att_hex, att, sizeof(att));
    webauthn_registration_policy_t policy = {
        .ceremony = {.rp_id = "example.org",
                     .origins = w3c_origins,
                     .n_origins = 1,
                     .challenge = challenge,
                     .challenge_len = unhex(w3c_reg_challenge, challenge, sizeof(challenge))}};
    webauthn_credential_t cred;
    char err[256];
    webauthn_result_t r = webauthn_registration_verify(&policy, &resp, &cred, err, sizeof(err));
    webauthn_credential_clear(&cred);
    return r;
}

static void test_attestation_object_refusals(void **state)
{
    (void)state;
    char hex[700];
    const char *ad = w3c_reg_auth_data;
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e656761747453746d74a068617574684461746158a4%s",
             ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_OK);
    /* an unknown format, "nonf" */
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e666761747453746d74a068617574684461746158a4%s",
             ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_ATTESTATION);
    /* none with a non-empty statement */
    snprintf(hex, sizeof(hex),
             "a363666d74646e6f6e656761747453746d74a161610168617574684461746158a4%s", ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_ATTESTATION);
    /* packed without a signature */
    snprintf(hex, sizeof(hex),
             "a363666d74667061636b65646761747453746d74a163616c672668617574684461746158a4%s", ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_ATTESTATION);
    /* packed self attestation with a signature that is not one */
    snprintf(
        hex, sizeof(hex),
        "a363666d74667061636b65646761747453746d74a263616c67266373696742300068617574684461746158"
        "a4%s",
        ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_SIGNATURE);
    /* a fourth key */
    snprintf(hex, sizeof(hex),
             "a463666d74646e6f6e656761747453746d74a068617574684461746158a4%s617801", ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_MALFORMED);
    /* authData as text, trailing bytes, a duplicate fmt */
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e656761747453746d74a068617574684461746178a4%s",
             ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_MALFORMED);
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e656761747453746d74a068617574684461746158a4%s00",
             ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_MALFORMED);
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e6563666d74646e6f6e6568617574684461746158a4%s",
             ad);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_MALFORMED);
    /* packed statements that are not acceptable */
    static const struct {
        const char *att_stmt, *what;
        webauthn_result_t expected;
    } packed_refused[] = {
        {"a263616c6739010063736967423000", "self attestation claiming RS256 for an ES256 key",
         WEBAUTHN_ERR_ALGORITHM},
        {"a363616c6726637369674230006a65636461614b657949644100", "ECDAA", WEBAUTHN_ERR_ATTESTATION},
        {"a363616c6726637369674230006378356380", "an empty x5c", WEBAUTHN_ERR_ATTESTATION},
        {"a363616c672663736967423000637835638141 00", "x5c[0] not a certificate",
         WEBAUTHN_ERR_ATTESTATION},
    };
    for (size_t i = 0; i < sizeof(packed_refused) / sizeof(packed_refused[0]); i++) {
        snprintf(hex, sizeof(hex),
                 "a363666d74667061636b65646761747453746d74%s68617574684461746158a4%s",
                 packed_refused[i].att_stmt, ad);
        webauthn_result_t r = w3c_registration_with(hex);
        if (r != packed_refused[i].expected)
            fail_msg("%s: %s", packed_refused[i].what, webauthn_result_name(r));
    }
    /* an x5c statement claiming RS256 for the certificate's EC key */
    char *x5c = strdup(w3c_x5c_reg_attestation);
    assert_non_null(x5c);
    char *alg = strstr(x5c, "63616c6726");
    assert_non_null(alg);
    char *edited = malloc(strlen(x5c) + 8);
    assert_non_null(edited);
    alg[8] = '\0';
    sprintf(edited, "%s390100%s", x5c, alg + 10);
    assert_int_equal(w3c_registration_with(edited), WEBAUTHN_ERR_ALGORITHM);
    free(edited);
    free(x5c);
    /* AT cleared: the credential data becomes bytes nobody announced */
    snprintf(hex, sizeof(hex), "a363666d74646e6f6e656761747453746d74a068617574684461746158a4%s",
             ad);
    memcpy(strstr(hex, "e4b559") + 4, "19", 2);
    assert_int_equal(w3c_registration_with(hex), WEBAUTHN_ERR_MALFORMED);
}

static void test_response_json(void **state)
{
    (void)state;
    webauthn_response_t r;
    char err[200];
    const char *ok = "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
                     "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"}}";
    assert_int_equal(
        webauthn_response_parse(ok, strlen(ok), WEBAUTHN_REGISTRATION, &r, err, sizeof(err)),
        WEBAUTHN_OK);
    assert_int_equal(r.credential_id_len, 2);
    assert_int_equal(r.client_data_json_len, 2);
    assert_memory_equal(r.client_data_json, "{}", 2);
    webauthn_response_clear(&r);
    /* the same object lacks what an assertion needs */
    assert_int_equal(
        webauthn_response_parse(ok, strlen(ok), WEBAUTHN_AUTHENTICATION, &r, err, sizeof(err)),
        WEBAUTHN_ERR_MALFORMED);
    const char *assertion =
        "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"authenticatorData\":\"AA\","
        "\"signature\":\"AA\",\"userHandle\":null}}";
    assert_int_equal(webauthn_response_parse(assertion, strlen(assertion), WEBAUTHN_AUTHENTICATION,
                                             &r, err, sizeof(err)),
                     WEBAUTHN_OK);
    assert_null(r.user_handle);
    webauthn_response_clear(&r);
    const char *bad[] = {
        "[]",
        "{\"id\":\"AQI\",\"rawId\":\"AQM\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"}}",
        "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"password\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"}}",
        "{\"id\":\"AQI=\",\"rawId\":\"AQI=\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"}}",
        "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\"}}",
        "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"\"}}",
        "{\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":7}}",
        "{\"id\":\"AQI\",\"id\":\"AQI\",\"rawId\":\"AQI\",\"type\":\"public-key\",\"response\":"
        "{\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\"}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(webauthn_response_parse(bad[i], strlen(bad[i]), WEBAUTHN_REGISTRATION, &r,
                                                 err, sizeof(err)),
                         WEBAUTHN_ERR_MALFORMED);
        assert_null(r.credential_id);
    }
}

static webauthn_result_t client_data(const char *json, const char *type)
{
    static const unsigned char challenge[4] = {1, 2, 3, 4}; /* "AQIDBA" */
    webauthn_ceremony_t c = {.rp_id = RP_ID,
                             .origins = origins,
                             .n_origins = 2,
                             .challenge = challenge,
                             .challenge_len = sizeof(challenge)};
    char err[200];
    return webauthn_client_data_check((const unsigned char *)json, strlen(json), type, &c, err,
                                      sizeof(err));
}

#define CD_HEAD "{\"type\":\"webauthn.get\",\"challenge\":\"AQIDBA\",\"origin\":\"" ORIGIN "\""

static void test_client_data(void **state)
{
    (void)state;
    const char *get = WEBAUTHN_TYPE_GET;
    assert_int_equal(client_data(CD_HEAD "}", get), WEBAUTHN_OK);
    assert_int_equal(client_data(CD_HEAD ",\"crossOrigin\":false,\"other\":[1]}", get),
                     WEBAUTHN_OK);
    assert_int_equal(client_data(CD_HEAD "}", WEBAUTHN_TYPE_CREATE), WEBAUTHN_ERR_TYPE);
    assert_int_equal(client_data(CD_HEAD ",\"crossOrigin\":true}", get), WEBAUTHN_ERR_CROSS_ORIGIN);
    assert_int_equal(client_data(CD_HEAD ",\"crossOrigin\":\"false\"}", get),
                     WEBAUTHN_ERR_CROSS_ORIGIN);
    assert_int_equal(
        client_data(CD_HEAD ",\"tokenBinding\":{\"status\":\"present\",\"id\":\"AA\"}}", get),
        WEBAUTHN_ERR_TOKEN_BINDING);
    assert_int_equal(client_data(CD_HEAD ",\"tokenBinding\":{\"status\":\"supported\"}}", get),
                     WEBAUTHN_OK);
    assert_int_equal(client_data(CD_HEAD ",\"origin\":\"" ORIGIN "\"}", get),
                     WEBAUTHN_ERR_MALFORMED); /* a duplicate member */
    assert_int_equal(client_data("{\"type\":\"webauthn.get\",\"challenge\":\"AQIDBA==\","
                                 "\"origin\":\"" ORIGIN "\"}",
                                 get),
                     WEBAUTHN_ERR_CHALLENGE);
    assert_int_equal(client_data("{\"type\":\"webauthn.get\",\"challenge\":\"AQID\","
                                 "\"origin\":\"" ORIGIN "\"}",
                                 get),
                     WEBAUTHN_ERR_CHALLENGE); /* a prefix of the challenge */
    assert_int_equal(client_data("{\"type\":\"webauthn.get\",\"challenge\":\"AQIDBA\","
                                 "\"origin\":\"" ORIGIN ".evil.example\"}",
                                 get),
                     WEBAUTHN_ERR_ORIGIN);
    assert_int_equal(client_data("{\"type\":\"webauthn.get\",\"challenge\":\"AQIDBA\","
                                 "\"origin\":\"https://other.example.test\"}",
                                 get),
                     WEBAUTHN_OK); /* the other allowed origin */
    assert_int_equal(client_data("{\"type\":\"webauthn.get\",\"origin\":\"" ORIGIN "\"}", get),
                     WEBAUTHN_ERR_MALFORMED);
    assert_int_equal(client_data("not json", get), WEBAUTHN_ERR_MALFORMED);
}

/* names that go into events and audit records stay as documented */
static void test_result_names(void **state)
{
    (void)state;
    assert_string_equal(webauthn_result_name(WEBAUTHN_OK), "ok");
    assert_string_equal(webauthn_result_name(WEBAUTHN_ERR_CHALLENGE), "challenge");
    assert_string_equal(webauthn_result_name(WEBAUTHN_ERR_ORIGIN), "origin");
    assert_string_equal(webauthn_result_name(WEBAUTHN_ERR_SIGNATURE), "signature");
    assert_string_equal(webauthn_result_name(WEBAUTHN_ERR_CLONED), "cloned");
    assert_string_equal(webauthn_result_name(WEBAUTHN_ERR_INTERNAL), "internal");
    assert_string_equal(webauthn_result_name((webauthn_result_t)99), "unknown");
    for (int r = WEBAUTHN_OK; r <= WEBAUTHN_ERR_INTERNAL; r++)
        assert_string_not_equal(webauthn_result_name((webauthn_result_t)r), "unknown");
    assert_string_equal(webauthn_attestation_type_name(WEBAUTHN_ATTESTATION_NONE), "none");
    assert_string_equal(webauthn_attestation_type_name(WEBAUTHN_ATTESTATION_TRUSTED), "trusted");
}

/* --- options for the browser ----------------------------------------------------- */

static void test_options(void **state)
{
    (void)state;
    unsigned char a[WEBAUTHN_CHALLENGE_LEN], b[WEBAUTHN_CHALLENGE_LEN];
    assert_int_equal(webauthn_challenge(a), 0);
    assert_int_equal(webauthn_challenge(b), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    static const unsigned char old_id[] = {0xfb, 0xff, 0x01};
    webauthn_credential_ref_t exclude = {old_id, sizeof(old_id)};
    char *text = creation_options(a, "required", &exclude, 1);
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(o);
    char challenge_text[64];
    secret_base64url(a, sizeof(a), challenge_text);
    assert_string_equal(json_string_value(json_object_get(o, "challenge")), challenge_text);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "rp"), "id")), RP_ID);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "user"), "id")),
                        "dXNlci00Mg");
    json_t *params = json_object_get(o, "pubKeyCredParams");
    assert_int_equal(json_array_size(params), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(params, 0), "alg")), -7);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(params, 1), "alg")), -257);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(o, "excludeCredentials"), 0), "id")),
                        "-_8B");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(o, "authenticatorSelection"), "userVerification")),
                        "required");
    assert_string_equal(json_string_value(json_object_get(o, "attestation")), "none");
    assert_int_equal(json_integer_value(json_object_get(o, "timeout")), 300000);
    json_decref(o);
    /* refused: a bad userVerification, a user handle too long, no challenge */
    webauthn_creation_request_t req = {.rp_id = RP_ID,
                                       .rp_name = "Rampart",
                                       .user_handle = user_handle,
                                       .user_handle_len = sizeof(user_handle),
                                       .user_name = "alice",
                                       .user_display_name = "Alice",
                                       .challenge = a,
                                       .challenge_len = sizeof(a),
                                       .user_verification = "always"};
    assert_null(webauthn_creation_options(&req));
    req.user_verification = NULL;
    req.user_handle_len = 65;
    assert_null(webauthn_creation_options(&req));
    req.user_handle_len = sizeof(user_handle);
    req.challenge = NULL;
    assert_null(webauthn_creation_options(&req));
    /* request options: a discoverable credential when nothing is allowed */
    webauthn_request_request_t get = {
        .rp_id = RP_ID, .challenge = b, .challenge_len = sizeof(b), .timeout_ms = 60000};
    o = webauthn_request_options(&get);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "rpId")), RP_ID);
    assert_int_equal(json_array_size(json_object_get(o, "allowCredentials")), 0);
    assert_string_equal(json_string_value(json_object_get(o, "userVerification")), "preferred");
    assert_int_equal(json_integer_value(json_object_get(o, "timeout")), 60000);
    json_decref(o);
    get.rp_id = NULL;
    assert_null(webauthn_request_options(&get));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbor_accepts),
        cmocka_unit_test(test_cbor_refusals),
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_registration_refusals),
        cmocka_unit_test(test_assertion_refusals),
        cmocka_unit_test(test_counter_regression),
        cmocka_unit_test(test_assertion_wrong_user_and_key),
        cmocka_unit_test(test_w3c_vectors),
        cmocka_unit_test(test_authdata_parse),
        cmocka_unit_test(test_cose_keys),
        cmocka_unit_test(test_attestation_object_refusals),
        cmocka_unit_test(test_response_json),
        cmocka_unit_test(test_client_data),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_packed_x5c),
        cmocka_unit_test(test_result_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
