/*
 * crypto.h — librampart's crypto core: SM4 and AES-256 authenticated
 * encryption (GCM), the self-describing envelope that carries a ciphertext,
 * HMAC-SM3 blind indexes and format-preserving tokens for resident ID
 * numbers. docs/CRYPTO.md gives the standards each part follows.
 *
 * Every function here is thread-safe: key objects are read-only after set-up
 * and may be shared between threads. Nothing allocates on the encrypt/decrypt
 * path (the AES and HMAC paths keep one OpenSSL context per thread, made on
 * that thread's first call). Secrets never appear in return values other than
 * the outputs asked for; tags and MACs are compared in constant time.
 */
#ifndef RAMPART_CRYPTO_H
#define RAMPART_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- SM4 block cipher (GB/T 32907-2016) ---- */

#define RP_SM4_BLOCK 16
#define RP_SM4_KEY   16

typedef struct {
    uint32_t rk[32]; /* round keys in encryption order */
} rp_sm4_key_t;

void rp_sm4_set_key(rp_sm4_key_t *k, const uint8_t key[RP_SM4_KEY]);
void rp_sm4_encrypt_block(const rp_sm4_key_t *k, const uint8_t in[16], uint8_t out[16]);
void rp_sm4_decrypt_block(const rp_sm4_key_t *k, const uint8_t in[16], uint8_t out[16]);
/* Counter mode with GCM's counter: the last 4 bytes of ctr are a big-endian
 * counter incremented per block (mod 2^32); ctr is advanced past the blocks
 * used. len need not be a multiple of 16 (the last keystream block is cut). */
void rp_sm4_ctr32(const rp_sm4_key_t *k, uint8_t ctr[16], const uint8_t *in, uint8_t *out,
                  size_t len);
/* The SM4 implementation chosen for this CPU: "gfni-avx512", "aesni-avx2" or
 * "portable". */
const char *rp_sm4_impl_name(void);

/* ---- GCM (NIST SP 800-38D) with SM4 (RFC 8998) or AES-256 ---- */

typedef enum {
    RP_AEAD_SM4_GCM = 1,     /* key 16 bytes */
    RP_AEAD_AES_256_GCM = 2, /* key 32 bytes */
} rp_aead_alg_t;

#define RP_GCM_NONCE 12
#define RP_GCM_TAG   16

typedef struct {
    rp_aead_alg_t alg;
    union {
        rp_sm4_key_t sm4;
        uint8_t aes[32];
    } k;
    uint8_t h[16];        /* GHASH key E(K, 0^128) (SM4 only) */
    uint64_t htab[8 * 2]; /* precomputed powers of H for GHASH */
} rp_aead_key_t;

/* Returns false for an unknown algorithm or a wrong key length. */
bool rp_aead_key_init(rp_aead_key_t *key, rp_aead_alg_t alg, const uint8_t *raw, size_t raw_len);
/* Overwrites the key material (explicit_bzero). */
void rp_aead_key_wipe(rp_aead_key_t *key);

/* One-shot seal: out gets len bytes of ciphertext, tag 16 bytes. in and out
 * may be the same buffer. SM4-GCM messages past 2^32 - 2 blocks (64 GB) get
 * an all-zero tag that never verifies (see rp_sm4_gcm_final). */
void rp_aead_seal(const rp_aead_key_t *key, const uint8_t nonce[RP_GCM_NONCE], const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                  uint8_t tag[RP_GCM_TAG]);
/* One-shot open: false (and out zeroed) when the tag does not verify. */
bool rp_aead_open(const rp_aead_key_t *key, const uint8_t nonce[RP_GCM_NONCE], const uint8_t *aad,
                  size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                  const uint8_t tag[RP_GCM_TAG]);

/* Streaming SM4-GCM for bodies that arrive in pieces: init, aad (all of it,
 * before any data), update (any sizes), then final. The context lives on the
 * caller's stack or in its request state; it holds no pointers but the key. */
typedef struct {
    const rp_aead_key_t *key;
    uint8_t ctr[16], j0[16], x[16]; /* next counter, first counter, GHASH state */
    uint8_t ks[16], buf[16];        /* keystream and GHASH input of a partial block */
    uint64_t aad_len, msg_len;
    bool decrypt, aad_done;
    bool too_long; /* past GCM's limit: final fails */
} rp_sm4_gcm_ctx_t;

void rp_sm4_gcm_init(rp_sm4_gcm_ctx_t *c, const rp_aead_key_t *key, const uint8_t nonce[12],
                     bool decrypt);
void rp_sm4_gcm_aad(rp_sm4_gcm_ctx_t *c, const uint8_t *aad, size_t len);
void rp_sm4_gcm_update(rp_sm4_gcm_ctx_t *c, const uint8_t *in, uint8_t *out, size_t len);
/* Encrypting: writes the tag. Decrypting: compares with tag in constant time;
 * false means the plaintext already released must be discarded. Also false
 * (and no tag) when the message passed GCM's limit of 2^32 - 2 blocks per
 * nonce (SP 800-38D §5.2.1.1): the counter would have wrapped. */
bool rp_sm4_gcm_final(rp_sm4_gcm_ctx_t *c, uint8_t tag[16]);

/* ---- Envelope: a versioned, self-describing ciphertext (docs/CRYPTO.md) ---- */

#define RP_ENVELOPE_VERSION 1
#define RP_ENVELOPE_KEY_ID  32 /* longest key id, bytes */
/* Fixed header: magic "RPE" (3), version (1), algorithm (1), key id length
 * (1), key version (4, big-endian); then key id, nonce (12), ciphertext,
 * tag (16). */
#define RP_ENVELOPE_OVERHEAD(key_id_len) (10 + (key_id_len) + RP_GCM_NONCE + RP_GCM_TAG)
/* Text form: "rpe1." + base64url (no padding) of the binary form. */
#define RP_ENVELOPE_TEXT_PREFIX       "rpe1."
#define RP_ENVELOPE_TEXT_LEN(bin_len) (5 + ((bin_len)*4 + 2) / 3)

typedef struct {
    rp_aead_alg_t alg;
    uint32_t key_version;
    uint8_t key_id_len;
    char key_id[RP_ENVELOPE_KEY_ID];
    const uint8_t *nonce;      /* points into the parsed buffer */
    const uint8_t *ciphertext; /* points into the parsed buffer */
    size_t ciphertext_len;
    const uint8_t *tag; /* points into the parsed buffer */
} rp_envelope_t;

typedef enum {
    RP_ENV_OK = 0,
    RP_ENV_TOO_SMALL,    /* output buffer too small */
    RP_ENV_MALFORMED,    /* not an envelope, truncated, bad lengths */
    RP_ENV_VERSION,      /* envelope format version not understood */
    RP_ENV_ALGORITHM,    /* algorithm not known, or not the key's */
    RP_ENV_KEY_MISMATCH, /* key id or version differs from the key given */
    RP_ENV_AUTH,         /* tag does not verify: tampered or wrong key */
} rp_env_status_t;

const char *rp_env_status_str(rp_env_status_t s);

/* Encrypt plaintext into a binary envelope. The header (everything before
 * the ciphertext) is the AAD, so altering the algorithm, key id or version
 * fails authentication. nonce must be unique per key (the caller draws it
 * from a CSPRNG or uses rp_envelope_seal_random). *out_len gets the size. */
rp_env_status_t rp_envelope_seal(const rp_aead_key_t *key, const char *key_id, uint32_t key_version,
                                 const uint8_t nonce[12], const uint8_t *plain, size_t plain_len,
                                 uint8_t *out, size_t out_cap, size_t *out_len);
/* The same with a nonce from the OS CSPRNG (getrandom); RP_ENV_MALFORMED if
 * the CSPRNG fails. */
rp_env_status_t rp_envelope_seal_random(const rp_aead_key_t *key, const char *key_id,
                                        uint32_t key_version, const uint8_t *plain,
                                        size_t plain_len, uint8_t *out, size_t out_cap,
                                        size_t *out_len);
/* Parse a binary envelope without decrypting: the caller learns which key
 * id/version to fetch. Pointers in *env point into buf. */
rp_env_status_t rp_envelope_parse(const uint8_t *buf, size_t len, rp_envelope_t *env);
/* Decrypt a parsed envelope; plain needs env->ciphertext_len bytes. The key
 * must match env's algorithm, key id and version. */
rp_env_status_t rp_envelope_open(const rp_aead_key_t *key, const char *key_id, uint32_t key_version,
                                 const rp_envelope_t *env, uint8_t *plain);

/* Text form for database columns and JSON strings. to_text writes a NUL-
 * terminated string (RP_ENVELOPE_TEXT_LEN + 1 bytes); from_text decodes into
 * bin (at most len * 3 / 4 bytes) and returns its length via *bin_len. */
rp_env_status_t rp_envelope_to_text(const uint8_t *bin, size_t bin_len, char *text,
                                    size_t text_cap);
rp_env_status_t rp_envelope_from_text(const char *text, size_t len, uint8_t *bin, size_t bin_cap,
                                      size_t *bin_len);
/* Does a value look like a text envelope (prefix and alphabet)? Cheap; for
 * "already encrypted?" checks. */
bool rp_envelope_is_text(const char *text, size_t len);

/* ---- Blind index: HMAC-SM3 (GB/T 32905 SM3, RFC 2104 HMAC) ---- */

#define RP_BLIND_INDEX_MAX     32
#define RP_BLIND_INDEX_KEY_MIN 16 /* shorter keys are refused */

/* out_len (1..32) bytes of HMAC-SM3(key, context || 0x00 || value): equal
 * values under the same key and context give equal indexes, searchable with
 * an ordinary database index. context separates fields (e.g. "users.phone"),
 * so one field's index cannot be matched against another's. Returns false if
 * OpenSSL has no SM3, the key is shorter than RP_BLIND_INDEX_KEY_MIN or
 * out_len is out of range. */
bool rp_blind_index(const uint8_t *key, size_t key_len, const char *context, const uint8_t *value,
                    size_t value_len, uint8_t *out, size_t out_len);
/* Normalised for IDs, phone numbers and e-mail: the value is lower-cased and
 * stripped of spaces and '-' before hashing, so "110105 1990..." and
 * "110105-1990..." index alike. */
bool rp_blind_index_normalized(const uint8_t *key, size_t key_len, const char *context,
                               const char *value, size_t value_len, uint8_t *out, size_t out_len);

/* ---- SM3 (GB/T 32905-2016), via OpenSSL ---- */
bool rp_sm3(const uint8_t *in, size_t len, uint8_t out[32]);

/* ---- Format-preserving tokens for resident ID numbers (docs/CRYPTO.md) ---- */

typedef enum {
    RP_TOKEN_OK = 0,
    RP_TOKEN_NOT_ID, /* not an 18-character ID number with a valid check digit */
    RP_TOKEN_DATE,   /* birth date outside 1900-01-01..2099-12-31 or not a date */
    RP_TOKEN_TWEAK,  /* tweak longer than RP_FF1_TWEAK_MAX - 6 bytes */
} rp_token_status_t;

/* Map an ID number to another well-formed ID number: the region code (first 6
 * digits) and the sex digit's parity are kept; the birth date and sequence
 * number are encrypted with FF1 (NIST SP 800-38G) using SM4 as its block
 * cipher, and the check digit is recomputed. Deterministic for a key and
 * tweak; reversible with rp_id_detokenize. out gets 18 chars + NUL. */
rp_token_status_t rp_id_tokenize(const rp_sm4_key_t *key, const uint8_t *tweak, size_t tweak_len,
                                 const char id[18], char out[19]);
rp_token_status_t rp_id_detokenize(const rp_sm4_key_t *key, const uint8_t *tweak, size_t tweak_len,
                                   const char token[18], char out[19]);

/* FF1 (SP 800-38G §6.2, Algorithms 7 and 8) over decimal digit strings with a
 * caller-supplied 128-bit block cipher; exposed so the construction can be
 * checked against NIST's AES samples. Digits are values 0..9; false unless
 * 2 <= n <= 32 and tweak_len <= RP_FF1_TWEAK_MAX. in and out may alias. */
#define RP_FF1_TWEAK_MAX 64
typedef void (*rp_block_fn)(const void *cipher, const uint8_t in[16], uint8_t out[16]);
bool rp_ff1_decimal(rp_block_fn enc, const void *cipher, const uint8_t *tweak, size_t tweak_len,
                    const uint8_t *in, uint8_t *out, size_t n, bool decrypt);

#endif
